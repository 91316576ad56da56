"""Helpers shared by the ``oneroster-rest-provider`` check modules."""

from __future__ import annotations

from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.core.model import Severity
from renkei.harness.core.registry import check
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiResponse
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.rest_provider.client import Collection
from renkei.harness.oneroster.rest_provider.config import KIND
from renkei.harness.oneroster.rest_provider.survey import Survey
from renkei.harness.oneroster.rest_provider.target import RestProviderTarget

OAS = "OR12 REST OpenAPI"  # the official 1EdTech OneRoster 1.2 Rostering OpenAPI document


def rest_check(id: str, requirement: str, severity: Severity | str, title: tuple[str, str],
               description: tuple[str, str], params: dict[str, Any] | None = None) -> Any:
    return check(id, kind=KIND, requirement=requirement, severity=severity, title_ja=title[0], title_en=title[1],
                 description_ja=description[0], description_en=description[1], params=params)


def target_of(ctx: CheckContext) -> RestProviderTarget:
    return ctx.target  # type: ignore[no-any-return]


def survey_of(ctx: CheckContext) -> Survey:
    return target_of(ctx).survey()


def declared(ctx: CheckContext, endpoint: R.Endpoint) -> bool:
    return target_of(ctx).config.declared(endpoint)


def url_of(ctx: CheckContext, endpoint: R.Endpoint, **ids: str) -> str:
    return target_of(ctx).config.rostering_url + endpoint.url_path(**ids)


def collections(ctx: CheckContext) -> list[tuple[R.Endpoint, Collection]]:
    """Every collection read (flat and nested), skipping the check when there is none."""
    survey = survey_of(ctx)
    found = [(R.BY_OPERATION[op], c) for op, c in survey.flat.items()]
    found += [(r.endpoint, r.collection) for r in survey.reads if r.collection is not None]
    if not found:
        ctx.skip("the target declares no collection endpoint")
    return found


def answered(ctx: CheckContext) -> list[tuple[R.Endpoint, Collection]]:
    """The collections whose first page answered 200; none at all ends the check as not evaluated
    (an endpoint that did not answer earns no pass on what it would have said)."""
    found = collections(ctx)
    ok = [(e, c) for e, c in found if c.pages and c.pages[0].status == 200]
    if not ok:
        ctx.stop_not_evaluated("no collection answered 200 (see or.rest.endpoint.answers)")
    return ok


def require_complete(ctx: CheckContext, coll: Collection, why: str) -> bool:
    """Whether ``coll`` was read to its end; if not, say what could not be judged (never a pass)."""
    if coll.complete:
        return True
    reason = coll.stopped or (coll.error.en if coll.error else "not read")
    ctx.not_evaluated(f"{coll.url}: {why} cannot be judged: {reason}")
    return False


def browser_failure(ctx: CheckContext, exc: BrowserError, en: str, ja: str) -> None:
    """A product behaviour that stopped an exchange (redirect, oversized or invalid body)."""
    ctx.fail(f"{en}: {exc.en}", ja=f"{ja}: {exc.ja}", endpoint=exc.url, method=exc.method)


def fetch(ctx: CheckContext, url: str, scopes: list[str], *, token: str | None = None) -> ApiResponse | None:
    """GET ``url`` with a token for ``scopes`` (or ``token``; ``""`` sends none). A product behaviour
    that stops the exchange (a redirect, an oversized or broken body) is a finding, and None."""
    try:
        return target_of(ctx).client.get(url, scopes, token=token)
    except BrowserError as exc:
        browser_failure(ctx, exc, "the request failed", "要求が失敗しました")
        return None


def status_info(resp: ApiResponse) -> tuple[dict[str, Any] | None, str | None]:
    """(the imsx_StatusInfo payload, its first minor code) of an error answer, or (None, None)."""
    try:
        data = resp.json()
    except BrowserError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    if "imsx_codeMajor" not in data and isinstance(data.get("imsx_StatusInfo"), dict):
        data = data["imsx_StatusInfo"]  # some providers wrap it; judged by or.rest.error.payload
    minor = None
    fields = ((data.get("imsx_CodeMinor") or {}).get("imsx_codeMinorField")
              if isinstance(data.get("imsx_CodeMinor"), dict) else None)
    if isinstance(fields, list) and fields and isinstance(fields[0], dict):
        value = fields[0].get("imsx_codeMinorFieldValue")
        minor = value if isinstance(value, str) else None
    return data, minor
