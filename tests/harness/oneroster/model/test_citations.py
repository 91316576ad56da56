"""Requirements cite the binding of the running profile: 1.1 and 1.2 bundles never see CSV121 sections."""

from __future__ import annotations

import re

import pytest

import renkei.harness.oneroster  # noqa: F401  (registers the checks)
from renkei.harness.core.registry import REGISTRY
from renkei.harness.oneroster.model.citations import cite
from renkei.harness.oneroster.model.columns import BINDING_OF, VARIANTS

OR_CHECKS = [d for d in REGISTRY.match("or.*") if "OR 1.2.1 CSV" in d.requirement]


def test_the_registry_holds_csv121_worded_requirements() -> None:
    assert len(OR_CHECKS) > 100  # guard: the tests below look at real requirement texts


@pytest.mark.parametrize("variant", [v for v in VARIANTS if BINDING_OF[v] == "1.2.1"])
def test_121_variants_keep_the_csv121_text(variant: str) -> None:
    for d in OR_CHECKS:
        assert d.requirement_for({"columns": variant}) == d.requirement


@pytest.mark.parametrize("variant", ["1.2", "jp-ed2"])
def test_12_variants_cite_csv12_and_its_users_section(variant: str) -> None:
    for d in OR_CHECKS:
        text = d.requirement_for({"columns": variant})
        assert "1.2.1" not in text and "OR 1.2 CSV" in text, d.id
        assert "§3.22" not in text and "§4.1.2" not in text, d.id
    users = REGISTRY.get("or.users.required").requirement_for({"columns": variant})
    assert users == "OR 1.2 CSV §4 'users.csv' (Required = Yes)"
    enum = REGISTRY.get("or.enrollments.enum").requirement_for({"columns": variant})
    assert "§3.9 'enrollments.csv'" in enum and "§5.1.2 (Proprietary Vocabulary Terms)" in enum


def test_11_cites_the_11_text_without_borrowed_section_numbers() -> None:
    for d in OR_CHECKS:
        text = d.requirement_for({"columns": "1.1"})
        head = text.partition(";")[0]
        assert text.startswith("OR 1.1 CSV") or "OR 1.1 CSV" in text, d.id
        assert "1.2.1" not in text and "§" not in head and not re.search(r"[,\s]$", head), d.id
    assert REGISTRY.get("or.users.refs").requirement_for({"columns": "1.1"}) == (
        "OR 1.1 CSV (bulk sets semantically complete) 'users.csv' dependencies")
    # sections of other documents stay
    assert cite("OR 1.2.1 CSV §3 (P4); RFC 4180 §2.4", "1.1") == "OR 1.1 CSV (P4); RFC 4180 §2.4"


def test_texts_of_other_documents_are_left_alone() -> None:
    assert cite("学習eポータル標準モデル Ver.4.00 users", "1.1") == "学習eポータル標準モデル Ver.4.00 users"
    assert cite("OR 1.2.1 CSV §3.22 'users.csv'", "no-such-variant") == "OR 1.2.1 CSV §3.22 'users.csv'"
