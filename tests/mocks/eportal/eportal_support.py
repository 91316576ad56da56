"""Test support for the mock e-portal: a generated roster bundle, a settable clock, and a
``Portal`` driver that plays the tool's side of the OIDC launch and the token request."""

from __future__ import annotations

import csv
import io
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import RSAKey, decode_unverified, sign_jwt, verify_jwt
from renkei.mocks.eportal.forms import parse_autosubmit

ISSUER = "https://eportal.example.test"
TOOL = "https://app.example.test"
CLIENT_ID = "renkei-app"
DEPLOYMENT = "deploy-1"
TEACHER = "b7d9a1e2-0c4f-4a5e-9b1d-2f3a4b5c6d7e"  # userMasterIdentifier values (generated UUID v4)
STUDENT1 = "c1e2d3f4-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
STUDENT2 = "d2f3a4b5-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
CLASS1 = "class-1a"
CLASS2 = "class-1b"

# Generated, obviously fictional people: no real personal data.
USERS = [
    # sourcedId, userMasterIdentifier, username, givenName, familyName, email, enabledUser
    ("u-teacher", TEACHER, "sensei01", "先生", "試験", "sensei01@example.test", "true"),
    ("u-s1", STUDENT1, "seito01", "一郎", "試験", "seito01@example.test", "true"),
    ("u-s2", STUDENT2, "seito02", "花子", "見本", "", "true"),
    ("u-s3", "", "seito03", "三郎", "仮名", "", "true"),  # no userMasterIdentifier: sub = sourcedId
    ("u-off", "", "seito04", "四郎", "無効", "", "false"),
]
ENROLLMENTS = [
    ("e1", CLASS1, "u-teacher", "teacher"), ("e2", CLASS1, "u-s1", "student"),
    ("e3", CLASS1, "u-s2", "student"), ("e4", CLASS1, "u-s3", "student"),
    ("e5", CLASS2, "u-teacher", "teacher"), ("e6", CLASS2, "u-s1", "student"),
    ("e7", CLASS1, "u-off", "student"),
]


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def bundle_files(users: list[tuple[str, ...]] = USERS) -> dict[str, str]:
    meta = ["active", "2026-04-01"]
    return {
        "orgs.csv": _csv(["sourcedId", "status", "dateLastModified", "name", "type", "identifier",
                          "parentSourcedId"], [["org-1", *meta, "試験市立見本小学校", "school", "X000", ""]]),
        "users.csv": _csv(
            ["sourcedId", "status", "dateLastModified", "enabledUser", "username", "givenName", "familyName",
             "email", "userMasterIdentifier"],
            [[u[0], *meta, u[6], u[2], u[3], u[4], u[5], u[1]] for u in users]),
        "classes.csv": _csv(["sourcedId", "status", "dateLastModified", "title", "classCode", "schoolSourcedId"],
                            [[CLASS1, *meta, "1年1組", "1-1", "org-1"], [CLASS2, *meta, "1年2組", "1-2", "org-1"]]),
        "enrollments.csv": _csv(["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
                                 "userSourcedId", "role"],
                                [[e[0], *meta, e[1], "org-1", e[2], e[3]] for e in ENROLLMENTS]),
    }


def write_bundle(path: Path, files: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in (files or bundle_files()).items():
            archive.writestr(name, text.encode("utf-8"))
    return path


class Clock:
    """A settable clock so expiry is tested without sleeping."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Portal:
    """Plays the tool against the in-process platform."""

    def __init__(self, client: httpx.AsyncClient, tool_key: RSAKey, clock: Clock) -> None:
        self.client = client
        self.tool_key = tool_key
        self.clock = clock

    async def login(self, user: str = "u-s1", context: str | None = CLASS1, **params: str) -> dict[str, str]:
        query = {"client_id": CLIENT_ID, "user": user, **params}
        if context:
            query["context"] = context
        response = await self.client.get("/launch", params=query)
        assert response.status_code == 302, response.text
        return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}

    def auth_params(self, login: dict[str, str], **overrides: str | None) -> dict[str, str]:
        params = {
            "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
            "client_id": CLIENT_ID, "redirect_uri": f"{TOOL}/launch", "login_hint": login["login_hint"],
            "lti_message_hint": login["lti_message_hint"], "state": "st-1", "nonce": "n-" + login["lti_message_hint"],
        }
        params.update(overrides)  # type: ignore[arg-type]
        return {k: v for k, v in params.items() if v is not None}

    async def authorize(self, login: dict[str, str], method: str = "GET",
                        **overrides: str | None) -> tuple[httpx.Response, dict[str, str]]:
        params = self.auth_params(login, **overrides)
        if method == "GET":
            response = await self.client.get("/auth", params=params)
        else:
            response = await self.client.post("/auth", data=params)
        form = parse_autosubmit(response.text) if response.status_code == 200 else None
        return response, (form[2] if form else {})

    async def launch(self, user: str = "u-s1", context: str | None = CLASS1,
                     **params: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Full launch; returns (header, claims) of the verified id_token."""
        login = await self.login(user, context, **params)
        response, fields = await self.authorize(login)
        assert "id_token" in fields, response.text
        jwks = (await self.client.get("/jwks")).json()
        return verify_jwt(fields["id_token"], jwks)

    def assertion(self, **overrides: Any) -> str:
        now = int(self.clock())
        claims = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": f"{ISSUER}/token", "iat": now, "exp": now + 300,
                  "jti": uuid.uuid4().hex,
                  vocab.CLAIM_DEPLOYMENT_ID: DEPLOYMENT}
        claims.update(overrides)
        return sign_jwt({k: v for k, v in claims.items() if v is not None}, self.tool_key)

    async def token_response(self, scopes: list[str], assertion: str | None = None) -> httpx.Response:
        return await self.client.post("/token", data={
            "grant_type": "client_credentials",
            "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion or self.assertion(),
            "scope": " ".join(scopes),
        })

    async def token(self, *scopes: str) -> dict[str, str]:
        response = await self.token_response(list(scopes))
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


def unverified_claims(token: str) -> dict[str, Any]:
    return decode_unverified(token)[1]
