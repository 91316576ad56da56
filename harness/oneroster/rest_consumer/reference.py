"""What the consumer profile needs from a reference provider, and where it finds one.

The provider renkei serves is the mock 校務支援システム; the harness does not import the mocks (one-way
dependencies), so the provider registers itself under the ``renkei.reference_providers`` entry-point
group (``oneroster-rest``) and is started through this protocol.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from renkei.harness.core.errors import TargetError

GROUP = "renkei.reference_providers"
NAME = "oneroster-rest"


class ReferenceProvider(Protocol):
    url: str  # the origin the consumer is configured with
    token_url: str

    def log(self) -> list[dict[str, Any]]:
        """Every request so far: at, method, path, query, client_id, scopes, status, returned, total."""
        ...

    def users(self) -> list[dict[str, Any]]:
        """Every user the provider holds now (REST objects), to compare what the consumer imported."""
        ...

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """Every object of one kind (``user``, ``class``, ``enrollment`` …) the provider holds now."""
        ...

    def change(self) -> dict[str, Any]:
        """Make a school-year change; returns {"at": instant, "changed": {kind: [sourcedId]}, ...}."""
        ...

    def stop(self) -> None: ...


def start(*, workdir: Path, host: str, port: int, client_id: str, client_secret: str, throttle_every: int,
          retry_after: int, bundle: Path | None, certfile: str | None, keyfile: str | None) -> ReferenceProvider:
    found = [ep for ep in entry_points(group=GROUP) if ep.name == NAME]
    if not found:
        raise TargetError(f"no reference OneRoster REST provider is installed (entry point {GROUP}:{NAME}); "
                          "reinstall renkei")
    factory = found[0].load()
    return factory(workdir=workdir, host=host, port=port, client_id=client_id, client_secret=client_secret,  # type: ignore[no-any-return]
                   throttle_every=throttle_every, retry_after=retry_after, bundle=bundle, certfile=certfile,
                   keyfile=keyfile)
