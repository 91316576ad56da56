"""The roster database: loading a bundle, documents and derived columns, positions, links, transactions."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.model.rest_binding import FLAT, ref
from renkei.mocks.school_affairs.rest import store as S
from renkei.mocks.school_affairs.rest.store import RosterStore, derive, normalise_instant, stamp
from tests.mocks.school_affairs.rest.conftest import LOADED_AT


def csv_rows(bundle: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(bundle) as zf:
        return {Path(n).stem: list(csv.DictReader(io.StringIO(zf.read(n).decode("utf-8-sig"))))
                for n in zf.namelist()}


def rewrite(bundle: Path, out: Path, name: str, text: str | None) -> Path:
    """A copy of ``bundle`` with ``name`` replaced by ``text`` (None: left out)."""
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w") as dst:
        for n in src.namelist():
            if n != name:
                dst.writestr(n, src.read(n))
        if text is not None:
            dst.writestr(name, text.encode("utf-8"))
    return out


def test_stamp_and_normalise() -> None:
    assert stamp(datetime(2026, 4, 1, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=9)))) == "2026-04-01T00:00:00.123Z"
    assert stamp().endswith("Z") and len(stamp()) == 24
    assert normalise_instant("2026-04-01") == "2026-04-01T00:00:00.000Z"
    assert normalise_instant("2026-04-01T09:00:00+09:00") == "2026-04-01T00:00:00.000Z"
    assert normalise_instant("soon") is None


def test_load_bundle_counts_and_settings(bundle: Path) -> None:
    rows = csv_rows(bundle)
    s = RosterStore()
    counts = s.load_bundle(bundle, loaded_at=LOADED_AT)
    assert counts == {"academicSession": len(rows["academicSessions"]), "org": len(rows["orgs"]),
                      "course": len(rows["courses"]), "class": len(rows["classes"]), "user": len(rows["users"]),
                      "enrollment": len(rows["enrollments"]), "demographics": len(rows["demographics"])}
    for kind, n in counts.items():
        assert s.count(kind) == n
    assert s.setting("loaded_at") == LOADED_AT
    headers = json.loads(s.setting("csv_headers") or "")
    with zipfile.ZipFile(bundle) as zf:
        first = zf.read("users.csv").decode("utf-8-sig").splitlines()[0]
    assert headers["users"] == first.split(",")
    assert ["oneroster.version", "1.2"] in json.loads(s.setting("manifest") or "")
    assert s.setting("nothing", "dflt") == "dflt"
    user = next(s.iter_docs("user"))
    assert user["status"] == "active" and user["dateLastModified"] == LOADED_AT
    assert user["roles"][0]["org"]["href"].startswith("/ims/oneroster/rostering/v1p2/orgs/")  # server-relative
    assert "metadata" in user and "jp" in user["metadata"]


def test_flat_shape_and_bad_shape(bundle: Path) -> None:
    s = RosterStore(shape=FLAT)
    s.load_bundle(bundle)
    user = next(s.iter_docs("user"))
    assert "jp.kanaGivenName" in user["metadata"]
    with pytest.raises(ConfigError):
        RosterStore(shape="deep")


def test_derive() -> None:
    r = {"sourcedId": "x"}
    assert derive("academicSession", {"type": "term", "parent": r}) == S.Indexed("term", "x")
    assert derive("org", {"type": "school"}) == S.Indexed("school", None)
    assert derive("course", {"org": r}) == S.Indexed(None, None, "x")
    assert derive("class", {"course": {"sourcedId": "k"}, "school": r}) == S.Indexed(None, "k", "x")
    assert derive("enrollment", {"role": "student", "class": {"sourcedId": "c"}, "school": {"sourcedId": "s"},
                                 "user": {"sourcedId": "u"}}) == S.Indexed("student", "c", "s", "u")
    roles = [{"roleType": "secondary", "role": "aide"}, {"roleType": "primary", "role": "teacher"}]
    assert derive("user", {"roles": roles}).sub == "teacher"
    assert derive("user", {"roles": roles[:1]}).sub == "aide"  # no primary: the first
    assert derive("user", {"roles": []}).sub is None
    assert derive("result", {"class": {"sourcedId": "c"}, "lineItem": {"sourcedId": "l"},
                             "student": {"sourcedId": "u"}}) == S.Indexed(None, "c", "l", "u")
    assert derive("demographics", {}) == S.Indexed(None)


def _org(sid: str, kind: str = "school") -> dict[str, object]:
    return {"sourcedId": sid, "status": "active", "dateLastModified": LOADED_AT, "name": sid, "type": kind,
            "identifier": sid}


def test_put_get_replace_delete() -> None:
    s = RosterStore()
    assert s.put("org", _org("o1")) is True
    assert s.put("org", {**_org("o1"), "name": "renamed"}) is False
    assert s.get("org", "o1")["name"] == "renamed"  # type: ignore[index]
    assert json.loads(s.get_text("org", "o1") or "")["name"] == "renamed"
    assert s.count("org") == 1 and s.get("org", "nope") is None and s.get_text("org", "nope") is None
    assert s.delete("org", "o1") is True and s.delete("org", "o1") is False
    assert s.count("org") == 0


def test_put_records_events_and_normalises_dlm() -> None:
    s = RosterStore()
    s.put("org", {**_org("o1"), "dateLastModified": "2026-04-01T09:00:00+09:00"}, event="created")
    assert s.query("SELECT dlm FROM objects", ()) == [("2026-04-01T00:00:00.000Z",)]
    assert s.query("SELECT at, kind, sid, what FROM events", ()) == [("2026-04-01T00:00:00.000Z", "org", "o1", "created")]
    s.put("org", {**_org("o2"), "dateLastModified": "not a date"})
    (dlm,) = s.query("SELECT dlm FROM objects WHERE sid='o2'", ())[0]
    assert normalise_instant(dlm) == dlm  # a date-time, the time of the put


def test_iter_docs_order_since_and_batches() -> None:
    s = RosterStore()
    for i in range(7):
        s.put("org", {**_org(f"o{i}"), "dateLastModified": f"2026-04-0{i + 1}T00:00:00Z"})
    s.put("org", {**_org("o2"), "name": "again"})  # replacing keeps the position
    assert [d["sourcedId"] for d in s.iter_docs("org", batch=2)] == [f"o{i}" for i in range(7)]
    assert [d["sourcedId"] for d in s.iter_docs("org", since="2026-04-05T00:00:00.000Z")] == ["o5", "o6"]
    assert list(s.iter_docs("user")) == []


def test_dense_positions() -> None:
    s = RosterStore()
    for i in range(4):
        s.put("org", _org(f"o{i}", "school" if i % 2 else "district"))
    assert s.dense("org", None, 4) and s.dense("org", "type=school", 2) and s.dense("org", "type=district", 2)
    s.delete("org", "o1")
    assert not s.dense("org", None, 3) and not s.dense("org", "type=school", 1)


def test_a_changed_sub_moves_the_object(store: RosterStore) -> None:
    """A user whose primary role changes is served under the new role (the derived ``sub`` follows the
    document), and the positions of both subsets stop being dense."""
    teacher = next(d for d in store.iter_docs("user") if d["roles"][0]["role"] == "teacher")
    students = store.query("SELECT COUNT(*) FROM objects WHERE kind='user' AND sub='student'", ())[0][0]
    teacher["roles"][0]["role"] = "student"
    store.put("user", teacher)
    assert store.query("SELECT sub FROM objects WHERE kind='user' AND sid=?", (teacher["sourcedId"],)) == [("student",)]
    n = store.query("SELECT COUNT(*) FROM objects WHERE kind='user' AND sub='student'", ())[0][0]
    assert n == students + 1
    teachers = store.query("SELECT COUNT(*) FROM objects WHERE kind='user' AND sub='teacher'", ())[0][0]
    assert not store.dense("user", "role=teacher", teachers)
    # positions inside the new subset stay unique, so an index-range page never serves one twice
    spos = [r[0] for r in store.query("SELECT spos FROM objects WHERE kind='user' AND sub='student'", ())]
    assert len(spos) == len(set(spos))


def test_links_are_rebuilt(store: RosterStore) -> None:
    user = next(d for d in store.iter_docs("user") if d["roles"][0]["role"] == "student")
    sid = user["sourcedId"]
    before = store.query("SELECT org, role FROM user_orgs WHERE user=?", (sid,))
    assert before == [(user["roles"][0]["org"]["sourcedId"], "student")]
    user["roles"] = [{"roleType": "primary", "role": "student", "org": ref("org", "s-new")},
                     {"roleType": "secondary", "role": "aide", "org": ref("org", "s-new")}]
    store.put("user", user)
    assert sorted(store.query("SELECT org, role FROM user_orgs WHERE user=?", (sid,))) == [("s-new", "aide"),
                                                                                           ("s-new", "student")]
    klass = next(store.iter_docs("class"))
    klass["terms"] = [ref("academicSession", "t1"), ref("academicSession", "t2")]
    store.put("class", klass)
    assert sorted(store.query("SELECT term FROM class_terms WHERE class=?", (klass["sourcedId"],))) == [("t1",), ("t2",)]


def test_transaction_rolls_back() -> None:
    s = RosterStore()
    s.put("org", _org("o1"))
    with pytest.raises(RuntimeError), s.transaction():
        s.put("org", {**_org("o1"), "name": "changed"})
        s.put("org", _org("o2"))
        raise RuntimeError("boom")
    assert s.get("org", "o1")["name"] == "o1"  # type: ignore[index]
    assert s.get("org", "o2") is None and s.count("org") == 1
    with s.transaction():
        s.put("org", _org("o3"))
    assert s.count("org") == 2


def test_duplicate_sourced_id_is_refused_and_nothing_is_loaded(bundle: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle) as zf:
        text = zf.read("orgs.csv").decode("utf-8-sig")
    lines = text.splitlines()
    broken = rewrite(bundle, tmp_path / "dup.zip", "orgs.csv", "\n".join([*lines, lines[1]]) + "\n")
    s = RosterStore()
    with pytest.raises(ConfigError, match="twice"):
        s.load_bundle(broken)
    assert s.count("org") == 0 and s.count("academicSession") == 0 and s.setting("loaded_at") is None


def test_duplicate_sourced_id_far_apart_is_refused_too(bundle: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Two rows with one sourcedId are refused however far apart they are (not only within a batch)."""
    monkeypatch.setattr(S, "BATCH", 2)
    with zipfile.ZipFile(bundle) as zf:
        lines = zf.read("users.csv").decode("utf-8-sig").splitlines()
    broken = rewrite(bundle, tmp_path / "dup.zip", "users.csv", "\n".join([*lines, lines[1]]) + "\n")
    s = RosterStore()
    with pytest.raises(ConfigError, match="twice"):
        s.load_bundle(broken)
    assert s.count("user") == 0


