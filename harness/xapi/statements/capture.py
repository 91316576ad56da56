"""Capturing an app's statements: renkei's recording LRS, the launch that makes the app send, the wait.

The launch is one HTTP request (``url``), a command (``hook``, with a timeout), an LTI launch from
renkei's Platform side (``lti``, registered by the LTI package in ``core.app_launch``: the launched
user is then the actor the statements must name), or none (a person runs the app). The wait ends once ``expect_statements`` arrived, or the app was silent for ``idle_seconds``
after the launch finished, and never later than ``wait_seconds``. Every statements request the LRS
received is parsed by the harness itself (a statement the LRS refused is still judged). A launch that
fails, or an app that sends nothing, is not the app breaking an xAPI rule: it is a ``PeerUnavailable``,
and the checks become errors (not evaluated) with that reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from renkei.harness.core.app_launch import AppLaunchRequest, LaunchedUser, launch_app
from renkei.harness.core.bounded import InputLimitError, load_json
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.hooks import fill_url, run_command
from renkei.harness.core.placeholders import fill
from renkei.harness.xapi.model import multipart
from renkei.harness.xapi.model.problems import Problem
from renkei.harness.xapi.statements.config import CaptureSource
from renkei.harness.xapi.statements.reference import ReceivedRequest, RecordingLrs

POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Received:
    """One statement as it arrived: its index, where (the request), and the value (or why unreadable)."""

    index: int | None
    request: ReceivedRequest
    value: Any = None
    error: tuple[str, str] | None = None  # (en, ja) when the body could not be read

    def where(self) -> dict[str, Any]:
        return {"endpoint": f"[request {self.request.index}] {self.request.path}", "method": self.request.method}


@dataclass
class Capture:
    items: list[Received] = field(default_factory=list)
    requests: list[ReceivedRequest] = field(default_factory=list)
    launch: str = ""  # what the launch did, for the evidence
    launched: LaunchedUser | None = None  # mode lti: whom the app was launched as
    attachment_problems: list[tuple[ReceivedRequest, Problem]] = field(default_factory=list)

    @property
    def statements(self) -> int:
        return sum(1 for i in self.items if i.index is not None and i.error is None)


def parse_request(request: ReceivedRequest, first_index: int) -> tuple[list[Received], list[Problem]]:
    """The statements of one statements-resource request (PUT: one; POST: one or an array), and what is
    wrong with how its attachments were sent (multipart parts, hashes, signatures; Communication §1.5.2)."""
    if request.method not in ("PUT", "POST") or not request.path.rstrip("/").endswith("/statements"):
        return [], []
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if request.truncated:
        return [Received(first_index, request, error=("the request body was cut at the LRS's body limit",
                                                      "要求の本文が LRS の上限で切られました"))], []
    problems: list[Problem] = []
    if media.startswith("multipart/"):
        body, parts, problems = multipart.judge_multipart(request.body, content_type)
        if body is None:
            p = problems[0]
            return [Received(first_index, request, error=(f"the multipart body cannot be read: {p.text()}",
                                                          f"multipart の本文が読めません: {p.message_ja}"))], []
    else:
        try:
            body = load_json(request.body)
        except InputLimitError as exc:
            return [Received(first_index, request, error=(f"the body is {exc.en}", f"本文の{exc.ja}"))], []
        except ValueError as exc:
            return [Received(first_index, request, error=(f"the body is not valid JSON: {exc}",
                                                          f"本文が JSON として読めません: {exc}"))], []
        problems = multipart.attachment_problems(body, [])
    values = body if request.method == "POST" and isinstance(body, list) else [body]
    return [Received(first_index + n, request, value=v) for n, v in enumerate(values)], problems


def launch(source: CaptureSource, values: dict[str, str], transport: httpx.BaseTransport | None = None,
           ) -> tuple[str, LaunchedUser | None]:
    """Make the app send; returns what was done (and, for an LTI launch, as whom). ``PeerUnavailable``
    when the launch itself fails."""
    cfg = source.launch
    if cfg.mode == "none":
        return "none (the app is run by hand)", None
    if cfg.mode == "lti":
        assert cfg.tool is not None
        user = launch_app("lti", AppLaunchRequest(target_file=cfg.tool, role=cfg.role,
                                                  custom={k: fill(v, values) for k, v in cfg.custom.items()},
                                                  timeout_seconds=cfg.timeout_seconds))
        return user.what, user
    if cfg.mode == "hook":
        command = [str(c) for c in fill(list(cfg.command or []), values)]
        run_command(command, what="the launch hook", wait_seconds=cfg.timeout_seconds)
        return f"hook exited 0 ({command[0]})", None
    url = fill_url(cfg.url or "", values)
    try:
        with httpx.Client(transport=transport, timeout=cfg.timeout_seconds, follow_redirects=True,
                          max_redirects=5) as client:
            resp = client.request(cfg.method, url)
    except httpx.HTTPError as exc:
        raise PeerUnavailable(f"{cfg.method} launch URL: the app could not be launched ({type(exc).__name__})") from None
    if resp.status_code >= 400:
        raise PeerUnavailable(f"{cfg.method} launch URL: the app answered HTTP {resp.status_code}")
    return f"{cfg.method} launch URL answered {resp.status_code}", None


def run(lrs: RecordingLrs, source: CaptureSource, values: dict[str, str], *,
        transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic) -> Capture:
    """Launch, wait as configured, and parse every statements request that arrived."""
    out = Capture()
    start = clock()
    out.launch, out.launched = launch(source, values, transport)
    deadline = start + source.wait_seconds
    last_change, seen = clock(), -1
    while True:
        got = lrs.received()  # the LRS was started for this capture: everything it received counts
        if len(got) != seen:
            seen, last_change = len(got), clock()
            _parse_new(out, got)
        now = clock()
        if source.expect_statements is not None and out.statements >= source.expect_statements:
            break
        if got and source.expect_statements is None and now - last_change >= source.idle_seconds:
            break
        if now >= deadline:
            break
        sleep(POLL_SECONDS)
    if not out.items:
        raise PeerUnavailable(f"the app sent no statement to renkei's recording LRS ({lrs.url}) within "
                              f"{source.wait_seconds:.0f} s (launch: {out.launch})")
    return out


def _parse_new(out: Capture, got: list[ReceivedRequest]) -> None:
    for request in got[len(out.requests):]:
        out.requests.append(request)
        items, problems = parse_request(request, len(out.items))
        out.items += items
        out.attachment_problems += [(request, p) for p in problems]
