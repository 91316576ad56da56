"""The mock 学習アプリ's study logs: xAPI statements about a launch, sent to the e-portal's LRS.

Why: in Japan the app reports what the learner did to the learning e-portal's LRS, and the learner
must be the same person there as in the roster and the launch. The statements follow the Japan xAPI
Profiles drafts (reference xapi.md §4; drafts, so what they say may change): the actor is an
``account`` whose ``homePage`` is the e-portal (the launch's ``iss`` unless configured) and whose
``name`` is the launch's ``sub``; ``context.platform``, ``context.language`` ``ja-JP``, ``version``
1.0.3, ``ja-JP`` names; a drill is ``attempted``, its questions ``answered`` with
``scaled = (raw-min)/(max-min)``, and it is ``completed`` with the total. Faults turn the app into a
deliberately broken sender for red runs (``xapi_actor_login_name``, ``xapi_scaled_mismatch``).
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from renkei.harness.lti.protocol import vocab

VERSION = "1.0.3"
PLATFORM = "renkei 模擬学習アプリ"
PROFILE_ASSESSMENT = "https://w3id.org/japan-xapi/profiles/assessment"
EXT = "https://w3id.org/japan-xapi/extensions/"
ADL = "http://adlnet.gov/expapi/verbs/"
ACTIVITY_ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
ACTIVITY_QUESTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
# 学習指導要領コード of the mock drill (16 digits; the example code of reference xapi.md §4, not checked against MEXT)
COURSE_OF_STUDY_CODE = "8220263100000000"
QUESTIONS = (("1 + 2 = ?", "3", "3"), ("4 × 3 = ?", "12", "12"), ("9 − 5 = ?", "4", "3"))  # the pupil misses one
MAX_LOG = 500
_NS = uuid.UUID("6f0c3a55-2a4e-4d3b-9a3e-6b1d0c1e2f11")  # statement and registration ids derive from the launch


@dataclass(frozen=True)
class LrsEndpoint:
    """Where the app reports: the LRS base (``…/xapi/``; statements at ``<url>statements``) and its Basic credentials."""

    url: str
    key: str
    secret: str
    home_page: str | None = None  # actor.account.homePage; default: the launch's iss (the e-portal)
    timeout: float = 10.0
    transport: httpx.AsyncBaseTransport | None = None

    @property
    def statements_url(self) -> str:
        return self.url.rstrip("/") + "/statements"


@dataclass
class SentLog:
    """What the app sent and what the LRS answered, newest last (bounded): what a vendor looks at."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, entry: dict[str, Any]) -> None:
        self.entries.append(entry)
        del self.entries[:-MAX_LOG]


