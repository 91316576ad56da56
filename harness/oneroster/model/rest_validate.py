"""Judging one REST JSON object against its ``ObjectSpec``: required fields, types, vocabularies,
unknown fields, GUIDRefs. Pure functions returning ``Problem``s, so the provider checks, the
consumer profile and the tests share one reading of the OpenAPI schemas.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from renkei.harness.oneroster.model import rest as R


@dataclass(frozen=True)
class Problem:
    path: str  # JSON path inside the object, e.g. "roles[0].org.type"
    en: str
    ja: str
    value: Any = None


NON_EMPTY = ("sourcedId",)  # JSON Schema ``required`` asks for presence; an empty identifier identifies nothing


def missing_required(spec: R.ObjectSpec, obj: dict[str, Any]) -> Iterator[Problem]:
    """Required fields absent or null (``""`` is present: the schemas set no minLength, and the Japan
    Profile leaves e.g. courseCode empty), plus an empty sourcedId."""
    if None not in map(obj.get, spec.required) and obj.get("sourcedId") != "":  # C-level fast path
        return
    for name in spec.required:
        if name not in obj or obj[name] is None:
            yield Problem(name, f"required field {name} is missing", f"必須フィールド {name} がありません")
        elif name in NON_EMPTY and obj[name] == "":
            yield Problem(name, f"required field {name} is empty", f"必須フィールド {name} が空です", obj[name])


def unknown_fields(spec: R.ObjectSpec, obj: dict[str, Any]) -> Iterator[Problem]:
    """``additionalProperties: false``: names the schema does not have (``metadata`` is the place for more)."""
    if obj.keys() <= spec.by_name.keys():  # C-level fast path
        return
    for name in obj:
        if name not in spec.by_name:
            yield Problem(name, f"{name} is not a field of {spec.section} (extensions belong in metadata)",
                          f"{name} は {spec.section} のフィールドではありません (拡張は metadata に入れます)")


def _enum_ok(field: R.FieldSpec, value: Any) -> bool:
    return isinstance(value, str) and (value in field.values or (field.extensible and bool(R.EXT_RE.match(value))))


# Fast paths: a provider's objects are nearly always right, so each judgement first asks a cheap
# yes/no question and builds paths and Problems only for what fails it. Each ``_ok`` is True exactly
# when its ``_problems`` counterpart would yield nothing (the tests hold both to the same inputs).

_ABSOLUTE = ("http://", "https://")
_ABSENT = object()


def _guidref_ok(value: Any, ref_type: str | None) -> bool:
    if not isinstance(value, dict):
        return False
    href, sid, kind = value.get("href"), value.get("sourcedId"), value.get("type")
    return (isinstance(href, str) and href.startswith(_ABSOLUTE) and isinstance(sid, str) and sid != ""
            and isinstance(kind, str) and kind != "" and (ref_type is None or kind == ref_type))


def _scalar_ok(field: R.FieldSpec, value: Any) -> bool:
    kind = field.kind
    if kind == R.STR or kind == R.URI:
        return isinstance(value, str)
    if kind == R.ENUM:
        return _enum_ok(field, value)
    if kind == R.DATETIME:
        return isinstance(value, str) and R.DATETIME_RE.match(value) is not None
    if kind == R.DATE:
        return isinstance(value, str) and R.DATE_RE.match(value) is not None
    if kind == R.TF:
        return value == "true" or value == "false"
    return True


# Plans: each field's yes/no question compiled once per spec into one small function, so judging an
# object is a dict lookup and a call per field instead of a walk down the kinds; the string fields,
# most of an object, are asked all at once in C (``map``/``isinstance``).

Check = Callable[[Any], bool]


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)


def _is_list(value: Any) -> bool:
    return isinstance(value, list)


def _is_tf(value: Any) -> bool:
    return value == "true" or value == "false"


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(map(isinstance, value, repeat(str)))


def _matches(pattern: re.Pattern[str]) -> Check:
    match = pattern.match

    def check(value: Any) -> bool:
        return isinstance(value, str) and match(value) is not None
    return check


def _enum(field: R.FieldSpec) -> Check:
    values, ext = frozenset(field.values), R.EXT_RE.match if field.extensible else None

    def check(value: Any) -> bool:
        return isinstance(value, str) and (value in values or (ext is not None and ext(value) is not None))
    return check


def _guidref(ref_type: str | None) -> Check:
    """``_guidref_ok`` for one reference type, as one call."""
    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        href, sid, kind = value.get("href"), value.get("sourcedId"), value.get("type")
        return (isinstance(href, str) and href.startswith(_ABSOLUTE) and isinstance(sid, str) and sid != ""
                and isinstance(kind, str) and kind != "" and (ref_type is None or kind == ref_type))
    return check


def _guidrefs(ref_type: str | None) -> Check:
    one = _guidref(ref_type)

    def check(value: Any) -> bool:
        return isinstance(value, list) and all(map(one, value))
    return check


def _scalar_check(field: R.FieldSpec) -> Check | None:
    """The ``_scalar_ok`` question of one field (None: every value passes)."""
    kind = field.kind
    if kind == R.STR or kind == R.URI:
        return _is_str
    if kind == R.ENUM:
        return _enum(field)
    if kind == R.DATETIME:
        return _matches(R.DATETIME_RE)
    if kind == R.DATE:
        return _matches(R.DATE_RE)
    if kind == R.TF:
        return _is_tf
    return None


def _list_plan(fields: tuple[R.FieldSpec, ...], *, non_empty: bool = False) -> Check:
    """``_object_list_ok`` for one member list, its members' questions compiled once."""
    checks: dict[str, Check | None] = {}
    for f in fields:
        if f.kind == R.REF:
            checks[f.name] = _guidref(f.ref_type)
        elif f.name == "credentials":
            checks[f.name] = None
        else:
            checks[f.name] = _scalar_check(f)
    required = tuple(f.name for f in fields if f.required)
    open_members = fields is R.USER_PROFILE_FIELDS
    get = checks.get
    absent = _ABSENT

    def check(value: Any) -> bool:
        if not isinstance(value, list) or (non_empty and not value):
            return False
        for item in value:
            if not isinstance(item, dict):
                return False
            for name in required:
                if name not in item:
                    return False
            for name, inner in item.items():
                member = get(name, absent)
                if member is absent:
                    if not open_members:
                        return False
                elif member is not None and not member(inner):
                    return False
        return True
    return check


