"""Every key a target's ``describe()`` produces has a ja/en label, and no label is left unused."""

from __future__ import annotations

from pathlib import Path

from renkei.harness.lti.platform.config import load_target as load_platform
from renkei.harness.lti.tool.config import load_target as load_tool
from renkei.harness.oneroster.csv.target import OneRosterCsvTarget
from renkei.reports.i18n import TARGET_KEYS, target_key

EXAMPLES = Path(__file__).resolve().parents[2] / "profiles" / "examples"


def _described(tmp_path: Path) -> set[str]:
    oneroster = OneRosterCsvTarget(str(tmp_path), {})
    try:
        keys = set(oneroster.describe())
    finally:
        oneroster.close()
    keys |= set(load_tool(EXAMPLES / "tool.yaml").describe())
    return keys | set(load_platform(EXAMPLES / "platform.yaml").describe())


def test_target_keys_match_what_targets_describe(tmp_path: Path) -> None:
    assert set(TARGET_KEYS) == _described(tmp_path)


def test_labels_are_translated_and_unknown_keys_show_as_is() -> None:
    assert target_key("jwks_url", "en") == "JWKS URL" and target_key("jwks_url", "ja").startswith("公開鍵")
    assert target_key("something_else", "ja") == "something_else"
