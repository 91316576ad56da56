"""The chain section of report.html: four positions, the links between them, and the scenario's timeline.

Read from the result only (``run.target["chain"]``, written by the chain profile, and the checks): a
link is red when one of its checks failed, grey when one could not be evaluated, green when all passed.
A red link lists its failing checks with the positions and phases of their findings and the learners
they concern, read from the findings' locations (``file``: the position, ``endpoint``:
``[phase] launch #n user <sourcedId> class <sourcedId>``). A report made with ``--redact`` gives the
number of learners instead of their ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from renkei.harness.core.model import CheckResult, Outcome, RunResult
from renkei.reports.invisibles import plain

MAX_LEARNERS = 5  # learner ids shown per failing check (all are in result.json)
_PHASE = re.compile(r"^\[([a-z_]+)\]")
_USER = re.compile(r"\buser (\S+)")


@dataclass
class PositionView:
    key: str
    label: str
    name: str
    who: str  # mock | vendor
    faults: str
    broken: bool


@dataclass
class BreakView:
    check_id: str
    title: str
    findings: int
    positions: list[str]
    phases: list[str]
    learners: list[str]
    learners_total: int


@dataclass
class LinkView:
    key: str
    label: str
    source: str
    target: str
    state: str  # pass | fail | unseen
    checks: int
    breaks: list[BreakView] = field(default_factory=list)


@dataclass
class EventView:
    n: int
    phase: str
    position: str
    text: str
    seconds: str
    ok: bool


@dataclass
class ChainView:
    positions: list[PositionView]
    links: list[LinkView]
    timeline: list[EventView]
    problems: list[str]
    redacted: bool


def _label(pair: Any, lang: str, fallback: str) -> str:
    if isinstance(pair, list | tuple) and len(pair) == 2:
        return plain(str(pair[0] if lang == "ja" else pair[1]))
    return plain(fallback)


def _break(check: CheckResult, lang: str, positions: dict[str, str], phases: dict[str, str],
           redacted: bool) -> BreakView:
    where = sorted({f.location.file for f in check.findings if f.location.file})
    seen_phases: list[str] = []
    learners: list[str] = []
    for f in check.findings:
        endpoint = f.location.endpoint or ""
        if (m := _PHASE.match(endpoint)) and m.group(1) not in seen_phases:
            seen_phases.append(m.group(1))
        if (u := _USER.search(endpoint)) and u.group(1) not in learners:
            learners.append(u.group(1))
    return BreakView(plain(check.id), plain(check.title_for(lang)), max(check.findings_count, len(check.findings)),
                     [positions.get(p, plain(p)) for p in where], [phases.get(p, plain(p)) for p in seen_phases],
                     [] if redacted else [plain(u) for u in learners[:MAX_LEARNERS]], len(learners))


def chain_view(run: RunResult, lang: str) -> ChainView | None:
    chain = run.target.get("chain")
    if not isinstance(chain, dict):
        return None
    labels = chain.get("labels") or {}
    pos_labels = {k: _label(v, lang, k) for k, v in (labels.get("positions") or {}).items()}
    phase_labels = {k: _label(v, lang, k) for k, v in (labels.get("phases") or {}).items()}
    by_id = {c.id: c for c in run.checks}
    broken_at = {f.location.file for c in run.checks if c.outcome is Outcome.FAILED for f in c.findings}
    positions = []
    for key, info in (chain.get("positions") or {}).items():
        info = info if isinstance(info, dict) else {}
        positions.append(PositionView(plain(key), pos_labels.get(key, plain(key)), plain(str(info.get("name", ""))),
                                      "mock" if info.get("mock") else "vendor",
                                      plain(", ".join(str(f) for f in info.get("faults") or [])), key in broken_at))
    order = ("school_affairs", "eportal", "app", "lrs")  # the way the data flows
    positions.sort(key=lambda p: order.index(p.key) if p.key in order else len(order))
    links = []
    for link in chain.get("links") or []:
        checks = [by_id[c] for c in link.get("checks", []) if c in by_id]
        if not checks:
            continue
        failed = [c for c in checks if c.outcome is Outcome.FAILED]
        state = "fail" if failed else "unseen" if any(c.outcome is not Outcome.PASSED for c in checks) else "pass"
        links.append(LinkView(plain(str(link.get("key", ""))), plain(str(link.get(lang, link.get("en", "")))),
                              pos_labels.get(link.get("from"), ""), pos_labels.get(link.get("to"), ""), state,
                              len(checks), [_break(c, lang, pos_labels, phase_labels, run.redacted) for c in failed]))
    timeline = [EventView(int(e.get("n", 0)), phase_labels.get(e.get("phase"), plain(str(e.get("phase", "")))),
                          pos_labels.get(e.get("position"), plain(str(e.get("position", "")))),
                          plain(str(e.get(lang, e.get("en", "")))), f"{float(e.get('seconds', 0)):,.2f}",
                          bool(e.get("ok", True)))
                for e in chain.get("timeline") or [] if isinstance(e, dict)]
    return ChainView(positions, links, timeline, [plain(str(p)) for p in chain.get("problems") or []], run.redacted)
