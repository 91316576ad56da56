"""Deep Linking checks of the ``lti13-platform`` profiles [DL §4.4, §4.5], [SEC §5.2.3].

The harness launches the Platform's Deep Linking scenario, judges the LtiDeepLinkingRequest, then
answers through ``deep_link_return_url`` with its own signed LtiDeepLinkingResponse: a valid one
must be accepted, forged ones (another key under the harness kid, wrong ``aud`` or ``iss``, no
``exp`` or ``nonce``, another deployment, ``data`` not echoed, a replay) must be rejected. Each response uses a fresh Deep Linking launch, because a
Platform may consume the request on the first answer. Accepted/rejected follows the target file's
``observation`` rules, since Platforms show the outcome in many ways.
"""

from __future__ import annotations

from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.lti.platform.checks_base import (
    fail_at,
    is_url,
    launch_of,
    platform_check,
    received,
    target_of,
)
from renkei.harness.lti.platform.config import DEEP_LINKING
from renkei.harness.lti.platform.launch import ACCEPTED, ERROR, RECEIVED, REJECTED, LaunchRecord, PostResult
from renkei.harness.lti.protocol import vocab


# --- Deep Linking [DL §4.4, §4.5], [SEC §5.2.3] ------------------------------------------------
def _dl_offered(ctx: CheckContext) -> None:
    cfg = target_of(ctx).config
    if not cfg.platform.services.deep_linking:
        ctx.skip("the target file says the Platform does not offer Deep Linking (platform.services.deep_linking)")
    if not cfg.offers(DEEP_LINKING):
        ctx.skip("the target file has no 'deep_linking' launch scenario")


@platform_check("lti.platform.dl.request_claims", "LTI-DL §4.4, §4.4.1", "error",
        ("ディープリンク要求のクレーム", "Deep Linking request claims"),
        ("LtiDeepLinkingRequest に resource_link クレームがなく、deep_linking_settings に deep_link_return_url (絶対 URL)、"
         "accept_types、accept_presentation_document_targets (iframe / window / embed) があることを確認します。",
         "An LtiDeepLinkingRequest has no resource_link claim and its deep_linking_settings carry "
         "deep_link_return_url (absolute URL), accept_types and accept_presentation_document_targets "
         "(iframe / window / embed); optional settings have the right types."))
def check_dl_request(ctx: CheckContext) -> None:
    _dl_offered(ctx)
    for rec in received(ctx, (DEEP_LINKING,)):
        c = rec.claims or {}
        if vocab.CLAIM_RESOURCE_LINK in c:
            fail_at(ctx, rec, "The Deep Linking request carries a resource_link claim.",
                    "ディープリンク要求に resource_link クレームがあります。", claim=vocab.CLAIM_RESOURCE_LINK)
        s = c.get(vocab.CLAIM_DL_SETTINGS)
        name = vocab.CLAIM_DL_SETTINGS
        if not isinstance(s, dict):
            fail_at(ctx, rec, "The deep_linking_settings claim is missing.", "deep_linking_settings クレームがありません。",
                    claim=name)
            continue
        if not is_url(s.get("deep_link_return_url")):
            fail_at(ctx, rec, "deep_link_return_url is missing or not an absolute URL.",
                    "deep_link_return_url がないか絶対 URL ではありません。", claim=name + ".deep_link_return_url")
        types = s.get("accept_types")
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            fail_at(ctx, rec, "accept_types is missing or not a non-empty array of strings.",
                    "accept_types がないか空でない文字列の配列ではありません。", claim=name + ".accept_types")
        targets = s.get("accept_presentation_document_targets")
        if not isinstance(targets, list) or not targets or not all(t in vocab.DL_DOCUMENT_TARGETS for t in targets):
            fail_at(ctx, rec, "accept_presentation_document_targets is missing or has values other than "
                    "iframe, window, embed.", "accept_presentation_document_targets がないか iframe/window/embed 以外を含みます。",
                    claim=name + ".accept_presentation_document_targets")
        for flag in ("accept_multiple", "auto_create", "accept_lineitem"):
            if flag in s and not isinstance(s[flag], bool):
                fail_at(ctx, rec, f"{flag} is not a boolean.", f"{flag} が真偽値ではありません。", claim=f"{name}.{flag}")
        for text in ("title", "text", "data", "accept_media_types"):
            if text in s and not isinstance(s[text], str):
                fail_at(ctx, rec, f"{text} is not a string.", f"{text} が文字列ではありません。", claim=f"{name}.{text}")


