"""An opened ``xapi-statements`` target: the statements of a file or of a capture, judged layer by layer.

Why layers: a statements file can be far larger than memory, so the statements are never all held.
Each layer of rules (xAPI Data, Japan common rules, templates, Japan extensions) is judged once and
shared by the checks of that layer; a layer keeps only each check's first ``cap`` findings and the
count of the rest. Why one pass: reading and parsing a file costs more than most layers, so the
runner's ``activate`` tells the target which checks will run, each check's layer is known from its
``plan_layer`` planner, and the first check that needs a layer gets every planned layer (and the
reading) judged in one streamed pass. A layer nobody planned (a check run on its own, as in unit
tests) is a pass of its own. A capture is small by construction (bounded by the LRS's body limit)
and kept.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from renkei.harness.core.errors import TargetError
from renkei.harness.core.gc_pace import rare_young_collections
from renkei.harness.core.memo import Memo
from renkei.harness.core.model import DEFAULT_FINDINGS_CAP
from renkei.harness.xapi.model import templates
from renkei.harness.xapi.model.problems import Problem
from renkei.harness.xapi.statements import capture, japan, reader, reference
from renkei.harness.xapi.statements.config import ExpectedActor, StatementsTargetConfig, load_target

MAX_EVIDENCE_REQUESTS = 500
BATCH = 64  # statements judged together, a layer at a time (see _pass)


class Statement:
    """One statement to judge: its index (from 0), where it came from (Location fields), its value.

    A plain slotted class rather than a dataclass: one is made per statement of a file of millions.
    ``memo`` holds what several layers derive from the same statement (its extensions objects, a
    template judgement), under a key of the layer's own: the first layer to need it computes it, the
    others read it, and it goes with the statement."""

    __slots__ = ("index", "value", "_where", "memo")

    def __init__(self, index: int, value: Any, where: dict[str, Any] | tuple[str, int]) -> None:
        self.index = index
        self.value = value
        self._where = where  # or (file name, line): made into the Location fields only when asked for
        self.memo: dict[Any, Any] = {}

    @property
    def where(self) -> dict[str, Any]:
        where = self._where
        if where.__class__ is tuple:
            where = self._where = {"file": where[0], "row": where[1]}  # type: ignore[index]
        return where  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"Statement(index={self.index!r}, where={self.where!r})"

    @property
    def id(self) -> str | None:
        sid = self.value.get("id") if isinstance(self.value, dict) else None
        return sid if isinstance(sid, str) else None


@dataclass(frozen=True)
class Unreadable:
    """A record that could not be read as a statement (a bad line, a cut body); ``fatal``: nothing after it."""

    index: int | None
    where: dict[str, Any]
    message: str
    message_ja: str
    fatal: bool = False


class Flag(NamedTuple):
    """One rule broken by one statement, for the check ``check`` (a named tuple: cheap to make, and a
    file can break a rule a million times)."""

    check: str
    problem: Problem
    value: Any = None


@dataclass
class Hit:
    statement: Statement
    problem: Problem
    value: Any = None


@dataclass
class Layer:
    cap: int = DEFAULT_FINDINGS_CAP
    hits: dict[str, list[Hit]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, statement: Statement, flag: Flag) -> None:
        self.counts[flag.check] = self.counts.get(flag.check, 0) + 1
        hits = self.hits.setdefault(flag.check, [])
        if len(hits) < self.cap:
            hits.append(Hit(statement, flag.problem, flag.value))


@dataclass
class Reading:
    statements: int = 0
    unreadable: list[Unreadable] = field(default_factory=list)  # the first ``cap``
    unreadable_count: int = 0
    fatal: Unreadable | None = None


Judge = Callable[[Statement], Iterable[Flag]]
LayerSpec = tuple[str, Judge]  # (the layer's key, its judge): one key, one judgement
Planner = Callable[["StatementsTarget", dict[str, Any]], "LayerSpec | None"]
PLANNERS: dict[str, Planner] = {}


def plan_layer(*check_ids: str) -> Callable[[Planner], Planner]:
    """Registers how the checks ``check_ids`` find their layer (from the target and the check's params;
    None: the check will not judge statements), so ``activate`` can plan one pass for all of them. The
    check itself asks for the same ``target.layer(*planner(target, ctx.params))``."""
    def register(planner: Planner) -> Planner:
        for check_id in check_ids:
            PLANNERS[check_id] = planner
        return planner
    return register


class _Failed:
    """A judge that raised during a shared pass: only the checks of its layer see the error."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class StatementsTarget:
    def __init__(self, config: StatementsTargetConfig, params: dict[str, Any] | None = None, *,
                 environ: dict[str, str] | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.params = dict(params or {})
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self._memo = Memo()
        self._planned: dict[str, Judge] = {}
        self._layers: dict[str, Layer | _Failed] = {}
        self._reading: Reading | None = None
        self.lrs: reference.RecordingLrs | None = None
        self._secret = ""
        names = [*self.params.get("documents", []), *config.profiles]
        self.profiles = [templates.load_profile_file(japan.fixture(n)) for n in names]
        if config.source == "file":
            assert config.file is not None
            _regular_file(Path(config.file.path))
        else:
            assert config.capture is not None
            cap = config.capture
            self._secret = config.secret(environ)
            self.lrs = reference.start(host=cap.listen.host, port=cap.listen.port, path=cap.path,
                                       clients=[(cap.client.key, self._secret)], max_body_bytes=cap.max_body_bytes,
                                       certfile=cap.listen.certfile, keyfile=cap.listen.keyfile)

    # -- the statements --------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """The launch placeholders."""
        actor = self.config.expect.actor
        assert self.config.capture is not None and self.lrs is not None
        return {"endpoint": self.lrs.url, "key": self.config.capture.client.key, "secret": self._secret,
                "actor_name": actor.name if actor else "", "home_page": actor.home_page if actor else ""}

    def expected_actor(self) -> ExpectedActor | None:
        """Whom every statement must name: ``expect.actor``, or after an LTI launch the launched user
        (``sub``; homePage ``launch.home_page``, else the issuer renkei launched with)."""
        if self.config.expect.actor is not None:
            return self.config.expect.actor
        cap = self.config.capture
        if self.config.source != "capture" or cap is None or cap.launch.mode != "lti":
            return None
        user = self.captured().launched
        if user is None or not user.sub:
            return None
        return ExpectedActor(name=user.sub, home_page=cap.launch.home_page or user.issuer)

    def captured(self) -> capture.Capture:
        assert self.lrs is not None and self.config.capture is not None
        return self._memo("capture", lambda: capture.run(self.lrs, self.config.capture, self.values(),  # type: ignore[arg-type]
                                                          transport=self._transport, sleep=self._sleep,
                                                          clock=self._clock))

    def _records(self) -> Iterator[Statement | Unreadable]:
        if self.config.source == "capture":
            for item in self.captured().items:
                if item.error is not None:
                    yield Unreadable(item.index, item.where(), *item.error)
                else:
                    yield Statement(item.index if item.index is not None else -1, item.value, item.where())
            return
        assert self.config.file is not None
        f = self.config.file
        name = Path(f.path).name

        def statement(index: int, line: int, value: Any) -> Statement:  # made by the reader: one object each
            return Statement(index, value, (name, line))

        try:
            for rec in reader.read(f.path, fmt=f.format, max_bytes=self.config.limits.max_statement_bytes,
                                   max_records=self.config.limits.max_statements, record=statement):
                if rec.__class__ is Statement:
                    yield rec
                else:
                    yield Unreadable(rec.index, {"file": name, "row": rec.line}, rec.message, rec.message_ja,
                                     rec.fatal)
        except OSError as exc:
            raise TargetError(f"statements file {f.path}: cannot read: {exc.strerror or exc}") from None

    def activate(self, checks: dict[str, dict[str, Any]]) -> None:
        """The checks that will run (id -> params): their layers are judged together in the first pass."""
        self._planned = {}
        for check_id, params in checks.items():
            planner = PLANNERS.get(check_id)
            try:
                spec = planner(self, params) if planner is not None else None
            except Exception:  # noqa: BLE001  (the check itself meets the same problem and reports it)
                spec = None
            if spec is not None:
                self._planned.setdefault(*spec)

    def reading(self) -> Reading:
        """What reading found: how many statements, and the records that could not be read."""
        if self._reading is None:
            self._pass({})
        assert self._reading is not None
        return self._reading

    def statements(self) -> Iterator[Statement]:
        return (r for r in self._records() if isinstance(r, Statement))

    def layer(self, key: str, judge: Judge) -> Layer:
        """Every hit of ``judge`` on every statement, judged once and shared by every check asking for the
        same ``key``; the first request judges every planned layer not yet judged in the same pass."""
        if key not in self._layers:
            self._pass({key: judge})
        got = self._layers[key]
        if isinstance(got, _Failed):
            raise got.error
        return got

    def _pass(self, wanted: dict[str, Judge]) -> None:
        """One read of the statements: the reading (if not done) and ``wanted`` plus every planned layer
        not yet judged. Nothing is stored unless the whole pass completes (a file that cannot be read
        raises ``TargetError`` again for the next check).

        The statements are judged ``BATCH`` at a time, a layer at a time over the batch: one layer's
        code then runs on several statements in a row and stays warm in the processor's caches, where
        ten layers in turn on each statement keep evicting one another. A batch kept alive across
        young collections would be scanned and promoted by each, so they are made rare while the pass
        runs (``gc_pace``). On the benchmark's statements: 36 µs a statement judged one by one, 27 µs in
        batches of 64. A small batch keeps memory flat."""
        judges = {**{k: j for k, j in self._planned.items() if k not in self._layers}, **wanted}
        judges = {k: j for k, j in judges.items() if k not in self._layers}
        live: list[tuple[str, Judge, Layer]] = [(k, j, Layer()) for k, j in judges.items()]
        out: dict[str, Layer | _Failed] = {k: lay for k, _, lay in live}
        reading = Reading() if self._reading is None else None
        with rare_young_collections():  # millions of short-lived, acyclic parsed statements
            count = self._judge_all(live, out, reading)
        if reading is not None:
            reading.statements = count
            self._reading = reading
        self._layers.update(out)

    def _judge_all(self, live: list[tuple[str, Judge, Layer]], out: dict[str, Layer | _Failed],
                   reading: Reading | None) -> int:
        """The loop of ``_pass``: every record read, statements judged in batches; how many statements."""
        batch: list[Statement] = []
        count = 0
        for rec in self._records():
            if rec.__class__ is Statement:
                batch.append(rec)  # type: ignore[arg-type]
                if len(batch) == BATCH:
                    live = _judge_batch(batch, live, out)
                    count += BATCH
                    batch = []
                continue
            if reading is None:
                continue
            assert isinstance(rec, Unreadable)
            reading.unreadable_count += 1
            if len(reading.unreadable) < DEFAULT_FINDINGS_CAP:
                reading.unreadable.append(rec)
            if rec.fatal:
                reading.fatal = rec
        if batch:
            _judge_batch(batch, live, out)
            count += len(batch)
        return count

    # -- the report ------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        out = self.config.describe()
        if self.profiles:
            out["profile_documents"] = [p.id for p in self.profiles]
        done = self._reading
        if done is not None:
            out["statements_read"] = done.statements
            out["records_unreadable"] = done.unreadable_count
        if self.lrs is not None:
            out["recording_lrs"] = self.lrs.url
            got = self._memo.cached("capture")
            if got is not None:
                out["launch_result"] = got.launch
                if got.launched is not None:
                    out["launched_user"] = {"sub": got.launched.sub, "issuer": got.launched.issuer}
                out["requests"] = [_evidence(r) for r in got.requests[:MAX_EVIDENCE_REQUESTS]]
                if len(got.requests) > MAX_EVIDENCE_REQUESTS:
                    out["requests_not_shown"] = len(got.requests) - MAX_EVIDENCE_REQUESTS
        return out

    def close(self) -> None:
        if self.lrs is not None:
            self.lrs.stop()


def _judge_batch(batch: list[Statement], live: list[tuple[str, Judge, Layer]],
                 out: dict[str, Layer | _Failed]) -> list[tuple[str, Judge, Layer]]:
    """Every live layer on every statement of ``batch``, a layer at a time, in statement order; returns
    the layers still live (one whose judge raised is ``_Failed`` in ``out`` and judges no more)."""
    failed = False
    for key, judge, layer in live:
        try:
            answers = list(map(judge, batch))  # called from C: no Python loop step per statement
            if any(answers):  # most batches break nothing in most layers
                for rec, flags in zip(batch, answers, strict=True):
                    for flag in flags:
                        layer.add(rec, flag)
        except Exception as exc:  # noqa: BLE001  (a check's bug: reported by that check only)
            out[key] = _Failed(exc)
            failed = True
    return [x for x in live if not isinstance(out[x[0]], _Failed)] if failed else live


def _evidence(r: reference.ReceivedRequest) -> dict[str, Any]:
    return {"index": r.index, "at": r.at, "method": r.method, "path": r.path, "status": r.status,
            "client": r.client, "bytes": len(r.body), "truncated": r.truncated, "stored_ids": list(r.stored_ids),
            "content_type": r.headers.get("content-type", ""),
            "version_header": r.headers.get("x-experience-api-version", "")}


def _regular_file(path: Path) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise TargetError(f"statements file {path}: file does not exist") from None
    except OSError as exc:
        raise TargetError(f"statements file {path}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise TargetError(f"statements file {path}: is not a regular file")


def open_target(target: str, params: dict[str, Any]) -> StatementsTarget:
    return StatementsTarget(load_target(target), params)
