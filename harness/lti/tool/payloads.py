"""The id_token payloads the harness (as Platform) sends to a Tool under test.

One valid LtiResourceLinkRequest per role [CORE §5.3, App. E], plus the named variations of the
1EdTech certification suite for Tools [CERT §6.1.1-§6.1.3] and of [SEC §5.1.3]. The variations are
data (small functions that edit a claims dict) so each check says in one line what it sends, and
the interpretations of ambiguous cert rows follow the public re-implementations (reference §3.4).
People are generated (Faker ja_JP); no real personal data.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from renkei.harness.lti.protocol import vocab

Mutation = Callable[[dict[str, Any]], None]

INSTRUCTOR = "instructor"
STUDENT = "student"
ADMIN = "admin"

PRINCIPAL_ROLES: dict[str, list[str]] = {
    INSTRUCTOR: [vocab.ROLE_INSTRUCTOR, vocab.ROLE_INST_FACULTY],
    STUDENT: [vocab.ROLE_LEARNER, vocab.ROLE_INST_STUDENT],
    ADMIN: [vocab.ROLE_CONTEXT_ADMIN, vocab.ROLE_INST_ADMIN],
}
SHORT_ROLES: dict[str, list[str]] = {INSTRUCTOR: ["Instructor"], STUDENT: ["Learner"], ADMIN: ["Administrator"]}
MULTIPLE_ROLES: dict[str, list[str]] = {
    INSTRUCTOR: [vocab.ROLE_INSTRUCTOR, vocab.ROLE_CONTENT_DEVELOPER, vocab.ROLE_INST_FACULTY, vocab.ROLE_INST_STAFF],
    STUDENT: [vocab.ROLE_LEARNER, vocab.context_role("Member"), vocab.ROLE_INST_STUDENT,
              vocab.institution_role("Learner")],
    ADMIN: [vocab.ROLE_CONTEXT_ADMIN, vocab.ROLE_INST_ADMIN, vocab.ROLE_SYS_ADMIN],
}
UNKNOWN_ROLES: dict[str, list[str]] = {  # ltix interpretation of "Unknown Role" (reference §3.4)
    INSTRUCTOR: ["http://example.com/custom/TeachingAssistant"],
    STUDENT: ["http://example.com/custom/Auditor"],
    ADMIN: ["http://example.com/custom/Principal"],
}


@dataclass(frozen=True)
class Person:
    """A generated user: ``sub`` is opaque ASCII or a UUID v4 (Japanese standard model)."""

    sub: str
    given_name: str
    family_name: str
    email: str
    role: str

    @property
    def name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    def member(self) -> dict[str, Any]:
        """The NRPS member entry of this person [NRPS]."""
        return {"status": "Active", "user_id": self.sub, "roles": PRINCIPAL_ROLES[self.role][:1],
                "name": self.name, "given_name": self.given_name, "family_name": self.family_name,
                "email": self.email}


class People:
    """Deterministic generated people for one run (seeded), so reports are reproducible."""

    def __init__(self, seed: int = 20260401) -> None:
        self._faker = Faker("ja_JP")
        self._faker.seed_instance(seed)
        self._counter = 0

    def make(self, role: str, sub_format: str = "opaque") -> Person:
        self._counter += 1
        sub = str(uuid.UUID(int=self._faker.random.getrandbits(128), version=4)) if sub_format == "uuid4" \
            else f"renkei-user-{self._counter:04d}-{self._faker.random.getrandbits(32):08x}"
        return Person(
            sub=sub,
            given_name=self._faker.first_name(),
            family_name=self._faker.last_name(),
            email=f"user{self._counter:04d}@example.jp",
            role=role,
        )


@dataclass
class LaunchEnv:
    """Values a payload needs that only exist at launch time (nonce from the Tool, clock)."""

    issuer: str
    client_id: str
    deployment_id: str
    target_link_uri: str
    nonce: str | None
    now: int
    person: Person
    context_id: str
    resource_link_id: str
    message_type: str = vocab.MSG_RESOURCE_LINK
    extra: dict[str, Any] = field(default_factory=dict)  # service claims, DL settings ...


def base_claims(env: LaunchEnv) -> dict[str, Any]:
    """A complete, valid launch for ``env.person`` [CORE §5.3, §5.4; SEC §5.1.2]."""
    p = env.person
    claims: dict[str, Any] = {
        "iss": env.issuer,
        "aud": env.client_id,
        "sub": p.sub,
        "iat": env.now,
        "exp": env.now + 300,
        "nonce": env.nonce,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "name": p.name,
        "email": p.email,
        "locale": "ja-JP",
        vocab.CLAIM_MESSAGE_TYPE: env.message_type,
        vocab.CLAIM_VERSION: vocab.LTI_VERSION,
        vocab.CLAIM_DEPLOYMENT_ID: env.deployment_id,
        vocab.CLAIM_TARGET_LINK_URI: env.target_link_uri,
        vocab.CLAIM_ROLES: list(PRINCIPAL_ROLES[p.role]),
        vocab.CLAIM_CONTEXT: {"id": env.context_id, "label": "3年1組 国語", "title": "3年1組 国語 (renkei)",
                              "type": [vocab.CONTEXT_TYPE_COURSE_SECTION]},
        vocab.CLAIM_TOOL_PLATFORM: {"guid": "renkei-harness", "name": "renkei harness platform",
                                    "product_family_code": "renkei"},
        vocab.CLAIM_LAUNCH_PRESENTATION: {"document_target": "iframe", "locale": "ja-JP"},
    }
    if env.message_type == vocab.MSG_RESOURCE_LINK:
        claims[vocab.CLAIM_RESOURCE_LINK] = {"id": env.resource_link_id, "title": "renkei 課題"}
    if env.nonce is None:
        del claims["nonce"]
    claims.update(env.extra)
    return claims


# --- edits used by the checks ---------------------------------------------------------------
def drop(*names: str) -> Mutation:
    def edit(claims: dict[str, Any]) -> None:
        for n in names:
            claims.pop(n, None)
    return edit


def set_claim(name: str, value: Any) -> Mutation:
    def edit(claims: dict[str, Any]) -> None:
        claims[name] = value
    return edit


def roles(by_role: dict[str, list[str]] | None) -> Callable[[str], Mutation]:
    """Per-role roles list (``None`` -> empty array, the cert "No Role" launch)."""

    def for_role(role: str) -> Mutation:
        return set_claim(vocab.CLAIM_ROLES, [] if by_role is None else list(by_role[role]))

    return for_role


def drop_resource_link_id(claims: dict[str, Any]) -> None:
    """ltix interpretation of "resource_link_id Claim Missing": the object without ``id``."""
    claims[vocab.CLAIM_RESOURCE_LINK] = {"title": "renkei 課題"}


def bad_timestamps(claims: dict[str, Any]) -> None:
    """hypothesis/lms interpretation of "Timestamps Incorrect": iat=11111, exp=22222."""
    claims["iat"] = 11111
    claims["exp"] = 22222


def expired(claims: dict[str, Any]) -> None:
    claims["iat"] = int(claims["iat"]) - 7200
    claims["exp"] = int(claims["iat"]) + 3600  # an hour in the past


def iat_future(seconds: int) -> Mutation:
    def edit(claims: dict[str, Any]) -> None:
        claims["iat"] = int(claims["iat"]) + seconds
        claims["exp"] = int(claims["iat"]) + 300
    return edit


def extra_audience(claims: dict[str, Any]) -> None:
    """aud lists the client_id plus an untrusted party; azp is set so only the extra aud is wrong."""
    claims["aud"] = [claims["aud"], "https://untrusted.example.com/other-tool"]
    claims["azp"] = claims["aud"][0]


def invalid_message(claims: dict[str, Any]) -> None:
    """hypothesis/lms interpretation of "Invalid LTI message": a JSON that is no LTI launch."""
    claims.clear()
    claims["name"] = "badltilaunch"


def missing_lti_claims(claims: dict[str, Any]) -> None:
    """hypothesis/lms interpretation of "Missing LTI Claims": drop aud, iss, sub, deployment_id, roles."""
    for n in ("aud", "iss", "sub", vocab.CLAIM_DEPLOYMENT_ID, vocab.CLAIM_ROLES):
        claims.pop(n, None)


def pii(keep_names: bool, keep_email: bool) -> Mutation:
    def edit(claims: dict[str, Any]) -> None:
        if not keep_names:
            for n in ("given_name", "family_name", "name", "middle_name"):
                claims.pop(n, None)
        if not keep_email:
            claims.pop("email", None)
    return edit


def chain(*edits: Mutation) -> Mutation:
    def edit(claims: dict[str, Any]) -> None:
        for e in edits:
            e(claims)
    return edit


def opaque(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"
