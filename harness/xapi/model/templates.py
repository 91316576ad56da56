"""xAPI Profiles Statement Templates and their rules (Profiles Structure §8, Communication §2.1).

A profile document (JSON-LD) is read into ``ProfileDocument``; a statement is judged with the
spec's own algorithm: ``validates`` returns success / unmatched / invalid and the templates concerned,
``follows_rule`` implements §2.1 ``follows_rule`` (with the UNMATCHABLE sentinel for a selector that
finds nothing). What a statement broke comes back as located ``Problem``s, so a check can report the
exact rule and JSONPath. A document's Patterns (§9) are read here too (``patterns.parse_pattern``);
matching them is ``patterns``' work.

A profile document is untrusted input: it is read bounded (size, depth) and every malformed part is a
``ProfileError`` naming the document and the template, never a traceback.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from renkei.harness.core.bounded import InputLimitError, load_json, read_config_bytes
from renkei.harness.core.errors import ConfigError
from renkei.harness.xapi.model import jsonpath, patterns
from renkei.harness.xapi.model.problems import Problem

MAX_PROFILE_BYTES = 8 * 1024 * 1024
SECTION_RULES = "xAPI Profiles Structure §8.1; Communication §2.1"
SECTION_TEMPLATES = "xAPI Profiles Structure §8; Communication §2.1"
Outcome = Literal["success", "unmatched", "invalid"]
UNMATCHABLE = object()  # §2.1: a location value on which the selector found nothing
PRESENCES = ("included", "excluded", "recommended")
_CONTEXT_TYPES = {"contextGroupingActivityType": "grouping", "contextParentActivityType": "parent",
                  "contextOtherActivityType": "other", "contextCategoryActivityType": "category"}


class ProfileError(ValueError):
    """A profile document (or one of its templates or rules) cannot be used; says where."""


@dataclass(frozen=True)
class Rule:
    location: jsonpath.JsonPath
    selector: jsonpath.JsonPath | None = None
    presence: str | None = None
    any: tuple[Any, ...] | None = None
    all: tuple[Any, ...] | None = None
    none: tuple[Any, ...] | None = None
    scope_note: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return self.location.text + (f" → {self.selector.text}" if self.selector else "")


@dataclass(frozen=True)
class Template:
    id: str
    pref_label: dict[str, str]
    verb: str | None = None
    object_activity_type: str | None = None
    context_types: dict[str, tuple[str, ...]] = field(default_factory=dict)  # contextActivities key -> types
    attachment_usage_type: tuple[str, ...] = ()
    object_statement_ref_template: tuple[str, ...] = ()
    context_statement_ref_template: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()

    def label(self) -> str:
        return self.pref_label.get("en") or next(iter(self.pref_label.values()), self.id)


@dataclass(frozen=True)
class ProfileDocument:
    id: str
    pref_label: dict[str, str]
    version_ids: tuple[str, ...]
    templates: tuple[Template, ...]
    source: str = ""  # where it was read from, for messages
    patterns: tuple[patterns.Pattern, ...] = ()

    @cached_property
    def _ids(self) -> frozenset[str]:
        return frozenset((self.id, *self.version_ids))

    @cached_property
    def _by_verb(self) -> tuple[dict[str, tuple[Template, ...]], tuple[Template, ...]]:
        """verb IRI -> the templates a statement with that verb can match (those naming that verb or none),
        in document order; and the templates naming no verb (for any other verb)."""
        verbless = tuple(t for t in self.templates if t.verb is None)
        verbs = {t.verb for t in self.templates if t.verb is not None}
        return {v: tuple(t for t in self.templates if t.verb in (None, v)) for v in verbs}, verbless

    @cached_property
    def _successes(self) -> dict[int, tuple[Validation, bool]]:
        """id of a ``_by_verb`` tuple -> (the success of every template in it, made once; whether that is
        the outcome for every statement with that verb: each template determined by its verb alone and
        without rules)."""
        by_verb, verbless = self._by_verb
        return {id(c): (Validation("success", c) if c else _UNMATCHED, all(map(_verb_only, c)))
                for c in (*by_verb.values(), verbless)}

    def fixed_outcome(self, verb_id: Any) -> Validation | None:
        """What ``validates`` finds for every statement (an object) whose ``verb.id`` is ``verb_id`` when
        nothing else in it can change that (every template it could match is determined by its verb
        alone and has no rule); None when the rest of the statement must be judged."""
        by_verb, verbless = self._by_verb
        candidates = by_verb.get(verb_id, verbless) if isinstance(verb_id, str) else verbless
        every, decided = self._successes[id(candidates)]
        return every if decided else None

    def declared_by(self, statement: Any) -> bool:
        """True when the statement puts this profile (its id or a version id) in category (Structure §5)."""
        return self.declared_among(category_ids(statement))

    def declared_among(self, ids: list[str]) -> bool:
        """``declared_by`` on a statement's ``category_ids``."""
        return not self._ids.isdisjoint(ids)

    def validates(self, statement: Any, base: str = "$") -> Validation:
        """``validates(statement, self.templates)``, trying only the templates whose verb can match: a
        template naming another verb fails its determining properties anyway (Communication §2.1)."""
        return self.validates_normalized(normalize(statement), base)

    def validates_normalized(self, stmt: Any, base: str = "$") -> Validation:
        """``validates`` on a statement already ``normalize``d (several documents judge the same one)."""
        by_verb, verbless = self._by_verb
        verb = stmt.get("verb") if isinstance(stmt, dict) else None
        vid = verb.get("id") if isinstance(verb, dict) else None
        candidates = by_verb.get(vid, verbless) if isinstance(vid, str) else verbless
        every, decided = self._successes[id(candidates)]
        if decided and isinstance(stmt, dict):
            return every  # what _validates finds for these templates, without asking each of them
        result = _validates(stmt, candidates, base)
        if result.outcome == "success" and len(result.templates) == len(candidates):
            return every
        return result


