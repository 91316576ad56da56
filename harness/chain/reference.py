"""What the chain profile needs from the mocks that take the positions no vendor took, and where it finds them.

The mock 校務支援, 学習eポータル, LRS and 学習アプリ are renkei's mocks; the harness does not import them
(one-way dependencies), so the mock chain registers itself under the ``renkei.reference_chain``
entry-point group (``mock-chain``) and is started through these protocols. Every value crossing here is
plain data (strings, dicts of OneRoster REST objects), so the harness never depends on a mock's types.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from renkei.harness.core.errors import TargetError

GROUP = "renkei.reference_chain"
NAME = "mock-chain"


class MockRosterSource(Protocol):
    """The mock 校務支援システム. Each school-year method answers what it changed:
    ``{"at": instant, "created": {kind: [sourcedId]}, "changed": {...}, "deleted": {...}}``."""

    url: str  # OneRoster REST origin (the rostering path is below it)
    token_url: str
    client_id: str
    client_secret: str

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """Every object of one kind (``user``, ``class``, ``enrollment``, ``org``, ``academicSession``) now."""
        ...

    def year_advance(self) -> dict[str, Any]: ...

    def transfer(self, user: str, to_school: str) -> dict[str, Any]: ...

    def edit(self, user: str, fields: dict[str, Any]) -> dict[str, Any]: ...

    def leave(self, user: str) -> dict[str, Any]:
        """The user leaves the municipality: they and their enrollments become tobedeleted."""
        ...

    def class_change(self, user: str, to_class: str) -> dict[str, Any]: ...

    def export_csv(self, path: Path) -> Path:
        """The bulk OneRoster CSV export of the roster as it is now."""
        ...


class MockEportal(Protocol):
    issuer: str
    home_page: str  # the xAPI account homePage of the e-portal's learners
    jwks_url: str
    token_url: str
    deployment_id: str
    app_client_id: str
    reader_client_id: str  # renkei's NRPS reader as registered there
    faults: list[str]

    def launch_url(self, user: str, context: str | None, pii: str) -> str: ...

    def memberships_url(self, context: str) -> str: ...

    def import_rest(self, base_url: str, token_url: str, client_id: str, client_secret: str) -> dict[str, Any]: ...

    def import_csv(self, bundle: Path) -> dict[str, Any]: ...


class MockLrs(Protocol):
    url: str  # the xAPI endpoint
    reader: tuple[str, str]  # renkei's read credentials
    app_client: tuple[str, str]  # the app's write credentials


class MockApp(Protocol):
    url: str
    registration: dict[str, Any]  # client_id, deployment_ids, login_url, redirect_uris, target_link_uri, jwks_url
    accept_regex: str  # what an accepted launch's page shows
    faults: list[str]

    def sent(self) -> list[dict[str, Any]]:
        """The app's own log of what it reported to the LRS (url, status, statement_ids)."""
        ...


class MockChain(Protocol):
    school_affairs: MockRosterSource | None
    eportal: MockEportal | None
    lrs: MockLrs | None
    app: MockApp | None

    def stop(self) -> None: ...


def start(**arguments: Any) -> MockChain:
    """Start the installed mock chain (see ``renkei.mocks.chain.reference.start`` for the arguments)."""
    found = [ep for ep in entry_points(group=GROUP) if ep.name == NAME]
    if not found:
        raise TargetError(f"no mock chain is installed (entry point {GROUP}:{NAME}); reinstall renkei")
    factory = found[0].load()
    return factory(**arguments)  # type: ignore[no-any-return]
