"""The OneRoster 1.2 REST token request: OAuth 2.0 client credentials, as a provider asks to be authenticated.

OneRoster 1.2 REST secures every endpoint with the client-credentials grant (OpenAPI ``OAuth2CC``, RFC 6749
§4.4; reference/oneroster.md §3.1). The client authenticates either with HTTP Basic (RFC 6749 §2.3.1,
``client_secret_basic``: what Google's suite does) or with ``client_id``/``client_secret`` in the form body
(§2.3.1 allows it, ``client_secret_post``); which one is the provider's choice, so every consumer renkei
holds (its provider client, the mock e-portal's pull) builds the request here, once.
"""

from __future__ import annotations

import base64
from typing import Literal
from urllib.parse import urlencode

ClientAuth = Literal["basic", "form"]
CLIENT_AUTH: tuple[str, ...] = ("basic", "form")
# the OAuth names (RFC 7591 token_endpoint_auth_method) for messages
AUTH_NAMES = {"basic": "client_secret_basic (HTTP Basic)", "form": "client_secret_post (form body)"}


def token_request(client_id: str, secret: str, scopes: list[str] | tuple[str, ...],
                  client_auth: str = "basic") -> tuple[dict[str, str], bytes]:
    """(headers, form body) of one client-credentials token request for ``scopes`` (space-separated)."""
    if client_auth not in CLIENT_AUTH:
        raise ValueError(f"client_auth must be one of {', '.join(CLIENT_AUTH)}, not {client_auth!r}")
    form = {"grant_type": "client_credentials", "scope": " ".join(scopes)}
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    if client_auth == "basic":
        pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {pair}"  # RFC 6749 §2.3.1 / RFC 7617
    else:
        form |= {"client_id": client_id, "client_secret": secret}
    return headers, urlencode(form).encode()
