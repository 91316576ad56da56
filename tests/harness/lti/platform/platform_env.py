"""In-process environment for the lti-platform checks: the harness Tool against the mock e-portal.

``mock_platform_env`` wires the real mock 学習eポータル (``renkei.mocks.eportal``, optionally with faults)
to an ``LtiPlatformTarget`` with no sockets: the harness browser reaches the portal through an
in-process transport and the portal fetches the harness JWKS through an ASGI transport.
``run_checks`` runs a profile's checks as the pytest plugin does and returns one outcome per id.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import renkei.harness.lti.platform.checks  # noqa: F401  (registers the checks)
import renkei.harness.lti.platform.checks_services  # noqa: F401
from renkei.harness.core.context import CheckContext, CheckSkipped, NotEvaluated
from renkei.harness.core.model import Finding, Severity
from renkei.harness.core.profiles import load_profile, resolve
from renkei.harness.core.registry import REGISTRY
from renkei.harness.lti.platform.config import PlatformTargetConfig, parse_target
from renkei.harness.lti.platform.target import LtiPlatformTarget
from renkei.harness.lti.protocol.browser import InProcessTransport, RoutingTransport
from renkei.mocks.eportal import EportalConfig, ToolRegistration, create_app
from tests.mocks.eportal.eportal_support import write_bundle

EPORTAL = "https://eportal.test"
HARNESS = "https://renkei-tool.test"
CLIENT_ID = "renkei-harness-client"
DEPLOYMENT = "S_B101200000019"  # S_ + a 学校コード with a valid check digit
OTHER_DEPLOYMENT = "S_B101200000028"  # a second school: the Platform launches with the first
CLASS1, CLASS2 = "class-1a", "class-1b"  # classes of the generated bundle (tests.mocks.eportal)

SCENARIOS = {
    "instructor": f"{EPORTAL}/launch?client_id={{client_id}}&user=u-teacher&context={CLASS1}",
    "student": f"{EPORTAL}/launch?client_id={{client_id}}&user=u-s1&context={CLASS1}",
    "instructor_no_pii": f"{EPORTAL}/launch?client_id={{client_id}}&user=u-teacher&context={CLASS1}&pii=none",
    "student_no_pii": f"{EPORTAL}/launch?client_id={{client_id}}&user=u-s1&context={CLASS1}&pii=none&method=post",
    "deep_linking": (f"{EPORTAL}/launch?client_id={{client_id}}&user=u-teacher&context={CLASS1}"
                     "&message_type=LtiDeepLinkingRequest"),
    "student_other_context": f"{EPORTAL}/launch?client_id={{client_id}}&user=u-s1&context={CLASS2}",
}


# fault -> the exact checks that must then fail or warn (lti13-platform-japan = base + Japanese overlay)
RED: dict[str, set[str]] = {
    "sign_without_kid": {"lti.platform.id_token.rs256_kid", "lti.platform.id_token.signature"},
    "no_redirect_uri_check": {"lti.platform.auth.unregistered_redirect_uri"},
    "accept_replayed_jti": {"lti.platform.token.replayed_jti"},
    "no_nonce": {"lti.platform.id_token.nonce"},
    "wrong_version": {"lti.platform.id_token.version"},
    "roles_simple_names": {"lti.platform.id_token.roles_vocabulary", "lti.platform.id_token.roles_full_uri",
                           "lti.platform.jp.full_uri_roles"},
    "no_link_paging": {"lti.platform.nrps.paging", "lti.platform.ags.paging"},
    "paging_ends_at_page_2": {"lti.platform.nrps.paging", "lti.platform.ags.paging"},
    "ignore_unknown_scope": {"lti.platform.token.unknown_scope"},
    "pii_leak": {"lti.platform.id_token.no_pii"},
    "whitespace_in_claims": {"lti.platform.id_token.no_extra_whitespace"},
    "expired_id_token": {"lti.platform.id_token.timestamps"},
    "accept_replayed_dl_nonce": {"lti.platform.dl.nonce_replay"},
    "sub_is_username": {"lti.platform.jp.sub_uuid_v4"},
    "no_scope_enforcement": {"lti.platform.svc.scope_enforced"},
    # OneRoster REST import faults (judged by oneroster12-rest-consumer): no LTI check may notice them
    "rest_ignore_retry_after": set(), "rest_first_page_only": set(), "rest_broad_scope": set(),
    "rest_reread_pages": set(), "rest_ignore_tobedeleted": set(),
    # a fault of re-imports across 年次更新 (judged by chain-japan): one LTI run never re-imports
    "reissue_sub_after_year_advance": set(),
    "accept_assertion_without_exp": {"lti.platform.token.no_exp"},
    "assertion_client_from_sub": {"lti.platform.token.wrong_iss"},
    "skip_assertion_sub_check": {"lti.platform.token.wrong_sub"},
    "accept_any_assertion_type": {"lti.platform.token.wrong_assertion_type"},
    "accept_dl_without_exp": {"lti.platform.dl.no_exp"},
    "accept_dl_without_nonce": {"lti.platform.dl.no_nonce"},
    "dl_client_from_request": {"lti.platform.dl.wrong_iss"},
    "skip_dl_deployment_check": {"lti.platform.dl.other_deployment"},
    "dl_deployment_registered_only": {"lti.platform.dl.other_deployment"},
}


def target_data(**sections: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "lti-platform",
        "platform": {
            "name": "mock 学習eポータル", "issuer": EPORTAL, "client_id": CLIENT_ID, "deployment_ids": [DEPLOYMENT, OTHER_DEPLOYMENT],
            "auth_url": EPORTAL + "/auth", "token_url": EPORTAL + "/token", "jwks_url": EPORTAL + "/jwks",
            "services": {"deep_linking": True, "nrps": True, "ags": True},
        },
        "launches": {"mode": "scripted", "scenarios": dict(SCENARIOS)},
        "harness": {"base_url": HARNESS},
        "observation": {"timeout_seconds": 10},
    }
    for name, value in sections.items():
        data[name] = {**data.get(name, {}), **value} if isinstance(value, dict) else value
    return data


def target_config(**sections: Any) -> PlatformTargetConfig:
    return parse_target(target_data(**sections), "test-platform-target.yaml")


@contextmanager
def mock_platform_env(faults: set[str] | frozenset[str] = frozenset(), *, params: dict[str, Any] | None = None,
                      tool: dict[str, Any] | None = None, wrap: Callable[[Any, LtiPlatformTarget], Any] | None = None,
                      **sections: Any) -> Iterator[LtiPlatformTarget]:
    """The harness Tool side against the mock e-portal.

    ``tool`` overrides the portal's registration of the harness; ``wrap`` wraps the portal's ASGI
    app, given the target too (e.g. a ``Tamper`` middleware that makes it misbehave in one way).
    """
    routes = RoutingTransport({})
    config = target_config(**sections)
    target = LtiPlatformTarget(config, params, serve=False, transport=routes)
    with tempfile.TemporaryDirectory() as tmp:
        registration = {
            "client_id": CLIENT_ID, "deployment_ids": [DEPLOYMENT, OTHER_DEPLOYMENT], "login_url": config.login_url,
            "redirect_uris": [config.redirect_uri], "target_link_uri": config.target_link_uri,
            "jwks_url": config.jwks_url, "deep_link_url": config.deep_link_url, "custom": {"grade": "P1"},
        } | (tool or {})
        portal = EportalConfig(
            issuer=EPORTAL, tools=[ToolRegistration(**registration)], bundle=write_bundle(Path(tmp) / "roster.zip"),
            faults=set(faults), transport=httpx.ASGITransport(app=target.tool_side.app),
        )
        app = create_app(portal)
        routes.routes["eportal.test"] = InProcessTransport(wrap(app, target) if wrap is not None else app)
        try:
            yield target
        finally:
            target.close()
            routes.close()


@dataclass
class Outcome:
    status: str  # passed | failed | warning | skipped | error (not evaluated, as the engine decides)
    findings: list[Finding] = field(default_factory=list)
    reason: str | None = None


def run_one(target: LtiPlatformTarget, check_id: str, **params: Any) -> Outcome:
    definition = REGISTRY.get(check_id)
    return _run(CheckContext(definition, target, params=params))


def _run(ctx: CheckContext) -> Outcome:
    """One check as ``RunSession.run_check`` judges it (a NotEvaluated from below makes it an error)."""
    try:
        ctx.definition.func(ctx)
    except CheckSkipped as skipped:
        return Outcome("skipped", [], skipped.reason)
    except NotEvaluated as stopped:
        ctx.not_evaluated(stopped.reason)
    if ctx.unseen and not (ctx.count and ctx.severity == Severity.ERROR):
        return Outcome("error", ctx.findings, "; ".join(ctx.unseen))
    status = "passed" if not ctx.count else ("failed" if ctx.severity == Severity.ERROR else "warning")
    return Outcome(status, ctx.findings)


def run_checks(target: LtiPlatformTarget, profile: str = "lti13-platform") -> dict[str, Outcome]:
    """Run a profile's checks in-process (as the pytest plugin does) and collect outcomes."""
    return {rc.id: _run(CheckContext(rc.definition, target, params=rc.params, severity=rc.severity))
            for rc in resolve(load_profile(profile))}


def not_passed(results: dict[str, Outcome]) -> set[str]:
    return {cid for cid, o in results.items() if o.status in ("failed", "warning")}
