"""The mock chain the ``chain-japan`` profile runs against, for every position a vendor does not take.

Registered under the ``renkei.reference_chain`` entry point (``mock-chain``), so the harness finds it
without importing the mocks; the objects returned implement ``renkei.harness.chain.reference``'s
protocols (restated here as plain attributes: the mocks may not import the harness's chain package).

What it starts, each on 127.0.0.1 (a fixed port where ``listen`` names one, since a vendor's product
must be configured with it), and how it wires them:

- 校務支援 (``school_affairs``): a generated Japanese roster in the mock OneRoster REST provider, with
  the lifecycle (年次更新, 転出・転入, corrections) and a class change behind plain methods;
- 学習eポータル (``eportal``): the mock Platform with an empty roster; ``import_rest`` presses its
  "import now" button (it pulls OneRoster REST itself), ``import_csv`` hands it a bulk CSV bundle;
  it registers the app (the mock app, or a vendor's Tool from ``app``) and renkei's NRPS reader;
- LRS (``lrs``): the mock LRS with a write client for the app and a read client for renkei;
- 学習アプリ (``app``): the mock Tool, registered with the mock e-portal or a vendor's Platform
  (``platform``), reporting its study logs to the mock LRS or a vendor's (``lrs_endpoint``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from renkei.harness.core.errors import ConfigError, TargetError
from renkei.harness.serving import BackgroundServer, free_port
from renkei.mocks.app.config import FAULTS as APP_FAULTS
from renkei.mocks.app.xapi import LrsEndpoint
from renkei.mocks.chain.school_year import class_change, leave
from renkei.mocks.eportal import accounts
from renkei.mocks.eportal.app import create_app as create_eportal_app
from renkei.mocks.eportal.config import FAULTS as EPORTAL_FAULTS
from renkei.mocks.eportal.config import EportalConfig, ToolRegistration
from renkei.mocks.eportal.roster import Roster, load_bundle
from renkei.mocks.lrs.config import LrsClient, LrsConfig
from renkei.mocks.lrs.server import LrsServer, serve_lrs
from renkei.mocks.runner import (
    APP_CLIENT_ID,
    DEPLOYMENT_ID,
    HOST,
    SchoolAffairs,
    serve_app,
    serve_school_affairs,
)
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest import lifecycle
from renkei.mocks.school_affairs.rest.exports import write_export

POSITIONS = ("school_affairs", "eportal", "lrs", "app")
LRS_APP_KEY = "renkei-chain-app"
LRS_READER_KEY = "renkei-chain-reader"
READER_CLIENT_ID = "renkei-chain-nrps-reader"
ACCEPT_REGEX = r'id="lti-launch" data-status="ok"'  # the mock app's accepted-launch marker (mocks.app.pages)
IMPORT_TIMEOUT = 600.0


def _change(change: lifecycle.Change) -> dict[str, Any]:
    return {"at": change.at, "created": change.created, "changed": change.changed, "deleted": change.deleted}


class MockSchoolAffairs:
    """The mock 校務支援システム: its roster, its school year, and its OneRoster REST credentials."""

    def __init__(self, served: SchoolAffairs) -> None:
        self._served = served
        self.store = served.store
        self.url = served.url
        self.token_url = served.token_url
        client = served.config.clients[0]
        self.client_id, self.client_secret = client.client_id, client.secret

    def objects(self, kind: str) -> list[dict[str, Any]]:
        return list(self.store.iter_docs(kind))

    def year_advance(self) -> dict[str, Any]:
        return _change(lifecycle.advance_year(self.store))

    def transfer(self, user: str, to_school: str) -> dict[str, Any]:
        return _change(lifecycle.transfer(self.store, user, to_school))

    def edit(self, user: str, fields: dict[str, Any]) -> dict[str, Any]:
        return _change(lifecycle.edit(self.store, "user", user, fields))

    def leave(self, user: str) -> dict[str, Any]:
        return _change(leave(self.store, user))

    def class_change(self, user: str, to_class: str) -> dict[str, Any]:
        return _change(class_change(self.store, user, to_class))

    def export_csv(self, path: Path) -> Path:
        """The bulk OneRoster CSV export of the roster as it is now (what a 校務支援 hands an e-portal)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            write_export(self.store, out, since=None, demographics=False)
        return path

    def stop(self) -> None:
        self._served.stop()