_STRING = _is_str  # the plan's mark for a string field, judged inline


@dataclass(frozen=True)
class _Plan:
    """One spec's type questions: a check per judged field (``_STRING`` for the string fields)."""

    spec: R.ObjectSpec  # held so that the id this plan is filed under is never reused
    checks: dict[str, Check | None]  # None: any value passes
    refs: tuple[tuple[str, Check], ...]  # the GUIDRef fields' checks (``ref_problems``)


def _make_plan(spec: R.ObjectSpec) -> _Plan:
    checks: dict[str, Check | None] = {}
    for name, field in spec.judged.items():
        kind = field.kind
        if kind == R.META:
            checks[name] = _is_dict
        elif kind == R.ROLES:
            checks[name] = _list_plan(R.ROLE_FIELDS, non_empty=True)
        elif kind == R.STRS:
            checks[name] = _is_strings
        elif kind == R.USER_IDS:
            checks[name] = _list_plan(R.USER_ID_FIELDS)
        elif kind == R.USER_PROFILES:
            checks[name] = _list_plan(R.USER_PROFILE_FIELDS)
        elif kind == R.OBJS:
            checks[name] = _is_list
        else:
            checks[name] = _scalar_check(field)  # _STRING for STR and URI
    refs = tuple((f.name, _guidref(f.ref_type) if f.kind == R.REF else _guidrefs(f.ref_type)) for f in spec.refs)
    return _Plan(spec, checks, refs)


