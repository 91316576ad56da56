"""LTI 1.3 / LTI Advantage vocabulary: claim names, message types, roles, scopes, media types.

One place for every URI so that mocks and checks cannot drift apart by a typo. Sources are the
1EdTech documents digested in ``shared/reference/lti.md``: [CORE] §5.3-§5.4 and App. A, [DL]
§4.4-§4.5, [NRPS], [AGS] §3, [SEC] §4.1.
"""

from __future__ import annotations

from typing import Literal

LTI_VERSION = "1.3.0"  # [CORE §5.3.2]

# --- LTI Core message claims [CORE §5.3, §5.4] ---
_LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CLAIM_MESSAGE_TYPE = _LTI + "message_type"
CLAIM_VERSION = _LTI + "version"
CLAIM_DEPLOYMENT_ID = _LTI + "deployment_id"
CLAIM_TARGET_LINK_URI = _LTI + "target_link_uri"
CLAIM_RESOURCE_LINK = _LTI + "resource_link"
CLAIM_ROLES = _LTI + "roles"
CLAIM_CONTEXT = _LTI + "context"
CLAIM_TOOL_PLATFORM = _LTI + "tool_platform"
CLAIM_ROLE_SCOPE_MENTOR = _LTI + "role_scope_mentor"
CLAIM_LAUNCH_PRESENTATION = _LTI + "launch_presentation"
CLAIM_LIS = _LTI + "lis"
CLAIM_CUSTOM = _LTI + "custom"

# OIDC profile claims carried in an id_token [CORE §5.3.6]; PII in the cert suite's sense [CERT §5.1].
PII_CLAIMS: tuple[str, ...] = (
    "name", "given_name", "family_name", "middle_name", "email", "picture", "nickname",
    "preferred_username", "phone_number", "address", "birthdate",
)

# --- Message types ---
MSG_RESOURCE_LINK = "LtiResourceLinkRequest"  # [CORE §5.3.1]
MSG_DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"  # [DL §4.4]
MSG_DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"  # [DL §4.5]
MessageType = Literal["LtiResourceLinkRequest", "LtiDeepLinkingRequest", "LtiDeepLinkingResponse"]
LAUNCH_MESSAGE_TYPES: tuple[str, ...] = (MSG_RESOURCE_LINK, MSG_DEEP_LINKING_REQUEST)

# --- Deep Linking 2.0 [DL §4.4, §4.5] ---
_DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
CLAIM_DL_SETTINGS = _DL + "deep_linking_settings"
CLAIM_DL_DATA = _DL + "data"
CLAIM_DL_CONTENT_ITEMS = _DL + "content_items"
CLAIM_DL_MSG = _DL + "msg"
CLAIM_DL_ERRORMSG = _DL + "errormsg"
DL_DOCUMENT_TARGETS: tuple[str, ...] = ("iframe", "window", "embed")  # [DL §4.4.1]
LAUNCH_DOCUMENT_TARGETS: tuple[str, ...] = ("frame", "iframe", "window")  # [CORE §5.4]
# DL §4.4.7/§4.4.11 misspell two claim names; receivers tolerate them (reference §2.1).
DL_TYPO_CLAIMS: dict[str, str] = {
    "http://purl.imsglobal.org/lti/claim/tool_platform": CLAIM_TOOL_PLATFORM,
    "http://imsglobal.org/custom": CLAIM_CUSTOM,
}

# --- NRPS 2.0 [NRPS] ---
CLAIM_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCOPE_NRPS_READONLY = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEDIA_NRPS_MEMBERSHIP = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
NRPS_SERVICE_VERSIONS: tuple[str, ...] = ("2.0",)
NRPS_STATUSES: tuple[str, ...] = ("Active", "Inactive", "Deleted")
# A full membership response lists current members only: "Deleted" is meaningful solely in a
# differences response (rel="differences"), so it is refused in the container check.
NRPS_FULL_STATUSES: tuple[str, ...] = tuple(s for s in NRPS_STATUSES if s != "Deleted")

# --- AGS 2.0 [AGS §3] ---
CLAIM_AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCOPE_AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_AGS_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_AGS_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_SCOPES: tuple[str, ...] = (
    SCOPE_AGS_LINEITEM, SCOPE_AGS_LINEITEM_READONLY, SCOPE_AGS_RESULT_READONLY, SCOPE_AGS_SCORE,
)
MEDIA_AGS_LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
MEDIA_AGS_LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEDIA_AGS_RESULT_CONTAINER = "application/vnd.ims.lis.v2.resultcontainer+json"
MEDIA_AGS_SCORE = "application/vnd.ims.lis.v1.score+json"
AGS_ACTIVITY_PROGRESS: tuple[str, ...] = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
AGS_GRADING_PROGRESS: tuple[str, ...] = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")

ALL_SERVICE_SCOPES: tuple[str, ...] = (SCOPE_NRPS_READONLY, *AGS_SCOPES)