# --- reading ------------------------------------------------------------------------------------

def _lang_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ProfileError(f"{where}: must be a language map of strings")
    return dict(value)


def _iri_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ProfileError(f"{where}: must be a non-empty array of IRIs")
    return tuple(value)


def _optional_iri(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ProfileError(f"{where}: must be an IRI")
    return value


def _path(value: Any, where: str) -> jsonpath.JsonPath:
    try:
        return jsonpath.parse(value)
    except jsonpath.JsonPathError as exc:
        raise ProfileError(f"{where}: {exc}") from None


def parse_rule(data: Any, where: str) -> Rule:
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: a rule must be an object")
    unknown = set(data) - {"location", "selector", "presence", "any", "all", "none", "scopeNote"}
    if unknown:
        raise ProfileError(f"{where}: unknown rule property {sorted(unknown)[0]!r}")
    if "location" not in data:
        raise ProfileError(f"{where}: a rule needs a location (Structure §8.1)")
    presence = data.get("presence")
    if presence is not None and presence not in PRESENCES:
        raise ProfileError(f"{where}: presence must be one of {', '.join(PRESENCES)}")
    lists: dict[str, tuple[Any, ...] | None] = {}
    for name in ("any", "all", "none"):
        value = data.get(name)
        if value is not None and (not isinstance(value, list) or not value):
            raise ProfileError(f"{where}: {name} must be a non-empty array")
        lists[name] = tuple(value) if value is not None else None
    if presence is None and all(v is None for v in lists.values()):
        raise ProfileError(f"{where}: a rule needs at least one of presence, any, all, none (Structure §8.1)")
    return Rule(location=_path(data["location"], f"{where}.location"),
                selector=_path(data["selector"], f"{where}.selector") if "selector" in data else None,
                presence=presence, any=lists["any"], all=lists["all"], none=lists["none"],
                scope_note=_lang_map(data.get("scopeNote"), f"{where}.scopeNote"))


def parse_template(data: Any, where: str) -> Template:
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: a template must be an object")
    tid = data.get("id")
    if not isinstance(tid, str) or not tid:
        raise ProfileError(f"{where}: a template needs an id")
    where = f"{where} ({tid})"
    if data.get("type") != "StatementTemplate":
        raise ProfileError(f"{where}: type must be StatementTemplate")
    if data.get("objectStatementRefTemplate") and data.get("objectActivityType"):
        raise ProfileError(f"{where}: objectActivityType and objectStatementRefTemplate exclude each other")
    rules = data.get("rules") or []
    if not isinstance(rules, list):
        raise ProfileError(f"{where}: rules must be an array")
    return Template(
        id=tid, pref_label=_lang_map(data.get("prefLabel"), f"{where}.prefLabel"),
        verb=_optional_iri(data.get("verb"), f"{where}.verb"),
        object_activity_type=_optional_iri(data.get("objectActivityType"), f"{where}.objectActivityType"),
        context_types={key: _iri_list(data[name], f"{where}.{name}") for name, key in _CONTEXT_TYPES.items()
                       if data.get(name) is not None},
        attachment_usage_type=_iri_list(data.get("attachmentUsageType"), f"{where}.attachmentUsageType"),
        object_statement_ref_template=_iri_list(data.get("objectStatementRefTemplate"),
                                                f"{where}.objectStatementRefTemplate"),
        context_statement_ref_template=_iri_list(data.get("contextStatementRefTemplate"),
                                                 f"{where}.contextStatementRefTemplate"),
        rules=tuple(parse_rule(r, f"{where}.rules[{i}]") for i, r in enumerate(rules)))


def parse_profile(data: Any, source: str) -> ProfileDocument:
    """A profile document from its JSON (Structure §4); ``ProfileError`` naming ``source`` otherwise."""
    if not isinstance(data, dict):
        raise ProfileError(f"profile document {source}: the top level must be an object")
    pid = data.get("id")
    if not isinstance(pid, str) or not pid:
        raise ProfileError(f"profile document {source}: needs an id")
    if data.get("type") != "Profile":
        raise ProfileError(f"profile document {source}: type must be Profile")
    versions = data.get("versions") or []
    if not isinstance(versions, list) or not all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in versions):
        raise ProfileError(f"profile document {source}: versions must be an array of objects with an id")
    templates = data.get("templates") or []
    if not isinstance(templates, list):
        raise ProfileError(f"profile document {source}: templates must be an array")
    found = data.get("patterns")
    found = [] if found is None else found
    if not isinstance(found, list):
        raise ProfileError(f"profile document {source}: patterns must be an array")
    try:
        parsed = tuple(patterns.parse_pattern(p, f"profile document {source}: patterns[{i}]")
                       for i, p in enumerate(found))
    except patterns.PatternError as exc:
        raise ProfileError(str(exc)) from None
    return ProfileDocument(
        id=pid, pref_label=_lang_map(data.get("prefLabel"), f"profile document {source}: prefLabel"),
        version_ids=tuple(v["id"] for v in versions),
        templates=tuple(parse_template(t, f"profile document {source}: templates[{i}]") for i, t in enumerate(templates)),
        source=source, patterns=parsed)


