from __future__ import annotations

import pytest
from pydantic import ValidationError

from renkei.mocks.lrs.config import AUTHORITY_HOME, LrsClient, LrsConfig


def test_client_rules() -> None:
    with pytest.raises(ValidationError, match="cannot contain ':'"):
        LrsClient(key="a:b", secret="s")
    with pytest.raises(ValidationError, match="unknown scope"):
        LrsClient(key="a", secret="s", scopes=("everything",))
    with pytest.raises(ValidationError, match="authority"):
        LrsClient(key="a", secret="s", authority={"objectType": "Agent", "name": "no IFI"})


def test_authority_default_and_given() -> None:
    assert LrsClient(key="k", secret="s").authority_agent() == {
        "objectType": "Agent", "account": {"homePage": AUTHORITY_HOME, "name": "k"}}
    given = {"objectType": "Agent", "mbox": "mailto:lrs-admin@board.example.jp"}
    assert LrsClient(key="k", secret="s", authority=given).authority_agent() == given


def test_config_rules() -> None:
    with pytest.raises(ValidationError, match="unique"):
        LrsConfig(clients=[LrsClient(key="k", secret="a"), LrsClient(key="k", secret="b")])
    with pytest.raises(ValidationError, match="at least one"):
        LrsConfig(versions=[])
    with pytest.raises(ValidationError):
        LrsConfig(versions=["1.1.0"])  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        LrsConfig(max_body_bytes=10)
