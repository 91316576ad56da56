"""The e-portal's accounts across roster imports: which ``sub`` a user keeps when the roster comes again.

A re-import updates names, classes and status, but an account outlives it: a user keeps the ``sub``
the roster gives them (their userMasterIdentifier, see ``roster.py``), so a tool and an LRS can join
what they hold about the learner across years. Two faults change that: ``sub_is_username`` (the login
name as sub, on every import) and ``reissue_sub_after_year_advance``, the red run of the chain profile:
an import that retires every class the previous import had in use (年次更新, when the new 年度's
classes replace last year's) creates new accounts, so every user's sub and NRPS user_id change from
then on.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from renkei.mocks.eportal.roster import Roster
from renkei.mocks.eportal.state import EportalState

REISSUE = "reissue_sub_after_year_advance"
_NS = uuid.UUID("2b7e1516-28ae-4d2a-a6d2-7c1d3e9f4b10")  # reissued subs derive from (generation, sourcedId)


def classes_in_use(roster: Roster) -> set[str]:
    """Classes with at least one active enrollment."""
    return {e.class_sourced_id for e in roster.enrollments if e.active}


def year_turned(previous: Roster, current: Roster) -> bool:
    """True when ``current`` no longer uses any class ``previous`` used: the roster moved to a new 年度."""
    before, now = classes_in_use(previous), classes_in_use(current)
    return bool(before) and bool(now) and not before & now


def with_accounts(state: EportalState, roster: Roster) -> Roster:
    """``roster`` with the subs the e-portal's accounts carry (the roster's own, unless a fault says otherwise)."""
    config = state.config
    if config.has(REISSUE) and year_turned(state.roster, roster):
        state.account_generation += 1
        state.reissued_subs = {sid: str(uuid.uuid5(_NS, f"{state.account_generation}:{sid}")) for sid in roster.users}
    users = roster.users
    if config.has("sub_is_username"):
        users = {sid: replace(u, sub=u.username or u.sub) for sid, u in users.items()}
    if state.reissued_subs:
        users = {sid: replace(u, sub=state.reissued_subs.get(sid, u.sub)) for sid, u in users.items()}
    return roster if users is roster.users else replace(roster, users=users)


def reimport(state: EportalState, roster: Roster) -> Roster:
    """Install a freshly imported roster as the e-portal's roster; returns what was installed."""
    state.roster = with_accounts(state, roster)
    return state.roster