def load_profile_file(path: str | Path) -> ProfileDocument:
    """Read a profile document (at most ``MAX_PROFILE_BYTES``, JSON depth-limited)."""
    raw = read_config_bytes(path, "profile document", max_bytes=MAX_PROFILE_BYTES)
    try:
        data = load_json(raw)
    except InputLimitError as exc:
        raise ConfigError(f"profile document {path}: {exc.en}") from None
    except ValueError as exc:
        raise ConfigError(f"profile document {path}: not valid JSON: {exc}") from None
    try:
        return parse_profile(data, str(path))
    except ProfileError as exc:
        raise ConfigError(str(exc)) from None


# --- judging ------------------------------------------------------------------------------------

def _context_activities(statement: Any, key: str) -> list[Any]:
    ctx = statement.get("context") if isinstance(statement, dict) else None
    acts = ctx.get("contextActivities") if isinstance(ctx, dict) else None
    value = acts.get(key) if isinstance(acts, dict) else None
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def category_ids(statement: Any) -> list[str]:
    """The string ids of the statement's ``contextActivities.category`` activities (Structure §5)."""
    out: list[str] = []
    for a in _context_activities(statement, "category"):
        if isinstance(a, dict):
            aid = a.get("id")
            if isinstance(aid, str):
                out.append(aid)
    return out


def normalize_with_category(statement: Any) -> tuple[Any, list[str]]:
    """``(normalize(statement), category_ids(statement))`` with one look at contextActivities (every
    statement of a file is judged against every loaded document)."""
    ctx = statement.get("context") if isinstance(statement, dict) else None
    acts = ctx.get("contextActivities") if isinstance(ctx, dict) else None
    if not isinstance(acts, dict):
        return statement, []
    category = acts.get("category")
    ids: list[str] = []
    if category is not None:
        for a in category if isinstance(category, list) else (category,):
            if isinstance(a, dict):
                aid = a.get("id")
                if isinstance(aid, str):
                    ids.append(aid)
    for v in acts.values():
        if not isinstance(v, list):
            return normalize(statement), ids
    return statement, ids  # every value already an array: normalize would return it as it is


