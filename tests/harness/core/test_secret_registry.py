"""The secret registry: every spelling of a registered secret is masked, including cut-off pieces."""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote, quote_plus

import pytest

from renkei.harness.core import secret_registry
from renkei.harness.core.model import CheckResult, Finding, Location, Outcome, Severity
from renkei.harness.core.secret_registry import (
    SecretRegistry,
    basic_auth_problem,
    header_value_problem,
    too_short,
)

SECRET = 'tok/en+va"lue&<42>=='
NAME = "secrets.headers.X-Staging-Key"


@pytest.fixture
def registry() -> SecretRegistry:
    reg = SecretRegistry()
    reg.add(SECRET, NAME)
    return reg


@pytest.mark.parametrize("spelling", [
    SECRET, quote(SECRET, safe=""), quote_plus(SECRET), json.dumps(SECRET)[1:-1], html.escape(SECRET),
    html.escape(SECRET, quote=False), repr(SECRET)[1:-1],
])
def test_every_spelling_is_masked(registry: SecretRegistry, spelling: str) -> None:
    assert registry.scrub(f"the page said {spelling} back") == f"the page said [secret:{NAME}] back"


def test_a_secret_cut_off_at_either_end_of_an_excerpt_is_masked(registry: SecretRegistry) -> None:
    assert registry.scrub("Error: your key " + SECRET[:9] + "…") == f"Error: your key [secret:{NAME}]…"
    assert registry.scrub("…" + SECRET[-7:] + " was refused") == f"…[secret:{NAME}] was refused"
    assert registry.scrub("Error: your key " + SECRET[:3]) == "Error: your key " + SECRET[:3]  # too short to tell


def test_basic_auth_masks_the_password_and_the_authorization_value() -> None:
    reg = SecretRegistry()
    reg.add_basic_auth("vendor", "pa55-word-staging", "secrets.basic_auth_password")
    token = base64.b64encode(b"vendor:pa55-word-staging").decode()
    text = reg.scrub(f"Authorization: Basic {token}; pw=pa55-word-staging; pair=vendor:pa55-word-staging")
    assert "pa55" not in text and token not in text
    assert text.count("[secret:secrets.basic_auth_password]") == 3
    assert reg.scrub("user vendor") == "user vendor"  # an account name alone is not a secret


def test_scrub_model_reaches_every_string_field(registry: SecretRegistry) -> None:
    result = CheckResult(
        id="x", requirement="R", severity=Severity.ERROR, outcome=Outcome.FAILED, title="t", title_ja="t",
        description="d", description_ja="d", error=f"boom {SECRET}",
        findings=[Finding(message=f"m {SECRET}", message_ja=f"ja {SECRET}", value=SECRET,
                          location=Location(endpoint=f"https://tool.test/?k={quote(SECRET, safe='')}"))],
    )
    scrubbed = registry.scrub_model(result)
    assert SECRET not in scrubbed.model_dump_json() and quote(SECRET, safe="") not in scrubbed.model_dump_json()
    assert scrubbed.findings[0].value == f"[secret:{NAME}]"
    assert SecretRegistry().scrub_model(result) is result  # nothing registered: no copy


def test_scrub_bytes_is_none_when_clean(registry: SecretRegistry) -> None:
    assert registry.scrub_bytes(b"<p>nothing here</p>") is None
    assert registry.scrub_bytes(f"<p>{html.escape(SECRET)}</p>".encode()) == f"<p>[secret:{NAME}]</p>".encode()


def test_short_values_are_never_registered_but_long_tokens_are() -> None:
    reg = SecretRegistry()
    reg.add("pass", "x")
    assert not reg and reg.scrub("passed") == "passed"
    assert too_short("pass") and too_short("12345678") is None


@pytest.mark.parametrize(("value", "problem"), [
    ("", "is empty"), ("abc\r\nX-Evil: 1", "line break"), ("トークン", "non-ASCII"), ("a\x07b", "control character"),
    (" token", "whitespace"), ("ok-token-value", None),
])
def test_header_values_that_cannot_be_sent(value: str, problem: str | None) -> None:
    found = header_value_problem(value)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_basic_credentials_that_cannot_be_sent() -> None:
    assert basic_auth_problem("ven:dor", "password1") == ("user", "contains ':', which RFC 7617 forbids in a Basic user-id")
    assert basic_auth_problem("vendor", "")[0] == "password"  # type: ignore[index]
    assert basic_auth_problem("vendor", "pass\nword")[0] == "password"  # type: ignore[index]
    assert basic_auth_problem("vendor", "パスワード123") is None  # UTF-8 is allowed in Basic


def test_begin_run_starts_a_fresh_registry() -> None:
    secret_registry.active().add("left-over-from-before", "old")
    fresh = secret_registry.begin_run()
    assert secret_registry.active() is fresh and not fresh


def test_declared_fields_keep_a_public_word_that_begins_a_secret() -> None:
    """A vendor named ``renkei`` with a secret ``renkei-demo-lrp-0001``: the vendor stays readable in the
    declared fields, the secret itself is still masked there, and a peer's excerpt is still cut-masked."""
    from pydantic import BaseModel

    class Record(BaseModel):
        product: dict[str, str]
        excerpt: str

    reg = SecretRegistry()
    reg.add("renkei-demo-lrp-0001", "lrs.secret")
    record = Record(product={"vendor": "renkei", "note": "renkei-demo-lrp-0001"}, excerpt="key renkei-demo")
    scrubbed = reg.scrub_model(record, declared=("product",))
    assert scrubbed.product == {"vendor": "renkei", "note": "[secret:lrs.secret]"}
    assert scrubbed.excerpt == "key [secret:lrs.secret]"
    assert reg.scrub_model(record).product["vendor"] == "[secret:lrs.secret]"  # undeclared: the cautious reading
