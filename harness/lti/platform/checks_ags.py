"""AGS 2.0 checks of the ``lti13-platform`` profiles and the per-endpoint scope check.

Replays the certification suite's flow [CERT §5.4]: learner launches in two contexts; a token with
only the lineitem scope creates line items 1 and 2 (context 1) and 3 (context 2); a score-only
token posts scores to items 3 and 1; a result.readonly-only token reads their results. Each step
is judged against [AGS §3.2-§3.4] (201 with id, media types, filters, Link paging). The flow runs
once per target (shared) so the checks talk about the same line items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.lti.platform.checks_base import is_url, launch_of, platform_check, target_of
from renkei.harness.lti.platform.checks_services import (
    DENIED,
    MIN_PAGES,
    SCORE_OK,
    at,
    bearer,
    body_json,
    call,
    launch_missing,
    need,
    nrps_claim,
    read_pages,
    safe_json,
    with_params,
    with_path_suffix,
)
from renkei.harness.lti.platform.config import STUDENT, STUDENT_OTHER_CONTEXT
from renkei.harness.lti.platform.launch import RECEIVED, LaunchRecord
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.claims import is_json_number
from renkei.harness.lti.protocol.http import ApiResponse
from renkei.harness.lti.protocol.timestamps import utc_timestamp


# --- AGS 2.0 [AGS §3], certification flow [CERT §5.4] ----------------------------------------
def ags_claim(rec: LaunchRecord) -> dict[str, Any] | None:
    claim = (rec.claims or {}).get(vocab.CLAIM_AGS)
    return claim if isinstance(claim, dict) else None


@platform_check("lti.platform.ags.claim", "LTI-AGS §3.1", "error",
        ("起動に AGS エンドポイントクレームがある", "Launches carry the AGS endpoint claim"),
        ("AGS を提供する場合、学習者の起動に endpoint クレーム (scope 配列、lineitems URL、lineitem は URL) があることを確認します。",
         "When AGS is offered, the learner launch carries the endpoint claim with a scope array, a lineitems URL "
         "and, when present, a lineitem URL."))
def check_ags_claim(ctx: CheckContext) -> None:
    need(ctx, "ags")
    for scenario in (STUDENT, STUDENT_OTHER_CONTEXT):
        if not target_of(ctx).config.offers(scenario):
            continue
        rec = launch_of(ctx, scenario)
        if launch_missing(ctx, rec):
            continue
        claim = ags_claim(rec)
        if claim is None:
            ctx.fail(f"[{scenario}] The launch has no AGS endpoint claim.", ja=f"[{scenario}] 起動に AGS endpoint クレームがありません。",
                     claim=vocab.CLAIM_AGS, endpoint=rec.endpoint, method=rec.method)
            continue
        scopes = claim.get("scope")
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            ctx.fail(f"[{scenario}] scope is not an array of strings.", ja=f"[{scenario}] scope が文字列の配列ではありません。",
                     claim=vocab.CLAIM_AGS + ".scope")
        if not is_url(claim.get("lineitems")):
            ctx.fail(f"[{scenario}] lineitems is missing or not an absolute URL.",
                     ja=f"[{scenario}] lineitems がないか絶対 URL ではありません。", claim=vocab.CLAIM_AGS + ".lineitems")
        if "lineitem" in claim and not is_url(claim["lineitem"]):
            ctx.fail(f"[{scenario}] lineitem is not an absolute URL.", ja=f"[{scenario}] lineitem が絶対 URL ではありません。",
                     claim=vocab.CLAIM_AGS + ".lineitem")


@dataclass
class AgsSetup:
    """Line items the flow created: name -> (lineitems URL, sent body, response)."""

    urls: dict[str, str] = field(default_factory=dict)  # "ctx1"/"ctx2" -> lineitems URL
    subs: dict[str, str] = field(default_factory=dict)  # "ctx1"/"ctx2" -> learner sub
    created: dict[str, tuple[str, dict[str, Any], ApiResponse | None]] = field(default_factory=dict)

    def item(self, name: str) -> dict[str, Any] | None:
        resp = self.created.get(name, ("", {}, None))[2]
        if resp is None or resp.status not in (200, 201):
            return None
        try:
            body = resp.json()
        except BrowserError:
            return None
        return body if isinstance(body, dict) and isinstance(body.get("id"), str) else None


def _line_item(name: str, ctx_key: str) -> dict[str, Any]:
    return {"label": f"renkei 課題 {name}", "scoreMaximum": 10, "resourceId": f"renkei-{name}",
            "tag": f"renkei-tag-{ctx_key}" if name != "item2" else "renkei-tag-other"}


def ags_setup(ctx: CheckContext) -> AgsSetup:
    """[CERT §5.4] step 1: a lineitem-scope token creates items 1 and 2 (context 1) and 3 (context 2)."""
    target = target_of(ctx)

    def build() -> AgsSetup:
        setup = AgsSetup()
        for key, scenario in (("ctx1", STUDENT), ("ctx2", STUDENT_OTHER_CONTEXT)):
            if not target.config.offers(scenario):
                continue
            rec = launch_of(ctx, scenario)
            claim = ags_claim(rec) if rec.outcome == RECEIVED else None
            if claim is not None and is_url(claim.get("lineitems")) and isinstance((rec.claims or {}).get("sub"), str):
                setup.urls[key] = claim["lineitems"]
                setup.subs[key] = rec.claims["sub"]  # type: ignore[index]
        if "ctx1" not in setup.urls:
            return setup
        token = target.services.token(vocab.SCOPE_AGS_LINEITEM).access_token
        if token is None:
            return setup
        plan = [("item1", "ctx1"), ("item2", "ctx1"), ("item3", "ctx2" if "ctx2" in setup.urls else "ctx1")]
        for name, key in plan:
            body = _line_item(name, key)
            try:
                resp: ApiResponse | None = target.services.call(
                    "POST", setup.urls[key], token=token, json_body=body, content_type=vocab.MEDIA_AGS_LINEITEM,
                    accept=vocab.MEDIA_AGS_LINEITEM)
            except BrowserError:
                resp = None
            setup.created[name] = (setup.urls[key], body, resp)
        return setup

    return target.shared("ags_setup", build)  # type: ignore[no-any-return]


def _ags_ready(ctx: CheckContext) -> AgsSetup | None:
    need(ctx, "ags")
    setup = ags_setup(ctx)
    if "ctx1" not in setup.urls:
        rec = launch_of(ctx, STUDENT)
        if not launch_missing(ctx, rec):
            ctx.fail("The learner launch has no usable AGS lineitems URL (see lti.platform.ags.claim).",
                     ja="学習者の起動に使用可能な AGS lineitems URL がありません (lti.platform.ags.claim を参照)。", claim=vocab.CLAIM_AGS)
        return None
    if not setup.created:
        bearer(ctx, vocab.SCOPE_AGS_LINEITEM)
        if not ctx.count:
            ctx.fail("No line item could be created.", ja="ラインアイテムを作成できませんでした。", **at(setup.urls["ctx1"], "POST"))
        return None
    return setup


@platform_check("lti.platform.ags.lineitems", "LTI-AGS §3.2.5, §3.2.6; CERT §5.4", "error",
        ("ラインアイテムの作成・取得・更新", "Line item create, read and update"),
        ("lineitem スコープだけのトークンでラインアイテムを作成し (201、id 付き、resourceId/tag はそのまま)、id の URL で取得し、"
         "PUT で更新できることを確認します。",
         "With a lineitem-only token: POST creates line items (201 with id, resourceId/tag unchanged, line item "
         "media type), GET on the id returns it, PUT replaces it."))
def check_ags_lineitems(ctx: CheckContext) -> None:
    setup = _ags_ready(ctx)
    if setup is None:
        return
    for name, (url, sent, resp) in setup.created.items():
        if resp is None:
            ctx.fail(f"Creating {name} failed (no HTTP answer).", ja=f"{name} の作成に失敗しました (HTTP 応答なし)。", **at(url, "POST"))
            continue
        if resp.status != 201:
            ctx.fail(f"Creating {name} did not answer 201 Created.", ja=f"{name} の作成が 201 Created ではありません。",
                     value=f"HTTP {resp.status}", **at(url, "POST"))
            continue
        item = setup.item(name)
        if item is None or not is_url(item.get("id")):
            ctx.fail(f"The created {name} has no id URL.", ja=f"作成した {name} に id (URL) がありません。", **at(url, "POST"))
            continue
        for field_name in ("resourceId", "tag"):
            if item.get(field_name) != sent[field_name]:
                ctx.fail(f"The Platform changed {field_name} of {name}.", ja=f"{name} の {field_name} が変更されています。",
                         value=item.get(field_name), **at(url, "POST"))
    item1 = setup.item("item1")
    token = bearer(ctx, vocab.SCOPE_AGS_LINEITEM)
    if item1 is None or token is None:
        return
    got = call(ctx, "GET", item1["id"], token=token, accept=vocab.MEDIA_AGS_LINEITEM)
    if got is not None:
        body = body_json(ctx, got) if got.status == 200 else None
        if got.status != 200 or not isinstance(body, dict) or body.get("resourceId") != "renkei-item1":
            ctx.fail("GET on the line item id does not return the line item.", ja="ラインアイテム id への GET がラインアイテムを返しません。",
                     value=f"HTTP {got.status}", **at(item1["id"], "GET"))
        elif got.media_type != vocab.MEDIA_AGS_LINEITEM:
            ctx.fail("The line item media type is wrong.", ja="ラインアイテムのメディアタイプが誤りです。", value=got.media_type,
                     **at(item1["id"], "GET"))
    updated = {k: v for k, v in item1.items()} | {"label": "renkei 課題 item1 (更新)"}
    put = call(ctx, "PUT", item1["id"], token=token, json_body=updated, content_type=vocab.MEDIA_AGS_LINEITEM,
               accept=vocab.MEDIA_AGS_LINEITEM)
    if put is not None:
        body = body_json(ctx, put) if put.status == 200 else None
        if put.status != 200 or not isinstance(body, dict) or body.get("label") != updated["label"]:
            ctx.fail("PUT on the line item did not replace it.", ja="ラインアイテムへの PUT で更新されません。", value=f"HTTP {put.status}",
                     **at(item1["id"], "PUT"))


@platform_check("lti.platform.ags.container_filters", "LTI-AGS §3.2.4", "error",
        ("ラインアイテムコンテナーとフィルター", "Line item container and filters"),
        ("コンテナーが lineitemcontainer のメディアタイプで配列を返し、tag と resource_id のフィルターが一致する項目だけを返し、"
         "一致しない場合は空配列を返すことを確認します。",
         "The container answers with the line item container media type and an array; the tag and resource_id "
         "filters return exactly the matching items; no match gives an empty array."))
def check_ags_filters(ctx: CheckContext) -> None:
    setup = _ags_ready(ctx)
    token = bearer(ctx, vocab.SCOPE_AGS_LINEITEM) if setup is not None else None
    if setup is None or token is None:
        return
    url = setup.urls["ctx1"]
    cases = [({}, None), ({"tag": "renkei-tag-ctx1"}, ("tag", "renkei-tag-ctx1")),
             ({"resource_id": "renkei-item2"}, ("resourceId", "renkei-item2")),
             ({"tag": "renkei-no-such-tag"}, ("tag", "renkei-no-such-tag"))]
    for query, expect in cases:
        target_url = with_params(url, **query) if query else url
        resp = call(ctx, "GET", target_url, token=token, accept=vocab.MEDIA_AGS_LINEITEM_CONTAINER)
        if resp is None:
            continue
        body = body_json(ctx, resp) if resp.status == 200 else None
        if resp.status != 200 or not isinstance(body, list):
            ctx.fail("The line item container did not answer 200 with an array.", ja="ラインアイテムコンテナーが 200 と配列で応答しません。",
                     value=f"HTTP {resp.status}", **at(target_url, "GET"))
            continue
        if resp.media_type != vocab.MEDIA_AGS_LINEITEM_CONTAINER:
            ctx.fail("The container media type is wrong.", ja="コンテナーのメディアタイプが誤りです。", value=resp.media_type,
                     **at(target_url, "GET"))
        if expect is None:
            continue
        field_name, value = expect
        wrong = [i for i, item in enumerate(body) if not isinstance(item, dict) or item.get(field_name) != value]
        if wrong:
            ctx.fail("The filter returned items that do not match it.", ja="フィルターに一致しない項目が返されました。",
                     value=str(len(wrong)), **at(target_url, "GET"))
        if value != "renkei-no-such-tag" and not body and not resp.link("next"):
            ctx.fail("The filter returned no item although one matches.", ja="一致する項目があるのにフィルター結果が空です。",
                     **at(target_url, "GET"))


def _paging_items(ctx: CheckContext, setup: AgsSetup, token: str) -> set[str]:
    """Ids of at least ``MIN_PAGES`` line items of context 1: the flow's, plus as many extra ones as
    needed (created once per target, with their own tag so the filter checks never see them)."""
    url = setup.urls["ctx1"]

    def create() -> set[str]:
        ids = {item["id"] for name in setup.created if setup.created[name][0] == url
               and (item := setup.item(name)) is not None}
        for n in range(1, MIN_PAGES + 1):
            if len(ids) >= MIN_PAGES:
                break
            body = {"label": f"renkei ページング {n}", "scoreMaximum": 10, "resourceId": f"renkei-paging-{n}",
                    "tag": "renkei-tag-paging"}
            resp = call(ctx, "POST", url, token=token, json_body=body, content_type=vocab.MEDIA_AGS_LINEITEM,
                        accept=vocab.MEDIA_AGS_LINEITEM)
            created = safe_json(resp) if resp is not None and resp.status == 201 else None
            if isinstance(created, dict) and isinstance(created.get("id"), str):
                ids.add(created["id"])
        return ids

    return target_of(ctx).shared("ags_paging_items", create)  # type: ignore[no-any-return]


@platform_check("lti.platform.ags.paging", "LTI-AGS §3.2.4, RFC 8288", "error",
        ("ラインアイテムの limit と Link rel=next", "Line item limit and Link rel=next paging"),
        ("コンテキストにラインアイテムが 3 件以上あるようにし (足りなければ作成)、limit=1 で各ページが 1 件以下で、"
         "Link: rel=\"next\" を最後までたどると作成した全ラインアイテムに到達することを確認します。3 ページ目以降"
         "だけで壊れるページングも見つかります。",
         "Makes sure the context holds at least three line items (creating the missing ones), then with limit=1 "
         "every page holds at most one line item and following Link rel=\"next\" to the end reaches every line "
         "item created there; paging that breaks only from the third page on is caught."),
        params={"max_pages": 500})
def check_ags_paging(ctx: CheckContext) -> None:
    setup = _ags_ready(ctx)
    token = bearer(ctx, vocab.SCOPE_AGS_LINEITEM) if setup is not None else None
    if setup is None or token is None:
        return
    url = setup.urls["ctx1"]
    wanted = _paging_items(ctx, setup, token)
    if len(wanted) < MIN_PAGES:
        ctx.fail(f"Fewer than {MIN_PAGES} line items could be created, so paging cannot be judged.",
                 ja=f"ラインアイテムを {MIN_PAGES} 件作成できなかったため、ページングを判定できません。",
                 value=str(len(wanted)), **at(url, "POST"))
        return
    pages = read_pages(ctx, with_params(url, limit="1"), token, vocab.MEDIA_AGS_LINEITEM_CONTAINER, None,
                       int(ctx.params.get("max_pages", 500)))
    for resp in pages.responses:
        body = safe_json(resp) if resp.status == 200 else None
        if isinstance(body, list) and len(body) > 1:
            ctx.fail("A page holds more line items than limit=1.", ja="ページの項目数が limit=1 を超えています。",
                     value=str(len(body)), **at(resp.url, "GET"))
    got = {i.get("id") for i in pages.items if isinstance(i, dict)}
    if pages.complete and not wanted <= got:
        ctx.fail("Following rel=\"next\" does not reach every line item (missing or no Link header).",
                 ja="rel=\"next\" をたどっても全ラインアイテムに到達しません (Link ヘッダーがないか不足)。",
                 value=f"{len(wanted & got)}/{len(wanted)} after {len(pages.responses)} pages", **at(url, "GET"))


def ags_scores(ctx: CheckContext) -> list[tuple[str, str, dict[str, Any], ApiResponse | BrowserError]]:
    """[CERT §5.4]: a score-only token posts to item 3 (context 2) and item 1 (context 1). Shared."""
    target = target_of(ctx)

    def post() -> list[tuple[str, str, dict[str, Any], ApiResponse | BrowserError]]:
        setup = ags_setup(ctx)
        token = target.services.token(vocab.SCOPE_AGS_SCORE).access_token
        done: list[tuple[str, str, dict[str, Any], ApiResponse | BrowserError]] = []
        if token is None:
            return done
        for name, key in (("item3", "ctx2" if "ctx2" in setup.urls else "ctx1"), ("item1", "ctx1")):
            item = setup.item(name)
            if item is None or key not in setup.subs:
                continue
            score = {"userId": setup.subs[key], "scoreGiven": 7, "scoreMaximum": 10, "comment": "renkei",
                     "timestamp": utc_timestamp(target.clock()), "activityProgress": "Completed", "gradingProgress": "FullyGraded"}
            url = with_path_suffix(item["id"], "/scores")
            try:
                result: ApiResponse | BrowserError = target.services.call(
                    "POST", url, token=token, json_body=score, content_type=vocab.MEDIA_AGS_SCORE)
            except BrowserError as exc:
                result = exc
            done.append((name, url, score, result))
        return done

    return target.shared("ags_scores", post)  # type: ignore[no-any-return]


@platform_check("lti.platform.ags.scores", "LTI-AGS §3.4; CERT §5.4", "error",
        ("スコアの送信", "Score publishing"),
        ("score スコープだけのトークンで、2 つ目のコンテキストの項目 3 と 1 つ目の項目 1 にスコア "
         "(application/vnd.ims.lis.v1.score+json) を送り、200/201/202/204 で受け付けられることを確認します。",
         "With a score-only token, scores (application/vnd.ims.lis.v1.score+json) posted to item 3 (second "
         "context) and item 1 (first context) are accepted with 200/201/202/204."))
def check_ags_scores(ctx: CheckContext) -> None:
    setup = _ags_ready(ctx)
    if setup is None or bearer(ctx, vocab.SCOPE_AGS_SCORE) is None:
        return
    posted = ags_scores(ctx)
    if not posted:
        ctx.fail("No score could be posted (no created line item or learner sub).",
                 ja="スコアを送信できませんでした (作成済みラインアイテムまたは学習者の sub がありません)。", **at(setup.urls["ctx1"], "POST"))
    for name, url, _, result in posted:
        if isinstance(result, BrowserError):
            ctx.fail(f"Posting the score to {name} failed: " + result.en, ja=f"{name} へのスコア送信に失敗しました: " + result.ja,
                     **at(url, "POST"))
        elif result.status not in SCORE_OK:
            ctx.fail(f"The score for {name} was not accepted.", ja=f"{name} のスコアが受け付けられません。",
                     value=f"HTTP {result.status}", **at(url, "POST"))


@platform_check("lti.platform.ags.results", "LTI-AGS §3.3; CERT §5.4", "error",
        ("結果の取得", "Result retrieval"),
        ("result.readonly スコープだけのトークンで項目 3 と項目 1 の結果を取得し、resultcontainer のメディアタイプで、"
         "送ったスコアの利用者 (userId) と点数が含まれることを確認します。",
         "With a result.readonly-only token, the results of items 3 and 1 answer with the result container media "
         "type and include the scored user (userId) with the posted score."))
def check_ags_results(ctx: CheckContext) -> None:
    setup = _ags_ready(ctx)
    if setup is None:
        return
    posted = [p for p in ags_scores(ctx) if isinstance(p[3], ApiResponse) and p[3].status in SCORE_OK]
    if not posted:
        ctx.fail("No score was accepted, so results cannot be checked (see lti.platform.ags.scores).",
                 ja="受け付けられたスコアがないため結果を確認できません (lti.platform.ags.scores を参照)。", **at(setup.urls["ctx1"], "GET"))
        return
    token = bearer(ctx, vocab.SCOPE_AGS_RESULT_READONLY)
    if token is None:
        return
    for name, _, score, _ in posted:
        item = setup.item(name)
        assert item is not None  # a score was posted to it
        url = with_path_suffix(item["id"], "/results")
        resp = call(ctx, "GET", url, token=token, accept=vocab.MEDIA_AGS_RESULT_CONTAINER)
        if resp is None:
            continue
        body = body_json(ctx, resp) if resp.status == 200 else None
        if resp.status != 200 or not isinstance(body, list):
            ctx.fail("The results container did not answer 200 with an array.", ja="結果コンテナーが 200 と配列で応答しません。",
                     value=f"HTTP {resp.status}", **at(url, "GET"))
            continue
        if resp.media_type != vocab.MEDIA_AGS_RESULT_CONTAINER:
            ctx.fail("The results media type is wrong.", ja="結果のメディアタイプが誤りです。", value=resp.media_type, **at(url, "GET"))
        mine = [r for r in body if isinstance(r, dict) and r.get("userId") == score["userId"]]
        if not mine:
            ctx.fail("The scored user has no result.", ja="スコアを送った利用者の結果がありません。", **at(url, "GET"))
            continue
        result = mine[0]
        if not isinstance(result.get("id"), str) or not isinstance(result.get("scoreOf"), str):
            ctx.fail("The result lacks id or scoreOf.", ja="結果に id または scoreOf がありません。", **at(url, "GET"))
        given, maximum = result.get("resultScore"), result.get("resultMaximum", 1)
        numeric = is_json_number(given) and is_json_number(maximum) and maximum
        if numeric and abs(given / maximum - score["scoreGiven"] / score["scoreMaximum"]) > 1e-6:
                ctx.fail("The result does not reflect the posted score.", ja="結果が送ったスコアを反映していません。",
                         value=f"{given}/{maximum}", **at(url, "GET"))


@platform_check("lti.platform.svc.scope_enforced", "LTI-SEC §4.1; LTI-AGS §3.2-§3.4; LTI-NRPS 2.0", "error",
        ("トークンのスコープをエンドポイントごとに強制する", "Token scopes are enforced per endpoint"),
        ("トークンなしの要求は 401、score スコープだけのトークンによるラインアイテムや名簿の読み取り、lineitem スコープだけの"
         "トークンによる結果の読み取りは 401/403 で拒否されることを確認します。",
         "A request without a token gets 401; a score-only token cannot read line items or the roster and a "
         "lineitem-only token cannot read results (401/403)."))
def check_scope_enforced(ctx: CheckContext) -> None:
    need(ctx, "any")
    services = target_of(ctx).config.platform.services
    probes: list[tuple[str, str | None, str]] = []  # (url, token scope or None, accept)
    if services.ags:
        setup = ags_setup(ctx)
        if "ctx1" in setup.urls:
            probes += [(setup.urls["ctx1"], None, vocab.MEDIA_AGS_LINEITEM_CONTAINER),
                       (setup.urls["ctx1"], vocab.SCOPE_AGS_SCORE, vocab.MEDIA_AGS_LINEITEM_CONTAINER)]
            item1 = setup.item("item1")
            if item1 is not None:
                probes.append((with_path_suffix(item1["id"], "/results"), vocab.SCOPE_AGS_LINEITEM,
                               vocab.MEDIA_AGS_RESULT_CONTAINER))
    if services.nrps:
        _, claim = nrps_claim(ctx)
        url = claim.get("context_memberships_url") if isinstance(claim, dict) else None
        if is_url(url):
            probes.append((url, vocab.SCOPE_AGS_SCORE if services.ags else None, vocab.MEDIA_NRPS_MEMBERSHIP))
    if not probes:
        ctx.fail("No service endpoint is known from the launches, so scope enforcement cannot be checked.",
                 ja="起動からサービスエンドポイントが分からないため、スコープの強制を確認できません。")
        return
    for url, scope, accept in probes:
        token = None
        if scope is not None:
            token = bearer(ctx, scope)
            if token is None:
                continue
        resp = call(ctx, "GET", url, token=token, accept=accept)
        if resp is None:
            continue
        allowed = (401,) if scope is None else DENIED
        if resp.status not in allowed:
            if scope is None:
                en, ja = "The endpoint did not answer 401 to a request without a token.", \
                    "トークンなしの要求に 401 で応答しませんでした。"
            else:
                en, ja = "The endpoint did not refuse (401/403) a token lacking its scope.", \
                    "必要なスコープのないトークンを 401/403 で拒否しませんでした。"
            ctx.fail(en, ja=ja, value=f"HTTP {resp.status} ({scope or 'no token'})", **at(url, "GET"))
