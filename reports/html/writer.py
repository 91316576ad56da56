"""report.html: the run for people (vendors, procurement staff at boards of education).

One self-contained file: the CSS and a tiny filter script are inlined, nothing is fetched, and a
Content-Security-Policy allows only that one script (by hash), so a value that slipped through
escaping still could not run. The writer turns the model into plain view objects first; the
Jinja2 templates only lay them out, with autoescaping on.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from renkei.harness.core.model import NOT_RUN, CheckResult, Finding, Outcome, RunResult, Severity, Text
from renkei.reports.atomic import encode_utf8, write_atomic
from renkei.reports.html.chain import chain_view
from renkei.reports.html.script import FILTER_SCRIPT
from renkei.reports.i18n import check_lang, invisible_name, t, target_key
from renkei.reports.invisibles import plain, segments

FILENAME = "report.html"
MAX_ROWS = 50  # findings rendered per check; all of them are in result.json
HERE = Path(__file__).resolve().parent
JST = timezone(timedelta(hours=9), "JST")
# Display outcome keys, in summary-table order (xfailed/xpassed replace the raw outcome).
OUTCOME_KEYS = ("passed", "failed", "warning", "error", "skipped", "xfailed", "xpassed")


@dataclass
class FindingRow:
    no: int
    file: str
    row: str
    column: str
    where: str
    value: Markup
    message: str


@dataclass
class CheckView:
    index: int
    id: str
    title: str
    requirement: str
    version: str
    severity: str
    outcome: str  # display key from OUTCOME_KEYS
    gates: bool
    description: str
    total: int
    rows: list[FindingRow]
    show_file: bool
    show_row: bool
    show_column: bool
    show_where: bool
    error: str
    reason: str
    search: str


@dataclass
class FileRow:
    name: str
    failing: int
    warning: int
    findings: int
    capped: bool


@dataclass
class _FileAcc:
    failing: set[str] = field(default_factory=set)
    warning: set[str] = field(default_factory=set)
    findings: int = 0
    capped: bool = False


def value_html(value: str | None, lang: str) -> Markup:
    """The offending value, escaped, with invisible characters as labelled markers."""
    if value is None:
        return Markup('<span class="none">{}</span>').format(t("value_none", lang))
    if value == "":
        return Markup('<span class="inv wide">{}</span>').format(t("value_empty", lang))
    parts: list[str] = []
    for seg in segments(value):
        if seg.marker:
            parts.append(f'<span class="inv" title="{escape(invisible_name(seg.text, lang))}">{escape(seg.text)}</span>')
        else:
            parts.append(str(escape(seg.text)))
    return Markup("".join(parts))


def _where(f: Finding, lang: str) -> str:
    """Non-CSV part of a location: request, zip entry, claim, statement index, byte offset."""
    loc = f.location
    parts: list[str] = []
    if loc.method or loc.endpoint:
        parts.append(" ".join(p for p in (loc.method, loc.endpoint) if p))
    if loc.entry and loc.entry != loc.file:
        parts.append(f"{t('loc_entry', lang)} {loc.entry}")
    if loc.claim:
        parts.append(f"{t('loc_claim', lang)} {loc.claim}")
    if loc.index is not None:
        parts.append(f"#{loc.index}")
    if loc.byte_offset is not None:
        parts.append(f"{t('loc_byte', lang)} {loc.byte_offset:,}")
    return plain(" ".join(parts))


def _file_key(f: Finding) -> str | None:
    loc = f.location
    if loc.file or loc.entry:
        return plain(loc.file or loc.entry or "")
    if loc.endpoint:
        return plain(" ".join(p for p in (loc.method, loc.endpoint) if p))
    return None


def check_view(index: int, check: CheckResult, lang: str) -> CheckView:
    shown = check.findings[:MAX_ROWS]
    rows = [
        FindingRow(
            no=i,
            file=plain(f.location.file or ""),
            row="" if f.location.row is None else str(f.location.row),
            column=plain(f.location.column or ""),
            where=_where(f, lang),
            value=value_html(f.value, lang),
            message=plain(f.text(lang)),
        )
        for i, f in enumerate(shown, start=1)
    ]
    files = sorted({k for f in check.findings if (k := _file_key(f))})
    title = plain(check.title_for(lang))
    reason = check.expected_failure.reason if check.expected_failure else (check.skip_reason or "")
    return CheckView(
        index=index,
        id=plain(check.id),
        title=title,
        requirement=plain(check.requirement),
        version=plain(check.version),
        severity=check.severity.value,
        outcome=check.display_outcome,
        gates=check.gates,
        description=plain(check.description_for(lang)),
        total=max(check.findings_count, len(check.findings)),
        rows=rows,
        show_file=any(r.file for r in rows),
        show_row=any(r.row for r in rows),
        show_column=any(r.column for r in rows),
        show_where=any(r.where for r in rows),
        error=plain(check.error or ""),
        reason=plain(reason),
        search=" ".join([plain(check.id), title, *files]),
    )


def file_rows(checks: Iterable[CheckResult]) -> list[FileRow]:
    """Per file (or endpoint): failing and warning checks and finding counts, worst first."""
    acc: dict[str | None, _FileAcc] = {}
    for check in checks:
        failing = check.gates
        if not failing and check.outcome is not Outcome.WARNING:
            continue
        total = max(check.findings_count, len(check.findings))
        if not check.findings and total == 0:
            continue
        capped = total > len(check.findings)
        keys: dict[str | None, int] = {}
        for f in check.findings:
            key = _file_key(f)
            keys[key] = keys.get(key, 0) + 1
        if not check.findings:
            keys[None] = total
            capped = False
        for key, count in keys.items():
            a = acc.setdefault(key, _FileAcc())
            (a.failing if failing else a.warning).add(check.id)
            a.findings += count
            a.capped = a.capped or capped
    rows = [FileRow(k or "", len(a.failing), len(a.warning), a.findings, a.capped) for k, a in acc.items()]
    rows.sort(key=lambda r: (-r.failing, -r.warning, -r.findings, r.name == "", r.name))
    return rows


def summary_matrix(checks: Iterable[CheckResult]) -> dict[str, dict[str, int]]:
    """severity -> display outcome -> count, with a ``total`` row and column."""
    matrix = {s.value: dict.fromkeys((*OUTCOME_KEYS, "total"), 0) for s in Severity}
    matrix["total"] = dict.fromkeys((*OUTCOME_KEYS, "total"), 0)
    for check in checks:
        key = check.display_outcome
        for row in (check.severity.value, "total"):
            matrix[row][key] += 1
            matrix[row]["total"] += 1
    return matrix


def format_time(value: datetime | None, lang: str) -> str:
    if value is None:
        return t("not_finished", lang)
    value = _aware(value)
    if lang == "ja":
        return value.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S JST")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _note_text(note: Text, lang: str) -> str:
    return plain(note.ja if lang == "ja" else note.en)


def _target_items(target: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    def show(v: Any) -> str:
        return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)

    return [(plain(target_key(str(k), lang)), plain(show(v))) for k, v in target.items()]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["plain"] = plain
    return env


@cache
def _static(name: str) -> str:
    text = (HERE / "static" / name).read_text(encoding="utf-8")
    if "</" in text:
        raise ValueError(f"static asset {name} must not contain '</' (it is inlined into the page)")
    return text


def _script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def render(run: RunResult, *, lang: str = "ja") -> str:
    check_lang(lang)
    views = [check_view(i, c, lang) for i, c in enumerate(run.checks, start=1)]
    problems = [v for v in views if v.gates] + [v for v in views if not v.gates and v.outcome == "warning"]
    gating = sum(1 for v in views if v.gates)
    warnings = sum(1 for v in views if v.outcome == "warning")
    script = FILTER_SCRIPT
    files = file_rows(run.checks)
    duration = None
    if run.finished_at is not None:
        duration = f"{(_aware(run.finished_at) - _aware(run.started_at)).total_seconds():,.1f}"
    context = {
        "lang": lang,
        "t": lambda key, **kw: t(key, lang, **kw),
        "run": run,
        "verdict": run.verdict,
        "not_run": sum(1 for c in run.checks if c.error == NOT_RUN),
        "gating": gating,
        "warnings": warnings,
        "profile_title": plain(run.profile.title_ja if lang == "ja" else run.profile.title),
        "profile": run.profile,
        "target_items": _target_items({k: v for k, v in run.target.items() if k != "chain"}, lang),
        "chain": chain_view(run, lang),
        "scope_items": _target_items(run.scope.get("declares", run.scope) if isinstance(run.scope.get("declares"), dict)
                                     else run.scope, lang),
        "parameter_items": _target_items(run.profile.parameters, lang),
        "limitations": plain(run.limitations.ja if lang == "ja" else run.limitations.en),
        "started": format_time(run.started_at, lang),
        "finished": format_time(run.finished_at, lang),
        "duration": duration,
        "matrix": summary_matrix(run.checks),
        "outcome_keys": OUTCOME_KEYS,
        "severities": [s.value for s in Severity],
        "files": files if any(f.name for f in files) else [],  # a lone "(no location)" row says nothing
        "problems": problems,
        "xfailed": [v for v in views if v.outcome == "xfailed"],
        "skipped": [v for v in views if v.outcome == "skipped"],
        "passed": [v for v in views if v.outcome == "passed"],
        "notes": [n for n in (_note_text(x, lang) for x in run.profile.notes) if n],
        "max_rows": MAX_ROWS,
        "css": Markup(_static("report.css")),
        "script": Markup(script),
        "script_hash": _script_hash(script),
    }
    return _environment().get_template("report.html.j2").render(context)


def write(run: RunResult, out_dir: Path, *, lang: str = "ja") -> Path:
    """Write ``out_dir/report.html`` in ``lang`` (``ja`` default, ``en``)."""
    return write_atomic(Path(out_dir) / FILENAME, encode_utf8(render(run, lang=lang)))
