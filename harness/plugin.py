"""pytest plugin (``pytest11`` entry point): every check of a profile is a pytest item.

    pytest --renkei-profile oneroster12-csv --renkei-target export.zip [--renkei-out DIR]

So ``-k``, ``-x``, ``--junitxml`` and friends work as pytest users expect. The ``renkei`` CLI
uses the same ``RenkeiPlugin`` with a session it prepared itself.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core import secret_registry
from renkei.harness.core.console_text import console_safe
from renkei.harness.core.errors import RenkeiError
from renkei.harness.core.model import DEFAULT_FINDINGS_CAP, CheckResult, Outcome
from renkei.harness.core.profiles import ResolvedCheck
from renkei.harness.core.session import RunOptions, RunSession


class RenkeiWarning(UserWarning):
    """A warning-severity check found something (the run still passes)."""


class CheckFailed(Exception):
    """Raised by an item whose check gates the run; rendered without a traceback."""

    def __init__(self, result: CheckResult, headline: str | None = None) -> None:
        super().__init__(result.id)
        self.result = result
        self.headline = headline


def _describe(result: CheckResult, headline: str | None) -> str:
    """pytest's failure text; every piece from the target is printed with controls escaped."""
    lines = [console_safe(headline or f"{result.id}: {result.title}"), f"  requirement: {result.requirement}"]
    if result.error:
        lines.append(console_safe(f"  error: {result.error}"))
    for f in result.findings[:10]:
        value = f" value={f.value!r}" if f.value is not None else ""
        lines.append(console_safe(f"  - {f.location.label()}: {f.message}{value}"))
    if result.findings_count > 10:
        lines.append(f"  ... {result.findings_count - 10} more finding(s)")
    return "\n".join(lines)


class CheckItem(pytest.Item):
    def __init__(self, *, resolved: ResolvedCheck, run: RunSession, emit_warnings: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.resolved = resolved
        self.run = run
        self.emit_warnings = emit_warnings
        d = resolved.definition
        self.user_properties += [("check_id", d.id), ("requirement", resolved.requirement),
                                 ("severity", resolved.severity.value)]
        self.add_marker(pytest.mark.renkei)

    def runtest(self) -> None:
        result = self.run.run_check(self.resolved)
        xf = result.expected_failure
        if xf is not None:
            if xf.state == "xfailed":
                pytest.xfail(console_safe(f"expected failure: {xf.reason}"))
            raise CheckFailed(result, f"{result.id}: listed as an expected failure ({xf.reason}) "
                                      "but it passed; remove it from the expected-failures file")
        if result.outcome is Outcome.SKIPPED:
            pytest.skip(console_safe(result.skip_reason or "not applicable"))
        if result.outcome in (Outcome.FAILED, Outcome.ERROR):
            raise CheckFailed(result)
        if result.outcome is Outcome.WARNING and self.emit_warnings:
            warnings.warn(RenkeiWarning(_describe(result, None)), stacklevel=1)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return _describe(excinfo.value.result, excinfo.value.headline)
        return console_safe(str(excinfo.value), keep_newlines=True)

    def reportinfo(self) -> tuple[Path | str, int | None, str]:
        return self.run.profile.path or self.run.profile.id, None, self.resolved.id


class ProfileCollector(pytest.Collector):
    def __init__(self, *, run: RunSession, emit_warnings: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run = run
        self.emit_warnings = emit_warnings

    def collect(self) -> list[pytest.Item]:
        return [CheckItem.from_parent(self, name=c.id, resolved=c, run=self.run, emit_warnings=self.emit_warnings)
                for c in self.run.checks]


class RenkeiPlugin:
    """Collects a profile's checks instead of test files and finishes the run at the end."""

    def __init__(self, run: RunSession, *, emit_warnings: bool = True) -> None:
        # The CLI shows warnings in its own summary; plain pytest users get them as pytest warnings.
        self.run = run
        self.emit_warnings = emit_warnings
        self.items: list[CheckItem] = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> bool:
        collector = ProfileCollector.from_parent(session, name=self.run.profile.id, run=self.run,
                                                emit_warnings=self.emit_warnings)
        items = collector.collect()
        hook = session.config.hook
        hook.pytest_collection_modifyitems(session=session, config=session.config, items=items)
        session.items = items
        session.testscollected = len(items)
        hook.pytest_collection_finish(session=session)
        self.items = [i for i in items if isinstance(i, CheckItem)]
        self.run.activate(i.resolved.id for i in self.items)
        return True

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "renkei: a renkei conformance check")

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        """The profile that runs and, before any result, the choice --profile auto made or a hint."""
        lang = self.run.options.lang
        return [f"renkei profile: {self.run.profile.id}"] + [
            ("renkei HINT: " if n.kind == "profile-hint" else "renkei: ") + n.text(lang) for n in self.run.notices]

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        run = self.run.finish(ran=[i.resolved.id for i in self.items],
                              interrupted=exitstatus == pytest.ExitCode.INTERRUPTED)
        self.run.write_outputs(run)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("renkei", "renkei conformance profiles")
    group.addoption("--renkei-profile", help="profile id (see `renkei profiles`), path to a profile YAML, or "
                                             "auto (read it from the bundle)")
    group.addoption("--renkei-target", help="what to test: a bundle path, or a target YAML for LTI profiles")
    group.addoption("--renkei-out", help="write result.json, junit.xml and report.html into this folder")
    group.addoption("--renkei-lang", default="ja", choices=("ja", "en"), help="report language")
    group.addoption("--renkei-expected-failures", help="YAML file of check ids expected to fail")
    group.addoption("--renkei-select", help="comma-separated globs of check ids to run")
    group.addoption("--renkei-redact", action="store_true", help="mask personal fields in all outputs")
    group.addoption("--renkei-findings-cap", type=int, default=DEFAULT_FINDINGS_CAP,
                    help="findings stored per check (all are counted)")


def pytest_configure(config: pytest.Config) -> None:
    profile = config.getoption("--renkei-profile", default=None)
    if not profile:
        return
    target = config.getoption("--renkei-target")
    if not target:
        raise pytest.UsageError("--renkei-profile needs --renkei-target")
    if getattr(config.option, "numprocesses", None) or getattr(config.option, "dist", "no") != "no":
        # Each xdist worker would open the target (and an LTI target's listening port) on its own,
        # and the controller, which runs no check, would write an empty report.
        raise pytest.UsageError("renkei profiles run in one process: drop -n/--dist for --renkei-profile")
    out = config.getoption("--renkei-out")
    options = RunOptions(
        profile=profile, target=target, out_dir=Path(out) if out else None,
        lang=config.getoption("--renkei-lang"),
        expected_failures=config.getoption("--renkei-expected-failures"),
        select=config.getoption("--renkei-select"), redact=config.getoption("--renkei-redact"),
        findings_cap=config.getoption("--renkei-findings-cap"),
    )
    from renkei.harness.launch.run import ProductLaunch

    try:
        launch = ProductLaunch(options.target)  # the target file's containers, if it declares any
        config.add_cleanup(lambda: _close_launch(launch, options.out_dir))
        run = RunSession.create(options, before_open=launch.before_open)
    except RenkeiError as exc:
        raise pytest.UsageError(console_safe(f"renkei: {exc}")) from None
    config.pluginmanager.register(RenkeiPlugin(run), "renkei-run")


def _close_launch(launch: Any, out_dir: Path | None) -> None:
    for problem in launch.close(out_dir):
        sys.stderr.write(console_safe(secret_registry.active().scrub(f"renkei: warning: {problem}")) + "\n")