class MockEportal:
    """The mock 学習eポータル: the Platform the app is launched from, and where the roster is imported."""

    def __init__(self, server: BackgroundServer, app: Any, app_client_id: str, deployment_id: str) -> None:
        self._server = server
        self._state = app.state.eportal
        self.issuer = self._state.config.issuer
        self.home_page = self.issuer  # the account homePage the app reports learners with
        self.jwks_url = self.issuer + "/jwks"
        self.token_url = self.issuer + "/token"
        self.deployment_id = deployment_id
        self.app_client_id = app_client_id
        self.reader_client_id = READER_CLIENT_ID
        self.faults = sorted(self._state.config.faults)

    def launch_url(self, user: str, context: str | None, pii: str) -> str:
        query = {"client_id": self.app_client_id, "user": user, "pii": pii}
        if context:
            query["context"] = context
        return f"{self.issuer}/launch?{urlencode(query)}"

    def memberships_url(self, context: str) -> str:
        return f"{self.issuer}/nrps/{context}"

    def import_rest(self, base_url: str, token_url: str, client_id: str, client_secret: str) -> dict[str, Any]:
        """Press the e-portal's "import now" button: it pulls the roster over OneRoster REST itself."""
        body = {"base_url": base_url, "token_url": token_url, "client_id": client_id, "client_secret": client_secret}
        try:
            resp = httpx.post(self.issuer + "/admin/roster/import", json=body, timeout=IMPORT_TIMEOUT)
        except httpx.HTTPError as exc:
            raise TargetError(f"mock e-portal: the import could not be started ({type(exc).__name__})") from None
        data = resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}
        if resp.status_code != 200:
            raise TargetError(f"mock e-portal: the import failed (HTTP {resp.status_code}): {data.get('error', '')}")
        return dict(data)

    def import_csv(self, bundle: Path) -> dict[str, Any]:
        """Hand the e-portal a bulk OneRoster CSV bundle (its upload form): the roster is replaced by it."""
        roster = accounts.reimport(self._state, load_bundle(bundle))
        return {"users": len(roster.users), "classes": len(roster.classes), "enrollments": len(roster.enrollments)}

    def stop(self) -> None:
        self._server.stop()


class MockLrs:
    def __init__(self, server: LrsServer, reader_secret: str, app_key: str, app_secret: str) -> None:
        self._server = server
        self.url = server.url  # the xAPI endpoint, e.g. http://127.0.0.1:8404/xapi
        self.reader = (LRS_READER_KEY, reader_secret)
        self.app_client = (app_key, app_secret)

    def stop(self) -> None:
        self._server.stop()


class MockApp:
    """The mock 学習アプリ: its registration data (what a Platform enters) and what it sent to the LRS."""

    def __init__(self, server: BackgroundServer, client_id: str, deployment_ids: list[str]) -> None:
        self._server = server
        self.url = server.url
        self.registration = {"client_id": client_id, "deployment_ids": list(deployment_ids),
                             "login_url": self.url + "/login", "redirect_uris": [self.url + "/launch"],
                             "target_link_uri": self.url + "/launch", "jwks_url": self.url + "/jwks",
                             "name": "renkei 模擬学習アプリ"}
        self.accept_regex = ACCEPT_REGEX
        self.faults: list[str] = []

    def sent(self) -> list[dict[str, Any]]:
        """The app's own log of what it reported to the LRS and the answers (newest last, bounded)."""
        try:
            return list(httpx.get(self.url + "/xapi/sent", timeout=10).json().get("sent", []))
        except (httpx.HTTPError, ValueError, AttributeError):
            return []

    def stop(self) -> None:
        self._server.stop()


class MockChain:
    def __init__(self) -> None:
        self.school_affairs: MockSchoolAffairs | None = None
        self.eportal: MockEportal | None = None
        self.lrs: MockLrs | None = None
        self.app: MockApp | None = None
        self.roster_bundle: Path | None = None

    def stop(self) -> None:
        for part in (self.app, self.eportal, self.lrs, self.school_affairs):
            if part is not None:
                part.stop()


