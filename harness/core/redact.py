"""Masking of personal data in results (``--redact``), applied once before any writer runs.

Findings keep the offending value in ``Finding.value`` only (messages never embed it), so
masking the value of personal columns/claims is enough for every output. Passwords are always
masked, with or without ``--redact``.
"""

from __future__ import annotations

from renkei.harness.core.model import Finding, RunResult

MASK = "＊＊＊"

PERSONAL_FIELDS = frozenset({
    # OneRoster CSV / REST
    "givenName", "familyName", "middleName", "preferredGivenName", "preferredMiddleName",
    "preferredFamilyName", "preferredFirstName", "preferredLastName", "email", "sms", "phone",
    "birthDate", "username", "identifier", "userIds", "cityOfBirth",
    "metadata.jp.kanaGivenName", "metadata.jp.kanaFamilyName", "metadata.jp.kanaMiddleName",
    "metadata.jp.kanaPreferredGivenName", "metadata.jp.kanaPreferredFamilyName",
    "metadata.jp.kanaPreferredMiddleName",
    # LTI / OIDC claims and NRPS member fields
    "given_name", "family_name", "middle_name", "name", "picture", "person_sourcedid",
    "nickname", "preferred_username", "phone_number", "address", "birthdate", "gender",
    # xAPI
    "mbox", "mbox_sha1sum",
})
ALWAYS_MASKED = frozenset({"password"})


def _field(finding: Finding) -> str | None:
    """The field a value belongs to: the last part of a claim URI or path, without suffixes.

    ``…/claim/lis.person_sourcedid`` → ``person_sourcedid``; ``members[0].given_name`` →
    ``given_name``; a duplicate CSV header ``givenName#2`` → ``givenName``.
    """
    loc = finding.location
    name = loc.column or loc.claim
    if name is None:
        return None
    if not name.startswith("metadata."):  # OneRoster extension columns keep their dotted name
        name = name.rsplit("/", 1)[-1].rsplit(".", 1)[-1]
    return name.split("[", 1)[0].rsplit("#", 1)[0]


def mask_value(finding: Finding, *, redact: bool) -> Finding:
    name = _field(finding)
    if finding.value is None or name is None:
        return finding
    if name in ALWAYS_MASKED or (redact and name in PERSONAL_FIELDS):
        return finding.model_copy(update={"value": MASK})
    return finding


def redact_run(run: RunResult, *, redact: bool) -> RunResult:
    """Return ``run`` with personal values masked (passwords always)."""
    checks = [
        c.model_copy(update={"findings": [mask_value(f, redact=redact) for f in c.findings]})
        for c in run.checks
    ]
    return run.model_copy(update={"checks": checks, "redacted": redact})
