"""One passing and one failing input per lti-platform check.

Passing: every check against the unmodified mock e-portal. Failing: the mock's own faults (see
``platform_env.RED``), a ``Tamper`` rule that makes the portal misbehave in one way, a
target/registration mismatch, or a recorded launch whose claims are edited after the fact.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from renkei.harness.core.registry import REGISTRY
from renkei.harness.lti.platform.target import LtiPlatformTarget
from renkei.harness.lti.protocol import vocab
from tests.harness.lti.platform.platform_env import DEPLOYMENT, EPORTAL, RED, mock_platform_env, run_one
from tests.harness.lti.platform.platform_tamper import Rule, Tamper, form_edit, replace_response

ALL = sorted(c.id for c in REGISTRY.all() if c.kind == "lti-platform")


@pytest.fixture(scope="module")
def green() -> Iterator[LtiPlatformTarget]:
    with mock_platform_env() as target:
        yield target


@pytest.mark.parametrize("check_id", ALL)
def test_check_passes_against_the_mock_eportal(green: LtiPlatformTarget, check_id: str) -> None:
    outcome = run_one(green, check_id)
    assert outcome.status == "passed", [f.message for f in outcome.findings]


# --- failing inputs -----------------------------------------------------------------------------
def tamper(*rules: Rule) -> Callable[[Any, LtiPlatformTarget], Any]:
    return lambda app, _target: Tamper(app, *rules)


def edit_login_redirect(param: str, value: str) -> Rule:
    """The portal's launch starter sends a login initiation with one parameter changed."""

    def response(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if "location" not in headers:  # the auto-POST variant of the launch starter is left alone
            return status, headers, body
        loc = urlsplit(headers["location"])
        query = {k: v[-1] for k, v in parse_qs(loc.query).items()} | {param: value}
        headers["location"] = loc._replace(query=urlencode(query)).geturl()
        return status, headers, body

    return Rule("GET", "/launch", response=response)


def lenient_auth(edit: Callable[[dict[str, str]], None]) -> Rule:
    """The portal's auth endpoint ignores one rule (the request is repaired before it looks)."""
    return Rule("GET", "/auth", request=form_edit(edit))


def set_default(name: str, value: str) -> Callable[[dict[str, str]], None]:
    return lambda p: p.setdefault(name, value)


def any_assertion(app: Any, target: LtiPlatformTarget) -> Any:
    """A token endpoint that accepts any client assertion (it is swapped for a valid one)."""

    def swap(form: dict[str, str]) -> None:
        form["client_assertion"] = target.services.sign(target.services.assertion_claims())

    return Tamper(app, Rule("POST", "/token", request=form_edit(swap)))


def rotating_jwks() -> Rule:
    """The second and later JWKS fetches publish another key under the first kid."""
    calls = {"n": 0}

    def response(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        calls["n"] += 1
        data = json.loads(body)
        if calls["n"] > 1:
            data["keys"][0]["n"] = "AQAB" + data["keys"][0]["n"][4:]
        return status, headers, json.dumps(data).encode()

    return Rule("GET", "/jwks", response=response)


def jwks_edit(edit: Callable[[dict[str, Any]], None]) -> Rule:
    def response(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        data = json.loads(body)
        edit(data["keys"][0])
        return status, headers, json.dumps(data).encode()

    return Rule("GET", "/jwks", response=response)


def drop_query(*names: str) -> Rule:
    def edit(query: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        return {k: v for k, v in query.items() if k not in names}, body

    return Rule("GET", r"/ags/[^/]+/lineitems", request=edit)


def post_to_get(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    return status, headers, body.replace(b'method="post"', b'method="get"')


def status_to(new: int) -> Callable[[int, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]:
    return lambda _s, headers, body: (new, headers, body)


def json_type(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    return status, headers | {"content-type": "application/json"}, body


ACCEPT_ALL_DL = Rule("POST", "/dl/return", response=replace_response(200, b'{"status": "accepted"}'))
BAD_TOKEN = replace_response(200, json.dumps({"access_token": "t", "token_type": "mac", "expires_in": "soon",
                                              "scope": "https://example.invalid/other"}).encode())

# check id -> keyword arguments of mock_platform_env that make exactly this rule break
FAILING_ENV: dict[str, dict[str, Any]] = {
    "lti.platform.login.launch_completes": {
        "launches": {"scenarios": {"instructor": f"{EPORTAL}/launch?client_id={{client_id}}&user=u-teacher&context=class-1a",
                                   "student": f"{EPORTAL}/launch?client_id={{client_id}}&user=nobody"}}},
    "lti.platform.login.params": {"wrap": tamper(edit_login_redirect("iss", "https://other-issuer.example"))},
    "lti.platform.login.deployment_consistent": {"wrap": tamper(edit_login_redirect("lti_deployment_id", "S_other"))},
    "lti.platform.login.target_link_uri_match": {
        "wrap": tamper(edit_login_redirect("target_link_uri", "https://renkei-tool.test/elsewhere"))},
    "lti.platform.auth.response_form_post": {"wrap": tamper(Rule("GET", "/auth", response=post_to_get))},
    "lti.platform.auth.requires_nonce": {"wrap": tamper(lenient_auth(set_default("nonce", "n")))},
    "lti.platform.auth.requires_prompt_none": {"wrap": tamper(lenient_auth(set_default("prompt", "none")))},
    "lti.platform.auth.requires_form_post": {
        "wrap": tamper(lenient_auth(lambda p: p.__setitem__("response_mode", "form_post")))},
    "lti.platform.auth.wrong_client_id": {
        "wrap": tamper(lenient_auth(lambda p: p.__setitem__("client_id", "renkei-harness-client")))},
    "lti.platform.jwks.keys": {"wrap": tamper(jwks_edit(lambda k: k.pop("kid")))},
    "lti.platform.jwks.kid_stable": {"wrap": tamper(rotating_jwks())},
    "lti.platform.dl.response_accepted": {
        "wrap": tamper(Rule("POST", "/dl/return", response=replace_response(400, b'{"error": "no"}')))},
    "lti.platform.dl.forged_signature": {"wrap": tamper(ACCEPT_ALL_DL)},
    "lti.platform.dl.wrong_aud": {"wrap": tamper(ACCEPT_ALL_DL)},
    "lti.platform.dl.missing_data": {"wrap": tamper(ACCEPT_ALL_DL)},
    "lti.platform.token.valid": {"wrap": tamper(Rule("POST", "/token", response=BAD_TOKEN))},
    "lti.platform.token.bad_signature": {"wrap": any_assertion},
    "lti.platform.token.wrong_aud": {"wrap": any_assertion},
    "lti.platform.token.expired": {"wrap": any_assertion},
    "lti.platform.nrps.claim": {"tool": {"nrps": False}},
    "lti.platform.nrps.container": {"wrap": tamper(Rule("GET", "/nrps/[^/]+", response=json_type))},
    "lti.platform.ags.claim": {"tool": {"ags": False}},
    "lti.platform.ags.lineitems": {"wrap": tamper(Rule("POST", r"/ags/[^/]+/lineitems", response=status_to(200)))},
    "lti.platform.ags.container_filters": {"wrap": tamper(drop_query("tag", "resource_id"))},
    "lti.platform.ags.scores": {
        "wrap": tamper(Rule("POST", r"/ags/.+/scores", response=replace_response(415, b'{"error": "type"}')))},
    "lti.platform.ags.results": {
        "wrap": tamper(Rule("GET", r"/ags/.+/results",
                            response=replace_response(200, b"[]", vocab.MEDIA_AGS_RESULT_CONTAINER)))},
    "lti.platform.cert.advantage_complete": {"platform": {"services": {"deep_linking": True, "nrps": False}}},
    "lti.platform.jp.deep_linking_offered": {"platform": {"services": {"deep_linking": False, "nrps": True,
                                                                         "ags": True}}},
}

# check id -> (scenario, claims edit): the recorded launch's claims are changed after the fact
EDITED_CLAIMS: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
    "lti.platform.id_token.issuer": ("student", lambda c: c.__setitem__("iss", "http://eportal.test")),
    "lti.platform.id_token.audience": ("student", lambda c: c.__setitem__("aud", ["someone-else", "other"])),
    "lti.platform.id_token.sub": ("student", lambda c: c.__setitem__("sub", "生徒")),
    "lti.platform.id_token.required_claims": ("student", lambda c: c.pop(vocab.CLAIM_DEPLOYMENT_ID)),
    "lti.platform.id_token.claim_shapes": ("student", lambda c: c[vocab.CLAIM_CONTEXT].pop("id")),
    "lti.platform.id_token.roles_correct": ("student", lambda c: c.__setitem__(vocab.CLAIM_ROLES, [vocab.ROLE_INSTRUCTOR])),
    "lti.platform.dl.request_claims": ("deep_linking", lambda c: c.__setitem__(vocab.CLAIM_RESOURCE_LINK, {"id": "x"})),
    "lti.platform.jp.deployment_school_code": (
        "student", lambda c: c.__setitem__(vocab.CLAIM_DEPLOYMENT_ID, "S_B101200000018")),
}


def test_every_check_has_a_failing_input() -> None:
    covered = set(FAILING_ENV) | set(EDITED_CLAIMS) | set().union(*RED.values())
    assert covered == set(ALL)


@pytest.mark.parametrize("check_id", sorted(FAILING_ENV))
def test_check_fails_on_a_misbehaving_platform(check_id: str) -> None:
    kwargs = dict(FAILING_ENV[check_id])
    with mock_platform_env(**kwargs) as target:
        outcome = run_one(target, check_id)
    assert outcome.status in ("failed", "warning"), outcome.reason
    assert outcome.findings and all(f.message and f.message_ja for f in outcome.findings)


@pytest.mark.parametrize("check_id", sorted(EDITED_CLAIMS))
def test_check_fails_on_edited_claims(check_id: str) -> None:
    scenario, edit = EDITED_CLAIMS[check_id]
    with mock_platform_env() as target:
        record = target.launcher.launch(scenario)
        assert record.claims is not None
        edit(record.claims)
        target.shared("launch:" + scenario, lambda: record)
        outcome = run_one(target, check_id)
    assert outcome.status in ("failed", "warning")
    assert outcome.findings[0].location.claim is not None or outcome.findings[0].location.endpoint


def test_findings_never_embed_the_offending_value() -> None:
    with mock_platform_env({"sub_is_username"}) as target:
        outcome = run_one(target, "lti.platform.jp.sub_uuid_v4")
    assert outcome.findings[0].value == "sensei01"
    assert all("sensei01" not in (f.message + (f.message_ja or "")) for f in outcome.findings)


def test_negative_auth_checks_need_a_working_baseline() -> None:
    broken = {"instructor": f"{EPORTAL}/launch?user=nobody", "student": f"{EPORTAL}/launch?user=nobody"}
    with mock_platform_env(launches={"scenarios": broken}) as target:
        outcome = run_one(target, "lti.platform.auth.requires_nonce")
    assert outcome.status == "failed"
    assert "Cannot judge" in outcome.findings[0].message


def test_a_refusal_that_ends_on_a_foreign_error_page_counts_as_a_refusal() -> None:
    def errors_elsewhere(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if b'name="error"' in body:
            return 302, {"location": "https://portal-errors.example.test/oops"}, b""
        return status, headers, body

    with mock_platform_env(wrap=tamper(Rule("GET", "/auth", response=errors_elsewhere))) as target:
        record = target.launcher.launch("instructor", overrides={"nonce": None})
        outcome = run_one(target, "lti.platform.auth.requires_nonce")
    assert record.outcome == "refused" and "neither the Tool nor the harness" in record.en
    assert outcome.status == "passed"


def test_paging_is_judged_over_three_pages_or_more() -> None:
    """A Platform whose paging breaks only after page 2 passed the old two-page checks."""
    with mock_platform_env({"paging_ends_at_page_2"}) as target:
        members = run_one(target, "lti.platform.nrps.paging")
        items = run_one(target, "lti.platform.ags.paging")
    assert members.status == "failed" and members.findings[0].value == "2/5 after 2 pages"
    assert items.status == "failed" and items.findings[0].value == "2/3 after 2 pages"


def test_a_context_too_small_for_three_pages_is_not_evaluated() -> None:
    small = {"instructor": f"{EPORTAL}/launch?client_id={{client_id}}&user=u-teacher&context=class-1b",
             "student": f"{EPORTAL}/launch?client_id={{client_id}}&user=u-s1&context=class-1b"}
    with mock_platform_env(launches={"scenarios": small}) as target:  # class-1b: a teacher and one student
        outcome = run_one(target, "lti.platform.nrps.paging")
    assert outcome.status == "error" and "only 2 members" in (outcome.reason or "")


def test_with_one_deployment_listed_the_other_deployment_is_an_unregistered_one() -> None:
    """A registered-only deployment check is caught only when the target file lists a second deployment."""
    one = {"platform": {"deployment_ids": [DEPLOYMENT]}}
    with mock_platform_env({"dl_deployment_registered_only"}, tool={"deployment_ids": [DEPLOYMENT]}, **one) as target:
        assert run_one(target, "lti.platform.dl.other_deployment").status == "passed"
    with mock_platform_env({"skip_dl_deployment_check"}, tool={"deployment_ids": [DEPLOYMENT]}, **one) as target:
        assert run_one(target, "lti.platform.dl.other_deployment").status == "failed"