def test_reloading_the_same_bundle_replaces(bundle: Path) -> None:
    s = RosterStore()
    first = s.load_bundle(bundle, loaded_at=LOADED_AT)
    again = s.load_bundle(bundle, loaded_at="2026-05-01T00:00:00.000Z")
    assert first["user"] > 0 and again == {k: 0 for k in first}  # nothing new, everything replaced
    assert next(s.iter_docs("user"))["dateLastModified"] == "2026-05-01T00:00:00.000Z"


@pytest.mark.parametrize(("name", "text", "message"), [
    ("roles.csv", None, "roles.csv missing"),
    ("orgs.csv", "sourcedId,status,dateLastModified,name\nx,,,a,EXTRA\n", "number of fields"),
    ("orgs.csv", "sourcedId,name\n\xff", None),
])
def test_bad_bundles(bundle: Path, tmp_path: Path, name: str, text: str | None, message: str | None) -> None:
    broken = rewrite(bundle, tmp_path / "bad.zip", name, text)
    if name == "orgs.csv" and message is None:  # not UTF-8
        with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(broken, "w") as dst:
            for n in src.namelist():
                dst.writestr(n, src.read(n) if n != name else b"sourcedId,name\n\xff\xfe,x\n")
    with pytest.raises(ConfigError, match=message or "orgs.csv"):
        RosterStore().load_bundle(broken)


