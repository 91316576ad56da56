"""Query parameters of the xAPI resources, parsed strictly (Communication 3.2: an unknown parameter,
or one that differs only in case, is 400; so is a malformed value) with the reason in the answer."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from renkei.harness.core.bounded import load_json
from renkei.harness.xapi.model import agents, values
from renkei.harness.xapi.model.versions import Version
from renkei.mocks.lrs.errors import LrsError
from renkei.mocks.lrs.index import agent_key
from renkei.mocks.lrs.store import stamp

MAX_PARAM_CHARS = 8192  # one parameter value (an agent JSON, an IRI)


def single(params: QueryParams, allowed: frozenset[str], where: str) -> dict[str, str]:
    """Each parameter once, every one of them allowed for ``where``."""
    out: dict[str, str] = {}
    for name, value in params.multi_items():
        if name not in allowed:
            raise LrsError(400, f"{where}: unknown parameter {name!r} (allowed: {', '.join(sorted(allowed))}) "
                           "[Communication 3.2]", f"{where}: 不明なパラメータ {name!r} です")
        if name in out:
            raise LrsError(400, f"{where}: parameter {name!r} given more than once",
                           f"{where}: パラメータ {name!r} が重複しています")
        if len(value) > MAX_PARAM_CHARS:
            raise LrsError(400, f"{where}: parameter {name!r} longer than {MAX_PARAM_CHARS} characters",
                           f"{where}: パラメータ {name!r} が {MAX_PARAM_CHARS} 文字を超えています")
        out[name] = value
    return out


def required(params: dict[str, str], name: str, where: str) -> str:
    if name not in params:
        raise LrsError(400, f"{where}: the {name} parameter is required", f"{where}: {name} パラメータが必要です")
    return params[name]


def agent(raw: str, name: str, version: Version, *, allow_group: bool = True) -> tuple[dict[str, Any], str]:
    """A JSON Agent (or identified Group) parameter and its IFI key."""
    try:
        value = load_json(raw)
    except ValueError as exc:
        raise LrsError(400, f"{name} is not JSON: {exc}", f"{name} が JSON ではありません: {exc}") from None
    problems = agents.validate_agent(value, version, f"${name}" if name.startswith(".") else name,
                                     allow_group=allow_group)
    if problems:
        raise LrsError.invalid(problems, f"{name} parameter")
    key = agent_key(value)
    if key is None:
        raise LrsError(400, f"{name} must be an Agent or an identified Group (with an IFI)",
                       f"{name} は識別子を持つ Agent か Group でなければなりません")
    return value, key


def uuid(raw: str, name: str) -> str:
    if not values.is_uuid(raw):
        raise LrsError(400, f"{name} must be a UUID, not {raw[:60]!r}", f"{name} は UUID でなければなりません")
    return raw.lower()


def iri(raw: str, name: str) -> str:
    if not values.is_iri(raw):
        raise LrsError(400, f"{name} must be an IRI, not {raw[:60]!r}", f"{name} は IRI でなければなりません")
    return raw


def timestamp(raw: str, name: str) -> str:
    moment = values.parse_timestamp(raw)
    if moment is None:
        raise LrsError(400, f"{name} must be an ISO 8601 timestamp, not {raw[:60]!r}",
                       f"{name} は ISO 8601 のタイムスタンプでなければなりません")
    return stamp(moment)


def boolean(raw: str | None, name: str) -> bool:
    if raw is None:
        return False
    if raw not in ("true", "false"):
        raise LrsError(400, f"{name} must be true or false, not {raw[:20]!r}",
                       f"{name} は true か false でなければなりません")
    return raw == "true"


def non_negative(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise LrsError(400, f"{name} must be a non-negative integer, not {raw[:20]!r}",
                       f"{name} は 0 以上の整数でなければなりません")
    return int(raw)
