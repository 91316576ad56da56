"""The OneRoster 1.2 REST binding of the rostering model: objects, endpoints, envelopes, scopes, errors.

Written once from the official OpenAPI document (``oneroster12-rest-openapi.json``, 1EdTech, vendored
in ``fixtures/openapi/``) and reference/oneroster.md §3, so that the mock 校務支援システム that serves
the binding and the checks that judge a vendor's provider read the same table.

Facts this table encodes (OpenAPI 1.2):
- every object forbids properties the schema does not name (``additionalProperties: false``),
  except inside ``metadata``; the Japanese ``metadata.jp.*`` fields therefore live in ``metadata``;
- the booleans ``enabledUser``, ``primary`` and the demographics race flags are the *strings*
  ``"true"``/``"false"``;
- a GUIDRef is ``{href, sourcedId, type}``, all required;
- flat collections and single reads accept ``roster.readonly`` or ``roster-core.readonly``, the 17
  nested paths ``roster.readonly`` only, and ``/demographics*`` ``roster-demographics.readonly`` only.
  The reference's scope descriptions (from the Ed-Fi copy) say ``roster.readonly`` covers
  demographics while the 1EdTech document does not list it on ``/demographics``: which scope a
  provider demands for demographics is therefore a setting (``demographics_scopes``), not a MUST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

ROSTERING_PATH = "/ims/oneroster/rostering/v1p2"
GRADEBOOK_PATH = "/ims/oneroster/gradebook/v1p2"
RESOURCES_PATH = "/ims/oneroster/resources/v1p2"  # the Resources service (reference §3.1)

SCOPE_PREFIX = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
SCOPE_ROSTER = SCOPE_PREFIX + "roster.readonly"
SCOPE_CORE = SCOPE_PREFIX + "roster-core.readonly"
SCOPE_DEMOGRAPHICS = SCOPE_PREFIX + "roster-demographics.readonly"
SCOPE_GRADEBOOK_READ = SCOPE_PREFIX + "gradebook.readonly"
SCOPE_GRADEBOOK_PUT = SCOPE_PREFIX + "gradebook.createput"
SCOPE_GRADEBOOK_DELETE = SCOPE_PREFIX + "gradebook.delete"
ROSTERING_SCOPES = (SCOPE_ROSTER, SCOPE_CORE, SCOPE_DEMOGRAPHICS)
GRADEBOOK_SCOPES = (SCOPE_GRADEBOOK_READ, SCOPE_GRADEBOOK_PUT, SCOPE_GRADEBOOK_DELETE)

DEFAULT_LIMIT = 100  # OpenAPI: limit default 100, minimum 1

# imsx_StatusInfo vocabulary (OpenAPI imsx_StatusInfoDType / imsx_CodeMinorFieldDType).
CODE_MINOR = ("fullsuccess", "invalid_filter_field", "invalid_selection_field", "invaliddata",
              "unauthorisedrequest", "forbidden", "server_busy", "unknownobject", "internal_server_error")
# The minor code the OpenAPI pairs with each error status.
MINOR_FOR_STATUS = {400: ("invalid_filter_field", "invalid_selection_field", "invaliddata"),
                    401: ("unauthorisedrequest",), 403: ("forbidden",), 404: ("unknownobject",),
                    422: ("invaliddata",), 429: ("server_busy",), 500: ("internal_server_error",)}

# Field kinds.
STR = "string"
DATE = "date"
DATETIME = "datetime"
ENUM = "enum"
TF = "tf"  # the strings "true" / "false"
REF = "ref"  # a GUIDRef object
REFS = "refs"  # a list of GUIDRefs
STRS = "strings"
ROLES = "roles"  # users.roles: RoleDType objects
USER_IDS = "userIds"  # UserIdDType objects
USER_PROFILES = "userProfiles"
META = "metadata"  # free-form object
OBJS = "objects"  # a list of objects the table does not break down further
URI = "uri"
STATUS_VALUES = ("active", "tobedeleted")

ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
ENROLLMENT_ROLES = ("administrator", "proctor", "student", "teacher")
ROLE_ROLES = ("aide", "counselor", "districtAdministrator", "guardian", "parent", "principal",
              "proctor", "relative", "siteAdministrator", "student", "systemAdministrator", "teacher")
CLASS_TYPES = ("homeroom", "scheduled")
SEX = ("male", "female", "unspecified", "other")
RACE_FLAGS = ("americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
              "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
              "hispanicOrLatinoEthnicity")
GUIDREF_TYPES = ("academicSession", "org", "course", "class", "user", "resource")
EXT_RE = re.compile(r"^ext:[a-zA-Z0-9.\-_]+$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# RFC 3339 date-time (OpenAPI format date-time); fractional seconds optional, offset or Z required.
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str = STR
    required: bool = False
    values: tuple[str, ...] = ()
    extensible: bool = False  # enumeration extensible with ext: terms
    ref_type: str | None = None  # GUIDRef type for REF/REFS


@dataclass(frozen=True)
class ObjectSpec:
    """One OneRoster object as the REST binding sends it."""

    name: str  # "user" (the GUIDRef type and the single envelope key)
    single_key: str  # "user"; "demographics" for demographics
    collection_key: str  # "users"
    fields: tuple[FieldSpec, ...]
    section: str  # OpenAPI schema name, cited by checks
    by_name: dict[str, FieldSpec] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})

    @cached_property
    def required(self) -> tuple[str, ...]:  # asked once per object judged: computed once
        return tuple(f.name for f in self.fields if f.required)

    @cached_property
    def judged(self) -> dict[str, FieldSpec]:
        """The fields whose type ``type_problems`` judges (GUIDRefs are ``ref_problems``' work)."""
        return {f.name: f for f in self.fields if f.kind not in (REF, REFS)}

    @cached_property
    def refs(self) -> tuple[FieldSpec, ...]:
        """The GUIDRef fields (one or a list), for judging references without visiting the rest."""
        return tuple(f for f in self.fields if f.kind in (REF, REFS))


def _f(name: str, kind: str = STR, req: bool = False, **kw: object) -> FieldSpec:
    return FieldSpec(name, kind, req, **kw)  # type: ignore[arg-type]


_BASE = (_f("sourcedId", STR, True), _f("status", ENUM, True, values=STATUS_VALUES),
         _f("dateLastModified", DATETIME, True), _f("metadata", META))

OBJECTS: dict[str, ObjectSpec] = {o.name: o for o in (
    ObjectSpec("academicSession", "academicSession", "academicSessions", (
        *_BASE, _f("title", STR, True), _f("startDate", DATE, True), _f("endDate", DATE, True),
        _f("type", ENUM, True, values=SESSION_TYPES, extensible=True),
        _f("parent", REF, ref_type="academicSession"), _f("children", REFS, ref_type="academicSession"),
        _f("schoolYear", STR, True)), "AcademicSessionDType"),
    ObjectSpec("class", "class", "classes", (
        *_BASE, _f("title", STR, True), _f("classCode"),
        _f("classType", ENUM, values=CLASS_TYPES, extensible=True), _f("location"), _f("grades", STRS),
        _f("subjects", STRS), _f("course", REF, True, ref_type="course"), _f("school", REF, True, ref_type="org"),
        _f("terms", REFS, True, ref_type="academicSession"), _f("subjectCodes", STRS), _f("periods", STRS),
        _f("resources", REFS, ref_type="resource")), "ClassDType"),
    ObjectSpec("course", "course", "courses", (
        *_BASE, _f("title", STR, True), _f("schoolYear", REF, ref_type="academicSession"),
        _f("courseCode", STR, True), _f("grades", STRS), _f("subjects", STRS), _f("org", REF, ref_type="org"),
        _f("subjectCodes", STRS), _f("resources", REFS, ref_type="resource")), "CourseDType"),
    ObjectSpec("demographics", "demographics", "demographics", (
        *_BASE, _f("birthDate", DATE), _f("sex", ENUM, values=SEX, extensible=True),
        *(_f(r, TF) for r in RACE_FLAGS), _f("countryOfBirthCode"), _f("stateOfBirthAbbreviation"),
        _f("cityOfBirth"), _f("publicSchoolResidenceStatus")), "DemographicsDType"),
    ObjectSpec("enrollment", "enrollment", "enrollments", (
        *_BASE, _f("user", REF, True, ref_type="user"), _f("class", REF, True, ref_type="class"),
        _f("school", REF, True, ref_type="org"),
        _f("role", ENUM, True, values=ENROLLMENT_ROLES, extensible=True), _f("primary", TF),
        _f("beginDate", DATE), _f("endDate", DATE)), "EnrollmentDType"),
    ObjectSpec("org", "org", "orgs", (
        *_BASE, _f("name", STR, True), _f("type", ENUM, True, values=ORG_TYPES, extensible=True),
        _f("identifier", STR, True), _f("parent", REF, ref_type="org"), _f("children", REFS, ref_type="org")),
        "OrgDType"),
    ObjectSpec("user", "user", "users", (
        *_BASE, _f("userMasterIdentifier"), _f("username"), _f("userIds", USER_IDS),
        _f("enabledUser", TF, True), _f("givenName", STR, True), _f("familyName", STR, True),
        _f("middleName"), _f("preferredFirstName"), _f("preferredMiddleName"), _f("preferredLastName"),
        _f("pronouns"), _f("roles", ROLES, True), _f("userProfiles", USER_PROFILES),
        _f("primaryOrg", REF, ref_type="org"), _f("identifier"), _f("email"), _f("sms"), _f("phone"),
        _f("agents", REFS, ref_type="user"), _f("grades", STRS), _f("password"),
        _f("resources", REFS, ref_type="resource")), "UserDType"),
)}

# RoleDType (users.roles[]), UserIdDType, UserProfileDType.
ROLE_FIELDS = (_f("roleType", ENUM, True, values=("primary", "secondary")),
               _f("role", ENUM, True, values=ROLE_ROLES, extensible=True), _f("org", REF, True, ref_type="org"),
               _f("userProfile", URI), _f("beginDate", DATE), _f("endDate", DATE))
USER_ID_FIELDS = (_f("type", STR, True), _f("identifier", STR, True))
USER_PROFILE_FIELDS = (_f("profileId", URI, True), _f("profileType", STR, True), _f("vendorId", STR, True),
                       _f("applicationId"), _f("description"), _f("credentials"))

# The REST path segment of each GUIDRef type (for href).
REF_COLLECTION = {"academicSession": "academicSessions", "org": "orgs", "course": "courses", "class": "classes",
                  "user": "users", "resource": "resources"}
# GUIDRef types of the gradebook objects, whose single reads live under the gradebook path.
GRADEBOOK_REF_COLLECTION = {"category": "categories", "lineItem": "lineItems", "result": "results",
                            "scoreScale": "scoreScales"}


@dataclass(frozen=True)
class Endpoint:
    """One GET operation of the rostering service.

    ``subset`` says which objects of ``object`` the path returns, in words the mock and the checks
    share: ``None`` every object of the collection; otherwise a relation name (see ``RELATIONS``).
    """

    operation_id: str
    path: str  # template, e.g. "/schools/{schoolSourcedId}/classes"
    object: str  # ObjectSpec name
    single: bool = False
    subset: str | None = None  # e.g. "type=term", "class.students"
    scopes: tuple[str, ...] = (SCOPE_ROSTER, SCOPE_CORE)
    base: str = ROSTERING_PATH

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.path))

    @property
    def nested(self) -> bool:
        return len(self.params) > (1 if self.single else 0)

    @property
    def envelope(self) -> str:
        spec = object_spec(self.object)
        return spec.single_key if self.single else spec.collection_key

    def url_path(self, **ids: str) -> str:
        path = self.path
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        return path


