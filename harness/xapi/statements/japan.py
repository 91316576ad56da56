"""The Japan xAPI Profiles rules (ICT CONNECT 21 xAPI SWG drafts, 2026-04-01), as data and small functions.

Why data: the common rules (Domain_Profile_Guidelines §2.3) and the core extensions are read from the
documents in ``renkei.fixtures.xapi`` (``japan-common-rules.json``, ``japan-core.json``), so when the
drafts change, the documents change and the code does not. Everything here returns ``Problem``s located
by JSONPath from the statement (``$``); the checks decide the severity. The drafts are drafts: where a
rule is not confirmed from a primary source (code lists, the 16-digit code format), the check that uses
it is a warning and says so.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import renkei.fixtures.xapi
from renkei.harness.core.bounded import load_json
from renkei.harness.xapi.model import jsonpath, templates
from renkei.harness.xapi.model.problems import Problem

FIXTURES = Path(renkei.fixtures.xapi.__file__).resolve().parent
EXTENSIONS_BASE = "https://w3id.org/japan-xapi/extensions/"
OLD_BASE = "https://w3id.org/xapi-japan-profiles/"
SECTION_COMMON = "Japan xAPI Profiles (draft 2026-04-01) Domain_Profile_Guidelines §2.3"
SECTION_CORE = "Japan xAPI Profiles (draft 2026-04-01) core_profile extensions"
SECTION_ASSESSMENT = "Japan xAPI Profiles (draft 2026-04-01) assessment_profile answered (score)"
COURSE_OF_STUDY = EXTENSIONS_BASE + "course-of-study-code"
COURSE_OF_STUDY_RE = re.compile(r"^[0-9]{16}$")
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
# where an extension may sit: (JSONPath of the extensions object, what it is)
EXTENSION_PLACES = (("$.context.extensions", "context"), ("$.object.definition.extensions", "activity"),
                    ("$.result.extensions", "result"))
JAPAN_DOCUMENTS = ("japan-assessment", "japan-lms")


def fixture(name: str) -> Path:
    """A shipped profile document by name (``japan-assessment``) or the path given as it is."""
    path = FIXTURES / f"{name}.json"
    return path if path.is_file() else Path(name)


@cache
def common_rules() -> tuple[templates.Rule, ...]:
    data = load_json(fixture("japan-common-rules").read_bytes())
    return tuple(templates.parse_rule(r, f"japan-common-rules.json rules[{i}]") for i, r in enumerate(data["rules"]))


@cache
def _strict_common_rules() -> tuple[tuple[templates.Rule, templates.Rule, bool], ...]:
    """Each common rule with its presence judged as ``included`` (built once, not per statement), and
    whether that is only "the location is present" (no selector)."""
    return tuple((rule, templates.Rule(rule.location, rule.selector, "included"), rule.selector is None)
                 for rule in common_rules())


@cache
def core_extensions() -> dict[str, dict[str, Any]]:
    """Extension IRI -> its JSON Schema (``inlineSchema``) from ``japan-core.json``."""
    data = load_json(fixture("japan-core").read_bytes())
    return {c["id"]: json.loads(c["inlineSchema"]) for c in data["concepts"] if c["type"].endswith("Extension")}


def common_problems(statement: Any, presence: str) -> list[Problem]:
    """The common rules of one presence (``included`` / ``recommended``) the statement does not follow.

    ``recommended`` is judged as a requirement here (absence is reported) so a report can show it;
    its check is informative."""
    return common_problems_by_presence(statement).get(presence, [])


Tree = dict[str, "Tree"]


@cache
def _presence_tree() -> Tree | None:
    """The member names every common rule requires, as a tree ({"actor": {"account": {"name": {}}}}), when
    every rule is "this member path is present" and none goes through contextActivities (whose values
    ``normalize`` changes); None otherwise. A statement that has every leaf follows every rule."""
    tree: Tree = {}
    for rule, _, presence_only in _strict_common_rules():
        names = rule.location.member_names()
        if not presence_only or names is None or names[:2] == ("context", "contextActivities"):
            return None
        node = tree
        for name in names:
            node = node.setdefault(name, {})
    return tree


def compile_presence(tree: Tree) -> Any:
    """A test that every member path of ``tree`` is present in a value (what ``JsonPath.present`` asks of
    each path; a path through a non-object is absent), as one straight function: no call or loop per member.

    Why generated: the common rules are data (a document), and this test runs on every statement of a
    file of millions; a plain recursion spends most of its time calling itself. The member names go
    into the source only as ``repr`` literals, so any name is safe."""
    lines = ["def has_all(v0):", "    if v0.__class__ is not dict and not isinstance(v0, dict): return False"]
    count = 0

    def emit(var: str, node: Tree) -> None:
        nonlocal count
        for name, below in node.items():
            lines.append(f"    if {name!r} not in {var}: return False")
            if below:
                count += 1
                inner = f"v{count}"
                lines.append(f"    {inner} = {var}[{name!r}]")
                lines.append(f"    if {inner}.__class__ is not dict and not isinstance({inner}, dict): return False")
                emit(inner, below)

    emit("v0", tree)
    lines.append("    return True")
    scope: dict[str, Any] = {}
    exec(compile("\n".join(lines), "<japan common rules: presence>", "exec"), scope)  # noqa: S102  (names are repr literals)
    return scope["has_all"]


@cache
def _presence_test() -> Any:
    """The compiled ``_presence_tree`` test, or None where the rules are not all plain presence."""
    tree = _presence_tree()
    return None if tree is None else compile_presence(tree)


_NO_COMMON_PROBLEMS: dict[str, list[Problem]] = {"included": [], "recommended": []}


def common_problems_by_presence(statement: Any) -> dict[str, list[Problem]]:
    """``common_problems`` of both presences in one go: {"included": [...], "recommended": [...]}.
    The result is shared when there is no problem: do not change it."""
    has_all = _presence_test()
    if has_all is not None and has_all(statement):
        return _NO_COMMON_PROBLEMS
    stmt = templates.normalize(statement)
    found: dict[str, list[Problem]] = {"included": [], "recommended": []}
    for presence, follows, problem in _judged_common_rules():
        if not follows(stmt):
            found[presence].append(problem)
    return found


@cache
def _judged_common_rules() -> tuple[tuple[str, Any, Problem], ...]:
    """Each included/recommended common rule as (presence, a test on a normalised statement, the problem
    it reports), built once: a statement that misses a member is judged rule by rule, and the problem
    of a rule is the same for every statement."""
    out = []
    for rule, strict, presence_only in _strict_common_rules():
        presence = str(rule.presence)
        if presence not in ("included", "recommended"):
            continue
        names = rule.location.member_names() if presence_only else None
        if names is not None:
            tree: Tree = {}
            node = tree
            for name in names:
                node = node.setdefault(name, {})
            follows = compile_presence(tree)
        else:
            def follows(stmt: Any, strict: templates.Rule = strict) -> bool:
                return templates.follows_rule(stmt, strict).followed
        where = rule.location.text
        if presence == "included":
            en, ja = f"{where} is required by the Japan common rules", f"{where} は日本版共通ルールで必須です"
        else:
            en, ja = f"{where} is recommended by the Japan common rules", f"{where} は日本版共通ルールで推奨されています"
        out.append((presence, follows, Problem(where, en, ja, SECTION_COMMON, rule=f"jp.common.{presence}")))
    return tuple(out)


def actor_problems(statement: Any) -> list[Problem]:
    """The learner is identified by ``account`` (not an e-mail address or OpenID)."""
    actor = statement.get("actor") if isinstance(statement, dict) else None
    if not isinstance(actor, dict) or actor.get("objectType") == "Group":
        return []
    if "account" in actor and not ("mbox" in actor or "mbox_sha1sum" in actor or "openid" in actor):
        return []  # the common case, decided without the list below
    used = [k for k in IFIS if k in actor]
    if used and used != ["account"]:
        other = next(k for k in used if k != "account")
        return [Problem(f"$.actor.{other}", f"the actor is identified by {other}; the Japan profiles identify the "
                        "learner by account (homePage + name)", f"actor が {other} で識別されています。日本版プロファイルでは "
                        "account (homePage と name) で識別します", SECTION_COMMON, rule="jp.actor.account")]
    return []


def launched_user_problems(statement: Any, name: str, home_page: str) -> list[Problem]:
    """The actor is the launched user: ``account.name`` = the LTI ``sub``, ``homePage`` = the e-portal's."""
    actor = statement.get("actor") if isinstance(statement, dict) else None
    account = actor.get("account") if isinstance(actor, dict) else None
    if not isinstance(account, dict):
        return [Problem("$.actor", "the actor has no account, so it cannot be the launched user",
                        "actor に account がないため、起動した利用者か確かめられません", SECTION_COMMON,
                        rule="jp.actor.launched_user")]
    out: list[Problem] = []
    if account.get("name") != name:
        out.append(Problem("$.actor.account.name", "account.name is not the launched user's id (LTI sub)",
                           "account.name が起動した利用者の ID (LTI sub) ではありません", SECTION_COMMON,
                           rule="jp.actor.launched_user"))
    if str(account.get("homePage", "")).rstrip("/") != home_page.rstrip("/"):
        out.append(Problem("$.actor.account.homePage", "account.homePage is not the e-portal's homePage",
                           "account.homePage が学習eポータルの homePage ではありません", SECTION_COMMON,
                           rule="jp.actor.launched_user"))
    return out


