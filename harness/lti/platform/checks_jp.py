"""Certification-scope and Japanese standard-model checks of the ``lti13-platform`` profiles.

[CERT §2]: Platforms are only certified as LTI Advantage Complete (Core + DL + NRPS + AGS). The
Japanese overlay (学習eポータル標準モデル) rules come from secondary sources only (reference lti.md §5:
public sample tools and a third-party V5.00 test system), so every one is a warning and says so.
"""

from __future__ import annotations

import re
import uuid

from renkei.harness.core.context import CheckContext
from renkei.harness.jp.codes import is_valid_school_code
from renkei.harness.lti.platform.checks_base import (
    fail_at,
    is_url,
    platform_check,
    received,
    roles_of,
    target_of,
)
from renkei.harness.lti.platform.config import DEEP_LINKING
from renkei.harness.lti.protocol import vocab


# --- certification scope [CERT §2] -----------------------------------------------------------
@platform_check("lti.platform.cert.advantage_complete", "CERT §2", "warning",
        ("LTI Advantage Complete (DL + NRPS + AGS) を提供", "Offers LTI Advantage Complete (DL + NRPS + AGS)"),
        ("プラットフォームの認定は LTI Advantage Complete (Core + ディープリンク + NRPS + AGS) のみです。"
         "対象ファイルが提供を宣言していないサービスを警告します。",
         "Platforms can only be certified as LTI Advantage Complete (Core + Deep Linking + NRPS + AGS); services the "
         "target file does not declare are reported as a warning."))
def check_advantage_complete(ctx: CheckContext) -> None:
    services = target_of(ctx).config.platform.services
    for name in ("deep_linking", "nrps", "ags"):
        if not getattr(services, name):
            ctx.fail("The target file does not declare this LTI Advantage service as offered.",
                     ja="対象ファイルがこの LTI Advantage サービスの提供を宣言していません。", column=f"platform.services.{name}")


# --- Japanese standard-model overlay (secondary sources -> warnings) ---------------------------
_JP_NOTE_JA = "出典は二次資料 (公開サンプル、第三者の V5.00 試験システム) で、標準モデル本文は未確認のため警告です。"
_JP_NOTE_EN = ("Source: secondary (public sample tools, a third-party V5.00 test system); the standard-model text "
               "is not verified, hence a warning.")


@platform_check("lti.platform.jp.sub_uuid_v4", "学習eポータル標準モデル (secondary: reference lti.md §5)", "warning",
        ("sub が UUID v4", "sub is a UUID v4"),
        ("標準モデルでは sub が UUID v4 とされています。" + _JP_NOTE_JA, "The standard model is said to require sub to be a "
         "UUID v4. " + _JP_NOTE_EN))
def check_jp_sub(ctx: CheckContext) -> None:
    for rec in received(ctx):
        sub = (rec.claims or {}).get("sub")
        try:
            ok = isinstance(sub, str) and uuid.UUID(sub).version == 4 and str(uuid.UUID(sub)) == sub.lower()
        except ValueError:
            ok = False
        if not ok:
            fail_at(ctx, rec, "Claim sub is not a UUID v4.", "sub が UUID v4 ではありません。", claim="sub", value=sub)


@platform_check("lti.platform.jp.full_uri_roles", "学習eポータル標準モデル (secondary: reference lti.md §5)", "warning",
        ("ロールはフル URI", "Roles are full URIs"),
        ("標準モデルではロールをフル URI で送るとされています。" + _JP_NOTE_JA,
         "The standard model is said to require full-URI roles. " + _JP_NOTE_EN))
def check_jp_roles(ctx: CheckContext) -> None:
    for rec in received(ctx):
        for role in roles_of(rec):
            if not is_url(role) or vocab.role_kind(role) == "deprecated":
                fail_at(ctx, rec, "A role is not a full URI.", "フル URI ではないロールがあります。", claim=vocab.CLAIM_ROLES,
                        value=role)


_DEPLOYMENT_RE = re.compile(r"^S_([A-Z0-9]{13})$")


@platform_check("lti.platform.jp.deployment_school_code", "学習eポータル標準モデル (secondary: reference lti.md §5)", "warning",
        ("deployment_id は S_ + 学校コード", "deployment_id is S_ + 学校コード"),
        ("標準モデルでは deployment_id を接頭辞 S_ + 学校コード (検査数字付き 13 桁) とするとされています。" + _JP_NOTE_JA,
         "The standard model is said to use S_ + the 13-character 学校コード (with check digit) as deployment_id. "
         + _JP_NOTE_EN))
def check_jp_deployment(ctx: CheckContext) -> None:
    for rec in received(ctx):
        dep = (rec.claims or {}).get(vocab.CLAIM_DEPLOYMENT_ID)
        m = _DEPLOYMENT_RE.match(dep) if isinstance(dep, str) else None
        if m is None or not is_valid_school_code(m.group(1)):
            fail_at(ctx, rec, "deployment_id is not S_ followed by a valid 学校コード.",
                    "deployment_id が S_ + 正しい学校コードではありません。", claim=vocab.CLAIM_DEPLOYMENT_ID, value=dep)


@platform_check("lti.platform.jp.deep_linking_offered", "学習eポータル標準モデル (secondary: reference lti.md §5)", "warning",
        ("ディープリンクを提供", "Deep Linking is offered"),
        ("標準モデルは LTI Core とディープリンクを規定しているとされます。対象ファイルがディープリンクの提供と起動シナリオを"
         "宣言していることを確認します。" + _JP_NOTE_JA,
         "The standard model is said to specify LTI Core and Deep Linking; the target file must declare Deep Linking "
         "and a deep_linking scenario. " + _JP_NOTE_EN))
def check_jp_dl(ctx: CheckContext) -> None:
    cfg = target_of(ctx).config
    if not cfg.platform.services.deep_linking:
        ctx.fail("The target file does not declare Deep Linking as offered.", ja="対象ファイルがディープリンクの提供を宣言していません。",
                 column="platform.services.deep_linking")
    if not cfg.offers(DEEP_LINKING):
        ctx.fail("The target file has no deep_linking launch scenario.", ja="対象ファイルに deep_linking 起動シナリオがありません。",
                 column="launches.scenarios.deep_linking")
