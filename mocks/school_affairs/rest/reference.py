"""The mock 校務支援システム as the reference provider the ``oneroster12-rest-consumer`` profile serves.

Registered under the ``renkei.reference_providers`` entry point (``oneroster-rest``), so the harness
finds it without knowing the mocks (the dependency points from the mock to the harness's protocol,
``harness.oneroster.rest_consumer.reference.ReferenceProvider``). It serves a roster over REST on a real
port, keeps the request log, and makes the school-year changes the profile imports around.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from renkei.harness.core.errors import ConfigError
from renkei.harness.serving import BackgroundServer, free_port
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest import lifecycle
from renkei.mocks.school_affairs.rest.app import create_app
from renkei.mocks.school_affairs.rest.config import Client, ProviderConfig
from renkei.mocks.school_affairs.rest.store import RosterStore

SMALL_ROSTER = {"profile": "oneroster12-csv-japan", "municipalities": 1, "schools_per_municipality": 3,
                "students_per_grade": 8, "seed": 2026, "school_year": 2026}


class MockReferenceProvider:
    def __init__(self, *, workdir: Path, host: str, port: int, client_id: str, client_secret: str,
                 throttle_every: int, retry_after: int, bundle: Path | None = None,
                 certfile: str | None = None, keyfile: str | None = None) -> None:
        if bundle is None:
            bundle = workdir / "reference-roster.zip"
            generate_bundle(bundle, **SMALL_ROSTER)  # type: ignore[arg-type]
        self.bundle = bundle
        self.store = RosterStore()
        self.store.load_bundle(bundle)
        self.config = ProviderConfig(clients=[Client(client_id, client_secret)], throttle_every=throttle_every,
                                     retry_after=retry_after)
        self.app = create_app(self.store, self.config)
        self.provider = self.app.provider
        scheme = "https" if certfile else "http"
        port = port or free_port(host)
        self.server = BackgroundServer(self.app, host, port, name="renkei's reference provider (harness.listen)",
                                       certfile=certfile, keyfile=keyfile)
        self.server.start()
        self.url = f"{scheme}://{host}:{port}"
        self.token_url = self.url + self.config.token_path

    def log(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in list(self.provider.log)]

    def users(self) -> list[dict[str, Any]]:
        return list(self.store.iter_docs("user"))

    def objects(self, kind: str) -> list[dict[str, Any]]:
        return list(self.store.iter_docs(kind))

    def change(self) -> dict[str, Any]:
        """One school-year change between two imports: a 転出・転入, a name correction, a withdrawal."""
        docs = list(self.store.iter_docs("user"))
        students = [u for u in docs if any(r.get("role") == "student" for r in u.get("roles") or [])]
        schools = [o["sourcedId"] for o in self.store.iter_docs("org") if o.get("type") == "school"]
        changes = []
        for moved in students:  # the first pupil another school has a homeroom of the same grade for
            home = next(r["org"]["sourcedId"] for r in moved["roles"] if r.get("role") == "student")
            for other in (s for s in schools if s != home):
                try:
                    changes.append(lifecycle.transfer(self.store, moved["sourcedId"], other))
                    break
                except ConfigError:
                    continue
            if changes:
                break
        if not changes:
            raise ConfigError("the reference roster has no pupil another school could take in")
        students = [u for u in students if u["sourcedId"] != moved["sourcedId"]]
        renamed = students[0]
        changes.append(lifecycle.edit(self.store, "user", renamed["sourcedId"], {"givenName": renamed["givenName"] + "子"}))
        changes.append(lifecycle.mark_deleted(self.store, "user", students[1]["sourcedId"]))
        changed: dict[str, list[str]] = {}
        for c in changes:
            for what in (c.created, c.changed, c.deleted):
                for kind, ids in what.items():
                    changed.setdefault(kind, []).extend(ids)
        return {"at": changes[0].at, "changed": changed, "transferred": moved["sourcedId"],
                "renamed": renamed["sourcedId"], "deleted": students[1]["sourcedId"]}

    def stop(self) -> None:
        self.server.stop()
        self.store.close()


def serve(**kwargs: Any) -> MockReferenceProvider:
    """The entry point: start the reference provider (see ``rest_consumer.reference``)."""
    return MockReferenceProvider(**kwargs)