_VERSION_1_0 = re.compile(r"1\.0(\.\d+)?", re.ASCII)
_OTHER_IFIS = ("mbox", "mbox_sha1sum", "openid")


def surely_common(statement: Any) -> bool:
    """True only when ``common_problems_by_presence``, ``actor_problems`` and ``version_problems`` all
    find nothing: the common statement, told with a few look-ups and no list built."""
    has_all = _presence_test()
    if has_all is None or not has_all(statement):
        return False
    actor = statement.get("actor")
    if isinstance(actor, dict) and actor.get("objectType") != "Group":
        for ifi in _OTHER_IFIS:
            if ifi in actor:
                return False
    version = statement.get("version")
    return version.__class__ is not str or version == "1.0.3" or _VERSION_1_0.fullmatch(version) is not None


def version_problems(statement: Any) -> list[Problem]:
    """The drafts are based on xAPI 1.0.3: a statement's ``version`` is 1.0.x."""
    version = statement.get("version") if isinstance(statement, dict) else None
    if isinstance(version, str) and not _VERSION_1_0.fullmatch(version):
        return [Problem("$.version", "the Japan profiles are based on xAPI 1.0.3; version is not 1.0.x",
                        "日本版プロファイルは xAPI 1.0.3 に基づきます。version が 1.0.x ではありません", SECTION_COMMON,
                        rule="jp.version")]
    return []


