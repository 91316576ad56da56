"""What one launch of a Tool under test sends and what came back: specs, results, exchanges.

Plain records shared by the plain-HTTP launcher and the browser-driven one (``browser_driver``),
so neither has to import the other to name an outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import Browser, Form, Page
from renkei.harness.lti.tool.payloads import INSTRUCTOR, Person
from renkei.harness.lti.tool.platform_side import RecordedCall

ACCEPTED = "accepted"
REJECTED = "rejected"
UNCLEAR = "unclear"
ERROR = "error"

@dataclass(frozen=True)
class AuthRequest:
    """The Tool's OIDC authentication request as the browser carried it [SEC §5.1.1.2]."""

    method: str
    url: str
    params: dict[str, str]
    repeated: tuple[str, ...] = ()  # parameter names sent more than once
    set_cookies: tuple[str, ...] = ()  # Set-Cookie headers of the login response(s)


@dataclass
class LaunchSpec:
    """What one launch sends; defaults give a valid instructor launch via GET login."""

    role: str = INSTRUCTOR
    message_type: str = vocab.MSG_RESOURCE_LINK
    mutate: Callable[[dict[str, Any]], None] | None = None
    signing: str = "valid"
    login_method: str = "GET"
    login_overrides: dict[str, str | None] = field(default_factory=dict)
    deployment_id: str | None = None
    target_link_uri: str | None = None  # claim value; default the login's target_link_uri
    state: str | None = None  # override the posted state
    extra_claims: dict[str, Any] = field(default_factory=dict)
    person: Person | None = None
    context_id: str | None = None
    browser: Browser | None = None  # reuse a browser (cookies), e.g. for a replay


@dataclass
class LaunchResult:
    outcome: str  # accepted | rejected | unclear | error
    stage: str  # login | auth | launch
    en: str
    ja: str
    endpoint: str | None = None
    method: str | None = None
    status: int | None = None
    login_params: dict[str, str] = field(default_factory=dict)
    auth: AuthRequest | None = None
    id_token: str | None = None
    claims: dict[str, Any] | None = None
    posted: dict[str, str] = field(default_factory=dict)
    page: Page | None = None
    browser: Browser | None = None
    code: str | None = None  # stable reason, e.g. needs_javascript, offsite_redirect
    blocked: list[str] = field(default_factory=list)  # requests to foreign hosts the browser refused


@dataclass
class DeepLinkExchange:
    launch: LaunchResult
    request_claims: dict[str, Any] | None
    data: str
    form: Form | None = None
    recorded: RecordedCall | None = None
    en: str = ""
    ja: str = ""


@dataclass
class ServiceExchange:
    launch: LaunchResult
    context_id: str
    person: Person | None
    since: int
    calls: list[RecordedCall] = field(default_factory=list)
    en: str = ""
    ja: str = ""