_NESTED = (SCOPE_ROSTER,)
_DEMO = (SCOPE_DEMOGRAPHICS,)


def _pair(name: str, single_name: str, path: str, obj: str, subset: str | None = None,
          scopes: tuple[str, ...] = (SCOPE_ROSTER, SCOPE_CORE)) -> tuple[Endpoint, Endpoint]:
    return (Endpoint(f"getAll{name}", path, obj, subset=subset, scopes=scopes),
            Endpoint(f"get{single_name}", path + "/{sourcedId}", obj, single=True, subset=subset, scopes=scopes))


ENDPOINTS: tuple[Endpoint, ...] = (
    *_pair("AcademicSessions", "AcademicSession", "/academicSessions", "academicSession"),
    *_pair("Classes", "Class", "/classes", "class"),
    *_pair("Courses", "Course", "/courses", "course"),
    Endpoint("getClassesForCourse", "/courses/{courseSourcedId}/classes", "class", subset="course.classes",
             scopes=_NESTED),
    *_pair("Demographics", "Demographics", "/demographics", "demographics", scopes=_DEMO),
    *_pair("Enrollments", "Enrollment", "/enrollments", "enrollment"),
    *_pair("GradingPeriods", "GradingPeriod", "/gradingPeriods", "academicSession", subset="type=gradingPeriod"),
    *_pair("Orgs", "Org", "/orgs", "org"),
    *_pair("Schools", "School", "/schools", "org", subset="type=school"),
    Endpoint("getClassesForSchool", "/schools/{schoolSourcedId}/classes", "class", subset="school.classes",
             scopes=_NESTED),
    Endpoint("getCoursesForSchool", "/schools/{schoolSourcedId}/courses", "course", subset="school.courses",
             scopes=_NESTED),
    Endpoint("getEnrollmentsForSchool", "/schools/{schoolSourcedId}/enrollments", "enrollment",
             subset="school.enrollments", scopes=_NESTED),
    Endpoint("getEnrollmentsForClassInSchool", "/schools/{schoolSourcedId}/classes/{classSourcedId}/enrollments",
             "enrollment", subset="school.class.enrollments", scopes=_NESTED),
    Endpoint("getStudentsForSchool", "/schools/{schoolSourcedId}/students", "user", subset="school.students",
             scopes=_NESTED),
    Endpoint("getTeachersForSchool", "/schools/{schoolSourcedId}/teachers", "user", subset="school.teachers",
             scopes=_NESTED),
    Endpoint("getStudentsForClassInSchool", "/schools/{schoolSourcedId}/classes/{classSourcedId}/students", "user",
             subset="school.class.students", scopes=_NESTED),
    Endpoint("getTeachersForClassInSchool", "/schools/{schoolSourcedId}/classes/{classSourcedId}/teachers", "user",
             subset="school.class.teachers", scopes=_NESTED),
    Endpoint("getTermsForSchool", "/schools/{schoolSourcedId}/terms", "academicSession", subset="school.terms",
             scopes=_NESTED),
    *_pair("Students", "Student", "/students", "user", subset="role=student"),
    Endpoint("getClassesForStudent", "/students/{studentSourcedId}/classes", "class", subset="student.classes",
             scopes=_NESTED),
    *_pair("Teachers", "Teacher", "/teachers", "user", subset="role=teacher"),
    Endpoint("getClassesForTeacher", "/teachers/{teacherSourcedId}/classes", "class", subset="teacher.classes",
             scopes=_NESTED),
    *_pair("Terms", "Term", "/terms", "academicSession", subset="type=term"),
    Endpoint("getClassesForTerm", "/terms/{termSourcedId}/classes", "class", subset="term.classes", scopes=_NESTED),
    Endpoint("getGradingPeriodsForTerm", "/terms/{termSourcedId}/gradingPeriods", "academicSession",
             subset="term.gradingPeriods", scopes=_NESTED),
    Endpoint("getStudentsForClass", "/classes/{classSourcedId}/students", "user", subset="class.students",
             scopes=_NESTED),
    Endpoint("getTeachersForClass", "/classes/{classSourcedId}/teachers", "user", subset="class.teachers",
             scopes=_NESTED),
    *_pair("Users", "User", "/users", "user"),
    Endpoint("getClassesForUser", "/users/{userSourcedId}/classes", "class", subset="user.classes", scopes=_NESTED),
)
BY_OPERATION = {e.operation_id: e for e in ENDPOINTS}
assert len(ENDPOINTS) == 41, len(ENDPOINTS)  # reference §3.2: 41 read operations