Places = list[tuple[str, dict[str, Any]]]  # (JSONPath of an extensions object, the object), non-empty ones


def extension_objects(statement: Any) -> Places:
    """The statement's non-empty extensions objects at ``EXTENSION_PLACES``, in that order: what
    ``jsonpath.find(statement, place)`` finds at each, written out (this runs on every statement)."""
    out: Places = []
    if not isinstance(statement, dict):
        return out
    node = statement.get("context")
    if isinstance(node, dict):
        ext = node.get("extensions")
        if isinstance(ext, dict) and ext:
            out.append(("$.context.extensions", ext))
    node = statement.get("object")
    if isinstance(node, dict):
        node = node.get("definition")
        if isinstance(node, dict):
            ext = node.get("extensions")
            if isinstance(ext, dict) and ext:
                out.append(("$.object.definition.extensions", ext))
    node = statement.get("result")
    if isinstance(node, dict):
        ext = node.get("extensions")
        if isinstance(ext, dict) and ext:
            out.append(("$.result.extensions", ext))
    return out


def extensions(statement: Any) -> list[tuple[str, str, Any]]:
    """Every extension of the statement: (concrete path, IRI, value)."""
    return [(jsonpath.child(place, iri), iri, value) for place, ext in extension_objects(statement)
            for iri, value in ext.items()]


def _places(statement: Any, found: Places | None) -> Places:
    return extension_objects(statement) if found is None else found


def _schema_problem(value: Any, schema: dict[str, Any]) -> str | None:
    """Why ``value`` does not fit the small JSON Schema subset the core document uses, or None."""
    kind = schema.get("type")
    if kind == "array":
        if not isinstance(value, list):
            return "must be an array"
        for item in value:
            why = _schema_problem(item, schema.get("items", {}))
            if why:
                return f"each item {why}"
        return None
    if kind == "integer":
        return None if isinstance(value, int) and not isinstance(value, bool) else "must be an integer"
    if kind == "string":
        if not isinstance(value, str):
            return "must be a string"
        if len(value) < schema.get("minLength", 0):
            return "must be a non-empty string"
        if "enum" in schema and value not in schema["enum"]:
            return f"must be one of {', '.join(schema['enum'])}"
        if schema.get("format") == "date-time" and not is_date_time(value):
            return "must be an ISO 8601 date-time"
        return None
    return None


def is_date_time(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})", value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@cache
def _fast_shapes() -> dict[str, Any]:
    """IRI -> a quick test that a value surely fits its schema (arrays of non-empty strings, plain
    strings, integers); a value it does not pass is judged by ``_schema_problem``, which says why."""
    out: dict[str, Any] = {}
    for iri, schema in core_extensions().items():
        items = schema.get("items")
        if schema.get("type") == "array" and set(schema) == {"type", "items"} and isinstance(items, dict) \
                and items.get("type") == "string" and set(items) <= {"type", "minLength"}:
            out[iri] = _strings_of(items.get("minLength", 0))
        elif schema == {"type": "string"}:
            out[iri] = lambda v: v.__class__ is str
        elif schema == {"type": "integer"}:
            out[iri] = lambda v: v.__class__ is int
    return out