def _dl_exchange(ctx: CheckContext, *, forged: bool = False, audience: str | None = None,
                 echo_data: bool = True, other_deployment: bool = False,
                 **claims_edit: Any) -> tuple[LaunchRecord, PostResult | None, str | None]:
    """A fresh Deep Linking launch answered with one (possibly broken) response; returns the token too.

    ``claims_edit`` overrides claims of the response (``None`` drops the claim); ``other_deployment``
    answers for a deployment that is not the request's (see ``_other_deployment``)."""
    target = target_of(ctx)
    rec = target.launcher.launch(DEEP_LINKING)
    if rec.outcome != RECEIVED or rec.claims is None:
        return rec, None, None
    claims = target.launcher.deep_link_response(rec.claims, echo_data=echo_data, audience=audience)
    if other_deployment:
        claims[vocab.CLAIM_DEPLOYMENT_ID] = _other_deployment(ctx, rec.claims.get(vocab.CLAIM_DEPLOYMENT_ID))
    for name, value in claims_edit.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    token = target.services.sign(claims, forged=forged)
    return rec, target.launcher.post_deep_link(rec, token), token


def _other_deployment(ctx: CheckContext, asked: Any) -> str:
    """Another deployment of this Tool when the target file lists one, else an unregistered id.

    The registered one is the stronger case: a Platform that only asks "is this one of the Tool's
    deployments?" accepts it, although the response belongs to another integration [DL §4.5.4]."""
    others = [d for d in target_of(ctx).config.platform.deployment_ids if d != asked]
    return others[0] if others else "renkei-other-deployment"


def _report_dl(ctx: CheckContext, rec: LaunchRecord, result: PostResult | None, want: str, en: str, ja: str) -> None:
    if result is None:
        ctx.fail("The Deep Linking launch did not complete: " + rec.en, ja="ディープリンク起動が完了しません: " + rec.ja,
                 endpoint=rec.endpoint, method=rec.method)
    elif result.outcome == ERROR:
        ctx.fail("The Deep Linking response could not be posted: " + result.en,
                 ja="ディープリンク応答を送信できませんでした: " + result.ja, endpoint=result.endpoint, method="POST")
    elif result.outcome != want:
        status = None if result.status is None else f"HTTP {result.status} ({result.outcome})"
        ctx.fail(en, ja=ja, endpoint=result.endpoint, method="POST", value=status)


@platform_check("lti.platform.dl.response_accepted", "LTI-DL §2.3, §4.5; LTI-SEC §5.2", "error",
        ("正しいディープリンク応答を受け付ける", "Accepts a valid Deep Linking response"),
        ("ハーネスが署名した正しい LtiDeepLinkingResponse (data を返送、ltiResourceLink 1 件) を deep_link_return_url へ"
         "送り、受け付けられることを確認します (受理・拒否の見分け方は対象ファイルの observation)。",
         "Posts a valid LtiDeepLinkingResponse signed by the harness (data echoed, one ltiResourceLink) to "
         "deep_link_return_url and expects acceptance (accept/reject per the target file's observation rules)."))
def check_dl_accepted(ctx: CheckContext) -> None:
    _dl_offered(ctx)
    rec, result, _ = _dl_exchange(ctx)
    _report_dl(ctx, rec, result, ACCEPTED, "The Platform did not accept a valid Deep Linking response.",
               "プラットフォームが正しいディープリンク応答を受け付けませんでした。")


