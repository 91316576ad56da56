"""An opened ``chain`` target: the positions started and wired, and the scenario run once for every check.

The mocks take every position no vendor's product takes (``positions``); they are started when the target
opens, so a chain that cannot be started (or a vendor file that cannot be read) is exit 2 before any
check, and stopped when it closes. renkei registers
itself at the mock e-portal as an NRPS reader (a fresh key per run) and at the mock LRS as a reader.
The scenario runs when the first check asks for the observation and is shared by all of them.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from renkei.harness.chain import reference
from renkei.harness.chain.browser_launcher import ChromiumLauncher
from renkei.harness.chain.config import (
    AppPosition,
    BundlesPosition,
    ChainTargetConfig,
    EportalPosition,
    LrsPosition,
    load_target,
)
from renkei.harness.chain.launcher import Launcher
from renkei.harness.chain.observation import LINKS, PHASES, POSITIONS, ChainObservation
from renkei.harness.chain.positions import Positions, RosterSource, chain_positions
from renkei.harness.chain.provider import ProviderSource
from renkei.harness.chain.provider_config import ProviderPosition
from renkei.harness.chain.roster import IDENTIFIERS
from renkei.harness.chain.scenario import ChainScenario
from renkei.harness.chain.vendor import BundleSource, VendorApp, VendorEportal, VendorLrs
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.errors import ConfigError, RenkeiError, TargetError
from renkei.harness.core.memo import Memo
from renkei.harness.lti.protocol.chromium import BrowserSection, require_chromium
from renkei.harness.lti.protocol.http import ApiClient
from renkei.harness.lti.protocol.jose import generate_rsa_key, public_jwks
from renkei.harness.lti.protocol.transport import probe, ssl_context

MAX_RECORDS_SHOWN = 50  # sourcedIds per timeline entry in describe() (result.json); the checks see them all


class ChainTarget:
    def __init__(self, config: ChainTargetConfig, params: dict[str, Any] | None = None) -> None:
        self.config = config
        self.params = dict(params or {})
        self.identifier = str(self.params.get("identifier", "userMasterIdentifier"))
        if self.identifier not in IDENTIFIERS:
            raise ConfigError(f"profile parameter identifier: {self.identifier!r} is not one of {', '.join(IDENTIFIERS)}")
        self._memo = Memo()
        self._crashed: str | None = None
        p = config.positions
        self.verify = ssl_context(verify=True, ca_file=config.tls.ca_file, where=config.path or "(inline)")
        source: RosterSource | None = BundleSource(p.school_affairs) if isinstance(p.school_affairs, BundlesPosition) \
            else None
        app = VendorApp(p.app) if isinstance(p.app, AppPosition) else None
        eportal = VendorEportal(p.eportal, verify=self.verify) if isinstance(p.eportal, EportalPosition) else None
        lrs = VendorLrs(p.lrs) if isinstance(p.lrs, LrsPosition) else None
        browser = _browser(config, eportal, app)
        if browser is not None:  # a missing renkei[browser] or Chromium is exit 2 before any mock starts
            require_chromium(browser[0].executable, browser[1], browser[2])
        if isinstance(p.school_affairs, ProviderPosition):  # opened last: it holds a client to close
            source = self._source = ProviderSource(p.school_affairs, where=config.path or "(inline)")
        self._workdir = tempfile.TemporaryDirectory(prefix="renkei-chain-")
        self._reader_key = generate_rsa_key()
        mocks = config.mocks
        lrs_endpoint = None
        if lrs is not None:  # the mock app reports to the vendor's LRS with its credentials
            lrs_endpoint = {"url": lrs.endpoint, "key": lrs.reader[0], "secret": lrs.reader[1]}
        try:
            self._chain = reference.start(
                workdir=Path(self._workdir.name), mocks=p.mocked(), roster=mocks.roster.generator_arguments(),
                eportal_faults=mocks.eportal_faults, app_faults=mocks.app_faults,
                reader_jwks=public_jwks([self._reader_key]), nrps_pii=mocks.nrps_pii,
                app=app.registration if app else None, lrs_app_client=app.lrs_client if app else None,
                platform=eportal.platform if eportal else None, lrs_endpoint=lrs_endpoint,
                listen=mocks.listen.ports())
        except RenkeiError:
            self._close_source()
            self._workdir.cleanup()
            raise
        except Exception as exc:  # a mock that cannot start is the run's problem, said in one line
            self._close_source()
            self._workdir.cleanup()
            raise TargetError(f"the mock chain could not be started: {type(exc).__name__}: {exc}") from None
        obs = config.observation
        self._api = ApiClient(transport=None, timeout=obs.timeout_seconds, max_body=obs.max_body_bytes,
                              verify=self.verify)
        try:
            self.positions: Positions = chain_positions(self._chain, self._reader_key, mocks.import_, source=source,
                                                        eportal=eportal, app=app, lrs=lrs)
        except BaseException:
            self.close()
            raise
        pos = self.positions
        hosts = pos.eportal.hosts | pos.app.hosts
        self._launcher: Launcher | ChromiumLauncher
        if browser is not None:
            self._launcher = ChromiumLauncher(hosts=hosts, accept=pos.app.accept, accept_status=pos.app.accept_status,
                                              timeout=obs.timeout_seconds, max_body=obs.max_body_bytes,
                                              browser=browser[0], where=browser[1], setting=browser[2])
            try:
                self._launcher.chromium.pins = self._browser_pins(eportal, app)
            except BaseException:
                self.close()
                raise
        else:
            settings = {h: "positions.eportal.browser.engine" for h in pos.eportal.hosts} | {
                h: "browser.engine (in the app's lti-tool target file)" for h in pos.app.hosts}
            self._launcher = Launcher(hosts=hosts, accept=pos.app.accept, accept_status=pos.app.accept_status,
                                      timeout=obs.timeout_seconds, max_body=obs.max_body_bytes, verify=self.verify,
                                      browser_settings=settings)

    def _browser_pins(self, eportal: VendorEportal | None, app: VendorApp | None) -> tuple[str, ...]:
        """Chromium trusts neither ``tls.ca_file`` nor SSL_CERT_FILE: every vendor origin a launch opens in
        the browser is probed once, its certificate verified with the chain's ``tls`` settings (an
        untrusted one is exit 2 with the hint, as without a browser), and exactly those keys are pinned."""
        endpoints = [*(eportal.browser_endpoints if eportal else []), *(app.browser_endpoints if app else [])]
        pins = probe(endpoints, verify=self.verify, timeout=self.config.observation.timeout_seconds,
                     where=self.config.path or "(inline)", product="vendor product")
        return tuple(sorted(set(pins.values())))

    def observation(self) -> ChainObservation:
        """The scenario's observation, run once. A scenario that crashed is not run again (it has moved the
        school year on): the first check reports the crash, every later one is not evaluated because of it."""
        if self._crashed is not None:
            raise PeerUnavailable(self._crashed)

        def run() -> ChainObservation:
            scenario = ChainScenario(self.positions, self.config, identifier=self.identifier,
                                     workdir=Path(self._workdir.name), api=self._api, launcher=self._launcher)
            try:
                return scenario.run()
            except (PeerUnavailable, KeyboardInterrupt):
                raise
            except Exception as exc:
                self._crashed = f"the scenario stopped: {type(exc).__name__}: {exc}"
                raise

        return self._memo("observation", run)  # type: ignore[no-any-return]

    def describe(self) -> dict[str, Any]:
        out = self.config.describe()
        observed: ChainObservation | None = self._memo.cached("observation")
        if observed is not None:
            out["chain"] = chain_summary(observed)
        return out

    def _close_source(self) -> None:
        source = getattr(self, "_source", None)
        if source is not None:
            source.close()

    def close(self) -> None:
        self._close_source()
        launcher = getattr(self, "_launcher", None)
        if isinstance(launcher, ChromiumLauncher):
            launcher.close()
        chain = getattr(self, "_chain", None)
        if chain is not None:
            chain.stop()
        api = getattr(self, "_api", None)
        if api is not None:
            api.close()
        self._workdir.cleanup()


def _browser(config: ChainTargetConfig, eportal: VendorEportal | None,
             app: VendorApp | None) -> tuple[BrowserSection, str, str] | None:
    """The ``browser:`` section that asks for Chromium, the file it is in and its field path; None for plain HTTP.
    The vendor e-portal's position says it in the chain file, a vendor app in its own ``lti-tool`` file."""
    if eportal is not None and eportal.browser.engine == "chromium":
        return eportal.browser, config.path or "(inline)", "positions.eportal.browser"
    if app is not None and app.browser.engine == "chromium":
        return app.browser, app.info.target or "(inline)", "browser"
    return None


