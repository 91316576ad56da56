"""The four positions as the scenario drives them, whoever takes them: renkei's mock or a vendor's product.

The scenario asks the same of a position whatever stands in it: the 校務支援 for its roster and its
school-year events, the e-portal to import a roster and to start a launch (and for NRPS access), the
app how it shows an accepted launch, the LRS for renkei's read access. ``mock_positions`` adapts the
mock chain (``reference``) to these protocols.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from renkei.harness.chain import reference
from renkei.harness.chain.observation import PositionInfo
from renkei.harness.chain.roster import RosterSnapshot, snapshot_from_rest
from renkei.harness.chain.sample import Events, choose_events
from renkei.harness.lti.protocol.jose import RSAKey

KINDS = ("org", "academicSession", "user", "class", "enrollment")


@dataclass(frozen=True)
class ImportSource:
    """What the e-portal imports from: the 校務支援's OneRoster REST (pull) or a bulk CSV bundle (push)."""

    mode: str  # rest | csv
    base_url: str = ""
    token_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    bundle: Path | None = None


@dataclass(frozen=True)
class NrpsAccess:
    """renkei as an NRPS reader registered at the e-portal (a Tool with its own client id and key)."""

    token_url: str
    client_id: str
    deployment_id: str
    key: RSAKey
    memberships_url: str  # {context} is replaced by the class sourcedId


class EventNotMade(Exception):
    """A school-year event did not happen on the 校務支援's side (a vendor's: no hook is declared for it, or
    the provider shows no change after its hook). Not a failure of renkei or the product: the checks that
    need the event are skipped with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RosterSource(Protocol):
    """A school-year method answers what it changed (see ``reference.MockRosterSource``), or raises
    ``EventNotMade``."""

    info: PositionInfo

    def snapshot(self) -> RosterSnapshot: ...

    def presampled(self) -> list[str]:
        """Learners the source's own school year will touch (followed from the start)."""
        ...

    def choose_events(self, snap: RosterSnapshot, followed: list[str]) -> Events:
        """Who the mid-year events happen to."""
        ...

    def year_advance(self) -> dict[str, Any]: ...

    def transfer(self, user: str, to_school: str) -> dict[str, Any]: ...

    def edit(self, user: str, fields: dict[str, Any]) -> dict[str, Any]: ...

    def leave(self, user: str) -> dict[str, Any]: ...

    def class_change(self, user: str, to_class: str) -> dict[str, Any]: ...

    def import_source(self, workdir: Path, n: int) -> ImportSource: ...


class Eportal(Protocol):
    info: PositionInfo
    issuer: str
    home_page: str
    jwks_url: str
    hosts: set[str]
    nrps: NrpsAccess | None

    def launch_url(self, user: str, context: str | None, pii: str) -> str: ...

    def import_roster(self, source: ImportSource) -> dict[str, Any]: ...


class App(Protocol):
    info: PositionInfo
    hosts: set[str]
    accept: re.Pattern[str] | None
    accept_status: tuple[int, ...]


class Lrs(Protocol):
    info: PositionInfo
    endpoint: str
    reader: tuple[str, str]


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


class MockRosterSource:
    def __init__(self, mock: reference.MockRosterSource, import_mode: str, faults: list[str] | None = None) -> None:
        self.mock = mock
        self.import_mode = import_mode
        self.info = PositionInfo("school_affairs", True, "renkei 模擬校務支援システム", faults=list(faults or []))

    def snapshot(self) -> RosterSnapshot:
        return snapshot_from_rest(time.time(), {k: self.mock.objects(k) for k in KINDS})

    def presampled(self) -> list[str]:
        return []  # renkei makes the school year happen to its own sample

    def choose_events(self, snap: RosterSnapshot, followed: list[str]) -> Events:
        return choose_events(snap, followed)

    def year_advance(self) -> dict[str, Any]:
        return self.mock.year_advance()

    def transfer(self, user: str, to_school: str) -> dict[str, Any]:
        return self.mock.transfer(user, to_school)

    def edit(self, user: str, fields: dict[str, Any]) -> dict[str, Any]:
        return self.mock.edit(user, fields)

    def leave(self, user: str) -> dict[str, Any]:
        return self.mock.leave(user)

    def class_change(self, user: str, to_class: str) -> dict[str, Any]:
        return self.mock.class_change(user, to_class)

    def import_source(self, workdir: Path, n: int) -> ImportSource:
        if self.import_mode == "csv":
            return ImportSource("csv", bundle=self.mock.export_csv(workdir / f"roster-import-{n}.zip"))
        m = self.mock
        return ImportSource("rest", base_url=m.url, token_url=m.token_url, client_id=m.client_id,
                            client_secret=m.client_secret)


class MockEportal:
    def __init__(self, mock: reference.MockEportal, reader_key: RSAKey) -> None:
        self.mock = mock
        self.info = PositionInfo("eportal", True, "renkei 模擬学習eポータル", faults=list(mock.faults))
        self.issuer = mock.issuer
        self.home_page = mock.home_page
        self.jwks_url = mock.jwks_url
        self.hosts = {host_of(mock.issuer)}
        self.nrps: NrpsAccess | None = NrpsAccess(mock.token_url, mock.reader_client_id, mock.deployment_id,
                                                  reader_key, mock.memberships_url("{context}"))

    def launch_url(self, user: str, context: str | None, pii: str) -> str:
        return self.mock.launch_url(user, context, pii)

    def import_roster(self, source: ImportSource) -> dict[str, Any]:
        if source.mode == "csv":
            assert source.bundle is not None
            return self.mock.import_csv(source.bundle)
        return self.mock.import_rest(source.base_url, source.token_url, source.client_id, source.client_secret)


class MockApp:
    def __init__(self, mock: reference.MockApp) -> None:
        self.mock = mock
        self.info = PositionInfo("app", True, "renkei 模擬学習アプリ", faults=list(mock.faults))
        self.hosts = {host_of(mock.url)}
        self.accept: re.Pattern[str] | None = re.compile(mock.accept_regex)
        self.accept_status: tuple[int, ...] = (200,)


class MockLrs:
    def __init__(self, mock: reference.MockLrs) -> None:
        self.info = PositionInfo("lrs", True, "renkei 模擬 LRS")
        self.endpoint = mock.url
        self.reader = mock.reader


@dataclass
class Positions:
    source: RosterSource
    eportal: Eportal
    app: App
    lrs: Lrs

    def infos(self) -> dict[str, PositionInfo]:
        return {p.info.key: p.info for p in (self.source, self.eportal, self.lrs, self.app)}


def chain_positions(chain: reference.MockChain, reader_key: RSAKey, import_mode: str, *,
                    source: RosterSource | None = None, eportal: Eportal | None = None, app: App | None = None,
                    lrs: Lrs | None = None) -> Positions:
    """The positions of a run: the vendor's where given, the mocks' everywhere else."""
    if source is None:
        assert chain.school_affairs is not None
        source = MockRosterSource(chain.school_affairs, import_mode)
    if eportal is None:
        assert chain.eportal is not None
        eportal = MockEportal(chain.eportal, reader_key)
    if app is None:
        assert chain.app is not None
        app = MockApp(chain.app)
    if lrs is None:
        assert chain.lrs is not None
        lrs = MockLrs(chain.lrs)
    return Positions(source, eportal, app, lrs)