def _dl_reject_check(ctx: CheckContext, en: str, ja: str, **kw: Any) -> None:
    """A fresh Deep Linking launch answered with a broken response (see ``_dl_exchange``) must be rejected."""
    _dl_offered(ctx)
    rec, result, _ = _dl_exchange(ctx, **kw)
    _report_dl(ctx, rec, result, REJECTED, en, ja)


@platform_check("lti.platform.dl.forged_signature", "LTI-SEC §5.2.3", "error",
        ("偽造署名のディープリンク応答を拒否する", "Rejects a forged Deep Linking response signature"),
        ("ハーネスの kid で別の鍵が署名したディープリンク応答を拒否しなければなりません。",
         "A Deep Linking response signed by another key under the harness's kid MUST be rejected."))
def check_dl_forged(ctx: CheckContext) -> None:
    _dl_reject_check(ctx, "The Platform accepted a Deep Linking response with a forged signature.",
                     "プラットフォームが偽造署名のディープリンク応答を受け付けました。", forged=True)


@platform_check("lti.platform.dl.wrong_aud", "LTI-SEC §5.2.3", "error",
        ("aud が異なるディープリンク応答を拒否する", "Rejects a Deep Linking response with a wrong aud"),
        ("aud にプラットフォームの発行者を含まないディープリンク応答を拒否しなければなりません。",
         "A Deep Linking response whose aud does not contain the Platform's issuer MUST be rejected."))
def check_dl_wrong_aud(ctx: CheckContext) -> None:
    _dl_reject_check(ctx, "The Platform accepted a Deep Linking response addressed to another audience.",
                     "プラットフォームが別の宛先 (aud) のディープリンク応答を受け付けました。",
                     audience="https://not-this-platform.renkei.invalid")


@platform_check("lti.platform.dl.no_exp", "LTI-SEC §5.2.2, §5.2.3-7", "error",
        ("exp のないディープリンク応答を拒否する", "Rejects a Deep Linking response without exp"),
        ("ツール発のメッセージに exp は必須で、プラットフォームは現在時刻が exp より前であることを確かめなければなりません。"
         "exp のない応答は期限を確かめられないため、拒否しなければなりません。",
         "exp is REQUIRED in a tool-originating message and the Platform MUST check that the current time is before "
         "it; a response without exp cannot pass that check and MUST be rejected."))
def check_dl_no_exp(ctx: CheckContext) -> None:
    _dl_reject_check(ctx, "The Platform accepted a Deep Linking response without exp.",
                     "プラットフォームが exp のないディープリンク応答を受け付けました。", exp=None)


@platform_check("lti.platform.dl.no_nonce", "LTI-SEC §5.2.2, §5.2.3-9", "error",
        ("nonce のないディープリンク応答を拒否する", "Rejects a Deep Linking response without nonce"),
        ("ツール発のメッセージは nonce を含まなければならず (MUST)、プラットフォームはその有無を確かめます。"
         "nonce のない応答は再送を見分けられないため、拒否しなければなりません。",
         "A tool-originating message MUST contain a nonce and the Platform checks it; a response without nonce "
         "cannot be told from a replay and MUST be rejected."))
def check_dl_no_nonce(ctx: CheckContext) -> None:
    _dl_reject_check(ctx, "The Platform accepted a Deep Linking response without nonce.",
                     "プラットフォームが nonce のないディープリンク応答を受け付けました。", nonce=None)


@platform_check("lti.platform.dl.wrong_iss", "LTI-SEC §5.2.2, §5.2.3-2", "error",
        ("iss が client_id でないディープリンク応答を拒否する", "Rejects a Deep Linking response with a wrong iss"),
        ("ツール発のメッセージの iss はツールの client_id で、プラットフォームはそれを確かめなければなりません。"
         "ハーネスの鍵で正しく署名され、iss だけが未登録の client_id の応答を拒否することを確認します。",
         "The iss of a tool-originating message is the Tool's client_id and the Platform MUST verify it. A "
         "response correctly signed with the harness key whose iss alone names an unregistered client must be "
         "rejected."))
