"""Configuration of the mock 校務支援システム's REST provider: clients, limits, JSON shape, faults.

``FAULTS`` turn the reference provider into a deliberately broken one for red runs; each breaks one
rule, named after what it breaks, and the provider profile has a check that fails on it (a fault of the
school year, which the provider profile never drives, fails a check of the ``chain-japan`` profile).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.rest_binding import NESTED, SHAPES

FAULTS: dict[str, str] = {
    "no_total_count": "collection answers carry no X-Total-Count header [OR12 REST OpenAPI, X-Total-Count]",
    "no_link_header": "collection answers carry no RFC 8288 Link header [OR12 REST OpenAPI links]",
    "off_by_one_paging": "offset is applied one too far, so one object per page is never served [OR12 REST §3.3]",
    "filter_ignored": "the filter parameter is ignored: the whole collection is answered [OR12 REST §3.3 filter]",
    "sort_ignored": "the sort parameter is ignored [OR12 REST §3.3 sort]",
    "fields_ignored": "the fields parameter is ignored [OR12 REST §3.3 fields]",
    "wrong_envelope": "collections are wrapped in {\"data\": [...]} instead of their collection name "
    "[OR12 REST OpenAPI *SetDType]",
    "nested_500": "every nested path answers 500 [OR12 REST §3.2]",
    "expired_token_accepted": "a token past its expiry is still accepted [RFC 6749 §5.1 expires_in]",
    "demographics_leak": "/demographics answers under roster-core.readonly [OR12 REST OpenAPI security]",
    "bad_secret_accepted": "the token endpoint accepts any client secret [RFC 6749 §2.3.1, §5.2]",
    "wrong_minor_codes": "errors carry imsx_codeMinorFieldValue invaliddata whatever the error "
    "[OR12 REST OpenAPI imsx_StatusInfoDType]",
    "unknown_is_empty": "an unknown sourcedId answers 200 with an empty object instead of 404 unknownobject "
    "[OR12 REST OpenAPI 404]",
    "boolean_json": "enabledUser and primary are JSON booleans instead of the strings \"true\"/\"false\" "
    "[OR12 REST OpenAPI UserDType.enabledUser]",
    "missing_family_name": "users are served without familyName [OR12 REST OpenAPI UserDType required]",
    "broken_href": "GUIDRef hrefs point to a path that does not exist [OR12 REST OpenAPI *GUIDRefDType.href]",
    "bad_kana": "metadata.jp.kanaGivenName is served in hiragana and half-width katakana "
    "[OneRoster Japan Profile, metadata.jp.kana*]",
    "extra_field": "objects carry a field outside the schema at the top level [OR12 REST OpenAPI "
    "additionalProperties: false]",
    "guidref_wrong_type": "a class's school GUIDRef has type \"school\" instead of \"org\" [OR12 REST OpenAPI "
    "OrgGUIDRefDType.type]",
    "flat_metadata": "metadata.jp.* is served flat ({\"jp.kanaGivenName\": ...}) whatever the shape setting "
    "[DA2022: both shapes exist; the target declares one]",
    "nested_wrong_members": "nested collections leave out their last member (count and X-Total-Count agree, "
    "the member is missing) [OR12 REST §3.2 nested paths]",
    "beyond_end_error": "an offset past the end answers 404 instead of an empty page [OR12 REST §3.3 offset]",
    "no_auth_on_collections": "requests without a valid token are served anyway [OR12 REST OpenAPI 401]",
    "scopes_ignored": "every valid token may call every endpoint, whatever its scopes [OR12 REST OpenAPI "
    "security, 403]",
    "no_retry_after": "429 answers carry no Retry-After header [RFC 9110 §10.2.3; RFC 6585 §4]",
    "gradebook_put_always_200": "a gradebook PUT that creates answers 200 instead of 201 [OR12 Gradebook PUT]",
    "gradebook_replace_ignored": "a gradebook PUT on an existing object answers 200 and keeps the old object "
    "[OR12 Gradebook PUT]",
    "gradebook_delete_ignored": "a gradebook DELETE answers 204 and keeps the object [OR12 Gradebook DELETE]",
    "reissue_ids_at_year_advance": "年次更新 (POST /admin/year-advance) re-registers every continuing pupil under a new "
    "sourcedId: the old record tobedeleted, its enrollments moved to the new one, userMasterIdentifier kept "
    "[OR12 users.sourcedId, stable across school years; the chain-japan profile's chain.year.identity_kept]",
}
# Faults that change an object's content: answers are re-serialised while one is active.
CONTENT_FAULTS = frozenset({"missing_family_name", "bad_kana", "extra_field", "guidref_wrong_type", "flat_metadata"})


@dataclass(frozen=True)
class Client:
    """An OAuth 2.0 client of the provider: its secret and the scopes it may be granted."""

    client_id: str
    secret: str
    scopes: tuple[str, ...] = (*R.ROSTERING_SCOPES, *R.GRADEBOOK_SCOPES)


@dataclass
class ProviderConfig:
    clients: list[Client] = field(default_factory=list)
    shape: str = NESTED  # metadata.jp.* as {"jp": {...}} (nested) or {"jp.x": ...} (flat)
    max_limit: int = 5000  # the documented maximum page size; larger limits are served as this many
    token_ttl: int = 3600  # seconds
    token_path: str = "/oauth/token"
    throttle_every: int = 0  # every n-th API request answers 429 server_busy (0: never)
    retry_after: int = 1  # seconds, in the Retry-After of a 429
    demographics_scopes: tuple[str, ...] = (R.SCOPE_DEMOGRAPHICS, R.SCOPE_ROSTER)
    faults: set[str] = field(default_factory=set)
    signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    admin_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # the admin API's bearer key
    max_log: int = 10_000  # requests kept for observation (the consumer profile reads them)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.faults) - set(FAULTS))
        if unknown:
            raise ConfigError(f"unknown school-affairs fault(s) {', '.join(unknown)} (known: {', '.join(FAULTS)})")
        if self.shape not in SHAPES:
            raise ConfigError(f"metadata shape must be one of {', '.join(SHAPES)}, not {self.shape!r}")
        if self.max_limit < 1 or self.token_ttl < 1:
            raise ConfigError("max_limit and token_ttl must be at least 1")
        ids = [c.client_id for c in self.clients]
        if len(ids) != len(set(ids)):
            raise ConfigError("client ids must be unique")

    def client(self, client_id: str) -> Client | None:
        return next((c for c in self.clients if c.client_id == client_id), None)
