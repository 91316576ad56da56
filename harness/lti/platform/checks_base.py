"""Helpers shared by the ``lti-platform`` check modules: shared launches, JWKS, finding shapes.

Why shared launches: every id_token check judges the same scenario launches (full / no-PII student
and instructor, Deep Linking, second context) [CERT §5.1]; running each once per target keeps a
profile run to a few seconds and makes all checks talk about the same tokens.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from renkei.harness.core.context import CheckContext
from renkei.harness.core.model import Severity
from renkei.harness.core.registry import check
from renkei.harness.lti.platform.config import DEEP_LINKING, INSTRUCTOR, KIND, SCENARIOS
from renkei.harness.lti.platform.launch import RECEIVED, LaunchRecord
from renkei.harness.lti.platform.target import LtiPlatformTarget
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import BrowserError


def target_of(ctx: CheckContext) -> LtiPlatformTarget:
    return ctx.target  # type: ignore[no-any-return]


def launch_of(ctx: CheckContext, scenario: str) -> LaunchRecord:
    """The one shared launch of a scenario (run on first use)."""
    target = target_of(ctx)
    return target.shared("launch:" + scenario, lambda: target.launcher.launch(scenario))  # type: ignore[no-any-return]


def offered(ctx: CheckContext) -> list[str]:
    return [s for s in SCENARIOS if target_of(ctx).config.offers(s)]


def received(ctx: CheckContext, scenarios: tuple[str, ...] | None = None) -> Iterator[LaunchRecord]:
    """Launches that delivered a decodable id_token; none at all is itself a finding."""
    wanted = [s for s in offered(ctx) if scenarios is None or s in scenarios]
    got = [r for r in (launch_of(ctx, s) for s in wanted) if r.outcome == RECEIVED]
    if not wanted:
        ctx.skip("the target file offers none of the launch scenarios this check needs")
    usable = [r for r in got if r.claims is not None]
    if not usable:
        ctx.fail("No launch delivered a decodable id_token, so the payload cannot be judged "
                 "(see lti.platform.login.launch_completes).",
                 ja="デコード可能な id_token を届けた起動がないため判定できません (lti.platform.login.launch_completes を参照)。",
                 endpoint=target_of(ctx).config.redirect_uri)
    yield from usable


def fail_at(ctx: CheckContext, rec: LaunchRecord, en: str, ja: str, *, claim: str | None = None,
            value: Any = None) -> None:
    """A finding about one launch's id_token; the scenario names the launch, never the value."""
    ctx.fail(f"[{rec.scenario}] {en}", ja=f"[{rec.scenario}] {ja}", endpoint=rec.endpoint, method=rec.method,
             claim=claim, value=value)


def expected_message_type(scenario: str) -> str:
    return vocab.MSG_DEEP_LINKING_REQUEST if scenario == DEEP_LINKING else vocab.MSG_RESOURCE_LINK


def baseline_ok(ctx: CheckContext) -> bool:
    base = launch_of(ctx, INSTRUCTOR)
    if base.outcome == RECEIVED:
        return True
    ctx.fail("Cannot judge a refusal: a normal instructor launch does not deliver an id_token either "
             "(see lti.platform.login.launch_completes).",
             ja="拒否を判定できません: 通常の教員起動でも id_token が届きません (lti.platform.login.launch_completes を参照)。",
             endpoint=base.endpoint, method=base.method)
    return False


def is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_short_ascii(value: Any, limit: int = 255) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit and value.isascii()


def platform_jwks(ctx: CheckContext) -> dict[str, Any] | BrowserError:
    """The Platform's JWKS as first fetched in this run (shared)."""
    target = target_of(ctx)

    def fetch() -> dict[str, Any] | BrowserError:
        try:
            _, body = target.launcher.api.get_json(target.config.platform.jwks_url)
        except BrowserError as exc:
            return exc
        if not isinstance(body, dict):
            return BrowserError("jwks_invalid", "The JWKS is not a JSON object.", "JWKS が JSON オブジェクトではありません。",
                                url=target.config.platform.jwks_url, method="GET")
        return body

    return target.shared("jwks", fetch)  # type: ignore[no-any-return]


def platform_check(id: str, requirement: str, severity: Severity | str, title: tuple[str, str],
           description: tuple[str, str], params: dict[str, Any] | None = None) -> Any:
    return check(id, kind=KIND, requirement=requirement, severity=severity, title_ja=title[0], title_en=title[1],
                 description_ja=description[0], description_en=description[1], params=params)


def roles_of(rec: LaunchRecord) -> list[str]:
    """The string members of the roles claim (shape problems are judged elsewhere)."""
    roles = (rec.claims or {}).get(vocab.CLAIM_ROLES)
    return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []
