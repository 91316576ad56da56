"""schemathesis against the provider: the official OneRoster 1.2 Rostering OpenAPI, answer by answer.

schemathesis (its Python API, 4.x) *generates* the requests, from the document's parameter schemas
(positive data only, a bounded number per operation, a fixed seed), and *judges* the answers with
its response checks. renkei *sends* them, through the target's own ``RestClient``, because that
client is what keeps a vendor's provider safe and the run honest: the bearer token is renkei's and
stays a registered secret (schemathesis is handed the answer and a request record holding method,
URL and ``Accept`` only, never the ``Authorization`` header), a 429 is waited out for its
``Retry-After`` and a longer demand stops the run, ``min_interval_seconds`` spaces the requests,
bodies are capped, redirects are not followed, and the circuit breaker covers a silent peer. The
whole run is bounded in requests and in time.

Only GET operations the target declares are run; path ids are the real ones the survey read (so
200 answers are judged, not only 404s) mixed with generated ones. One judgement per schemathesis
check function keeps each failure under the check family that found it (one failure type, e.g.
``JsonSchemaError``, can belong to two families). Where the document contradicts the binding's
text, that part is not judged and the run says so (``fields`` selection, see ``NOT_JUDGED``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import renkei.fixtures
from renkei.harness.core import secret_registry
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.extras import require_extra
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.rest_provider.client import ProviderBusy, TokenRefused
from renkei.harness.oneroster.rest_provider.target import RestProviderTarget

if TYPE_CHECKING:
    from schemathesis import APIOperation, Case

# The official document, shipped unmodified as package data (see fixtures/openapi/README.md).
DOCUMENT = Path(renkei.fixtures.__file__).resolve().parent / "openapi" / "oneroster12-rostering-openapi.json"

# The schemathesis response checks renkei runs, each the family of one renkei check.
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance")

DEFAULTS: dict[str, Any] = {"openapi_examples": 10, "openapi_seed": 20240601, "openapi_max_seconds": 300.0,
                            "openapi_max_requests": 1000}

# Said by checks whose judgement leaves part of the document out, and why.
NOT_JUDGED = ("With fields=..., the binding answers only the selected fields, while the document marks them "
              "required: 'required property' errors on such answers are not judged (or.rest.fields is).")
_CHARSET = re.compile(r"charset=([^;\s]+)", re.IGNORECASE)
MAX_REASONS = 20  # distinct not-evaluated reasons kept; more are counted


@dataclass(frozen=True)
class Settings:
    examples: int  # generated requests per operation (plus one plain request per operation)
    seed: int
    max_seconds: float  # the whole run, generation included
    max_requests: int  # requests sent to the provider, token requests and retries included

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Settings:
        p = {**DEFAULTS, **params}
        return cls(examples=max(0, int(p["openapi_examples"])), seed=int(p["openapi_seed"]),
                   max_seconds=float(p["openapi_max_seconds"]), max_requests=max(1, int(p["openapi_max_requests"])))


@dataclass
class OpenApiFailure:
    """One distinct schemathesis failure, at the first request that showed it."""

    check: str  # the schemathesis check function, e.g. "response_schema_conformance"
    operation: str  # "GET /users/{sourcedId}" (method + path template)
    operation_id: str
    url: str  # the concrete request, query included
    status: int
    code: str  # schemathesis failure code, e.g. "ST108"
    kind: str  # schemathesis failure type, e.g. "JsonSchemaError"
    title: str
    message: str  # scrubbed
    seen: str | None = None  # the offending value (JSON), scrubbed; None when the message says it all
    occurrences: int = 1


@dataclass
class OpenApiRun:
    failures: list[OpenApiFailure] = field(default_factory=list)
    responses: dict[str, int] = field(default_factory=dict)  # operation label -> answers judged
    unseen: list[str] = field(default_factory=list)  # what could not be judged, and why
    more_unseen: int = 0
    requests: int = 0
    not_judged: int = 0  # errors left out per NOT_JUDGED

    def of(self, check: str) -> list[OpenApiFailure]:
        return [f for f in self.failures if f.check == check]

    def note(self, reason: str) -> None:
        if reason in self.unseen:
            return
        if len(self.unseen) < MAX_REASONS:
            self.unseen.append(reason)
        else:
            self.more_unseen += 1


def shared_run(target: RestProviderTarget, params: dict[str, Any]) -> OpenApiRun:
    """The run for these settings, once per target (every ``or.rest.openapi.*`` check judges it)."""
    settings = Settings.from_params(params)
    key = f"openapi:{settings.examples}:{settings.seed}:{settings.max_seconds}:{settings.max_requests}"
    return target.shared(key, lambda: run(target, settings))  # type: ignore[no-any-return]


def run(target: RestProviderTarget, settings: Settings) -> OpenApiRun:
    require_extra("openapi", "the or.rest.openapi.* checks")  # MissingExtra: the checks skip, saying so
    import schemathesis
    import schemathesis.checks
    from schemathesis.config import SchemathesisConfig

    with _hypothesis_home():
        # An explicit config: a schemathesis.toml in the working folder must not change what is judged.
        schema = schemathesis.openapi.from_path(DOCUMENT, config=SchemathesisConfig())
        schema.config.update(base_url=target.config.rostering_url)
        return _Runner(target, settings, schema, {n: getattr(schemathesis.checks, n) for n in CHECKS}).run()


@contextlib.contextmanager
def _hypothesis_home() -> Iterator[None]:
    """Hypothesis keeps its caches (Unicode tables, source constants: seconds to rebuild) in
    ``./.hypothesis``; a run in a vendor's folder must leave nothing there. They go to renkei's user
    cache folder instead (a temporary one if that cannot be made), unless HYPOTHESIS_STORAGE_DIRECTORY
    says where; the previous setting is restored afterwards."""
    from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    before = storage_directory(intent_to_write=False).home_directory
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "renkei" / "hypothesis"
    temporary: str | None = None
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        cache = Path(temporary := tempfile.mkdtemp(prefix="renkei-hypothesis-"))
    set_hypothesis_home_dir(cache)
    try:
        yield
    finally:
        set_hypothesis_home_dir(before)
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)


class _Stop(Exception):
    """The run ends here (budget spent, or the provider asked to slow down beyond patience)."""


@dataclass
class _Op:
    operation: APIOperation
    endpoint: R.Endpoint
    scopes: list[str]
    known: list[dict[str, str]]  # real path ids from the survey
    sent: set[str] = field(default_factory=set)
    distinct: dict[str, list[tuple[Any, OpenApiFailure]]] = field(default_factory=dict)


class _Runner:
    def __init__(self, target: RestProviderTarget, settings: Settings, schema: Any,
                 checks: dict[str, Callable[..., Any]]) -> None:
        self.target = target
        self.settings = settings
        self.schema = schema
        self.checks = checks
        self.out = OpenApiRun()
        self.started = time.monotonic()
        self.first_request = 0
        self.refused: dict[frozenset[str], str] = {}
        self.peer_down: PeerUnavailable | None = None

    def run(self) -> OpenApiRun:
        ops = self._operations()  # reads the survey first: its requests and time are not this run's budget
        self.started = time.monotonic()
        self.first_request = self.target.client.requests
        try:
            for op in ops:  # one plain request per operation first, so a short budget still covers each
                self._send(op, self._plain(op))
            for op in ops:
                if self.settings.examples:
                    self._budget(f"generating requests for {op.endpoint.operation_id}")
                    for case in self._generated(op):
                        self._send(op, case)
        except _Stop as stop:
            left = [o.endpoint.operation_id for o in ops if o.operation.label not in self.out.responses]
            self.out.note(str(stop) + (f"; never answered: {', '.join(left)}" if left else ""))
        self.out.requests = self.target.client.requests - self.first_request
        if self.peer_down is not None and not self.out.responses:
            raise self.peer_down  # nothing was judged: every openapi check is not evaluated, with the reason
        return self.out

    # -- what to send --------------------------------------------------------------------------

    def _operations(self) -> list[_Op]:
        from schemathesis.core.result import Err

        config = self.target.config
        survey = self.target.survey()
        ops: list[_Op] = []
        for result in self.schema.get_all_operations():
            if isinstance(result, Err):
                self.out.note(f"the OpenAPI document has an operation schemathesis cannot use: {result.err()}")
                continue
            operation = result.ok()
            endpoint = R.BY_OPERATION.get(str(operation.definition.raw.get("operationId")))
            if operation.method.upper() != "GET" or endpoint is None or not config.declared(endpoint):
                continue
            known = [r.ids for r in survey.reads if r.endpoint.operation_id == endpoint.operation_id]
            ops.append(_Op(operation, endpoint, _scopes(operation, endpoint, self.schema.raw_schema),
                           known[:config.observation.samples]))
        return ops

    def _plain(self, op: _Op) -> Case:
        """The request a consumer sends most: no query, a real id where the path has one."""
        if op.operation.path_parameters and op.known:
            return op.operation.Case(path_parameters=op.known[0], query={})
        if op.operation.path_parameters:
            return self._generated(op, count=1)[0]
        return op.operation.Case(query={})

    def _generated(self, op: _Op, count: int | None = None) -> list[Case]:
        """Cases drawn by hypothesis from the operation's strategies, deterministically per operation."""
        from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
        from hypothesis import strategies as st

        strategies = [op.operation.as_strategy(path_parameters=ids) for ids in op.known]
        strategies.append(op.operation.as_strategy())
        drawn: list[Case] = []

        @seed(zlib.crc32(f"{self.settings.seed}:{op.endpoint.operation_id}".encode()))
        @settings(max_examples=count or self.settings.examples, database=None, deadline=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
        @given(st.one_of(*strategies))
        def draw(case: Case) -> None:
            drawn.append(case)

        draw()
        return drawn

    # -- sending and judging --------------------------------------------------------------------

    def _budget(self, what: str) -> None:
        s = self.settings
        if time.monotonic() - self.started > s.max_seconds:
            raise _Stop(f"the time budget (openapi_max_seconds={s.max_seconds:g}) ran out before {what}")
        if self.target.client.requests - self.first_request >= s.max_requests:
            raise _Stop(f"the request budget (openapi_max_requests={s.max_requests}) was spent before {what}")

    def _send(self, op: _Op, case: Case) -> None:
        import requests

        kwargs = case.as_transport_kwargs(base_url=self.target.config.rostering_url)
        url = requests.Request("GET", kwargs["url"], params=kwargs.get("params")).prepare().url or kwargs["url"]
        if url in op.sent:
            return  # the same request twice judges nothing new and only loads the provider
        op.sent.add(url)
        self._budget(f"GET {url}")
        key = frozenset(op.scopes)
        if key in self.refused:
            self.out.note(self.refused[key])
            return
        try:
            answer = self.target.client.get(url, op.scopes)
        except TokenRefused as exc:
            self.refused[key] = (f"{op.endpoint.operation_id}: no token for the scopes the OpenAPI document lists "
                                 f"({' '.join(op.scopes)}): {exc.en}")
            self.out.note(self.refused[key])
            return
        except PeerUnavailable as exc:  # a network failure or a busy provider, never the product failing a check
            self.peer_down = exc
            if isinstance(exc, ProviderBusy) or self.target.breaker.is_open:
                raise _Stop(exc.reason) from None
            self.out.note(exc.reason)
            return
        except BrowserError as exc:  # a redirect, an oversized body: judged by other checks, not handed on
            self.out.note(f"GET {url}: {exc.en}")
            return
        self._judge(op, case, url, answer)  # never a 429: the client raises ProviderBusy instead

    def _judge(self, op: _Op, case: Case, url: str, answer: Any) -> None:
        import requests
        from schemathesis import Response
        from schemathesis.errors import FailureGroup

        # No Authorization header: the checks judge the answer, and the token stays out of anything schemathesis
        # renders (its failure texts include the request).
        sent = requests.Request("GET", url, headers={"Accept": "application/json"}).prepare()
        charset = _CHARSET.search(answer.headers.get("content-type", ""))
        response = Response(status_code=answer.status, headers={k: answer.headers.get_list(k) for k in answer.headers},
                            content=answer.body, request=sent, elapsed=0.0, verify=True,
                            encoding=charset.group(1).strip('"') if charset else None)
        label = op.operation.label
        self.out.responses[label] = self.out.responses.get(label, 0) + 1
        selects = any(k == "fields" for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True))
        for name, check in self.checks.items():
            try:
                case.validate_response(response, checks=[check])
            except FailureGroup as group:
                for failure in group.exceptions:
                    if selects and name == "response_schema_conformance" and _required_error(failure):
                        self.out.not_judged += 1
                        continue
                    self._record(op, name, url, answer.status, failure)
            except Exception as exc:  # schemathesis could not judge (e.g. a part of the document it cannot use)
                self.out.note(f"GET {url}: schemathesis {name} could not judge the answer: "
                              f"{type(exc).__name__}: {_first_line(str(exc))}")

    def _record(self, op: _Op, check: str, url: str, status: int, failure: Any) -> None:
        seen = op.distinct.setdefault(check, [])
        for other, kept in seen:
            if other == failure:  # schemathesis' own identity: one failure per operation, type and schema spot
                kept.occurrences += 1
                return
        scrub = secret_registry.active().scrub
        kept = OpenApiFailure(check=check, operation=op.operation.label, operation_id=op.endpoint.operation_id,
                              url=url, status=status, code=str(getattr(failure, "code", "")),
                              kind=type(failure).__name__, title=scrub(str(failure.title)),
                              message=scrub(str(failure.message or "")), seen=_seen(failure))
        seen.append((failure, kept))
        self.out.failures.append(kept)


