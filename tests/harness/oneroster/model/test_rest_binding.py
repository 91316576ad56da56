"""Between the CSV and the REST binding: rows as REST objects, REST objects as CSV cells."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model import rest_binding as rb

KW: dict[str, Any] = {"status": "active", "stamp": "2026-04-01T00:00:00.000Z"}
ORG_HREF = "https://sa.example/ims/oneroster/rostering/v1p2/orgs/"

USER_ROW = {
    "sourcedId": "u1", "status": "", "dateLastModified": "", "enabledUser": "true", "username": "taro",
    "userIds": "{学籍番号:0042},{LTI: abc }", "givenName": "太郎", "familyName": "山田", "middleName": "",
    "identifier": "42", "email": "taro@example.jp", "sms": "", "phone": "", "agentSourcedIds": "g1, g2",
    "grades": "P3", "password": "", "userMasterIdentifier": "m-1", "resourceSourcedIds": "r1",
    "preferredGivenName": "たろう", "preferredMiddleName": "", "preferredFamilyName": "やまだ",
    "primaryOrgSourcedId": "s1", "pronouns": "", "metadata.jp.kanaGivenName": "タロウ",
    "metadata.jp.kanaFamilyName": "ヤマダ", "metadata.jp.kanaMiddleName": "", "metadata.jp.homeClass": "c1",
}
ROLE_ROWS = [
    {"sourcedId": "r-1", "userSourcedId": "u1", "roleType": "primary", "role": "student", "orgSourcedId": "s1",
     "beginDate": "2026-04-01", "endDate": "", "userProfileSourcedId": "p1"},
    {"sourcedId": "r-2", "userSourcedId": "u1", "roleType": "secondary", "role": "aide", "orgSourcedId": "s2",
     "beginDate": "", "endDate": "", "userProfileSourcedId": ""},
]
PROFILE_ROWS = [{"sourcedId": "p1", "userSourcedId": "u1", "profileType": "lms", "vendorId": "v1",
                 "applicationId": "", "description": "学習", "credentialType": "password", "username": "taro",
                 "password": "pw"}]


def test_ref() -> None:
    assert rb.ref("org", "s1") == {"href": R.ROSTERING_PATH + "/orgs/s1", "sourcedId": "s1", "type": "org"}
    assert rb.ref("academicSession", "y", "https://x")["href"] == "https://x" + R.ROSTERING_PATH + "/academicSessions/y"
    assert rb.ref("lineItem", "li")["href"] == R.GRADEBOOK_PATH + "/lineItems/li"
    assert rb.ref("category", "c")["href"] == R.GRADEBOOK_PATH + "/categories/c"
    assert rb.ref("resource", "r")["href"] == R.RESOURCES_PATH + "/resources/r"  # the Resources service


def test_split_list() -> None:
    assert rb.split_list(" a, b ,,c ") == ["a", "b", "c"]
    assert rb.split_list("") == []


def test_user() -> None:
    obj = rb.user(USER_ROW, ROLE_ROWS, PROFILE_ROWS, shape=rb.NESTED, base="https://sa.example", **KW)
    assert obj["sourcedId"] == "u1" and obj["status"] == "active" and obj["dateLastModified"] == KW["stamp"]
    assert obj["userIds"] == [{"type": "学籍番号", "identifier": "0042"}, {"type": "LTI", "identifier": "abc"}]
    assert obj["preferredFirstName"] == "たろう" and obj["preferredLastName"] == "やまだ"
    assert "preferredGivenName" not in obj and "preferredMiddleName" not in obj
    assert "middleName" not in obj and "sms" not in obj  # empty cells are left out
    assert obj["roles"] == [
        {"roleType": "primary", "role": "student", "org": {"href": ORG_HREF + "s1", "sourcedId": "s1", "type": "org"},
         "userProfile": "urn:oneroster:userProfile:p1", "beginDate": "2026-04-01"},
        {"roleType": "secondary", "role": "aide", "org": {"href": ORG_HREF + "s2", "sourcedId": "s2", "type": "org"}}]
    assert obj["userProfiles"] == [{"profileId": "urn:oneroster:userProfile:p1", "profileType": "lms",
                                    "vendorId": "v1", "description": "学習",
                                    "credentials": [{"type": "password", "username": "taro", "password": "pw"}]}]
    assert obj["primaryOrg"]["sourcedId"] == "s1"
    assert [a["sourcedId"] for a in obj["agents"]] == ["g1", "g2"]
    assert obj["grades"] == ["P3"]
    assert obj["resources"][0]["type"] == "resource"
    assert obj["metadata"] == {"jp": {"kanaGivenName": "タロウ", "kanaFamilyName": "ヤマダ", "homeClass": "c1"}}
    assert set(obj) <= set(R.OBJECTS["user"].by_name)  # additionalProperties: false
    assert set(R.OBJECTS["user"].required) <= set(obj)


def test_flat_metadata_shape() -> None:
    obj = rb.user(USER_ROW, ROLE_ROWS, [], shape=rb.FLAT, **KW)
    assert obj["metadata"] == {"jp.kanaGivenName": "タロウ", "jp.kanaFamilyName": "ヤマダ", "jp.homeClass": "c1"}
    assert "userProfiles" not in obj


def test_metadata_without_a_dot_and_deeper() -> None:
    row = {"sourcedId": "o1", "name": "x", "type": "school", "identifier": "1", "metadata.note": "n",
           "metadata.jp.a.b": "deep"}
    assert rb.org(row, [], shape=rb.NESTED, **KW)["metadata"] == {"note": "n", "jp": {"a.b": "deep"}}
    assert rb.org(row, [], shape=rb.FLAT, **KW)["metadata"] == {"note": "n", "jp.a.b": "deep"}


def test_status_and_stamp_from_the_row_win() -> None:
    row = {"sourcedId": "o1", "status": "tobedeleted", "dateLastModified": "2026-05-01T00:00:00Z", "name": "x",
           "type": "school", "identifier": "1"}
    obj = rb.org(row, ["c1"], shape=rb.NESTED, **KW)
    assert obj["status"] == "tobedeleted" and obj["dateLastModified"] == "2026-05-01T00:00:00Z"
    assert obj["children"] == [rb.ref("org", "c1")] and "parent" not in obj


def test_academic_session() -> None:
    row = {"sourcedId": "t1", "title": "前期", "type": "term", "startDate": "2026-04-01", "endDate": "2026-09-30",
           "parentSourcedId": "y1", "schoolYear": "2026"}
    obj = rb.academic_session(row, ["g1"], shape=rb.NESTED, **KW)
    assert obj["parent"] == rb.ref("academicSession", "y1") and obj["children"] == [rb.ref("academicSession", "g1")]
    assert obj["schoolYear"] == "2026" and set(R.OBJECTS["academicSession"].required) <= set(obj)


def test_course_class_enrollment_demographics() -> None:
    course = rb.course({"sourcedId": "k1", "title": "国語", "schoolYearSourcedId": "y1", "courseCode": "P010",
                        "grades": "P1,P2", "subjects": "国語", "orgSourcedId": "s1", "subjectCodes": ""},
                       shape=rb.NESTED, **KW)
    assert course["schoolYear"]["type"] == "academicSession" and course["grades"] == ["P1", "P2"]
    assert "subjectCodes" not in course
    klass = rb.klass({"sourcedId": "c1", "title": "1年1組", "classType": "homeroom", "courseSourcedId": "k1",
                      "schoolSourcedId": "s1", "termSourcedIds": "t1,t2", "periods": "1,2",
                      "metadata.jp.specialNeeds": "false"}, shape=rb.NESTED, **KW)
    assert [t["sourcedId"] for t in klass["terms"]] == ["t1", "t2"] and klass["periods"] == ["1", "2"]
    assert klass["school"]["type"] == "org" and klass["metadata"] == {"jp": {"specialNeeds": "false"}}
    assert rb.klass({"sourcedId": "c2", "title": "x"}, shape=rb.NESTED, **KW)["terms"] == []  # required: always sent
    enr = rb.enrollment({"sourcedId": "e1", "userSourcedId": "u1", "classSourcedId": "c1", "schoolSourcedId": "s1",
                         "role": "student", "primary": "false", "beginDate": "", "endDate": ""},
                        shape=rb.NESTED, **KW)
    assert enr["user"]["type"] == "user" and enr["class"]["type"] == "class" and enr["primary"] == "false"
    assert "beginDate" not in enr
    demo = rb.demographics({"sourcedId": "u1", "status": "", "dateLastModified": "", "birthDate": "2015-05-05",
                            "sex": "female", "asian": "", "metadata.jp.x": "y"}, shape=rb.NESTED, **KW)
    assert demo == {"sourcedId": "u1", "status": "active", "dateLastModified": KW["stamp"], "metadata": {"jp": {"x": "y"}},
                    "birthDate": "2015-05-05", "sex": "female"}


def test_csv_cells_of_a_user_give_the_row_back() -> None:
    for shape in rb.SHAPES:
        obj = rb.user(USER_ROW, ROLE_ROWS, PROFILE_ROWS, shape=shape, base="https://x", **KW)
        cells = rb.csv_cells("user", obj)
        expected = {k: v for k, v in USER_ROW.items() if v and k not in ("status", "dateLastModified")}
        expected["userIds"] = "{学籍番号:0042},{LTI:abc}"
        expected["agentSourcedIds"] = "g1,g2"
        assert {k: v for k, v in cells.items() if k not in ("status", "dateLastModified")} == expected
        assert cells["status"] == "active"


def test_csv_cells_keep_what_was_sent() -> None:
    cells = rb.csv_cells("user", {"sourcedId": "u", "enabledUser": True, "middleName": None, "grades": [1, "P2"],
                                  "roles": [{"role": "student"}], "metadata": {"jp": {"kanaGivenName": "タ"}}})
    assert cells == {"sourcedId": "u", "enabledUser": "true", "middleName": "", "grades": "1,P2",
                     "metadata.jp.kanaGivenName": "タ"}
    assert rb.csv_cells("class", {"terms": [{"sourcedId": "t1"}, "t2"]}) == {"termSourcedIds": "t1,t2"}


CONVERT = {
    "academicSessions": ("academicSession", lambda r: rb.academic_session(r, [], shape=rb.NESTED, **KW)),
    "orgs": ("org", lambda r: rb.org(r, [], shape=rb.NESTED, **KW)),
    "courses": ("course", lambda r: rb.course(r, shape=rb.NESTED, **KW)),
    "classes": ("class", lambda r: rb.klass(r, shape=rb.NESTED, **KW)),
    "enrollments": ("enrollment", lambda r: rb.enrollment(r, shape=rb.NESTED, **KW)),
    "users": ("user", lambda r: rb.user(r, [], [], shape=rb.FLAT, **KW)),
    "demographics": ("demographics", lambda r: rb.demographics(r, shape=rb.NESTED, **KW)),
}


@pytest.mark.parametrize("profile", ["oneroster120-csv", "oneroster12-csv-japan", "oneroster12-csv-japan-ed2"])
def test_every_generated_row_round_trips(tmp_path: Path, profile: str) -> None:
    """csv_cells(binding(row)) gives every non-empty cell of the row back, for every file."""
    from renkei.mocks.school_affairs.generator import generate_bundle

    bundle = tmp_path / "b.zip"
    generate_bundle(bundle, profile=profile, students_per_grade=1, schools_per_municipality=1)
    with zipfile.ZipFile(bundle) as zf:
        for name, (kind, convert) in CONVERT.items():
            rows = list(csv.DictReader(io.StringIO(zf.read(f"{name}.csv").decode("utf-8-sig"))))
            assert rows, name
            for row in rows:
                obj = convert(row)
                assert set(obj) <= set(R.OBJECTS[kind].by_name), (name, set(obj) - set(R.OBJECTS[kind].by_name))
                cells = rb.csv_cells(kind, obj)
                want = {k: v for k, v in row.items() if v and k not in ("status", "dateLastModified")}
                # roles come from roles.csv (none passed here): an empty list is an empty "roles" cell;
                # courseCode is always sent (the REST schema requires it), "" when the CSV cell is empty
                got = {k: v for k, v in cells.items() if k not in ("status", "dateLastModified", "roles")
                       and (v or k != "courseCode")}
                assert got == want, name


def test_resources_round_trip() -> None:
    obj = rb.user({"sourcedId": "u", "resourceSourcedIds": "r1,r2"}, [], [], shape=rb.NESTED, **KW)
    assert rb.csv_cells("user", obj)["resourceSourcedIds"] == "r1,r2"
