"""One profile run: profile + resolved checks + target + results, independent of the runner.

The pytest plugin drives it item by item; the CLI builds it up front (so configuration errors
become exit code 2 before pytest starts) and reads the finished ``RunResult`` afterwards.
"""

from __future__ import annotations

import fnmatch
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from renkei.harness import __version__
from renkei.harness.core import secret_registry
from renkei.harness.core.atomic import write_atomic
from renkei.harness.core.context import CheckContext, CheckSkipped, NotEvaluated
from renkei.harness.core.errors import ConfigError, RenkeiError, UsageError
from renkei.harness.core.expected import load_expected_failures
from renkei.harness.core.model import (
    DEFAULT_FINDINGS_CAP,
    NOT_RUN,
    CheckResult,
    ExpectedFailure,
    Notice,
    Outcome,
    ProductInfo,
    ProfileInfo,
    RunResult,
    Severity,
    ToolInfo,
    utcnow,
)
from renkei.harness.core.product import declared_scope, resolve_product
from renkei.harness.core.profiles import Profile, ResolvedCheck, load_profile, merged_params, resolve
from renkei.harness.core.redact import redact_run
from renkei.harness.core.secret_registry import SecretRegistry
from renkei.harness.core.targets import Detection, Target, detect, get_kind, load_standards

AUTO = "auto"  # --profile auto: the target says which profile it follows (TargetKind.detect)


@dataclass
class RunOptions:
    profile: str
    target: str
    out_dir: Path | None = None
    lang: str = "ja"
    expected_failures: str | None = None
    select: str | None = None  # comma-separated globs on check ids
    redact: bool = False
    findings_cap: int = DEFAULT_FINDINGS_CAP
    product_name: str | None = None  # override the target file's product section (model.ProductInfo)
    product_version: str | None = None
    vendor: str | None = None
    role: str | None = None

    def validate(self) -> None:
        if self.lang not in ("ja", "en"):
            raise UsageError(f"--lang must be 'ja' or 'en', not {self.lang!r}")
        if self.findings_cap < 1:
            raise UsageError(f"the findings cap must be at least 1, not {self.findings_cap}")
        if self.out_dir is not None:  # fail before a long run, not after it
            try:
                self.out_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"cannot create the output folder {self.out_dir}: {exc.strerror}") from None


