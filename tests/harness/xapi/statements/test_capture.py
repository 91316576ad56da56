"""Capture: renkei's recording LRS (the mock LRS on a real 127.0.0.1 port) receives what a scripted app
sends (a hook command, or a launch URL), and every received statement is judged; the wait, failed
launches and unreadable bodies are tested against a fake implementing the ``RecordingLrs`` protocol."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from renkei.harness.xapi.model import multipart
from renkei.harness.xapi.statements import target as target_module
from renkei.harness.xapi.statements.config import StatementsTargetConfig
from renkei.harness.xapi.statements.reference import ReceivedRequest
from renkei.harness.xapi.statements.target import StatementsTarget
from tests.clock import FakeClock
from tests.harness.xapi.statements.conftest import run
from tests.harness.xapi.statements.factory import HOME_PAGE, LEARNER, answered, variant

SENDER = Path(__file__).parent / "data" / "send_statements.py"
SECRET = "renkei-capture-secret-01"
ENV = {"LRS_SECRET": SECRET}
JUDGED = ["xapi.statements.readable", "xapi.statements.received", "xapi.statements.data.statement", "xapi.statements.data.actor",
          "xapi.jp.common.included", "xapi.jp.actor.launched_user", "xapi.jp.score.arithmetic"]


def _config(launch: dict[str, Any], expect_statements: int | None = 4, **capture: Any) -> StatementsTargetConfig:
    return StatementsTargetConfig.model_validate({
        "source": "capture",
        "capture": {"listen": {"host": "127.0.0.1", "port": 0}, "path": "/xapi",
                    "client": {"key": "renkei-app", "secret": "${LRS_SECRET}"}, "launch": launch,
                    "expect_statements": expect_statements, "wait_seconds": 60, **capture},
        "expect": {"actor": {"name": LEARNER, "home_page": HOME_PAGE}},
    })


def _hook(tmp: Path, statements: list[dict[str, Any]]) -> dict[str, Any]:
    path = tmp / "to-send.ndjson"
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in statements), encoding="utf-8")
    return {"mode": "hook", "command": [sys.executable, str(SENDER), "{endpoint}", "{key}", "{secret}", str(path)],
            "timeout_seconds": 60}


def test_a_hook_sends_to_the_recording_lrs_and_every_statement_is_judged(tmp_path):
    statements = [answered(n) for n in range(4)]
    target = StatementsTarget(_config(_hook(tmp_path, statements)), environ=ENV)
    try:
        results = {c: run(target, c) for c in JUDGED}
        evidence = target.describe()
    finally:
        target.close()
    assert {c: (r.findings, r.unseen, r.skipped) for c, r in results.items()} == {c: ([], [], None) for c in JUDGED}
    requests = evidence["requests"]
    assert [(r["method"], r["status"]) for r in requests] == [("POST", 200), ("PUT", 204), ("PUT", 204)]
    assert requests[0]["stored_ids"] == [statements[0]["id"], statements[1]["id"]]
    assert requests[0]["client"] == "renkei-app" and evidence["statements_read"] == 4
    assert SECRET not in json.dumps(evidence)


def test_a_captured_statement_about_someone_else_is_named_by_its_request(tmp_path):
    statements = [answered(0), answered(1), variant(answered(2), "actor.account.name", "a-different-learner")]
    target = StatementsTarget(_config(_hook(tmp_path, statements), expect_statements=3), environ=ENV)
    try:
        ran = run(target, "xapi.jp.actor.launched_user")
    finally:
        target.close()
    assert len(ran.findings) == 1
    loc = ran.findings[0].location
    assert (loc.index, loc.column, loc.method, loc.endpoint) == (2, "$.actor.account.name", "PUT",
                                                                 "[request 1] /xapi/statements")
    assert ran.findings[0].value == "a-different-learner"


def test_a_launch_url_is_filled_and_the_app_it_starts_sends(tmp_path):
    statements = [answered(n) for n in range(2)]
    seen: dict[str, str] = {}

    def app(request: httpx.Request) -> httpx.Response:  # the vendor's demo page, which sends on a GET
        endpoint = parse_qs(urlsplit(str(request.url)).query)["endpoint"][0]
        seen["endpoint"] = endpoint
        with httpx.Client(auth=("renkei-app", SECRET), timeout=30) as client:
            client.post(endpoint + "/statements", json=statements, headers={"X-Experience-API-Version": "1.0.3"})
        return httpx.Response(200, text="sent")

    launch = {"mode": "url", "url": "https://app.example.jp/demo?endpoint={endpoint}&user={actor_name}"}
    target = StatementsTarget(_config(launch, expect_statements=2), environ=ENV, transport=httpx.MockTransport(app))
    try:
        ran = run(target, "xapi.statements.data.actor")
        assert seen["endpoint"] == target.lrs.url  # type: ignore[union-attr]
        assert target.describe()["launch_result"] == "GET launch URL answered 200"
    finally:
        target.close()
    assert ran.findings == [] and ran.unseen == []


class FakeLrs:
    """The ``RecordingLrs`` protocol with a scripted list of received requests."""

    url = "http://127.0.0.1:9/xapi"
    home_page = "http://127.0.0.1:9"

    def __init__(self, requests: list[ReceivedRequest]) -> None:
        self.requests = requests
        self.stopped = False

    def received(self) -> list[ReceivedRequest]:
        return list(self.requests)

    def stop(self) -> None:
        self.stopped = True


def _request(index: int, body: bytes, *, method: str = "POST", content_type: str = "application/json",
             truncated: bool = False) -> ReceivedRequest:
    return ReceivedRequest(index=index, at="2026-05-12T00:00:00Z", method=method, path="/xapi/statements", query={},
                           headers={"content-type": content_type}, client="renkei-app", status=200, body=body,
                           truncated=truncated)




@pytest.fixture
def fake(monkeypatch):  # type: ignore[no-untyped-def]
    def make(requests: list[ReceivedRequest], launch: dict[str, Any] | None = None, **capture: Any):  # type: ignore[no-untyped-def]
        lrs = FakeLrs(requests)
        monkeypatch.setattr(target_module.reference, "start", lambda **kw: lrs)
        clock = FakeClock()
        return StatementsTarget(_config(launch or {"mode": "none"}, **capture), environ=ENV, sleep=clock.sleep,
                                clock=clock), lrs
    return make


def test_fewer_statements_than_expected_fail_the_received_check(fake):
    target, lrs = fake([_request(0, json.dumps(answered(0)).encode())], expect_statements=3)
    ran = run(target, "xapi.statements.received")
    target.close()
    assert lrs.stopped and ran.findings[0].message.startswith("1 of the 3 expected statements arrived")


def test_idle_ends_the_wait_without_an_expected_count(fake):
    target, _ = fake([_request(0, json.dumps([answered(0), answered(1)]).encode())], expect_statements=None)
    assert run(target, "xapi.statements.data.actor").findings == []
    assert target.reading().statements == 2
    assert run(target, "xapi.statements.received").skipped


def test_an_app_that_sends_nothing_is_not_evaluated(fake):
    target, _ = fake([], wait_seconds=5)
    ran = run(target, "xapi.statements.data.actor")
    assert ran.findings == [] and "sent no statement" in ran.unseen[0]


def test_a_failing_hook_is_not_evaluated(fake):
    target, _ = fake([], {"mode": "hook", "command": [sys.executable, "-c", "import sys; sys.exit(3)"]})
    ran = run(target, "xapi.jp.actor.launched_user")
    assert "the launch hook exited with 3" in ran.unseen[0]


def test_unreadable_bodies_are_findings_of_readable(fake):
    requests = [_request(0, b'{"id": '), _request(1, b"--b\r\n", content_type="multipart/mixed; boundary=b"),
                _request(2, b"[]" * 10, truncated=True), _request(3, json.dumps(answered(0)).encode(), method="PUT"),
                _request(4, b"", method="GET")]
    target, _ = fake(requests, expect_statements=4)
    ran = run(target, "xapi.statements.readable")
    messages = [f.message for f in ran.findings]
    assert [f.location.endpoint for f in ran.findings] == [f"[request {n}] /xapi/statements" for n in range(3)]
    assert "not valid JSON" in messages[0] and "multipart body cannot be read" in messages[1]
    assert "body limit" in messages[2]
    assert target.reading().statements == 1
    assert "3 record(s) could not be read" in run(target, "xapi.statements.data.actor").unseen[0]


def _with_attachment(content: bytes, *, sent: bytes | None = None) -> ReceivedRequest:
    statement = answered(0)
    statement["attachments"] = [multipart.attachment_for(content, "image/png", "https://example.jp/usage/answer-image",
                                                         {"ja-JP": "解答の画像", "en": "answer image"})]
    body, content_type = multipart.build_multipart([statement], [("image/png", sent if sent is not None else content)])
    return _request(0, body, content_type=content_type)


def test_attachments_sent_as_multipart_are_judged(fake):
    target, _ = fake([_with_attachment(b"\x89PNG synthetic")], expect_statements=1)
    ran = run(target, "xapi.statements.attachments")
    assert ran.findings == [] and ran.skipped is None
    assert run(target, "xapi.statements.data.attachments").findings == []


def test_a_part_that_does_not_match_its_attachment_fails(fake):
    target, _ = fake([_with_attachment(b"\x89PNG synthetic", sent=b"other bytes")], expect_statements=1)
    ran = run(target, "xapi.statements.attachments")
    assert {f.location.column for f in ran.findings} >= {"$[0].attachments[0]"}
    assert all(f.location.endpoint == "[request 0] /xapi/statements" for f in ran.findings)


def test_a_json_body_with_an_attachment_but_no_part_or_file_url_fails(fake):
    statement = answered(0)
    statement["attachments"] = [multipart.attachment_for(b"x", "text/plain", "https://example.jp/usage/note",
                                                         {"en": "note"})]
    target, _ = fake([_request(0, json.dumps(statement).encode())], expect_statements=1)
    assert [f.location.column for f in run(target, "xapi.statements.attachments").findings] == ["$.attachments[0]"]


def test_the_attachments_check_skips_a_file(check):
    assert check("xapi.statements.attachments", [answered(0)]).skipped
