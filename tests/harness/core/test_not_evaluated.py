"""No pass that was not earned: a check that could not see part of its input never reads as passed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from renkei.harness.core.context import CheckContext
from renkei.harness.core.model import Outcome, Severity, Text
from renkei.harness.core.profiles import Profile, ResolvedCheck
from renkei.harness.core.registry import CheckDef
from renkei.harness.core.session import RunOptions, RunSession


class _Target:
    def describe(self) -> dict:
        return {}

    def close(self) -> None:
        pass


def _run(func: Callable[[CheckContext], None], severity: Severity = Severity.ERROR):
    d = CheckDef(id="t.check", kind="t", requirement="T §1", severity=severity, title=Text(ja="検査", en="check"),
                 description=Text(ja="説明", en="description"), func=func)
    profile = Profile(id="t", title=Text(ja="t", en="t"), standard="T", version="1", source="tests", kind="t")
    session = RunSession(options=RunOptions(profile="t", target="t"), profile=profile, checks=[],
                         target=_Target(), expected={})
    return session.run_check(ResolvedCheck(d, severity, {}))


def test_unseen_input_without_findings_is_an_error_not_a_pass() -> None:
    result = _run(lambda ctx: ctx.not_evaluated("3 rows of users.csv could not be read"))
    assert result.outcome is Outcome.ERROR and result.gates
    assert result.error == "not evaluated: 3 rows of users.csv could not be read"
    assert result.not_evaluated == ["3 rows of users.csv could not be read"]


@pytest.mark.parametrize("severity", [Severity.WARNING, Severity.INFO])
def test_unseen_input_turns_a_warning_into_an_error(severity: Severity) -> None:
    def body(ctx: CheckContext) -> None:
        ctx.fail("seen problem")
        ctx.not_evaluated("the endpoint never answered")
    result = _run(body, severity)
    assert result.outcome is Outcome.ERROR and result.findings_count == 1


def test_a_real_failure_stays_failed_and_keeps_the_reason() -> None:
    def body(ctx: CheckContext) -> None:
        ctx.fail("seen problem")
        ctx.not_evaluated("2 rows dropped")
    result = _run(body)
    assert result.outcome is Outcome.FAILED and result.not_evaluated == ["2 rows dropped"]


def test_stop_not_evaluated_ends_the_check() -> None:
    reached = []

    def body(ctx: CheckContext) -> None:
        ctx.stop_not_evaluated("TLS handshake failed before the product spoke")
        reached.append(True)
    result = _run(body)
    assert result.outcome is Outcome.ERROR and not reached
    assert "TLS handshake failed" in (result.error or "")


def test_a_seen_input_passes() -> None:
    assert _run(lambda ctx: None).outcome is Outcome.PASSED
