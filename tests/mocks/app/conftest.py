"""A small in-test platform (学習eポータル stand-in) and helpers to drive the mock tool in-process.

The platform signs real id_tokens with ``renkei.harness.lti.protocol.jose`` and serves JWKS, token, NRPS and AGS
endpoints on ``https://platform.test``; the tool lives on ``http://tool.test``. A routing
transport sends each request to the right ASGI app, so no socket is opened.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import RSAKey, generate_rsa_key, public_jwks, sign_jwt
from renkei.mocks.app import ToolConfig, create_app

ISSUER = "https://platform.test"
CLIENT_ID = "renkei-tool-client"
DEPLOYMENT_ID = "S_1234567890123"
TOOL_BASE = "http://tool.test"
TARGET = TOOL_BASE + "/launch"
DROP = object()


class FakePlatform:
    """Records every request the tool makes; tests flip attributes to make it misbehave."""

    def __init__(self, key: RSAKey) -> None:
        self.keys: list[RSAKey] = [key]
        self.requests: list[dict[str, Any]] = []
        self.jwks_status = 200
        self.token_status = 200
        self.jwks_fetches = 0
        self.scores: list[dict[str, Any]] = []
        # the line item container, served two per page: another activity's item is always there
        self.lineitems: list[dict[str, Any]] = [{"id": ISSUER + "/ags/ctx-1/lineitems/0", "label": "other",
                                                 "scoreMaximum": 10, "resourceLinkId": "rl-other"}]

    @property
    def key(self) -> RSAKey:
        return self.keys[-1]

    def sign(self, claims: dict[str, Any], **kwargs: Any) -> str:
        return sign_jwt(claims, self.key, **kwargs)

    async def _record(self, request: Request) -> dict[str, Any]:
        body = await request.body()
        entry = {"method": request.method, "url": str(request.url), "headers": dict(request.headers), "body": body}
        self.requests.append(entry)
        return entry

    def requests_to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if urlsplit(r["url"]).path == path]

    def app(self) -> Starlette:
        async def jwks(request: Request) -> Response:
            self.jwks_fetches += 1
            if self.jwks_status != 200:
                return Response("down", status_code=self.jwks_status)
            return JSONResponse(public_jwks(self.keys))

        async def token(request: Request) -> Response:
            entry = await self._record(request)
            if self.token_status != 200:
                return JSONResponse({"error": "invalid_client"}, status_code=self.token_status)
            form = parse_qs(entry["body"].decode())
            return JSONResponse(
                {"access_token": "tok-" + uuid.uuid4().hex, "token_type": "bearer", "expires_in": 3600,
                 "scope": form.get("scope", [""])[0]}
            )

        async def nrps(request: Request) -> Response:
            await self._record(request)
            page = request.query_params.get("page", "1")
            members = [{"user_id": f"user-{page}", "roles": [vocab.ROLE_LEARNER], "status": "Active"}]
            body = {"id": str(request.url), "context": {"id": "ctx-1"}, "members": members}
            headers = {"Content-Type": vocab.MEDIA_NRPS_MEMBERSHIP}
            if page == "1":
                headers["Link"] = '<https://platform.test/nrps/ctx-1?page=2>; rel="next"'
            return JSONResponse(body, headers=headers)

        async def lineitems(request: Request) -> Response:
            entry = await self._record(request)
            if request.method == "GET":
                page = int(request.query_params.get("page", "1"))
                headers = {"Content-Type": vocab.MEDIA_AGS_LINEITEM_CONTAINER}
                if 2 * page < len(self.lineitems):
                    headers["Link"] = f'<{ISSUER}/ags/ctx-1/lineitems?page={page + 1}>; rel="next"'
                return JSONResponse(self.lineitems[2 * (page - 1):2 * page], headers=headers)
            item = json.loads(entry["body"]) | {"id": ISSUER + "/ags/ctx-1/lineitems/1"}
            self.lineitems.append(item)
            return JSONResponse(item, status_code=201, headers={"Content-Type": vocab.MEDIA_AGS_LINEITEM})

        async def scores(request: Request) -> Response:
            entry = await self._record(request)
            self.scores.append(json.loads(entry["body"]))
            return Response(status_code=204)

        async def results(request: Request) -> Response:
            await self._record(request)
            body = [{"id": "r1", "scoreOf": ISSUER + "/ags/ctx-1/lineitems/1", "userId": s["userId"],
                     "resultScore": s["scoreGiven"], "resultMaximum": s["scoreMaximum"]} for s in self.scores]
            return JSONResponse(body, headers={"Content-Type": vocab.MEDIA_AGS_RESULT_CONTAINER})

        return Starlette(routes=[
            Route("/jwks", jwks),
            Route("/token", token, methods=["POST"]),
            Route("/nrps/ctx-1", nrps),
            Route("/ags/ctx-1/lineitems", lineitems, methods=["GET", "POST"]),
            Route("/ags/ctx-1/lineitems/1/scores", scores, methods=["POST"]),
            Route("/ags/ctx-1/lineitems/1/results", results),
        ])


class RoutingTransport(httpx.AsyncBaseTransport):
    """Dispatch by host to in-process ASGI apps (the way DNS would on a real network)."""

    def __init__(self, apps: dict[str, Any] | None = None) -> None:
        self._transports = {host: httpx.ASGITransport(app=app) for host, app in (apps or {}).items()}

    def mount(self, host: str, app: Any) -> None:
        """Add an app after creation (two apps that call each other need the same transport)."""
        self._transports[host] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._transports.get(request.url.host)
        if transport is None:
            raise httpx.ConnectError(f"no in-process app for host {request.url.host}", request=request)
        return await transport.handle_async_request(request)


@pytest.fixture(scope="session")
def platform_key() -> RSAKey:
    return generate_rsa_key(kid="platform-key-1")


@pytest.fixture(scope="session")
def impostor_key() -> RSAKey:
    """A different key that claims the platform key's kid (forged signature, right kid)."""
    return generate_rsa_key(kid="platform-key-1")


