"""The catalogue of xAPI Data rules the model's validators judge: one entry per stable rule name.

Each rule names the spec section it comes from, the ADL conformance requirement id where one exists
(``adlnet/xapi-lrs-conformance-requirements``; "" where that document has none — never invented), its
level (MUST or SHOULD) and a short English and Japanese title. Validators build every ``Problem`` from
here, so a check or the mock LRS can group problems by ``rule``, and can tell a SHOULD (warning, not a
reason for a 400) from a MUST by ``SHOULD_RULES``.

Sections are those of xAPI 1.0.3 (``Data 2.4.2.1``); rules that exist only in 2.0 cite IEEE
9274.1.1, whose clause numbers are taken from the ADL suite's ``test/v2_0`` file names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from renkei.harness.xapi.model.problems import Problem


@dataclass(frozen=True)
class Rule:
    name: str
    section: str
    requirement: str
    en: str
    ja: str
    level: str = "MUST"  # or "SHOULD"


_V2 = "9274.1.1"
_MP = "Communication 1.5.2"

_TABLE: tuple[tuple[str, str, str, str, str], ...] = (
    # name, section, requirement, en, ja
    ("value.null", "Data 2.2", "XAPI-00001", "null is not allowed outside extensions",
     "extensions 以外で null は使えません"),
    ("value.empty", "Data 2.2", "XAPI-00001", "an empty object is not allowed outside extensions",
     "extensions 以外で空のオブジェクトは使えません"),
    ("value.type", "Data 2.2", "XAPI-00006", "wrong JSON type", "JSON の型が違います"),
    ("property.duplicate", "Data 2.4", "XAPI-00021", "a property appears twice in one object",
     "1つのオブジェクトに同じプロパティが2回あります"),
    ("body.json", "Data 2.2", "XAPI-00014", "the body is not well-formed UTF-8 JSON",
     "本文が正しい UTF-8 の JSON ではありません"),
    ("body.depth", "Data 2.2", "", "the JSON is nested deeper than renkei's limit",
     "JSON の入れ子が renkei の上限より深いです"),
    ("property.unknown", "Data 2.2", "XAPI-00010", "property not allowed here (keys are case-sensitive)",
     "ここでは使えないプロパティです（キーの大文字小文字は区別されます）"),
    ("statement.type", "Data 2.4", "XAPI-00014", "a statement must be a JSON object",
     "ステートメントは JSON オブジェクトでなければなりません"),
    ("statements.type", "Communication 2.1.2", "", "the body must be a statement object or an array of them",
     "本文はステートメントのオブジェクトかその配列でなければなりません"),
    ("statement.id", "Data 2.4.1", "XAPI-00027", "id must be a UUID in standard string form",
     "id は標準文字列形式の UUID でなければなりません"),
    ("statement.actor.required", "Data 2.2", "XAPI-00003", "actor is required", "actor は必須です"),
    ("statement.verb.required", "Data 2.2", "XAPI-00004", "verb is required", "verb は必須です"),
    ("statement.object.required", "Data 2.2", "XAPI-00005", "object is required", "object は必須です"),
    ("actor.objectType", "Data 2.4.2", "XAPI-00031", "actor objectType must be \"Agent\" or \"Group\"",
     "actor の objectType は \"Agent\" か \"Group\" でなければなりません"),
    ("agent.name", "Data 2.4.2.1", "XAPI-00033", "name must be a string", "name は文字列でなければなりません"),
    ("agent.ifi.count", "Data 2.4.2.1", "XAPI-00034",
     "an Agent must have exactly one IFI (mbox, mbox_sha1sum, openid or account)",
     "Agent の IFI（mbox・mbox_sha1sum・openid・account）はちょうど1つでなければなりません"),
    ("agent.member", "Data 2.4.2.2", "XAPI-00035", "member is allowed only in a Group",
     "member は Group の中でしか使えません"),
    ("group.member.type", "Data 2.4.2.2", "XAPI-00036", "member must be an array of Agents",
     "member は Agent の配列でなければなりません"),
    ("group.member.group", "Data 2.4.2.2", "XAPI-00036", "a Group's member must not be a Group",
     "Group の member に Group は入れられません"),
    ("group.ifi.count", "Data 2.4.2.2", "XAPI-00037",
     "a Group must have at most one IFI, and an anonymous Group a non-empty member list",
     "Group の IFI は1つまでで、匿名 Group には空でない member が必要です"),
    ("agent.mbox", "Data 2.4.2.3", "XAPI-00038", "mbox must be a mailto: IRI of an email address",
     "mbox は mailto: 形式のメールアドレス IRI でなければなりません"),
    ("agent.mbox_sha1sum", "Data 2.4.2.3", "XAPI-00039", "mbox_sha1sum must be 40 hexadecimal digits",
     "mbox_sha1sum は16進40桁でなければなりません"),
    ("agent.openid", "Data 2.4.2.3", "XAPI-00040", "openid must be a URI", "openid は URI でなければなりません"),
    ("agent.account", "Data 2.4.2.3", "XAPI-00041", "account must be an object with homePage and name",
     "account は homePage と name を持つオブジェクトでなければなりません"),
    ("agent.account.homePage", "Data 2.4.2.4", "XAPI-00042", "account homePage is required and must be an IRL",
     "account の homePage は必須で IRL でなければなりません"),
    ("agent.account.name", "Data 2.4.2.4", "XAPI-00043", "account name is required and must be a string",
     "account の name は必須で文字列でなければなりません"),
    ("verb.id", "Data 2.4.3", "XAPI-00044", "verb id is required and must be an IRI",
     "verb の id は必須で IRI でなければなりません"),
    ("verb.display", "Data 2.4.3", "XAPI-00045", "verb display must be a language map",
     "verb の display は言語マップでなければなりません"),
    ("object.objectType", "Data 2.4.4", "XAPI-00046",
     "object objectType must be Activity, Agent, Group, SubStatement or StatementRef",
     "object の objectType は Activity・Agent・Group・SubStatement・StatementRef のいずれかです"),
    ("activity.id", "Data 2.4.4.1", "XAPI-00047", "an Activity id is required and must be an IRI",
     "Activity の id は必須で IRI でなければなりません"),
    ("definition.type", "Data 2.4.4.1", "XAPI-00060", "definition type must be an IRI",
     "definition の type は IRI でなければなりません"),
    ("definition.name", "Data 2.4.4.1", "XAPI-00056", "definition name must be a language map",
     "definition の name は言語マップでなければなりません"),
    ("definition.description", "Data 2.4.4.1", "XAPI-00059", "definition description must be a language map",
     "definition の description は言語マップでなければなりません"),
    ("definition.moreInfo", "Data 2.4.4.1", "XAPI-00061", "definition moreInfo must be an IRL",
     "definition の moreInfo は IRL でなければなりません"),
    ("definition.interactionType", "Data 2.4.4.1", "XAPI-00049",
     "interactionType must be one of the spec's values (exact case)",
     "interactionType は仕様の値のいずれか（大文字小文字も一致）でなければなりません"),
    ("definition.correctResponsesPattern", "Data 2.4.4.1", "XAPI-00050",
     "correctResponsesPattern must be an array of strings",
     "correctResponsesPattern は文字列の配列でなければなりません"),
    ("definition.correctResponsesPattern.interactionType", "Data 2.4.4.1", "XAPI-00064",
     "correctResponsesPattern needs interactionType", "correctResponsesPattern には interactionType が必要です"),
    *((f"definition.{key}", "Data 2.4.4.1", req, f"{key} must be an array of interaction component objects",
       f"{key} はインタラクションコンポーネント（オブジェクト）の配列でなければなりません")
      for key, req in (("steps", "XAPI-00051"), ("target", "XAPI-00052"), ("source", "XAPI-00053"),
                       ("scale", "XAPI-00054"), ("choices", "XAPI-00055"))),
    ("definition.component.id", "Data 2.4.4.1", "XAPI-00058",
     "an interaction component id is a required string, unique within its array",
     "インタラクションコンポーネントの id は必須の文字列で、配列内で一意でなければなりません"),
    ("definition.component.description", "Data 2.4.4.1", "XAPI-00062",
     "an interaction component description must be a language map",
     "インタラクションコンポーネントの description は言語マップでなければなりません"),
    ("object.agent.objectType", "Data 2.4.4.2", "XAPI-00065", "an Agent or Group object must state objectType",
     "object が Agent・Group のときは objectType が必要です"),
    ("substatement.id", "Data 2.4.4.3", "XAPI-00070", "a SubStatement must not have an id",
     "SubStatement に id は使えません"),
    ("substatement.stored", "Data 2.4.4.3", "XAPI-00069", "a SubStatement must not have stored",
     "SubStatement に stored は使えません"),
    ("substatement.version", "Data 2.4.4.3", "XAPI-00068", "a SubStatement must not have version",
     "SubStatement に version は使えません"),
    ("substatement.authority", "Data 2.4.4.3", "XAPI-00067", "a SubStatement must not have authority",
     "SubStatement に authority は使えません"),
    ("substatement.nested", "Data 2.4.4.3", "XAPI-00071", "a SubStatement must not contain a SubStatement",
     "SubStatement の中に SubStatement は入れられません"),
    ("statementref.id", "Data 2.4.4.3", "XAPI-00072", "a StatementRef id is required and must be a UUID",
     "StatementRef の id は必須で UUID でなければなりません"),
    ("result.success", "Data 2.4.5", "XAPI-00074", "success must be a boolean", "success は真偽値でなければなりません"),
    ("result.completion", "Data 2.4.5", "XAPI-00075", "completion must be a boolean",
     "completion は真偽値でなければなりません"),
    ("result.response", "Data 2.4.5", "XAPI-00076", "response must be a string", "response は文字列でなければなりません"),
    ("result.duration", "Data 2.4.5", "XAPI-00077", "duration must be an ISO 8601 duration (PnYnMnDTnHnMnS)",
     "duration は ISO 8601 の期間（PnYnMnDTnHnMnS）でなければなりません"),
    ("score.type", "Data 2.4.5.1", "XAPI-00079", "score must be an object", "score はオブジェクトでなければなりません"),
    ("score.number", "Data 2.4.5.1", "XAPI-00082", "scaled, raw, min and max must be numbers",
     "scaled・raw・min・max は数値でなければなりません"),
    ("score.min_max", "Data 2.4.5.1", "XAPI-00080", "score min must be less than max",
     "score の min は max より小さくなければなりません"),
    ("score.raw", "Data 2.4.5.1", "XAPI-00082", "score raw must lie between min and max",
     "score の raw は min と max の間でなければなりません"),
    ("score.scaled", "Data 2.4.5.1", "XAPI-00083", "score scaled must lie between -1 and 1",
     "score の scaled は -1 から 1 の間でなければなりません"),
    ("context.revision", "Data 2.4.6", "XAPI-00084", "context revision is allowed only when the object is an Activity",
     "context の revision は object が Activity のときだけ使えます"),
    ("context.platform", "Data 2.4.6", "XAPI-00085", "context platform is allowed only when the object is an Activity",
     "context の platform は object が Activity のときだけ使えます"),
    ("context.registration", "Data 2.4.6", "XAPI-00087", "context registration must be a UUID",
     "context の registration は UUID でなければなりません"),
    ("context.instructor", "Data 2.4.6", "XAPI-00087", "context instructor must be an Agent or Group",
     "context の instructor は Agent か Group でなければなりません"),
    ("context.team", "Data 2.4.6", "XAPI-00088", "context team must be a Group",
     "context の team は Group でなければなりません"),
    ("context.language", "Data 2.4.6", "XAPI-00091", "context language must be an RFC 5646 language tag",
     "context の language は RFC 5646 の言語タグでなければなりません"),
    ("context.statement", "Data 2.4.6", "XAPI-00092", "context statement must be a StatementRef",
     "context の statement は StatementRef でなければなりません"),
    ("context.contextActivities", "Data 2.4.6.2", "XAPI-00086",
     "contextActivities must be an object keyed parent, grouping, category or other",
     "contextActivities は parent・grouping・category・other をキーとするオブジェクトでなければなりません"),
    ("context.contextActivities.value", "Data 2.4.6.2", "XAPI-00094",
     "a contextActivities value must be an Activity or an array of Activities",
     "contextActivities の値は Activity か Activity の配列でなければなりません"),
    ("context.contextAgents", f"{_V2} 4.2.2.5", "",
     "contextAgents must be an array of contextAgent objects with an Agent and non-empty relevantTypes IRIs",
     "contextAgents は Agent と空でない relevantTypes（IRI）を持つ contextAgent の配列でなければなりません"),
    ("context.contextGroups", f"{_V2} 4.2.2.5", "",
     "contextGroups must be an array of contextGroup objects with a Group and non-empty relevantTypes IRIs",
     "contextGroups は Group と空でない relevantTypes（IRI）を持つ contextGroup の配列でなければなりません"),
    ("timestamp.format", "Data 4.5", "XAPI-00123", "must be an ISO 8601 timestamp (a valid date and time)",
     "ISO 8601 のタイムスタンプ（正しい日付と時刻）でなければなりません"),
    ("timestamp.negative_zero", "Data 4.5", "XAPI-00123",
     "the offsets -00, -0000 and -00:00 are not allowed", "-00・-0000・-00:00 のオフセットは使えません"),
    ("authority.type", "Data 2.4.9", "XAPI-00024", "authority must be an Agent or a Group",
     "authority は Agent か Group でなければなりません"),
    ("authority.group", "Data 2.4.9", "XAPI-00098", "a Group authority must have exactly two Agent members",
     "Group の authority はちょうど2つの Agent を member に持たなければなりません"),
    ("statement.version", "Data 2.4.10", "XAPI-00101", "version must be 1.0 or 1.0.x",
     "version は 1.0 または 1.0.x でなければなりません"),
    ("attachments.type", "Data 2.4.11", "XAPI-00025", "attachments must be an array of attachment objects",
     "attachments は添付オブジェクトの配列でなければなりません"),
    ("attachment.usageType", "Data 2.4.11", "XAPI-00107", "attachment usageType is required and must be an IRI",
     "添付の usageType は必須で IRI でなければなりません"),
    ("attachment.display", "Data 2.4.11", "XAPI-00106", "attachment display is required and must be a language map",
     "添付の display は必須で言語マップでなければなりません"),
    ("attachment.description", "Data 2.4.11", "", "attachment description must be a language map",
     "添付の description は言語マップでなければなりません"),
    ("attachment.contentType", "Data 2.4.11", "XAPI-00105",
     "attachment contentType is required and must be a media type",
     "添付の contentType は必須でメディアタイプでなければなりません"),
    ("attachment.length", "Data 2.4.11", "XAPI-00102", "attachment length is required and must be an integer >= 0",
     "添付の length は必須で 0 以上の整数でなければなりません"),
    ("attachment.sha2", "Data 2.4.11", "XAPI-00103", "attachment sha2 is required and must be a SHA-2 hex digest",
     "添付の sha2 は必須で SHA-2 の16進ダイジェストでなければなりません"),
    ("attachment.fileUrl", "Data 2.4.11", "XAPI-00104", "attachment fileUrl must be an IRL",
     "添付の fileUrl は IRL でなければなりません"),
    ("voiding.object", "Data 2.3.2", "XAPI-00017", "a voiding statement's object must be a StatementRef",
     "取り消し（voided）ステートメントの object は StatementRef でなければなりません"),
    ("extensions.type", "Data 4.1", "XAPI-00120", "extensions must be an object of key/value pairs",
     "extensions はキーと値の組のオブジェクトでなければなりません"),
    ("extensions.key", "Data 4.1", "XAPI-00118", "an extension key must be an IRI", "extensions のキーは IRI でなければなりません"),
    ("languagemap.type", "Data 4.2", "XAPI-00121", "a language map must be an object of language tag -> string",
     "言語マップは言語タグから文字列へのオブジェクトでなければなりません"),
    ("languagemap.key", "Data 4.2", "XAPI-00013", "a language map key must be an RFC 5646 language tag",
     "言語マップのキーは RFC 5646 の言語タグでなければなりません"),
    # multipart/mixed bodies (Communication 1.5.2; Data 2.4.11) and signed statements (Data 2.6)
    ("multipart.content_type", _MP, "", "a body with attachment parts must be multipart/mixed with a boundary",
     "添付パートを含む本文は boundary 付きの multipart/mixed でなければなりません"),
    ("multipart.structure", _MP, "", "the multipart body is malformed (RFC 2046)",
     "multipart 本文の形式が正しくありません（RFC 2046）"),
    ("multipart.limit", _MP, "", "the multipart body crosses a size limit (parts, headers or JSON depth)",
     "multipart 本文が上限（パート数・ヘッダー数・JSON の深さ）を超えています"),
    ("multipart.first_part", _MP, "", "the first part must be the statements as application/json",
     "最初のパートは application/json のステートメントでなければなりません"),
    ("multipart.json", _MP, "", "the first part is not valid JSON", "最初のパートが正しい JSON ではありません"),
    ("multipart.hash", _MP, "", "every attachment part must carry an X-Experience-API-Hash header",
     "すべての添付パートに X-Experience-API-Hash ヘッダーが必要です"),
    ("multipart.cte", _MP, "", "every attachment part must have Content-Transfer-Encoding: binary",
     "すべての添付パートに Content-Transfer-Encoding: binary が必要です"),
    ("multipart.sha2_mismatch", _MP, "", "the part's content does not match its X-Experience-API-Hash",
     "パートの内容が X-Experience-API-Hash と一致しません"),
    ("multipart.extra_part", _MP, "", "a part matches no attachment sha2 of the statements",
     "どの添付の sha2 とも一致しないパートがあります"),
    ("multipart.missing_part", _MP, "", "an attachment has neither a fileUrl nor a part with its sha2",
     "fileUrl も sha2 の一致するパートもない添付があります"),
    ("signature.contentType", "Data 2.6", "XAPI-00115", "a signature attachment must be application/octet-stream",
     "署名の添付は application/octet-stream でなければなりません"),
    ("signature.missing", "Data 2.6", "XAPI-00115", "the signature attachment has no part (no JWS attached)",
     "署名の添付にパート（JWS）がありません"),
    ("signature.format", "Data 2.6", "XAPI-00115", "the signature is not a JWS in compact serialization",
     "署名が JWS コンパクト形式ではありません"),
    ("signature.payload", "Data 2.6", "XAPI-00116", "the JWS payload must be a JSON serialization of the statement",
     "JWS のペイロードはステートメントの JSON でなければなりません"),
    ("signature.alg", "Data 2.6", "XAPI-00117", "the JWS alg must be RS256, RS384 or RS512",
     "JWS の alg は RS256・RS384・RS512 のいずれかでなければなりません"),
    ("signature.invalid", "Data 2.6", "XAPI-00117", "the JWS signature does not verify with its certificate or key",
     "JWS の署名が証明書（鍵）で検証できません"),
    ("signature.mismatch", "Data 2.6", "", "the JWS payload is not the same statement as the one signed",
     "JWS のペイロードが署名されたステートメントと同じではありません"),
    ("lrs.id", "Data 2.4.1", "XAPI-00026", "the LRS must give every statement an id",
     "LRS はすべてのステートメントに id を付けなければなりません"),
    ("lrs.stored", "Data 2.4.8", "XAPI-00097", "the LRS must set stored", "LRS は stored を設定しなければなりません"),
    ("lrs.authority", "Data 2.4.9", "XAPI-00099", "the LRS must set authority",
     "LRS は authority を設定しなければなりません"),
    ("lrs.contextActivities.array", "Data 2.4.6.2", "XAPI-00096",
     "the LRS must return every contextActivities value as an array",
     "LRS は contextActivities の値を常に配列で返さなければなりません"),
)

# SHOULD-level, or not confirmed as a MUST from a primary source: a warning, never a reason for a 400.
_SHOULD_TABLE: tuple[tuple[str, str, str, str, str], ...] = (
    # 9274.1.1 4.2.7 (Timestamps) states no RFC 3339 requirement for the LRS; reference/xapi.md §2 says
    # "Timestamps may use RFC 3339". A warning only.
    ("timestamp.rfc3339", f"{_V2} 4.2.7", "", "in xAPI 2.0 a timestamp should follow RFC 3339",
     "xAPI 2.0 ではタイムスタンプは RFC 3339 に従うべきです"),
    ("timestamp.timezone", "Data 4.5", "", "a timestamp should state its time zone (Z or an offset)",
     "タイムスタンプにはタイムゾーン（Z またはオフセット）を付けるべきです"),
)

RULES: dict[str, Rule] = {
    **{r[0]: Rule(*r) for r in _TABLE},
    **{r[0]: Rule(*r, level="SHOULD") for r in _SHOULD_TABLE},
}
SHOULD_RULES: frozenset[str] = frozenset(r[0] for r in _SHOULD_TABLE)


def shown(value: Any, limit: int = 60) -> str:
    """A short, safe rendering of a seen value for a message (long or deep values are cut)."""
    try:
        text = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    except Exception:  # noqa: BLE001 - a hostile __repr__ never reaches a user
        text = type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NOTHING = object()
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def child(path: str, key: Any) -> str:
    """``path`` extended by an object key: ``$.a.b`` for plain names, ``$.a['https://x/y']`` (quotes
    escaped) for IRIs, language tags and other keys a dotted path would make ambiguous."""
    if key.__class__ is str and _NAME.fullmatch(key):
        return f"{path}.{key}"
    text = str(key).replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{text}']"


def problem(rule: str, path: str, seen: Any = _NOTHING, *, version: str = "1.0.3") -> Problem:
    """The ``Problem`` for ``rule`` at ``path``, naming the value seen when there is one."""
    r = RULES[rule]
    en, ja = r.en, r.ja
    if seen is not _NOTHING:
        s = shown(seen)
        en, ja = f"{en} (got {s})", f"{ja}（値: {s}）"
    if rule == "statement.version" and version.startswith("2."):
        en, ja = "version must be 1.0.x or 2.0.x", "version は 1.0.x または 2.0.x でなければなりません"
    return Problem(path=path, message=en, message_ja=ja, section=r.section, requirement=r.requirement, rule=rule)
