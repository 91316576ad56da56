"""A run's findings as CI annotations: GitHub Actions workflow commands and a job-summary section.

``renkei run --format github`` prints one ``::error`` (a check that fails the run) or ``::warning``
(a warning-severity check) per finding, so each shows in the pull request's checks view, located
at its CSV file and row where it has one, else named by its endpoint in the title. Escaping follows
GitHub's workflow-command rules: ``%``, CR and LF in the message; additionally ``:`` and ``,`` in a
property. Nothing from a target can therefore end the line or forge another command.

Redaction: the result model is already redacted (``--redact``, passwords always) and scrubbed of
registered secrets by the session; ``scrub`` is applied once more to every piece of text before it is
escaped (an escaped secret would no longer match), the same last net the console output has.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from renkei.harness.core.model import CheckResult, Finding, Outcome, RunResult

FINDINGS_PER_CHECK = 5  # GitHub shows only the first few annotations of a step; the report has all

Scrub = Callable[[str], str]


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, *, title: str, file: str | None = None, line: int | None = None) -> str:
    """One workflow command line, e.g. ``::error file=users.csv,line=12,title=...::message``."""
    props = []
    if file:
        props.append(f"file={_prop(file)}")
        if line is not None and line > 0:
            props.append(f"line={line}")
    props.append(f"title={_prop(title)}")
    return f"::{level} {','.join(props)}::{_data(message)}"


def _file_in_workspace(run: RunResult, name: str) -> str:
    """The finding's file as a path a checkout has: inside a folder target it is that folder's file
    (relative to the working folder when it lies below it); inside a zip it is the entry's name."""
    target = run.target
    if target.get("type") != "folder" or not target.get("path"):
        return name
    folder = Path(str(target["path"]))
    if folder.is_absolute():
        with contextlib.suppress(ValueError):  # outside the working folder: left absolute
            folder = folder.resolve().relative_to(Path(os.getcwd()).resolve())
    return str(PurePosixPath(folder.as_posix()) / name)


def _level(check: CheckResult) -> str | None:
    shown = check.display_outcome
    if shown == "xpassed" or (check.expected_failure is None and check.outcome in (Outcome.FAILED, Outcome.ERROR)):
        return "error"
    if check.expected_failure is None and check.outcome is Outcome.WARNING:
        return "warning"
    return None  # passed, skipped, or an expected failure that still fails (it does not gate)


def _finding_command(run: RunResult, check: CheckResult, level: str, f: Finding, scrub: Scrub,
                     more: int) -> str:
    lang = run.lang
    loc = f.location
    title = f"{check.id}: {check.title_for(lang)}"
    if not loc.file and (loc.method or loc.endpoint):
        title += f" ({' '.join(p for p in (loc.method, loc.endpoint) if p)})"
    label = loc.label()
    message = (f"{label}: " if label else "") + f.text(lang) + (f" = {f.value!r}" if f.value is not None else "")
    if more:
        message += f" (+{more} more findings of this check in the report)"
    file = _file_in_workspace(run, scrub(loc.file)) if loc.file else None
    return command(level, scrub(message), title=scrub(title), file=file, line=loc.row)


def github_commands(run: RunResult, scrub: Scrub = str) -> list[str]:
    """The annotations of a finished run, checks in run order."""
    lines: list[str] = []
    lang = run.lang
    for check in run.checks:
        level = _level(check)
        if level is None:
            continue
        title = f"{check.id}: {check.title_for(lang)}"
        if check.display_outcome == "xpassed":
            lines.append(command("error", "listed as an expected failure but passed: remove it from the "
                                 "expected-failures file", title=scrub(title)))
            continue
        if check.error:  # the check could not run, or could not see all it tests
            lines.append(command(level, scrub(check.error), title=scrub(title)))
        shown = check.findings[:FINDINGS_PER_CHECK]
        for i, f in enumerate(shown):
            more = check.findings_count - len(shown) if i == len(shown) - 1 else 0
            lines.append(_finding_command(run, check, level, f, scrub, more))
        if not shown and not check.error:  # findings counted but none stored (--findings-cap 0)
            lines.append(command(level, f"{check.findings_count} findings (see the report)", title=scrub(title)))
    return lines


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def _md(text: str) -> str:
    """Text from a target, inert in Markdown: no link, image, HTML or table cell can be forged."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split()), quote=False))


def step_summary(run: RunResult, scrub: Scrub = str, report: Path | None = None) -> str:
    """A Markdown section for ``$GITHUB_STEP_SUMMARY``: the verdict, the counts, the checks to act on."""
    s = run.summary
    verdict = {"pass": "PASS 合格", "fail": "FAIL 不合格"}.get(run.verdict, "INTERRUPTED 中断")
    out = [f"### renkei {_md(run.profile.id)}: {verdict}", "",
           "| passed | failed | warnings | errors | skipped | expected failures | stale expected failures |",
           "|---:|---:|---:|---:|---:|---:|---:|",
           f"| {s.passed} | {s.failed} | {s.warnings} | {s.errors} | {s.skipped} | {s.expected_failures} "
           f"| {s.unexpected_passes} |", ""]
    acting = [c for c in run.checks if _level(c) is not None]
    if acting:
        out += ["| check | outcome | findings | first location |", "|---|---|---:|---|"]
        for c in acting:
            first = c.findings[0].location.label() if c.findings else (c.error or "")
            shown = "stale" if c.display_outcome == "xpassed" else c.display_outcome
            out.append(f"| `{c.id}` {_md(c.title_for(run.lang))} | {shown} | {c.findings_count} "
                       f"| {_md(scrub(first))} |")
        out.append("")
    if report is not None:
        out += [f"Report: {_md(scrub(str(report)))} (in the job's artifacts)", ""]
    return "\n".join(out) + "\n"