@pytest.fixture(scope="session")
def tool_keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tool-keys")


@pytest.fixture
def platform(platform_key: RSAKey) -> FakePlatform:
    return FakePlatform(platform_key)


def make_config(platform: FakePlatform, keys_dir: Path, **changes: Any) -> ToolConfig:
    transport = RoutingTransport({"platform.test": platform.app()})
    values: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "issuer": ISSUER,
        "auth_url": ISSUER + "/auth",
        "token_url": ISSUER + "/token",
        "jwks_url": ISSUER + "/jwks",
        "deployment_ids": frozenset({DEPLOYMENT_ID}),
        "base_url": TOOL_BASE,
        "keys_dir": keys_dir,
        "transport": transport,
    }
    values.update(changes)
    return ToolConfig(**values)


class ToolDriver:
    """Plays the browser + platform side of a launch against the tool."""

    def __init__(self, client: httpx.AsyncClient, platform: FakePlatform, app: Starlette) -> None:
        self.client = client
        self.platform = platform
        self.app = app

    async def login(self, method: str = "GET", **params: str) -> dict[str, str]:
        values = {"iss": ISSUER, "login_hint": "hint-1", "target_link_uri": TARGET,
                  "lti_deployment_id": DEPLOYMENT_ID, "client_id": CLIENT_ID} | params
        values = {k: v for k, v in values.items() if v is not DROP}
        if method == "GET":
            response = await self.client.get("/login", params=values)
        else:
            response = await self.client.post("/login", data=values)
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["location"]).query)
        return {k: v[0] for k, v in query.items()}

    async def launch(self, token: str | None, state: str | None) -> httpx.Response:
        data = {k: v for k, v in (("id_token", token), ("state", state)) if v is not None}
        return await self.client.post("/launch", data=data)

    async def launch_with(self, changes: dict[str, Any] | None = None, **sign_kwargs: Any) -> httpx.Response:
        """Login, then post an id_token built from valid claims with ``changes`` applied."""
        auth = await self.login()
        claims = resource_link_claims(auth["nonce"], changes)
        return await self.launch(self.platform.sign(claims, **sign_kwargs), auth["state"])


def resource_link_claims(nonce: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "given_name": "花子",
        "family_name": "山田",
        "name": "山田 花子",
        vocab.CLAIM_MESSAGE_TYPE: vocab.MSG_RESOURCE_LINK,
        vocab.CLAIM_VERSION: vocab.LTI_VERSION,
        vocab.CLAIM_DEPLOYMENT_ID: DEPLOYMENT_ID,
        vocab.CLAIM_TARGET_LINK_URI: TARGET,
        vocab.CLAIM_RESOURCE_LINK: {"id": "rl-1", "title": "国語 第1回"},
        vocab.CLAIM_ROLES: [vocab.ROLE_LEARNER, vocab.ROLE_INST_STUDENT],
        vocab.CLAIM_CONTEXT: {"id": "ctx-1", "title": "3年1組 国語"},
        vocab.CLAIM_CUSTOM: {"grade": "P3", "empty": ""},
    }
    for name, value in (changes or {}).items():
        if value is DROP:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def deep_linking_changes(**settings: Any) -> dict[str, Any]:
    base = {
        "deep_link_return_url": ISSUER + "/deep-link/return",
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
    }
    return {
        vocab.CLAIM_MESSAGE_TYPE: vocab.MSG_DEEP_LINKING_REQUEST,
        vocab.CLAIM_RESOURCE_LINK: DROP,
        vocab.CLAIM_DL_SETTINGS: base | settings,
    }


_CODE_RE = re.compile(r'<p id="lti-error" data-code="([^"]+)"')
_LAUNCH_RE = re.compile(r'<main id="lti-launch" data-status="ok" data-message-type="([^"]*)" '
                        r'data-sub="([^"]*)" data-launch-id="([^"]*)"')


def error_code(response: httpx.Response) -> str | None:
    match = _CODE_RE.search(response.text)
    return match.group(1) if match else None


def launch_marker(response: httpx.Response) -> tuple[str, str, str] | None:
    match = _LAUNCH_RE.search(response.text)
    return (match.group(1), match.group(2), match.group(3)) if match else None


@asynccontextmanager
async def _driver(platform: FakePlatform, config: ToolConfig) -> AsyncIterator[ToolDriver]:
    app = create_app(config)
    routing = RoutingTransport({"tool.test": app, "platform.test": platform.app()})
    async with httpx.AsyncClient(transport=routing, base_url=TOOL_BASE) as client:
        yield ToolDriver(client, platform, app)


MakeTool = Callable[..., AbstractAsyncContextManager[ToolDriver]]


@pytest.fixture
async def tool(platform: FakePlatform, tool_keys_dir: Path) -> AsyncIterator[ToolDriver]:
    async with _driver(platform, make_config(platform, tool_keys_dir)) as driver:
        yield driver


@pytest.fixture
def make_tool(platform: FakePlatform, tool_keys_dir: Path) -> MakeTool:
    """Factory for a tool with config changes: ``async with make_tool(faults={...}) as tool``."""

    def factory(**changes: Any) -> AbstractAsyncContextManager[ToolDriver]:
        return _driver(platform, make_config(platform, tool_keys_dir, **changes))

    return factory


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
