"""An opened ``oneroster-rest-consumer`` target: the reference provider served, and the import scenario.

The scenario (run once, shared by every check): start the consumer's import, wait until it has
finished (the trigger returned and the consumer was silent for ``idle_seconds``, within
``wait_seconds``), make a school-year change on the provider (転出・転入, a name correction, a
withdrawal), start the import again and wait again. The checks judge the provider's request log of
each import. A trigger that fails, or an import that never talks to the provider, is not the
consumer failing a rule: the checks become ``error`` (not evaluated) with that reason.
"""

from __future__ import annotations

import base64
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from renkei.harness.core import secret_registry
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.hooks import run_command
from renkei.harness.core.memo import Memo
from renkei.harness.core.placeholders import fill
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiClient
from renkei.harness.lti.protocol.jose import load_signing_key
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.rest_consumer import nrps, reference
from renkei.harness.oneroster.rest_consumer.config import RestConsumerTargetConfig, load_target

MAX_EXPOSED_BYTES = 32_000_000
MAX_EXPOSED_PAGES = 2_000


@dataclass
class Imports:
    first: list[dict[str, Any]] = field(default_factory=list)
    second: list[dict[str, Any]] = field(default_factory=list)
    change: dict[str, Any] = field(default_factory=dict)


class RestConsumerTarget:
    def __init__(self, config: RestConsumerTargetConfig, params: dict[str, Any] | None = None, *,
                 environ: dict[str, str] | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.params = dict(params or {})
        self.secret = config.secret(environ)
        nrps_cfg = config.consumer.exposes_nrps  # a bad key file is a config error before anything starts
        self._nrps_key = load_signing_key(nrps_cfg.key_file, nrps_cfg.kid, "consumer.exposes_nrps.key_file") if nrps_cfg else None
        self._environ = environ
        self._transport = transport
        self.sleep = sleep
        # the one client of the scripted trigger (redirects are not followed: a trigger answers directly)
        self._client = httpx.Client(transport=transport, timeout=config.consumer.import_.wait_seconds,
                                    follow_redirects=False)
        self._memo = Memo()
        # reads what the consumer shows it imported (exposes, exposes_nrps); one client: closing it closes the transport
        self._exposure_api = ApiClient(transport=transport, timeout=30, max_body=MAX_EXPOSED_BYTES)
        self._workdir = tempfile.TemporaryDirectory(prefix="renkei-consumer-")
        h = config.harness
        self.provider = reference.start(
            workdir=Path(self._workdir.name), host=h.listen.host, port=h.listen.port, client_id=h.client_id,
            client_secret=self.secret, throttle_every=h.throttle_every, retry_after=h.retry_after,
            bundle=Path(h.bundle) if h.bundle else None, certfile=h.listen.certfile, keyfile=h.listen.keyfile)

    @property
    def values(self) -> dict[str, str]:
        origin = self.config.harness.origin()
        return {"base_url": origin, "token_url": origin + "/oauth/token", "client_id": self.config.harness.client_id,
                "client_secret": self.secret}

    def shared(self, name: str, factory: Callable[[], Any]) -> Any:
        return self._memo(name, factory)

    def _trigger(self) -> None:
        imp = self.config.consumer.import_
        if imp.mode == "hook":
            run_command([str(a) for a in fill(list(imp.hook or []), self.values)], what="the import hook",
                        wait_seconds=imp.wait_seconds)
            return
        body = fill(imp.body, self.values) if imp.body is not None else None
        try:
            resp = self._client.request(imp.method, str(imp.url), content=None if body is None else json.dumps(body),
                                        headers={"Content-Type": "application/json"} if body is not None else None)
        except httpx.HTTPError as exc:
            raise PeerUnavailable(f"{imp.method} {imp.url}: the import could not be started ({type(exc).__name__})") from None
        if not 200 <= resp.status_code < 300:
            raise PeerUnavailable(f"{imp.method} {imp.url}: the import trigger answered HTTP {resp.status_code}: "
                                  f"{resp.text[:300]}")

    def _run_import(self) -> list[dict[str, Any]]:
        imp = self.config.consumer.import_
        start = time.time()
        before = len(self.provider.log())
        self._trigger()
        deadline = start + imp.wait_seconds
        while True:
            log = self.provider.log()[before:]
            quiet = not log or time.time() - log[-1]["at"] >= imp.idle_seconds
            if (log and quiet) or time.time() >= deadline:
                break
            self.sleep(min(0.2, imp.idle_seconds / 4))
        if not log:
            raise PeerUnavailable("the consumer sent no request to renkei's provider during the import")
        return log

    def imports(self) -> Imports:
        def scenario() -> Imports:
            out = Imports()
            out.first = self._run_import()
            out.change = self.provider.change()
            out.second = self._run_import()
            return out

        return self.shared("imports", scenario)  # type: ignore[no-any-return]

    def exposed_users(self) -> list[dict[str, Any]]:
        """The users the consumer shows after the second import (its own OneRoster REST ``/users``)."""
        def read() -> list[dict[str, Any]]:
            self.imports()
            exposes = self.config.consumer.exposes
            assert exposes is not None
            client_id, secret = self.config.exposure_credentials(self._environ)
            return _read_users(self._exposure_api, exposes.base_url.rstrip("/") + R.ROSTERING_PATH + "/users",
                               exposes.token_url, client_id, secret)

        return self.shared("exposed", read)  # type: ignore[no-any-return]

    def nrps_memberships(self) -> list[nrps.Membership]:
        """The memberships after the second import (``exposes_nrps``): every class the school-year change
        touched (the transferred, renamed and withdrawn users' classes), then a spread of the others up to
        ``max_classes``."""
        def read() -> list[nrps.Membership]:
            self.imports()
            exposes = self.config.consumer.exposes_nrps
            assert exposes is not None
            key = self._nrps_key
            assert key is not None
            change = self.imports().change
            classes = [c["sourcedId"] for c in self.provider.objects("class") if c.get("status") != "tobedeleted"]
            changed_users = set(change.get("changed", {}).get("user", []))
            changed_enrollments = set(change.get("changed", {}).get("enrollment", []))
            touched = {str((e.get("class") or {}).get("sourcedId")) for e in self.provider.objects("enrollment")
                       if e["sourcedId"] in changed_enrollments
                       or str((e.get("user") or {}).get("sourcedId")) in changed_users}
            chosen = sorted(touched & set(classes))  # the classes the change touched, then a spread of the rest
            chosen += nrps.sample([c for c in classes if c not in touched], max(0, exposes.max_classes - len(chosen)))
            api = self._exposure_api
            token = nrps.service_token(api, token_url=exposes.token_url, client_id=exposes.client_id,
                                       deployment_id=exposes.deployment_id, key=key)
            return [nrps.read_membership(api, exposes.memberships_url.replace("{class}", quote(cid, safe="")),
                                         token, cid) for cid in chosen]

        return self.shared("exposed_nrps", read)  # type: ignore[no-any-return]

    def describe(self) -> dict[str, Any]:
        return self.config.describe()

    def close(self) -> None:
        self._client.close()
        self._exposure_api.close()
        self.provider.stop()
        self._workdir.cleanup()


def _read_users(api: ApiClient, url: str, token_url: str, client_id: str, secret: str) -> list[dict[str, Any]]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    try:
        resp = api.request("POST", token_url, headers={"Authorization": f"Basic {pair}",
                                                       "Content-Type": "application/x-www-form-urlencoded"},
                           content=urlencode({"grant_type": "client_credentials", "scope": R.SCOPE_CORE}).encode())
        token = resp.json().get("access_token") if resp.status == 200 else None
    except BrowserError as exc:
        raise PeerUnavailable(f"the consumer's export token endpoint: {exc.en}") from None
    if not isinstance(token, str):
        raise PeerUnavailable(f"POST {token_url}: no access token for the consumer's export (HTTP {resp.status})")
    secret_registry.active().add(token, "exposes access_token", partial=False)
    out: list[dict[str, Any]] = []
    nxt: str | None = f"{url}?limit=500&offset=0"
    seen: set[str] = set()
    while nxt is not None and nxt not in seen and len(seen) < MAX_EXPOSED_PAGES:
        seen.add(nxt)
        try:
            page = api.request("GET", nxt, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
            items = page.json().get("users") if page.status == 200 else None
        except (BrowserError, AttributeError):
            items = None
        if not isinstance(items, list):
            raise PeerUnavailable(f"GET {nxt}: the consumer's export is not a users collection")
        out += [i for i in items if isinstance(i, dict)]
        nxt = page.link("next")
    return out


def open_target(target: str, params: dict[str, Any]) -> RestConsumerTarget:
    return RestConsumerTarget(load_target(target), params)