# --- OAuth2 client credentials with JWT assertion [SEC §4.1.1] ---
GRANT_CLIENT_CREDENTIALS = "client_credentials"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# --- Role vocabularies [CORE App. A.2] ---
_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
_INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
_SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
_DEPRECATED_PERSON = "http://purl.imsglobal.org/vocab/lis/v2/person#"
_SUBROLE_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/membership/"
ROLE_TEST_USER = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"

CONTEXT_ROLES_CORE: tuple[str, ...] = ("Administrator", "ContentDeveloper", "Instructor", "Learner", "Mentor")
CONTEXT_ROLES_NONCORE: tuple[str, ...] = ("Manager", "Member", "Officer")
INSTITUTION_ROLES_CORE: tuple[str, ...] = ("Administrator", "Faculty", "Guest", "None", "Other", "Staff", "Student")
INSTITUTION_ROLES_NONCORE: tuple[str, ...] = (
    "Alumni", "Instructor", "Learner", "Member", "Mentor", "Observer", "ProspectiveStudent",
)
SYSTEM_ROLES_CORE: tuple[str, ...] = ("Administrator", "None")
SYSTEM_ROLES_NONCORE: tuple[str, ...] = ("AccountAdmin", "Creator", "SysAdmin", "SysSupport", "User")

ROLE_LEARNER = _MEMBERSHIP + "Learner"
ROLE_INSTRUCTOR = _MEMBERSHIP + "Instructor"
ROLE_MENTOR = _MEMBERSHIP + "Mentor"
ROLE_CONTEXT_ADMIN = _MEMBERSHIP + "Administrator"
ROLE_CONTENT_DEVELOPER = _MEMBERSHIP + "ContentDeveloper"
ROLE_INST_STUDENT = _INSTITUTION + "Student"
ROLE_INST_FACULTY = _INSTITUTION + "Faculty"
ROLE_INST_STAFF = _INSTITUTION + "Staff"
ROLE_INST_ADMIN = _INSTITUTION + "Administrator"
ROLE_SYS_ADMIN = _SYSTEM + "Administrator"


def context_role(name: str) -> str:
    return _MEMBERSHIP + name


def institution_role(name: str) -> str:
    return _INSTITUTION + name


RoleKind = Literal["context", "context-sub", "institution", "system", "lti-system", "deprecated", "unknown"]


def role_kind(uri: str) -> RoleKind:
    """Which vocabulary a role value belongs to [CORE App. A.2].

    ``deprecated`` covers the old ``…/lis/v2/person#`` form and simple names such as
    ``Instructor`` (implementations MAY recognize them, MUST recognize URIs [CORE App. A]).
    """
    if uri.startswith(_MEMBERSHIP):
        name = uri[len(_MEMBERSHIP):]
        return "context" if name in CONTEXT_ROLES_CORE + CONTEXT_ROLES_NONCORE else "unknown"
    if uri.startswith(_SUBROLE_PREFIX):
        principal, _, sub = uri[len(_SUBROLE_PREFIX):].partition("#")
        return "context-sub" if principal in CONTEXT_ROLES_CORE + CONTEXT_ROLES_NONCORE and sub else "unknown"
    if uri.startswith(_INSTITUTION):
        name = uri[len(_INSTITUTION):]
        return "institution" if name in INSTITUTION_ROLES_CORE + INSTITUTION_ROLES_NONCORE else "unknown"
    if uri.startswith(_SYSTEM):
        name = uri[len(_SYSTEM):]
        return "system" if name in SYSTEM_ROLES_CORE + SYSTEM_ROLES_NONCORE else "unknown"
    if uri == ROLE_TEST_USER:
        return "lti-system"
    if uri.startswith(_DEPRECATED_PERSON):
        return "deprecated"
    if uri in CONTEXT_ROLES_CORE + CONTEXT_ROLES_NONCORE:
        return "deprecated"
    return "unknown"


def is_lti_role(uri: str) -> bool:
    """True for a full role URI from the LTI vocabularies (what [CORE §5.3.7] requires ≥1 of)."""
    return role_kind(uri) in ("context", "context-sub", "institution", "system", "lti-system")


def is_core_role(uri: str) -> bool:
    """True for a *core* role URI (platforms should send these; non-core ones are optional)."""
    for prefix, core in ((_MEMBERSHIP, CONTEXT_ROLES_CORE), (_INSTITUTION, INSTITUTION_ROLES_CORE),
                         (_SYSTEM, SYSTEM_ROLES_CORE)):
        if uri.startswith(prefix):
            return uri[len(prefix):] in core
    return False


def simple_role_name(uri: str) -> str:
    """The short name after ``#`` (``…membership#Learner`` -> ``Learner``); NRPS ``role`` filter uses it."""
    return uri.rsplit("#", 1)[-1] if "#" in uri else uri


# --- Context types [CORE App. A.1] ---
_COURSE = "http://purl.imsglobal.org/vocab/lis/v2/course#"
CONTEXT_TYPE_COURSE_SECTION = _COURSE + "CourseSection"
