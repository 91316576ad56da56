"""Secrets from a target, kept out of every output wherever they reappear.

A target registers each secret it resolves (a staging header, a basic-auth password, a token renkei
obtained with them) under a name the user knows it by, never the value. The registry then knows
every form the value can take in an output: itself, URL-encoded, JSON-, HTML-, XML- and
repr-escaped, and for basic auth the ``user:password`` pair and its base64 ``Authorization`` value.
``scrub`` replaces each with ``[secret:<name>]``; the session applies it to every result (so the
console, the pytest output and every writer see scrubbed text) and, as a last safety net, to the
bytes of every file written. A vendor page that echoes a secret back into a finding is therefore
scrubbed too, and so is a secret cut off at the start or end of a truncated excerpt.

One registry belongs to one run (``begin_run``); code that resolves secrets registers into the
active one, so the coming REST and xAPI clients use the same mechanism.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

from pydantic import BaseModel

MIN_SECRET_CHARS = 8  # shorter values cannot be scrubbed without garbling ordinary words in reports
PARTIAL_CHARS = 6  # a cut-off secret at the edge of a truncated excerpt is scrubbed from this length on
M = TypeVar("M", bound=BaseModel)


def mask(name: str) -> str:
    return f"[secret:{name}]"


def _forms(value: str) -> set[str]:
    """Every spelling of ``value`` an output may contain."""
    as_json = json.dumps(value)[1:-1]
    forms = {
        value, quote(value, safe=""), quote(value), quote_plus(value), as_json,
        json.dumps(value, ensure_ascii=False)[1:-1], html.escape(value), html.escape(value, quote=False),
        html.escape(value).replace("&quot;", "&#34;").replace("&#x27;", "&#39;"),  # Jinja/markupsafe
        repr(value)[1:-1], repr(value.encode("utf-8"))[2:-1], as_json.replace("/", "\\/"),
    }
    return {f for f in forms if f}


def header_value_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as an HTTP header value (RFC 9110 §5.5), or None."""
    if not value:
        return "is empty"
    if any(ch in "\r\n\0" for ch in value):
        return "contains a line break or NUL, which cannot be sent in an HTTP header"
    if not value.isascii():
        return "contains non-ASCII characters, which cannot be sent in an HTTP header"
    if any(ord(ch) < 0x20 and ch != "\t" or ord(ch) == 0x7F for ch in value):
        return "contains a control character, which cannot be sent in an HTTP header"
    if value != value.strip(" \t"):
        return "starts or ends with whitespace, which HTTP drops before the server sees it"
    return None


def basic_auth_problem(user: str, password: str) -> tuple[str, str] | None:
    """(which part, why) if the pair cannot be sent as HTTP Basic credentials (RFC 7617 §2), or None."""
    for part, value in (("user", user), ("password", password)):
        if not value:
            return part, "is empty"
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
            return part, "contains a control character, which RFC 7617 forbids in Basic credentials"
    if ":" in user:
        return "user", "contains ':', which RFC 7617 forbids in a Basic user-id"
    return None


def too_short(value: str) -> str | None:
    """Why a secret is too short to be kept out of reports reliably, or None."""
    if len(value) < MIN_SECRET_CHARS:
        return (f"is shorter than {MIN_SECRET_CHARS} characters; renkei keeps secrets out of every report "
                "and cannot do that reliably for a value this short")
    return None


