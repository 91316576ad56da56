"""What changed between two rosters, when the 校務支援 is a vendor's and renkei only sees its exports.

With the mock, renkei makes the school year happen and is told what changed. A vendor's 校務支援
hands over its exports at three moments instead (年度当初, after 年次更新, after the mid-year events),
so the changes and the events are read from the difference: objects created, changed and ended
(``tobedeleted``, or no longer in a bulk export), a pupil whose school changed (転出・転入), whose name
changed (a correction), whose homeroom changed within their school (a class change) or who is gone
(left the municipality).
"""

from __future__ import annotations

from typing import Any

from renkei.harness.chain.roster import RosterSnapshot
from renkei.harness.chain.sample import Events


def _active_ids(snap: RosterSnapshot, kind: str) -> set[str]:
    if kind == "user":
        return {k for k, u in snap.users.items() if u.active}
    if kind == "class":
        return {k for k, c in snap.classes.items() if c.active}
    return {e.sourced_id for e in snap.enrollments if e.active}


def change_between(before: RosterSnapshot, after: RosterSnapshot) -> dict[str, Any]:
    """``{"at", "created", "changed", "deleted"}`` by kind, as the mock's lifecycle answers."""
    out: dict[str, Any] = {"at": "", "created": {}, "changed": {}, "deleted": {}}
    for kind in ("user", "class", "enrollment"):
        old, new = _active_ids(before, kind), _active_ids(after, kind)
        if new - old:
            out["created"][kind] = sorted(new - old)
        if old - new:
            out["deleted"][kind] = sorted(old - new)
    changed = sorted(u for u in _active_ids(before, "user") & _active_ids(after, "user")
                     if before.users[u] != after.users[u])
    if changed:
        out["changed"]["user"] = changed
    return out


def _students(snap: RosterSnapshot) -> list[str]:
    return sorted(u for u, user in snap.users.items() if user.active and "student" in user.role_in())


def events_between(before: RosterSnapshot, after: RosterSnapshot) -> Events:
    """The first pupil (by sourcedId) of each mid-year event the two rosters show."""
    events = Events()
    taken: set[str] = set()
    for u in _students(before):
        new = after.users.get(u)
        if new is None or not new.active:
            if events.leave is None:
                events.leave = u
                taken.add(u)
            continue
        old = before.users[u]
        if events.transfer is None and new.schools() and new.schools() != old.schools():
            events.transfer = (u, sorted(new.schools() - old.schools() or new.schools())[0])
            taken.add(u)
        elif events.rename is None and (new.family_name, new.given_name) != (old.family_name, old.given_name):
            fields = {k: v for k, v, was in (("familyName", new.family_name, old.family_name),
                                             ("givenName", new.given_name, old.given_name)) if v != was}
            events.rename = (u, fields)
            taken.add(u)
        elif events.class_change is None and u not in taken:
            room_before, room_after = before.homeroom(u), after.homeroom(u)
            if room_before and room_after and room_before != room_after:
                events.class_change = (u, room_after)
                taken.add(u)
    return events


def event_users(events: Events) -> list[str]:
    users = [events.transfer[0] if events.transfer else None, events.rename[0] if events.rename else None,
             events.class_change[0] if events.class_change else None, events.leave]
    return [u for u in users if u is not None]
