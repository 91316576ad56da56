"""Bundles written the way the Ruby library MEIBO writes them (hanachin/meibo @ 3526315), for tests.

Ruby is not available here, so this emulates ``Meibo::Roster#write`` (lib/meibo/roster.rb) from its
source, independently of renkei's own column tables (the headers below are transcribed from MEIBO's
models, so a test comparing them with ``model/columns.py`` can fail):

- one zip, entries at the root: ``manifest.csv`` first, then the data files in ``file_properties``
  order (academicSessions, classes, courses, demographics, enrollments, orgs, roles, userProfiles,
  users); a file without records is declared ``absent`` and not written (never a header-only file);
- ``manifest.csv``: header ``propertyName,value`` and one row per ``Manifest::PROPERTY_NAME_TO_ATTRIBUTE_MAP``
  entry in that order (manifest.rb), ``source.systemName`` / ``source.systemCode`` included with an
  empty value; ``oneroster.version`` is the profile's ``manifest_properties`` (profile.rb), "1.2" by default;
- every line written with Ruby's ``Array#to_csv`` and ``puts``: UTF-8 without BOM, LF line ends; a field
  is quoted only when it holds a comma, a double quote, CR or LF, and an empty *string* is written as
  ``""`` while ``nil`` stays empty (ruby/csv ``Writer#quote``, ``quote_empty: true``);
- write converters (converter.rb): Boolean -> ``true``/``false``, Date -> ``YYYY-MM-DD``, list ->
  comma-joined (an empty list -> nil), year -> ``%04d``, integer as is;
- model defaults (lib/meibo/*.rb, japan_profile/v1_1/*.rb): a district's ``parentSourcedId`` is the
  literal ``NULL`` (organization.rb), Japan Profile courses write ``courseCode`` as ``""``, a student's
  enrollment ``primary`` is ``false`` and a teacher's is nil (japan_profile/v1_1/enrollment.rb), a
  Japan Profile user is ``enabledUser`` true, sourcedIds are ``SecureRandom.uuid`` (lower-case v4).

``sample_roster`` builds a small school the way a MEIBO user would with ``roster.builder``: only what the
profile asks for (a JPK12-only export carries no 学習eポータル fields), every person fictitious.
"""

from __future__ import annotations

import random
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

Value = str | bool | int | date | list[str] | None
Record = dict[str, Value]

# --- headers, transcribed from MEIBO's define_attributes (Hash#merge keeps the original key order) ---------

