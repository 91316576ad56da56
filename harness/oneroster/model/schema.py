"""Column types, required flags, vocabularies and references of every OneRoster CSV file.

This is the executable form of the CSV121 tables (1EdTech OneRoster 1.2.1 CSV Binding §3.2-3.22,
copy kept by 日本IMS協会: imsjapan/github.io docsv1p2/specification/csv-binding1p2p1/...). Header
*order* of the rostering files comes from ``columns.roster_headers`` so the validator and the roster
generator can never disagree; this module adds what each column means.

Variants (``columns`` profile parameter): ``1.1``, ``1.2``, ``1.2.1``, ``jp-ed2``, ``jp-1.2.1``,
``jp-k12`` (see ``columns.roster_headers``).

Known limits, stated so reports can say them:
- 1.1 gradebook columns (lineItems, results, categories) are derived from CSV121 "Changes Between
  OR 1.1 and 1.2"; the 1.1 text itself was not consulted.
- 1.1 ``users.role`` vocabulary is unverified (reference §1.5), so it is typed as a plain string.
- ``metadata.jp.*`` columns are plain strings here; their rules belong to the Japanese checks.
- CSV121 defines a "UUID Reference" format but no column of its tables uses it, so there is no
  UUID kind; the Japanese profiles' UUID v4 rule for sourcedIds is a Japanese check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from renkei.harness.oneroster.model import columns as cols

# Column kinds (the "Format" column of the CSV121 tables).
GUID = "guid"  # GUID: < 256 chars of 0-9 a-z A-Z . - _ / @
REF = "ref"  # GUID Reference
REFS = "refs"  # List of GUID References
STRING = "string"
STRINGS = "strings"  # List of Strings
BRACED = "braced"  # List of Strings whose elements are {left:right} (userIds, scoreScaleValue)
ENUM = "enum"
ENUMS = "enums"  # Enumeration List
BOOL = "bool"  # Boolean (true|false, case-sensitive)
DATE = "date"
DATETIME = "datetime"
YEAR = "year"
FLOAT = "float"
INT = "int"
STATUS = "status"  # the status column: checked by or.<file>.status, not by format/enum

KINDS = (GUID, REF, REFS, STRING, STRINGS, BRACED, ENUM, ENUMS, BOOL, DATE, DATETIME, YEAR, FLOAT,
         INT, STATUS)

EXT_PATTERN = r"^ext:[a-zA-Z0-9.\-_]+$"  # CSV121 §4.1.2 proprietary vocabulary terms (MEIBO regex)
# Lower-case hyphenated UUID v4, the sourcedId form of the Japanese profiles (DA-K/DA-R/DA-AA). Every
# value it matches is also a valid GUID (36 characters of 0-9 a-f and -), which lets the GUID format
# check skip its own regex where the Japanese UUID check already matched (``FileContext.match``).
UUID_V4_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"

# Dependency order for reading: every reference points to a file read earlier (or the same file).
FILE_ORDER = (
    "academicSessions", "orgs", "resources", "courses", "classes", "users", "userProfiles", "roles",
    "enrollments", "demographics", "classResources", "courseResources", "userResources",
    "categories", "lineItems", "scoreScales", "lineItemScoreScales", "results", "resultScoreScales",
    "lineItemLearningObjectiveIds", "resultLearningObjectiveIds",
)

# CSV121 section of each file table (ReSpec numbering of the source order, manifest = §3.1).
SECTIONS = {
    "academicSessions": "3.2", "categories": "3.3", "classes": "3.4", "classResources": "3.5",
    "courseResources": "3.6", "courses": "3.7", "demographics": "3.8", "enrollments": "3.9",
    "lineItemLearningObjectiveIds": "3.10", "lineItems": "3.11", "lineItemScoreScales": "3.12",
    "orgs": "3.13", "resources": "3.14", "resultLearningObjectiveIds": "3.15", "results": "3.16",
    "resultScoreScales": "3.17", "roles": "3.18", "scoreScales": "3.19", "userProfiles": "3.20",
    "userResources": "3.21", "users": "3.22",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = STRING
    required: bool = False
    values: tuple[str, ...] = ()  # enumeration tokens (ENUM/ENUMS)
    extensible: bool = False  # vocabulary may be extended with ext: terms (CSV121 §4.1.2)
    ref: str | None = None  # referenced file (REF/REFS), e.g. "orgs"
    ref_type: str | None = None  # required `type` of the referenced row, e.g. "school"

    @property
    def is_list(self) -> bool:
        return self.kind in (REFS, STRINGS, BRACED, ENUMS)


@dataclass(frozen=True)
class FileSchema:
    name: str  # "users"
    columns: tuple[Column, ...]
    by_name: dict[str, Column] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        self.by_name.update({c.name: c for c in self.columns})

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column | None:
        return self.by_name.get(name)

    def refs(self) -> list[Column]:
        return [c for c in self.columns if c.ref]


def _c(name: str, kind: str = STRING, req: bool = False, **kw: object) -> Column:
    return Column(name, kind, req, **kw)  # type: ignore[arg-type]


_STATUS = (_c("sourcedId", GUID, True), _c("status", STATUS), _c("dateLastModified", DATETIME))

ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
ENROLLMENT_ROLES = ("administrator", "proctor", "student", "teacher")
ROLE_ROLES = ("aide", "counselor", "districtAdministrator", "guardian", "parent", "principal",
              "proctor", "relative", "siteAdministrator", "student", "systemAdministrator", "teacher")
RESOURCE_ROLES = ("administrator", "aide", "guardian", "parent", "proctor", "relative", "student",
                  "teacher")
SCORE_STATUS = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")
SEX_12 = ("male", "female", "unspecified", "other")
SEX_11 = ("male", "female")
TF = ("true", "false")
LO_SOURCE = ("case", "unknown")
RACE_FLAGS = ("americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
              "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
              "hispanicOrLatinoEthnicity")

# Types of the rostering columns by (file, column); order comes from columns.py.
_ROSTER_TYPES: dict[str, dict[str, Column]] = {
    "academicSessions": {c.name: c for c in (
        _c("title", STRING, True), _c("type", ENUM, True, values=SESSION_TYPES, extensible=True),
        _c("startDate", DATE, True), _c("endDate", DATE, True),
        _c("parentSourcedId", REF, ref="academicSessions"), _c("schoolYear", YEAR, True))},
    "orgs": {c.name: c for c in (
        _c("name", STRING, True), _c("type", ENUM, True, values=ORG_TYPES, extensible=True),
        _c("identifier"), _c("parentSourcedId", REF, ref="orgs"))},
    "courses": {c.name: c for c in (
        _c("schoolYearSourcedId", REF, ref="academicSessions", ref_type="schoolYear"),
        _c("title", STRING, True), _c("courseCode"), _c("grades", STRINGS),
        _c("orgSourcedId", REF, True, ref="orgs"), _c("subjects", STRINGS),
        _c("subjectCodes", STRINGS))},
    "classes": {c.name: c for c in (
        _c("title", STRING, True), _c("grades", STRINGS),
        _c("courseSourcedId", REF, True, ref="courses"), _c("classCode"),
        _c("classType", ENUM, True, values=("homeroom", "scheduled"), extensible=True),
        _c("location"), _c("schoolSourcedId", REF, True, ref="orgs", ref_type="school"),
        _c("termSourcedIds", REFS, True, ref="academicSessions"), _c("subjects", STRINGS),
        _c("subjectCodes", STRINGS), _c("periods", STRINGS))},
    "enrollments": {c.name: c for c in (
        _c("classSourcedId", REF, True, ref="classes"),
        _c("schoolSourcedId", REF, True, ref="orgs", ref_type="school"),
        _c("userSourcedId", REF, True, ref="users"),
        _c("role", ENUM, True, values=ENROLLMENT_ROLES, extensible=True),
        _c("primary", ENUM, values=TF), _c("beginDate", DATE), _c("endDate", DATE))},
    "users": {c.name: c for c in (
        _c("enabledUser", BOOL, True), _c("username", STRING, True), _c("userIds", BRACED),
        _c("givenName", STRING, True), _c("familyName", STRING, True), _c("middleName"),
        _c("identifier"), _c("email"), _c("sms"), _c("phone"),
        _c("agentSourcedIds", REFS, ref="users"),
        # CSV121 types users.grades as String (courses/classes: List of Strings); a list is harmless.
        _c("grades", STRINGS), _c("password"), _c("userMasterIdentifier"),
        _c("resourceSourcedIds", REFS, ref="resources"),  # 1.2 only (removed in 1.2.1)
        _c("preferredGivenName"), _c("preferredMiddleName"), _c("preferredFamilyName"),
        _c("primaryOrgSourcedId", REF, ref="orgs"), _c("pronouns"))},
    "roles": {c.name: c for c in (
        _c("userSourcedId", REF, True, ref="users"),
        _c("roleType", ENUM, True, values=("primary", "secondary")),
        _c("role", ENUM, True, values=ROLE_ROLES, extensible=True),
        _c("beginDate", DATE), _c("endDate", DATE), _c("orgSourcedId", REF, True, ref="orgs"),
        _c("userProfileSourcedId", REF, ref="userProfiles"))},
    "userProfiles": {c.name: c for c in (
        # CSV121 types userSourcedId as "GUID" but its dependency text makes it a users reference.
        _c("userSourcedId", REF, True, ref="users"), _c("profileType", STRING, True),
        _c("vendorId", STRING, True), _c("applicationId"), _c("description"),
        _c("credentialType", STRING, True), _c("username", STRING, True), _c("password"))},
    "demographics": {c.name: c for c in (
        _c("birthDate", DATE), _c("sex", ENUM, values=SEX_12, extensible=True),
        *(_c(f, ENUM, values=TF) for f in RACE_FLAGS),
        _c("countryOfBirthCode"), _c("stateOfBirthAbbreviation"), _c("cityOfBirth"),
        _c("publicSchoolResidenceStatus"))},
}

_USERS_11_TYPES = {
    "orgSourcedIds": _c("orgSourcedIds", REFS, True, ref="orgs"),
    "role": _c("role", STRING, True),  # 1.1 vocabulary unverified (reference §1.5): not enumerated
}

# Gradebook / resources files, 1.2 and 1.2.1 (CSV121 §3.3, 3.5, 3.6, 3.10-3.12, 3.14-3.17, 3.19, 3.21).
_OTHER_12: dict[str, tuple[Column, ...]] = {
    "categories": (_c("title", STRING, True), _c("weight", INT)),
    "classResources": (_c("title"), _c("classSourcedId", REF, True, ref="classes"),
                       _c("resourceSourcedId", REF, True, ref="resources")),
    "courseResources": (_c("title"), _c("courseSourcedId", REF, True, ref="courses"),
                        _c("resourceSourcedId", REF, True, ref="resources")),
    "lineItemLearningObjectiveIds": (
        _c("lineItemSourcedId", REF, True, ref="lineItems"),
        _c("source", ENUM, True, values=LO_SOURCE, extensible=True),
        _c("learningObjectiveId", STRING, True)),
    "lineItems": (
        _c("title", STRING, True), _c("description"), _c("assignDate", DATE, True),
        _c("dueDate", DATE, True), _c("classSourcedId", REF, True, ref="classes"),
        _c("categorySourcedId", REF, True, ref="categories"),
        _c("academicSessionSourcedId", REF, True, ref="academicSessions"),
        _c("resultValueMin", FLOAT), _c("resultValueMax", FLOAT),
        _c("schoolSourcedId", REF, True, ref="orgs")),
    "lineItemScoreScales": (_c("title"), _c("lineItemSourcedId", REF, True, ref="lineItems"),
                            _c("scoreScaleSourcedId", REF, True, ref="scoreScales")),
    "resources": (
        _c("vendorResourceId", STRING, True), _c("title"),
        _c("roles", ENUMS, values=RESOURCE_ROLES, extensible=True),
        _c("importance", ENUM, values=("primary", "secondary")), _c("vendorId"),
        _c("applicationId")),
    "resultLearningObjectiveIds": (
        _c("resultSourcedId", REF, True, ref="results"),
        _c("source", ENUM, True, values=LO_SOURCE, extensible=True),
        _c("learningObjectiveId", STRING, True), _c("score", FLOAT), _c("textScore")),
    "results": (
        _c("lineItemSourcedId", REF, True, ref="lineItems"),
        _c("studentSourcedId", REF, True, ref="users"),
        _c("scoreStatus", ENUM, True, values=SCORE_STATUS, extensible=True), _c("score", FLOAT),
        _c("scoreDate", DATE, True), _c("comment"), _c("textScore"),
        _c("classSourcedId", REF, ref="classes"), _c("inProgress", BOOL), _c("incomplete", BOOL),
        _c("late", BOOL), _c("missing", BOOL)),
    "resultScoreScales": (_c("title"), _c("resultSourcedId", REF, True, ref="results"),
                          _c("scoreScaleSourcedId", REF, True, ref="scoreScales")),
    "scoreScales": (
        _c("title", STRING, True), _c("type", STRING, True),
        _c("orgSourcedId", REF, True, ref="orgs"), _c("courseSourcedId", REF, True, ref="courses"),
        _c("classSourcedId", REF, True, ref="classes"), _c("scoreScaleValue", BRACED, True)),
    "userResources": (
        _c("userSourcedId", REF, True, ref="users"), _c("orgSourcedId", REF, ref="orgs"),
        _c("classSourcedId", REF, ref="classes"),
        _c("resourceSourcedId", REF, True, ref="resources")),
}

# 1.1 differences (CSV121 "Changes Between OR 1.1 and 1.2").
_OTHER_11: dict[str, tuple[Column, ...]] = {
    "categories": (_c("title", STRING, True),),
    "classResources": _OTHER_12["classResources"],
    "courseResources": _OTHER_12["courseResources"],
    "resources": _OTHER_12["resources"],
    "lineItems": (
        _c("title", STRING, True), _c("description"), _c("assignDate", DATE, True),
        _c("dueDate", DATE, True), _c("classSourcedId", REF, True, ref="classes"),
        _c("categorySourcedId", REF, True, ref="categories"),
        _c("gradingPeriodSourcedId", REF, True, ref="academicSessions"),
        _c("resultValueMin", FLOAT, True), _c("resultValueMax", FLOAT, True)),
    "results": (
        _c("lineItemSourcedId", REF, True, ref="lineItems"),
        _c("studentSourcedId", REF, True, ref="users"),
        _c("scoreStatus", ENUM, True, values=SCORE_STATUS, extensible=True),
        _c("score", FLOAT, True), _c("scoreDate", DATE, True), _c("comment")),
}


def files_for(variant: str) -> tuple[str, ...]:
    """Data files a manifest of this variant declares (``file.<name>`` rows), in spec order."""
    _check_variant(variant)
    return cols.FILES_11 if variant == "1.1" else cols.FILES_12


def _check_variant(variant: str) -> None:
    if variant not in cols.VARIANTS:
        raise ValueError(f"unknown OneRoster column variant {variant!r} (known: {', '.join(cols.VARIANTS)})")


@cache
def schema_for(variant: str) -> dict[str, FileSchema]:
    """Every data file of a variant with its typed columns, keyed by file name without ``.csv``."""
    _check_variant(variant)
    headers = cols.roster_headers(variant)
    out: dict[str, FileSchema] = {}
    for name, header in headers.items():
        types = dict(_ROSTER_TYPES[name])
        if variant == "1.1" and name == "users":
            types.update(_USERS_11_TYPES)
        if variant == "1.1" and name == "demographics":
            types["sex"] = _c("sex", ENUM, values=SEX_11, extensible=True)
        columns = [_STATUS[("sourcedId", "status", "dateLastModified").index(h)]
                   if h in cols.COMMON else types.get(h, Column(h)) for h in header]
        out[name] = FileSchema(name, tuple(columns))
    others = _OTHER_11 if variant == "1.1" else _OTHER_12
    for name, rest in others.items():
        out[name] = FileSchema(name, _STATUS + rest)
    files = files_for(variant)
    return {name: out[name] for name in FILE_ORDER if name in files}


def ref_targets(variant: str) -> set[str]:
    """Files whose sourcedIds must be kept for reference checks."""
    return {c.ref for s in schema_for(variant).values() for c in s.refs() if c.ref}


ALL_FILES = tuple(FILE_ORDER)
