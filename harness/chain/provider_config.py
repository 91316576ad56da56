"""The chain target's 校務支援 position taken by a vendor's OneRoster 1.2 REST provider, and its school-year hooks.

    positions:
      school_affairs:
        name: 校務支援システム X
        target: rest-provider.yaml          # its oneroster-rest-provider target file (base_url, token_url,
                                            # client_id/client_secret as ${ENV}); the mock e-portal pulls from it
        events:                             # how each school-year event is made on the vendor's side
          secrets: {headers: {Authorization: "${SIS_ADMIN_AUTH}"}}   # sent with every request hook
          year_advance: {url: https://sis.example.jp/admin/nendo, method: POST}
          transfer: {url: https://sis.example.jp/admin/transfer, body: {user: "{user}", school: "{to_school}"}}
          rename: {mode: hook, command: [./rename.sh, "{user}", "{family_name}", "{given_name}"]}
          class_change: ...
          leave: ...

Each event is one HTTP request (``mode: scripted``) or one command (``mode: hook``: a script, or one that
asks a person, for an event the product cannot automate), as the chain's e-portal import and the
``oneroster12-rest-consumer`` profile start an import. renkei chooses who the event happens to (from its
sample, as with the mock) and fills in the placeholders; afterwards it reads the provider again and takes
what changed from the difference. An event without a hook is not made, and the checks that need it are
skipped with that reason. Secrets are ``${ENV}`` references only (``secrets``, and the provider file's
client credentials) and are scrubbed from every output.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from renkei.harness.core.placeholders import strings_in
from renkei.harness.lti.protocol.http import http_url
from renkei.harness.lti.protocol.target_file import Secrets

EVENTS = ("year_advance", "transfer", "rename", "class_change", "leave")
# what renkei fills in, per event (values of the roster as renkei read it just before)
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "year_advance": ("school_year", "next_school_year"),
    "transfer": ("user", "from_school", "to_school", "from_class", "enrollment"),
    "rename": ("user", "family_name", "given_name"),
    "class_change": ("user", "from_class", "to_class", "enrollment"),
    "leave": ("user", "from_class", "enrollment"),
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")




class EventHook(BaseModel):
    """One school-year event made on the vendor's side: one HTTP request, or one command."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal["scripted", "hook"] = "scripted"
    url: str | None = None
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    body: dict[str, Any] | None = None  # sent as JSON
    command: list[str] | None = None
    wait_seconds: float = Field(default=120.0, gt=0, le=3600)  # the request or the command must end within this
    settle_seconds: float = Field(default=0.0, ge=0, le=600)  # ... and the provider shows the change this long after

    def texts(self) -> list[str]:
        return [*([self.url] if self.url else []), *(self.command or []), *strings_in(self.body)]


class SchoolYearHooks(BaseModel):
    """The hooks that make the scenario's school-year events happen at a vendor's 校務支援."""

    model_config = ConfigDict(extra="forbid")
    secrets: Secrets = Field(default_factory=Secrets)  # headers / Basic auth of every request hook (${ENV} only)
    year_advance: EventHook | None = None
    transfer: EventHook | None = None
    rename: EventHook | None = None
    class_change: EventHook | None = None
    leave: EventHook | None = None

    @model_validator(mode="after")
    def _hooks(self) -> SchoolYearHooks:
        for event in EVENTS:
            hook: EventHook | None = getattr(self, event)
            if hook is None:
                continue
            if hook.mode == "scripted":
                if not hook.url:
                    raise ValueError(f"{event}.url is required with mode: scripted (or give mode: hook and a command)")
                if hook.command:
                    raise ValueError(f"{event}.command goes with mode: hook; a scripted hook sends one request (url)")
                http_url(_PLACEHOLDER.sub("x", hook.url), f"{event}.url")
            else:
                if not hook.command:
                    raise ValueError(f"{event}.command (a command as a list) is required with mode: hook")
                if hook.url or hook.body is not None:
                    raise ValueError(f"{event}.url and {event}.body go with mode: scripted; a hook runs its command")
            known = PLACEHOLDERS[event]
            for text in hook.texts():
                unknown = [p for p in _PLACEHOLDER.findall(text) if p not in known]
                if unknown:
                    raise ValueError(f"{event}: unknown placeholder {{{unknown[0]}}} (known for {event}: "
                                     f"{', '.join('{' + k + '}' for k in known)})")
        return self

    def hooks(self) -> dict[str, EventHook]:
        return {e: h for e in EVENTS if (h := getattr(self, e)) is not None}


class ProviderPosition(BaseModel):
    """A vendor 校務支援 by its OneRoster 1.2 REST provider: its ``oneroster-rest-provider`` target file (the
    mock e-portal pulls the roster with those client credentials) and the hooks of its school year."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)  # default: the provider file's provider.name
    target: str
    events: SchoolYearHooks = Field(default_factory=SchoolYearHooks)
