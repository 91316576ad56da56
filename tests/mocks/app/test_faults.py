"""Red-run faults: each turns exactly the named defect on (and the tool is correct without it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import RSAKey, decode_unverified, sign_raw
from renkei.mocks.app.config import FAULTS
from renkei.mocks.app.services import WRONG_ASSERTION_AUDIENCE
from tests.mocks.app.conftest import (
    DROP,
    ISSUER,
    ToolDriver,
    deep_linking_changes,
    error_code,
    launch_marker,
    make_config,
    resource_link_claims,
)
from tests.mocks.app.test_xapi import XAPI_FAULTS

pytestmark = pytest.mark.anyio

Attack = Callable[[ToolDriver], Awaitable[Any]]


async def _wrong_aud(tool: ToolDriver) -> Any:
    return await tool.launch_with({"aud": "someone-else"})


async def _bad_signature(tool: ToolDriver) -> Any:
    auth = await tool.login()
    good = tool.platform.sign(resource_link_claims(auth["nonce"]))
    head, payload, _ = good.split(".")
    return await tool.launch(f"{head}.{payload}.AAAA", auth["state"])


async def _alg_none(tool: ToolDriver) -> Any:
    auth = await tool.login()
    token = sign_raw({"alg": "none", "typ": "JWT"}, resource_link_claims(auth["nonce"]), None)
    return await tool.launch(token, auth["state"])


async def _replay(tool: ToolDriver) -> Any:
    auth = await tool.login()
    token = tool.platform.sign(resource_link_claims(auth["nonce"]))
    assert (await tool.launch(token, auth["state"])).status_code == 200
    tool.client.cookies.set("lti_state_" + auth["state"], auth["state"])
    return await tool.launch(token, auth["state"])


async def _wrong_state(tool: ToolDriver) -> Any:
    auth = await tool.login()
    tool.client.cookies.clear()
    return await tool.launch(tool.platform.sign(resource_link_claims(auth["nonce"])), "forged-state")


async def _expired(tool: ToolDriver) -> Any:
    return await tool.launch_with({"iat": 11111, "exp": 22222})


async def _no_exp(tool: ToolDriver) -> Any:
    return await tool.launch_with({"exp": DROP})


async def _unknown_deployment(tool: ToolDriver) -> Any:
    auth = await tool.login(lti_deployment_id="S_9999999999999")
    claims = resource_link_claims(auth["nonce"], {vocab.CLAIM_DEPLOYMENT_ID: "S_9999999999999"})
    return await tool.launch(tool.platform.sign(claims), auth["state"])


LAUNCH_FAULTS: dict[str, tuple[Attack, str]] = {
    "skip_aud_check": (_wrong_aud, "aud_mismatch"),
    "skip_signature_check": (_bad_signature, "bad_signature"),
    "accept_alg_none": (_alg_none, "kid_missing"),
    "skip_nonce_replay": (_replay, "nonce_replayed"),
    "skip_state_check": (_wrong_state, "state_unknown"),
    "skip_exp_check": (_expired, "token_expired"),
    "accept_missing_exp": (_no_exp, "exp_missing"),
    "skip_deployment_check": (_unknown_deployment, "deployment_id_unknown"),
}


@pytest.mark.parametrize("fault", list(LAUNCH_FAULTS))
async def test_launch_fault_accepts_what_the_correct_tool_rejects(make_tool: Any, fault: str) -> None:
    attack, code = LAUNCH_FAULTS[fault]
    async with make_tool() as correct:
        assert error_code(await attack(correct)) == code
    async with make_tool(faults={fault}) as broken:
        response = await attack(broken)
    assert response.status_code == 200, error_code(response)
    assert launch_marker(response) is not None


async def test_alg_none_with_kid_still_rejected_by_correct_tool(tool: ToolDriver, platform_key: RSAKey) -> None:
    auth = await tool.login()
    token = sign_raw({"alg": "none", "kid": platform_key.kid}, resource_link_claims(auth["nonce"]), None)
    assert error_code(await tool.launch(token, auth["state"])) == "alg_not_allowed"


async def test_accept_missing_exp_still_rejects_an_expired_token(make_tool: Any) -> None:
    async with make_tool(faults={"accept_missing_exp"}) as broken:
        assert error_code(await broken.launch_with({"iat": 11111, "exp": 22222})) == "token_expired"


async def test_skip_aud_check_still_checks_everything_else(make_tool: Any) -> None:
    async with make_tool(faults={"skip_aud_check"}) as broken:
        response = await broken.launch_with({"aud": "someone-else", "iss": "https://evil.test"})
    assert error_code(response) == "iss_mismatch"


async def _dl_claims(tool: ToolDriver) -> dict[str, Any]:
    response = await tool.launch_with(deep_linking_changes(data="echo-me"))
    jwt = response.text.split('id="lti-dl-jwt" value="', 1)[1].split('"', 1)[0]
    return decode_unverified(jwt)[1]


async def test_dl_no_data_echo(make_tool: Any) -> None:
    async with make_tool() as correct:
        assert (await _dl_claims(correct))[vocab.CLAIM_DL_DATA] == "echo-me"
    async with make_tool(faults={"dl_no_data_echo"}) as broken:
        assert vocab.CLAIM_DL_DATA not in await _dl_claims(broken)


async def _assertion_aud(tool: ToolDriver) -> str:
    claims = {vocab.CLAIM_NRPS: {"context_memberships_url": ISSUER + "/nrps/ctx-1"}}
    marker = launch_marker(await tool.launch_with(claims))
    assert marker is not None
    before = len(tool.platform.requests_to("/token"))
    await tool.client.post("/services/run", params={"launch": marker[2]})
    request = tool.platform.requests_to("/token")[before]
    form = parse_qs(request["body"].decode())
    return str(decode_unverified(form["client_assertion"][0])[1]["aud"])


async def test_assertion_wrong_aud(make_tool: Any) -> None:
    async with make_tool() as correct:
        assert await _assertion_aud(correct) == ISSUER + "/token"
    async with make_tool(faults={"assertion_wrong_aud"}) as broken:
        assert await _assertion_aud(broken) == WRONG_ASSERTION_AUDIENCE


def test_every_fault_is_tested() -> None:
    tested = set(LAUNCH_FAULTS) | {"dl_no_data_echo", "assertion_wrong_aud"} | XAPI_FAULTS
    assert tested == set(FAULTS)


def test_unknown_fault_is_a_config_error(platform: Any, tool_keys_dir: Any) -> None:
    with pytest.raises(ConfigError, match="unknown fault"):
        make_config(platform, tool_keys_dir, faults={"skip_everything"})


def test_empty_deployment_ids_is_a_config_error(platform: Any, tool_keys_dir: Any) -> None:
    with pytest.raises(ConfigError, match="deployment_ids"):
        make_config(platform, tool_keys_dir, deployment_ids=frozenset())


def test_token_audience_defaults_to_token_url(platform: Any, tool_keys_dir: Any) -> None:
    assert make_config(platform, tool_keys_dir).assertion_audience == ISSUER + "/token"
    custom = make_config(platform, tool_keys_dir, token_audience="https://platform.test/oauth")
    assert custom.assertion_audience == "https://platform.test/oauth"
