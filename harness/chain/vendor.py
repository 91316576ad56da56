"""A vendor's product in a position of the chain, by its existing target file or exports.

- 校務支援 by its OneRoster CSV exports at the three moments of the scenario (``BundleSource``): renkei reads
  each, pushes it to the e-portal in its phase, and reads the school year from their differences (the
  mid-year events' pupils are followed from the start, so each is seen before and after).
- 学習アプリ by its ``lti-tool`` target file (``VendorApp``): the mock e-portal registers it from the tool
  section, launches decide acceptance by its ``observation.accept``, and it reports to the mock LRS with
  the credentials the chain target names.
- 学習eポータル by its ``lti-platform`` target file (``VendorEportal``): the mock app is registered there as
  its platform section says; renkei starts the roster import (an HTTP request, or a command for an import
  that needs a person) and the launches (a URL template), and reads NRPS as a registered reader.
- LRS by its ``xapi-lrs`` target file (``VendorLrs``): renkei reads, and the mock app writes, with its
  credentials.
"""

from __future__ import annotations

import os
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from renkei.harness.chain.bundle import read_bundle
from renkei.harness.chain.changes import change_between, event_users, events_between
from renkei.harness.chain.config import AppPosition, BundlesPosition, EportalPosition, LrsPosition
from renkei.harness.chain.observation import PositionInfo
from renkei.harness.chain.positions import ImportSource, NrpsAccess
from renkei.harness.chain.roster import RosterSnapshot
from renkei.harness.chain.sample import Events
from renkei.harness.core import hooks, secret_registry
from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.platform import config as platform_config
from renkei.harness.lti.protocol.jose import load_signing_key
from renkei.harness.lti.protocol.target_file import ENV_REF
from renkei.harness.lti.protocol.transport import Endpoint
from renkei.harness.lti.tool import config as tool_config
from renkei.harness.xapi.lrs import config as lrs_config

PHASES = ("start", "year_advance", "changes")


class BundleSource:
    """A vendor 校務支援 by its three CSV exports (read when the target opens: a bad bundle is exit 2)."""

    def __init__(self, position: BundlesPosition) -> None:
        paths = position.bundles
        self.paths = {"start": Path(paths.start), "year_advance": Path(paths.year_advance),
                      "changes": Path(paths.changes)}
        self.snaps: dict[str, RosterSnapshot] = {}
        for phase, path in self.paths.items():
            try:
                self.snaps[phase] = read_bundle(path)
            except ConfigError as exc:
                raise ConfigError(f"positions.school_affairs.bundles.{phase}: {exc}") from None
        self.current = "start"
        self.info = PositionInfo("school_affairs", False, position.name, target=str(self.paths["start"].parent))
        self._events = events_between(self.snaps["year_advance"], self.snaps["changes"])

    def snapshot(self) -> RosterSnapshot:
        return replace(self.snaps[self.current], at=time.time())

    def presampled(self) -> list[str]:
        """The pupils the mid-year export shows events for: followed from the start of the year."""
        return event_users(self._events)

    def choose_events(self, snap: RosterSnapshot, followed: list[str]) -> Events:
        return self._events

    def year_advance(self) -> dict[str, Any]:
        self.current = "year_advance"
        return change_between(self.snaps["start"], self.snaps["year_advance"])

    def _mid_year(self, user: str, deleted: bool = False) -> dict[str, Any]:
        self.current = "changes"
        return {"at": "", "created": {}, "changed": {} if deleted else {"user": [user]},
                "deleted": {"user": [user]} if deleted else {}}

    def transfer(self, user: str, to_school: str) -> dict[str, Any]:
        return self._mid_year(user)

    def edit(self, user: str, fields: dict[str, Any]) -> dict[str, Any]:
        return self._mid_year(user)

    def class_change(self, user: str, to_class: str) -> dict[str, Any]:
        return self._mid_year(user)

    def leave(self, user: str) -> dict[str, Any]:
        return self._mid_year(user, deleted=True)

    def import_source(self, workdir: Path, n: int) -> ImportSource:
        return ImportSource("csv", bundle=self.paths[self.current])


