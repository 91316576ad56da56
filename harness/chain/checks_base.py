"""What every chain check shares: registration, the observation, and the rule that nothing unseen passes.

Each check judges one link of the chain (校務支援 → 学習eポータル → 学習アプリ → LRS) on what the
scenario observed, and locates every finding at the position that broke the link (``file``: the
position, ``endpoint``: phase, launch, user, class or statement). What the scenario could not see
(an import that failed, a launch renkei could not observe, an LRS that did not answer) is recorded
with ``ctx.not_evaluated``; a check that saw nothing of what it tests stops "not evaluated", so the
engine never reports a pass that was not earned.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from renkei.harness.chain.config import KIND
from renkei.harness.chain.observation import CHANGE_KINDS, PHASES, ChainObservation, Launch, NrpsRead, Phase
from renkei.harness.chain.roster import RosterSnapshot
from renkei.harness.core.context import CheckContext
from renkei.harness.core.model import Severity
from renkei.harness.core.registry import check


def chain_check(id: str, requirement: str, severity: Severity | str, title: tuple[str, str],
                description: tuple[str, str], params: dict[str, Any] | None = None) -> Any:
    return check(id, kind=KIND, requirement=requirement, severity=severity, title_ja=title[0], title_en=title[1],
                 description_ja=description[0], description_en=description[1], params=params)


# The checks that need a school-year event of the 校務支援 (CHANGE_KINDS): when a vendor's 校務支援 did not
# make one of them (no hook for it, or no change after it), they are skipped with that reason, never passed.
NEEDS_EVENTS: dict[str, tuple[str, ...]] = {
    "chain.year.identity_kept": ("year_advance",),
    "chain.year.no_last_year_class": ("year_advance",),
    "chain.transfer.identity_kept": ("transfer",),
    "chain.transfer.old_school_refused": ("transfer",),
    "chain.lifecycle.left_class_refused": ("class_change",),
    "chain.lifecycle.tobedeleted_refused": ("year_advance", "leave"),
    "chain.roster.names_current": ("rename",),
}


def observation(ctx: CheckContext) -> ChainObservation:
    """The scenario's observation; the phases it could not complete are noted as not evaluated, and a check
    whose school-year event the 校務支援 did not make is skipped."""
    obs: ChainObservation = ctx.target.observation()
    for kind in NEEDS_EVENTS.get(ctx.check_id, ()):
        if kind in obs.not_made:
            ctx.skip(f"the school-year event {kind} ({CHANGE_KINDS[kind][1]}) did not happen at the 校務支援: "
                     f"{obs.not_made[kind]}")
    for phase in obs.phases:
        if phase.snapshot is None:
            ctx.not_evaluated(f"{phase.name}: the roster could not be read")
        elif phase.import_error is not None:
            ctx.not_evaluated(f"{phase.name}: the e-portal did not import the roster ({phase.import_error})")
    missing = [name for name in PHASES if obs.phase(name) is None]
    if missing:
        ctx.not_evaluated(f"the scenario stopped before the phase(s) {', '.join(missing)}")
    return obs


def snapshot(obs: ChainObservation, phase: str) -> RosterSnapshot | None:
    found = obs.phase(phase)
    return found.snapshot if found is not None else None


def usable(obs: ChainObservation) -> Iterator[Phase]:
    """The phases whose roster was read and imported (the others are not evaluated)."""
    for phase in obs.phases:
        if phase.snapshot is not None and phase.import_error is None:
            yield phase


def nrps_reads(ctx: CheckContext, obs: ChainObservation) -> Iterator[tuple[Phase, RosterSnapshot, dict[str, str],
                                                                            NrpsRead]]:
    """The NRPS memberships renkei read, with their phase, its roster and that roster's identifiers (by
    ``obs.identifier_rule``). The check is skipped when the e-portal offers no NRPS access; a phase that
    read none and a read that failed are noted as not evaluated."""
    if not obs.nrps_offered:
        ctx.skip("the e-portal offers renkei no NRPS access (positions.eportal)")
    for phase in usable(obs):
        snap = phase.snapshot
        assert snap is not None
        if phase.nrps_unavailable:
            ctx.not_evaluated(f"{phase.name}: {phase.nrps_unavailable}")
        ids = snap.by_identifier(obs.identifier_rule)
        for read in phase.nrps:
            if read.members is None:
                ctx.not_evaluated(f"{phase.name}: {read.url}: {read.error}")
                continue
            yield phase, snap, ids, read


def launched(ctx: CheckContext, obs: ChainObservation, *, purposes: tuple[str, ...] = ("normal",),
             role: str | None = None) -> Iterator[tuple[Phase, RosterSnapshot, Launch]]:
    """Launches that reached the app with verified claims; the ones renkei could not observe are noted."""
    unseen = 0
    first = ""
    for phase in usable(obs):
        assert phase.snapshot is not None
        for x in phase.launches:
            if x.purpose not in purposes or (role is not None and x.role != role):
                continue
            if x.outcome == "error":
                unseen += 1
                first = first or f"{phase.name}: launch #{x.n}: {x.detail}"
                continue
            if x.outcome == "launched" and x.claims is not None:
                yield phase, phase.snapshot, x
    if unseen:  # the first one's reason says why (a silent peer, a token that does not verify, a scripted page)
        ctx.not_evaluated(f"{unseen} launch(es) could not be observed (a peer did not answer, the id_token did not "
                          f"verify, or a page needs JavaScript); the first: {first}")


def phase_ja(name: str) -> str:
    return PHASES.get(name, (name, name))[0]
