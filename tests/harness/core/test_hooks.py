"""A hook of a vendor's target file: one request or one command, placeholders filled, every failure one reason."""

from __future__ import annotations

import json
import sys

import httpx
import pytest
import respx

from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.hooks import MAX_ANSWER, fill, fill_url, run_command, run_request

URL = "http://sis.test/admin/transfer"


def test_placeholders_are_filled_in_strings_lists_and_mappings() -> None:
    values = {"user": "u/1 ?", "to_school": "s-2"}
    assert fill({"a": ["{user}", 3, {"b": "x{to_school}"}], "c": None}, values) == {
        "a": ["u/1 ?", 3, {"b": "xs-2"}], "c": None}
    assert fill_url("http://sis.test/users/{user}?school={to_school}", values) == \
        "http://sis.test/users/u%2F1%20%3F?school=s-2"  # a sourcedId cannot break out of its path segment


@respx.mock
def test_a_request_hook_sends_its_body_and_secret_headers() -> None:
    route = respx.patch(URL).mock(return_value=httpx.Response(200, json={"ok": True}))
    assert run_request("PATCH", URL, what="the transfer hook", wait_seconds=5, body={"user": "u1"},
                       headers={"Authorization": "Bearer k"}) == 200
    sent = route.calls.last.request
    assert json.loads(sent.content) == {"user": "u1"} and sent.headers["authorization"] == "Bearer k"


@respx.mock
@pytest.mark.parametrize(("answer", "reason"), [
    (httpx.Response(500, text="x" * (10 * MAX_ANSWER)), "POST " + URL + ": the transfer hook answered HTTP 500: " + "x" * 300),
    (httpx.Response(302, headers={"Location": "http://elsewhere.test/"}), "the transfer hook answered HTTP 302"),
    (httpx.ConnectError("refused"), "the transfer hook could not be sent (ConnectError)"),
])
def test_a_request_hook_that_fails_says_why(answer: httpx.Response | Exception, reason: str) -> None:
    respx.post(URL).mock(side_effect=[answer] if isinstance(answer, Exception) else None,
                         return_value=None if isinstance(answer, Exception) else answer)
    with pytest.raises(PeerUnavailable) as caught:
        run_request("POST", URL, what="the transfer hook", wait_seconds=5)
    assert reason in caught.value.reason and len(caught.value.reason) < 500  # an answer is cut, never dumped


def test_a_command_hook_runs_without_a_shell() -> None:
    run_command([sys.executable, "-c", "import sys; sys.exit(sys.argv[1] != 'a b; rm -rf /')", "a b; rm -rf /"],
                what="the leave hook", wait_seconds=30)


@pytest.mark.parametrize(("command", "reason"), [
    ([sys.executable, "-c", "import sys; sys.stderr.write('no such pupil'); sys.exit(3)"],
     "the leave hook exited with 3: no such pupil"),
    ([sys.executable, "-c", "import time; time.sleep(30)"], "the leave hook did not finish within 1 s"),
    (["/nonexistent/renkei-hook"], "the leave hook could not be started: No such file or directory"),
])
def test_a_command_hook_that_fails_says_why(command: list[str], reason: str) -> None:
    with pytest.raises(PeerUnavailable) as caught:
        run_command(command, what="the leave hook", wait_seconds=1 if "sleep" in command[-1] else 30)
    assert caught.value.reason == reason
