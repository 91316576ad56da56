"""A vendor 校務支援 by its OneRoster 1.2 REST provider: the roster read over REST, its school year made by hooks.

The vendor's ``oneroster-rest-provider`` target file says where the provider is and which client
credentials (``${ENV}``) read it; renkei reads the roster with the REST provider profile's client
(paging that ends, 429s waited out, tokens kept secret), and the mock e-portal pulls it itself with the
same credentials, as a real e-portal would: authenticating as the file's ``client_auth`` says (Basic or
form body) and trusting its ``tls.ca_file`` (``ImportSource``). renkei chooses who each school-year event happens to (from
its sample, as with the mock 校務支援), runs the hook the chain target declares for it, reads the provider
again and takes what changed from the difference (``changes.change_between``, as with a vendor's CSV
exports). An event with no hook, or whose hook left no trace in the provider, was not made
(``EventNotMade``): the checks that need it are skipped with that reason.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from renkei.harness.chain.changes import change_between
from renkei.harness.chain.observation import PositionInfo
from renkei.harness.chain.positions import EventNotMade, ImportSource
from renkei.harness.chain.provider_config import ProviderPosition
from renkei.harness.chain.roster import RosterSnapshot, snapshot_from_rest
from renkei.harness.chain.sample import Events, choose_events
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.errors import ConfigError
from renkei.harness.core.hooks import fill, fill_url, run_command, run_request
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.rest_provider import config as provider_config
from renkei.harness.oneroster.rest_provider.survey import scopes_for
from renkei.harness.oneroster.rest_provider.target import RestProviderTarget

# what the links need, by the collection that holds it
READS = (("org", "getAllOrgs"), ("academicSession", "getAllAcademicSessions"), ("user", "getAllUsers"),
         ("class", "getAllClasses"), ("enrollment", "getAllEnrollments"))
WHERE = "positions.school_affairs"


def _touched(before: RosterSnapshot, after: RosterSnapshot, user: str) -> bool:
    """Whether the difference between the two rosters concerns ``user``: their record or their enrollments."""
    def mine(snap: RosterSnapshot) -> list[tuple[str, str, str, str]]:
        return sorted((e.sourced_id, e.klass, e.role, e.status) for e in snap.enrollments_of(user))

    return before.users.get(user) != after.users.get(user) or mine(before) != mine(after)


def _enrollment(snap: RosterSnapshot, user: str, klass: str) -> str:
    """The user's active enrollment in ``klass`` (what a vendor's API may need to end or move it)."""
    return next((e.sourced_id for e in snap.enrollments_of(user) if e.klass == klass and e.active), "")


class ProviderSource:
    """A ``RosterSource`` (``positions``) for a vendor's REST provider; opened when the chain target opens, so
    a provider file that cannot be read, a secret that is not set or a provider that cannot be reached is
    exit 2 before any check."""

    def __init__(self, position: ProviderPosition, *, where: str = "(inline)", environ: dict[str, str] | None = None,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        try:
            config = provider_config.load_target(position.target)
        except ConfigError as exc:
            raise ConfigError(f"{WHERE}.target: {exc}") from None
        if config.provider.rostering_path != R.ROSTERING_PATH:
            # OneRoster 1.2's OpenAPI fixes the path (servers.basePath: an enum of this one value); only the
            # server part varies, so a provider under a prefix gives it in base_url.
            raise ConfigError(f"{WHERE}.target: {position.target}: provider.rostering_path {config.provider.rostering_path}"
                              f": OneRoster 1.2 fixes the rostering path at {R.ROSTERING_PATH} (OpenAPI "
                              f"servers.basePath), and the e-portal pulls it below base_url; a provider served "
                              f"under a prefix gives the prefix in base_url (e.g. {config.provider.base_url}/api)")
        try:
            self.target = RestProviderTarget(config, transport=transport, environ=environ, sleep=sleep)
        except ConfigError as exc:
            raise ConfigError(f"{WHERE}.target: {exc}") from None
        try:
            if transport is None:
                self.target.probe()  # an unreachable provider is exit 2, not a run of unevaluated checks
            self.headers, self.auth = position.events.secrets.resolve(f"{where}: {WHERE}.events", environ)
        except BaseException:
            self.target.close()
            raise
        self.config = config
        self.hooks = position.events.hooks()
        self.transport = transport
        self.verify: ssl.SSLContext | bool = self.target.verify
        self.sleep = sleep
        self.info = PositionInfo("school_affairs", False, position.name or config.provider.name, target=position.target)
        self._last: RosterSnapshot | None = None

    # -- the roster ----------------------------------------------------------------------------
    def snapshot(self) -> RosterSnapshot:
        """The roster now, read whole; a collection that could not be read to its end is ``PeerUnavailable``
        (the phase is then not evaluated: a part of the roster is not the roster)."""
        objects: dict[str, list[dict[str, Any]]] = {}
        for kind, operation in READS:
            endpoint = R.BY_OPERATION[operation]
            got = self.target.client.read_collection(self.config.rostering_url + endpoint.path, endpoint.envelope,
                                                     scopes_for(endpoint))
            if not got.complete:
                why = got.error.en if got.error is not None else got.stopped
                raise PeerUnavailable(f"GET {got.url}: the provider's {endpoint.envelope} could not be read whole: {why}",
                                      peer="the 校務支援's OneRoster provider")
            objects[kind] = got.objects
        self._last = snapshot_from_rest(time.time(), objects)
        return self._last

    def presampled(self) -> list[str]:
        return []  # renkei chooses who the events happen to, from its own sample

    def choose_events(self, snap: RosterSnapshot, followed: list[str]) -> Events:
        return choose_events(snap, followed)

    def import_source(self, workdir: Path, n: int) -> ImportSource:
        client_id, secret = self.target.client.credentials
        p = self.config.provider
        return ImportSource("rest", base_url=p.base_url, token_url=p.token_url, client_id=client_id,
                            client_secret=secret, client_auth=p.client_auth, ca_file=self.config.tls.ca_file,
                            verify_tls=self.config.observation.verify_tls)

    # -- the school year -----------------------------------------------------------------------
    def _before(self, kind: str) -> RosterSnapshot:
        if kind not in self.hooks:
            raise EventNotMade(f"{WHERE}.events declares no {kind} hook")
        return self._last if self._last is not None else self.snapshot()

    def _made(self, kind: str, values: dict[str, str]) -> RosterSnapshot:
        """Run the event's hook and read the roster it left."""
        hook = self.hooks[kind]
        what = f"the {kind} hook ({WHERE}.events.{kind})"
        if hook.mode == "hook":
            run_command([str(a) for a in fill(list(hook.command or []), values)], what=what,
                        wait_seconds=hook.wait_seconds)
        else:
            run_request(hook.method, fill_url(str(hook.url), values), what=what, wait_seconds=hook.wait_seconds,
                        body=fill(hook.body, values), headers=self.headers, auth=self.auth, verify=self.verify,
                        transport=self.transport)
        if hook.settle_seconds:
            self.sleep(hook.settle_seconds)
        return self.snapshot()

    def _user_event(self, kind: str, user: str, before: RosterSnapshot, values: dict[str, str]) -> dict[str, Any]:
        after = self._made(kind, {"user": user, **values})
        if not _touched(before, after, user):
            changed = change_between(before, after)
            others = sum(len(v) for part in ("created", "changed", "deleted") for v in changed[part].values())
            raise EventNotMade(f"after the {kind} hook the provider shows no change of user {user}"
                               + (f" ({others} other objects changed: the hook must act on the user it is given, "
                                  "{user})" if others else ""))
        return change_between(before, after)

    def year_advance(self) -> dict[str, Any]:
        before = self._before("year_advance")
        year = before.current_year or ""
        after = self._made("year_advance", {"school_year": year,
                                            "next_school_year": str(int(year) + 1) if year.isdigit() else ""})
        changed = change_between(before, after)
        if not any(changed[part] for part in ("created", "changed", "deleted")):
            raise EventNotMade("after the year_advance hook the provider shows no change")
        if after.current_year == before.current_year:
            raise EventNotMade(f"after the year_advance hook the provider's 年度 in force is still {year or '(none)'} "
                               "(no new schoolYear academicSession)")
        return changed

    def transfer(self, user: str, to_school: str) -> dict[str, Any]:
        before = self._before("transfer")
        room = before.homeroom(user) or ""
        return self._user_event("transfer", user, before, {
            "to_school": to_school, "from_school": before.classes[room].school if room else "", "from_class": room,
            "enrollment": _enrollment(before, user, room)})

    def edit(self, user: str, fields: dict[str, Any]) -> dict[str, Any]:
        before = self._before("rename")
        now = before.users.get(user)
        names = {"familyName": now.family_name if now else "", "givenName": now.given_name if now else "",
                 **{k: str(v) for k, v in fields.items()}}
        return self._user_event("rename", user, before, {"family_name": names["familyName"],
                                                          "given_name": names["givenName"]})

    def class_change(self, user: str, to_class: str) -> dict[str, Any]:
        before = self._before("class_change")
        room = before.homeroom(user) or ""
        return self._user_event("class_change", user, before, {"from_class": room, "to_class": to_class,
                                                                "enrollment": _enrollment(before, user, room)})

    def leave(self, user: str) -> dict[str, Any]:
        before = self._before("leave")
        room = before.homeroom(user) or ""
        return self._user_event("leave", user, before, {"from_class": room,
                                                         "enrollment": _enrollment(before, user, room)})

    def close(self) -> None:
        self.target.close()