class VendorApp:
    """A vendor's Tool: the registration the mock e-portal enters, and how an accepted launch looks."""

    def __init__(self, position: AppPosition, environ: dict[str, str] | None = None) -> None:
        config = tool_config.load_target(position.target)
        tool = config.tool
        self.info = PositionInfo("app", False, tool.name, target=position.target)
        self.hosts = config.tool_hosts()
        marker = config.observation.accept
        self.accept: re.Pattern[str] | None = marker.pattern()
        self.accept_status: tuple[int, ...] = tuple(marker.status)
        self.browser = config.browser  # its own browser.engine: chromium for pages that need JavaScript
        self.registration = {"client_id": tool.client_id, "deployment_ids": list(tool.deployment_ids),
                             "login_url": tool.login_url, "redirect_uris": list(tool.redirect_uris),
                             "target_link_uri": tool.target_link_uri, "jwks_url": tool.jwks_url, "name": tool.name}
        env = os.environ if environ is None else environ
        var = ENV_REF.match(position.lrs_client.secret).group(1)  # type: ignore[union-attr]
        secret = env.get(var)
        if not secret:
            raise ConfigError(f"positions.app.lrs_client.secret: environment variable {var} is not set")
        problem = secret_registry.header_value_problem(secret) or secret_registry.too_short(secret)
        if problem:
            raise ConfigError(f"positions.app.lrs_client.secret (environment variable {var}) {problem}")
        secret_registry.active().add_basic_auth(position.lrs_client.key, secret, "positions.app.lrs_client.secret")
        self.lrs_client = (position.lrs_client.key, secret)
        # what a launch in a browser opens at the Tool (its certificates pinned for Chromium)
        self.browser_endpoints = [Endpoint("tool.login_url (the app's target file)", tool.login_url),
                                  Endpoint("tool.target_link_uri (the app's target file)", tool.target_link_uri),
                                  *(Endpoint("tool.redirect_uris (the app's target file)", u)
                                    for u in tool.redirect_uris)]


class VendorEportal:
    """A vendor's 学習eポータル: where the mock app is registered (its platform section), how renkei starts a
    launch and the roster import there, and renkei's NRPS reader there (optional)."""

    def __init__(self, position: EportalPosition, *, verify: ssl.SSLContext | bool = True,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        config = platform_config.load_target(position.target)
        p = config.platform
        self.position = position
        self.browser = position.browser
        self.verify = verify
        self.sleep = sleep
        self.info = PositionInfo("eportal", False, p.name, target=position.target)
        self.issuer = p.issuer
        self.home_page = position.home_page or p.issuer
        self.jwks_url = p.jwks_url
        self.client_id = p.client_id
        self.hosts = {urlsplit(u).netloc.lower() for u in (p.issuer, p.auth_url, p.jwks_url, position.launch_url)
                      } | {h.lower() for h in config.observation.extra_hosts}
        self.platform = {"issuer": p.issuer, "client_id": p.client_id, "deployment_id": p.deployment_ids[0],
                         "auth_url": p.auth_url, "token_url": p.token_url, "jwks_url": p.jwks_url}
        # what a launch in a browser opens at the e-portal (its certificates pinned for Chromium)
        self.browser_endpoints = [Endpoint("positions.eportal.launch_url", position.launch_url),
                                  Endpoint("platform.auth_url (the e-portal's target file)", p.auth_url)]
        reader = position.nrps
        self.nrps: NrpsAccess | None = None if reader is None else NrpsAccess(
            reader.token_url, reader.client_id, reader.deployment_id,
            load_signing_key(reader.key_file, reader.kid, "positions.eportal.nrps.key_file"),
            reader.memberships_url)

    def launch_url(self, user: str, context: str | None, pii: str) -> str:
        values = {"user": quote(user, safe=""), "context": quote(context or "", safe=""), "pii": pii,
                  "client_id": quote(self.client_id, safe="")}
        return str(hooks.fill(self.position.launch_url, values))

    def import_roster(self, source: ImportSource) -> dict[str, Any]:
        trigger = self.position.import_
        values = {"base_url": source.base_url, "token_url": source.token_url, "client_id": source.client_id,
                  "client_secret": source.client_secret, "bundle": str(source.bundle or "")}
        if trigger.mode == "hook":
            hooks.run_command(hooks.fill(list(trigger.command or []), values), what="the import command",
                              wait_seconds=trigger.wait_seconds)
            answer: dict[str, Any] = {"hook": "done"}
        else:
            body = hooks.fill(trigger.body, values) if trigger.body is not None else None
            status = hooks.run_request(trigger.method, str(trigger.url), what="the import", body=body,
                                       wait_seconds=trigger.wait_seconds, verify=self.verify)
            answer = {"status": status}
        if trigger.settle_seconds:
            self.sleep(trigger.settle_seconds)
        return answer


class VendorLrs:
    """A vendor's LRS by its ``xapi-lrs`` target file: renkei reads, and the mock app writes, with its credentials."""

    def __init__(self, position: LrsPosition, environ: dict[str, str] | None = None) -> None:
        config = lrs_config.load_target(position.target)
        self.info = PositionInfo("lrs", False, config.lrs.name, target=position.target)
        self.endpoint = config.lrs.endpoint
        self.reader = config.credentials(environ)
