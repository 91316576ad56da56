"""The mock tool as a client of the platform's LTI Advantage services (token, NRPS, AGS).

What a conforming tool sends, so a platform under test can be checked against it:
- token: OAuth2 client credentials with an RFC 7523 client assertion, ``iss = sub = client_id``,
  ``aud`` = the token endpoint, ``iat``/``exp``/``jti``, the ``deployment_id`` claim and a ``kid``
  header [SEC §4.1.1], [CORE §6.2, §6.2.1];
- NRPS: ``GET`` with the membership container media type, following ``Link: rel="next"`` [NRPS];
- AGS: read every page of the line item container, create its line item unless it is there, post a score (ISO-8601 timestamp with milliseconds and ``Z``, strictly
  increasing), read results, each with its own media type [AGS §3.2-§3.4].
Every exchange is recorded (never the bearer token) and returned as JSON by ``/services/run``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from renkei.harness.core.bounded import load_json
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import RSAKey, sign_jwt
from renkei.harness.lti.protocol.timestamps import utc_timestamp
from renkei.mocks.app.config import ToolConfig
from renkei.mocks.app.http import client
from renkei.mocks.app.state import Launch

ASSERTION_LIFETIME_SECONDS = 300
WRONG_ASSERTION_AUDIENCE = "https://wrong-audience.invalid/token"
MAX_PAGES = 100
MAX_BODY_BYTES = 4 * 1024 * 1024


class ServiceError(Exception):
    """One service call failed; ``step`` names it, ``str()`` says what was wrong."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


class ScoreClock:
    """Score timestamps with millisecond precision that strictly increase [AGS §3.4.6].

    Two scores in the same millisecond would otherwise carry equal timestamps, and a platform
    MUST NOT apply a score that is not newer than the stored one.
    """

    def __init__(self) -> None:
        self._last_ms = 0

    def stamp(self, now: float) -> str:
        ms = max(int(now * 1000), self._last_ms + 1)
        self._last_ms = ms
        return utc_timestamp(ms / 1000)


