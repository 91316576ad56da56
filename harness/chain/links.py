"""How what one position handed on is matched with what the next one did: the shared analyses of the checks.

- ``attribute``: which launched learner a statement at the LRS belongs to. By its actor: the launch's
  ``sub``, or any other value that names the learner (their identifier, sourcedId, login name, mail, the
  local part of either, their name), so a statement an app reported under the wrong name is still
  found, and the finding can say *what* it used. A statement that names no launched learner cannot be
  joined to anyone: that is itself a break.
- ``where``: the one shape of a chain finding's location: ``file`` = the position that broke the link,
  ``endpoint`` = the record (phase, launch, user, class, statement), ``claim`` = the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from renkei.harness.chain.observation import ChainObservation, Launch, Phase
from renkei.harness.chain.roster import RosterSnapshot
from renkei.harness.lti.protocol import vocab

# OIDC standard claims that are personal data [OIDC Core §5.1]; what a launch carries beyond its allowance
PERSONAL_CLAIMS = ("name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "picture",
                   "email", "phone_number", "address", "birthdate", "gender")
SUBROLE_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/membership/"
NRPS_PERSONAL = ("name", "given_name", "family_name", "middle_name", "email", "picture")
CANDIDATE_KINDS: dict[str, tuple[str, str]] = {
    "sub": ("起動の sub", "the launch's sub"),
    "identifier": ("名簿の識別子", "the roster identifier"),
    "sourcedId": ("名簿の sourcedId", "the roster sourcedId"),
    "username": ("ログイン名 (username)", "the login name (username)"),
    "username_local": ("ログイン名の @ より前", "the login name before @"),
    "email": ("メールアドレス", "the mail address"),
    "email_local": ("メールアドレスの @ より前", "the mail address before @"),
    "name": ("氏名", "the name"),
    "name_nospace": ("氏名", "the name"),
    "givenName": ("名", "the given name"),
    "familyName": ("姓", "the family name"),
}


def sub_of(launch: Launch) -> str | None:
    sub = (launch.claims or {}).get("sub")
    return sub if isinstance(sub, str) else None


def context_of(launch: Launch) -> dict[str, Any] | None:
    ctx = (launch.claims or {}).get(vocab.CLAIM_CONTEXT)
    return ctx if isinstance(ctx, dict) else None


def actor_account(statement: dict[str, Any]) -> tuple[str | None, str | None]:
    """(homePage, name) of the actor's account; (None, None) when the actor is not an account."""
    actor = statement.get("actor")
    acc = actor.get("account") if isinstance(actor, dict) else None
    if not isinstance(acc, dict):
        return None, None
    home, name = acc.get("homePage"), acc.get("name")
    return (home if isinstance(home, str) else None), (name if isinstance(name, str) else None)


def actor_key(statement: dict[str, Any]) -> str | None:
    """What the statement calls its learner: the account name, else the mailbox, else the display name."""
    _, name = actor_account(statement)
    if name:
        return name
    actor = statement.get("actor")
    if isinstance(actor, dict):
        mbox = actor.get("mbox")
        if isinstance(mbox, str) and mbox:
            return mbox.removeprefix("mailto:")
        display = actor.get("name")
        if isinstance(display, str) and display:
            return display
    return None


def candidates(snap: RosterSnapshot, user: str, rule: str, sub: str | None) -> dict[str, str]:
    """value -> kind, every value that may stand for the learner in a statement (the sub first)."""
    u = snap.users.get(user)
    out: dict[str, str] = {}
    if sub:
        out[sub] = "sub"
    if u is None:
        return out
    out.setdefault(u.identifier(rule), "identifier")
    out.setdefault(u.sourced_id, "sourcedId")
    for kind, value in u.personal_values().items():
        out.setdefault(value, kind)
    return out


@dataclass
class Attribution:
    by_launch: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # launch n -> its statements
    launch_of: dict[str, Launch] = field(default_factory=dict)  # statement id -> the launch
    how: dict[str, str] = field(default_factory=dict)  # statement id -> the kind of value its actor used
    unattributed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # phase -> statements

    def of_user(self, user: str) -> list[tuple[Launch, dict[str, Any]]]:
        return [(self.launch_of[str(s.get("id"))], s) for n, sts in self.by_launch.items() for s in sts
                if self.launch_of[str(s.get("id"))].user == user]


def _keys(phase: Phase, rule: str) -> dict[str, tuple[Launch, str]]:
    snap = phase.snapshot
    keys: dict[str, tuple[Launch, str]] = {}
    if snap is None:
        return keys
    for launch in phase.launches:  # later launches of a user win: the statements follow the latest one
        if launch.outcome == "launched" and launch.role == "student":
            for value, kind in candidates(snap, launch.user, rule, sub_of(launch)).items():
                keys[value] = (launch, kind)
    return keys


def attribute(obs: ChainObservation) -> Attribution:
    """Every statement at the LRS, by the learner launch it belongs to (computed once per observation)."""
    cached = obs.cache.get("attribution")
    if isinstance(cached, Attribution):
        return cached
    out = Attribution()
    earlier: dict[str, tuple[Launch, str]] = {}
    for phase in obs.phases:
        keys = _keys(phase, obs.identifier_rule)
        for st in phase.statements:
            key = actor_key(st)
            found = keys.get(key or "") or earlier.get(key or "")  # a late statement of an earlier phase
            sid = str(st.get("id"))
            if found is None:
                out.unattributed.setdefault(phase.name, []).append(st)
                continue
            launch, kind = found
            out.by_launch.setdefault(launch.n, []).append(st)
            out.launch_of[sid] = launch
            out.how[sid] = kind
        earlier.update(keys)
    obs.cache["attribution"] = out
    return out


def where(position: str, phase: str, *, launch: Launch | None = None, user: str | None = None,
          klass: str | None = None, statement: str | None = None, claim: str | None = None,
          extra: str | None = None) -> dict[str, Any]:
    """A finding's location: the position that broke the link and the record it broke it on."""
    parts = [f"[{phase}]"]
    if launch is not None:
        parts.append(f"launch #{launch.n}")
        user = user or launch.user
        klass = klass or launch.context
    if user:
        parts.append(f"user {user}")
    if klass:
        parts.append(f"class {klass}")
    if statement:
        parts.append(f"statement {statement}")
    if extra:
        parts.append(extra)
    loc: dict[str, Any] = {"file": position, "endpoint": " ".join(parts)}
    if claim:
        loc["claim"] = claim
    return loc


def context_roles(claims: dict[str, Any]) -> set[str]:
    """The simple names of the context roles a launch carries (``…membership#Learner`` -> ``Learner``; a
    sub-role ``…membership/Instructor#TeachingAssistant`` counts as its principal role)."""
    roles = claims.get(vocab.CLAIM_ROLES)
    if not isinstance(roles, list):
        return set()
    out: set[str] = set()
    for r in roles:
        kind = vocab.role_kind(r) if isinstance(r, str) else "unknown"
        if kind == "context":
            out.add(vocab.simple_role_name(r))
        elif kind == "context-sub":
            out.add(r[len(SUBROLE_PREFIX):].partition("#")[0])
    return out


def member_roles(member: dict[str, Any]) -> set[str]:
    """The simple names of an NRPS member's context roles (URIs or simple names)."""
    roles = member.get("roles")
    if not isinstance(roles, list):
        return set()
    return {vocab.simple_role_name(r) for r in roles if isinstance(r, str)}
