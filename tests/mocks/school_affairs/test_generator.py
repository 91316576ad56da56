"""The roster generator: deterministic, reading-consistent, structurally valid bundles per profile."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from renkei.harness.jp import codes as jpcodes
from renkei.harness.oneroster.model.columns import FILES_11, FILES_12, roster_headers
from renkei.mocks.school_affairs.generator import (
    BENCHMARK_ARGS,
    PROFILE_VARIANTS,
    GenerationStats,
    GeneratorError,
    generate_bundle,
)
from renkei.mocks.school_affairs.layout import ELEMENTARY_SUBJECTS, JUNIOR_SUBJECTS, kanji_number
from renkei.mocks.school_affairs.names import load_names
from renkei.mocks.school_affairs.people import student_birth_range
from renkei.mocks.school_affairs.romaji import katakana_to_romaji
from tests.mocks.school_affairs.bundle_io import Csv, read_bundle

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
JP_PROFILES = [p for p, (v, _) in PROFILE_VARIANTS.items() if v.startswith("jp")]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, GenerationStats]]:
    root = tmp_path_factory.mktemp("bundles")
    out = {}
    for profile in PROFILE_VARIANTS:
        path = root / f"{profile}.zip"
        out[profile] = (path, generate_bundle(path, profile=profile, municipalities=2,
                                              schools_per_municipality=2, students_per_grade=40, seed=5))
    return out


def _data(bundles: dict[str, tuple[Path, GenerationStats]], profile: str) -> dict[str, Csv]:
    return read_bundle(bundles[profile][0])


def _expected_counts(municipalities: int, schools: int, spg: int, guardians: bool) -> dict[str, int]:
    """Row counts computed from the rules in the brief, independently of the generator's code."""
    special = 1 if spg >= 2 else 0
    sections = -(-(spg - special) // 35)
    counts = Counter()
    for j in range(schools):
        n_grades, subjects = (6, ELEMENTARY_SUBJECTS) if j % 2 == 0 else (3, JUNIOR_SUBJECTS)
        homerooms = n_grades * sections + 1
        subject_classes = sections * sum(len([1 for _, _, years in subjects if g in years])
                                         for g in range(1, n_grades + 1))
        students = n_grades * spg
        counts["classes"] += homerooms + subject_classes
        counts["teachers"] += homerooms
        counts["students"] += students
        counts["enrollments"] += homerooms + subject_classes + students + spg * sum(
            len([1 for _, _, years in subjects if g in years]) for g in range(1, n_grades + 1))
        counts["courses"] += 1 + len(subjects)
    counts = Counter({k: v * municipalities for k, v in counts.items()})
    counts["users"] = counts["teachers"] + counts["students"] * (2 if guardians else 1)
    counts["orgs"] = municipalities * (1 + schools)
    return counts


@pytest.mark.parametrize("profile", list(PROFILE_VARIANTS))
def test_row_counts(bundles: dict[str, tuple[Path, GenerationStats]], profile: str) -> None:
    path, stats = bundles[profile]
    expected = _expected_counts(2, 2, 40, guardians=profile != "oneroster11-csv")
    data = read_bundle(path)
    assert stats.users == len(data["users.csv"].rows) == expected["users"]
    assert stats.enrollments == len(data["enrollments.csv"].rows) == expected["enrollments"]
    assert stats.classes == len(data["classes.csv"].rows) == expected["classes"]
    assert stats.orgs == len(data["orgs.csv"].rows) == expected["orgs"]
    assert len(data["courses.csv"].rows) == expected["courses"]
    assert stats.files == {name: len(c.rows) for name, c in data.items()}
    assert stats.rows_per_second > 0


@pytest.mark.parametrize("profile", list(PROFILE_VARIANTS))
def test_headers_and_manifest(bundles: dict[str, tuple[Path, GenerationStats]], profile: str) -> None:
    variant, version = PROFILE_VARIANTS[profile]
    data = _data(bundles, profile)
    headers = roster_headers(variant)
    produced = {n.removesuffix(".csv") for n in data} - {"manifest"}
    for name in produced:
        assert tuple(data[f"{name}.csv"].header) == headers[name]
    manifest = {r["propertyName"]: r["value"] for r in data["manifest.csv"].rows}
    assert manifest["manifest.version"] == "1.0"
    assert manifest["oneroster.version"] == version
    files = FILES_11 if variant == "1.1" else FILES_12
    assert {k for k in manifest if k.startswith("file.")} == {f"file.{f}" for f in files}
    for f in files:
        assert manifest[f"file.{f}"] == ("bulk" if f in produced else "absent")
    assert ("roles" in produced) == (variant != "1.1")
    with zipfile.ZipFile(bundles[profile][0]) as zf:
        assert zf.namelist()[0] == "manifest.csv"
        assert all("/" not in n for n in zf.namelist())


@pytest.mark.parametrize("profile", list(PROFILE_VARIANTS))
def test_encoding_and_quoting(bundles: dict[str, tuple[Path, GenerationStats]], profile: str) -> None:
    for name, c in _data(bundles, profile).items():
        assert not c.raw.startswith(b"\xef\xbb\xbf"), name
        assert b"\r" not in c.raw, name
        rows = list(csv.reader(io.StringIO(c.raw.decode("utf-8"), newline="")))
        again = io.StringIO()
        csv.writer(again, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
        assert again.getvalue() == c.raw.decode("utf-8"), f"{name}: not minimal RFC 4180 quoting"
        for row in c.rows:
            if name != "manifest.csv":
                assert row["status"] == "" and row["dateLastModified"] == ""


def test_deterministic_and_seeded(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.zip", tmp_path / "b.zip", tmp_path / "c.zip"
    for path, seed in ((a, 11), (b, 11), (c, 12)):
        generate_bundle(path, profile="oneroster12-csv-jpk12", students_per_grade=5, seed=seed)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2026, 4, 1, 0, 0, 0)}
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("profile", list(PROFILE_VARIANTS))
def test_ids_unique_uuid_v4_and_references_resolve(bundles: dict[str, tuple[Path, GenerationStats]],
                                                    profile: str) -> None:
    data = _data(bundles, profile)
    ids: dict[str, set[str]] = {}
    for name, c in data.items():
        if name == "manifest.csv":
            continue
        col = c.column("sourcedId")
        assert len(set(col)) == len(col), f"{name}: duplicate sourcedId"
        assert all(UUID4.match(v) for v in col), name
        ids[name] = set(col)
    orgs = {r["sourcedId"]: r for r in data["orgs.csv"].rows}
    schools = {k for k, r in orgs.items() if r["type"] == "school"}
    classes = {r["sourcedId"]: r for r in data["classes.csv"].rows}
    for r in data["orgs.csv"].rows:
        assert (r["parentSourcedId"] == "") == (r["type"] == "district")
        if r["type"] == "school":
            assert orgs[r["parentSourcedId"]]["type"] == "district"
    for r in data["courses.csv"].rows:
        assert r["orgSourcedId"] in schools and r["schoolYearSourcedId"] in ids["academicSessions.csv"]
    for r in classes.values():
        assert r["courseSourcedId"] in ids["courses.csv"] and r["schoolSourcedId"] in schools
        assert r["termSourcedIds"] in ids["academicSessions.csv"]
    for r in data["enrollments.csv"].rows:
        assert r["classSourcedId"] in classes and r["userSourcedId"] in ids["users.csv"]
        assert r["schoolSourcedId"] == classes[r["classSourcedId"]]["schoolSourcedId"]
        assert r["primary"] == ("true" if r["role"] == "teacher" else "false")
    users = {r["sourcedId"]: r for r in data["users.csv"].rows}
    for r in users.values():
        for agent in filter(None, r["agentSourcedIds"].split(",")):
            assert agent in users and r["sourcedId"] in users[agent]["agentSourcedIds"].split(",")
        home = r.get("metadata.jp.homeClass", "")
        if home:
            assert classes[home]["classType"] == "homeroom"
    assert {r["sourcedId"] for r in data["demographics.csv"].rows} == set(users)
    if "roles.csv" in data:
        assert Counter(r["userSourcedId"] for r in data["roles.csv"].rows) == Counter(users.keys())
        assert {r["roleType"] for r in data["roles.csv"].rows} == {"primary"}
        assert {r["role"] for r in data["roles.csv"].rows} == {"teacher", "student", "guardian"}
        for r in data["roles.csv"].rows:
            assert r["orgSourcedId"] == users[r["userSourcedId"]]["primaryOrgSourcedId"]
        guardians = {r["userSourcedId"] for r in data["roles.csv"].rows if r["role"] == "guardian"}
        enrolled = {r["userSourcedId"] for r in data["enrollments.csv"].rows}
        assert guardians and not guardians & enrolled, "guardians must not be enrolled"
        assert all(users[g]["grades"] == "" and users[g].get("metadata.jp.homeClass", "") == ""
                   for g in guardians)


@pytest.mark.parametrize("profile", JP_PROFILES)
def test_japanese_conventions(bundles: dict[str, tuple[Path, GenerationStats]], profile: str) -> None:
    data = _data(bundles, profile)
    (session,) = data["academicSessions.csv"].rows
    assert (session["title"], session["type"], session["startDate"], session["endDate"],
            session["schoolYear"]) == ("2026年度", "schoolYear", "2026-04-01", "2027-03-31", "2026")
    for r in data["orgs.csv"].rows:
        if r["type"] == "school":
            assert jpcodes.is_valid_school_code(r["identifier"]), r["identifier"]
            assert r["identifier"][:2] in ("B1", "C1") and r["name"].endswith(("小学校", "中学校"))
        else:
            assert jpcodes.DISTRICT_CODE_RE.match(r["identifier"]) and r["name"].endswith("教育委員会")
    assert len({r["identifier"] for r in data["orgs.csv"].rows}) == len(data["orgs.csv"].rows)
    names = {code: name for name, code, _ in ELEMENTARY_SUBJECTS + JUNIOR_SUBJECTS}
    for r in data["courses.csv"].rows:
        assert r["courseCode"] == "" and r["title"].startswith("2026年度")
        assert r["subjects"] == names.get(r["subjectCodes"], "")
    specials = Counter()
    for r in data["classes.csv"].rows:
        for g in r["grades"].split(","):
            assert g in jpcodes.GRADES_ELEMENTARY + jpcodes.GRADES_JUNIOR
        if r["classType"] == "homeroom" and r["metadata.jp.specialNeeds"] == "true":
            specials[r["schoolSourcedId"]] += 1
            assert r["title"] == "特別支援学級"
        elif r["classType"] == "homeroom":
            assert re.fullmatch(r"[1-6]年[0-9]+組", r["title"])
        else:
            assert jpcodes.SUBJECT_CODE_RE.match(r["subjectCodes"])
    schools = {r["sourcedId"] for r in data["orgs.csv"].rows if r["type"] == "school"}
    assert set(specials) == schools
    for r in data["users.csv"].rows:
        assert UUID4.match(r["userMasterIdentifier"])
        assert r["email"].endswith(".example.jp") and r["username"] == r["email"]
    umis = data["users.csv"].column("userMasterIdentifier")
    assert len(set(umis)) == len(umis)


@pytest.mark.parametrize("profile", JP_PROFILES)
def test_names_and_readings_come_from_one_record(bundles: dict[str, tuple[Path, GenerationStats]],
                                                 profile: str) -> None:
    data = _data(bundles, profile)
    src = load_names()
    surnames = {(k, t) for k, t, _ in src.surnames}
    given = {"male": {(k, t) for k, t, _ in src.given_male}, "female": {(k, t) for k, t, _ in src.given_female}}
    sex = {r["sourcedId"]: r["sex"] for r in data["demographics.csv"].rows}
    kana = re.compile(r"^[ァ-ヶー]+$")
    for r in data["users.csv"].rows:
        fam, giv = r["metadata.jp.kanaFamilyName"], r["metadata.jp.kanaGivenName"]
        assert kana.match(fam) and kana.match(giv)
        assert (r["familyName"], fam) in surnames
        assert (r["givenName"], giv) in given[sex[r["sourcedId"]]]
        assert (r["preferredFamilyName"], r["preferredGivenName"]) == (r["familyName"], r["givenName"])
        if "metadata.jp.kanaPreferredFamilyName" in r:  # not in the 第2版 layout (jp-ed2)
            assert (r["metadata.jp.kanaPreferredFamilyName"], r["metadata.jp.kanaPreferredGivenName"]) == (fam, giv)
        local = r["email"].split("@")[0].split(".")
        assert local[:2] == [katakana_to_romaji(fam), katakana_to_romaji(giv)]
    # guardians share their child's family name and reading
    users = {r["sourcedId"]: r for r in data["users.csv"].rows}
    for r in users.values():
        if r["grades"]:
            parent = users[r["agentSourcedIds"]]
            assert (parent["familyName"], parent["metadata.jp.kanaFamilyName"]) == (
                r["familyName"], r["metadata.jp.kanaFamilyName"])


@pytest.mark.parametrize("profile", JP_PROFILES)
def test_shussekino_in_kana_order_and_births_match_grade(bundles: dict[str, tuple[Path, GenerationStats]],
                                                         profile: str) -> None:
    data = _data(bundles, profile)
    no_col = "metadata.jp.shussekiNo" if PROFILE_VARIANTS[profile][0] == "jp-k12" else "metadata.jp.ShussekiNo"
    users = {r["sourcedId"]: r for r in data["users.csv"].rows}
    homerooms = {r["sourcedId"] for r in data["classes.csv"].rows if r["classType"] == "homeroom"}
    per_class: dict[str, list[tuple[int, tuple[str, str]]]] = defaultdict(list)
    for r in data["enrollments.csv"].rows:
        if r["role"] != "student":
            assert r[no_col] == ""
        elif r["classSourcedId"] in homerooms:
            u = users[r["userSourcedId"]]
            assert u["metadata.jp.homeClass"] == r["classSourcedId"]
            per_class[r["classSourcedId"]].append(
                (int(r[no_col]), (u["metadata.jp.kanaFamilyName"], u["metadata.jp.kanaGivenName"])))
        else:
            assert r[no_col] == ""
    assert per_class
    for members in per_class.values():
        numbers = sorted(members)
        assert [n for n, _ in numbers] == list(range(1, len(members) + 1))
        readings = [k for _, k in numbers]
        assert readings == sorted(readings)
    birth = {r["sourcedId"]: r["birthDate"] for r in data["demographics.csv"].rows}
    for uid, u in users.items():
        if u["grades"]:
            years = int(u["grades"][1]) + (0 if u["grades"][0] == "P" else 6)
            first, last = student_birth_range(2026, years)
            assert first <= date.fromisoformat(birth[uid]) <= last


def test_base_profile_uses_base_conventions(bundles: dict[str, tuple[Path, GenerationStats]]) -> None:
    data = _data(bundles, "oneroster12-csv")
    assert data["academicSessions.csv"].rows[0]["schoolYear"] == "2027"  # the year the school year ends
    assert all(r["courseCode"] for r in data["courses.csv"].rows)
    assert all(r["userMasterIdentifier"] == "" for r in data["users.csv"].rows)
    assert not any(h.startswith("metadata.") for c in data.values() for h in c.header)


def test_one_one_profile(bundles: dict[str, tuple[Path, GenerationStats]]) -> None:
    data = _data(bundles, "oneroster11-csv")
    assert "roles.csv" not in data
    assert {r["role"] for r in data["users.csv"].rows} == {"teacher", "student"}
    schools = {r["sourcedId"] for r in data["orgs.csv"].rows if r["type"] == "school"}
    assert all(r["orgSourcedIds"] in schools for r in data["users.csv"].rows)
    assert {r["sex"] for r in data["demographics.csv"].rows} <= {"male", "female"}


def test_enrollments_per_student_caps_subject_enrollments(tmp_path: Path) -> None:
    full = generate_bundle(tmp_path / "a.zip", profile="oneroster12-csv-japan", students_per_grade=10)
    capped = generate_bundle(tmp_path / "b.zip", profile="oneroster12-csv-japan", students_per_grade=10,
                             enrollments_per_student=2)
    data = read_bundle(tmp_path / "b.zip")
    per_student = Counter(r["userSourcedId"] for r in data["enrollments.csv"].rows if r["role"] == "student")
    assert set(per_student.values()) == {2}
    assert capped.enrollments < full.enrollments and capped.users == full.users


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"profile": "oneroster13-csv"}, "unknown profile 'oneroster13-csv'"),
    ({"profile": "oneroster12-csv", "students_per_grade": 0}, "students_per_grade"),
    ({"profile": "oneroster12-csv", "municipalities": True}, "municipalities"),
    ({"profile": "oneroster12-csv", "enrollments_per_student": 0}, "enrollments_per_student"),
    ({"profile": "oneroster12-csv", "school_year": 1970}, "school_year must be an integer in 1980..2100"),
])
def test_bad_arguments_are_named(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(GeneratorError, match=re.escape(message)):
        generate_bundle(tmp_path / "x.zip", **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "x.zip").exists()


def test_failure_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import renkei.mocks.school_affairs.generator as gen

    def boom(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setitem(gen._WRITERS, "users", boom)
    with pytest.raises(OSError, match="disk full"):
        generate_bundle(tmp_path / "x.zip", profile="oneroster12-csv-japan", students_per_grade=3)
    assert list(tmp_path.iterdir()) == []


def test_out_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="is a folder"):
        generate_bundle(tmp_path, profile="oneroster12-csv")


def test_benchmark_args_reach_the_brief_scale() -> None:
    counts = _expected_counts(BENCHMARK_ARGS["municipalities"], BENCHMARK_ARGS["schools_per_municipality"],
                              BENCHMARK_ARGS["students_per_grade"], guardians=True)
    assert (counts["users"], counts["enrollments"]) == (1_114_600, 5_024_400)


def test_kanji_numbers() -> None:
    assert [kanji_number(n) for n in (1, 10, 12, 20, 99, 100)] == ["一", "十", "十二", "二十", "九十九", "100"]


def test_next_school_year_keeps_the_children(tmp_path: Path) -> None:
    """年次更新: same seed, next 年度 → same pupils one grade up; new session, classes, enrollments."""
    this, nxt = tmp_path / "2026.zip", tmp_path / "2027.zip"
    for path, year in ((this, 2026), (nxt, 2027)):
        generate_bundle(path, profile="oneroster12-csv-japan", students_per_grade=9, seed=3, school_year=year)
    a, b = read_bundle(this), read_bundle(nxt)
    assert a["orgs.csv"].raw == b["orgs.csv"].raw
    for name in ("academicSessions.csv", "classes.csv", "enrollments.csv", "courses.csv"):
        assert not set(a[name].column("sourcedId")) & set(b[name].column("sourcedId")), name
    users_b = {r["sourcedId"]: r for r in b["users.csv"].rows}
    birth_a = {r["sourcedId"]: r["birthDate"] for r in a["demographics.csv"].rows}
    birth_b = {r["sourcedId"]: r["birthDate"] for r in b["demographics.csv"].rows}
    roles_a = {r["userSourcedId"]: r["sourcedId"] for r in a["roles.csv"].rows}
    roles_b = {r["userSourcedId"]: r["sourcedId"] for r in b["roles.csv"].rows}
    kept = 0
    for r in a["users.csv"].rows:
        grade = r["grades"]
        if not grade:
            continue
        if grade in ("P6", "J3"):  # 卒業: gone from the next bulk (importers mark them tobedeleted)
            assert r["sourcedId"] not in users_b
            continue
        later = users_b[r["sourcedId"]]
        assert later["grades"] == f"{grade[0]}{int(grade[1]) + 1}"
        same = ("familyName", "givenName", "metadata.jp.kanaFamilyName", "metadata.jp.kanaGivenName",
                "email", "userMasterIdentifier", "agentSourcedIds")
        assert [later[c] for c in same] == [r[c] for c in same]
        assert later["metadata.jp.homeClass"] != r["metadata.jp.homeClass"]
        assert birth_b[r["sourcedId"]] == birth_a[r["sourcedId"]]
        assert roles_b[r["sourcedId"]] == roles_a[r["sourcedId"]]
        kept += 1
    assert kept == 9 * (5 + 2)


def test_every_oneroster_profile_has_a_generator_layout() -> None:
    """``roster generate`` covers every shipped OneRoster CSV profile, with the profile's own layout:
    its columns and the manifest version its document uses (the preferred one, else the first accepted)."""
    from renkei.harness.core.profiles import list_profiles, merged_params

    expected = {}
    for p in list_profiles():
        if p.kind != "oneroster-csv":
            continue
        params = merged_params(p)
        versions = params.get("preferred_oneroster_versions") or params["oneroster_versions"]
        expected[p.id] = (params["columns"], versions[0])
    assert expected == PROFILE_VARIANTS
