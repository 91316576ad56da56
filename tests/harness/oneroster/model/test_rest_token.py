"""The client-credentials token request both of renkei's OneRoster consumers send: Basic or form body."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import pytest

from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.rest_token import token_request


def test_basic_puts_the_credentials_in_the_authorization_header_only() -> None:
    headers, body = token_request("client", "secret-0001", [R.SCOPE_CORE], "basic")
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"client:secret-0001").decode()
    assert parse_qs(body.decode()) == {"grant_type": ["client_credentials"], "scope": [R.SCOPE_CORE]}


def test_form_puts_the_credentials_in_the_body_and_sends_no_authorization() -> None:
    headers, body = token_request("client", "secret-0001", [R.SCOPE_CORE, R.SCOPE_DEMOGRAPHICS], "form")
    assert "Authorization" not in headers
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(body.decode()) == {"grant_type": ["client_credentials"], "client_id": ["client"],
                                       "client_secret": ["secret-0001"],
                                       "scope": [f"{R.SCOPE_CORE} {R.SCOPE_DEMOGRAPHICS}"]}


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="client_auth must be one of basic, form"):
        token_request("client", "secret-0001", [R.SCOPE_CORE], "private_key_jwt")
