"""Helpers shared by the ``xapi-lrs`` check modules: the decorator, requests that never raise a
product's misbehaviour as a traceback, and writing a statement and reading it back."""

from __future__ import annotations

from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.core.model import Severity
from renkei.harness.core.registry import check
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiResponse
from renkei.harness.xapi.lrs.config import KIND
from renkei.harness.xapi.lrs.target import LrsTarget

V1 = "xAPI 1.0.3"
AUTH_REFUSALS = {401, 403}
V2 = "IEEE 9274.1.1-2023"


def lrs_check(id: str, requirement: str, severity: Severity | str, title: tuple[str, str],
              description: tuple[str, str], *, ieee: str, params: dict[str, Any] | None = None) -> Any:
    """A check citing ``requirement`` (1.0.3 section + XAPI ids) or, in the 2.0 profile, ``ieee``
    (the 9274.1.1 clause) with the same ADL ids, as the ADL suite's v2_0 folder reuses them."""
    ids = requirement[requirement.find("("):] if "(" in requirement else ""

    def cite(merged: dict[str, Any]) -> str:
        if str(merged.get("xapi_version", "1.0.3")).startswith("2."):
            return f"{V2} {ieee} {ids}".strip()
        return f"{V1} {requirement}"

    return check(id, kind=KIND, requirement=f"{V1} {requirement}", severity=severity, title_ja=title[0],
                 title_en=title[1], description_ja=description[0], description_en=description[1], params=params,
                 cite=cite)


def target_of(ctx: CheckContext) -> LrsTarget:
    return ctx.target  # type: ignore[no-any-return]


def require(ctx: CheckContext, resource: str) -> LrsTarget:
    target = target_of(ctx)
    if not target.config.declared(resource):
        ctx.skip(f"the target does not declare the {resource} resource (declares.{resource})")
    return target


def send(ctx: CheckContext, method: str, resource: str, **kw: Any) -> ApiResponse | None:
    """One request; an answer that stops the exchange (a redirect, an oversized or broken body) is a
    finding, and None. A transport failure propagates: the engine makes the check not evaluated."""
    try:
        return target_of(ctx).client.request(method, resource, **kw)
    except BrowserError as exc:
        browser_failure(ctx, exc)
        return None


def browser_failure(ctx: CheckContext, exc: BrowserError) -> None:
    ctx.fail(f"the request failed: {exc.en}", ja=f"要求が失敗しました: {exc.ja}", endpoint=exc.url, method=exc.method)


def body_json(ctx: CheckContext, resp: ApiResponse) -> Any:
    """The JSON body, or a finding and None."""
    try:
        return resp.json()
    except BrowserError as exc:
        ctx.fail(f"{exc.en} (HTTP {resp.status}, Content-Type {resp.headers.get('content-type')!r})",
                 ja=exc.ja, endpoint=resp.url, method=resp.method)
        return None


def expect(ctx: CheckContext, resp: ApiResponse | None, statuses: tuple[int, ...], what: str, ja: str) -> bool:
    """Whether ``resp`` has one of ``statuses``; if not, a finding naming the request. A server error
    where only an authentication refusal (401/403) is right is not a finding: the LRS failed before it
    judged the credentials, so whether it refuses them was not seen (the check is not evaluated, and
    the LRS failing is never reported as a security failure)."""
    if resp is None:
        return False
    if resp.status in statuses:
        return True
    want = "/".join(str(s) for s in statuses)
    if resp.status >= 500 and set(statuses) <= AUTH_REFUSALS:
        ctx.not_evaluated(f"{what}: HTTP {resp.status} (a server error) instead of {want}; whether the LRS refuses "
                          "it could not be judged")
        return False
    ctx.fail(f"{what}: HTTP {resp.status} instead of {want} ({resp.text[:160]})",
             ja=f"{ja}: {want} ではなく HTTP {resp.status} が返りました", endpoint=resp.url, method=resp.method)
    return False


def write(ctx: CheckContext, statement: dict[str, Any]) -> bool:
    """PUT one valid statement (204, Communication §2.1.1); a refusal is a finding."""
    resp = send(ctx, "PUT", "statements", params={"statementId": statement["id"]}, body=statement)
    return expect(ctx, resp, (204,), "PUT of a valid statement", "正しいステートメントの PUT")


def read_back(ctx: CheckContext, statement_id: str, *, voided: bool = False) -> dict[str, Any] | None:
    """GET a statement written before, waiting for consistency (bounded); not visible in time is a
    finding (the write was acknowledged), an answer that is not a statement too."""
    try:
        resp = target_of(ctx).client.visible(statement_id, voided=voided)
    except BrowserError as exc:
        browser_failure(ctx, exc)
        return None
    if not expect(ctx, resp, (200,), f"GET of the statement {statement_id} written before",
                  f"書き込んだステートメント {statement_id} の GET"):
        return None
    data = body_json(ctx, resp)
    if not isinstance(data, dict) or data.get("id") != statement_id:
        ctx.fail(f"the answer is not the statement {statement_id}", ja=f"応答がステートメント {statement_id} ではありません",
                 endpoint=resp.url, method="GET", value=resp.text[:200])
        return None
    return data


def written(ctx: CheckContext, name: str, statement: dict[str, Any]) -> dict[str, Any] | None:
    """A statement written once per run and shared by the checks that read it (``name`` keys it)."""
    target = target_of(ctx)

    def put() -> tuple[dict[str, Any], bool]:
        resp = target.client.request("PUT", "statements", params={"statementId": statement["id"]}, body=statement)
        return statement, resp.status == 204

    try:
        sent, ok = target.shared(f"written:{name}", put)
    except BrowserError as exc:
        browser_failure(ctx, exc)
        return None
    if not ok:
        ctx.stop_not_evaluated("the LRS did not accept the statement renkei wrote for this check "
                               "(see xapi.comm.statements.put)")
    return sent  # type: ignore[no-any-return]


def where(ctx: CheckContext, resource: str = "statements") -> dict[str, str]:
    """The location of a finding about ``resource`` (its URL on the LRS under test)."""
    return {"endpoint": target_of(ctx).client.url(resource)}


def query(ctx: CheckContext, params: dict[str, str], *, until: Any = None,
          headers: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], ApiResponse] | None:
    """GET a StatementResult (first page only), polled while ``until(statements)`` is false and the
    consistency wait lasts (an LRS may show a write later, Communication 2.1.3); None after a finding."""
    target = target_of(ctx)
    client = target.client
    end = client.clock() + client.obs.consistency_wait_seconds
    while True:
        resp = send(ctx, "GET", "statements", params=params, headers=headers)
        if not expect(ctx, resp, (200,), f"GET statements?{'&'.join(params)}", "ステートメントの検索"):
            return None
        assert resp is not None
        data = body_json(ctx, resp)
        if not isinstance(data, dict) or not isinstance(data.get("statements"), list):
            ctx.fail("the answer is not a StatementResult ({statements: [...], more})",
                     ja="応答が StatementResult ではありません", endpoint=resp.url, method="GET",
                     value=resp.text[:200])
            return None
        found = [s for s in data["statements"] if isinstance(s, dict)]
        if until is None or until(found) or client.clock() >= end:
            return found, resp
        client.sleep(client.obs.poll_interval_seconds)


def ids_of(statements: list[dict[str, Any]]) -> list[Any]:
    return [s.get("id") for s in statements]


def has_all(wanted: list[str]) -> Any:
    """``until`` for ``query``: every id of ``wanted`` is in the answer."""
    return lambda found: set(wanted) <= set(ids_of(found))
