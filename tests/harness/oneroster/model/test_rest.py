"""The REST binding table of the shared model: endpoints, envelopes, scopes, object specs, errors."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from renkei.harness.oneroster.model import rest as R

# reference/oneroster.md §3.2: the 41 operation ids and their paths
REFERENCE_PATHS = {
    "getAllAcademicSessions": "/academicSessions", "getAcademicSession": "/academicSessions/{sourcedId}",
    "getAllClasses": "/classes", "getClass": "/classes/{sourcedId}",
    "getAllCourses": "/courses", "getCourse": "/courses/{sourcedId}",
    "getClassesForCourse": "/courses/{courseSourcedId}/classes",
    "getAllDemographics": "/demographics", "getDemographics": "/demographics/{sourcedId}",
    "getAllEnrollments": "/enrollments", "getEnrollment": "/enrollments/{sourcedId}",
    "getAllGradingPeriods": "/gradingPeriods", "getGradingPeriod": "/gradingPeriods/{sourcedId}",
    "getAllOrgs": "/orgs", "getOrg": "/orgs/{sourcedId}",
    "getAllSchools": "/schools", "getSchool": "/schools/{sourcedId}",
    "getClassesForSchool": "/schools/{schoolSourcedId}/classes",
    "getCoursesForSchool": "/schools/{schoolSourcedId}/courses",
    "getEnrollmentsForSchool": "/schools/{schoolSourcedId}/enrollments",
    "getEnrollmentsForClassInSchool": "/schools/{schoolSourcedId}/classes/{classSourcedId}/enrollments",
    "getStudentsForSchool": "/schools/{schoolSourcedId}/students",
    "getTeachersForSchool": "/schools/{schoolSourcedId}/teachers",
    "getStudentsForClassInSchool": "/schools/{schoolSourcedId}/classes/{classSourcedId}/students",
    "getTeachersForClassInSchool": "/schools/{schoolSourcedId}/classes/{classSourcedId}/teachers",
    "getTermsForSchool": "/schools/{schoolSourcedId}/terms",
    "getAllStudents": "/students", "getStudent": "/students/{sourcedId}",
    "getClassesForStudent": "/students/{studentSourcedId}/classes",
    "getAllTeachers": "/teachers", "getTeacher": "/teachers/{sourcedId}",
    "getClassesForTeacher": "/teachers/{teacherSourcedId}/classes",
    "getAllTerms": "/terms", "getTerm": "/terms/{sourcedId}", "getClassesForTerm": "/terms/{termSourcedId}/classes",
    "getGradingPeriodsForTerm": "/terms/{termSourcedId}/gradingPeriods",
    "getStudentsForClass": "/classes/{classSourcedId}/students",
    "getTeachersForClass": "/classes/{classSourcedId}/teachers",
    "getAllUsers": "/users", "getUser": "/users/{sourcedId}", "getClassesForUser": "/users/{userSourcedId}/classes",
}
# reference §3.4: the collection envelope per path head
ENVELOPES = {"academicSessions": "academicSessions", "classes": "classes", "courses": "courses",
             "demographics": "demographics", "enrollments": "enrollments", "gradingPeriods": "academicSessions",
             "terms": "academicSessions", "orgs": "orgs", "schools": "orgs", "users": "users", "students": "users",
             "teachers": "users"}
SINGLE_ENVELOPES = {"academicSessions": "academicSession", "gradingPeriods": "academicSession",
                    "terms": "academicSession", "classes": "class", "courses": "course",
                    "demographics": "demographics", "enrollments": "enrollment", "orgs": "org", "schools": "org",
                    "users": "user", "students": "user", "teachers": "user"}


def test_the_41_operations_match_the_reference() -> None:
    assert len(R.ENDPOINTS) == 41
    assert {e.operation_id: e.path for e in R.ENDPOINTS} == REFERENCE_PATHS
    assert len(R.BY_OPERATION) == 41
    assert all(e.base == R.ROSTERING_PATH for e in R.ENDPOINTS)


def test_nested_and_single_flags() -> None:
    counts = Counter((e.single, e.nested) for e in R.ENDPOINTS)
    assert counts == {(False, False): 12, (True, False): 12, (False, True): 17}
    for e in R.ENDPOINTS:
        assert e.single == e.path.endswith("/{sourcedId}")
        assert e.nested == (len(e.params) >= 1 and not e.single)


@pytest.mark.parametrize("endpoint", R.ENDPOINTS, ids=lambda e: e.operation_id)
def test_envelope(endpoint: R.Endpoint) -> None:
    segments = endpoint.path.strip("/").split("/")
    if endpoint.single:
        assert endpoint.envelope == SINGLE_ENVELOPES[segments[0]]
    else:
        assert endpoint.envelope == ENVELOPES[segments[-1]]
    assert endpoint.envelope in (R.object_spec(endpoint.object).single_key,
                                 R.object_spec(endpoint.object).collection_key)


@pytest.mark.parametrize("endpoint", R.ENDPOINTS, ids=lambda e: e.operation_id)
def test_scopes(endpoint: R.Endpoint) -> None:
    if endpoint.object == "demographics":
        assert endpoint.scopes == (R.SCOPE_DEMOGRAPHICS,)
    elif endpoint.nested:
        assert endpoint.scopes == (R.SCOPE_ROSTER,)
    else:
        assert set(endpoint.scopes) == {R.SCOPE_ROSTER, R.SCOPE_CORE}


def test_role_scopes_ok() -> None:
    users = R.BY_OPERATION["getAllUsers"]
    nested = R.BY_OPERATION["getStudentsForClass"]
    demo = R.BY_OPERATION["getAllDemographics"]
    assert R.role_scopes_ok(users, {R.SCOPE_CORE}) and R.role_scopes_ok(users, {R.SCOPE_ROSTER})
    assert not R.role_scopes_ok(users, {R.SCOPE_DEMOGRAPHICS}) and not R.role_scopes_ok(users, set())
    assert R.role_scopes_ok(nested, {R.SCOPE_ROSTER}) and not R.role_scopes_ok(nested, {R.SCOPE_CORE})
    assert R.role_scopes_ok(demo, {R.SCOPE_DEMOGRAPHICS})
    assert not R.role_scopes_ok(demo, {R.SCOPE_ROSTER, R.SCOPE_CORE})
    assert R.role_scopes_ok(demo, {R.SCOPE_ROSTER}, demographics_scopes=(R.SCOPE_ROSTER, R.SCOPE_DEMOGRAPHICS))
    assert not R.role_scopes_ok(users, {R.SCOPE_GRADEBOOK_READ})


def test_params_and_url_path() -> None:
    e = R.BY_OPERATION["getStudentsForClassInSchool"]
    assert e.params == ("schoolSourcedId", "classSourcedId")
    assert e.url_path(schoolSourcedId="s1", classSourcedId="c1") == "/schools/s1/classes/c1/students"
    assert R.BY_OPERATION["getUser"].params == ("sourcedId",)


def test_subsets_are_named() -> None:
    for e in (*R.ENDPOINTS, *R.GRADEBOOK_ENDPOINTS):
        if e.nested:
            assert e.subset and "=" not in e.subset, e.operation_id
        elif e.subset is not None:
            assert re.fullmatch(r"(type|role)=\w+", e.subset), e.operation_id
    assert R.BY_OPERATION["getAllTerms"].subset == "type=term"
    assert R.BY_OPERATION["getTerm"].subset == "type=term"


def test_gradebook_endpoints() -> None:
    assert all(e.base == R.GRADEBOOK_PATH and e.scopes == (R.SCOPE_GRADEBOOK_READ,) for e in R.GRADEBOOK_ENDPOINTS)
    names = {e.operation_id for e in R.GRADEBOOK_ENDPOINTS}
    assert {"getAllLineItems", "getLineItem", "getResultsForLineItemForClass", "getLineItemsForSchool"} <= names
    assert R.GRADEBOOK_ENDPOINTS[3].envelope == "lineItem"
    assert R.object_spec("lineItem").collection_key == "lineItems"


def test_object_specs() -> None:
    assert set(R.OBJECTS) == {"academicSession", "class", "course", "demographics", "enrollment", "org", "user"}
    user = R.OBJECTS["user"]
    assert set(user.required) == {"sourcedId", "status", "dateLastModified", "enabledUser", "givenName",
                                  "familyName", "roles"}
    assert "preferredFirstName" in user.by_name and "preferredGivenName" not in user.by_name
    assert user.by_name["enabledUser"].kind == R.TF
    assert R.OBJECTS["enrollment"].by_name["primary"].kind == R.TF
    assert R.OBJECTS["class"].by_name["terms"].required
    assert R.OBJECTS["demographics"].single_key == R.OBJECTS["demographics"].collection_key == "demographics"
    for spec in (*R.OBJECTS.values(), *R.GRADEBOOK_OBJECTS.values()):
        assert spec.fields[:3] == R._BASE[:3]
        assert len(spec.by_name) == len(spec.fields), spec.name  # no field twice
        for f in spec.fields:
            assert (f.ref_type is not None) == (f.kind in (R.REF, R.REFS)), (spec.name, f.name)
            assert bool(f.values) == (f.kind == R.ENUM), (spec.name, f.name)
    with pytest.raises(KeyError):
        R.object_spec("guardian")


def test_field_paths() -> None:
    paths = R.field_paths("user")
    assert {"roles", "roles.role", "roles.roleType", "roles.org.sourcedId", "roles.org.href", "userIds.type",
            "userProfiles.profileId", "agents.sourcedId", "primaryOrg.type", "metadata", "grades"} <= paths
    assert "roles.org.colour" not in paths and "givenName.sourcedId" not in paths
    assert {"terms.sourcedId", "course.sourcedId", "school.sourcedId"} <= R.field_paths("class")
    assert "lineItem.sourcedId" in R.field_paths("result")


def test_is_array_field() -> None:
    assert R.is_array_field("user", "roles") and R.is_array_field("user", "grades")
    assert R.is_array_field("class", "terms") and R.is_array_field("scoreScale", "scoreScaleValue")
    assert not R.is_array_field("user", "givenName") and not R.is_array_field("class", "course")
    assert not R.is_array_field("user", "metadata") and not R.is_array_field("user", "nope")


def test_status_info() -> None:
    info = R.status_info(404, "unknownobject", "no user with sourcedId 'x'")
    assert info == {"imsx_codeMajor": "failure", "imsx_severity": "error",
                    "imsx_description": "no user with sourcedId 'x'",
                    "imsx_CodeMinor": {"imsx_codeMinorField": [
                        {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": "unknownobject"}]}}
    for minors in R.MINOR_FOR_STATUS.values():
        assert set(minors) <= set(R.CODE_MINOR)


@pytest.mark.parametrize(("text", "ok"), [
    ("2026-04-01T00:00:00Z", True), ("2026-04-01T00:00:00.123Z", True), ("2026-04-01T09:00:00+09:00", True),
    ("2026-04-01T00:00:00", False), ("2026-04-01", False), ("2026-04-01 00:00:00Z", False),
])
def test_datetime_re(text: str, ok: bool) -> None:
    assert bool(R.DATETIME_RE.match(text)) is ok


def test_ext_re() -> None:
    assert R.EXT_RE.match("ext:jp-kyouin") and not R.EXT_RE.match("ext:") and not R.EXT_RE.match("jp")