def test_not_a_zip_and_a_folder(bundle: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="cannot be read"):
        RosterStore().load_bundle(junk)
    folder = tmp_path / "folder"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(folder)
    s = RosterStore()
    assert s.load_bundle(folder) == RosterStore().load_bundle(bundle)


def test_file_store_keeps_positions(bundle: Path, tmp_path: Path) -> None:
    path = tmp_path / "roster.sqlite"
    s = RosterStore(path)
    s.load_bundle(bundle)
    n = s.count("user")
    s.close()
    again = RosterStore(path)
    assert again.count("user") == n and again.dense("user", None, n)
    again.put("org", _org("late"))
    assert again.dense("org", None, again.count("org"))
    again.close()


def test_a_fresh_file_store_is_rewritten_in_order_after_its_load(bundle: Path, tmp_path: Path) -> None:
    """The compaction after a bulk load keeps every object and setting, leaves no copy or WAL behind,
    uses the larger page, and the store stays writable; a second load into it is not compacted."""
    path = tmp_path / "roster.sqlite"
    s = RosterStore(path)
    counts = s.load_bundle(bundle, loaded_at=LOADED_AT)
    assert s.db.execute("PRAGMA page_size").fetchone()[0] == S.PAGE_BYTES
    assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert {k: s.count(k) for k in counts} == counts and s.setting("loaded_at") == LOADED_AT
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("roster")) == [
        "roster.sqlite", "roster.sqlite-shm", "roster.sqlite-wal"]  # the open store's own WAL only
    memory = RosterStore()
    memory.load_bundle(bundle, loaded_at=LOADED_AT)
    sql = "SELECT kind, sid, pos, doc FROM objects ORDER BY seq"
    assert s.query(sql, ()) == memory.query(sql, ())
    assert s.put("org", _org("late")) and s.get("org", "late") is not None
    compacted: list[Path] = []
    s._compact = lambda: compacted.append(path)  # type: ignore[method-assign]
    s.load_bundle(bundle, loaded_at=LOADED_AT)
    assert compacted == []
    s.close()
    assert not (tmp_path / "roster.sqlite.compact").exists()


