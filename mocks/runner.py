"""Run the mock ecosystem on real ports: 校務支援 (OneRoster REST) → 学習eポータル (Platform) → 学習アプリ (Tool).

``start_ecosystem`` generates (or takes) a OneRoster bundle, serves it from the mock 校務支援システム
over OneRoster 1.2 REST, lets the mock e-portal pull its roster from there (as real deployments do),
registers the mock app as the e-portal's tool, serves each with uvicorn on 127.0.0.1 and returns
handles that always stop. ``serve_school_affairs``, ``serve_eportal`` and ``serve_app`` serve one part
alone, wired to someone else's counterpart (the demo wires them to renkei's own sides).

    python -m renkei.mocks                      # whole ecosystem, prints the URLs, Ctrl-C to stop
    python -m renkei.mocks --bundle roster.zip --eportal-port 8401 --app-port 8402
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from renkei.harness.jp.codes import make_school_code
from renkei.harness.lti.protocol.jose import generate_rsa_key, public_jwks
from renkei.harness.serving import BackgroundServer, LocalTls, free_port
from renkei.mocks.app.app import create_app as create_tool_app
from renkei.mocks.app.config import ToolConfig
from renkei.mocks.app.xapi import LrsEndpoint
from renkei.mocks.eportal.app import create_app as create_eportal_app
from renkei.mocks.eportal.config import EportalConfig, ToolRegistration
from renkei.mocks.eportal.rest_roster import RestSource, load_rest
from renkei.mocks.eportal.roster import Roster
from renkei.mocks.lrs.config import LrsClient, LrsConfig
from renkei.mocks.lrs.server import LrsServer, serve_lrs
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest.app import create_app as create_school_affairs_app
from renkei.mocks.school_affairs.rest.config import Client, ProviderConfig
from renkei.mocks.school_affairs.rest.lifecycle import remember_generation
from renkei.mocks.school_affairs.rest.store import RosterStore

HOST = "127.0.0.1"
APP_CLIENT_ID = "renkei-mock-app"
# S_ + 学校コード: the deployment-id convention secondary sources report for Japan (lti.md §5).
DEPLOYMENT_ID = "S_" + make_school_code("B1", 13, 2, 1)


def mock_app_registration(app_url: str, *, client_id: str = APP_CLIENT_ID,
                          deployment_ids: Iterable[str] = (DEPLOYMENT_ID,)) -> ToolRegistration:
    """How the e-portal registers a tool laid out like the mock app (/login, /launch, /jwks)."""
    return ToolRegistration(client_id=client_id, deployment_ids=list(deployment_ids),
                            login_url=f"{app_url}/login", redirect_uris=[f"{app_url}/launch"],
                            target_link_uri=f"{app_url}/launch", jwks_url=f"{app_url}/jwks",
                            name="renkei 模擬学習アプリ")


NRPS_READER_ID = "renkei-nrps-reader"


def nrps_reader_registration(key_file: Path, *, nrps: bool = True) -> ToolRegistration:
    """renkei registered as a tool that only reads NRPS memberships (the consumer profile's ``exposes_nrps``):
    a fresh key is written to ``key_file`` (PEM, private) and its public half goes into the registration."""
    key = generate_rsa_key()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_bytes(key.as_pem(private=True))
    key_file.chmod(0o600)
    return ToolRegistration(client_id=NRPS_READER_ID, deployment_ids=[DEPLOYMENT_ID], login_url="http://127.0.0.1:1/login",
                            redirect_uris=["http://127.0.0.1:1/launch"], target_link_uri="http://127.0.0.1:1/launch",
                            jwks=public_jwks([key]), nrps=nrps, ags=False, deep_linking=False,
                            name="renkei NRPS reader")


def _scheme(tls: LocalTls | None) -> str:
    return "https" if tls is not None else "http"


def _serve(app: object, port: int, name: str, tls: LocalTls | None) -> BackgroundServer:
    certs = {"certfile": str(tls.cert_file), "keyfile": str(tls.key_file)} if tls is not None else {}
    return BackgroundServer(app, HOST, port, name=name, **certs).start()


def serve_eportal(bundle: Path | None, tools: list[ToolRegistration], *, port: int = 0, keys_dir: Path | None = None,
                  faults: Iterable[str] = (), tls: LocalTls | None = None,
                  roster: Roster | None = None) -> BackgroundServer:
    """``roster`` (e.g. pulled over REST with ``load_rest``) wins over ``bundle``."""
    port = port or free_port(HOST)
    config = EportalConfig(issuer=f"{_scheme(tls)}://{HOST}:{port}", tools=tools, bundle=bundle,
                           keys_dir=keys_dir, faults=set(faults))
    return _serve(create_eportal_app(config, roster), port, "mock-eportal", tls)


# The mock 校務支援's one OAuth client in the ecosystem (the e-portal and renkei's demo use it).
SCHOOL_AFFAIRS_CLIENT = "renkei-mock-eportal"
SCHOOL_AFFAIRS_SECRET = "renkei-mock-secret-0001"  # a test credential of the mock, never a real one


@dataclass
class SchoolAffairs:
    """A served mock 校務支援システム: its server, store and provider settings (clients, admin key)."""

    server: BackgroundServer
    store: RosterStore
    config: ProviderConfig

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token_url(self) -> str:
        return self.server.url + self.config.token_path

    def stop(self) -> None:
        self.server.stop()
        self.store.close()


def serve_school_affairs(bundle: Path, *, port: int = 0, faults: Iterable[str] = (), token_ttl: int = 3600,
                         shape: str = "nested", throttle_every: int = 0, tls: LocalTls | None = None,
                         clients: Iterable[Client] = (), generation: dict[str, object] | None = None,
                         database: Path | None = None, client_auth: Iterable[str] = ("basic", "form")
                         ) -> SchoolAffairs:
    """Load ``bundle`` into a SQLite store (``database``, or in memory) and serve it over OneRoster REST.

    ``generation``: the generator arguments of the bundle, so the admin API can run 年次更新;
    ``client_auth``: the client authentications its token endpoint accepts (``basic``, ``form``)."""
    port = port or free_port(HOST)
    store = RosterStore(database, shape=shape)
    try:
        store.load_bundle(bundle)
        if generation is not None:
            remember_generation(store, **generation)
        config = ProviderConfig(clients=list(clients) or [Client(SCHOOL_AFFAIRS_CLIENT, SCHOOL_AFFAIRS_SECRET)],
                                shape=shape, token_ttl=token_ttl, throttle_every=throttle_every, faults=set(faults),
                                client_auth=tuple(client_auth))
        server = _serve(create_school_affairs_app(store, config), port, "mock-school-affairs", tls)
    except BaseException:
        store.close()
        raise
    return SchoolAffairs(server, store, config)


def serve_app(*, platform_issuer: str, client_id: str, deployment_ids: Iterable[str], keys_dir: Path,
              port: int = 0, faults: Iterable[str] = (), auth_url: str | None = None,
              token_url: str | None = None, jwks_url: str | None = None,
              tls: LocalTls | None = None, lrs: LrsEndpoint | None = None) -> BackgroundServer:
    """Serve the mock app registered with a platform whose endpoints default to the fixed paths;
    with ``lrs`` its learner launches report their study logs there (xAPI)."""
    port = port or free_port(HOST)
    config = ToolConfig(client_id=client_id, issuer=platform_issuer,
                        auth_url=auth_url or f"{platform_issuer}/auth",
                        token_url=token_url or f"{platform_issuer}/token",
                        jwks_url=jwks_url or f"{platform_issuer}/jwks",
                        deployment_ids=frozenset(deployment_ids), base_url=f"{_scheme(tls)}://{HOST}:{port}",
                        keys_dir=keys_dir, faults=set(faults), lrs=lrs)
    return _serve(create_tool_app(config), port, "mock-app", tls)


# The mock app's one client at the mock LRS (a test credential of the mock, never a real one).
LRS_APP_KEY = "renkei-mock-app"
LRS_APP_SECRET = "renkei-mock-lrs-0001"


def serve_lrs_for_app(*, port: int = 0, record: bool = False, faults: Iterable[str] = ()) -> LrsServer:
    """The mock LRS (the e-portal's LRS) with the mock app as its one Basic-auth client."""
    config = LrsConfig(clients=[LrsClient(key=LRS_APP_KEY, secret=LRS_APP_SECRET, name="renkei 模擬学習アプリ")],
                       record=record, faults=set(faults))
    return serve_lrs(config, host=HOST, port=port)


@dataclass
class Ecosystem:
    bundle: Path
    servers: list[BackgroundServer] = field(default_factory=list)
    school_affairs: SchoolAffairs | None = None
    lrs: LrsServer | None = None

    @property
    def eportal_url(self) -> str:
        return self.servers[0].url

    @property
    def app_url(self) -> str:
        return self.servers[1].url

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        if self.lrs is not None:
            self.lrs.stop()
        if self.school_affairs is not None:
            self.school_affairs.stop()

    def __enter__(self) -> Ecosystem:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


GENERATED = {"profile": "oneroster12-csv-jpk12", "municipalities": 1, "schools_per_municipality": 2,
             "students_per_grade": 30, "school_year": 2026}


def start_ecosystem(workdir: Path, *, bundle: Path | None = None, eportal_port: int = 0,
                    app_port: int = 0, school_affairs_port: int = 0, lrs_port: int = 0, seed: int = 2026) -> Ecosystem:
    """Generate a roster if none is given, serve it from the mock 校務支援 over REST, and serve the
    e-portal (which pulls its roster from there), its LRS, and the app wired to both: a learner's launch
    makes the app report the drill to the LRS as that learner (account homePage = the e-portal)."""
    workdir.mkdir(parents=True, exist_ok=True)
    generation = None
    if bundle is None:
        bundle = workdir / "roster.zip"
        generation = {**GENERATED, "seed": seed}
        generate_bundle(bundle, **generation)  # type: ignore[arg-type]
    eportal_port = eportal_port or free_port(HOST)
    app_port = app_port or free_port(HOST)
    eco = Ecosystem(bundle=bundle)
    try:
        eco.school_affairs = sa = serve_school_affairs(bundle, port=school_affairs_port, generation=generation)
        roster = load_rest(RestSource(sa.url, sa.token_url, SCHOOL_AFFAIRS_CLIENT, SCHOOL_AFFAIRS_SECRET))
        eportal_url = f"http://{HOST}:{eportal_port}"
        app_url = f"http://{HOST}:{app_port}"
        eco.lrs = lrs = serve_lrs_for_app(port=lrs_port)
        eco.servers.append(serve_eportal(None, [mock_app_registration(app_url)], port=eportal_port,
                                         keys_dir=workdir / "keys" / "eportal", roster=roster))
        eco.servers.append(serve_app(platform_issuer=eportal_url, client_id=APP_CLIENT_ID,
                                     deployment_ids=[DEPLOYMENT_ID], keys_dir=workdir / "keys" / "app",
                                     port=app_port, lrs=LrsEndpoint(url=lrs.url + "/", key=LRS_APP_KEY,
                                                                    secret=LRS_APP_SECRET)))
    except BaseException:
        eco.stop()
        raise
    return eco