def chain_summary(obs: ChainObservation) -> dict[str, Any]:
    """What the report draws: the positions, the phases and the timeline (sourcedIds, never names)."""
    return {
        "identifier": obs.identifier_rule,
        "home_page": obs.home_page,
        "positions": {k: {"mock": p.mock, "name": p.name, "target": p.target, "faults": list(p.faults)}
                      for k, p in obs.positions.items()},
        "labels": {"positions": {k: list(v) for k, v in POSITIONS.items()},
                   "phases": {k: list(v) for k, v in PHASES.items()}},
        "links": [{"key": key, "from": src, "to": dst, "ja": label[0], "en": label[1], "checks": list(checks)}
                  for key, src, dst, label, checks in LINKS],
        "phases": [{"name": ph.name, "school_year": ph.snapshot.current_year if ph.snapshot else None,
                    "launches": len(ph.launches), "nrps_reads": len(ph.nrps), "statements": len(ph.statements),
                    "changes": [c.kind for c in ph.changes]} for ph in obs.phases],
        "timeline": [{"n": e.n, "phase": e.phase, "position": e.position, "kind": e.kind, "seconds": e.seconds,
                      "ja": e.ja, "en": e.en, "ok": e.ok, "records": e.records[:MAX_RECORDS_SHOWN],
                      "records_total": len(e.records)} for e in obs.timeline],
        "problems": list(obs.problems),
    }


def open_target(target: str, params: dict[str, Any]) -> ChainTarget:
    if not re.search(r"\.ya?ml$", target):
        raise ConfigError(f"target {target}: a chain target is a YAML file (kind: chain)")
    return ChainTarget(load_target(target), params)
