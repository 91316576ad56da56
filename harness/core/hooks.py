"""Running a hook a target file declares: one HTTP request, or one command, with placeholders filled in.

A hook makes something happen on the vendor's side that renkei cannot do itself (a school-year event at
a 校務支援, a roster import at an e-portal). It either ends within its ``wait_seconds`` with success (a
2xx answer, exit status 0) or raises ``PeerUnavailable`` saying what happened; the step that needed it is
then not evaluated, never passed. Every wait and every answer read is bounded. No shell is involved: a
command is a list, and placeholders are filled into its arguments.
"""

from __future__ import annotations

import ssl
import subprocess
import time
from typing import Any
from urllib.parse import quote

import httpx

from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.placeholders import fill

MAX_ANSWER = 64 * 1024  # bytes of a request hook's answer read (enough for an error message)
MAX_OUTPUT = 4000  # characters of a command's stderr kept for the reason


def fill_url(url: str, values: dict[str, str]) -> str:
    """A URL template filled in with each value percent-encoded (a sourcedId may hold any character)."""
    return str(fill(url, {k: quote(v, safe="") for k, v in values.items()}))


def run_command(command: list[str], *, what: str, wait_seconds: float) -> None:
    """Run ``command`` (no shell); ``what`` names it in the reason ("the transfer hook")."""
    try:
        done = subprocess.run(command, capture_output=True, timeout=wait_seconds, check=False)
    except subprocess.TimeoutExpired:
        raise PeerUnavailable(f"{what} did not finish within {wait_seconds:.0f} s") from None
    except OSError as exc:
        raise PeerUnavailable(f"{what} could not be started: {exc.strerror or exc}") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace")[-MAX_OUTPUT:].strip()
        raise PeerUnavailable(f"{what} exited with {done.returncode}" + (f": {tail}" if tail else ""))


def run_request(method: str, url: str, *, what: str, wait_seconds: float, body: Any = None,
                headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None,
                verify: ssl.SSLContext | bool = True, transport: httpx.BaseTransport | None = None) -> int:
    """Send one request (redirects not followed, the answer read up to ``MAX_ANSWER`` bytes, the whole
    exchange within ``wait_seconds``); its status."""
    deadline = time.monotonic() + wait_seconds
    try:
        with httpx.Client(timeout=wait_seconds, follow_redirects=False, verify=verify, transport=transport) as client, \
                client.stream(method, url, json=body, headers=headers, auth=auth) as resp:
            data = bytearray()
            for chunk in resp.iter_bytes():
                data += chunk
                if len(data) >= MAX_ANSWER:
                    break
                if time.monotonic() > deadline:
                    raise PeerUnavailable(f"{method} {url}: {what} did not answer within {wait_seconds:.0f} s")
    except httpx.HTTPError as exc:
        raise PeerUnavailable(f"{method} {url}: {what} could not be sent ({type(exc).__name__})") from None
    if not 200 <= resp.status_code < 300:
        text = bytes(data[:300]).decode("utf-8", "replace")
        raise PeerUnavailable(f"{method} {url}: {what} answered HTTP {resp.status_code}" + (f": {text}" if text else ""))
    return resp.status_code