def _strings_of(least: int) -> Any:
    def fits(value: Any) -> bool:
        if value.__class__ is not list:
            return False
        for item in value:  # noqa: SIM110  (a plain loop: all() over a generator costs more per call)
            if item.__class__ is not str or len(item) < least:
                return False
        return True
    return fits


def extension_problems(statement: Any, found: Places | None = None) -> tuple[list[Problem], list[Problem]]:
    """(core extensions whose value has the wrong shape, extensions in the Japan namespace the core
    profile does not define or in the older namespace), in one look at each extension. ``found``: the
    statement's ``extension_objects`` when the caller already has them."""
    known = core_extensions()
    fast = _fast_shapes()
    shapes: list[Problem] = []
    names: list[Problem] = []
    for place, ext in _places(statement, found):
        for iri, value in ext.items():
            quick = fast.get(iri)
            if quick is not None and quick(value):
                continue  # a core extension (so a known name) whose value surely fits
            schema = known.get(iri)
            why = _schema_problem(value, schema) if schema is not None else None
            if why:
                name = iri.removeprefix(EXTENSIONS_BASE)
                shapes.append(Problem(jsonpath.child(place, iri), f"extension {name} {why}",
                                      f"拡張 {name} の値の形が違います ({why})", SECTION_CORE, rule="jp.ext.value"))
            if iri.startswith(EXTENSIONS_BASE) and schema is None:
                names.append(Problem(jsonpath.child(place, iri), "an extension in the Japan namespace that the core "
                                     "profile does not define", "コアプロファイルにない日本版名前空間の拡張です",
                                     SECTION_CORE, rule="jp.ext.unknown"))
            elif iri.startswith(OLD_BASE):
                names.append(Problem(jsonpath.child(place, iri), f"an extension in the older namespace {OLD_BASE}; "
                                     f"the drafts now use {EXTENSIONS_BASE}", f"古い名前空間 {OLD_BASE} の拡張です。"
                                     f"現在のドラフトは {EXTENSIONS_BASE} です", SECTION_CORE, rule="jp.ext.old_namespace"))
    return shapes, names


def extension_value_problems(statement: Any, found: Places | None = None) -> list[Problem]:
    """Core extensions whose value has the wrong shape (arrays of strings, enums, integer, date-time)."""
    return extension_problems(statement, found)[0]


def unknown_extension_problems(statement: Any, found: Places | None = None) -> list[Problem]:
    """Extensions in the Japan namespace that the core profile does not define, and the older namespace."""
    return extension_problems(statement, found)[1]


def code_problems(statement: Any, name: str, allowed: re.Pattern[str], found: Places | None = None) -> list[Problem]:
    """Values of the ``name`` extension (grade, subject, course-of-study-code) outside ``allowed``."""
    out: list[Problem] = []
    wanted = EXTENSIONS_BASE + name
    for place, ext in _places(statement, found):
        value = ext.get(wanted)
        if not isinstance(value, list):
            continue
        for n, item in enumerate(value):
            if isinstance(item, str) and not allowed.fullmatch(item):
                out.append(Problem(jsonpath.child(jsonpath.child(place, wanted), n),
                                   f"{name} value is not a code of the expected form",
                                   f"{name} の値が想定の形のコードではありません", SECTION_CORE, rule=f"jp.ext.{name}"))
    return out


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) else None


def score_problems(statement: Any, tolerance: float) -> list[Problem]:
    """``scaled == (raw - min) / (max - min)`` (min 0 when absent) within ``tolerance``, and scaled in 0..1."""
    result = statement.get("result") if isinstance(statement, dict) else None
    score = result.get("score") if isinstance(result, dict) else None
    if not isinstance(score, dict):
        return []
    scaled, raw, top = _number(score.get("scaled")), _number(score.get("raw")), _number(score.get("max"))
    low = _number(score.get("min")) if "min" in score else 0.0
    out: list[Problem] = []
    if scaled is not None and not 0 <= scaled <= 1:
        out.append(Problem("$.result.score.scaled", "scaled is outside 0..1 (the assessment profile's range)",
                           "scaled が 0〜1 の範囲外です (アセスメントプロファイルの範囲)", SECTION_ASSESSMENT,
                           rule="jp.score.range"))
    if None in (scaled, raw, top, low) or top == low:
        return out
    expected = (raw - low) / (top - low)  # type: ignore[operator]
    if abs(expected - scaled) > tolerance:  # type: ignore[operator]
        out.append(Problem("$.result.score.scaled", f"scaled is not (raw - min) / (max - min) = {expected:.4g}",
                           f"scaled が (raw - min) / (max - min) = {expected:.4g} ではありません", SECTION_ASSESSMENT,
                           rule="jp.score.arithmetic"))
    return out
