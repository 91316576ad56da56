"""Launch validation of the mock tool: every MUST a Tool has for an id_token, in a fixed order.

Sources: [SEC §5.1.3] (signature, iss, aud, azp, alg, exp, iat, nonce), [SEC §5.1.1.4] (state
bound to the user agent), [CORE §5.3] / [DL §4.4] (required LTI claims), [CORE §4.1.2]
(lti_deployment_id), [CORE §5.3.4] (target_link_uri), [CORE §5.4.6] (custom values are strings),
and the 1EdTech cert suite's must-reject payloads [CERT §6.1.1] (incl. a missing ``sub``).
Every rejection carries a stable machine code (``REJECTIONS``) that the tool prints as
``<p id="lti-error" data-code="...">`` so a harness can tell *why* a launch was refused.

Faults from ``ToolConfig.faults`` switch single checks off for red runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import JoseFailure, decode_unverified
from renkei.harness.lti.protocol.remote_jwks import JwksUnavailable, RemoteJwks
from renkei.mocks.app.config import ToolConfig
from renkei.mocks.app.state import LoginRecord, LoginStore

STATE_COOKIE_PREFIX = "lti_state_"


@dataclass(frozen=True)
class Rejection:
    status: int
    en: str
    ja: str


_R = Rejection
#: code -> HTTP status and message. 401 = the token or its binding cannot be trusted
#: ([SEC §5.1.3-3] names 401); 400 = an authentic message that is not a valid LTI launch;
#: 502 = the platform's key set is unusable, so nothing can be verified.
REJECTIONS: dict[str, Rejection] = {
    "login_param_missing": _R(400, "The login request lacks iss, login_hint or target_link_uri.",
                              "ログイン要求に iss、login_hint または target_link_uri がありません。"),
    "login_iss_unknown": _R(400, "The login request names an issuer this tool is not registered with.",
                            "ログイン要求の iss はこのツールの登録先ではありません。"),
    "login_client_id_unknown": _R(400, "The login request names a client_id that is not this tool's.",
                                  "ログイン要求の client_id はこのツールのものではありません。"),
    "request_too_large": _R(413, "The request body is too large.", "リクエスト本文が大きすぎます。"),
    "request_malformed": _R(400, "The request body is not a parseable form.", "リクエスト本文をフォームとして解釈できません。"),
    "id_token_missing": _R(400, "The form field id_token is missing.", "フォーム項目 id_token がありません。"),
    "malformed": _R(400, "The id_token is not a compact JWS with JSON header and payload.",
                    "id_token が JWS (JSON ヘッダーとペイロード) の形式ではありません。"),
    "state_missing": _R(400, "The form field state is missing.", "フォーム項目 state がありません。"),
    "state_unknown": _R(401, "The state was not issued by this tool or has expired.",
                        "state がこのツールの発行したものではないか、期限切れです。"),
    "state_mismatch": _R(401, "The state does not match the state cookie of this browser.",
                         "state がこのブラウザーの state クッキーと一致しません。"),
    "kid_missing": _R(401, "The JWT header has no kid.", "JWT ヘッダーに kid がありません。"),
    "kid_unknown": _R(401, "The kid is not in the platform key set.", "kid がプラットフォームの鍵セットにありません。"),
    "alg_not_allowed": _R(401, "The JWT alg is not RS256.", "JWT の alg が RS256 ではありません。"),
    "bad_signature": _R(401, "The JWT signature does not verify.", "JWT の署名を検証できません。"),
    "jwks_invalid": _R(502, "The platform key set is unusable.", "プラットフォームの鍵セットが使用できません。"),
    "jwks_unavailable": _R(502, "The platform key set could not be fetched.",
                           "プラットフォームの鍵セットを取得できません。"),
    "iss_missing": _R(401, "The iss claim is missing.", "iss クレームがありません。"),
    "iss_mismatch": _R(401, "The iss claim is not the registered issuer.", "iss クレームが登録済みの発行者と異なります。"),
    "aud_missing": _R(401, "The aud claim is missing or not a string/array.", "aud クレームがないか形式が不正です。"),
    "aud_mismatch": _R(401, "The aud claim does not contain this tool's client_id.",
                       "aud クレームにこのツールの client_id が含まれていません。"),
    "aud_untrusted": _R(401, "The aud claim contains an untrusted extra audience.",
                        "aud クレームに信頼できない追加の受信者が含まれています。"),
    "azp_missing": _R(401, "Several audiences but no azp claim.", "aud が複数なのに azp クレームがありません。"),
    "azp_mismatch": _R(401, "The azp claim is not this tool's client_id.", "azp クレームがこのツールの client_id と異なります。"),
    "exp_missing": _R(401, "The exp claim is missing or not a number.", "exp クレームがないか数値ではありません。"),
    "token_expired": _R(401, "The id_token has expired (exp).", "id_token の有効期限 (exp) が切れています。"),
    "iat_missing": _R(401, "The iat claim is missing or not a number.", "iat クレームがないか数値ではありません。"),
    "iat_future": _R(401, "The iat claim is too far in the future.", "iat クレームが未来すぎます。"),
    "nonce_missing": _R(401, "The nonce claim is missing.", "nonce クレームがありません。"),
    "nonce_mismatch": _R(401, "The nonce is not the one issued for this login.",
                         "nonce がこのログインで発行したものと異なります。"),
    "nonce_replayed": _R(401, "The nonce was already used (replay).", "nonce は使用済みです (リプレイ)。"),
    "message_type_missing": _R(400, "The message_type claim is missing.", "message_type クレームがありません。"),
    "message_type_unsupported": _R(400, "The message_type is not a launch this tool supports.",
                                   "message_type がこのツールの対応する起動種別ではありません。"),
    "version_missing": _R(400, "The version claim is missing.", "version クレームがありません。"),
    "version_invalid": _R(400, "The version claim is not 1.3.0.", "version クレームが 1.3.0 ではありません。"),
    "deployment_id_missing": _R(400, "The deployment_id claim is missing.", "deployment_id クレームがありません。"),
    "deployment_id_unknown": _R(400, "The deployment_id is not registered with this tool.",
                                "deployment_id がこのツールに登録されていません。"),
    "deployment_id_mismatch": _R(400, "The deployment_id differs from the login's lti_deployment_id.",
                                 "deployment_id がログイン時の lti_deployment_id と異なります。"),
    "target_link_uri_missing": _R(400, "The target_link_uri claim is missing.", "target_link_uri クレームがありません。"),
    "target_link_uri_mismatch": _R(400, "The target_link_uri claim differs from the login request.",
                                   "target_link_uri クレームがログイン要求の値と異なります。"),
    "sub_missing": _R(400, "The sub claim is missing.", "sub クレームがありません。"),
    "sub_invalid": _R(400, "The sub claim is not a non-empty string.", "sub クレームが空でない文字列ではありません。"),
    "roles_missing": _R(400, "The roles claim is missing.", "roles クレームがありません。"),
    "roles_invalid": _R(400, "The roles claim is not an array of strings.", "roles クレームが文字列の配列ではありません。"),
    "resource_link_id_missing": _R(400, "The resource_link claim has no id.", "resource_link クレームに id がありません。"),
    "context_invalid": _R(400, "The context claim has no id.", "context クレームに id がありません。"),
    "custom_invalid": _R(400, "The custom claim is not an object of string values.",
                         "custom クレームが文字列値のオブジェクトではありません。"),
    "dl_settings_missing": _R(400, "The deep_linking_settings claim is missing.",
                              "deep_linking_settings クレームがありません。"),
    "dl_settings_invalid": _R(400, "The deep_linking_settings claim lacks a required member.",
                              "deep_linking_settings クレームに必須の項目がありません。"),
}


class LaunchRejected(Exception):
    """A launch the tool refuses; ``code`` is a key of ``REJECTIONS``, ``detail`` adds context."""

    def __init__(self, code: str, detail: str | None = None) -> None:
        self.code = code
        self.rejection = REJECTIONS[code]
        self.detail = detail
        super().__init__(f"{code}: {detail or self.rejection.en}")

    @property
    def status(self) -> int:
        return self.rejection.status


@dataclass(frozen=True)
class ValidatedLaunch:
    header: dict[str, Any]
    claims: dict[str, Any]
    login: LoginRecord | None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and value != ""


class LaunchValidator:
    """Validates one ``POST /launch`` (form ``id_token`` + ``state``, plus the request cookies)."""

    def __init__(self, config: ToolConfig, logins: LoginStore, jwks: RemoteJwks) -> None:
        self._config = config
        self._logins = logins
        self._jwks = jwks

    async def validate(
        self, id_token: str | None, state: str | None, cookies: Mapping[str, str]
    ) -> ValidatedLaunch:
        if not id_token:
            raise LaunchRejected("id_token_missing")
        try:
            header, claims = decode_unverified(id_token)
        except JoseFailure as exc:
            raise LaunchRejected("malformed", str(exc)) from exc
        login = self._check_state(state, cookies, claims)
        await self._check_signature(id_token, header)
        self._check_security_claims(claims)
        self._check_nonce(claims, login)
        self._check_lti_claims(claims, login)
        return ValidatedLaunch(header=header, claims=claims, login=login)

    # --- [SEC §5.1.1.4] state bound to this user agent -------------------------------------------
    def _check_state(self, state: str | None, cookies: Mapping[str, str], claims: dict[str, Any]) -> LoginRecord | None:
        if self._config.has("skip_state_check"):
            record = self._logins.by_state(state) if state else None
            nonce = claims.get("nonce")
            if record is None and isinstance(nonce, str):
                record = self._logins.by_nonce(nonce)
            return record
        if not state:
            raise LaunchRejected("state_missing")
        record = self._logins.by_state(state)
        if record is None:
            raise LaunchRejected("state_unknown")
        if cookies.get(STATE_COOKIE_PREFIX + state) != state:
            raise LaunchRejected("state_mismatch")
        return record

    # --- [SEC §5.1.3-1, -6], [SEC §6.3], [CERT §6.1.1] kid ------------------------------------
    async def _check_signature(self, token: str, header: dict[str, Any]) -> None:
        alg = header.get("alg")
        if self._config.has("skip_signature_check"):
            return
        if self._config.has("accept_alg_none") and isinstance(alg, str) and alg.lower() == "none":
            return
        try:
            await self._jwks.verify(token, self._config.jwks_url)
        except JwksUnavailable as exc:
            raise LaunchRejected("jwks_unavailable", str(exc)) from exc
        except JoseFailure as exc:
            code = exc.code if exc.code in REJECTIONS else "malformed"
            raise LaunchRejected(code, str(exc)) from exc

    # --- [SEC §5.1.3-2 .. -8] ------------------------------------------------------------------
    def _check_security_claims(self, claims: dict[str, Any]) -> None:
        config = self._config
        if "iss" not in claims:
            raise LaunchRejected("iss_missing")
        if claims["iss"] != config.issuer:
            raise LaunchRejected("iss_mismatch")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud
        if not isinstance(audiences, list) or not audiences or not all(isinstance(a, str) for a in audiences):
            if not config.has("skip_aud_check"):
                raise LaunchRejected("aud_missing")
            audiences = []
        if not config.has("skip_aud_check"):
            if config.client_id not in audiences:
                raise LaunchRejected("aud_mismatch")
            if set(audiences) - {config.client_id} - config.trusted_audiences:
                raise LaunchRejected("aud_untrusted")
        if len(audiences) > 1 and "azp" not in claims:
            raise LaunchRejected("azp_missing")
        if "azp" in claims and claims["azp"] != config.client_id:
            raise LaunchRejected("azp_mismatch")
        now = config.clock()
        if "exp" in claims or not config.has("accept_missing_exp"):
            if not _is_number(claims.get("exp")):
                raise LaunchRejected("exp_missing")
            if now >= claims["exp"] and not config.has("skip_exp_check"):
                raise LaunchRejected("token_expired")
        if not _is_number(claims.get("iat")):
            raise LaunchRejected("iat_missing")
        if claims["iat"] > now + config.iat_skew_seconds:
            raise LaunchRejected("iat_future")

    # --- [SEC §5.1.3-9] nonce present, ours, not replayed ---------------------------------------
    def _check_nonce(self, claims: dict[str, Any], login: LoginRecord | None) -> None:
        nonce = claims.get("nonce")
        if not _nonempty_str(nonce):
            raise LaunchRejected("nonce_missing")
        if login is None or login.nonce != nonce:
            raise LaunchRejected("nonce_mismatch")
        if self._logins.nonce_used(nonce) and not self._config.has("skip_nonce_replay"):
            raise LaunchRejected("nonce_replayed")
        self._logins.use_nonce(nonce)

    # --- [CORE §5.3], [DL §4.4], [CERT §6.1.1] --------------------------------------------------
    def _check_lti_claims(self, claims: dict[str, Any], login: LoginRecord | None) -> None:
        config = self._config
        message_type = claims.get(vocab.CLAIM_MESSAGE_TYPE)
        if message_type is None:
            raise LaunchRejected("message_type_missing")
        if message_type not in vocab.LAUNCH_MESSAGE_TYPES:
            raise LaunchRejected("message_type_unsupported")
        version = claims.get(vocab.CLAIM_VERSION)
        if version is None:
            raise LaunchRejected("version_missing")
        if version != vocab.LTI_VERSION:
            raise LaunchRejected("version_invalid")
        deployment_id = claims.get(vocab.CLAIM_DEPLOYMENT_ID)
        if not _nonempty_str(deployment_id):
            raise LaunchRejected("deployment_id_missing")
        if not config.has("skip_deployment_check"):
            if deployment_id not in config.deployment_ids:
                raise LaunchRejected("deployment_id_unknown")
            if login is not None and login.lti_deployment_id and login.lti_deployment_id != deployment_id:
                raise LaunchRejected("deployment_id_mismatch")
        target = claims.get(vocab.CLAIM_TARGET_LINK_URI)
        if not _nonempty_str(target):
            raise LaunchRejected("target_link_uri_missing")
        if login is not None and target != login.target_link_uri:
            raise LaunchRejected("target_link_uri_mismatch")
        if "sub" not in claims:
            if not config.allow_anonymous_launch:
                raise LaunchRejected("sub_missing")
        elif not _nonempty_str(claims["sub"]):
            raise LaunchRejected("sub_invalid")
        if vocab.CLAIM_ROLES not in claims:
            raise LaunchRejected("roles_missing")
        roles = claims[vocab.CLAIM_ROLES]
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise LaunchRejected("roles_invalid")
        if message_type == vocab.MSG_RESOURCE_LINK:
            link = claims.get(vocab.CLAIM_RESOURCE_LINK)
            if not isinstance(link, dict) or not _nonempty_str(link.get("id")):
                raise LaunchRejected("resource_link_id_missing")
        else:
            self._check_dl_settings(claims.get(vocab.CLAIM_DL_SETTINGS))
        if vocab.CLAIM_CONTEXT in claims:
            context = claims[vocab.CLAIM_CONTEXT]
            if not isinstance(context, dict) or not _nonempty_str(context.get("id")):
                raise LaunchRejected("context_invalid")
        if vocab.CLAIM_CUSTOM in claims:
            custom = claims[vocab.CLAIM_CUSTOM]
            if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
                raise LaunchRejected("custom_invalid")

    @staticmethod
    def _check_dl_settings(settings: Any) -> None:
        """[DL §4.4.1]: deep_link_return_url, accept_types, accept_presentation_document_targets."""
        if settings is None:
            raise LaunchRejected("dl_settings_missing")
        if (
            not isinstance(settings, dict)
            or not _nonempty_str(settings.get("deep_link_return_url"))
            or not isinstance(settings.get("accept_types"), list)
            or not isinstance(settings.get("accept_presentation_document_targets"), list)
        ):
            raise LaunchRejected("dl_settings_invalid")
