"""junit.xml: the run as CI systems (GitLab, Jenkins, GitHub test reporters) read it.

One ``<testsuite>`` per run and one ``<testcase>`` per check. CI gates on ``<failure>`` and
``<error>``, so the mapping follows ``CheckResult.gates``: warnings pass (their findings go to
``<system-out>``), expected failures are skips of type ``xfail``, stale expected failures fail.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from renkei.harness.core.model import CheckResult, Finding, Outcome, RunResult
from renkei.reports.atomic import encode_utf8, write_atomic
from renkei.reports.i18n import check_lang, t
from renkei.reports.invisibles import plain, visible

FILENAME = "junit.xml"
MAX_LISTED = 20  # findings written into one testcase; the rest are in result.json


def _finding_line(f: Finding, lang: str) -> str:
    where = plain(f.location.label()) or t("no_location", lang)
    line = f"{where}: {plain(f.text(lang))}"
    if f.value is not None:
        shown = visible(f.value) if f.value else t("value_empty", lang)
        line += f" (value: {shown})" if lang == "en" else f"（値: {shown}）"
    return line


def _findings_text(check: CheckResult, lang: str) -> str:
    total = max(check.findings_count, len(check.findings))
    shown = check.findings[:MAX_LISTED]
    head = plain(check.requirement)
    if total == 0:
        return head
    if len(shown) < total:
        count = t("findings_shown", lang, total=total, shown=len(shown))
    else:
        count = t("findings_all", lang, total=total)
    return "\n".join([head, count, *(_finding_line(f, lang) for f in shown)])


def _props(parent: ET.Element, items: list[tuple[str, Any]]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in items:
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        ET.SubElement(props, "property", name=plain(name), value=plain(text))


def _testcase(suite: ET.Element, run: RunResult, check: CheckResult, lang: str) -> str:
    """Append one testcase; return which counter it adds to ("", failures, errors, skipped)."""
    case = ET.SubElement(
        suite, "testcase", classname=plain(run.profile.id), name=plain(check.id), time=f"{check.duration_s:.3f}"
    )
    xfail = check.expected_failure
    _props(case, [
        ("check_id", check.id),
        ("requirement", check.requirement),
        ("severity", check.severity.value),
        ("outcome", check.outcome.value),
        ("findings_count", str(max(check.findings_count, len(check.findings)))),
        ("expected_failure", xfail.state if xfail else None),
    ])
    title = plain(check.title_for(lang))
    if xfail is not None and xfail.state == "xpassed":
        el = ET.SubElement(case, "failure", message=t("stale_xfail", lang), type="xpassed")
        el.text = f"{plain(check.requirement)}\n{t('reason', lang)}: {plain(xfail.reason)}"
        return "failures"
    if xfail is not None:
        el = ET.SubElement(case, "skipped", message=plain(xfail.reason), type="xfail")
        el.text = _findings_text(check, lang)
        return "skipped"
    if check.outcome is Outcome.ERROR:
        el = ET.SubElement(case, "error", message=plain(check.error or title), type="check-error")
        el.text = f"{plain(check.requirement)}\n{t('check_error', lang)} {plain(check.error or '')}".rstrip()
        return "errors"
    if check.outcome is Outcome.FAILED:
        el = ET.SubElement(case, "failure", message=title, type=check.severity.value)
        el.text = _findings_text(check, lang)
        return "failures"
    if check.outcome is Outcome.SKIPPED:
        ET.SubElement(case, "skipped", message=plain(check.skip_reason or ""))
        return "skipped"
    if check.outcome is Outcome.WARNING:
        out = ET.SubElement(case, "system-out")
        out.text = f"{title}\n{_findings_text(check, lang)}"
    return ""


def render(run: RunResult, *, lang: str = "ja") -> str:
    check_lang(lang)
    total_time = sum(c.duration_s for c in run.checks)
    root = ET.Element("testsuites", name="renkei")
    suite = ET.SubElement(
        root, "testsuite", name=plain(run.profile.id), timestamp=run.started_at.isoformat(),
    )
    _props(suite, [
        ("profile_id", run.profile.id),
        ("profile_version", run.profile.version),
        ("profile_title", run.profile.title_ja if lang == "ja" else run.profile.title),
        ("standard", run.profile.standard),
        ("source", run.profile.source),
        ("tool", run.tool.name),
        ("tool_version", run.tool.version),
        *((f"target.{key}", value) for key, value in run.target.items()),
        ("verdict", run.verdict),
        ("redacted", "true" if run.redacted else "false"),
    ])
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for check in run.checks:
        kind = _testcase(suite, run, check, lang)
        if kind:
            counts[kind] += 1
    for el in (root, suite):
        el.set("tests", str(len(run.checks)))
        for key, value in counts.items():
            el.set(key, str(value))
        el.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(run: RunResult, out_dir: Path, *, lang: str = "ja") -> Path:
    """Write ``out_dir/junit.xml`` (message language ``lang``)."""
    return write_atomic(Path(out_dir) / FILENAME, encode_utf8(render(run, lang=lang)))
