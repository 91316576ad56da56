"""Reading what reached the LRS: every statement since the scenario began, and a learner's by their agent.

renkei reads as an xAPI client with its own read credentials (HTTP Basic), ``X-Experience-API-Version``
1.0.3, ``since`` a moment before the scenario started, following ``more`` within bounds (same origin
only). A learner's statements are asked for the way a dashboard joins them: ``agent`` = the account
of the e-portal's homePage and the identifier the roster gives the learner. A read that fails is
``PeerUnavailable`` (the checks that needed it are not evaluated).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiClient

VERSION = "1.0.3"
MAX_PAGES = 500


class LrsReader:
    def __init__(self, api: ApiClient, endpoint: str, key: str, secret: str) -> None:
        self.api = api
        self.endpoint = endpoint.rstrip("/") + "/"
        self._auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")

    def _get(self, url: str) -> dict[str, Any]:
        try:
            resp = self.api.request("GET", url, headers={"Authorization": self._auth, "X-Experience-API-Version": VERSION,
                                                         "Accept": "application/json"})
            data = resp.json() if resp.status == 200 else None
        except BrowserError as exc:
            raise PeerUnavailable(f"GET {url}: {exc.en}") from None
        if not isinstance(data, dict) or not isinstance(data.get("statements"), list):
            raise PeerUnavailable(f"GET {url}: HTTP {resp.status}, not a StatementResult")
        return data

    def query(self, params: dict[str, str]) -> list[dict[str, Any]]:
        """Every statement the query matches, all pages."""
        url: str | None = self.endpoint + "statements?" + urlencode(params)
        origin = urlsplit(self.endpoint)
        out: list[dict[str, Any]] = []
        pages = 0
        while url is not None:
            pages += 1
            if pages > MAX_PAGES:
                raise PeerUnavailable(f"the LRS answer has more than {MAX_PAGES} pages")
            data = self._get(url)
            out += [s for s in data["statements"] if isinstance(s, dict)]
            more = data.get("more")
            if not isinstance(more, str) or not more:
                break
            nxt = str(httpx.URL(self.endpoint).join(more))
            parts = urlsplit(nxt)
            if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
                raise PeerUnavailable(f"the LRS's more link points to another origin ({parts.netloc}); not followed")
            url = nxt
        return out

    def since(self, instant: str) -> list[dict[str, Any]]:
        return self.query({"since": instant, "limit": "500", "ascending": "true"})

    def by_account(self, home_page: str, name: str) -> list[dict[str, Any]]:
        agent = {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}
        return self.query({"agent": json.dumps(agent, ensure_ascii=False, separators=(",", ":")), "limit": "500"})


def wait_for_statements(read: Callable[[], list[dict[str, Any]]], seen: set[str], *, wait_seconds: float,
                        idle_seconds: float, expect_some: bool, sleep: Callable[[float], None] = time.sleep,
                        clock: Callable[[], float] = time.monotonic) -> list[dict[str, Any]]:
    """The statements not in ``seen`` once the LRS has been quiet for ``idle_seconds`` (when ``expect_some``,
    quiet only counts after the first new one arrived), within ``wait_seconds``."""
    end = clock() + wait_seconds
    last_count, last_change = -1, clock()
    fresh: list[dict[str, Any]] = []
    while True:
        fresh = [s for s in read() if str(s.get("id")) not in seen]
        now = clock()
        if len(fresh) != last_count:
            last_count, last_change = len(fresh), now
        quiet = now - last_change >= idle_seconds and (fresh or not expect_some)
        if quiet or now >= end:
            return fresh
        sleep(min(0.25, idle_seconds / 3))
