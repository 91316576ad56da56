"""Response helpers shared by the mock e-portal's endpoints.

Errors use the OAuth 2.0 shape ``{"error", "error_description"}`` everywhere (RFC 6749 §5.2,
OIDC Core §3.1.2.6 as cited by [SEC §5.1.1]) so one parser reads every failure; the description
names the parameter or claim at fault but never echoes its value.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response


def json_response(data: Any, status_code: int = 200, media_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status_code, media_type=media_type, headers=headers)


def oauth_error(error: str, description: str, status_code: int = 400,
                headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": error, "error_description": description}, status_code,
                         headers={"Cache-Control": "no-store", **(headers or {})})


async def params(request: Request) -> dict[str, str]:
    """Query parameters for GET, form fields for POST (the OIDC endpoints accept both)."""
    if request.method == "POST":
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return dict(request.query_params)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def accepts(request: Request, wanted: str) -> bool:
    """True when Accept is absent, a wildcard, or lists ``wanted`` (q-values ignored)."""
    header = request.headers.get("accept", "")
    if not header.strip():
        return True
    types = {part.split(";", 1)[0].strip().lower() for part in header.split(",")}
    return bool(types & {wanted, "*/*", wanted.split("/", 1)[0] + "/*"})