@dataclass
class RunSession:
    options: RunOptions
    profile: Profile
    checks: list[ResolvedCheck]
    target: Target
    expected: dict[str, str]
    results: dict[str, CheckResult] = field(default_factory=dict)
    started_at: datetime = field(default_factory=utcnow)
    debug_log: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)  # shown before the findings
    run: RunResult | None = None
    secrets: SecretRegistry = field(default_factory=secret_registry.active)  # filled while the target opens
    product: ProductInfo | None = None  # the product under test, as declared (core.product)
    declares: Any = None  # the scope from product.declares, when the target file gives one

    @classmethod
    def create(cls, options: RunOptions, *,
               before_open: Callable[[SecretRegistry], None] | None = None) -> RunSession:
        """Load profile, resolve checks, open the target. Raises RenkeiError (exit 2).

        ``before_open``: called with the run's fresh secret registry once everything but the target
        is known to be valid, just before the target opens (the runner starts a target file's
        containers there, so a bad profile never starts one)."""
        options.validate()
        load_standards()
        if options.profile == AUTO:
            profile, notice = _auto_profile(options.target)
        else:
            profile = load_profile(options.profile)
            notice = _profile_hint(profile, options.target)
        checks = all_checks = resolve(profile)
        if options.select:
            patterns = [p.strip() for p in options.select.split(",") if p.strip()]
            checks = [c for c in checks if any(fnmatch.fnmatchcase(c.id, p) for p in patterns)]
            if not checks:
                raise UsageError(f"--select {options.select!r} matches no check of profile {profile.id}")
        expected = load_expected_failures(options.expected_failures) if options.expected_failures else {}
        unknown = sorted(set(expected) - {c.id for c in all_checks})
        if unknown:
            raise ConfigError(
                f"expected-failures file {options.expected_failures}: {unknown[0]!r} is not a check "
                f"of profile {profile.id}"
            )
        kind = get_kind(profile.kind)
        product, declares = resolve_product(options.target, name=options.product_name,
                                            version=options.product_version, vendor=options.vendor,
                                            role=options.role, default_role=kind.role)
        registry = secret_registry.begin_run()  # the target registers the secrets it resolves
        if before_open is not None:
            before_open(registry)
        target = kind.open(options.target, merged_params(profile))
        return cls(options=options, profile=profile, checks=checks, target=target, expected=expected,
                   notices=[notice] if notice is not None else [], secrets=registry, product=product,
                   declares=declares)

    # -- running -------------------------------------------------------------------------
    def activate(self, check_ids: Iterable[str]) -> None:
        """Tell the target which checks will run, so shared analyses evaluate only those."""
        wanted = set(check_ids)
        activate = getattr(self.target, "activate", None)
        if callable(activate):
            activate({c.id: c.params for c in self.checks if c.id in wanted})

    def run_check(self, resolved: ResolvedCheck) -> CheckResult:
        d = resolved.definition
        ctx = CheckContext(d, self.target, params=resolved.params, severity=resolved.severity,
                           cap=self.options.findings_cap)
        outcome: Outcome
        skip_reason = error = None
        start = time.perf_counter()
        try:
            d.func(ctx)
        except CheckSkipped as skipped:
            skip_reason = skipped.reason
        except NotEvaluated as stopped:  # ctx.stop_not_evaluated, or raised below the check (a driver)
            ctx.not_evaluated(stopped.reason)
        except RenkeiError as exc:
            error = str(exc)
        except Exception as exc:  # a check crashing is a renkei bug: record it, never raise it
            error = f"internal error in check {d.id}: {type(exc).__name__}: {exc}"
            self.debug_log.append(f"--- {d.id}\n{traceback.format_exc()}")
        duration = time.perf_counter() - start
        if error is None and ctx.unseen and not (ctx.count and resolved.severity is Severity.ERROR):
            # Part of the input was never seen: neither a pass nor a mere warning can be claimed. A
            # finding of an error-severity check is a real failure whatever else was unseen.
            error = "not evaluated: " + "; ".join(ctx.unseen)
        if error is not None:
            outcome = Outcome.ERROR
        elif skip_reason is not None and not ctx.count:
            outcome = Outcome.SKIPPED
        elif ctx.count == 0:
            outcome = Outcome.PASSED
        elif resolved.severity is Severity.ERROR:
            outcome = Outcome.FAILED
        else:
            outcome = Outcome.WARNING
        xf = None
        if d.id in self.expected and outcome is not Outcome.SKIPPED:  # a skip says nothing either way
            state = "xfailed" if outcome in (Outcome.FAILED, Outcome.WARNING, Outcome.ERROR) else "xpassed"
            xf = ExpectedFailure(reason=self.expected[d.id], state=state)
        result = CheckResult(
            id=d.id, version=d.version, requirement=resolved.requirement, severity=resolved.severity,
            outcome=outcome,
            title=d.title.en, title_ja=d.title.ja, description=d.description.en,
            description_ja=d.description.ja, findings=ctx.findings, findings_count=ctx.count,
            skip_reason=skip_reason, error=error, not_evaluated=list(ctx.unseen), expected_failure=xf,
            duration_s=round(duration, 4),
        )
        result = self.secrets.scrub_model(result)  # before the console or pytest shows anything of it
        self.results[d.id] = result
        return result

    # -- finishing -----------------------------------------------------------------------
    def finish(self, ran: Iterable[str] | None = None, *, interrupted: bool = False) -> RunResult:
        """The finished result. A check that was selected but never ran (Ctrl-C, a cancelled CI
        job) is recorded as an error, and ``interrupted`` marks the whole run, so an interrupted run
        can never read as a pass."""
        by_id = {c.id: c for c in self.checks}
        ids = [c.id for c in self.checks] if ran is None else [i for i in ran if i in by_id]
        for i in ids:
            if i not in self.results:
                d = by_id[i].definition
                self.results[i] = CheckResult(
                    id=d.id, version=d.version, requirement=by_id[i].requirement, severity=by_id[i].severity,
                    outcome=Outcome.ERROR,
                    title=d.title.en, title_ja=d.title.ja, description=d.description.en,
                    description_ja=d.description.ja, error=NOT_RUN)
        p = self.profile
        described = self.target.describe()
        run = RunResult(
            tool=ToolInfo(version=__version__),
            profile=ProfileInfo(id=p.id, version=p.version, title=p.title.en, title_ja=p.title.ja,
                                standard=p.standard, source=p.source, source_ja=p.source_ja,
                                notes=p.notes, parameters=merged_params(p)),
            product=self.product,
            scope=declared_scope(described, self.declares),
            target=described,
            started_at=self.started_at,
            finished_at=utcnow(),
            lang=self.options.lang,
            notices=list(self.notices),
            interrupted=interrupted,
            checks=[self.results[i] for i in ids],
        )
        run = self.secrets.scrub_model(redact_run(run, redact=self.options.redact),
                                       declared=("product", "scope", "target", "profile"))
        run.recount()
        self.run = run
        try:
            self.target.close()
        except Exception as exc:  # closing must never turn a finished run into a crash
            self.debug_log.append(f"--- target.close\n{type(exc).__name__}: {exc}")
        return run

    def write_outputs(self, run: RunResult) -> list[Path]:
        out = self.options.out_dir
        if out is None:
            return []
        written: list[Path] = []
        with _signals_deferred():  # a Ctrl-C now takes effect once every file is complete
            try:
                out.mkdir(parents=True, exist_ok=True)
                for ep in sorted(entry_points(group="renkei.writers"), key=lambda e: e.name):
                    writer = ep.load()
                    written.append(writer(run, out, lang=self.options.lang))
                self._scrub_files(written)
                if self.debug_log:
                    text = self.secrets.scrub("\n".join(self.debug_log))
                    written.append(write_atomic(out / "renkei-debug.log", text.encode("utf-8", "backslashreplace")))
            except OSError as exc:
                raise UsageError(f"cannot write the reports to {out}: {exc.strerror or exc}") from None
        return written

    def _scrub_files(self, paths: list[Path]) -> None:
        """The last safety net: no written file keeps a secret, whichever path it took past the model."""
        if not self.secrets:
            return
        for path in paths:
            scrubbed = self.secrets.scrub_bytes(path.read_bytes())
            if scrubbed is not None:
                write_atomic(path, scrubbed)
                self.debug_log.append(f"--- secrets\na secret reached {path.name} past the result model and was "
                                      "scrubbed from the file; please report this")