def normalize(statement: Any) -> Any:
    """A copy with every contextActivities value as an array (Structure §8.1: rules see arrays)."""
    if not isinstance(statement, dict):
        return statement
    ctx = statement.get("context")
    acts = ctx.get("contextActivities") if isinstance(ctx, dict) else None
    if not isinstance(acts, dict):
        return statement
    for v in acts.values():
        if not isinstance(v, list):
            break
    else:
        return statement
    out = copy.copy(statement)
    out["context"] = {**ctx, "contextActivities": {k: v if isinstance(v, list) else [v] for k, v in acts.items()}}
    return out


def _types(activities: list[Any]) -> set[str]:
    return {a["definition"]["type"] for a in activities if isinstance(a, dict) and isinstance(a.get("definition"), dict)
            and isinstance(a["definition"].get("type"), str)}


def matches_determining_properties(statement: Any, template: Template) -> bool:
    """§2.1: every Determining Property the template specifies is present in the statement (equal, or the
    statement's values a superset of the template's)."""
    if not isinstance(statement, dict):
        return False
    if template.verb is not None:
        verb = statement.get("verb")
        if not isinstance(verb, dict) or verb.get("id") != template.verb:
            return False
    if template.object_activity_type is not None:
        obj = statement.get("object")
        definition = obj.get("definition") if isinstance(obj, dict) else None
        if not isinstance(definition, dict) or definition.get("type") != template.object_activity_type:
            return False
    for key, wanted in template.context_types.items():
        if not set(wanted) <= _types(_context_activities(statement, key)):
            return False
    if template.attachment_usage_type:
        attachments = statement.get("attachments")
        used = {a.get("usageType") for a in attachments if isinstance(a, dict)} if isinstance(attachments, list) else set()
        if not set(template.attachment_usage_type) <= used:
            return False
    return True


def _verb_only(template: Template) -> bool:
    """A template whose only Determining Property is its verb (or none) and which has no rule: every
    statement with its verb matches it and follows it."""
    return template.object_activity_type is None and not template.context_types \
        and not template.attachment_usage_type and not template.object_statement_ref_template \
        and not template.context_statement_ref_template and not template.rules


def _same(a: Any, b: Any) -> bool:
    """JSON equality (``1`` is not ``true``, ``1`` is ``1.0``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return bool(a == b)
    if type(a) is not type(b):
        return False
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) if isinstance(a, dict | list) else a == b


def _contains(options: tuple[Any, ...], value: Any) -> bool:
    return value is not UNMATCHABLE and any(_same(value, o) for o in options)


@dataclass(frozen=True)
class RuleResult:
    followed: bool
    why: str = ""  # English: what failed
    why_ja: str = ""
    path: str = ""  # where (the first offending concrete path, or the rule's location)
    value: Any = None


def evaluate(statement: Any, rule: Rule) -> list[tuple[str, Any]]:
    """The rule's evaluated values as (concrete path, value), ``UNMATCHABLE`` where a selector found nothing."""
    matches = rule.location.find(statement)
    if rule.selector is None:
        return [(m.path, m.value) for m in matches]
    out: list[tuple[str, Any]] = []
    for m in matches:
        picked = rule.selector.find(m.value, base=m.path)
        out.extend([(p.path, p.value) for p in picked] or [(m.path, UNMATCHABLE)])
    return out


_FOLLOWED = RuleResult(True)


