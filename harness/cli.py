"""The ``renkei`` command. Exit codes: 0 = no error-severity check failed, 1 = at least one
did (or an expected failure went stale), 2 = usage/config/target problem or an interrupted run
(Ctrl-C, SIGTERM): one line, never a traceback.

Everything printed that came from a target (finding locations, values and messages, file names,
error messages) goes through ``_safe``: secrets masked, control characters escaped, and never
interpreted as rich markup.

This module is the composition root: it may import ``reports`` and ``mocks`` lazily; the
harness core never does.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
from rich.console import Console
from rich.text import Text

from renkei.harness import __version__
from renkei.harness.core import progress, secret_registry
from renkei.harness.core.atomic import write_with
from renkei.harness.core.console_text import console_safe
from renkei.harness.core.errors import RenkeiError, UsageError
from renkei.harness.core.model import DEFAULT_FINDINGS_CAP, NOT_RUN, Outcome, RunResult
from renkei.harness.core.profiles import list_profiles, resolve
from renkei.harness.core.registry import REGISTRY
from renkei.harness.core.session import RunOptions, RunSession
from renkei.harness.core.targets import get_kind, load_standards

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="renkei (連携): conformance tests for OneRoster CSV and LTI 1.3 in Japan's schools.")
roster_app = typer.Typer(no_args_is_help=True, help="Japanese roster (OneRoster CSV) tools.")
lti_app = typer.Typer(no_args_is_help=True, help="LTI 1.3 helpers: keys and registration data.")
mocks_app = typer.Typer(no_args_is_help=True,
                        help="The mock ecosystem (校務支援 → 学習eポータル → 学習アプリ) on 127.0.0.1.")
app.add_typer(roster_app, name="roster")
app.add_typer(lti_app, name="lti")
app.add_typer(mocks_app, name="mocks")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

OUTCOME_STYLE = {
    Outcome.PASSED: "green", Outcome.FAILED: "bold red", Outcome.WARNING: "yellow",
    Outcome.SKIPPED: "dim", Outcome.ERROR: "bold magenta",
}


class Interrupted(Exception):
    """Ctrl-C or SIGTERM ended a command; ``main`` says so in one line and exits 2."""

    def __init__(self, how: str, detail: str = "") -> None:
        super().__init__(how)
        self.how = how
        self.detail = detail


def _safe(text: object) -> str:
    """Untrusted text for the console: secrets masked and control characters escaped."""
    return console_safe(secret_registry.active().scrub(str(text)))


_stopped_by = "Ctrl-C"


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

    def __init__(self, run: RunSession, interactive: bool, quiet: bool = False) -> None:
        self.run = run
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
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True)
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
            self._bar.update(self._task, description=_safe(f"{self.run.profile.id}: {stage}"))

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
            self._bar.update(self._task, completed=self.done, description=_safe(f"{self.run.profile.id}: {check_id}"))
        elif result is not None and not self.quiet:
            err.print(_safe(f"[{self.done}/{self.total}] {check_id} ... {result.outcome.value}"
                            + (f" ({result.findings_count} finding(s))" if result.findings_count else "")),
                      highlight=False, markup=False)


def _pytest_args(tmp: str) -> list[str]:
    ini = Path(tmp) / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")
    return ["-c", str(ini), "--rootdir", tmp, "-p", "no:cacheprovider", "-p", "no:terminal",
            "-p", "no:warnings", "-p", "no:logging", "-p", "no:unraisableexception",
            "-p", "no:threadexception"]


def execute(options: RunOptions, *, interactive: bool | None = None, quiet: bool = False,
            default_out: Callable[[str], Path] | None = None) -> RunResult:
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
            return _execute(options, interactive, quiet, default_out)
        except KeyboardInterrupt:
            raise Interrupted(_stopped_by) from None


def _execute(options: RunOptions, interactive: bool | None, quiet: bool,
             default_out: Callable[[str], Path] | None) -> RunResult:
    run = RunSession.create(options)
    if options.out_dir is None and default_out is not None:
        options.out_dir = default_out(run.profile.id)
        options.validate()
    if interactive is None:
        interactive = err.is_terminal
    from renkei.harness.plugin import RenkeiPlugin

    # Third-party pytest plugins (faker, hypothesis, schemathesis ...) cost seconds of start-up
    # and add nothing to a profile run; our own plugin is passed in explicitly.
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        with tempfile.TemporaryDirectory(prefix="renkei-pytest-") as tmp, _Progress(run, interactive, quiet) as prog:
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


def _notices(result: RunResult) -> None:
    """What the reader must see first: the profile chosen by --profile auto, or a hint that it does not fit."""
    for n in result.notices:
        label = "HINT 注意" if n.kind == "profile-hint" else "PROFILE"
        out.print(f"[bold yellow]{label}[/] {n.text(result.lang)}", highlight=False)
        if result.lang == "ja":
            out.print(f"         {n.message}", highlight=False, markup=False)


def _summary(result: RunResult, out_dir: Path | None) -> None:
    lang = result.lang
    _notices(result)
    # What a reader must act on: checks that fail the run (incl. stale expected failures) and warnings.
    failing = [c for c in result.checks if c.gates or c.display_outcome == Outcome.WARNING.value]
    for c in failing[:30]:
        shown = c.display_outcome
        label = "STALE" if shown == "xpassed" else shown.upper()
        style = OUTCOME_STYLE.get(c.outcome, "bold red") if shown != "xpassed" else "bold red"
        hint = "  (listed as an expected failure but passed: remove it from the file)" if shown == "xpassed" else ""
        out.print(Text.assemble((f"{label:8}", style), f" {_safe(c.id)}  {_safe(c.title_for(lang))}  ",
                                (f"({c.findings_count})", "dim"), hint), highlight=False)
        for f in c.findings[:3]:
            val = f" = {f.value!r}" if f.value is not None else ""
            out.print(_safe(f"           {f.location.label()}: {f.text(lang)}{val}"), highlight=False, markup=False)
    if len(failing) > 30:
        out.print(f"... and {len(failing) - 30} more failing/warning checks (see the report)", markup=False)
    s = result.summary
    verdict = ("PASS 合格", "bold green") if result.verdict == "pass" else ("FAIL 不合格", "bold red")
    out.print(Text.assemble(verdict, _safe(
        f"  {result.profile.id}: {s.passed} passed, {s.failed} failed, "
        f"{s.warnings} warnings, {s.skipped} skipped, {s.errors} errors"
        + (f", {s.expected_failures} expected failures" if s.expected_failures else "")
        + (f", {s.unexpected_passes} unexpected passes" if s.unexpected_passes else ""))), highlight=False)
    if out_dir is not None:
        out.print(_safe(f"report: {out_dir / 'report.html'}"), highlight=False, markup=False)


@app.command()
def run(
    profile: Annotated[str, typer.Option("--profile", "-p", help="profile id (see `renkei profiles`), a profile "
                                         "YAML, or auto: read it from the bundle")],
    target: Annotated[str, typer.Option("--target", "-t", help="bundle zip/folder, or target YAML")],
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="output folder")] = None,
    lang: Annotated[str, typer.Option("--lang", help="report language: ja or en")] = "ja",
    expected_failures: Annotated[str | None, typer.Option("--expected-failures", help="YAML of known failures")] = None,
    select: Annotated[str | None, typer.Option("--select", help="comma-separated globs of check ids")] = None,
    redact: Annotated[bool, typer.Option("--redact", help="mask names, kana, email, phone, birth date")] = False,
    findings_cap: Annotated[int, typer.Option("--findings-cap", help="findings stored per check (all are counted)")]
    = DEFAULT_FINDINGS_CAP,
) -> None:
    """Run a conformance profile and write result.json, junit.xml and report.html."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    options = RunOptions(profile=profile, target=target, out_dir=out_dir, lang=lang,
                         expected_failures=expected_failures, select=select, redact=redact,
                         findings_cap=findings_cap)
    # the default folder is named after the profile that runs (also one given by path, or chosen by auto)
    result = execute(options, default_out=lambda pid: Path("renkei-out") / f"{pid}-{stamp}")
    if result.interrupted:
        not_run = sum(1 for c in result.checks if c.error == NOT_RUN)
        raise Interrupted(_stopped_by, f"{not_run} of {len(result.checks)} checks did not run; "
                                       f"the reports in {options.out_dir} say the run was interrupted")
    _summary(result, options.out_dir)
    raise typer.Exit(result.exit_code)