def _plan(spec: R.ObjectSpec) -> _Plan:
    plan = _PLANS.get(id(spec))
    if plan is None or plan.spec is not spec:
        plan = _PLANS[id(spec)] = _make_plan(spec)
    return plan


_PLANS: dict[int, _Plan] = {}


def _types_ok(spec: R.ObjectSpec, obj: dict[str, Any]) -> bool:
    """True exactly when ``type_problems`` finds nothing; the spec's plan, no generators, no paths."""
    plan = _PLANS.get(id(spec))
    if plan is None or plan.spec is not spec:
        plan = _plan(spec)
    get = plan.checks.get
    for name, value in obj.items():
        check = get(name, _ABSENT)
        if check is _ABSENT or check is None:  # not judged here, or any value passes
            continue
        if check is _STRING:
            if not isinstance(value, str):
                return False
        elif not check(value):
            return False
    return True


def guidref_problems(path: str, value: Any, ref_type: str | None) -> Iterator[Problem]:
    if not isinstance(value, dict):
        yield Problem(path, "a GUIDRef must be an object {href, sourcedId, type}",
                      "GUIDRef は {href, sourcedId, type} のオブジェクトでなければなりません", value)
        return
    for member in ("href", "sourcedId", "type"):
        if not isinstance(value.get(member), str) or not value.get(member):
            yield Problem(f"{path}.{member}", f"GUIDRef member {member} is missing or not a string",
                          f"GUIDRef の {member} がないか文字列ではありません", value.get(member))
    kind = value.get("type")
    if isinstance(kind, str) and ref_type is not None and kind != ref_type:
        yield Problem(f"{path}.type", f"GUIDRef type is {kind!r}; this reference must be {ref_type!r}",
                      f"GUIDRef の type が {kind!r} です。この参照は {ref_type!r} でなければなりません", kind)
    href = value.get("href")
    if isinstance(href, str) and not href.startswith(("http://", "https://")):
        yield Problem(f"{path}.href", "GUIDRef href must be an absolute URI", "GUIDRef の href は絶対 URI でなければなりません",
                      href)


def _scalar_problem(path: str, field: R.FieldSpec, value: Any) -> Problem | None:
    kind = field.kind
    if kind in (R.STR, R.URI) and not isinstance(value, str):
        return Problem(path, f"{field.name} must be a string, not {type(value).__name__}",
                       f"{field.name} は文字列でなければなりません ({type(value).__name__})", value)
    if kind == R.TF and value not in ("true", "false"):
        return Problem(path, f"{field.name} must be the string \"true\" or \"false\"",
                       f"{field.name} は文字列 \"true\" または \"false\" でなければなりません", value)
    if kind == R.DATE and not (isinstance(value, str) and R.DATE_RE.match(value)):
        return Problem(path, f"{field.name} must be a date YYYY-MM-DD", f"{field.name} は YYYY-MM-DD 形式の日付でなければなりません",
                       value)
    if kind == R.DATETIME and not (isinstance(value, str) and R.DATETIME_RE.match(value)):
        return Problem(path, f"{field.name} must be an RFC 3339 date-time with a time zone",
                       f"{field.name} はタイムゾーン付きの RFC 3339 日時でなければなりません", value)
    if kind == R.ENUM and not _enum_ok(field, value):
        allowed = ", ".join(field.values) + (", ext:…" if field.extensible else "")
        return Problem(path, f"{field.name} {value!r} is not one of {allowed}",
                       f"{field.name} の値 {value!r} は {allowed} のいずれでもありません", value)
    return None


def _object_list(path: str, value: Any, fields: tuple[R.FieldSpec, ...]) -> Iterator[Problem]:
    if not isinstance(value, list):
        yield Problem(path, "must be an array", "配列でなければなりません", value)
        return
    by_name = {f.name: f for f in fields}
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            yield Problem(where, "must be an object", "オブジェクトでなければなりません", item)
            continue
        for f in fields:
            if f.required and f.name not in item:
                yield Problem(f"{where}.{f.name}", f"required member {f.name} is missing",
                              f"必須メンバー {f.name} がありません")
        for name, inner in item.items():
            f = by_name.get(name)
            if f is None:
                if fields is not R.USER_PROFILE_FIELDS:
                    yield Problem(f"{where}.{name}", f"{name} is not a member here", f"{name} はここのメンバーではありません")
                continue
            if f.kind == R.REF:
                yield from guidref_problems(f"{where}.{name}", inner, f.ref_type)
            elif f.name != "credentials":
                p = _scalar_problem(f"{where}.{name}", f, inner)
                if p is not None:
                    yield p


