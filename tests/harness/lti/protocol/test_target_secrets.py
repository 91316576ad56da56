"""Target-file secrets: resolved from the environment, registered for scrubbing, and refused (naming
the field and the variable, never the value) when they cannot be sent."""

from __future__ import annotations

import pytest

from renkei.harness.core import secret_registry
from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol.target_file import Secrets

HEADERS = Secrets(headers={"X-Staging-Key": "${STAGING_KEY}"})
BASIC = Secrets(basic_auth_user="${STAGING_USER}", basic_auth_password="${STAGING_PASSWORD}")


def test_resolved_secrets_are_registered_for_scrubbing() -> None:
    registry = secret_registry.begin_run()
    headers, _ = HEADERS.resolve("t.yaml", {"STAGING_KEY": "k-0123456789"})
    assert headers == {"X-Staging-Key": "k-0123456789"}
    assert registry.scrub("echo k-0123456789") == "echo [secret:secrets.headers.X-Staging-Key]"
    _, auth = BASIC.resolve("t.yaml", {"STAGING_USER": "vendor", "STAGING_PASSWORD": "pa55-word-x"})
    assert auth == ("vendor", "pa55-word-x")
    assert "pa55" not in registry.scrub("Basic dmVuZG9yOnBhNTUtd29yZC14 pa55-word-x")


@pytest.mark.parametrize(("value", "why"), [
    ("", "is empty"),
    ("k-0123456789\r\nX-Injected: 1", "line break"),
    ("キー0123456789", "non-ASCII"),
    ("k-1234", "shorter than 8 characters"),
])
def test_an_unsendable_header_secret_is_a_config_error_naming_it(value: str, why: str) -> None:
    with pytest.raises(ConfigError) as err:
        HEADERS.resolve("t.yaml", {"STAGING_KEY": value})
    message = str(err.value)
    assert message.startswith("target t.yaml: secrets.headers.X-Staging-Key (environment variable STAGING_KEY) ")
    assert why in message and "\n" not in message
    assert not value or value.splitlines()[0] not in message  # the value itself is never shown


@pytest.mark.parametrize(("user", "password", "field", "var"), [
    ("ven:dor", "pa55-word-x", "basic_auth_user", "STAGING_USER"),
    ("vendor", "pa55\nword-x", "basic_auth_password", "STAGING_PASSWORD"),
    ("vendor", "pw", "basic_auth_password", "STAGING_PASSWORD"),
])
def test_unsendable_basic_credentials_are_a_config_error(user: str, password: str, field: str, var: str) -> None:
    with pytest.raises(ConfigError, match=rf"secrets.{field} \(environment variable {var}\)") as err:
        BASIC.resolve("t.yaml", {"STAGING_USER": user, "STAGING_PASSWORD": password})
    assert password not in str(err.value)


def test_a_header_name_that_is_not_a_token_is_refused_when_the_file_is_read() -> None:
    with pytest.raises(ValueError, match="is not a valid HTTP header name"):
        Secrets(headers={"X Bad: name": "${STAGING_KEY}"})