def check_dl_wrong_iss(ctx: CheckContext) -> None:
    _dl_reject_check(ctx, "The Platform accepted a Deep Linking response whose iss is not the client_id.",
                     "プラットフォームが iss が client_id ではないディープリンク応答を受け付けました。",
                     iss="renkei-unregistered-client")


@platform_check("lti.platform.dl.other_deployment", "LTI-DL §4.5.4; LTI-CORE §3.1.3", "error",
        ("別のデプロイメントのディープリンク応答を拒否する", "Rejects a Deep Linking response for another deployment"),
        ("deployment_id はメッセージを統括する連携 (デプロイメント) を示す必須クレームで、応答の値は要求と同じでなければ"
         "なりません。対象ファイルの platform.deployment_ids に別のデプロイメントがあればその値を、なければ未登録の値を"
         "持つ応答を送り、拒否されることを確認します。デプロイメントを 2 つ以上書いておくと、「このツールのデプロイメント"
         "か」だけを確かめて「要求と同じか」を確かめないプラットフォームも見つけられます。",
         "deployment_id is the REQUIRED claim naming the integration that governs the message, and a response's "
         "value must be the request's. The harness answers for another deployment listed in the target file's "
         "platform.deployment_ids, or for an unregistered one when only one is listed, and expects a rejection. List "
         "two or more deployments to also catch a Platform that checks only that the deployment is the Tool's, not "
         "that it is the request's."))
def check_dl_other_deployment(ctx: CheckContext) -> None:
    _dl_reject_check(ctx, "The Platform accepted a Deep Linking response for a deployment that is not the request's.",
                     "プラットフォームが要求とは別のデプロイメントのディープリンク応答を受け付けました。",
                     other_deployment=True)


@platform_check("lti.platform.dl.missing_data", "LTI-DL §4.5.5", "error",
        ("data を返送しない応答を拒否する", "Rejects a response that does not echo data"),
        ("要求に data がある場合、応答は同じ data を返さなければなりません。返さない応答はプラットフォームが拒否すべきです。",
         "When the request carried data, the response MUST echo it; a response without it is to be rejected."))
def check_dl_missing_data(ctx: CheckContext) -> None:
    _dl_offered(ctx)
    rec = launch_of(ctx, DEEP_LINKING)
    settings = (rec.claims or {}).get(vocab.CLAIM_DL_SETTINGS)
    if rec.outcome == RECEIVED and not (isinstance(settings, dict) and "data" in settings):
        ctx.skip("the Platform's Deep Linking request carries no data, so there is nothing to echo")
    _dl_reject_check(ctx, "The Platform accepted a Deep Linking response that does not echo data.",
                     "プラットフォームが data を返送しないディープリンク応答を受け付けました。", echo_data=False)


@platform_check("lti.platform.dl.nonce_replay", "LTI-SEC §5.2.3", "warning",
        ("再送されたディープリンク応答を拒否する", "Rejects a replayed Deep Linking response"),
        ("受け付けた応答をそのまま再送し、使用済み nonce として拒否されることを確認します (SHOULD のため警告)。",
         "Posts an accepted response a second time; the used nonce SHOULD make the Platform reject it (SHOULD, "
         "hence a warning)."))
def check_dl_replay(ctx: CheckContext) -> None:
    _dl_offered(ctx)
    rec, first, token = _dl_exchange(ctx)
    if first is None or token is None or first.outcome != ACCEPTED:
        _report_dl(ctx, rec, first, ACCEPTED, "Cannot judge a replay: the valid Deep Linking response was not "
                   "accepted (see lti.platform.dl.response_accepted).",
                   "再送を判定できません: 正しいディープリンク応答が受け付けられませんでした (lti.platform.dl.response_accepted を参照)。")
        return
    again = target_of(ctx).launcher.post_deep_link(rec, token)
    _report_dl(ctx, rec, again, REJECTED, "The Platform accepted a replayed Deep Linking response.",
               "プラットフォームが再送されたディープリンク応答を受け付けました。")
