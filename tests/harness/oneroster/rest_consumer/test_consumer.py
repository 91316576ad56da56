"""The consumer profile against the mock 学習eポータル (the reference consumer): green as shipped, and each
``rest_*`` fault of the e-portal fails the check its rule belongs to. renkei's provider runs on a real
port on 127.0.0.1 (the e-portal pulls over real HTTP); the e-portal's import trigger is in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.harness.core import secret_registry
from renkei.harness.core.context import CheckContext, CheckSkipped, NotEvaluated
from renkei.harness.core.errors import ConfigError
from renkei.harness.core.registry import REGISTRY
from renkei.harness.core.targets import load_standards
from renkei.harness.lti.protocol.browser import InProcessTransport
from renkei.harness.oneroster.rest_consumer.config import RestConsumerTargetConfig
from renkei.harness.oneroster.rest_consumer.target import RestConsumerTarget
from renkei.mocks.eportal import oneroster_api
from renkei.mocks.eportal.app import create_app as create_eportal
from renkei.mocks.eportal.config import EportalConfig
from renkei.mocks.eportal.roster import Roster
from renkei.mocks.runner import DEPLOYMENT_ID, NRPS_READER_ID, mock_app_registration, nrps_reader_registration

SECRET = "renkei-consumer-secret-01"
FAULT_CHECKS = {
    "rest_ignore_retry_after": "or.rest.consumer.retry_after",
    "rest_first_page_only": "or.rest.consumer.complete",
    "rest_broad_scope": "or.rest.consumer.scopes",
    "rest_reread_pages": "or.rest.consumer.no_reread",
    "rest_ignore_tobedeleted": "or.rest.consumer.imported",
}


def _target(tmp: Path, faults: tuple[str, ...] = (), *, nrps: bool = True) -> RestConsumerTarget:
    tools = [mock_app_registration("http://app.test"), nrps_reader_registration(tmp / "tool.pem", nrps=nrps)]
    eportal = create_eportal(EportalConfig(issuer="http://eportal.test", tools=tools, keys_dir=tmp / "keys",
                                           faults=set(faults)), roster=Roster())
    config = RestConsumerTargetConfig.model_validate({
        "consumer": {"name": "mock e-portal", "import": {
            "mode": "scripted", "url": "http://eportal.test/admin/roster/import", "idle_seconds": 0.5,
            "wait_seconds": 60,
            "body": {"base_url": "{base_url}", "token_url": "{token_url}", "client_id": "{client_id}",
                     "client_secret": "{client_secret}"}},
            "exposes": {"base_url": "http://eportal.test", "token_url": "http://eportal.test" + oneroster_api.TOKEN_PATH,
                        "client_id": "${EXPORT_ID}", "client_secret": "${EXPORT_SECRET}"},
            "exposes_nrps": {"token_url": "http://eportal.test/token", "client_id": NRPS_READER_ID,
                             "deployment_id": DEPLOYMENT_ID,
                             "key_file": str(tmp / "tool.pem"), "memberships_url": "http://eportal.test/nrps/{class}",
                             "max_classes": 6}},
        "harness": {"listen": {"host": "127.0.0.1", "port": 0}, "client_secret": "${SECRET}", "throttle_every": 5},
    })
    env = {"SECRET": SECRET, "EXPORT_ID": oneroster_api.EXPORT_CLIENT_ID, "EXPORT_SECRET": oneroster_api.EXPORT_SECRET}
    target = RestConsumerTarget(config, environ=env, transport=InProcessTransport(eportal))
    config.harness.base_url = target.provider.url  # port 0: the origin is known once the provider listens
    return target


def _run(target: RestConsumerTarget) -> dict[str, tuple[str, list[str]]]:
    load_standards()
    out = {}
    for d in REGISTRY.match("or.rest.consumer.*"):
        ctx = CheckContext(d, target)
        try:
            d.func(ctx)
            out[d.id] = ("failed" if ctx.findings else "error" if ctx.unseen else "passed",
                         [f.message for f in ctx.findings])
        except CheckSkipped as exc:
            out[d.id] = ("skipped", [exc.reason])
        except NotEvaluated as exc:
            out[d.id] = ("error", [exc.reason])
    return out


@pytest.fixture(autouse=True)
def _registry():
    secret_registry.begin_run()


def test_the_mock_eportal_passes(tmp_path):
    target = _target(tmp_path)
    try:
        results = _run(target)
        imports = target.imports()
    finally:
        target.close()
    assert all(o == "passed" for o, _ in results.values()), results
    assert any(e["status"] == 429 for e in imports.first)  # throttled, and waited out
    assert imports.change["changed"]["user"]


@pytest.mark.parametrize("fault", sorted(FAULT_CHECKS))
def test_each_consumer_fault_fails_its_check(tmp_path, fault):
    target = _target(tmp_path, (fault,))
    try:
        results = _run(target)
    finally:
        target.close()
    outcome, messages = results[FAULT_CHECKS[fault]]
    assert outcome == "failed", results
    assert SECRET not in " ".join(m for _, ms in results.values() for m in ms)


def test_a_trigger_that_fails_leaves_the_checks_not_evaluated(tmp_path):
    target = _target(tmp_path)
    target.config.consumer.import_.url = "http://eportal.test/no-such-import"
    try:
        results = _run(target)
    finally:
        target.close()
    assert {o for o, _ in results.values()} == {"error"}
    assert "HTTP 404" in results["or.rest.consumer.token"][1][0]


def test_a_consumer_that_keeps_a_deleted_user_fails_the_nrps_comparison(tmp_path):
    target = _target(tmp_path, ("rest_ignore_tobedeleted",))
    try:
        results = _run(target)
        deleted = target.imports().change["deleted"]
    finally:
        target.close()
    outcome, messages = results["or.rest.consumer.nrps_matches"]
    assert outcome == "failed", results
    assert any(f"user {deleted} is tobedeleted at the provider" in m for m in messages), messages


def test_nrps_memberships_cover_the_sampled_classes(tmp_path):
    target = _target(tmp_path)
    try:
        change = target.imports().change
        read = target.nrps_memberships()
        enrollments = target.provider.objects("enrollment")
    finally:
        target.close()
    assert len({m.class_id for m in read}) == len(read) >= 6 and all(m.members for m in read)
    moved = {e["class"]["sourcedId"] for e in enrollments if e["user"]["sourcedId"] == change["transferred"]}
    assert moved and moved <= {m.class_id for m in read}  # both the old and the new school's classes


def test_a_registration_without_nrps_leaves_the_comparison_not_evaluated(tmp_path):
    target = _target(tmp_path, nrps=False)
    try:
        results = _run(target)
    finally:
        target.close()
    outcome, messages = results["or.rest.consumer.nrps_matches"]
    assert outcome == "error" and "no NRPS access token" in messages[0], results
    assert results["or.rest.consumer.imported"][0] == "passed"


def test_an_unreadable_tool_key_is_a_config_error(tmp_path):
    (tmp_path / "tool.pem").write_text("not a key")
    config = RestConsumerTargetConfig.model_validate({
        "consumer": {"import": {"mode": "scripted", "url": "http://eportal.test/import"},
                     "exposes_nrps": {"token_url": "http://eportal.test/token", "client_id": "x", "deployment_id": "d",
                                      "key_file": str(tmp_path / "tool.pem"),
                                      "memberships_url": "http://eportal.test/nrps/{class}"}},
        "harness": {"listen": {"host": "127.0.0.1", "port": 0}, "client_secret": "${SECRET}"}})
    with pytest.raises(ConfigError, match="key_file.*not a PEM RSA private key"):
        RestConsumerTarget(config, environ={"SECRET": SECRET})


def test_the_memberships_url_must_name_the_class():
    with pytest.raises(ValueError, match="must contain \\{class\\}"):
        RestConsumerTargetConfig.model_validate({
            "consumer": {"import": {"mode": "scripted", "url": "http://eportal.test/import"},
                         "exposes_nrps": {"token_url": "http://e.test/token", "client_id": "x", "deployment_id": "d",
                                          "key_file": "k.pem", "memberships_url": "http://e.test/nrps"}},
            "harness": {"client_secret": "${SECRET}"}})


def test_the_sample_spreads_over_the_classes():
    from renkei.harness.oneroster.rest_consumer.nrps import sample
    assert sample([f"c{i:02}" for i in range(10)], 3) == ["c00", "c03", "c06"]
    assert sample(["b", "a"], 5) == ["a", "b"]
    assert sample(["a"], 0) == []
