"""or.rest.openapi.*: schemathesis on the official OpenAPI against the mock 校務支援システム (the reference).

Green: the mock passes every check. Red: a fault that breaks the document fails the check of its
family, located at the request. Around it: the token never reaches a finding, a 429 is waited out
as Retry-After says and a longer demand stops the run, budgets and an unreachable provider make the
checks not evaluated (never failed), and the run leaves no ``.hypothesis`` folder behind.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

import renkei.harness.core.targets as T
from renkei.harness.core.context import CheckContext, CheckSkipped, NotEvaluated
from renkei.harness.core.registry import REGISTRY
from renkei.harness.lti.protocol.browser import InProcessTransport
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.rest_provider import openapi
from renkei.harness.oneroster.rest_provider.config import parse_target
from renkei.harness.oneroster.rest_provider.target import RestProviderTarget
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest.app import create_app
from renkei.mocks.school_affairs.rest.config import Client, ProviderConfig
from renkei.mocks.school_affairs.rest.store import RosterStore

pytest.importorskip("schemathesis")
T.load_standards()

CHECK_IDS = ("or.rest.openapi.server_error", "or.rest.openapi.status_code", "or.rest.openapi.content_type",
             "or.rest.openapi.response_headers", "or.rest.openapi.response_schema")
SECRET = "secret-secret-123"
FAST = {"openapi_examples": 2}
USERS = ["getAllUsers", "getUser"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> RosterStore:
    bundle = tmp_path_factory.mktemp("bundle") / "b.zip"
    generate_bundle(bundle, profile="oneroster12-csv-japan", students_per_grade=4)
    st = RosterStore()
    st.load_bundle(bundle)
    return st


@dataclass
class Sleeps:
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)  # no real waiting in tests; what was asked is what counts


def make_target(app: Any, endpoints: list[str] | str = "all", *, transport: httpx.BaseTransport | None = None,
                sleep: Callable[[float], None] | None = None) -> RestProviderTarget:
    cfg = parse_target({"provider": {"base_url": "http://sa.test", "token_url": "http://sa.test/oauth/token",
                                     "client_id": "${CID}", "client_secret": "${CSEC}"},
                        "declares": {"endpoints": endpoints}})
    return RestProviderTarget(cfg, transport=transport or InProcessTransport(app), sleep=sleep or Sleeps(),
                              environ={"CID": "renkei-client", "CSEC": SECRET})


def mock(store: RosterStore, *faults: str, **config: Any) -> Any:
    return create_app(store, ProviderConfig(clients=[Client("renkei-client", SECRET)], faults=set(faults), **config))


@dataclass
class Outcome:
    status: str  # pass | fail | error | skip
    ctx: CheckContext
    reason: str = ""


def check(check_id: str, target: RestProviderTarget, **params: Any) -> Outcome:
    definition = REGISTRY.get(check_id)
    ctx = CheckContext(definition, target, params={**FAST, **params})
    try:
        definition.func(ctx)
    except CheckSkipped as exc:
        return Outcome("skip", ctx, exc.reason)
    except NotEvaluated as exc:
        return Outcome("error", ctx, "; ".join(ctx.unseen) or exc.reason)
    return Outcome("fail" if ctx.findings else ("error" if ctx.unseen else "pass"), ctx, "; ".join(ctx.unseen))


def every(target: RestProviderTarget, **params: Any) -> dict[str, Outcome]:
    return {i: check(i, target, **params) for i in CHECK_IDS}


@pytest.fixture
def close() -> Iterator[Callable[[RestProviderTarget], RestProviderTarget]]:
    opened: list[RestProviderTarget] = []
    yield lambda t: opened.append(t) or t  # type: ignore[func-returns-value]
    for t in opened:
        t.close()


def test_the_shipped_document_is_the_official_one() -> None:
    doc = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))
    assert doc["info"]["title"] == "OneRoster OpenAPI (JSON) Definition" and doc["info"]["version"] == "1.2"
    assert doc["info"]["license"]["url"] == "https://www.1edtech.org/license.html"
    ops = {o["operationId"]: (path, method) for path, item in doc["paths"].items() for method, o in item.items()}
    assert set(ops) == set(R.BY_OPERATION) and {m for _, m in ops.values()} == {"get"}
    assert all(ops[e.operation_id][0] == e.path for e in R.ENDPOINTS)  # the model's paths are the document's
    assert (openapi.DOCUMENT.parent / "README.md").read_text(encoding="utf-8").count("1edtech.org/license") >= 1


def test_the_reference_provider_passes_every_openapi_check(store: RosterStore, close: Any) -> None:
    target = close(make_target(mock(store)))
    outcomes = every(target)
    assert {i: (o.status, o.reason) for i, o in outcomes.items()} == {i: ("pass", "") for i in CHECK_IDS}
    run = openapi.shared_run(target, FAST)  # the memoised run the five checks judged
    assert len(run.responses) == 41  # every declared operation was answered and judged
    assert sum(run.responses.values()) > 41  # and more than the one plain request each


def test_json_booleans_fail_response_schema_at_the_request(store: RosterStore, close: Any) -> None:
    target = close(make_target(mock(store, "boolean_json"), USERS))
    outcomes = every(target)
    failed = outcomes.pop("or.rest.openapi.response_schema")
    assert failed.status == "fail", failed.reason
    assert all(o.status == "pass" for o in outcomes.values()), outcomes
    finding = failed.ctx.findings[0]
    assert finding.location.method == "GET"
    assert finding.location.endpoint and finding.location.endpoint.startswith(
        "http://sa.test/ims/oneroster/rostering/v1p2/users")
    assert "enabledUser" in finding.message and "schemathesis response_schema_conformance" in finding.message
    assert finding.message_ja and "スキーマ" in finding.message_ja
    assert finding.value == "true"  # what was seen where the schema failed


def test_a_foreign_envelope_fails_response_schema(store: RosterStore, close: Any) -> None:
    target = close(make_target(mock(store, "wrong_envelope"), USERS))
    got = check("or.rest.openapi.response_schema", target)
    assert got.status == "fail"
    plain = [f for f in got.ctx.findings if f.location.endpoint == "http://sa.test/ims/oneroster/rostering/v1p2/users"]
    assert plain and "'data' was unexpected" in plain[0].message and "UserSetDType" in plain[0].message


def test_nested_500_fails_server_error_only_on_nested_paths(store: RosterStore, close: Any) -> None:
    target = close(make_target(mock(store, "nested_500"), ["getAllClasses", "getAllEnrollments",
                                                           "getStudentsForClass"]))
    got = check("or.rest.openapi.server_error", target)
    assert got.status == "fail"
    assert {f.location.endpoint.split("/v1p2")[1].split("/")[1] for f in got.ctx.findings} == {"classes"}
    assert all(f.location.endpoint.split("?")[0].endswith("/students") for f in got.ctx.findings)
    assert "HTTP 500" in got.ctx.findings[0].message and "ST101" in got.ctx.findings[0].message
    assert check("or.rest.openapi.response_schema", target).status == "pass"  # its 500 is a proper imsx_StatusInfo


def test_the_token_never_reaches_a_finding(store: RosterStore, close: Any) -> None:
    """A provider that echoes the Authorization header into its error body: the findings show it masked."""
    inner = mock(store)

    async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/users"):
            auth = dict(scope["headers"]).get(b"authorization", b"").decode()
            body = json.dumps({"imsx_codeMajor": "failure", "echo": auth}).encode()
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await inner(scope, receive, send)

    target = close(make_target(echo, ["getAllUsers"]))
    outcomes = every(target)
    token = target.client.token(list(R.BY_OPERATION["getAllUsers"].scopes))
    assert outcomes["or.rest.openapi.server_error"].status == "fail"
    assert outcomes["or.rest.openapi.response_schema"].status == "fail"
    texts = [json.dumps(f.model_dump(), ensure_ascii=False) for o in outcomes.values() for f in o.ctx.findings]
    assert texts and not any(token in t or SECRET in t for t in texts)
    pieces = [token[i:i + 12] for i in range(0, len(token) - 12, 3)]
    assert not any(p in t for p in pieces for t in texts)  # not even a cut-off part of it
    assert any("[secret:access_token]" in t for t in texts)  # the echoed token was there, and it was masked


def test_rate_limits_are_waited_out_as_retry_after_says(store: RosterStore, close: Any) -> None:
    sleeps = Sleeps()
    app = mock(store, throttle_every=4, retry_after=2)
    target = close(make_target(app, USERS, sleep=sleeps))
    assert all(o.status == "pass" for o in every(target).values())
    assert sleeps.waits and set(sleeps.waits) == {2.0}  # each 429 waited for exactly its Retry-After
    assert any(t.retry_after == "2" for t in target.client.throttles)


def test_a_longer_retry_after_stops_the_run_instead_of_hammering(store: RosterStore, close: Any) -> None:
    sleeps = Sleeps()
    app = mock(store, throttle_every=12, retry_after=3600)  # beyond observation.max_retry_after_seconds (30)
    target = close(make_target(app, USERS, sleep=sleeps))
    got = check("or.rest.openapi.response_schema", target, openapi_examples=20)
    assert got.status == "error" and "429" in got.reason
    assert not sleeps.waits  # nothing was waited for an hour, and nothing was retried
    after = [e for e in app.provider.log if e.status == 429]
    assert len(after) == 1  # the run ended at the first such 429
    assert app.provider.log[-1].status == 429  # and sent nothing after it


def test_a_spent_request_budget_is_not_evaluated_not_passed(store: RosterStore, close: Any) -> None:
    target = close(make_target(mock(store), USERS))
    got = check("or.rest.openapi.server_error", target, openapi_max_requests=2)
    assert got.status == "error" and "openapi_max_requests=2" in got.reason


def test_an_unreachable_provider_is_not_evaluated(close: Any) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    target = close(make_target(None, USERS, transport=httpx.MockTransport(refuse)))
    outcomes = every(target)
    assert {o.status for o in outcomes.values()} == {"error"}
    assert not any(o.ctx.findings for o in outcomes.values())


def test_the_same_seed_finds_the_same_failures(store: RosterStore, close: Any) -> None:
    def failures() -> list[tuple[str, str, str]]:
        target = close(make_target(mock(store, "boolean_json"), USERS))
        got = check("or.rest.openapi.response_schema", target, openapi_examples=4)
        return [(f.location.endpoint or "", f.message, f.value or "") for f in got.ctx.findings]

    assert failures() == failures()


def test_without_schemathesis_the_checks_are_skipped_saying_why(store: RosterStore, close: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)
    got = check("or.rest.openapi.content_type", close(make_target(mock(store), USERS)))
    assert got.status == "skip" and "renkei[openapi]" in got.reason


def test_no_hypothesis_folder_is_left_in_the_working_folder(store: RosterStore, close: Any, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert check("or.rest.openapi.status_code", close(make_target(mock(store), ["getAllUsers"]))).status == "pass"
    assert list(tmp_path.iterdir()) == []


def test_every_openapi_check_is_in_the_rest_provider_profile() -> None:
    from renkei.harness.core.profiles import load_profile, resolve

    resolved = {r.id: r for r in resolve(load_profile("oneroster12-rest-provider"))}
    assert set(CHECK_IDS) <= set(resolved)
    assert resolved["or.rest.openapi.response_schema"].params["openapi_examples"] == 10
    assert REGISTRY.get("or.rest.openapi.status_code").severity.value == "warning"


def test_missing_fields_are_not_judged_when_fields_selected_them_away(store: RosterStore, close: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The binding answers fields=sourcedId with sourcedId only; the document calls the rest required."""
    monkeypatch.setattr(openapi._Runner, "_plain", lambda self, op: op.operation.Case(query={"fields": ["sourcedId"]}))
    target = close(make_target(mock(store), ["getAllUsers"]))
    assert check("or.rest.openapi.response_schema", target, openapi_examples=1).status == "pass"
    assert openapi.shared_run(target, {**FAST, "openapi_examples": 1}).not_judged > 0


def test_the_reference_provider_reads_fields_in_the_documents_form_style(store: RosterStore, close: Any) -> None:
    """style: form without explode (so exploded): fields=a&fields=b; the binding's examples write fields=a,b."""
    target = close(make_target(mock(store), ["getAllUsers"]))
    base = target.config.rostering_url + "/users?limit=1&"
    for query in ("fields=sourcedId&fields=givenName", "fields=sourcedId,givenName"):
        answer = target.client.get(base + query, [R.SCOPE_ROSTER])
        assert answer.status == 200 and set(answer.json()["users"][0]) == {"sourcedId", "givenName"}, query
