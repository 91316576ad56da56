"""The one school-year step the chain needs that the 校務支援 lifecycle does not offer: a class change.

A pupil changes homeroom within their school (学級変更, e.g. into the school's 特別支援学級): the active
homeroom enrollment ends (``tobedeleted``, as OneRoster 1.2 deletes), an enrollment in the new class is
created, and ``metadata.jp.homeClass`` follows. One transaction, like every lifecycle step, and
``dateLastModified`` of exactly the touched objects is the change's instant, so a delta shows it.
"""

from __future__ import annotations

import json
from typing import Any

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.model.rest_binding import ref
from renkei.mocks.school_affairs.ids import rng_for, uuid4_from
from renkei.mocks.school_affairs.rest.lifecycle import Change
from renkei.mocks.school_affairs.rest.store import RosterStore, stamp


def _need(store: RosterStore, kind: str, sid: str) -> dict[str, Any]:
    doc = store.get(kind, sid)
    if doc is None or doc.get("status") == "tobedeleted":
        raise ConfigError(f"no active {kind} with sourcedId {sid!r}")
    return doc


def class_change(store: RosterStore, user_id: str, to_class: str, *, at: str | None = None) -> Change:
    """Move ``user_id`` from their homeroom into ``to_class`` (a class of the same school)."""
    at = at or stamp()
    change = Change(at)
    with store.transaction() as db:
        user = _need(store, "user", user_id)
        klass = _need(store, "class", to_class)
        school = (klass.get("school") or {}).get("sourcedId")
        rows = db.execute("SELECT sid, doc FROM objects WHERE kind='enrollment' AND r3=? AND status='active'",
                          (user_id,)).fetchall()
        ended = 0
        for sid, text in rows:
            enrollment = json.loads(text)
            old = store.get("class", (enrollment.get("class") or {}).get("sourcedId", ""))
            if old is None or old.get("classType") != "homeroom" or (old.get("school") or {}).get("sourcedId") != school:
                continue
            if old["sourcedId"] == to_class:
                raise ConfigError(f"user {user_id!r} is already in class {to_class!r}")
            enrollment.update(status="tobedeleted", dateLastModified=at, endDate=at[:10])
            store.put("enrollment", enrollment, event="class_change.out")
            change.add("deleted", "enrollment", sid)
            ended += 1
        if not ended:
            raise ConfigError(f"user {user_id!r} has no active homeroom in the school of class {to_class!r}")
        enrollment_id = uuid4_from(rng_for(0, "class_change", user_id, to_class, at))
        store.put("enrollment", {
            "sourcedId": enrollment_id, "status": "active", "dateLastModified": at, "user": ref("user", user_id),
            "class": ref("class", to_class), "school": ref("org", str(school)), "role": "student", "primary": "false",
            "beginDate": at[:10]}, event="class_change.in")
        change.add("created", "enrollment", enrollment_id)
        meta = user.get("metadata")
        jp = meta.get("jp") if isinstance(meta, dict) else None
        if isinstance(jp, dict) and "homeClass" in jp:
            jp["homeClass"] = to_class
        elif isinstance(meta, dict) and "jp.homeClass" in meta:
            meta["jp.homeClass"] = to_class
        user["dateLastModified"] = at
        store.put("user", user, event="class_change")
        change.add("changed", "user", user_id)
    return change


def leave(store: RosterStore, user_id: str, *, at: str | None = None) -> Change:
    """A pupil leaves the municipality (転出 to another city): the user and their active enrollments become
    ``tobedeleted`` together, so no export is left with an enrollment of a user it no longer holds."""
    at = at or stamp()
    change = Change(at)
    with store.transaction() as db:
        user = _need(store, "user", user_id)
        for sid, text in db.execute("SELECT sid, doc FROM objects WHERE kind='enrollment' AND r3=? AND status='active'",
                                    (user_id,)).fetchall():
            enrollment = json.loads(text)
            enrollment.update(status="tobedeleted", dateLastModified=at, endDate=at[:10])
            store.put("enrollment", enrollment, event="leave")
            change.add("deleted", "enrollment", sid)
        user.update(status="tobedeleted", dateLastModified=at)
        store.put("user", user, event="leave")
        change.add("deleted", "user", user_id)
    return change