def _auto_profile(target: str) -> tuple[Profile, Notice]:
    """``--profile auto``: the profile the target declares, with the reason; exit 2 when it cannot tell."""
    found = detect(target)
    if found is None:
        raise UsageError(f"--profile auto cannot tell which profile {target!r} follows: it reads OneRoster CSV "
                         "bundles (a zip or a folder); choose one with --profile (see `renkei profiles`)")
    if found.profile is None:
        raise UsageError(f"--profile auto could not choose a profile: {found.reason.en}; choose one with --profile "
                         "(see `renkei profiles`)")
    profile = load_profile(found.profile)
    return profile, Notice(
        kind="profile-auto",
        message=f"profile chosen automatically: {profile.id} ({profile.title.en}); evidence: {found.reason.en}",
        message_ja=f"プロファイルを自動で選びました: {profile.id}（{profile.title.ja}）。根拠: {found.reason.ja}",
    )


def _profile_hint(profile: Profile, target: str) -> Notice | None:
    """One hint when the target plainly declares a profile other than the one chosen (no hint if unsure)."""
    hook = get_kind(profile.kind).detect
    if hook is None:
        return None
    try:
        found: Detection | None = hook(target, merged_params(profile))
    except Exception:  # a hint is a courtesy: a failing hook never stops or fails the run
        return None
    if found is None or found.fits or found.profile in (None, profile.id):
        return None
    return Notice(
        kind="profile-hint",
        message=f"{found.reason.en}, which does not fit the chosen profile {profile.id}: use --profile {found.profile}",
        message_ja=f"{found.reason.ja}選んだプロファイル {profile.id} とは合いません。--profile {found.profile} を"
                   "使ってください",
    )


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while the outputs are written (main thread, POSIX): a signal that arrives
    meanwhile is delivered right after, so no report is left half-written or missing."""
    deferrable = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    if not deferrable:
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