@app.command()
def profiles() -> None:
    """List every profile: id, title (ja/en), standard, version, source document."""
    load_standards()
    for p in list_profiles():  # a vendor's own profile folder may hold any text: printed as text only
        out.print(Text.assemble((_safe(p.id), "bold"), _safe(f"  --target: {get_kind(p.kind).description}")),
                  highlight=False)
        for line in (f"  {p.title.ja}", f"  {p.title.en}", f"  standard: {p.standard}   version: {p.version}",
                     f"  source:   {p.source}"):
            out.print(_safe(line), highlight=False, markup=False)
        out.print()


@app.command()
def explain(check_id: Annotated[str, typer.Argument(help="a check id, e.g. or.users.required")]) -> None:
    """Print a check's requirement, severity and description in Japanese and English."""
    load_standards()
    d = REGISTRY.get(check_id)
    used = [p.id for p in list_profiles() if any(c.id == check_id for c in resolve(p))]
    out.print(Text.assemble((d.id, "bold"), f"  ({d.kind})"), highlight=False)
    out.print(f"requirement / 要件: {d.requirement}", highlight=False, markup=False)
    out.print(f"severity / 重大度: {d.severity.value}", highlight=False, markup=False)
    for title, description in ((d.title.ja, d.description.ja), (d.title.en, d.description.en)):
        out.print(Text.assemble("\n", (title, "bold"), "\n", description), highlight=False)
    if d.params:
        out.print(f"\nparameters: {d.params}", highlight=False, markup=False)
    out.print()
    out.print(f"profiles: {', '.join(used) or '-'}", highlight=False, markup=False)


