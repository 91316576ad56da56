"""Role vocabulary classification [CORE App. A]."""

from __future__ import annotations

import pytest

from renkei.harness.lti.protocol import vocab


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        (vocab.ROLE_LEARNER, "context"),
        ("http://purl.imsglobal.org/vocab/lis/v2/membership#Officer", "context"),
        ("http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant", "context-sub"),
        (vocab.ROLE_INST_STUDENT, "institution"),
        (vocab.ROLE_SYS_ADMIN, "system"),
        (vocab.ROLE_TEST_USER, "lti-system"),
        ("http://purl.imsglobal.org/vocab/lis/v2/person#Student", "deprecated"),
        ("Instructor", "deprecated"),
        ("http://example.com/custom/TeachingAssistant", "unknown"),
        ("http://purl.imsglobal.org/vocab/lis/v2/membership#Wizard", "unknown"),
    ],
)
def test_role_kind(uri: str, kind: str) -> None:
    assert vocab.role_kind(uri) == kind


def test_is_lti_role_requires_full_uri() -> None:
    assert vocab.is_lti_role(vocab.ROLE_INSTRUCTOR)
    assert not vocab.is_lti_role("Instructor")
    assert vocab.is_core_role(vocab.ROLE_INSTRUCTOR)
    assert not vocab.is_core_role(vocab.context_role("Member"))
    assert vocab.simple_role_name(vocab.ROLE_LEARNER) == "Learner"


def test_claim_names_are_the_core_ones() -> None:
    assert vocab.CLAIM_MESSAGE_TYPE == "https://purl.imsglobal.org/spec/lti/claim/message_type"
    assert vocab.CLAIM_CUSTOM in vocab.DL_TYPO_CLAIMS.values()
