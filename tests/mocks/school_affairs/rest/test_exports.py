"""The CSV exports: the bulk zip is the loaded bundle again (and passes its profile); the delta zip
holds exactly what changed, status and dateLastModified filled, the manifest saying delta/absent."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from renkei.harness.oneroster.model import rest as R
from renkei.mocks.school_affairs.rest import lifecycle
from renkei.mocks.school_affairs.rest.exports import EXPORT_PATH
from tests.mocks.school_affairs.rest.conftest import LOADED_AT, PROFILE, Api, MakeApi, status_minor
from tests.mocks.school_affairs.rest.validation import findings

AT = "2026-05-01T03:00:00.000Z"


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api()


def export(api: Api, tmp_path: Path, *scopes: str, since: str | None = None, name: str = "out.zip") -> Path:
    answer = api.http.get(EXPORT_PATH, params={"since": since} if since else {}, headers=api.auth(*scopes))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    kind = "delta" if since else "bulk"
    assert answer.headers["content-disposition"] == f'attachment; filename="oneroster-{kind}.zip"'
    path = tmp_path / name
    path.write_bytes(answer.content)
    return path


def read(path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as zf:
        return {Path(n).stem: list(csv.DictReader(io.StringIO(zf.read(n).decode("utf-8-sig"))))
                for n in zf.namelist()}


def manifest(path: Path) -> dict[str, str]:
    return {r["propertyName"]: r["value"] for r in read(path)["manifest"]}


def test_bulk_export_is_the_loaded_bundle_and_passes_its_profile(api: Api, bundle: Path, tmp_path: Path) -> None:
    out = export(api, tmp_path, R.SCOPE_ROSTER)
    assert findings(out, PROFILE) == {}
    with zipfile.ZipFile(out) as got, zipfile.ZipFile(bundle) as loaded:
        assert sorted(got.namelist()) == sorted(loaded.namelist())
        for name in loaded.namelist():
            if name != "roles.csv":  # role ids are derived (REST has none), see the exports docstring
                assert got.read(name) == loaded.read(name), name
    roles, loaded_roles = read(out)["roles"], read(bundle)["roles"]
    strip = [{k: v for k, v in r.items() if k != "sourcedId"} for r in roles]
    assert strip == [{k: v for k, v in r.items() if k != "sourcedId"} for r in loaded_roles]
    assert len({r["sourcedId"] for r in roles}) == len(roles)
    again = read(export(api, tmp_path, R.SCOPE_ROSTER, name="again.zip"))["roles"]
    assert again == roles  # stable between exports


def test_bulk_export_without_demographics_scope(api: Api, tmp_path: Path) -> None:
    out = export(api, tmp_path, R.SCOPE_CORE)
    assert "demographics" not in read(out)
    assert manifest(out)["file.demographics"] == "absent"
    assert findings(out, PROFILE) == {}


def test_bulk_export_leaves_out_tobedeleted_objects(api: Api, tmp_path: Path) -> None:
    enrollment = next(api.store.iter_docs("enrollment"))["sourcedId"]
    lifecycle.mark_deleted(api.store, "enrollment", enrollment, at=AT)
    rows = read(export(api, tmp_path, R.SCOPE_ROSTER))["enrollments"]
    assert enrollment not in {r["sourcedId"] for r in rows}
    assert len(rows) == api.store.count("enrollment") - 1
    assert all(r["status"] == "" and r["dateLastModified"] == "" for r in rows)


def test_delta_holds_exactly_the_changes(api: Api, tmp_path: Path) -> None:
    user = next(d for d in api.store.iter_docs("user") if d["roles"][0]["role"] == "teacher")
    enrollment = next(api.store.iter_docs("enrollment"))["sourcedId"]
    lifecycle.edit(api.store, "user", user["sourcedId"], {"givenName": "新太郎"}, at=AT)
    lifecycle.mark_deleted(api.store, "enrollment", enrollment, at=AT)
    out = export(api, tmp_path, R.SCOPE_ROSTER, since=LOADED_AT)
    files = read(out)
    assert set(files) == {"manifest", "users", "roles", "enrollments"}
    (u,) = files["users"]
    assert (u["sourcedId"], u["givenName"], u["status"], u["dateLastModified"]) == (
        user["sourcedId"], "新太郎", "active", AT)
    assert [(r["userSourcedId"], r["status"], r["dateLastModified"]) for r in files["roles"]] == [
        (user["sourcedId"], "active", AT)]
    (e,) = files["enrollments"]
    assert (e["sourcedId"], e["status"], e["dateLastModified"]) == (enrollment, "tobedeleted", AT)
    m = manifest(out)
    assert {k: v for k, v in m.items() if k.startswith("file.") and v != "absent"} == {
        "file.users": "delta", "file.roles": "delta", "file.enrollments": "delta"}
    assert m["manifest.version"] == "1.0" and m["oneroster.version"] == "1.2"
    # the base profile takes a delta (references may point into an earlier load: a warning)
    assert set(findings(out, "oneroster12-csv")) <= {"or.delta.refs"}
    # the Japanese profiles accept bulk only (MEIBO, DA-K), and their homeClass rule looks inside the package
    assert set(findings(out, PROFILE)) <= {"or.manifest.file-entries", "or.delta.refs", "or.jp.home-class"}
    assert "or.manifest.file-entries" in findings(out, PROFILE)


def test_delta_since_is_an_instant(api: Api, tmp_path: Path) -> None:
    lifecycle.edit(api.store, "org", next(api.store.iter_docs("org"))["sourcedId"], {"name": "改名"}, at=AT)
    # "changed after since": AT itself (03:00Z = 12:00+09:00) is not after AT
    assert set(read(export(api, tmp_path, R.SCOPE_ROSTER, since="2026-05-01T11:59:59.999+09:00"))) == {"manifest",
                                                                                                    "orgs"}
    assert set(read(export(api, tmp_path, R.SCOPE_ROSTER, since="2026-05-01T12:00:00+09:00"))) == {"manifest"}
    assert set(read(export(api, tmp_path, R.SCOPE_ROSTER, since="2026-05-01"))) == {"manifest", "orgs"}
    nothing = export(api, tmp_path, R.SCOPE_ROSTER, since="2030-01-01T00:00:00Z")
    assert set(read(nothing)) == {"manifest"}
    assert all(v == "absent" for k, v in manifest(nothing).items() if k.startswith("file."))


def test_delta_of_the_whole_load(api: Api, tmp_path: Path) -> None:
    out = export(api, tmp_path, R.SCOPE_CORE, since="2026-03-31T23:59:59Z")
    files = read(out)
    assert "demographics" not in files and manifest(out)["file.demographics"] == "absent"
    assert len(files["users"]) == api.store.count("user")
    assert {r["status"] for r in files["enrollments"]} == {"active"}
    assert {r["dateLastModified"] for r in files["enrollments"]} == {LOADED_AT}


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", ""])
def test_bad_since_is_400(api: Api, since: str) -> None:
    answer = api.http.get(EXPORT_PATH, params={"since": since}, headers=api.auth(R.SCOPE_ROSTER))
    assert status_minor(answer) == (400, "invaliddata")


def test_export_needs_a_rostering_token(api: Api) -> None:
    assert status_minor(api.http.get(EXPORT_PATH)) == (401, "unauthorisedrequest")
    answer = api.http.get(EXPORT_PATH, headers=api.auth(R.SCOPE_GRADEBOOK_READ))
    assert status_minor(answer) == (403, "forbidden")
    answer = api.http.get(EXPORT_PATH, headers=api.auth(R.SCOPE_DEMOGRAPHICS))
    assert status_minor(answer) == (403, "forbidden")