@roster_app.command("generate")
def roster_generate(
    profile: Annotated[str, typer.Option("--profile", help="profile the bundle must pass")],
    out_file: Annotated[Path, typer.Option("--out", help="zip file to write (never overwritten without --force)")],
    municipalities: Annotated[int, typer.Option(min=1)] = 1,
    schools_per_municipality: Annotated[int, typer.Option(min=1)] = 2,
    students_per_grade: Annotated[int, typer.Option(min=1)] = 30,
    seed: Annotated[int, typer.Option()] = 0,
    school_year: Annotated[int, typer.Option(min=2000, max=2100)] = 2026,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing --out file")] = False,
) -> None:
    """Write a generated Japanese roster bundle (all people are fictitious).

    The zip appears whole or not at all: it is written next to ``--out`` and moved into place.
    """
    from renkei.mocks.school_affairs.generator import PROFILE_VARIANTS, generate_bundle

    if profile not in PROFILE_VARIANTS:
        raise UsageError(f"unknown profile {profile!r} for roster generation "
                         f"(known: {', '.join(sorted(PROFILE_VARIANTS))})")
    if out_file.suffix.lower() != ".zip":
        raise UsageError(f"--out must name a .zip file, not {str(out_file)!r}")
    if out_file.is_dir():
        raise UsageError(f"--out {str(out_file)!r} is a folder; give the path of the zip file to write")
    stats: list[Any] = []
    try:
        write_with(out_file, lambda tmp: stats.append(generate_bundle(
            tmp, profile=profile, municipalities=municipalities, schools_per_municipality=schools_per_municipality,
            students_per_grade=students_per_grade, seed=seed, school_year=school_year)), overwrite=force)
    except FileExistsError:
        raise UsageError(f"--out {str(out_file)!r} already exists; give --force to overwrite it") from None
    except KeyboardInterrupt:
        raise Interrupted("Ctrl-C", f"nothing was written to {out_file}") from None
    except OSError as exc:
        raise UsageError(f"cannot write {str(out_file)!r}: {exc.strerror or exc}") from None
    done = stats[0]
    out.print(_safe(f"wrote {out_file}: {done.users} users, {done.enrollments} enrollments, "
                    f"{done.orgs} orgs, {done.classes} classes"), highlight=False, markup=False)


