"""The school year as the mock 校務支援システム lives it: 年次更新, 転出・転入, corrections.

Every change sets ``dateLastModified`` of exactly the objects it touches to the change's instant
and keeps them (``status`` ``tobedeleted`` instead of removal, as OneRoster 1.2 asks of deletions),
so a REST delta (``filter=dateLastModified>'…'``) and the CSV delta export show exactly that change.
Each change runs in one transaction: a failed step leaves the roster as it was.

- ``apply_bulk``: a later bulk export of the same system, applied as a diff (new objects created,
  changed ones replaced, objects it no longer holds marked ``tobedeleted``);
- ``advance_year`` (年次更新): the next 年度 generated from the same seed (the generator keeps orgs,
  teachers and pupils and moves every pupil one grade up; the top grade graduates, 新入生 arrive,
  sessions, courses, classes and enrollments are the new year's), applied with ``apply_bulk``;
- ``transfer`` (転出・転入): a pupil leaves one school and joins another, keeping ``sourcedId`` and
  ``userMasterIdentifier``: the old enrollments become ``tobedeleted``, the roles move to the new
  school, a homeroom enrollment of the same grade is created there (or in the class named) and
  ``metadata.jp.homeClass`` follows;
- ``edit`` / ``mark_deleted``: ad-hoc corrections (a name, a class change).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.rest_binding import ref
from renkei.mocks.school_affairs.ids import rng_for, uuid4_from
from renkei.mocks.school_affairs.rest.bundle import read_bundle
from renkei.mocks.school_affairs.rest.store import RosterStore, stamp

GENERATION = "generation"  # store setting: the generator arguments of the roster (JSON)
KINDS = ("academicSession", "org", "course", "class", "user", "enrollment", "demographics")


@dataclass
class Change:
    """What one lifecycle step did, per kind: sourcedIds created, changed and marked tobedeleted."""

    at: str
    created: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)

    def add(self, what: str, kind: str, sid: str) -> None:
        getattr(self, what).setdefault(kind, []).append(sid)

    def summary(self) -> dict[str, Any]:
        return {"at": self.at, **{w: {k: len(v) for k, v in getattr(self, w).items()}
                                  for w in ("created", "changed", "deleted")}}


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    a = {k: v for k, v in old.items() if k != "dateLastModified"}
    b = {k: v for k, v in new.items() if k != "dateLastModified"}
    return a == b


def _touch(doc: dict[str, Any], at: str, status: str | None = None) -> dict[str, Any]:
    doc["dateLastModified"] = at
    if status is not None:
        doc["status"] = status
    return doc


def apply_bulk(store: RosterStore, bundle: Path, *, at: str | None = None) -> Change:
    """Apply a later bulk bundle of the same roster as a change (see the module docstring)."""
    at = at or stamp()
    change = Change(at)
    with read_bundle(bundle, shape=store.shape, stamp=at) as source, store.transaction() as db:
        db.execute("CREATE TEMP TABLE IF NOT EXISTS seen(kind TEXT, sid TEXT, PRIMARY KEY(kind, sid))")
        db.execute("DELETE FROM temp.seen")
        for kind, docs in source.kinds():
            for doc in docs:
                db.execute("INSERT OR IGNORE INTO temp.seen VALUES (?, ?)", (kind, doc["sourcedId"]))
                old = store.get(kind, doc["sourcedId"])
                if old is None:
                    store.put(kind, doc, event="created")
                    change.add("created", kind, doc["sourcedId"])
                elif not _same(old, doc):
                    store.put(kind, _touch(doc, at), event="changed")
                    change.add("changed", kind, doc["sourcedId"])
            gone = [r[0] for r in db.execute(
                "SELECT sid FROM objects WHERE kind=? AND status='active' AND sid NOT IN "
                "(SELECT sid FROM temp.seen WHERE kind=?)", (kind, kind))]
            for sid in gone:
                doc = store.get(kind, sid)
                assert doc is not None
                store.put(kind, _touch(doc, at, "tobedeleted"), event="deleted")
                change.add("deleted", kind, sid)
    return change


def remember_generation(store: RosterStore, **arguments: Any) -> None:
    """Record how the roster was generated, so that ``advance_year`` can generate the next 年度."""
    store.set_setting(GENERATION, json.dumps(arguments))


def advance_year(store: RosterStore, *, at: str | None = None) -> Change:
    """年次更新: generate the next 年度 of the same roster and apply it (``apply_bulk``)."""
    from renkei.mocks.school_affairs.generator import generate_bundle

    raw = store.setting(GENERATION)
    if raw is None:
        raise ConfigError("年次更新 needs a generated roster (this one was loaded from a bundle); "
                          "apply the next year's bulk export instead (apply_bulk)")
    arguments = json.loads(raw)
    arguments["school_year"] = int(arguments["school_year"]) + 1
    with tempfile.TemporaryDirectory(prefix="renkei-nendo-") as tmp:
        path = Path(tmp) / "next.zip"
        generate_bundle(path, **arguments)
        change = apply_bulk(store, path, at=at)
    remember_generation(store, **arguments)
    return change


def _need(store: RosterStore, kind: str, sid: str) -> dict[str, Any]:
    doc = store.get(kind, sid)
    if doc is None:
        raise ConfigError(f"no {kind} with sourcedId {sid!r}")
    return doc


def transfer(store: RosterStore, user_id: str, to_school: str, *, to_class: str | None = None,
             at: str | None = None) -> Change:
    """転出・転入: move a pupil to another school (see the module docstring)."""
    at = at or stamp()
    change = Change(at)
    with store.transaction() as db:
        user = _need(store, "user", user_id)
        school = _need(store, "org", to_school)
        if school.get("type") != "school":
            raise ConfigError(f"org {to_school!r} is not a school")
        roles = [r for r in user.get("roles") or [] if isinstance(r, dict)]
        student = [r for r in roles if r.get("role") == "student"]
        if not student:
            raise ConfigError(f"user {user_id!r} has no student role")
        old_schools = {r["org"]["sourcedId"] for r in student if isinstance(r.get("org"), dict)}
        if to_school in old_schools:
            raise ConfigError(f"user {user_id!r} is already a student of {to_school!r}")
        grade = (user.get("grades") or [None])[0]
        if to_class is None:
            rows = db.execute(
                "SELECT sid, doc FROM objects WHERE kind='class' AND r2=? AND status='active' ORDER BY seq",
                (to_school,)).fetchall()
            homerooms = [(sid, json.loads(d)) for sid, d in rows]
            fit = [sid for sid, d in homerooms if d.get("classType") == "homeroom" and grade in (d.get("grades") or [])
                   and len(d.get("grades") or []) == 1]
            if not fit:
                raise ConfigError(f"school {to_school!r} has no active homeroom of grade {grade!r}; name the class")
            to_class = fit[0]
        klass = _need(store, "class", to_class)
        if (klass.get("school") or {}).get("sourcedId") != to_school:
            raise ConfigError(f"class {to_class!r} is not a class of school {to_school!r}")
        for sid, text in db.execute("SELECT sid, doc FROM objects WHERE kind='enrollment' AND r3=? "
                                    "AND status='active'", (user_id,)).fetchall():
            store.put("enrollment", _touch(json.loads(text), at, "tobedeleted"), event="transfer.out")
            change.add("deleted", "enrollment", sid)
        for r in roles:
            if isinstance(r.get("org"), dict) and r["org"]["sourcedId"] in old_schools:
                r["org"] = ref("org", to_school)
        if isinstance(user.get("primaryOrg"), dict) and user["primaryOrg"].get("sourcedId") in old_schools:
            user["primaryOrg"] = ref("org", to_school)
        _move_home_class(user, to_class if klass.get("classType") == "homeroom" else None)
        store.put("user", _touch(user, at), event="transfer")
        change.add("changed", "user", user_id)
        enrollment_id = uuid4_from(rng_for(0, "transfer", user_id, to_class, at))
        store.put("enrollment", {
            "sourcedId": enrollment_id, "status": "active", "dateLastModified": at,
            "user": ref("user", user_id), "class": ref("class", to_class), "school": ref("org", to_school),
            "role": "student", "primary": "false", "beginDate": at[:10]}, event="transfer.in")
        change.add("created", "enrollment", enrollment_id)
    return change


def _move_home_class(user: dict[str, Any], home: str | None) -> None:
    """``metadata.jp.homeClass`` (所属学級, either JSON shape) names the new homeroom, or goes when the
    pupil joins no homeroom: it must not keep naming a class of the school they left."""
    meta = user.get("metadata")
    if not isinstance(meta, dict):
        return
    jp = meta.get("jp")
    holder, key = (jp, "homeClass") if isinstance(jp, dict) else (meta, "jp.homeClass")
    if key not in holder:
        return
    if home is None:
        del holder[key]
    else:
        holder[key] = home


def edit(store: RosterStore, kind: str, sid: str, changes: dict[str, Any], *, at: str | None = None) -> Change:
    """An ad-hoc correction: top-level fields replaced (``None`` removes one)."""
    if kind not in R.OBJECTS:
        raise ConfigError(f"unknown object kind {kind!r} (known: {', '.join(R.OBJECTS)})")
    spec = R.OBJECTS[kind]
    unknown = sorted(k for k in changes if k not in spec.by_name or k in ("sourcedId", "dateLastModified"))
    if unknown:
        raise ConfigError(f"{kind} has no editable field(s) {', '.join(unknown)}")
    at = at or stamp()
    change = Change(at)
    with store.transaction():
        doc = _need(store, kind, sid)
        for name, value in changes.items():
            if value is None:
                doc.pop(name, None)
            else:
                doc[name] = value
        missing = [f for f in spec.required if f not in doc]
        if missing:
            raise ConfigError(f"{kind} {sid!r} would lack the required {', '.join(missing)}")
        store.put(kind, _touch(doc, at), event="edit")
        change.add("changed", kind, sid)
    return change


def mark_deleted(store: RosterStore, kind: str, sid: str, *, at: str | None = None) -> Change:
    """Mark an object ``tobedeleted`` (OneRoster deletes by status, so deltas carry the deletion)."""
    at = at or stamp()
    change = Change(at)
    with store.transaction():
        doc = _need(store, kind, sid)
        store.put(kind, _touch(doc, at, "tobedeleted"), event="deleted")
        change.add("deleted", kind, sid)
    return change


def reissue_pupil_ids(store: RosterStore, change: Change) -> Change:
    """The fault ``reissue_ids_at_year_advance``, after ``advance_year``: every continuing pupil (active,
    with a student role, not one of the 新入生 the change created) is re-registered under a new sourcedId.
    The old record becomes ``tobedeleted``, a copy with the new id is created (``userMasterIdentifier``
    kept), and the pupil's active enrollments and demographics move to it. ``change`` is extended, so the
    admin answer counts what the fault did too."""
    created = set(change.created.get("user", []))
    with store.transaction() as db:
        pupils = [u for u in store.iter_docs("user") if u.get("status") != "tobedeleted"
                  and u["sourcedId"] not in created
                  and any(isinstance(r, dict) and r.get("role") == "student" for r in u.get("roles") or [])]
        for old in pupils:
            sid = old["sourcedId"]
            new_sid = uuid4_from(rng_for(0, "reissue", sid, change.at))
            store.put("user", {**old, "sourcedId": new_sid, "dateLastModified": change.at}, event="reissue.in")
            change.add("created", "user", new_sid)
            store.put("user", _touch(dict(old), change.at, "tobedeleted"), event="reissue.out")
            change.add("deleted", "user", sid)
            for esid, text in db.execute("SELECT sid, doc FROM objects WHERE kind='enrollment' AND r3=? "
                                         "AND status='active'", (sid,)).fetchall():
                enrollment = json.loads(text)
                enrollment["user"] = ref("user", new_sid)
                store.put("enrollment", _touch(enrollment, change.at), event="reissue")
                change.add("changed", "enrollment", esid)
            demographics = store.get("demographics", sid)
            if demographics is not None and demographics.get("status") != "tobedeleted":
                store.put("demographics", {**demographics, "sourcedId": new_sid, "dateLastModified": change.at},
                          event="reissue.in")
                store.put("demographics", _touch(demographics, change.at, "tobedeleted"), event="reissue.out")
    return change