_COMMON = ("sourcedId", "status", "dateLastModified")
ACADEMIC_SESSION = (*_COMMON, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear")
CLASSROOM = (*_COMMON, "title", "grades", "courseSourcedId", "classCode", "classType", "location",
             "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods")
COURSE = (*_COMMON, "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects",
          "subjectCodes")
DEMOGRAPHIC = (*_COMMON, "birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
               "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
               "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
               "publicSchoolResidenceStatus")
ENROLLMENT = (*_COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate",
              "endDate")
ORGANIZATION = (*_COMMON, "name", "type", "identifier", "parentSourcedId")
ROLE = (*_COMMON, "userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId",
        "userProfileSourcedId")
USER_PROFILE = (*_COMMON, "userSourcedId", "profileType", "vendorId", "applicationId", "description",
                "credentialType", "username", "password")
USER_121 = (*_COMMON, "enabledUser", "username", "userIds", "givenName", "familyName", "middleName", "identifier",
            "email", "sms", "phone", "agentSourcedIds", "grades", "password", "userMasterIdentifier",
            "preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns")
USER_12 = (*USER_121[:USER_121.index("userMasterIdentifier") + 1], "resourceSourcedIds",  # oneroster/v1_2/user.rb
           *USER_121[USER_121.index("userMasterIdentifier") + 1:])
JP_USER = ("metadata.jp.kanaGivenName", "metadata.jp.kanaFamilyName", "metadata.jp.kanaMiddleName",
           "metadata.jp.homeClass")  # japan_profile/v1_1/user.rb
JP_USER_PREFERRED = ("metadata.jp.kanaPreferredFamilyName", "metadata.jp.kanaPreferredGivenName",
                     "metadata.jp.kanaPreferredMiddleName")  # japan_profile/v1_2/user.rb
JP_CLASSROOM = ("metadata.jp.specialNeeds",)  # japan_profile/v1_1/classroom.rb
JP_ENROLLMENT = ("metadata.jp.ShussekiNo", "metadata.jp.PublicFlg")  # japan_profile/v1_1/enrollment.rb
K12_ENROLLMENT = ("metadata.jp.shussekiNo", "metadata.jp.publicFlg")  # japan_k12_schools_profile/v1/enrollment.rb

# Attributes each write converter applies to, by header (converter.rb; the models' define_converters).
LISTS = {"grades", "termSourcedIds", "subjects", "subjectCodes", "periods", "userIds", "agentSourcedIds",
         "resourceSourcedIds"}
BOOLEANS = {"enabledUser", "primary", "metadata.jp.specialNeeds", "metadata.jp.PublicFlg", "metadata.jp.publicFlg",
            "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander",
            "white", "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity"}
YEARS = {"schoolYear"}

# Manifest::PROPERTY_NAME_TO_ATTRIBUTE_MAP, in its order (manifest.rb).
MANIFEST_PROPERTIES = (
    "manifest.version", "oneroster.version", "file.academicSessions", "file.categories", "file.classes",
    "file.classResources", "file.courses", "file.courseResources", "file.demographics", "file.enrollments",
    "file.lineItemLearningObjectiveIds", "file.lineItems", "file.lineItemScoreScales", "file.orgs",
    "file.resources", "file.resultLearningObjectiveIds", "file.results", "file.resultScoreScales", "file.roles",
    "file.scoreScales", "file.userProfiles", "file.userResources", "file.users", "source.systemName",
    "source.systemCode",
)
WRITTEN_FILES = ("academicSessions", "classes", "courses", "demographics", "enrollments", "orgs", "roles",
                 "userProfiles", "users")  # Roster#file_properties order


@dataclass(frozen=True)
class MeiboProfile:
    """One entry of ``Meibo::Profiles::PROFILES`` (lib/meibo/profiles.rb), as far as writing goes."""

    name: str
    oneroster_version: str  # manifest_properties
    users: tuple[str, ...]
    classes: tuple[str, ...] = CLASSROOM
    enrollments: tuple[str, ...] = ENROLLMENT
    japan: bool = False  # JapanProfile models (defaults, metadata.jp.*)
    model: bool = False  # 学習eポータル / 相互運用標準モデル: UMI, preferred names, kana and primary required

    def headers(self) -> dict[str, tuple[str, ...]]:
        return {"academicSessions": ACADEMIC_SESSION, "classes": self.classes, "courses": COURSE,
                "demographics": DEMOGRAPHIC, "enrollments": self.enrollments, "orgs": ORGANIZATION,
                "roles": ROLE, "userProfiles": USER_PROFILE, "users": self.users}


_JP12 = dict(classes=(*CLASSROOM, *JP_CLASSROOM), enrollments=(*ENROLLMENT, *JP_ENROLLMENT), japan=True)
_JP121 = dict(_JP12, users=(*USER_121, *JP_USER, *JP_USER_PREFERRED))
_K12 = dict(_JP121, enrollments=(*ENROLLMENT, *K12_ENROLLMENT))
_ED2_USERS = (*USER_12, *JP_USER)
PROFILES: tuple[MeiboProfile, ...] = (
    MeiboProfile("IMS OneRoster: CSV Binding Final Release v1.2", "1.2", USER_12),  # oneroster/v1_2.rb
    MeiboProfile("IMS OneRoster: CSV Binding Final Release v1.2.1", "1.2.1", USER_121),  # oneroster/v1_2_1.rb
    MeiboProfile("学習eポータル標準モデル Ver. 3.00", "1.2", **_JP12, users=_ED2_USERS, model=True),  # eportal/v3
    MeiboProfile("OneRoster Japan Profile 第2版", "1.2", **_JP12, users=_ED2_USERS),  # japan_profile/v1_1.rb
    MeiboProfile("OneRoster Japan Profile 第2版 (rev.2)", "1.2", **_JP12, users=_ED2_USERS),  # v1_1_1 = v1_1
    MeiboProfile("OneRoster Japan Profile v.1.2.1", "1.2", **_JP121),  # japan_profile/v1_2.rb
    MeiboProfile("学習eポータル標準モデル Ver. 4.00", "1.2.1", **_JP121, model=True),  # eportal/v4.rb
    MeiboProfile("初等中等教育におけるシステム間連携のための相互運用標準モデル Ver. 5.00", "1.2.1", **_JP121,
                 model=True),  # pse_interoperability_standard/v5.rb = Eportal::V4::PROFILE
    MeiboProfile("1EdTech OneRoster 1.2 CSV Binding: Japan K-12/Schools Profile", "1.2_JP", **_K12),
    MeiboProfile("初等中等教育におけるシステム間連携のための相互運用標準モデル Ver. 6.00", "1.2_JP", **_K12,
                 model=True),  # pse_interoperability_standard/v6.rb: V5 users + K12 enrollments, primary required
)
BY_NAME = {p.name: p for p in PROFILES}


# --- Ruby's CSV writer -------------------------------------------------------------------------------------

def ruby_field(value: str | None) -> str:
    """One field as ruby/csv ``Writer#quote`` writes it (default options)."""
    if value is None:
        return ""
    if value == "" or any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def ruby_line(values: list[str | None]) -> str:
    return ",".join(ruby_field(v) for v in values) + "\n"


def write_value(header: str, value: Value) -> str | None:
    """A model attribute through MEIBO's write converters (converter.rb)."""
    if value is None:
        return None
    if header in LISTS:
        assert isinstance(value, list)
        return ",".join(value) if value else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if header in YEARS:
        return f"{int(value):04d}"  # type: ignore[arg-type]
    return str(value)


def write_bundle(path: Path, profile: MeiboProfile, roster: dict[str, list[Record]]) -> Path:
    """``Roster#write_to_file``: the manifest, then every file that has records."""
    headers = profile.headers()
    modes = {f: "bulk" if roster.get(f) else "absent" for f in WRITTEN_FILES}
    manifest: dict[str, str | None] = {"manifest.version": "1.0", "oneroster.version": profile.oneroster_version}
    for prop in MANIFEST_PROPERTIES:
        if prop.startswith("file."):
            manifest[prop] = modes.get(prop[5:], "absent")  # Manifest::DEFAULT_VALUES: unwritten files absent
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        text = ruby_line(["propertyName", "value"])
        text += "".join(ruby_line([p, manifest.get(p)]) for p in MANIFEST_PROPERTIES)
        zf.writestr("manifest.csv", text.encode("utf-8"))
        for name in WRITTEN_FILES:
            records = roster.get(name) or []
            if not records:
                continue
            header = headers[name]
            unknown = {k for r in records for k in r} - set(header)
            assert not unknown, (name, unknown)  # the model has no such attribute
            text = ruby_line(list(header))
            text += "".join(ruby_line([write_value(h, r.get(h)) for h in header]) for r in records)
            zf.writestr(f"{name}.csv", text.encode("utf-8"))
    return path


# --- a school as a MEIBO user builds it --------------------------------------------------------------------

def _ids(seed: int) -> Any:
    rng = random.Random(seed)
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # SecureRandom.uuid: lower-case v4


def sample_roster(profile: MeiboProfile, *, seed: int = 0, year: int = 2024) -> dict[str, list[Record]]:
    """A district, one 小学校, its 年度, two classes, a teacher, a student and her guardian."""
    new_id = _ids(seed)
    jp, model = profile.japan, profile.model
    session = new_id()
    district, school = new_id(), new_id()
    homeroom_course, japanese_course = new_id(), new_id()
    homeroom, japanese_class = new_id(), new_id()
    teacher, student, guardian = new_id(), new_id(), new_id()
    teacher_profile = new_id()
    code = "" if jp else None  # JapanProfile::V1_1::Course: courseCode "" (written as "")
    sessions: list[Record] = [{  # JapanProfile::V1_1::AcademicSession defaults (school_year: the 年度's start)
        "sourcedId": session, "title": f"{year}年度", "type": "schoolYear", "startDate": date(year, 4, 1),
        "endDate": date(year + 1, 3, 31), "schoolYear": year}]
    orgs: list[Record] = [
        {"sourcedId": district, "name": "見本市教育委員会", "type": "district", "identifier": "011002",
         "parentSourcedId": "NULL"},  # Organization#initialize default for a district
        {"sourcedId": school, "name": "見本市立第一小学校", "type": "school", "identifier": "B101200000019",
         "parentSourcedId": district}]
    courses: list[Record] = [
        {"sourcedId": homeroom_course, "schoolYearSourcedId": session, "title": f"{year}年度ホームルーム",
         "courseCode": code, "grades": ["P1"], "orgSourcedId": school, "subjects": [], "subjectCodes": []},
        {"sourcedId": japanese_course, "schoolYearSourcedId": session, "title": f"{year}年度国語",
         "courseCode": code, "grades": ["P1"], "orgSourcedId": school, "subjects": ["国語"],
         "subjectCodes": ["P010"]}]
    jp_class = {"metadata.jp.specialNeeds": False} if jp else {}
    classes: list[Record] = [
        {"sourcedId": homeroom, "title": "1年1組", "grades": ["P1"], "courseSourcedId": homeroom_course,
         "classType": "homeroom", "schoolSourcedId": school, "termSourcedIds": [session], "subjects": [],
         "subjectCodes": [], "periods": [], **jp_class},
        {"sourcedId": japanese_class, "title": "1年1組 国語", "grades": ["P1"], "courseSourcedId": japanese_course,
         "classType": "scheduled", "schoolSourcedId": school, "termSourcedIds": [session], "subjects": ["国語"],
         "subjectCodes": ["P010"], "periods": ["1", "3"], **jp_class}]

    def person(sid: str, given: str, family: str, kana: tuple[str, str], username: str, **more: Value) -> Record:
        record: Record = {"sourcedId": sid, "enabledUser": True, "username": username, "userIds": None,
                          "givenName": given, "familyName": family, "email": username,
                          "agentSourcedIds": [], "grades": [], "primaryOrgSourcedId": school, **more}
        if jp:
            record |= {"metadata.jp.kanaGivenName": kana[0], "metadata.jp.kanaFamilyName": kana[1]}
        if model:  # 学習eポータル: UUID, preferred names and their readings
            record |= {"userMasterIdentifier": new_id(), "preferredGivenName": given, "preferredFamilyName": family}
            if "metadata.jp.kanaPreferredGivenName" in profile.users:
                record |= {"metadata.jp.kanaPreferredGivenName": kana[0],
                           "metadata.jp.kanaPreferredFamilyName": kana[1]}
        return record

    home = {"metadata.jp.homeClass": homeroom} if jp else {}
    users = [
        person(teacher, "花子", "見本", ("ハナコ", "ミホン"), "mihon.hanako@school.example.jp", **home),
        person(student, "一郎", "試験", ("イチロウ", "シケン"), "shiken.ichiro@school.example.jp",
               agentSourcedIds=[guardian], grades=["P1"], **home),
        person(guardian, "恵子", "試験", ("ケイコ", "シケン"), "shiken.keiko@example.jp")]
    demographics: list[Record] = [
        {"sourcedId": teacher, "sex": "female", "birthDate": date(1985, 6, 1)},
        {"sourcedId": student, "sex": "male", "birthDate": date(year - 6, 5, 12)}]
    user_profiles: list[Record] = [
        {"sourcedId": teacher_profile, "userSourcedId": teacher, "profileType": "学習eポータル", "vendorId": "example",
         "credentialType": "password", "username": "mihon.hanako", "description": "校務用アカウント"}]
    roles: list[Record] = [
        {"sourcedId": new_id(), "userSourcedId": teacher, "roleType": "primary", "role": "teacher",
         "orgSourcedId": school, "userProfileSourcedId": teacher_profile},
        {"sourcedId": new_id(), "userSourcedId": student, "roleType": "primary", "role": "student",
         "orgSourcedId": school},
        {"sourcedId": new_id(), "userSourcedId": guardian, "roleType": "primary", "role": "guardian",
         "orgSourcedId": school}]
    number = next((h for h in profile.enrollments if h.lower() == "metadata.jp.shussekino"), None)
    # JapanProfile enrollments: a student's primary is false, a teacher's nil unless the model requires it.
    teacher_primary: bool | None = True if model else None
    student_primary: bool | None = False if jp else None
    enrollments: list[Record] = [
        {"sourcedId": new_id(), "classSourcedId": homeroom, "schoolSourcedId": school, "userSourcedId": teacher,
         "role": "teacher", "primary": teacher_primary},
        {"sourcedId": new_id(), "classSourcedId": homeroom, "schoolSourcedId": school, "userSourcedId": student,
         "role": "student", "primary": student_primary, **({number: 1} if number else {})},
        {"sourcedId": new_id(), "classSourcedId": japanese_class, "schoolSourcedId": school,
         "userSourcedId": teacher, "role": "teacher", "primary": teacher_primary},
        {"sourcedId": new_id(), "classSourcedId": japanese_class, "schoolSourcedId": school,
         "userSourcedId": student, "role": "student", "primary": student_primary}]
    return {"academicSessions": sessions, "orgs": orgs, "courses": courses, "classes": classes, "users": users,
            "demographics": demographics, "userProfiles": user_profiles, "roles": roles,
            "enrollments": enrollments}
