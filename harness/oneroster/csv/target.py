"""The ``oneroster-csv`` target: a bundle (zip or folder) analysed once, in ordered phases.

Phases are registered by the modules that own them (package safety, per-file rules,
cross-file rules) and share an ``Analysis`` state. Checks only report their bucket of the
sink, so a run reads each file once however many checks are selected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.core.errors import RegistryError, TargetError
from renkei.harness.core.registry import REGISTRY, CiteFunc, check
from renkei.harness.oneroster.csv.engine import validate_params
from renkei.harness.oneroster.csv.phases import _PHASES, Analysis
from renkei.harness.oneroster.csv.sink import FindingSink
from renkei.harness.oneroster.model.citations import cite as cite_for_variant
from renkei.harness.oneroster.model.rules_jp import validate_documents

KIND = "oneroster-csv"


class OneRosterCsvTarget:
    def __init__(self, target: str, params: dict[str, Any]) -> None:
        path = Path(target)
        if not path.exists():
            raise TargetError(f"target {target!r} does not exist")
        if not (path.is_dir() or path.is_file()):
            raise TargetError(f"target {target!r} is neither a file nor a folder")
        validate_params(params)  # a bad profile parameter is a ConfigError now, not a failed phase later
        validate_documents(params)
        self.path = path
        self.params = params
        self._active: dict[str, dict[str, Any]] = {}
        self._analysis: Analysis | None = None
        self._failure: TargetError | None = None  # a phase raised: every check reports it

    def activate(self, active: dict[str, dict[str, Any]]) -> None:
        """Declare which checks will run (id -> params) before the first one runs."""
        self._active = dict(active)

    def analysis(self) -> Analysis:
        """The analysis, run on first use. If a phase raises, the half-filled sink is never handed
        out: this and every later call raise the same ``TargetError``, so every check errors."""
        if self._failure is not None:
            raise self._failure
        if self._analysis is None:
            sink = FindingSink(self._active or {})
            analysis = Analysis(path=self.path, params=self.params, sink=sink)
            self._analysis = analysis  # set first: report_bucket detects checks declared too late
            try:
                for _, _, func in _PHASES:
                    func(analysis)
            except Exception as e:
                self._failure = TargetError(f"OneRoster analysis stopped: {type(e).__name__}: {e}")
                raise self._failure from e
            finally:
                closer = analysis.shared.get("close")
                if callable(closer):
                    closer()
        return self._analysis

    def describe(self) -> dict[str, Any]:
        """The bundle, and (once analysed) its declared scope: what manifest.csv says of each file
        (``bulk`` / ``delta`` / ``absent``, as written) and the OneRoster version it claims."""
        out: dict[str, Any] = {"kind": KIND, "path": str(self.path),
                               "type": "folder" if self.path.is_dir() else "file"}
        run = self._analysis.shared.get("run") if self._analysis is not None else None
        manifest = getattr(run, "manifest", None)
        if manifest is not None:
            out["files"] = {f"{name}.csv": mode for name, mode in sorted(manifest.modes.items())}
            version = manifest.value("oneroster.version")
            if version is not None:
                out["oneroster_version"] = version
        return out

    def close(self) -> None:
        self._analysis = None
        self._failure = None


def report_bucket(ctx: CheckContext) -> None:
    """Check body shared by every analysis-backed check: copy its bucket into the context."""
    target: OneRosterCsvTarget = ctx.target
    if ctx.check_id not in target._active:
        target._active[ctx.check_id] = ctx.params
        if target._analysis is not None:
            raise RuntimeError(f"check {ctx.check_id} was not declared before the analysis ran")
    sink = target.analysis().sink
    stored = sink.findings.get(ctx.check_id, [])
    for f in stored:
        ctx.add(f)
    ctx.count = max(ctx.count, sink.counts.get(ctx.check_id, 0))
    for reason in sink.unseen.get(ctx.check_id, ()):  # rows the reader could not deliver to the rules
        ctx.not_evaluated(reason)
    if not ctx.count and ctx.check_id in sink.skips:
        ctx.skip(sink.skips[ctx.check_id])


def or_check(id: str, *, requirement: str, cite: CiteFunc | None = None, **meta: Any) -> None:
    """Register an analysis-backed OneRoster CSV check (its rule lives in a phase).

    ``requirement`` is worded against CSV121; a profile of another binding (``columns`` 1.1 / 1.2)
    cites it from its own document (``citations.cite``). ``cite`` words it from further profile
    parameters first (e.g. the Japanese document the profile implements).
    """
    if id in REGISTRY:
        raise RegistryError(f"check id {id!r} is registered twice")

    def cited(params: dict[str, Any]) -> str:
        text = cite(params) if cite is not None else requirement
        return cite_for_variant(text, str(params.get("columns", "1.2.1")))

    check(id, kind=KIND, requirement=requirement, cite=cited, **meta)(report_bucket)
