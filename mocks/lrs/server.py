"""The mock LRS on a real port (uvicorn in a background thread), for a vendor's app or LRS client to talk to.

CLI-free on purpose: ``python -m renkei.mocks`` wires it in; tests and the reference entry point call
``serve_lrs`` directly. ``stop()`` always ends the server and closes (a temporary) store.
"""

from __future__ import annotations

from types import TracebackType

from starlette.applications import Starlette

from renkei.harness.serving import BackgroundServer
from renkei.mocks.lrs.app import create_app
from renkei.mocks.lrs.config import LrsConfig
from renkei.mocks.lrs.store import LrsStore


class LrsServer:
    """A running mock LRS: ``url`` is its xAPI endpoint (``http://127.0.0.1:8480/xapi``), ``origin`` the server."""

    def __init__(self, config: LrsConfig, *, host: str = "127.0.0.1", port: int = 0, path: str = "/xapi",
                 certfile: str | None = None, keyfile: str | None = None) -> None:
        self.config = config
        self.app: Starlette = create_app(config, path=path)
        self.store: LrsStore = self.app.state.store
        self.server = BackgroundServer(self.app, host, port, name="renkei mock LRS", certfile=certfile,
                                       keyfile=keyfile)
        try:
            self.server.start()
        except Exception:
            self.store.close()
            raise
        self.origin = self.server.url
        self.url = self.origin + self.app.state.lrs.base

    def stop(self) -> None:
        self.server.stop()
        self.store.close()

    def __enter__(self) -> LrsServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve_lrs(config: LrsConfig, *, host: str = "127.0.0.1", port: int = 0, path: str = "/xapi",
              certfile: str | None = None, keyfile: str | None = None) -> LrsServer:
    """Start the mock LRS on ``host:port`` (0: a free port); the handle's ``stop()`` ends it."""
    return LrsServer(config, host=host, port=port, path=path, certfile=certfile, keyfile=keyfile)
