"""The mock LRS as the recording LRS the ``xapi-statements`` profile captures an app's statements with.

Registered under the ``renkei.reference_lrs`` entry point (``xapi-lrs``) so the harness finds it without
importing the mocks; implements ``renkei.harness.xapi.statements.reference.RecordingLrs``. Every request
on the statements resource is kept in the store (not in memory) as it arrived, with the answer's status
and the ids stored from it; a body over ``max_body_bytes`` is answered 413 and kept as truncated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from renkei.harness.core.errors import ConfigError
from renkei.mocks.lrs.config import LrsClient, LrsConfig
from renkei.mocks.lrs.server import LrsServer

PAGE = 1000  # recorded requests read from the store at a time


@dataclass(frozen=True)
class ReceivedRequest:
    """``harness.xapi.statements.reference.ReceivedRequest``, field for field: the mocks may not import the
    statements product (one-way dependencies), so the record is restated here and a test keeps the two
    identical."""

    index: int
    at: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    client: str | None
    status: int
    body: bytes
    truncated: bool = False
    stored_ids: list[str] = field(default_factory=list)


class RecordingMockLrs:
    def __init__(self, server: LrsServer) -> None:
        self._server = server
        self.url = server.url
        self.home_page = server.origin

    def received(self) -> list[ReceivedRequest]:
        out: list[ReceivedRequest] = []
        while True:
            rows = self._server.store.received(len(out), PAGE)
            for idx, at, method, path, query, headers, client, status, body, truncated, stored in rows:
                out.append(ReceivedRequest(index=idx, at=at, method=method, path=path, query=json.loads(query),
                                           headers=json.loads(headers), client=client, status=status,
                                           body=bytes(body), truncated=bool(truncated),
                                           stored_ids=json.loads(stored)))
            if len(rows) < PAGE:
                return out

    def stop(self) -> None:
        self._server.stop()


def start(*, host: str, port: int, path: str, clients: list[tuple[str, str]], max_body_bytes: int,
          certfile: str | None = None, keyfile: str | None = None) -> RecordingMockLrs:
    """Start the recording LRS (see ``harness.xapi.statements.reference.start``)."""
    try:
        config = LrsConfig(clients=[LrsClient(key=k, secret=s, name=k) for k, s in clients], record=True,
                           max_body_bytes=max_body_bytes)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"recording LRS: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return RecordingMockLrs(LrsServer(config, host=host, port=port, path=path, certfile=certfile, keyfile=keyfile))
