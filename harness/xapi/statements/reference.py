"""What the statement-capture profile needs from a recording LRS, and where it finds one.

The LRS renkei plays while a vendor's app sends its statements is the mock LRS in recording mode. The
harness does not import the mocks (one-way dependencies), so the mock registers itself under the
``renkei.reference_lrs`` entry-point group (``xapi-lrs``) and is started through this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Protocol

from renkei.harness.core.errors import TargetError

GROUP = "renkei.reference_lrs"
NAME = "xapi-lrs"


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the recording LRS received on its statements resource, as it arrived.

    ``body`` is the raw request body cut at the LRS's body limit (``truncated`` then says so);
    ``status`` is what the LRS answered. Statements are parsed by the harness, not by the LRS, so a
    statement the LRS rejected is still judged.
    """

    index: int  # arrival order, from 0
    at: str  # ISO 8601 UTC instant of arrival
    method: str
    path: str  # as requested, e.g. /xapi/statements
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names; Authorization is never recorded (only ``client``)
    client: str | None  # the key of the client whose credentials were accepted, None if none were
    status: int
    body: bytes
    truncated: bool = False
    stored_ids: list[str] = field(default_factory=list)  # statement ids the LRS stored from this request


class RecordingLrs(Protocol):
    url: str  # the xAPI endpoint (base URL the app is configured with), e.g. http://127.0.0.1:8480/xapi
    home_page: str  # the LRS's own origin, for messages

    def received(self) -> list[ReceivedRequest]:
        """Every statements-resource request so far, in arrival order."""
        ...

    def stop(self) -> None: ...


def start(*, host: str, port: int, path: str, clients: list[tuple[str, str]], max_body_bytes: int,
          certfile: str | None = None, keyfile: str | None = None) -> RecordingLrs:
    """Start the installed recording LRS on ``host:port`` (0: a free port) serving the xAPI endpoint at
    ``path``, accepting HTTP Basic ``clients`` ((key, secret) pairs)."""
    found = [ep for ep in entry_points(group=GROUP) if ep.name == NAME]
    if not found:
        raise TargetError(f"no recording LRS is installed (entry point {GROUP}:{NAME}); reinstall renkei")
    factory = found[0].load()
    return factory(host=host, port=port, path=path, clients=clients,  # type: ignore[no-any-return]
                   max_body_bytes=max_body_bytes, certfile=certfile, keyfile=keyfile)
