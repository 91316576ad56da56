"""Running a profile through pytest: the one path ``renkei run``, the demo and tests take.

Kept apart from ``cli`` (the commands) so that the demo, which ``cli`` starts, can run profiles
without importing the command module back.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from renkei.harness.core import progress, secret_registry
from renkei.harness.core.console_text import console_safe
from renkei.harness.core.errors import RenkeiError
from renkei.harness.core.model import RunResult
from renkei.harness.core.session import RunOptions, RunSession

err = Console(stderr=True, soft_wrap=True)


class Interrupted(Exception):
    """Ctrl-C or SIGTERM ended a command; ``main`` says so in one line and exits 2."""

    def __init__(self, how: str, detail: str = "") -> None:
        super().__init__(how)
        self.how = how
        self.detail = detail


def safe(text: object) -> str:
    """Untrusted text for the console: secrets masked and control characters escaped."""
    return console_safe(secret_registry.active().scrub(str(text)))


_stopped_by = "Ctrl-C"


def stopped_by() -> str:
    """What stopped the last run: ``Ctrl-C`` or ``SIGTERM``."""
    return _stopped_by


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a cancelled CI job, ``kill``) ends a run the way Ctrl-C does: the checks stop, the
    outputs are written and say "interrupted", the exit code is 2."""
    global _stopped_by
    _stopped_by = "Ctrl-C"
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        global _stopped_by
        _stopped_by = "SIGTERM"
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Progress:
    """pytest plugin that shows progress: a rich bar on a terminal, plain lines otherwise."""

    def __init__(self, run: RunSession, interactive: bool, quiet: bool, console: Console) -> None:
        self.run = run
        self.console = console
        self.interactive = interactive
        self.quiet = quiet
        self.done = 0
        self.total = len(run.checks)
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.interactive:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description}", markup=False, style="bold"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=self.console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.run.profile.id, total=self.total)
        progress.subscribe(self._stage)
        return self

    def __exit__(self, *exc: object) -> None:
        progress.unsubscribe(self._stage)
        if self._bar is not None:
            self._bar.stop()

    def _stage(self, stage: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=safe(f"{self.run.profile.id}: {stage}"))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        if self._bar is not None:
            self._bar.update(self._task, total=self.total)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not (report.when == "setup" and report.skipped):
            return
        check_id = report.nodeid.rsplit("::", 1)[-1]
        result = self.run.results.get(check_id)
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, description=safe(f"{self.run.profile.id}: {check_id}"))
        elif result is not None and not self.quiet:
            self.console.print(safe(f"[{self.done}/{self.total}] {check_id} ... {result.outcome.value}"
                            + (f" ({result.findings_count} finding(s))" if result.findings_count else "")),
                      highlight=False, markup=False)


def _pytest_args(tmp: str) -> list[str]:
    ini = Path(tmp) / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")
    return ["-c", str(ini), "--rootdir", tmp, "-p", "no:cacheprovider", "-p", "no:terminal",
            "-p", "no:warnings", "-p", "no:logging", "-p", "no:unraisableexception",
            "-p", "no:threadexception"]


def execute(options: RunOptions, *, interactive: bool | None = None, quiet: bool = False,
            default_out: Callable[[str], Path] | None = None, console: Console | None = None) -> RunResult:
    """Run a profile through pytest and return the finished result (outputs written).

    Progress: a rich bar on a terminal, one plain line per check otherwise, nothing if ``quiet``
    (the demo runs a dozen profiles and keeps only its own summary off a terminal).
    ``default_out``: without ``options.out_dir``, the output folder for the profile that runs (known
    only once ``--profile auto`` has chosen it). A run that Ctrl-C or SIGTERM stops returns with
    ``interrupted`` set (outputs written, saying so); one that is stopped before any output could be
    written raises ``Interrupted``.
    """
    with _sigterm_interrupts():
        try:
            return _execute(options, interactive, quiet, default_out, console or err)
        except KeyboardInterrupt:
            raise Interrupted(_stopped_by) from None


def _execute(options: RunOptions, interactive: bool | None, quiet: bool,
             default_out: Callable[[str], Path] | None, console: Console) -> RunResult:
    from renkei.harness.launch.run import ProductLaunch

    launch = ProductLaunch(options.target)
    try:
        return _run_profile(options, interactive, quiet, default_out, console, launch)
    finally:
        for problem in launch.close(options.out_dir):
            console.print(safe(f"renkei: warning: {problem}"), highlight=False, markup=False)


def _run_profile(options: RunOptions, interactive: bool | None, quiet: bool,
                 default_out: Callable[[str], Path] | None, console: Console, launch: Any) -> RunResult:
    run = RunSession.create(options, before_open=launch.before_open)
    if options.out_dir is None and default_out is not None:
        options.out_dir = default_out(run.profile.id)
        options.validate()
    if interactive is None:
        interactive = console.is_terminal
    from renkei.harness.plugin import RenkeiPlugin

    # Third-party pytest plugins (faker, hypothesis, schemathesis ...) cost seconds of start-up
    # and add nothing to a profile run; our own plugin is passed in explicitly.
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        with tempfile.TemporaryDirectory(prefix="renkei-pytest-") as tmp, _Progress(run, interactive, quiet, console) as prog:
            code = pytest.main(_pytest_args(tmp), plugins=[RenkeiPlugin(run, emit_warnings=False), prog])
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved
    if run.run is None and code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt  # stopped before the plugin could finish: nothing was written
    if run.run is None:
        raise RenkeiError(f"the test run did not complete (pytest exit code {int(code)})")
    return run.run
