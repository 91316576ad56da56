"""The shipped example target files parse, and bad target files are one clear error naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.rest_consumer.config import load_target as load_consumer
from renkei.harness.oneroster.rest_provider.config import load_target as load_provider
from renkei.harness.oneroster.rest_provider.config import parse_target

EXAMPLES = Path(__file__).resolve().parents[4] / "profiles" / "examples"


def test_the_examples_parse():
    assert load_provider(EXAMPLES / "rest-provider.yaml").declares.metadata_shape == "nested"
    assert load_consumer(EXAMPLES / "rest-consumer.yaml").consumer.import_.mode == "scripted"


@pytest.mark.parametrize(("provider", "declares", "text"), [
    ({"client_secret": "plain-secret"}, {}, "client_secret must be a"),
    ({"token_url": "ftp://x"}, {}, "provider.token_url"),
    ({}, {"endpoints": ["getAllPupils"]}, "unknown operationId"),
])
def test_bad_provider_targets_name_the_field(provider, declares, text):
    data = {"provider": {"base_url": "https://sis.test", "token_url": "https://sis.test/token",
                         "client_id": "${A}", "client_secret": "${B}", **provider}, "declares": declares}
    with pytest.raises(ConfigError, match=text):
        parse_target(data, "t.yaml")


def test_a_missing_secret_variable_is_named(tmp_path):
    config = load_provider(EXAMPLES / "rest-provider.yaml")
    with pytest.raises(ConfigError, match="OR_CLIENT_ID is not set"):
        config.credentials({})


def test_consumer_placeholders_are_checked(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("kind: oneroster-rest-consumer\nconsumer:\n  import:\n    mode: hook\n    hook: [x, '{nope}']\n"
                   "harness:\n  client_secret: ${S}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown placeholder"):
        load_consumer(bad)