@lti_app.command("registration")
def lti_registration(
    target: Annotated[Path, typer.Option("--target", "-t", help="LTI target YAML (kind lti-tool or lti-platform)")],
) -> None:
    """Print exactly what to enter in the vendor's product to register renkei."""
    from renkei.harness.lti.registration import registration_text

    out.print(console_safe(registration_text(target), keep_newlines=True), highlight=False, markup=False, end="")


@lti_app.command("keys")
def lti_keys(
    target: Annotated[Path | None, typer.Option("--target", "-t", help="use this target's harness.keys_dir")] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="key directory (instead of --target)")] = None,
    rotate: Annotated[bool, typer.Option("--rotate", help="add a new signing key; the old one stays published")] = False,
    pem: Annotated[bool, typer.Option("--pem", help="print the current public key as PEM (for a pasted key)")] = False,
) -> None:
    """Create (first time) or show renkei's persistent LTI signing keys: kid and public JWKS."""
    from renkei.harness.lti.registration import describe_keys_json, key_store, public_pem

    store = key_store(target=target, directory=directory)
    if rotate:
        store.rotate()
    out.print(public_pem(store) if pem else describe_keys_json(store), highlight=False, markup=False,
              end="" if pem else "\n")


def _click_error(exc: BaseException) -> str | None:
    """``"usage"``, ``"abort"`` or ``"help"`` for click's exceptions, else None.

    By class name along the MRO: typer ships its own copy of click (``typer._click``), so neither
    ``click.ClickException`` nor a private import would catch them across typer versions.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "NoArgsIsHelpError" in names:
        return "help"  # the help text is already printed
    if "Abort" in names:
        return "abort"
    return "usage" if "ClickException" in names and hasattr(exc, "format_message") else None


def _print_version(value: bool) -> None:
    if value:
        out.print(f"renkei {__version__}", highlight=False, markup=False)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="print the version and exit")] = False,
) -> None:
    """Global options only (--version); the app's help text is the Typer's."""


@app.command()
def demo() -> None:
    """Run every profile against the built-in mocks, green and deliberately broken (about 30 s).

    Reports go to ./renkei-out/demo/ (replaced on each run); exit 0 when every run ended as expected.
    """
    from renkei.harness.demo import main as run_demo

    raise typer.Exit(run_demo())


@mocks_app.command("serve")
def mocks_serve(
    bundle: Annotated[Path | None, typer.Option(help="OneRoster bundle for the e-portal (default: generate one)")] = None,
    workdir: Annotated[Path | None, typer.Option(help="keys and generated roster (default: a temporary folder)")] = None,
    eportal_port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port")] = 8401,
    app_port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port")] = 8402,
) -> None:
    """Serve the mock 学習eポータル (with a roster) and 学習アプリ until Ctrl-C; prints their URLs."""
    from renkei.mocks.__main__ import serve

    raise typer.Exit(serve(bundle=bundle, workdir=workdir, eportal_port=eportal_port, app_port=app_port))


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps every user-caused error to exit 2 with one line."""
    try:
        # Without standalone mode click *returns* the code of a typer.Exit instead of raising it.
        code = app(args=argv, prog_name="renkei", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (Interrupted, KeyboardInterrupt) as exc:
        how = exc.how if isinstance(exc, Interrupted) else _stopped_by
        detail = f": {exc.detail}" if isinstance(exc, Interrupted) and exc.detail else ""
        err.print(_safe(f"renkei: interrupted by {how}{detail}"), highlight=False, markup=False)
        sys.exit(2)
    except RenkeiError as exc:
        err.print(_safe(f"renkei: error: {exc}"), highlight=False, markup=False)
        sys.exit(2)
    except Exception as exc:
        kind = _click_error(exc)
        if kind == "help":
            sys.exit(2)
        if kind == "abort":  # click's form of a Ctrl-C at a prompt or while parsing
            err.print("renkei: interrupted by Ctrl-C", highlight=False, markup=False)
            sys.exit(2)
        if kind == "usage":
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            err.print(_safe(f"renkei: error: {exc.format_message()}{hint}"), highlight=False, markup=False)  # type: ignore[attr-defined]
            sys.exit(2)
        err.print(_safe(f"renkei: internal error: {type(exc).__name__}: {exc} (please report this)"),
                  highlight=False, markup=False)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "main", "execute", "__version__"]