def _now(offset: float = 0.0) -> str:
    return datetime.fromtimestamp(time.time() + offset, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _login_name(claims: dict[str, Any]) -> str:
    """What a careless app uses as the learner's name: the login (mail local part), else the display name."""
    email = claims.get("email")
    if isinstance(email, str) and "@" in email:
        return email.split("@", 1)[0]
    name = claims.get("name") or claims.get("given_name")
    return str(name) if name else "login-" + str(claims.get("sub", ""))[:8]


def is_learner_launch(claims: dict[str, Any]) -> bool:
    roles = claims.get(vocab.CLAIM_ROLES) or []
    return (claims.get(vocab.CLAIM_MESSAGE_TYPE) == vocab.MSG_RESOURCE_LINK and isinstance(roles, list)
            and vocab.ROLE_LEARNER in roles and isinstance(claims.get("sub"), str))


def statements_for(claims: dict[str, Any], launch_id: str, *, app_base: str, home_page: str | None = None,
                   faults: frozenset[str] | set[str] = frozenset()) -> list[dict[str, Any]]:
    """The study log of one learner launch: attempted, one answered per question, completed."""
    home = home_page or str(claims.get("iss", ""))
    name = _login_name(claims) if "xapi_actor_login_name" in faults else str(claims["sub"])
    actor = {"objectType": "Agent", "account": {"homePage": home, "name": name}}
    link = claims.get(vocab.CLAIM_RESOURCE_LINK) or {}
    link_id = str(link.get("id", "drill")) if isinstance(link, dict) else "drill"
    title = str(link.get("title") or "算数ドリル") if isinstance(link, dict) else "算数ドリル"
    drill_id = f"{app_base.rstrip('/')}/activities/drill/{link_id}"
    registration = str(uuid.uuid5(_NS, launch_id))
    context_activities: dict[str, Any] = {"category": [{"id": PROFILE_ASSESSMENT, "objectType": "Activity"}]}
    ctx = claims.get(vocab.CLAIM_CONTEXT)
    if isinstance(ctx, dict) and ctx.get("id"):
        context_activities["grouping"] = [{"id": f"{app_base.rstrip('/')}/activities/class/{ctx['id']}",
                                           "objectType": "Activity"}]

    def statement(n: int, verb: str, verb_ja: str, obj: dict[str, Any], result: dict[str, Any] | None = None,
                  parent: bool = False) -> dict[str, Any]:
        acts = dict(context_activities)
        if parent:
            acts["parent"] = [{"id": drill_id, "objectType": "Activity"}]
        body: dict[str, Any] = {
            "id": str(uuid.uuid5(_NS, f"{launch_id}/{n}")), "timestamp": _now(n * 0.001), "actor": actor,
            "verb": {"id": ADL + verb, "display": {"en": verb, "ja-JP": verb_ja}}, "object": obj,
            "context": {"registration": registration, "platform": PLATFORM, "language": "ja-JP",
                        "contextActivities": acts},
            "version": VERSION,
        }
        if result is not None:
            body["result"] = result
        return body

    drill = {"objectType": "Activity", "id": drill_id, "definition": {
        "type": ACTIVITY_ASSESSMENT, "name": {"ja-JP": title, "en": "drill"},
        "description": {"ja-JP": "renkei 模擬学習アプリの算数ドリル"},
        "extensions": {EXT + "course-of-study-code": [COURSE_OF_STUDY_CODE]}}}
    out = [statement(0, "attempted", "挑戦した", drill)]
    right = 0
    for i, (question, answer, given) in enumerate(QUESTIONS, start=1):
        ok = answer == given
        right += ok
        raw = 1 if ok else 0
        item = {"objectType": "Activity", "id": f"{drill_id}/q{i}", "definition": {
            "type": ACTIVITY_QUESTION, "name": {"ja-JP": f"問題 {i}", "en": f"question {i}"},
            "description": {"ja-JP": question}, "interactionType": "fill-in", "correctResponsesPattern": [answer]}}
        out.append(statement(i, "answered", "回答した", item, {
            "response": given, "success": ok, "score": {"raw": raw, "min": 0, "max": 1, "scaled": float(raw)}},
            parent=True))
    scaled = right / len(QUESTIONS)
    if "xapi_scaled_mismatch" in faults:
        scaled = round(min(1.0, scaled + 0.25), 4)  # not (raw-min)/(max-min)
    out.append(statement(len(QUESTIONS) + 1, "completed", "完了した", drill, {
        "completion": True, "success": right == len(QUESTIONS), "duration": "PT2M30S",
        "score": {"raw": right, "min": 0, "max": len(QUESTIONS), "scaled": scaled}}))
    return out


async def send(endpoint: LrsEndpoint, statements: list[dict[str, Any]], log: SentLog, launch_id: str) -> None:
    """POST the statements as one batch; the answer (or why there was none) goes into ``log``, never raises."""
    pair = base64.b64encode(f"{endpoint.key}:{endpoint.secret}".encode()).decode()
    entry: dict[str, Any] = {"launch": launch_id, "at": _now(), "url": endpoint.statements_url,
                             "statement_ids": [s["id"] for s in statements], "status": None, "error": None}
    try:
        async with httpx.AsyncClient(transport=endpoint.transport, timeout=endpoint.timeout,
                                     follow_redirects=False) as client:
            resp = await client.post(endpoint.statements_url, json=statements, headers={
                "Authorization": f"Basic {pair}", "X-Experience-API-Version": VERSION})
        entry["status"] = resp.status_code
        if resp.status_code != 200:
            entry["error"] = resp.text[:500]
    except httpx.HTTPError as exc:
        entry["error"] = f"{type(exc).__name__}: {exc}"[:500]
    log.add(entry)


def main(argv: list[str] | None = None) -> int:
    """``python -m renkei.mocks.app.xapi ENDPOINT KEY SECRET ACTOR HOME_PAGE [--fault F]``: one learner's drill
    sent to an LRS as the mock app would after that learner's launch (a scripted session for capture hooks)."""
    import argparse
    import asyncio

    ap = argparse.ArgumentParser(prog="python -m renkei.mocks.app.xapi", description=main.__doc__)
    ap.add_argument("endpoint")
    ap.add_argument("key")
    ap.add_argument("secret")
    ap.add_argument("actor", help="the learner's LTI sub")
    ap.add_argument("home_page", help="the e-portal's homePage")
    ap.add_argument("--fault", action="append", default=[], choices=["xapi_actor_login_name", "xapi_scaled_mismatch"])
    ap.add_argument("--email", default="", help="the learner's e-mail (what xapi_actor_login_name uses)")
    args = ap.parse_args(argv)
    claims = {"iss": args.home_page, "sub": args.actor, vocab.CLAIM_MESSAGE_TYPE: vocab.MSG_RESOURCE_LINK,
              vocab.CLAIM_ROLES: [vocab.ROLE_LEARNER], vocab.CLAIM_RESOURCE_LINK: {"id": "drill-1", "title": "算数ドリル 1"},
              **({"email": args.email} if args.email else {})}
    log = SentLog()
    endpoint = LrsEndpoint(url=args.endpoint, key=args.key, secret=args.secret)
    asyncio.run(send(endpoint, statements_for(claims, "scripted-" + args.actor, app_base="http://127.0.0.1/app",
                                              faults=set(args.fault)), log, "scripted"))
    entry = log.entries[-1]
    print(f"{entry['url']}: {entry['status'] or entry['error']}")
    return 0 if entry["status"] == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
