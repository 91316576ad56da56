"""How far personal data travels: no further than the profile allows.

The launch carries only the personal claims of the PII variant it was started with (the cert suite's
"without PII" and the name-only / mail-only variants, [CERT §5.1]); the NRPS gives the app only the
member fields the profile allows ([NRPS] "personal data only with consent"); and the study logs the app
sends the LRS name the learner by the account identifier only: no name, no mail, no login name,
anywhere in the statement. The allowances are profile parameters (the Japanese practice differs by
board of education), and the values found are masked with ``--redact``.
"""

from __future__ import annotations

from typing import Any

from renkei.harness.chain.checks_base import chain_check, launched, observation, usable
from renkei.harness.chain.links import CANDIDATE_KINDS, NRPS_PERSONAL, PERSONAL_CLAIMS, attribute, where
from renkei.harness.core.context import CheckContext

LAUNCH_ALLOWED = {"full": ["name", "given_name", "family_name", "middle_name", "email"],
                  "names": ["name", "given_name", "family_name", "middle_name"], "email": ["email"], "none": []}
NRPS_ALLOWED = ["name", "given_name", "family_name", "middle_name", "email"]
# personal_values() kinds -> the roster field they come from (a finding's column, so --redact masks it)
ROSTER_FIELD = {"givenName": "givenName", "familyName": "familyName", "name": "name", "name_nospace": "name",
                "email": "email", "email_local": "email", "username": "username", "username_local": "username"}
SHORT = 4  # personal values shorter than this are matched whole, longer ones also inside a text


@chain_check(
    "chain.pii.launch", "LTI CORE §5.3.6 user identity claims (optional, by privacy settings); 1EdTech LTI "
    "certification §5.1 'Launch without PII'", "error",
    ("起動の個人情報が PII の種類の許す範囲", "A launch carries no personal claim beyond its PII variant"),
    ("各起動で、id_token の個人情報の claim (name、given_name、family_name、email など) が、その起動の PII の種類 "
     "(full・names・email・none) に許された範囲 (パラメータ launch_allowed) を超えないことを確認します。値は --redact で"
     "伏せられます。",
     "In every launch the id_token's personal claims (name, given_name, family_name, email ...) stay within what "
     "the launch's PII variant (full, names, email, none) allows (the launch_allowed parameter). The values are "
     "masked with --redact."),
    params={"launch_allowed": LAUNCH_ALLOWED})
def pii_launch(ctx: CheckContext) -> None:
    obs = observation(ctx)
    allowed_by: dict[str, list[str]] = dict(ctx.params.get("launch_allowed") or LAUNCH_ALLOWED)
    seen = 0
    purposes = ("normal", "graduate", "leaver", "last_year_class", "old_school", "old_class", "not_own_class")
    for phase, _, x in launched(ctx, obs, purposes=purposes):
        seen += 1
        allowed = set(allowed_by.get(x.pii, []))
        for claim in PERSONAL_CLAIMS:
            if claim in (x.claims or {}) and claim not in allowed:
                ctx.fail(f"the launch ({x.pii} variant) carries the personal claim {claim}",
                         ja=f"起動 (PII の種類 {x.pii}) に個人情報の claim {claim} が入っています",
                         value=str((x.claims or {})[claim]), **where("eportal", phase.name, launch=x, claim=claim))
    if not seen:
        ctx.stop_not_evaluated("no launch reached the app")


@chain_check(
    "chain.pii.nrps", "LTI NRPS v2 §2 members (personal data only with consent); 学習者プライバシー宣言 (ICT CONNECT 21)",
    "error",
    ("NRPS の個人情報が許す範囲", "NRPS members carry no personal field beyond the allowance"),
    ("renkei が読んだ NRPS のメンバーの個人情報のフィールドが、パラメータ nrps_allowed に許された範囲を超えないことを"
     "確認します (学習eポータルでのツール登録の個人情報の設定が守られているか)。値は --redact で伏せられます。",
     "The personal fields of the NRPS members renkei read stay within the nrps_allowed parameter (the e-portal "
     "keeps the personal-data setting of the tool registration). The values are masked with --redact."),
    params={"nrps_allowed": NRPS_ALLOWED})
def pii_nrps(ctx: CheckContext) -> None:
    obs = observation(ctx)
    if not obs.nrps_offered:
        ctx.skip("the e-portal offers renkei no NRPS access (positions.eportal)")
    allowed = set(ctx.params.get("nrps_allowed") or [])
    seen = 0
    for phase in usable(obs):
        for read in phase.nrps:
            for m in read.members or []:
                seen += 1
                for field in NRPS_PERSONAL:
                    if field in m and field not in allowed:
                        ctx.fail(f"an NRPS member carries the personal field {field}",
                                 ja=f"NRPS のメンバーに個人情報のフィールド {field} が入っています", value=str(m[field]),
                                 **where("eportal", phase.name, user=str(m.get("lis_person_sourcedid") or "") or None,
                                         klass=read.context, claim=f"members[].{field}"))
    if not seen:
        ctx.stop_not_evaluated("no NRPS membership was read")


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(JSON path, string) of every string in a statement."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _strings(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _strings(v, f"{path}[{i}]")]
    return []


@chain_check(
    "chain.pii.xapi", "Japan xAPI Profiles (draft) common rules (the learner is an account); xAPI 1.0.3 Data §2.4.2 "
    "(IFI); 学習者プライバシー宣言 (ICT CONNECT 21)", "error",
    ("学習記録に学習者の個人情報が入らない", "Study logs carry no personal data of the learner"),
    ("学習アプリが LRS に送ったステートメントのどこにも、その学習者の氏名・メールアドレス・ログイン名 (とその @ より前) が"
     "入っていないこと (actor の name や mbox を含む) を確認します。許すものはパラメータ xapi_allowed (givenName、"
     "familyName、name、email、username) で選べます。値は --redact で伏せられます。",
     "No statement the app sent to the LRS carries, anywhere, the learner's name, mail address or login name (or "
     "the part before @), the actor's name and mbox included. What is allowed is the xapi_allowed parameter "
     "(givenName, familyName, name, email, username). The values are masked with --redact."),
    params={"xapi_allowed": []})
def pii_xapi(ctx: CheckContext) -> None:
    obs = observation(ctx)
    allowed = set(ctx.params.get("xapi_allowed") or [])
    found = attribute(obs)
    if not found.by_launch:
        ctx.stop_not_evaluated("no statement at the LRS could be joined to a launched learner")
    for _n, statements in sorted(found.by_launch.items()):
        for st in statements:
            sid = str(st.get("id"))
            launch = found.launch_of[sid]
            phase = obs.phase(launch.phase)
            snap = phase.snapshot if phase else None
            user = snap.users.get(launch.user) if snap else None
            if user is None:
                continue
            values = {v: k for k, v in user.personal_values().items() if ROSTER_FIELD.get(k, k) not in allowed}
            for path, text in _strings(st):
                hit = next((kind for value, kind in values.items()
                            if text == value or (len(value) >= SHORT and value in text)), None)
                if hit is not None:
                    # column: the roster field the value is (what --redact masks by), claim: where it was
                    label = CANDIDATE_KINDS.get(hit, (hit, hit))
                    ctx.fail(f"the statement carries the learner's personal data ({label[1]}) at {path}",
                             ja=f"ステートメントの {path} に学習者の個人情報 ({label[0]}) が入っています", value=text,
                             column=ROSTER_FIELD.get(hit, "name"),
                             **where("app", launch.phase, launch=launch, statement=sid, claim=path))
                    break
