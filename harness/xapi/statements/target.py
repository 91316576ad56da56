"""An opened ``xapi-statements`` target: the statements of a file or of a capture, judged layer by layer.

Why layers are passes: a statements file can be far larger than memory, so the statements are never
all held. Each layer of rules (xAPI Data, Japan common rules, templates, Japan extensions) is one pass
over the statements, run once and shared by the checks of that layer; a pass keeps only each check's
first ``cap`` findings and the count of the rest. A file is read again for each pass (streamed); a
capture is small by construction (bounded by the LRS's body limit) and kept.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from renkei.harness.core.errors import TargetError
from renkei.harness.core.memo import Memo
from renkei.harness.core.model import DEFAULT_FINDINGS_CAP
from renkei.harness.xapi.model import templates
from renkei.harness.xapi.model.problems import Problem
from renkei.harness.xapi.statements import capture, japan, reader, reference
from renkei.harness.xapi.statements.config import ExpectedActor, StatementsTargetConfig, load_target

MAX_EVIDENCE_REQUESTS = 500


@dataclass(frozen=True)
class Statement:
    """One statement to judge: its index (from 0), where it came from (Location fields), its value."""

    index: int
    value: Any
    where: dict[str, Any]

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


@dataclass(frozen=True)
class Flag:
    """One rule broken by one statement, for the check ``check``."""

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
        try:
            for rec in reader.read(f.path, fmt=f.format, max_bytes=self.config.limits.max_statement_bytes,
                                   max_records=self.config.limits.max_statements):
                where = {"file": name, "row": rec.line}
                if isinstance(rec, reader.Record):
                    yield Statement(rec.index, rec.value, where)
                else:
                    yield Unreadable(rec.index, where, rec.message, rec.message_ja, rec.fatal)
        except OSError as exc:
            raise TargetError(f"statements file {f.path}: cannot read: {exc.strerror or exc}") from None

    def reading(self) -> Reading:
        """What reading found: how many statements, and the records that could not be read (one pass)."""
        def count() -> Reading:
            out = Reading()
            for rec in self._records():
                if isinstance(rec, Statement):
                    out.statements += 1
                    continue
                out.unreadable_count += 1
                if len(out.unreadable) < DEFAULT_FINDINGS_CAP:
                    out.unreadable.append(rec)
                if rec.fatal:
                    out.fatal = rec
            return out

        return self._memo("reading", count)  # type: ignore[no-any-return]

    def statements(self) -> Iterator[Statement]:
        return (r for r in self._records() if isinstance(r, Statement))

    def layer(self, key: str, judge: Judge) -> Layer:
        """One pass of ``judge`` over every statement, shared by every check asking for the same ``key``."""
        def run() -> Layer:
            out = Layer()
            for s in self.statements():
                for flag in judge(s):
                    out.add(s, flag)
            return out

        return self._memo("layer:" + key, run)  # type: ignore[no-any-return]

    # -- the report ------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        out = self.config.describe()
        if self.profiles:
            out["profile_documents"] = [p.id for p in self.profiles]
        done = self._memo.cached("reading")
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
