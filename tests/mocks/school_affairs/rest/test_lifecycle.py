"""The school year: 年次更新 (advance_year, apply_bulk), 転出・転入 (transfer), edit, mark_deleted;
each a transaction that sets dateLastModified of exactly what it touches."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.rest_binding import FLAT
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest import lifecycle
from renkei.mocks.school_affairs.rest.exports import write_export
from renkei.mocks.school_affairs.rest.lifecycle import Change
from renkei.mocks.school_affairs.rest.store import RosterStore
from tests.mocks.school_affairs.rest.conftest import GENERATION, LOADED_AT, PROFILE, Api, MakeApi, ids
from tests.mocks.school_affairs.rest.validation import findings

AT = "2027-04-01T00:00:00.000Z"
THREE_SCHOOLS = {**GENERATION, "schools_per_municipality": 3}  # 小, 中, 小: a pupil can move between 小学校


def snapshot(store: RosterStore) -> dict[str, dict[str, Any]]:
    return {f"{k}/{d['sourcedId']}": d for k in lifecycle.KINDS for d in store.iter_docs(k)}


def grade_number(grade: str) -> int:
    return int(grade[1:])


def students(store: RosterStore) -> dict[str, dict[str, Any]]:
    return {d["sourcedId"]: d for d in store.iter_docs("user") if d["roles"][0]["role"] == "student"}


# -- 年次更新 --------------------------------------------------------------------------------------

def test_advance_year(store: RosterStore) -> None:
    before = snapshot(store)
    pupils = students(store)
    change = lifecycle.advance_year(store, at=AT)
    after = snapshot(store)
    assert change.at == AT
    now = students(store)
    graduated = {sid for sid, d in pupils.items() if d["grades"][0] in ("P6", "J3")}
    assert graduated and all(now[sid]["status"] == "tobedeleted" for sid in graduated)
    for sid, old in pupils.items():
        new = now[sid]
        assert new["userMasterIdentifier"] == old["userMasterIdentifier"]  # the same person
        if sid not in graduated:
            assert new["status"] == "active"
            assert grade_number(new["grades"][0]) == grade_number(old["grades"][0]) + 1
            assert new["grades"][0][0] == old["grades"][0][0]
            assert new["dateLastModified"] == AT
    newcomers = [d for sid, d in now.items() if sid not in pupils]
    assert newcomers and {d["grades"][0] for d in newcomers} == {"P1", "J1"}
    assert set(change.created["user"]) >= {d["sourcedId"] for d in newcomers}
    # the old year's sessions, courses, classes and enrollments are tobedeleted, the new year's active
    for kind in ("academicSession", "course", "class", "enrollment"):
        old_ids = {k for k in before if k.startswith(kind + "/")}
        assert all(after[k]["status"] == "tobedeleted" and after[k]["dateLastModified"] == AT for k in old_ids)
        assert set(change.deleted[kind]) == {k.split("/", 1)[1] for k in old_ids}
        assert all(store.get(kind, sid)["status"] == "active" for sid in change.created[kind])  # type: ignore[index]
    years = [d for d in store.iter_docs("academicSession") if d["status"] == "active"]
    assert [d["title"] for d in years] == ["2027年度"]
    assert json.loads(store.setting(lifecycle.GENERATION) or "")["school_year"] == 2027


def test_change_names_exactly_the_objects_whose_date_moved(store: RosterStore) -> None:
    before = snapshot(store)
    change = lifecycle.advance_year(store, at=AT)
    after = snapshot(store)
    touched = {f"{k}/{sid}" for what in (change.created, change.changed, change.deleted)
               for k, sids in what.items() for sid in sids}
    assert touched == {k for k, d in after.items() if d["dateLastModified"] == AT}
    assert {k for k in after if k not in touched} == {k for k in before if before[k] == after[k]}
    for what in (change.created, change.changed, change.deleted):
        for k, sids in what.items():
            assert len(sids) == len(set(sids)), k
    summary = change.summary()
    assert summary["at"] == AT and summary["deleted"]["enrollment"] == len(change.deleted["enrollment"])


def test_rest_delta_after_advance_year(make_api: MakeApi, store: RosterStore) -> None:
    api = make_api(store)
    change = lifecycle.advance_year(store, at=AT)
    for path, kind in (("/users", "user"), ("/enrollments", "enrollment"), ("/classes", "class"),
                       ("/academicSessions", "academicSession"), ("/orgs", "org"), ("/demographics", "demographics")):
        got = set(ids(api.items(path, filter="dateLastModified>'2027-03-31T23:59:59Z'")))
        want = {sid for what in (change.created, change.changed, change.deleted) for sid in what.get(kind, [])}
        assert got == want, path
        assert set(ids(api.items(path, filter=f"dateLastModified>='{AT}'"))) == want
        assert set(ids(api.items(path, filter=f"dateLastModified>'{AT}'"))) == set()
    deleted = set(ids(api.items("/users", filter=f"dateLastModified>='{AT}' AND status='tobedeleted'")))
    assert deleted == set(change.deleted["user"])


def test_exports_after_advance_year(store: RosterStore, tmp_path: Path) -> None:
    change = lifecycle.advance_year(store, at=AT)
    bulk = tmp_path / "bulk.zip"
    with bulk.open("wb") as f:
        write_export(store, f, since=None, demographics=True)
    assert findings(bulk, PROFILE) == {}
    delta = tmp_path / "delta.zip"
    with delta.open("wb") as f:
        counts = write_export(store, f, since=LOADED_AT, demographics=True)
    for kind, name in (("user", "users"), ("enrollment", "enrollments"), ("class", "classes")):
        n = sum(len(w.get(kind, [])) for w in (change.created, change.changed, change.deleted))
        assert counts[name] == n, name
    with zipfile.ZipFile(delta) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("users.csv").decode())))
    assert {r["status"] for r in rows} == {"active", "tobedeleted"} and {r["dateLastModified"] for r in rows} == {AT}


def test_advance_year_twice(store: RosterStore) -> None:
    lifecycle.advance_year(store, at=AT)
    second = lifecycle.advance_year(store, at="2028-04-01T00:00:00.000Z")
    assert second.created["academicSession"] and json.loads(store.setting(lifecycle.GENERATION) or "")[
        "school_year"] == 2028
    assert [d["title"] for d in store.iter_docs("academicSession") if d["status"] == "active"] == ["2028年度"]


def test_advance_year_needs_a_generated_roster(bundle: Path) -> None:
    s = RosterStore()
    s.load_bundle(bundle)
    with pytest.raises(ConfigError, match="apply_bulk"):
        lifecycle.advance_year(s)


def test_apply_the_same_bundle_changes_nothing(store: RosterStore, bundle: Path) -> None:
    before = snapshot(store)
    change = lifecycle.apply_bulk(store, bundle, at=AT)
    assert (change.created, change.changed, change.deleted) == ({}, {}, {})
    assert snapshot(store) == before


def _edited(bundle: Path, out: Path, name: str, edit: Any) -> Path:
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w") as dst:
        for n in src.namelist():
            data = src.read(n)
            if n == name:
                reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
                rows = edit(list(reader))
                buf = io.StringIO()
                writer = csv.DictWriter(buf, fieldnames=reader.fieldnames or [], lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
                data = buf.getvalue().encode()
            dst.writestr(n, data)
    return out


def test_apply_bulk_diff(store: RosterStore, bundle: Path, tmp_path: Path) -> None:
    users = list(store.iter_docs("user"))
    gone, renamed = users[0]["sourcedId"], users[1]["sourcedId"]

    def edit(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for r in rows:
            if r["sourcedId"] == renamed:
                r["familyName"] = "改姓"
        rows.append({**rows[2], "sourcedId": "new-user", "username": "new.user@example.jp"})
        return [r for r in rows if r["sourcedId"] != gone]

    change = lifecycle.apply_bulk(store, _edited(bundle, tmp_path / "next.zip", "users.csv", edit), at=AT)
    assert change.created == {"user": ["new-user"]}
    assert change.changed == {"user": [renamed]}
    assert change.deleted == {"user": [gone]}
    assert store.get("user", gone)["status"] == "tobedeleted"  # type: ignore[index]
    assert store.get("user", renamed)["familyName"] == "改姓"  # type: ignore[index]
    assert store.get("user", "new-user")["dateLastModified"] == AT  # type: ignore[index]


def test_apply_bulk_rolls_back_on_failure(store: RosterStore, bundle: Path, tmp_path: Path) -> None:
    before = snapshot(store)

    def edit(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [*rows, {k: ("x" if k == "sourcedId" else "") for k in rows[0]}, {"sourcedId": "ragged"}]

    broken = _edited(bundle, tmp_path / "broken.zip", "enrollments.csv", edit)
    with zipfile.ZipFile(broken) as zf:  # make the last line ragged: one field too many
        text = zf.read("enrollments.csv").decode().rstrip("\n") + ",extra\n"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tmp_path / "ragged.zip", "w") as dst:
        for n in src.namelist():
            dst.writestr(n, text.encode() if n == "enrollments.csv" else src.read(n))
    with pytest.raises(ConfigError):
        lifecycle.apply_bulk(store, tmp_path / "ragged.zip", at=AT)
    assert snapshot(store) == before


# -- 転出・転入 ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def three_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("three") / "bulk.zip"
    generate_bundle(path, **THREE_SCHOOLS)
    return path


@pytest.fixture(params=["nested", "flat"])
def town(request: pytest.FixtureRequest, three_bundle: Path) -> Iterator[RosterStore]:
    s = RosterStore(shape=request.param)
    s.load_bundle(three_bundle, loaded_at=LOADED_AT)
    yield s
    s.close()


def _pupil(store: RosterStore, grade: str = "P3") -> tuple[dict[str, Any], str, str]:
    """A pupil of ``grade``, their school and another elementary school."""
    schools = [d for d in store.iter_docs("org") if d["type"] == "school"]
    elementary = [d["sourcedId"] for d in schools if d["identifier"].startswith("B1")]
    pupil = next(d for d in students(store).values() if d["grades"] == [grade])
    home = pupil["roles"][0]["org"]["sourcedId"]
    return pupil, home, next(s for s in elementary if s != home)


def _home_class(user: dict[str, Any]) -> str | None:
    meta = user.get("metadata", {})
    value = meta["jp"].get("homeClass") if "jp" in meta else meta.get("jp.homeClass")
    return str(value) if value is not None else None


def test_transfer(town: RosterStore, make_api: MakeApi) -> None:
    api: Api = make_api(town)
    pupil, old_school, new_school = _pupil(town)
    sid = pupil["sourcedId"]
    before = snapshot(town)
    old_enrollments = [e for e in town.iter_docs("enrollment") if e["user"]["sourcedId"] == sid]
    change = lifecycle.transfer(town, sid, new_school, at=AT)
    moved = town.get("user", sid)
    assert moved is not None
    assert moved["userMasterIdentifier"] == pupil["userMasterIdentifier"] and moved["grades"] == pupil["grades"]
    assert [r["org"]["sourcedId"] for r in moved["roles"]] == [new_school]
    assert moved["roles"][0]["role"] == "student" and moved["primaryOrg"]["sourcedId"] == new_school
    assert moved["dateLastModified"] == AT
    for e in old_enrollments:
        assert town.get("enrollment", e["sourcedId"])["status"] == "tobedeleted"  # type: ignore[index]
    (new_id,) = change.created["enrollment"]
    new = town.get("enrollment", new_id)
    assert new is not None and new["status"] == "active" and new["role"] == "student"
    assert (new["user"]["sourcedId"], new["school"]["sourcedId"], new["beginDate"]) == (sid, new_school, AT[:10])
    klass = town.get("class", new["class"]["sourcedId"])
    assert klass is not None and klass["classType"] == "homeroom" and klass["grades"] == pupil["grades"]
    assert klass["school"]["sourcedId"] == new_school
    assert _home_class(moved) == klass["sourcedId"]  # the Japanese 所属学級 follows the pupil
    assert change.changed == {"user": [sid]}
    assert sorted(change.deleted["enrollment"]) == sorted(e["sourcedId"] for e in old_enrollments)
    after = snapshot(town)
    assert {k for k in after if after[k] != before.get(k)} == {
        f"user/{sid}", f"enrollment/{new_id}", *(f"enrollment/{e['sourcedId']}" for e in old_enrollments)}
    # what the REST API shows
    assert sid in ids(api.items(f"/schools/{new_school}/students"))
    assert sid not in ids(api.items(f"/schools/{old_school}/students"))
    assert sid in ids(api.items(f"/classes/{klass['sourcedId']}/students"))
    assert ids(api.items(f"/students/{sid}/classes")) == [klass["sourcedId"]]
    got = set(ids(api.items("/enrollments", filter=f"dateLastModified>='{AT}'")))
    assert got == {new_id, *change.deleted["enrollment"]}


def test_export_after_transfer_passes_the_profile(town: RosterStore, tmp_path: Path) -> None:
    pupil, _, new_school = _pupil(town, "P5")
    lifecycle.transfer(town, pupil["sourcedId"], new_school, at=AT)
    out = tmp_path / "bulk.zip"
    with out.open("wb") as f:
        write_export(town, f, since=None, demographics=True)
    if town.shape == FLAT:
        return  # the bundle was loaded flat: the export is the same CSV either way (checked once)
    assert findings(out, PROFILE) == {}


def test_transfer_to_a_named_class(town: RosterStore) -> None:
    pupil, _, new_school = _pupil(town)
    classes = [d for d in town.iter_docs("class") if d["school"]["sourcedId"] == new_school]
    target = next(c for c in classes if c["classType"] == "scheduled")
    change = lifecycle.transfer(town, pupil["sourcedId"], new_school, to_class=target["sourcedId"], at=AT)
    new = town.get("enrollment", change.created["enrollment"][0])
    assert new is not None and new["class"]["sourcedId"] == target["sourcedId"]
    assert _home_class(town.get("user", pupil["sourcedId"]) or {}) is None  # no homeroom there: no 所属学級


def test_transfer_errors_leave_the_roster_as_it_was(town: RosterStore) -> None:
    pupil, home, new_school = _pupil(town)
    district = next(d for d in town.iter_docs("org") if d["type"] == "district")["sourcedId"]
    junior = next(d for d in town.iter_docs("org") if d["type"] == "school" and d["identifier"].startswith("C1"))
    teacher = next(d for d in town.iter_docs("user") if d["roles"][0]["role"] == "teacher")["sourcedId"]
    foreign = next(d for d in town.iter_docs("class") if d["school"]["sourcedId"] == home)["sourcedId"]
    before = snapshot(town)
    cases: list[tuple[tuple[Any, ...], dict[str, Any], str]] = [
        (("nobody", new_school), {}, "no user"),
        ((pupil["sourcedId"], "nowhere"), {}, "no org"),
        ((pupil["sourcedId"], district), {}, "not a school"),
        ((teacher, new_school), {}, "no student role"),
        ((pupil["sourcedId"], home), {}, "already a student"),
        ((pupil["sourcedId"], new_school), {"to_class": foreign}, "not a class of school"),
        ((pupil["sourcedId"], new_school), {"to_class": "no-class"}, "no class"),
        ((pupil["sourcedId"], junior["sourcedId"]), {}, "no active homeroom of grade"),
    ]
    for args, kw, message in cases:
        with pytest.raises(ConfigError, match=message):
            lifecycle.transfer(town, *args, at=AT, **kw)
        assert snapshot(town) == before, message


def test_transfer_rolls_back_when_a_late_step_fails(town: RosterStore, monkeypatch: pytest.MonkeyPatch) -> None:
    pupil, _, new_school = _pupil(town)
    before = snapshot(town)
    real_put = town.put

    def put(kind: str, doc: dict[str, Any], **kw: Any) -> bool:
        if kw.get("event") == "transfer.in":
            raise RuntimeError("disk full")
        return real_put(kind, doc, **kw)

    monkeypatch.setattr(town, "put", put)
    with pytest.raises(RuntimeError):
        lifecycle.transfer(town, pupil["sourcedId"], new_school, at=AT)
    monkeypatch.undo()
    assert snapshot(town) == before
    assert lifecycle.transfer(town, pupil["sourcedId"], new_school, at=AT).created  # and it can be done after


# -- edit, mark_deleted ----------------------------------------------------------------------------

def test_edit(store: RosterStore) -> None:
    user = next(store.iter_docs("user"))
    sid = user["sourcedId"]
    change = lifecycle.edit(store, "user", sid, {"givenName": "花子", "middleName": "M", "email": None}, at=AT)
    assert change == Change(AT, changed={"user": [sid]})
    doc = store.get("user", sid)
    assert doc is not None and doc["givenName"] == "花子" and doc["middleName"] == "M" and "email" not in doc
    assert doc["dateLastModified"] == AT and doc["familyName"] == user["familyName"]


@pytest.mark.parametrize(("kind", "changes", "message"), [
    ("guardian", {}, "unknown object kind"), ("lineItem", {"title": "x"}, "unknown object kind"),
    ("user", {"nickname": "x"}, "no editable field"), ("user", {"sourcedId": "y"}, "no editable field"),
    ("user", {"dateLastModified": AT}, "no editable field"), ("user", {"familyName": None}, "would lack"),
])
def test_bad_edits(store: RosterStore, kind: str, changes: dict[str, Any], message: str) -> None:
    before = snapshot(store)
    sid = next(store.iter_docs("user"))["sourcedId"]
    with pytest.raises(ConfigError, match=message):
        lifecycle.edit(store, kind, sid, changes, at=AT)
    with pytest.raises(ConfigError, match="no user"):
        lifecycle.edit(store, "user", "nobody", {"givenName": "x"}, at=AT)
    assert snapshot(store) == before


def test_mark_deleted(store: RosterStore, make_api: MakeApi) -> None:
    api = make_api(store)
    klass = next(store.iter_docs("class"))["sourcedId"]
    change = lifecycle.mark_deleted(store, "class", klass, at=AT)
    assert change == Change(AT, deleted={"class": [klass]})
    got = api.ok(f"/classes/{klass}")["class"]  # still served, as tobedeleted
    assert got["status"] == "tobedeleted" and got["dateLastModified"] == AT
    assert ids(api.items("/classes", filter="status='tobedeleted'")) == [klass]
    with pytest.raises(ConfigError, match="no class"):
        lifecycle.mark_deleted(store, "class", "nope")
    assert R.OBJECTS["class"].name == "class"
