"""The e-portal's roster pulled over OneRoster 1.2 REST instead of read from a bundle file.

This is how real deployments connect 校務支援 and 学習eポータル: the e-portal (the consumer) gets a
client-credentials token asking only for the scope it needs (``roster-core.readonly``: no
demographics), pages each flat collection to its end by ``Link: rel="next"`` (offset/limit when
there is no Link), waits out ``Retry-After`` on 429, and never reads a page twice. It is also the
reference consumer the ``oneroster12-rest-consumer`` profile passes against. Objects that are
``tobedeleted`` are kept as inactive (users disabled, enrollments inactive), like the bundle reader.

A provider's own choices are honoured as a real e-portal's settings would: the client authentication its
token endpoint takes (HTTP Basic or the form body, built by the harness's token-request helper, the same
as renkei's provider client sends), and a private CA it is served under (``ca_pem``, trusted in addition to
the public ones; ``verify_tls=False`` only where the provider's target file turns verification off). The
rostering path is the one the OneRoster 1.2 OpenAPI fixes (``servers.basePath`` is an enum of one value);
a provider under a prefix is reached by giving the prefix in ``base_url``.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.rest_token import AUTH_NAMES, CLIENT_AUTH, token_request
from renkei.mocks.eportal.roster import (
    ENROLLMENT_ROLE_MAP,
    INSTITUTION_ROLE_MAP,
    Enrollment,
    Org,
    Roster,
    RosterError,
    SchoolClass,
    User,
)

MAX_PAGES = 100_000
MAX_BODY = 64 * 1024 * 1024
MAX_WAIT = 60.0
MAX_CA_PEM = 256 * 1024
MAX_ERROR_TEXT = 300


@dataclass(frozen=True)
class RestSource:
    base_url: str  # the server origin; the rostering path is appended
    token_url: str
    client_id: str
    client_secret: str
    page_size: int = 500
    scope: str = R.SCOPE_CORE
    client_auth: str = "basic"  # basic (client_secret_basic) | form (client_secret_post)
    ca_pem: str | None = None  # PEM CA certificates the provider's https is trusted by, besides the public CAs
    verify_tls: bool = True

    def __post_init__(self) -> None:
        if self.client_auth not in CLIENT_AUTH:
            raise RosterError(f"client_auth must be one of {', '.join(CLIENT_AUTH)}, not {self.client_auth!r}")
        if self.ca_pem is not None and len(self.ca_pem) > MAX_CA_PEM:
            raise RosterError(f"ca_pem: more than {MAX_CA_PEM} characters of CA certificates")
        if self.ca_pem is not None and not self.verify_tls:
            raise RosterError("ca_pem has no effect with verify_tls false; give one of them")

    def verify(self) -> ssl.SSLContext | bool:
        """The TLS trust of the pull: the public CAs plus ``ca_pem``, or none at all (``verify_tls`` false)."""
        if not self.verify_tls:
            return False
        context = httpx.create_ssl_context(verify=True)
        if self.ca_pem:
            try:
                context.load_verify_locations(cadata=self.ca_pem)
            except (ssl.SSLError, ValueError) as exc:
                raise RosterError(f"ca_pem is not PEM CA certificates ({getattr(exc, 'reason', None) or exc})") from None
        return context


def _pages(client: httpx.Client, url: str, key: str, headers: dict[str, str], page_size: int,
           sleep: Callable[[float], None], faults: frozenset[str] = frozenset()) -> Iterator[dict[str, Any]]:
    nxt: str | None = f"{url}?{urlencode({'limit': page_size, 'offset': 0})}"
    seen: set[str] = set()
    offset = 0
    while nxt is not None and len(seen) < MAX_PAGES:
        if nxt in seen:
            raise RosterError(f"{url}: the provider sent the same next page twice ({nxt})")
        seen.add(nxt)
        resp = client.get(nxt, headers=headers)
        if resp.status_code == 429:
            seen.discard(nxt)
            wait = resp.headers.get("retry-after", "1")
            if "rest_ignore_retry_after" not in faults:
                sleep(min(float(wait) if wait.isdigit() else 1.0, MAX_WAIT))
            continue
        if "rest_reread_pages" in faults:
            client.get(nxt, headers=headers)
        if resp.status_code != 200:
            raise RosterError(f"GET {nxt}: HTTP {resp.status_code}")
        if len(resp.content) > MAX_BODY:
            raise RosterError(f"GET {nxt}: the answer exceeds {MAX_BODY} bytes")
        try:
            items = json.loads(resp.content).get(key)
        except (ValueError, AttributeError):
            raise RosterError(f"GET {nxt}: the answer is not a {key!r} collection") from None
        if not isinstance(items, list):
            raise RosterError(f"GET {nxt}: the answer has no {key!r} array")
        yield from (i for i in items if isinstance(i, dict))
        if "rest_first_page_only" in faults:
            return
        offset += len(items)
        link = resp.links.get("next", {}).get("url")
        if link:
            nxt = str(resp.url.join(link))
        else:
            total = resp.headers.get("x-total-count")
            more = items and total is not None and total.isdigit() and offset < int(total)
            nxt = f"{url}?{urlencode({'limit': page_size, 'offset': offset})}" if more else None


def _ref(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name)
    return str(value.get("sourcedId", "")) if isinstance(value, dict) else ""


def load_rest(source: RestSource, *, transport: httpx.BaseTransport | None = None,
              sleep: Callable[[float], None] = time.sleep, faults: frozenset[str] = frozenset()) -> Roster:
    """Pull orgs, users, classes and enrollments; errors name the request. ``faults``: the e-portal's
    ``rest_*`` faults (a deliberately bad consumer for red runs)."""
    try:
        return _load(source, transport, sleep, faults)
    except httpx.HTTPError as exc:
        raise RosterError(_transport_error(exc)) from None


def _transport_error(exc: httpx.HTTPError) -> str:
    """What went wrong on the wire, naming the request: an untrusted certificate says where trust comes from."""
    try:
        where = f"{exc.request.method} {exc.request.url}: "
    except RuntimeError:
        where = ""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLCertVerificationError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ssl.SSLCertVerificationError):
        detail = cause.verify_message or cause.reason or "verification failed"
        return (f"{where}the provider's TLS certificate is not trusted ({detail}); give the CA that issued it "
                "(the provider target's tls.ca_file)")
    return f"{where}the provider could not be reached ({type(exc).__name__})"


def _token_refused(source: RestSource, resp: httpx.Response) -> str:
    """The refusal, with the OAuth error the provider gave (bounded) and how the e-portal authenticated."""
    said = ""
    try:
        data = json.loads(resp.content[:MAX_BODY])
        if isinstance(data, dict) and data.get("error"):
            said = f": {data['error']}" + (f" ({data['error_description']})" if data.get("error_description") else "")
    except ValueError:
        pass
    return (f"POST {source.token_url}: HTTP {resp.status_code}, no token{said[:MAX_ERROR_TEXT]} — the e-portal "
            f"authenticated by {AUTH_NAMES[source.client_auth]} (the provider target's provider.client_auth)")


def _load(source: RestSource, transport: httpx.BaseTransport | None, sleep: Callable[[float], None],
          faults: frozenset[str]) -> Roster:
    scope = f"{R.SCOPE_ROSTER} {R.SCOPE_DEMOGRAPHICS}" if "rest_broad_scope" in faults else source.scope
    token_headers, token_body = token_request(source.client_id, source.client_secret, scope.split(),
                                              source.client_auth)
    with httpx.Client(transport=transport, timeout=30, follow_redirects=False, verify=source.verify()) as client:
        resp = client.post(source.token_url, content=token_body, headers=token_headers)
        if resp.status_code != 200:
            raise RosterError(_token_refused(source, resp))
        if len(resp.content) > MAX_BODY:
            raise RosterError(f"POST {source.token_url}: the answer exceeds {MAX_BODY} bytes")
        try:
            token = resp.json()["access_token"]
        except (ValueError, KeyError, TypeError):
            raise RosterError(f"POST {source.token_url}: the answer has no access_token") from None
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        base = source.base_url.rstrip("/") + R.ROSTERING_PATH

        def read(path: str, key: str) -> Iterator[dict[str, Any]]:
            return _pages(client, base + path, key, headers, source.page_size, sleep, faults)

        roster = Roster()
        for o in read("/orgs", "orgs"):
            sid = str(o.get("sourcedId", ""))
            roster.orgs[sid] = Org(sid, str(o.get("name", "")), str(o.get("type", "")), str(o.get("identifier", "")))
        for u in read("/users", "users"):
            sid = str(u.get("sourcedId", ""))
            active = u.get("status") != "tobedeleted" or "rest_ignore_tobedeleted" in faults
            user = User(sourced_id=sid, sub=str(u.get("userMasterIdentifier") or sid), username=str(u.get("username", "")),
                        given_name=str(u.get("givenName", "")), family_name=str(u.get("familyName", "")),
                        email=str(u.get("email", "")), enabled=u.get("enabledUser") != "false" and active)
            for role in u.get("roles") or []:
                mapped = INSTITUTION_ROLE_MAP.get(str(role.get("role", "")) if isinstance(role, dict) else "")
                if mapped and mapped not in user.institution_roles:
                    user.institution_roles.append(mapped)
            roster.users[sid] = user
        for c in read("/classes", "classes"):
            sid = str(c.get("sourcedId", ""))
            roster.classes[sid] = SchoolClass(sid, str(c.get("title", "")), str(c.get("classCode", "")),
                                              _ref(c, "school"))
        for e in read("/enrollments", "enrollments"):
            user_id, class_id = _ref(e, "user"), _ref(e, "class")
            if user_id in roster.users and class_id in roster.classes:
                roster.enrollments.append(Enrollment(user_id, class_id, str(e.get("role", "")),
                                                     e.get("status") != "tobedeleted"))
    for enr in roster.enrollments:
        user = roster.users[enr.user_sourced_id]
        if not user.institution_roles and enr.role in ENROLLMENT_ROLE_MAP and enr.role in INSTITUTION_ROLE_MAP:
            user.institution_roles.append(INSTITUTION_ROLE_MAP[enr.role])
    return roster