def _sub_url(url: str, segment: str) -> str:
    """``{lineitem}/scores`` keeping any query string of the line item URL [AGS §3.4.2]."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(path=parsed.path.rstrip("/") + "/" + segment))


@dataclass
class ServiceRun:
    """What one ``/services/run`` did."""

    launch_id: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    nrps: dict[str, Any] | None = None
    ags: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "launch": self.launch_id,
            "ok": not self.errors,
            "steps": self.steps,
            "errors": self.errors,
            "nrps": self.nrps,
            "ags": self.ags,
        }


class ServiceClient:
    """Talks to one platform on behalf of one launch (its deployment and user)."""

    def __init__(self, config: ToolConfig, key: RSAKey, http: httpx.AsyncClient, run: ServiceRun) -> None:
        self._config = config
        self._key = key
        self._http = http
        self._run = run

    def client_assertion(self, deployment_id: str | None) -> str:
        now = int(self._config.clock())
        aud = WRONG_ASSERTION_AUDIENCE if self._config.has("assertion_wrong_aud") else self._config.assertion_audience
        claims: dict[str, Any] = {
            "iss": self._config.client_id,
            "sub": self._config.client_id,
            "aud": aud,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        if deployment_id:
            claims[vocab.CLAIM_DEPLOYMENT_ID] = deployment_id
        return sign_jwt(claims, self._key)

    async def _send(self, step: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers: dict[str, str] = kwargs.get("headers") or {}
        record: dict[str, Any] = {
            "step": step,
            "method": method,
            "url": url,
            "accept": headers.get("Accept"),
            "content_type": headers.get("Content-Type"),
        }
        self._run.steps.append(record)
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            record["status"] = None
            raise ServiceError(step, f"{method} {url} failed ({exc.__class__.__name__})") from exc
        record["status"] = response.status_code
        if len(response.content) > MAX_BODY_BYTES:
            raise ServiceError(step, f"{method} {url}: response body larger than {MAX_BODY_BYTES} bytes")
        return response

    @staticmethod
    def _json(step: str, response: httpx.Response, expected: type) -> Any:
        try:
            data = load_json(response.content)
        except ValueError as exc:  # malformed, not UTF-8, or nested too deeply
            raise ServiceError(step, f"{response.request.method} {response.request.url}: body is not JSON") from exc
        if not isinstance(data, expected):
            raise ServiceError(step, f"{response.request.method} {response.request.url}: JSON is not {expected.__name__}")
        return data

    async def token(self, scopes: list[str], deployment_id: str | None) -> str:
        """[SEC §4.1.1] client-credentials grant; returns the bearer token."""
        form = {
            "grant_type": vocab.GRANT_CLIENT_CREDENTIALS,
            "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE,
            "client_assertion": self.client_assertion(deployment_id),
            "scope": " ".join(scopes),
        }
        response = await self._send(
            "token", "POST", self._config.token_url, data=form,
            headers={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
        )
        self._run.steps[-1]["scope"] = form["scope"]
        if response.status_code != 200:
            raise ServiceError("token", f"token endpoint answered HTTP {response.status_code}, expected 200")
        data = self._json("token", response, dict)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise ServiceError("token", "token response has no access_token string")
        return token

    async def _get_pages(self, step: str, url: str, token: str, accept: str, expected: type) -> list[Any]:
        pages: list[Any] = []
        seen: set[str] = set()
        next_url: str | None = url
        while next_url is not None:
            if next_url in seen or len(pages) >= MAX_PAGES:
                raise ServiceError(step, f"paging does not end (loop or more than {MAX_PAGES} pages)")
            seen.add(next_url)
            response = await self._send(
                step, "GET", next_url, headers={"Accept": accept, "Authorization": f"Bearer {token}"}
            )
            if response.status_code != 200:
                raise ServiceError(step, f"GET {next_url} answered HTTP {response.status_code}, expected 200")
            pages.append(self._json(step, response, expected))
            link = response.links.get("next", {}).get("url")
            next_url = str(response.url.join(link)) if link else None
        return pages

    async def memberships(self, url: str, token: str) -> dict[str, Any]:
        """[NRPS] all pages of the context membership."""
        pages = await self._get_pages("nrps", url, token, vocab.MEDIA_NRPS_MEMBERSHIP, dict)
        members: list[Any] = []
        for page in pages:
            page_members = page.get("members")
            if not isinstance(page_members, list):
                raise ServiceError("nrps", "membership container has no 'members' array")
            members.extend(page_members)
        return {"pages": len(pages), "context": pages[0].get("context"), "members": members}

    async def lineitems(self, lineitems_url: str, token: str) -> list[Any]:
        """[AGS §3.2.4] every page of the line item container (a platform may page it)."""
        pages = await self._get_pages("lineitems", lineitems_url, token, vocab.MEDIA_AGS_LINEITEM_CONTAINER, list)
        return [item for page in pages for item in page]

    async def create_lineitem(self, lineitems_url: str, token: str, lineitem: dict[str, Any]) -> dict[str, Any]:
        """[AGS §3.2.5] POST a line item; the platform answers 201 with its ``id`` URL."""
        response = await self._send(
            "lineitem.create", "POST", lineitems_url, json=lineitem,
            headers={
                "Accept": vocab.MEDIA_AGS_LINEITEM,
                "Content-Type": vocab.MEDIA_AGS_LINEITEM,
                "Authorization": f"Bearer {token}",
            },
        )
        if response.status_code not in (200, 201):
            raise ServiceError("lineitem.create", f"POST {lineitems_url} answered HTTP {response.status_code}, expected 201")
        created = self._json("lineitem.create", response, dict)
        if not isinstance(created.get("id"), str) or not created["id"]:
            raise ServiceError("lineitem.create", "created line item has no 'id' URL")
        return created

    async def post_score(self, lineitem_url: str, token: str, score: dict[str, Any]) -> None:
        """[AGS §3.4] POST ``{lineitem}/scores``."""
        url = _sub_url(lineitem_url, "scores")
        response = await self._send(
            "score", "POST", url, json=score,
            headers={"Content-Type": vocab.MEDIA_AGS_SCORE, "Authorization": f"Bearer {token}"},
        )
        if response.status_code not in (200, 201, 202, 204):
            raise ServiceError("score", f"POST {url} answered HTTP {response.status_code}, expected 2xx")

    async def results(self, lineitem_url: str, token: str) -> list[Any]:
        """[AGS §3.3] all pages of ``{lineitem}/results``."""
        pages = await self._get_pages(
            "results", _sub_url(lineitem_url, "results"), token, vocab.MEDIA_AGS_RESULT_CONTAINER, list
        )
        return [result for page in pages for result in page]


async def _run_nrps(services: ServiceClient, claims: dict[str, Any], run: ServiceRun) -> None:
    claim = claims.get(vocab.CLAIM_NRPS)
    url = claim.get("context_memberships_url") if isinstance(claim, dict) else None
    if not isinstance(url, str) or not url:
        raise ServiceError("nrps", "launch has no namesroleservice claim with context_memberships_url")
    token = await services.token([vocab.SCOPE_NRPS_READONLY], claims.get(vocab.CLAIM_DEPLOYMENT_ID))
    run.nrps = await services.memberships(url, token)


async def _run_ags(
    services: ServiceClient, claims: dict[str, Any], run: ServiceRun, stamp: ScoreClock, now: float
) -> None:
    claim = claims.get(vocab.CLAIM_AGS)
    if not isinstance(claim, dict):
        raise ServiceError("ags", "launch has no AGS endpoint claim")
    granted = claim.get("scope") if isinstance(claim.get("scope"), list) else []
    scopes = [s for s in vocab.AGS_SCOPES if s in granted]
    if not scopes:
        raise ServiceError("ags", "AGS endpoint claim grants none of the AGS scopes")
    token = await services.token(scopes, claims.get(vocab.CLAIM_DEPLOYMENT_ID))
    result: dict[str, Any] = {}
    run.ags = result
    lineitem_url = claim.get("lineitem")
    lineitems_url = claim.get("lineitems")
    if vocab.SCOPE_AGS_LINEITEM in scopes and isinstance(lineitems_url, str) and lineitems_url:
        link = claims.get(vocab.CLAIM_RESOURCE_LINK)
        body: dict[str, Any] = {"scoreMaximum": 100, "label": "renkei mock activity", "resourceId": "renkei-mock",
                                "tag": "renkei"}
        if isinstance(link, dict) and isinstance(link.get("id"), str):
            body["resourceLinkId"] = link["id"]
        # look before creating, as a tool that launches many times must: one line item per activity
        mine = [item for item in await services.lineitems(lineitems_url, token) if isinstance(item, dict)
                and item.get("resourceId") == body["resourceId"] and item.get("resourceLinkId") == body.get("resourceLinkId")
                and isinstance(item.get("id"), str)]
        result["lineitem"] = mine[0] if mine else await services.create_lineitem(lineitems_url, token, body)
        lineitem_url = result["lineitem"]["id"]
    if not isinstance(lineitem_url, str) or not lineitem_url:
        raise ServiceError("ags", "no line item: neither lineitem in the claim nor lineitem scope with lineitems URL")
    if vocab.SCOPE_AGS_SCORE in scopes:
        score = {
            "userId": claims.get("sub"),
            "scoreGiven": 87,
            "scoreMaximum": 100,
            "comment": "renkei mock score",
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": stamp.stamp(now),
        }
        await services.post_score(lineitem_url, token, score)
        result["score"] = score
    if vocab.SCOPE_AGS_RESULT_READONLY in scopes:
        result["results"] = await services.results(lineitem_url, token)


async def run_services(
    config: ToolConfig, key: RSAKey, launch: Launch, stamp: ScoreClock, only: set[str]
) -> ServiceRun:
    """Run the requested services (``nrps``, ``ags``) for a launch; errors land in the result."""
    run = ServiceRun(launch_id=launch.id)
    async with client(config) as http:
        services = ServiceClient(config, key, http, run)
        if "nrps" in only:
            try:
                await _run_nrps(services, launch.claims, run)
            except ServiceError as exc:
                run.errors.append({"step": exc.step, "message": str(exc)})
        if "ags" in only:
            try:
                await _run_ags(services, launch.claims, run, stamp, config.clock())
            except ServiceError as exc:
                run.errors.append({"step": exc.step, "message": str(exc)})
    return run