def type_problems(spec: R.ObjectSpec, obj: dict[str, Any]) -> Iterator[Problem]:
    """Types and vocabularies of the fields present (GUIDRefs are judged by ``ref_problems``)."""
    if not _types_ok(spec, obj):
        yield from _type_problems(spec, obj)


def _type_problems(spec: R.ObjectSpec, obj: dict[str, Any]) -> Iterator[Problem]:
    for name, value in obj.items():
        field = spec.by_name.get(name)
        if field is None or field.kind in (R.REF, R.REFS):
            continue
        if field.kind == R.META:
            if not isinstance(value, dict):
                yield Problem(name, "metadata must be an object", "metadata はオブジェクトでなければなりません", value)
        elif field.kind == R.STRS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                yield Problem(name, f"{name} must be an array of strings", f"{name} は文字列の配列でなければなりません", value)
        elif field.kind == R.ROLES:
            yield from _object_list(name, value, R.ROLE_FIELDS)
            if isinstance(value, list) and not value:
                yield Problem(name, "roles must hold at least one role", "roles には少なくとも 1 つのロールが必要です", value)
        elif field.kind == R.USER_IDS:
            yield from _object_list(name, value, R.USER_ID_FIELDS)
        elif field.kind == R.USER_PROFILES:
            yield from _object_list(name, value, R.USER_PROFILE_FIELDS)
        elif field.kind == R.OBJS:
            if not isinstance(value, list):
                yield Problem(name, f"{name} must be an array", f"{name} は配列でなければなりません", value)
        elif not _scalar_ok(field, value):
            p = _scalar_problem(name, field, value)
            if p is not None:
                yield p


def ref_problems(spec: R.ObjectSpec, obj: dict[str, Any]) -> Iterator[Problem]:
    """Shape and type of every top-level GUIDRef (and list of GUIDRefs)."""
    plan = _PLANS.get(id(spec))
    if plan is None or plan.spec is not spec:
        plan = _plan(spec)
    get = obj.get
    for name, check in plan.refs:
        value = get(name, _ABSENT)
        if value is not _ABSENT and not check(value):
            break
    else:
        return
    yield from _ref_problems(spec, obj)


def _ref_problems(spec: R.ObjectSpec, obj: dict[str, Any]) -> Iterator[Problem]:
    for field in spec.refs:
        value = obj.get(field.name, _ABSENT)
        if value is _ABSENT:
            continue
        if field.kind == R.REF:
            if not _guidref_ok(value, field.ref_type):
                yield from guidref_problems(field.name, value, field.ref_type)
        elif field.kind == R.REFS:
            if not isinstance(value, list):
                yield Problem(field.name, "must be an array of GUIDRefs", "GUIDRef の配列でなければなりません", value)
                continue
            for i, item in enumerate(value):
                if not _guidref_ok(item, field.ref_type):
                    yield from guidref_problems(f"{field.name}[{i}]", item, field.ref_type)


def hrefs(obj: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(path, href, sourcedId, type) of every well-formed GUIDRef in an object, roles included."""
    def walk(path: str, value: Any) -> Iterator[tuple[str, str, str, str]]:
        if isinstance(value, dict):
            if all(isinstance(value.get(k), str) for k in ("href", "sourcedId", "type")):
                yield path, value["href"], value["sourcedId"], value["type"]
                return
            for k, v in value.items():
                if k != "metadata":
                    yield from walk(f"{path}.{k}" if path else k, v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from walk(f"{path}[{i}]", v)

    yield from walk("", obj)
