"""Serve an ASGI app with uvicorn in a background thread, on a real port, and always stop it.

Used wherever renkei must be reachable by someone else's product: the harness's own Platform or
Tool side during an LTI run, and the mock ecosystem in the demo and integration tests.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from harness.core.errors import TargetError


def free_port(host: str = "127.0.0.1") -> int:
    """An ephemeral port that was free a moment ago (for URLs that must be known up front)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class BackgroundServer:
    """uvicorn in a daemon thread; ``start()`` waits until it listens, ``stop()`` always ends it."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *, name: str = "renkei-server",
                 certfile: str | None = None, keyfile: str | None = None) -> None:
        self._config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                      lifespan="off", ssl_certfile=certfile, ssl_keyfile=keyfile)
        self._server = uvicorn.Server(self._config)
        self._thread: threading.Thread | None = None
        self.host = host
        self.name = name
        self.scheme = "https" if certfile else "http"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise TargetError(f"cannot serve {self.name} on {self.host}:{self._config.port} "
                                  "(port in use or not permitted?)")
            time.sleep(0.02)
        return self

    def _serve(self) -> None:
        """uvicorn exits (SystemExit) when it cannot bind; keep that out of the thread excepthook."""
        with contextlib.suppress(SystemExit, OSError):
            self._server.run()

    @property
    def port(self) -> int:
        """The bound port (useful when listening on port 0)."""
        for server in self._server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return self._config.port

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