def follows_rule(statement: Any, rule: Rule) -> RuleResult:
    """Communication §2.1 ``follows_rule`` on an already ``normalize``d statement."""
    if rule.presence == "included" and rule.selector is None and rule.any is None and rule.all is None \
            and rule.none is None:  # the commonest rule, "this is present": what the steps below decide for it
        if rule.location.present(statement):
            return _FOLLOWED
        return RuleResult(False, f"{rule.where} is required (included) but absent",
                          f"{rule.where} は必須 (included) ですがありません", rule.location.text)
    found = evaluate(statement, rule)
    values = [v for _, v in found]
    where = found[0][0] if found else rule.location.text
    strict = True
    if rule.presence == "included":
        bad = next(((p, v) for p, v in found if v is UNMATCHABLE), None)
        if bad is not None:
            return RuleResult(False, f"the selector {rule.selector.text if rule.selector else ''} finds nothing here "
                              "(included)", "selector で値が見つかりません (included)", bad[0])
        if not values:
            return RuleResult(False, f"{rule.where} is required (included) but absent",
                              f"{rule.where} は必須 (included) ですがありません", rule.location.text)
    elif rule.presence == "excluded":
        present = next(((p, v) for p, v in found if v is not UNMATCHABLE), None)
        if present is not None:
            return RuleResult(False, f"{rule.where} must be absent (excluded)", f"{rule.where} はあってはいけません (excluded)",
                              present[0], present[1])
    elif rule.presence == "recommended":
        strict = False
    if rule.any is not None and (strict or values) and not any(_contains(rule.any, v) for v in values):
        return RuleResult(False, f"{rule.where}: none of the values is one of the 'any' values",
                          f"{rule.where}: any に挙げられた値がひとつもありません", where, values[:3] or None)
    if rule.all is not None and (strict or values):
        bad = next(((p, v) for p, v in found if not _contains(rule.all, v)), None)
        if bad is not None:
            return RuleResult(False, f"{rule.where}: a value outside the 'all' values", f"{rule.where}: all にない値があります",
                              bad[0], None if bad[1] is UNMATCHABLE else bad[1])
    if rule.none is not None and (strict or values):
        bad = next(((p, v) for p, v in found if _contains(rule.none, v)), None)
        if bad is not None:
            return RuleResult(False, f"{rule.where}: a value the rule forbids ('none')",
                              f"{rule.where}: none で禁じられた値です", bad[0], bad[1])
    return _FOLLOWED


def rule_problems(statement: Any, template: Template, base: str = "$") -> list[Problem]:
    """Every rule of ``template`` the statement breaks, located (``base`` replaces the leading ``$``)."""
    return _rule_problems(normalize(statement), template, base)


def _rule_problems(stmt: Any, template: Template, base: str) -> list[Problem]:
    out: list[Problem] = []
    if template.object_statement_ref_template:
        obj = stmt.get("object") if isinstance(stmt, dict) else None
        if not (isinstance(obj, dict) and obj.get("objectType") == "StatementRef"):
            out.append(Problem(f"{base}.object", f"template {template.label()}: the object must be a StatementRef",
                               f"テンプレート {template.label()}: object は StatementRef でなければなりません",
                               SECTION_TEMPLATES, rule="template.objectStatementRefTemplate"))
    if template.context_statement_ref_template:
        ctx = stmt.get("context") if isinstance(stmt, dict) else None
        ref = ctx.get("statement") if isinstance(ctx, dict) else None
        if not (isinstance(ref, dict) and ref.get("objectType") == "StatementRef"):
            out.append(Problem(f"{base}.context.statement",
                               f"template {template.label()}: context.statement must be a StatementRef",
                               f"テンプレート {template.label()}: context.statement は StatementRef でなければなりません",
                               SECTION_TEMPLATES, rule="template.contextStatementRefTemplate"))
    for rule in template.rules:
        result = follows_rule(stmt, rule)
        if not result.followed:
            kind = rule.presence or ("any" if rule.any else "all" if rule.all else "none")
            out.append(Problem(base + result.path[1:], f"template {template.label()}: {result.why}",
                               f"テンプレート {template.label()}: {result.why_ja}", SECTION_RULES,
                               rule=f"template.rule.{kind}"))
    return out


@dataclass(frozen=True)
class Validation:
    outcome: Outcome
    templates: tuple[Template, ...]  # matched (success) or matched-but-failing (invalid)
    problems: tuple[Problem, ...] = ()


def validates(statement: Any, templates: tuple[Template, ...] | list[Template], base: str = "$") -> Validation:
    """Communication §2.1 ``validates``: success (templates matched, all rules followed), invalid (a matching
    template's rules broken; its problems), or unmatched (no template's determining properties match)."""
    return _validates(normalize(statement), templates, base)


def _validates(stmt: Any, templates: tuple[Template, ...] | list[Template], base: str) -> Validation:
    matching: list[Template] = []
    failing: list[Template] = []
    problems: list[Problem] = []
    for template in templates:
        if matches_determining_properties(stmt, template):
            found = _rule_problems(stmt, template, base)
            (failing if found else matching).append(template)
            problems.extend(found)
    if failing:
        return Validation("invalid", tuple(failing), tuple(problems))
    return Validation("success", tuple(matching)) if matching else _UNMATCHED


_UNMATCHED = Validation("unmatched", ())