class SecretRegistry:
    """The secret values of one run and their names; ``scrub`` masks every known form."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}  # form -> name
        self._raw: dict[str, str] = {}  # raw value -> name (for cut-off excerpts)
        self._pattern: re.Pattern[str] | None = None

    def __bool__(self) -> bool:
        return bool(self._names)

    def add(self, value: str, name: str, *, partial: bool = True) -> None:
        """Register a secret. Values shorter than ``MIN_SECRET_CHARS`` are ignored: callers refuse
        them before use (``too_short``), except tokens a peer issued, which are scrubbed when long
        enough and otherwise not at all. ``partial=False``: mask whole occurrences only (for a value
        that starts with something public, such as ``user:password``)."""
        if len(value) < MIN_SECRET_CHARS:
            return
        for form in _forms(value):
            self._names.setdefault(form, name)
        if partial:
            self._raw.setdefault(value, name)
        self._pattern = None

    def add_basic_auth(self, user: str, password: str, name: str) -> None:
        """The password, the ``user:password`` pair and the ``Authorization: Basic`` value derived from it."""
        self.add(password, name)
        pair = f"{user}:{password}"
        self.add(pair, name, partial=False)  # its start is the user name, which is not secret
        token = base64.b64encode(pair.encode("utf-8")).decode("ascii")
        self.add(token, name)
        self.add(f"Basic {token}", name, partial=False)  # a cut-off one is caught by the token itself

    def _regex(self) -> re.Pattern[str]:
        if self._pattern is None:
            forms = sorted(self._names, key=len, reverse=True)  # the longest spelling wins
            self._pattern = re.compile("|".join(re.escape(f) for f in forms))
        return self._pattern

    def scrub(self, text: str, *, partial: bool = True) -> str:
        """``text`` with every known form of every secret masked, and (``partial``) a secret cut off at
        either end of an excerpt (``…`` allowed) masked from ``PARTIAL_CHARS`` characters on.

        ``partial=False`` is for values the user declared (a product's name, a client id): they are
        never cut-off excerpts of a peer's text, and a public word that happens to begin a secret
        (vendor ``renkei``, secret ``renkei-...``) must stay readable."""
        if not self._names or not text:
            return text
        text = self._regex().sub(lambda m: mask(self._names[m.group(0)]), text)
        if partial:
            for value, name in self._raw.items():
                text = _cut_edges(text, value, name)
        return text

    def scrub_data(self, data: Any, *, partial: bool = True) -> Any:
        """``scrub`` applied to every string in nested dicts/lists/tuples (keys included)."""
        if not self._names:
            return data
        if isinstance(data, str):
            return self.scrub(data, partial=partial)
        if isinstance(data, dict):
            return {self.scrub_data(k, partial=partial): self.scrub_data(v, partial=partial) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return type(data)(self.scrub_data(v, partial=partial) for v in data)
        return data

    def scrub_model(self, model: M, *, declared: Iterable[str] = ()) -> M:
        """A copy of a pydantic model with every string field scrubbed (the model itself if none match).
        The top-level fields named in ``declared`` hold what the user declared and are scrubbed for
        whole secrets only (see ``scrub``)."""
        if not self._names:
            return model
        dumped = model.model_dump()
        keep = set(declared)
        scrubbed = {k: self.scrub_data(v, partial=k not in keep) for k, v in dumped.items()}
        return model if scrubbed == dumped else type(model).model_validate(scrubbed)

    def scrub_bytes(self, data: bytes) -> bytes | None:
        """The scrubbed bytes of a serialised output, or None if no secret is in it."""
        if not self._names:
            return None
        text = data.decode("utf-8", errors="surrogateescape")
        scrubbed = self.scrub(text)
        return None if scrubbed == text else scrubbed.encode("utf-8", errors="surrogateescape")

    def names(self) -> Iterable[str]:
        return sorted(set(self._names.values()))


def _cut_edges(text: str, value: str, name: str) -> str:
    """Mask the end of ``text`` if it is the start of ``value`` and the start if it is its end."""
    body = text.rstrip("…")
    for i in _all(body[-len(value):], value[:PARTIAL_CHARS]):
        start = len(body) - len(body[-len(value):]) + i
        if value.startswith(body[start:]):
            text = body[:start] + mask(name) + text[len(body):]
            break
    lead = len(text) - len(text.lstrip("…"))
    head = text[lead:lead + len(value)]
    for i in _all(head, value[-PARTIAL_CHARS:]):
        end = lead + i + PARTIAL_CHARS
        if value.endswith(text[lead:end]):
            text = text[:lead] + mask(name) + text[end:]
            break
    return text


def _all(haystack: str, needle: str) -> list[int]:
    found, i = [], haystack.find(needle)
    while i >= 0:
        found.append(i)
        i = haystack.find(needle, i + 1)
    return found


_active = SecretRegistry()


def begin_run() -> SecretRegistry:
    """A fresh registry for a new run; it stays active until the next run begins."""
    global _active
    _active = SecretRegistry()
    return _active


def active() -> SecretRegistry:
    """The registry of the current run (secrets resolved outside a run go to a process-wide one)."""
    return _active