def _scopes(operation: APIOperation, endpoint: R.Endpoint, document: dict[str, Any]) -> list[str]:
    """The scopes the document lists for the operation (its security, else the document's); renkei asks
    for all of them in one token, which satisfies an all-of and an any-of reading alike."""
    requirements = operation.definition.raw.get("security", document.get("security")) or []
    for requirement in requirements:
        if isinstance(requirement, dict):
            for scopes in requirement.values():
                if isinstance(scopes, list) and scopes and all(isinstance(s, str) for s in scopes):
                    return list(scopes)
    return list(endpoint.scopes)


def _seen(failure: Any) -> str | None:
    """What the provider sent where the schema failed (a JSON schema error's instance), compact."""
    if not hasattr(failure, "instance"):
        return None
    try:
        text = json.dumps(failure.instance, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(failure.instance)
    return secret_registry.active().scrub(text[:2000])


def _required_error(failure: Any) -> bool:
    path = getattr(failure, "schema_path", None)
    return bool(path) and list(path)[-1] == "required"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def summary(failure: OpenApiFailure, limit: int = 400) -> str:
    """The failure's message cut to what a finding shows: its first paragraph (the validator's words),
    and where in the document the schema is."""
    blocks = [b.strip() for b in failure.message.split("\n\n") if b.strip()]
    text = " ".join(blocks[0].split()) if blocks else ""
    where = next((b.rstrip(":") for b in blocks if b.startswith("Schema at ")), None)
    if where:
        text += f" ({where})"
    return text if len(text) <= limit else text[: limit - 1] + "…"
