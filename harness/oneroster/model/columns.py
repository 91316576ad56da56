"""Exact CSV header lists of each OneRoster binding and Japanese profile variant.

Order matters (CSV121 §3: headers in the exact order of the tables; extensions to the right).
Sources: reference/oneroster.md §1.3 (1.2.1 tables), §1.5 (1.1 differences), §2.2 (metadata.jp.*).
Both the validator and the roster generator read these lists, so they cannot drift apart.
"""

from __future__ import annotations

COMMON = ("sourcedId", "status", "dateLastModified")

MANIFEST_HEADER = ("propertyName", "value")

# Every data file a 1.2 manifest must declare (CSV121 Table 3.1), in the spec's order.
FILES_12 = (
    "academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
    "demographics", "enrollments", "lineItemLearningObjectiveIds", "lineItems",
    "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds", "results",
    "resultScoreScales", "roles", "scoreScales", "userProfiles", "users", "userResources",
)
FILES_11 = (
    "academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
    "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users",
)
ROSTERING_CORE = ("academicSessions", "classes", "courses", "enrollments", "orgs", "roles", "users")

_ROSTER_121: dict[str, tuple[str, ...]] = {
    "academicSessions": ("title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
    "orgs": ("name", "type", "identifier", "parentSourcedId"),
    "courses": ("schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects",
                "subjectCodes"),
    "classes": ("title", "grades", "courseSourcedId", "classCode", "classType", "location",
                "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"),
    "enrollments": ("classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary",
                    "beginDate", "endDate"),
    "users": ("enabledUser", "username", "userIds", "givenName", "familyName", "middleName",
              "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password",
              "userMasterIdentifier", "preferredGivenName", "preferredMiddleName",
              "preferredFamilyName", "primaryOrgSourcedId", "pronouns"),
    "roles": ("userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId",
              "userProfileSourcedId"),
    "userProfiles": ("userSourcedId", "profileType", "vendorId", "applicationId", "description",
                     "credentialType", "username", "password"),
    "demographics": ("birthDate", "sex", "americanIndianOrAlaskaNative", "asian",
                     "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white",
                     "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity",
                     "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                     "publicSchoolResidenceStatus"),
}

_USERS_12 = tuple(
    c for col in _ROSTER_121["users"]
    for c in ((col, "resourceSourcedIds") if col == "userMasterIdentifier" else (col,))
)

_USERS_11 = ("enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName",
             "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds",
             "grades", "password")

JP_USERS_KANA = ("metadata.jp.kanaGivenName", "metadata.jp.kanaFamilyName",
                 "metadata.jp.kanaMiddleName", "metadata.jp.homeClass")
JP_USERS_KANA_PREFERRED = ("metadata.jp.kanaPreferredFamilyName",
                           "metadata.jp.kanaPreferredGivenName",
                           "metadata.jp.kanaPreferredMiddleName")
JP_CLASSES = ("metadata.jp.specialNeeds",)
JP_ENROLLMENTS_UPPER = ("metadata.jp.ShussekiNo", "metadata.jp.PublicFlg")  # JP 第2版 / v1.2.1
JP_ENROLLMENTS_LOWER = ("metadata.jp.shussekiNo", "metadata.jp.publicFlg")  # JPK12 / 相互運用 6.00


def _full(cols: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {name: COMMON + rest for name, rest in cols.items()}


def roster_headers(variant: str) -> dict[str, tuple[str, ...]]:
    """Header lists of the rostering files for a variant.

    Variants: ``1.1``, ``1.2`` (OneRoster 1.2 as first published: users.csv has
    ``resourceSourcedIds``), ``1.2.1``, ``jp-ed2`` (Japan Profile 第2版 and 学習eポータル 3.00: the
    1.2 users.csv plus the four kana/homeClass columns, no kanaPreferred*), ``jp-1.2.1`` (Japan
    Profile v1.2.1, 学習eポータル 4.00 / 相互運用 5.00), ``jp-k12`` (Japan K-12/Schools Profile v1.0 /
    相互運用 6.00: lower-camel enrollment extensions). Sources: MEIBO ``oneroster/v1_2/user.rb``,
    ``japan_profile/v1_1/*.rb`` (第2版), ``japan_profile/v1_2/user.rb`` (v1.2.1),
    ``japan_k12_schools_profile/v1/enrollment.rb``; CSV12 checked table by table (reference §1.3).
    """
    base = dict(_ROSTER_121)
    if variant == "1.1":
        base = {k: v for k, v in base.items() if k not in ("roles", "userProfiles")}
        base["users"] = _USERS_11
        return _full(base)
    if variant == "1.2":
        base["users"] = _USERS_12
        return _full(base)
    if variant == "1.2.1":
        return _full(base)
    if variant in ("jp-ed2", "jp-1.2.1", "jp-k12"):
        base["users"] = (_USERS_12 + JP_USERS_KANA if variant == "jp-ed2"
                         else base["users"] + JP_USERS_KANA + JP_USERS_KANA_PREFERRED)
        base["classes"] = base["classes"] + JP_CLASSES
        base["enrollments"] = base["enrollments"] + (
            JP_ENROLLMENTS_LOWER if variant == "jp-k12" else JP_ENROLLMENTS_UPPER
        )
        return _full(base)
    raise ValueError(f"unknown OneRoster column variant {variant!r}")


VARIANTS = ("1.1", "1.2", "1.2.1", "jp-ed2", "jp-1.2.1", "jp-k12")
# The OneRoster binding each variant's base columns follow (a Japanese variant only adds metadata.jp.*).
BINDING_OF = {"1.1": "1.1", "1.2": "1.2", "1.2.1": "1.2.1", "jp-ed2": "1.2", "jp-1.2.1": "1.2.1",
              "jp-k12": "1.2.1"}
