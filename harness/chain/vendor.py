"""A vendor's product in a position of the chain, by its existing target file or exports.

- 校務支援 by its OneRoster CSV exports at the three moments of the scenario (``BundleSource``): renkei reads
  each, pushes it to the e-portal in its phase, and reads the school year from their differences (the
  mid-year events' pupils are followed from the start, so each is seen before and after).
- 学習アプリ by its ``lti-tool`` target file (``VendorApp``): the mock e-portal registers it from the tool
  section, launches decide acceptance by its ``observation.accept``, and it reports to the mock LRS with
  the credentials the chain target names.
"""

from __future__ import annotations

import os
import re
import ssl
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from renkei.harness.chain.bundle import read_bundle
from renkei.harness.chain.changes import change_between, event_users, events_between
from renkei.harness.chain.config import AppPosition, BundlesPosition
from renkei.harness.chain.observation import PositionInfo
from renkei.harness.chain.positions import ImportSource
from renkei.harness.chain.roster import RosterSnapshot
from renkei.harness.chain.sample import Events
from renkei.harness.core import secret_registry
from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol.target_file import ENV_REF
from renkei.harness.lti.protocol.transport import ssl_context
from renkei.harness.lti.tool import config as tool_config

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
        self.verify: ssl.SSLContext | bool = ssl_context(verify=config.observation.verify_tls,
                                                         ca_file=config.tls.ca_file, where=position.target)
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