def test_an_interrupted_compaction_leaves_the_loaded_store(bundle: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "roster.sqlite"
    s = RosterStore(path)

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(S.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        s.load_bundle(bundle, loaded_at=LOADED_AT)
    assert s.count("user") > 0 and not (tmp_path / "roster.sqlite.compact").exists()
    s.close()
    again = RosterStore(path)
    assert again.count("user") > 0 and again.setting("loaded_at") == LOADED_AT
    again.close()


def test_each_document_s_hrefs_are_counted_and_kept_up_to_date(bundle: Path) -> None:
    s = RosterStore()
    s.load_bundle(bundle, loaded_at=LOADED_AT)
    user = next(s.iter_docs("user"))
    s.put("user", {**user, "agents": [ref("user", "a1"), ref("user", "a2")]})
    rows = s.query("SELECT doc, hrefs FROM objects", ())
    assert all(doc.count(S.STORED_HREF) == hrefs for doc, hrefs in rows)
    assert {hrefs for _, hrefs in rows} >= {0, 1, 2}


def test_stored_hrefs_have_their_slash_escaped_and_read_back_the_same(bundle: Path) -> None:
    """The stored text writes ``"href":"\\/ims/`` (one backslash marking where the origin goes); every
    reader, json.loads and SQLite's json functions, sees the binding's relative href unchanged."""
    s = RosterStore()
    s.load_bundle(bundle, loaded_at=LOADED_AT)
    user = next(s.iter_docs("user"))
    agent = ref("user", "a1")
    assert agent["href"].startswith("/ims/")
    s.put("user", {**user, "agents": [agent], "givenName": 'a "quoted" \\ name'})
    text = s.get_text("user", user["sourcedId"]) or ""
    assert '"agents":[{"href":"\\/ims/' in text and S.HREF not in text
    assert s.get("user", user["sourcedId"])["agents"] == [agent]  # type: ignore[index]
    (value,) = s.query("SELECT json_extract(doc, '$.agents[0].href') FROM objects WHERE kind='user' AND sid=?",
                       (user["sourcedId"],))[0]
    assert value == agent["href"]
    assert S.encode({"x": agent}) == json.dumps({"x": agent}, separators=(",", ":")).replace(S.HREF, S.STORED_HREF)
    assert all(S.HREF not in doc for (doc,) in s.query("SELECT doc FROM objects", ()))


def test_a_file_from_before_the_escaped_hrefs_is_rewritten_when_opened(bundle: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    s = RosterStore(path)
    s.load_bundle(bundle, loaded_at=LOADED_AT)
    want = s.query("SELECT seq, doc, hrefs FROM objects ORDER BY seq", ())
    s.db.execute("UPDATE objects SET doc = replace(doc, ?, ?), hrefs = 0", (S.STORED_HREF, S.HREF))
    s.db.execute("DELETE FROM settings WHERE key='hrefs_escaped'")
    s.close()
    again = RosterStore(path)
    assert again.query("SELECT seq, doc, hrefs FROM objects ORDER BY seq", ()) == want
    assert any(h for _, _, h in want)
    again.close()


def test_a_file_from_before_the_hrefs_column_gets_it(bundle: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    s = RosterStore(path)
    s.load_bundle(bundle, loaded_at=LOADED_AT)
    want = s.query("SELECT seq, hrefs FROM objects ORDER BY seq", ())
    s.db.execute("ALTER TABLE objects DROP COLUMN hrefs")
    s.close()
    again = RosterStore(path)
    assert again.query("SELECT seq, hrefs FROM objects ORDER BY seq", ()) == want
    assert any(h for _, h in want)
    again.close()


def test_stamp_is_utc_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    assert datetime.fromisoformat(stamp().replace("Z", "+00:00")) >= before


def test_a_counted_total_is_kept_until_the_next_write() -> None:
    """Paging asks for the same total on every page: it is counted once, and again after any write."""
    s = RosterStore()
    sql = "SELECT COUNT(*) FROM objects o WHERE o.kind=?"
    doc = {"sourcedId": "o1", "status": "active", "dateLastModified": "2026-04-01T00:00:00.000Z",
           "name": "x", "type": "school", "identifier": "1"}
    s.put("org", doc)
    assert s.counted(sql, ["org"]) == 1
    s.db.execute("DELETE FROM objects")  # behind the store's back: the cached answer stands
    assert s.counted(sql, ["org"]) == 1
    s.put("org", {**doc, "sourcedId": "o2"})  # a write through the store: counted again
    assert s.counted(sql, ["org"]) == 1
    assert s.delete("org", "o2") and s.counted(sql, ["org"]) == 0
