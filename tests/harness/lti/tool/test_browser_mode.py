"""Browser-driven launches (``browser.engine: chromium``) against a Tool whose pages need JavaScript.

The Tool is the JS-gated mock (``js_tool``) on a real 127.0.0.1 port: plain HTTP stalls on it with
a ``needs_javascript`` result; Chromium gets through, and valid launches are accepted while forged
ones are rejected. Tests that drive Chromium skip only when ``/usr/bin/chromium`` is absent.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol.browser import Browser
from renkei.harness.lti.protocol.transport import TransportFailure
from renkei.harness.lti.tool import browser_driver
from renkei.harness.lti.tool.browser_driver import _cookie, _jar_to_playwright, _Shared, form_post_page
from renkei.harness.lti.tool.config import parse_target
from renkei.harness.lti.tool.launches import ACCEPTED, ERROR, REJECTED, UNCLEAR, LaunchSpec
from renkei.harness.lti.tool.payloads import set_claim
from renkei.harness.lti.tool.target import LtiToolTarget
from tests.harness.lti.tool.js_tool import GATE_COOKIE, OFFSITE_URL, js_tool_env
from tests.harness.lti.tool.tool_env import _platform_keys, run_one

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed "
                                    "(apt-get install chromium); CI installs it")


def _config(**browser: Any) -> Any:
    return parse_target({
        "tool": {"login_url": "http://127.0.0.1:9/login", "redirect_uris": ["http://127.0.0.1:9/launch"],
                 "target_link_uri": "http://127.0.0.1:9/launch", "jwks_url": "http://127.0.0.1:9/jwks",
                 "client_id": "c", "deployment_ids": ["d"]},
        "harness": {"base_url": "http://127.0.0.1:8"},
        "browser": browser,
    }, "t.yaml")


# --- configuration ---------------------------------------------------------------------------
def test_the_browser_section_defaults_to_plain_http_and_is_validated() -> None:
    assert _config().browser.engine == "http"
    assert _config(engine="chromium").describe()["browser_engine"] == "chromium"
    with pytest.raises(ConfigError, match=r"t.yaml: field browser.engine"):
        _config(engine="firefox")
    with pytest.raises(ConfigError, match=r"field browser.surprise"):
        _config(surprise=True)


def test_a_missing_chromium_is_a_one_line_config_error_at_open() -> None:
    with pytest.raises(ConfigError) as err:
        LtiToolTarget(_config(engine="chromium", executable="/nonexistent/chromium"), serve=False,
                      keys=_platform_keys())
    message = str(err.value)
    assert "\n" not in message and "browser.executable /nonexistent/chromium" in message
    assert "apt-get install chromium" in message


def test_missing_playwright_is_a_config_error_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "playwright", None)  # an import of it now fails as if not installed
    assert not browser_driver.playwright_available()
    with pytest.raises(ConfigError, match=r"needs Playwright.*run: pip install 'renkei\[browser\]'$"):
        LtiToolTarget(_config(engine="chromium"), serve=False, keys=_platform_keys())
    plain = LtiToolTarget(_config(), serve=False, keys=_platform_keys())
    assert plain.launcher.driver is None
    plain.close()


def test_the_form_post_page_escapes_values_and_cookies_survive_the_jar_round_trip() -> None:
    page = form_post_page("http://t.test/launch?a=1&b=2", {"id_token": '"><script>x</script>', "state": "s"})
    assert '"><script>x' not in page and "&quot;&gt;&lt;script&gt;" in page and "a=1&amp;b=2" in page
    jar = Browser(transport=None, allowed_hosts=set(), stop_hosts=set(), timeout=1, max_body=1024, max_redirects=0)
    try:
        jar.client.cookies.jar.set_cookie(_cookie({"name": "st", "value": "v1", "domain": "127.0.0.1", "path": "/",
                                                   "secure": True, "httpOnly": True, "sameSite": "None",
                                                   "expires": -1}))
        (back,) = _jar_to_playwright(jar)
        assert back == {"name": "st", "value": "v1", "domain": "127.0.0.1", "path": "/", "secure": True,
                        "httpOnly": True, "sameSite": "None"}
    finally:
        jar.close()


# --- plain HTTP against the JS Tool: a clear "needs JavaScript" -----------------------------------
def test_plain_http_reports_that_the_login_needs_javascript() -> None:
    with js_tool_env("http") as target:
        result = target.launcher.run(LaunchSpec(), {})
        assert (result.outcome, result.stage, result.code) == (UNCLEAR, "login", "needs_javascript")
        assert "browser.engine: chromium" in result.en and "JavaScript" in result.ja
        outcome = run_one(target, "lti.tool.core.login_get")
        assert outcome.status == "failed" and "needs JavaScript" in outcome.findings[0].message


def test_plain_http_flags_a_launch_page_that_renders_its_marker_by_script() -> None:
    with js_tool_env("http", gate_login=False, script_login=False) as target:
        result = target.launcher.run(LaunchSpec(), {})
        assert (result.outcome, result.stage, result.code) == (UNCLEAR, "launch", "needs_javascript")
        assert result.status == 200 and "runs scripts" in result.en
        assert result.page is not None and "lti-launch" not in result.page.text  # only a script renders it


# --- Chromium --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium_target() -> Iterator[LtiToolTarget]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium); CI installs it")
    with js_tool_env("chromium", tool={"services": {"deep_linking": True, "nrps": True, "ags": True}},
                     services={"trigger_form_action": "services/run", "wait_seconds": 10}) as target:
        yield target


@needs_chromium
@pytest.mark.parametrize("login_method", ["GET", "POST"])
def test_chromium_gets_through_the_script_gates_and_the_launch_is_accepted(
        chromium_target: LtiToolTarget, login_method: str) -> None:
    result = chromium_target.launcher.run(LaunchSpec(login_method=login_method), {})
    assert result.outcome == ACCEPTED, result.en
    assert result.stage == "launch" and result.status == 200 and result.page is not None
    assert 'id="lti-launch"' in result.page.text  # rendered by script, read from the DOM
    assert result.auth is not None and result.auth.params["response_mode"] == "form_post"
    assert result.claims is not None and result.claims["nonce"] == result.auth.params["nonce"]
    assert result.posted["state"] == result.auth.params["state"]
    assert result.browser is not None and GATE_COOKIE in {c.name for c in result.browser.client.cookies.jar}


@needs_chromium
@pytest.mark.parametrize("spec", [
    LaunchSpec(mutate=set_claim("aud", "renkei-other-client")),
    LaunchSpec(signing="none"),
    LaunchSpec(signing="wrong_key"),
], ids=["wrong_aud", "alg_none", "wrong_key"])
def test_chromium_forged_launches_are_rejected(chromium_target: LtiToolTarget, spec: LaunchSpec) -> None:
    result = chromium_target.launcher.run(spec, {})
    assert (result.outcome, result.stage, result.status) == (REJECTED, "launch", 401), result.en


@needs_chromium
@pytest.mark.parametrize("check_id", ["lti.tool.core.login_post", "lti.tool.sec.alg_none", "lti.tool.sec.wrong_aud",
                                      "lti.tool.sec.nonce_replay", "lti.tool.dl.response", "lti.tool.auth.nonce",
                                      "lti.tool.nrps.accept"])
def test_profile_checks_pass_against_the_js_tool_in_chromium_mode(chromium_target: LtiToolTarget,
                                                                  check_id: str) -> None:
    outcome = run_one(chromium_target, check_id)
    assert outcome.status == "passed", [f.message for f in outcome.findings]


@needs_chromium
def test_a_login_the_tool_refuses_is_a_rejection_at_login(chromium_target: LtiToolTarget) -> None:
    result = chromium_target.launcher.run(LaunchSpec(login_overrides={"iss": "https://unknown.example"}), {})
    assert (result.outcome, result.stage, result.status) == (REJECTED, "login", 400), result.en
    assert result.auth is None and result.id_token is None


@needs_chromium
def test_a_tool_accepting_unsigned_tokens_fails_the_check_in_chromium_mode() -> None:
    with js_tool_env("chromium", faults=frozenset({"accept_alg_none", "skip_nonce_replay"})) as target:
        alg = run_one(target, "lti.tool.sec.alg_none")
        assert alg.status == "failed" and alg.findings[0].message == "The Tool accepted a launch it must reject."
        assert run_one(target, "lti.tool.sec.nonce_replay").status == "warning"


@needs_chromium
@pytest.mark.parametrize("offsite", ["script", "302"])
def test_a_redirect_to_another_host_is_refused_and_reported(offsite: str) -> None:
    with js_tool_env("chromium", offsite=offsite) as target:
        result = target.launcher.run(LaunchSpec(), {})
        assert (result.outcome, result.stage, result.code) == (ERROR, "login", "offsite_redirect")
        assert result.blocked == [OFFSITE_URL] and "redirect to another host" in result.en
        outcome = run_one(target, "lti.tool.core.login_get")
        finding = outcome.findings[0]
        assert outcome.status == "failed" and "redirect to another host" in finding.message
        assert OFFSITE_URL not in finding.message and finding.message_ja


@needs_chromium
def test_a_return_to_the_platform_with_lti_errormsg_is_a_rejection() -> None:
    with js_tool_env("chromium", return_errors=True) as target:
        result = target.launcher.run(LaunchSpec(signing="none"), {})
        assert (result.outcome, result.stage) == (REJECTED, "launch") and "lti_errormsg" in result.en
        assert result.page is not None and result.page.location is not None
        assert result.page.location.startswith(target.config.harness.base_url + "/return?")


@needs_chromium
def test_a_tool_that_never_answers_is_not_evaluated_not_a_hang() -> None:
    with js_tool_env("chromium", hang_launch=True, timeout_seconds=2) as target:
        with pytest.raises(TransportFailure) as raised:
            target.launcher.run(LaunchSpec(), {})
        assert (raised.value.code, raised.value.en) == ("timeout", "No response within 2 s.")
        assert raised.value.url == target.config.tool.redirect_uris[0] and raised.value.method == "POST"


@needs_chromium
def test_a_page_over_the_body_cap_is_an_error() -> None:
    with js_tool_env("chromium", observation={"max_body_bytes": 1024}) as target:
        result = target.launcher.run(LaunchSpec(), {})
        assert (result.outcome, result.code) == (ERROR, "body_too_large") and "1024-byte cap" in result.en


@needs_chromium
def test_an_unreachable_tool_is_not_evaluated_and_the_browser_is_closed() -> None:
    reserved = socket.socket()
    reserved.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    port = reserved.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    config = parse_target({
        "tool": {"login_url": base + "/login", "redirect_uris": [base + "/launch"], "target_link_uri": base + "/launch",
                 "jwks_url": base + "/jwks", "client_id": "c", "deployment_ids": ["d"]},
        "harness": {"base_url": "http://127.0.0.1:8"}, "browser": {"engine": "chromium"},
        "observation": {"timeout_seconds": 5},
    }, "t.yaml")
    target = LtiToolTarget(config, serve=False, keys=_platform_keys())
    driver = target.launcher.driver
    assert driver is not None
    try:
        with pytest.raises(TransportFailure) as raised:
            target.launcher.run(LaunchSpec(), {})
        assert (raised.value.code, raised.value.method) == ("connect", "GET")
        assert raised.value.en == "The connection could not be established." and raised.value.ja
        users = _Shared.users[driver.key]
    finally:
        target.close()
        reserved.close()
    assert driver.holding is None and _Shared.users.get(driver.key, 0) == users - 1
    target.close()  # twice is harmless
    assert _Shared.users.get(driver.key, 0) == users - 1
