"""``xapi-statements`` checks of the xAPI Data rules (layer a), judged by the model's ``validate_statement``.

One pass validates every statement as a Learning Record Provider sends it (``sent_by_lrp``); each check
reports the problems of its group of rules (by the rule's name, e.g. ``actor.*``, ``score.*``). SHOULD
rules are one warning check. Every rule of the model's catalogue belongs to exactly one check
(``group_of``), so a rule added to the model is never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

from renkei.harness.core.context import CheckContext
from renkei.harness.xapi.model.rules import SHOULD_RULES
from renkei.harness.xapi.model.statement import validate_statement
from renkei.harness.xapi.statements.judging import report, require_statements, statements_check
from renkei.harness.xapi.statements.target import (
    Flag,
    Judge,
    LayerSpec,
    Statement,
    StatementsTarget,
    plan_layer,
)

# check id suffix -> rule-name prefixes
GROUPS: dict[str, tuple[str, ...]] = {
    "statement": ("statement", "statements", "value", "property", "authority"),
    "actor": ("actor", "agent", "group"),
    "verb": ("verb", "voiding"),
    "object": ("object", "activity", "definition", "statementref", "substatement"),
    "result": ("result", "score"),
    "context": ("context",),
    "timestamp": ("timestamp",),
    "attachments": ("attachment", "attachments"),
    "values": ("extensions", "languagemap"),
}
SHOULD = "xapi.statements.data.should"


def group_of(rule: str) -> str:
    """The check id that reports ``rule``."""
    if rule in SHOULD_RULES:
        return SHOULD
    head = rule.split(".", 1)[0]
    return next((f"xapi.statements.data.{g}" for g, heads in GROUPS.items() if head in heads), "xapi.statements.data.statement")


def _layer_key(version: str) -> str:
    return f"data:{version}"


def _judge(version: str) -> Judge:
    def judge(s: Statement) -> Iterable[Flag]:
        problems = validate_statement(s.value, version, sent_by_lrp=True)  # type: ignore[arg-type]
        return [Flag(group_of(p.rule), p) for p in problems] if problems else ()
    return judge


def _data_layer(target: StatementsTarget, params: dict[str, object]) -> LayerSpec:
    version = target.config.version
    return _layer_key(version), _judge(version)


def _run(ctx: CheckContext) -> None:
    target = require_statements(ctx)
    report(ctx, target.layer(*_data_layer(target, ctx.params)))


def _data_check(suffix: str, requirement: str, title: tuple[str, str], description: tuple[str, str],
                severity: str = "error") -> None:
    intro_ja = "文が xAPI Data の規則 (対象ファイルの version: 1.0.3 または 2.0.0) に従うことを、renkei の xAPI モデルで確認します: "
    intro_en = "Statements follow the xAPI Data rules (the target's version: 1.0.3 or 2.0.0), judged by renkei's xAPI model: "
    statements_check(f"xapi.statements.data.{suffix}", requirement, severity, title,
                     (intro_ja + description[0], intro_en + description[1]))(_run)
    plan_layer(f"xapi.statements.data.{suffix}")(_data_layer)


_data_check("statement", "xAPI 1.0.3 Data §2.2, §2.4, §2.4.1, §2.4.10 (XAPI-00001…XAPI-00027)",
            ("文の構造", "Statement structure"),
            ("null や空オブジェクトがない、JSON の型、未知のプロパティ (大文字小文字を区別)、actor・verb・object が必須、"
             "id が UUID、version の形。",
             "no null or empty object, JSON types, no unknown property (case-sensitive), actor, verb and object "
             "required, id a UUID, the form of version."))
_data_check("actor", "xAPI 1.0.3 Data §2.4.2 Actor (XAPI-00031…)", ("actor (Agent / Group)", "Actor (Agent / Group)"),
            ("objectType、IFI がちょうど 1 つ (mbox・mbox_sha1sum・openid・account)、account の homePage と name、"
             "Group の member。",
             "objectType, exactly one IFI (mbox, mbox_sha1sum, openid, account), account homePage and name, Group "
             "members."))
_data_check("verb", "xAPI 1.0.3 Data §2.4.3 Verb; §2.3.2 Voiding", ("verb と取り消し", "Verb and voiding"),
            ("verb.id が IRI、display が言語マップ、取り消し (voided) の object が StatementRef。",
             "verb.id an IRI, display a language map, a voiding statement's object a StatementRef."))
_data_check("object", "xAPI 1.0.3 Data §2.4.4 Object", ("object", "Object"),
            ("Activity (id が IRI、definition の type・name・description・interaction)、Agent/Group、StatementRef、"
             "SubStatement (入れ子なし)。",
             "Activity (id an IRI; definition type, name, description, interaction), Agent/Group, StatementRef, "
             "SubStatement (no nesting)."))
_data_check("result", "xAPI 1.0.3 Data §2.4.5 Result", ("result と score", "Result and score"),
            ("score.scaled が -1〜1、raw が min〜max、min < max、duration が ISO 8601。",
             "score.scaled in -1..1, raw between min and max, min < max, duration ISO 8601."))
_data_check("context", "xAPI 1.0.3 Data §2.4.6 Context", ("context", "Context"),
            ("registration が UUID、contextActivities のキー、revision と platform は object が Activity の時だけ、"
             "instructor と team、(2.0) contextAgents と contextGroups。",
             "registration a UUID, contextActivities keys, revision and platform only with an Activity object, "
             "instructor and team, (2.0) contextAgents and contextGroups."))
_data_check("timestamp", "xAPI 1.0.3 Data §2.4.7, §4.5 (ISO 8601)", ("timestamp", "Timestamps"),
            ("timestamp と stored が ISO 8601 (-00:00 などのオフセットは不可)。",
             "timestamp and stored are ISO 8601 (no -00:00 style offsets)."))
_data_check("attachments", "xAPI 1.0.3 Data §2.4.11 Attachments", ("attachments", "Attachments"),
            ("usageType・display・contentType・length・sha2 の形。", "the form of usageType, display, contentType, length, sha2."))
_data_check("values", "xAPI 1.0.3 Data §4.1 Extensions, §4.2 Language Maps", ("拡張と言語マップ", "Extensions and language maps"),
            ("拡張のキーが IRI、言語マップのキーが RFC 5646 の言語タグ。",
             "extension keys are IRIs, language map keys RFC 5646 language tags."))
_data_check("should", "xAPI 1.0.3 Data §4.5; 9274.1.1 4.2.7 (SHOULD)", ("推奨される形 (SHOULD)", "Recommended forms (SHOULD)"),
            ("仕様の SHOULD (タイムスタンプのタイムゾーン、2.0 の RFC 3339) のため警告です。",
             "the spec's SHOULDs (a timestamp's time zone, RFC 3339 in 2.0): a warning."), severity="warning")