def _check_faults(faults: Iterable[str], known: dict[str, str], where: str) -> list[str]:
    chosen = list(faults)
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown fault(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return chosen


def start(*, workdir: Path, mocks: Iterable[str], roster: dict[str, Any], eportal_faults: Iterable[str] = (),
          app_faults: Iterable[str] = (), reader_jwks: dict[str, Any] | None = None, nrps_pii: bool = True,
          app: dict[str, Any] | None = None, platform: dict[str, Any] | None = None,
          lrs_endpoint: dict[str, Any] | None = None, lrs_app_client: tuple[str, str] | None = None,
          listen: dict[str, int] | None = None) -> MockChain:
    """Start the mocks for ``mocks`` (a subset of ``POSITIONS``) and wire them (see the module docstring).

    ``app``: a vendor Tool's registration (client_id, deployment_ids, login_url, redirect_uris,
    target_link_uri, jwks_url, name) for the mock e-portal; ``platform``: a vendor Platform's data for the
    mock app (issuer, client_id, deployment_id, auth_url, token_url, jwks_url); ``lrs_endpoint``: a vendor
    LRS for the mock app (url, key, secret); ``lrs_app_client``: the (key, secret) a vendor app reports to
    the mock LRS with."""
    chosen = set(mocks)
    unknown = sorted(chosen - set(POSITIONS))
    if unknown:
        raise ConfigError(f"mock chain: unknown position(s) {', '.join(unknown)}")
    e_faults = _check_faults(eportal_faults, EPORTAL_FAULTS, "mocks.eportal.faults")
    a_faults = _check_faults(app_faults, APP_FAULTS, "mocks.app.faults")
    ports = dict(listen or {})
    workdir.mkdir(parents=True, exist_ok=True)
    chain = MockChain()
    try:
        if "school_affairs" in chosen:
            bundle = workdir / "roster.zip"
            generate_bundle(bundle, **roster)
            chain.roster_bundle = bundle
            served = serve_school_affairs(bundle, port=ports.get("school_affairs", 0), generation=dict(roster))
            chain.school_affairs = MockSchoolAffairs(served)
        app_port = ports.get("app") or free_port(HOST)
        app_url = f"http://{HOST}:{app_port}"
        app_secret = secrets.token_urlsafe(18)
        if "lrs" in chosen:
            reader_secret = secrets.token_urlsafe(18)
            key, secret = lrs_app_client or (LRS_APP_KEY, app_secret)
            clients = [LrsClient(key=key, secret=secret, name="学習アプリ", scopes=("statements/write",)),
                       LrsClient(key=LRS_READER_KEY, secret=reader_secret, name="renkei (chain reader)",
                                 scopes=("all/read",))]
            chain.lrs = MockLrs(serve_lrs(LrsConfig(clients=clients), host=HOST, port=ports.get("lrs", 0)),
                                reader_secret, key, secret)
        app_client_id = (app or {}).get("client_id") or APP_CLIENT_ID
        if "eportal" in chosen:
            registration = dict(app) if app else {
                "client_id": APP_CLIENT_ID, "deployment_ids": [DEPLOYMENT_ID], "login_url": app_url + "/login",
                "redirect_uris": [app_url + "/launch"], "target_link_uri": app_url + "/launch",
                "jwks_url": app_url + "/jwks", "name": "renkei 模擬学習アプリ"}
            registration.setdefault("name", "学習アプリ")
            tools = [ToolRegistration(**registration, nrps_pii=nrps_pii)]
            if reader_jwks is not None:
                tools.append(ToolRegistration(
                    client_id=READER_CLIENT_ID, deployment_ids=list(registration["deployment_ids"]),
                    login_url="http://127.0.0.1:1/login", redirect_uris=["http://127.0.0.1:1/launch"],
                    target_link_uri="http://127.0.0.1:1/launch", jwks=reader_jwks, nrps=True, ags=False,
                    deep_linking=False, nrps_pii=nrps_pii, name="renkei (chain NRPS reader)"))
            port = ports.get("eportal") or free_port(HOST)
            config = EportalConfig(issuer=f"http://{HOST}:{port}", tools=tools, keys_dir=workdir / "keys" / "eportal",
                                   faults=set(e_faults))
            portal_app = create_eportal_app(config, Roster())
            server = BackgroundServer(portal_app, HOST, port, name="mock-eportal").start()
            chain.eportal = MockEportal(server, portal_app, app_client_id, str(registration["deployment_ids"][0]))
            chain.eportal.faults = sorted(e_faults)
        if "app" in chosen:
            if chain.eportal is not None:
                issuer, deployments = chain.eportal.issuer, [chain.eportal.deployment_id]
                urls: dict[str, str | None] = {"auth_url": None, "token_url": None, "jwks_url": None}
            elif platform is not None:
                issuer, deployments = str(platform["issuer"]), [str(platform["deployment_id"])]
                urls = {k: platform.get(k) for k in ("auth_url", "token_url", "jwks_url")}
                app_client_id = str(platform["client_id"])
            else:
                raise ConfigError("mock chain: the mock app needs an e-portal (the mock or a vendor's platform)")
            if chain.lrs is not None:
                endpoint = LrsEndpoint(url=chain.lrs.url + "/", key=chain.lrs.app_client[0], secret=chain.lrs.app_client[1])
            elif lrs_endpoint is not None:
                endpoint = LrsEndpoint(url=str(lrs_endpoint["url"]), key=str(lrs_endpoint["key"]),
                                       secret=str(lrs_endpoint["secret"]), home_page=lrs_endpoint.get("home_page"))
            else:
                raise ConfigError("mock chain: the mock app needs an LRS to report to (the mock or a vendor's)")
            server = serve_app(platform_issuer=issuer, client_id=app_client_id, deployment_ids=deployments,
                               keys_dir=workdir / "keys" / "app", port=app_port, faults=a_faults, lrs=endpoint,
                               **urls)
            chain.app = MockApp(server, app_client_id, deployments)
            chain.app.faults = sorted(a_faults)
    except BaseException:
        chain.stop()
        raise
    return chain