def role_scopes_ok(endpoint: Endpoint, granted: set[str], demographics_scopes: tuple[str, ...] = _DEMO) -> bool:
    """Whether a token with ``granted`` scopes may call ``endpoint``.

    ``demographics_scopes``: which scopes open ``/demographics`` (the disputed point above)."""
    allowed = demographics_scopes if endpoint.object == "demographics" else endpoint.scopes
    return bool(granted & set(allowed))


def status_info(status: int, minor: str, description: str) -> dict[str, object]:
    """The ``imsx_StatusInfo`` payload of an error answer."""
    return {"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": description,
            "imsx_CodeMinor": {"imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}]}}


def object_spec(name: str) -> ObjectSpec:
    """A rostering or gradebook object's spec by its name."""
    return OBJECTS[name] if name in OBJECTS else GRADEBOOK_OBJECTS[name]


def field_paths(obj: str) -> set[str]:
    """Every dotted path a ``filter``/``sort`` may name in an object (GUIDRef members included)."""
    spec = object_spec(obj)
    paths: set[str] = set()
    for f in spec.fields:
        paths.add(f.name)
        if f.kind in (REF, REFS):
            paths |= {f"{f.name}.{m}" for m in ("href", "sourcedId", "type")}
        elif f.kind == ROLES:
            for r in ROLE_FIELDS:
                paths.add(f"{f.name}.{r.name}")
                if r.kind == REF:
                    paths |= {f"{f.name}.{r.name}.{m}" for m in ("href", "sourcedId", "type")}
        elif f.kind == USER_IDS:
            paths |= {f"{f.name}.{u.name}" for u in USER_ID_FIELDS}
        elif f.kind == USER_PROFILES:
            paths |= {f"{f.name}.{u.name}" for u in USER_PROFILE_FIELDS}
    return paths


def is_array_field(obj: str, name: str) -> bool:
    spec = object_spec(obj).by_name.get(name)
    return spec is not None and spec.kind in (REFS, STRS, ROLES, USER_IDS, USER_PROFILES, OBJS)


# -- Gradebook service (OneRoster 1.2 Gradebook, /ims/oneroster/gradebook/v1p2) ------------------------
# Objects as the 1.2 Gradebook information model has them (the gradebook OpenAPI is not vendored here:
# these are the CSV121 gradebook tables in their REST form, references as GUIDRefs).
SCORE_STATUS = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")
GRADEBOOK_OBJECTS: dict[str, ObjectSpec] = {o.name: o for o in (
    ObjectSpec("category", "category", "categories", (
        *_BASE, _f("title", STR, True), _f("weight")), "CategoryDType"),
    ObjectSpec("lineItem", "lineItem", "lineItems", (
        *_BASE, _f("title", STR, True), _f("description"), _f("assignDate", DATETIME, True),
        _f("dueDate", DATETIME, True), _f("class", REF, True, ref_type="class"), _f("school", REF, True, ref_type="org"),
        _f("category", REF, True, ref_type="category"), _f("gradingPeriod", REF, ref_type="academicSession"),
        _f("academicSession", REF, ref_type="academicSession"), _f("scoreScale", REF, ref_type="scoreScale"),
        _f("resultValueMin"), _f("resultValueMax"), _f("learningObjectiveSet")), "LineItemDType"),
    ObjectSpec("result", "result", "results", (
        *_BASE, _f("lineItem", REF, True, ref_type="lineItem"), _f("student", REF, True, ref_type="user"),
        _f("class", REF, ref_type="class"), _f("scoreScale", REF, ref_type="scoreScale"),
        _f("scoreStatus", ENUM, True, values=SCORE_STATUS, extensible=True), _f("score"), _f("textScore"),
        _f("scoreDate", DATE, True), _f("comment"), _f("learningObjectiveSet"), _f("inProgress", TF),
        _f("incomplete", TF), _f("late", TF), _f("missing", TF)), "ResultDType"),
    ObjectSpec("scoreScale", "scoreScale", "scoreScales", (
        *_BASE, _f("title", STR, True), _f("type", STR, True), _f("class", REF, True, ref_type="class"),
        _f("course", REF, ref_type="course"), _f("scoreScaleValue", OBJS, True)), "ScoreScaleDType"),
)}
_GB_READ = (SCOPE_GRADEBOOK_READ,)


def _gb(op: str, path: str, obj: str, *, single: bool = False, subset: str | None = None) -> Endpoint:
    return Endpoint(op, path, obj, single=single, subset=subset, scopes=_GB_READ, base=GRADEBOOK_PATH)


# GET operations of the Gradebook service; every single path also takes PUT (gradebook.createput)
# and DELETE (gradebook.delete).
GRADEBOOK_ENDPOINTS: tuple[Endpoint, ...] = (
    _gb("getAllCategories", "/categories", "category"),
    _gb("getCategory", "/categories/{sourcedId}", "category", single=True),
    _gb("getAllLineItems", "/lineItems", "lineItem"),
    _gb("getLineItem", "/lineItems/{sourcedId}", "lineItem", single=True),
    _gb("getAllResults", "/results", "result"),
    _gb("getResult", "/results/{sourcedId}", "result", single=True),
    _gb("getAllScoreScales", "/scoreScales", "scoreScale"),
    _gb("getScoreScale", "/scoreScales/{sourcedId}", "scoreScale", single=True),
    _gb("getLineItemsForClass", "/classes/{classSourcedId}/lineItems", "lineItem", subset="class.lineItems"),
    _gb("getResultsForClass", "/classes/{classSourcedId}/results", "result", subset="class.results"),
    _gb("getResultsForLineItemForClass", "/classes/{classSourcedId}/lineItems/{lineItemSourcedId}/results",
        "result", subset="class.lineItem.results"),
    _gb("getResultsForStudentForClass", "/classes/{classSourcedId}/students/{studentSourcedId}/results",
        "result", subset="class.student.results"),
    _gb("getScoreScalesForClass", "/classes/{classSourcedId}/scoreScales", "scoreScale",
        subset="class.scoreScales"),
    _gb("getLineItemsForSchool", "/schools/{schoolSourcedId}/lineItems", "lineItem", subset="school.lineItems"),
)
