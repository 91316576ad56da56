"""``oneroster-rest-provider`` Gradebook checks (when the target declares ``gradebook: true``).

Grades flow back from learning apps to 校務支援 (成績処理) through the Gradebook service. renkei writes
one category, line item and result of its own (sourcedIds ``renkei-<run>-…``, titles saying they are
renkei's test data) under a class and a student the roster holds, reads them back flat and nested,
replaces them, tries each write under a scope that must not allow it, and deletes everything it
created again, also when a step fails. Status codes follow the binding as Google's OneRoster 1.2 test
suite reads it (PUT creating 201, replacing 200; DELETE 204 or 200; reads of deleted objects 404).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiResponse
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.rest_provider.checks_base import rest_check, survey_of, target_of
from renkei.harness.oneroster.rest_provider.client import TokenRefused
from renkei.harness.oneroster.rest_provider.survey import ref_id, sid

GB = "OR12 Gradebook Service (REST binding)"


@dataclass
class Step:
    name: str
    method: str
    url: str
    status: int | None
    expected: tuple[int, ...]
    error: str | None = None
    body: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status in self.expected


@dataclass
class Scenario:
    steps: list[Step] = field(default_factory=list)
    skipped: str | None = None
    leftovers: list[str] = field(default_factory=list)  # objects renkei could not delete again

    def get(self, name: str) -> list[Step]:
        return [s for s in self.steps if s.name == name]


def _doc(resp: ApiResponse) -> Any:
    try:
        return resp.json()
    except BrowserError:
        return None


def _scenario(ctx: CheckContext) -> Scenario:
    target = target_of(ctx)
    client = target.client
    base = target.config.gradebook_url
    out = Scenario()
    survey = survey_of(ctx)
    enr = [e for e in survey.everything("getAllEnrollments") if e.get("role") == "student" and e.get("status") == "active"]
    if not enr:
        out.skipped = "no active student enrollment was read to write a grade for (declare getAllEnrollments)"
        return out
    cls, student, school = ref_id(enr[0], "class"), ref_id(enr[0], "user"), ref_id(enr[0], "school")
    run = uuid.uuid4().hex[:12]
    ids = {"category": f"renkei-{run}-category", "lineItem": f"renkei-{run}-lineitem", "result": f"renkei-{run}-result"}
    created: list[tuple[str, str]] = []

    def call(name: str, method: str, path: str, scopes: list[str], expected: tuple[int, ...],
             body: dict[str, Any] | None = None) -> Step:
        url = base + path
        try:
            resp = client.send(method, url, scopes, None if body is None else json.dumps(body, ensure_ascii=False).encode())
        except BrowserError as exc:
            step = Step(name, method, url, None, expected, error=exc.en)
        except TokenRefused as exc:
            step = Step(name, method, url, None, expected, error=exc.en)
        else:
            step = Step(name, method, url, resp.status, expected, body=_doc(resp))
        out.steps.append(step)
        return step

    put, read, delete = [R.SCOPE_GRADEBOOK_PUT], [R.SCOPE_GRADEBOOK_READ], [R.SCOPE_GRADEBOOK_DELETE]
    objects = {
        "category": {"sourcedId": ids["category"], "status": "active", "title": "renkei 検査用カテゴリ (test data)"},
        "lineItem": {"sourcedId": ids["lineItem"], "status": "active", "title": "renkei 検査用課題 (test data)",
                     "assignDate": "2026-04-10T00:00:00Z", "dueDate": "2026-04-30T00:00:00Z",
                     "class": {"sourcedId": cls, "type": "class"}, "school": {"sourcedId": school, "type": "org"},
                     "category": {"sourcedId": ids["category"], "type": "category"}},
        "result": {"sourcedId": ids["result"], "status": "active", "lineItem": {"sourcedId": ids["lineItem"],
                                                                                "type": "lineItem"},
                   "student": {"sourcedId": student, "type": "user"}, "scoreStatus": "fully graded", "score": 80,
                   "scoreDate": "2026-04-30"},
    }
    paths = {k: f"/{R.GRADEBOOK_REF_COLLECTION[k]}/{v}" for k, v in ids.items()}
    try:
        for kind in ("category", "lineItem", "result"):
            step = call("create", "PUT", paths[kind], put, (201,), {kind: objects[kind]})
            if step.status in (200, 201):
                created.append((kind, paths[kind]))
        changed = {**objects["category"], "title": "renkei 検査用カテゴリ (replaced)"}
        call("replace", "PUT", paths["category"], put, (200,), {"category": changed})
        for kind in ("category", "lineItem", "result"):
            call("read", "GET", paths[kind], read, (200,))
        call("nested", "GET", f"/classes/{cls}/lineItems", read, (200,))
        call("nested", "GET", f"/classes/{cls}/lineItems/{ids['lineItem']}/results", read, (200,))
        call("scope", "PUT", paths["category"], read, (403,), {"category": changed})
        call("scope", "DELETE", paths["result"], put, (403,))
        for kind in ("result", "lineItem", "category"):
            if (kind, paths[kind]) in created:
                step = call("delete", "DELETE", paths[kind], delete, (200, 204))
                if step.ok:
                    created.remove((kind, paths[kind]))
                    call("gone", "GET", paths[kind], read, (404,))
    finally:
        for kind, path in reversed(created):  # best effort: never leave renkei's data behind silently
            try:
                resp = client.send("DELETE", base + path, delete)
                if resp.status not in (200, 204, 404):
                    out.leftovers.append(f"{kind} {base + path}")
            except (BrowserError, TokenRefused):
                out.leftovers.append(f"{kind} {base + path}")
    return out


def _gradebook(ctx: CheckContext) -> Scenario:
    target = target_of(ctx)
    if not target.config.declares.gradebook:
        ctx.skip("the target does not declare the Gradebook service")
    scenario: Scenario = target.shared("gradebook", lambda: _scenario(ctx))
    if scenario.skipped:
        ctx.stop_not_evaluated(scenario.skipped)
    return scenario


def _judge(ctx: CheckContext, steps: list[Step], what_en: str, what_ja: str) -> None:
    for s in steps:
        if s.error is not None:
            ctx.fail(f"{what_en}: {s.error}", ja=f"{what_ja}: {s.error}", endpoint=s.url, method=s.method)
        elif not s.ok:
            ctx.fail(f"{what_en}: HTTP {s.status}, expected {' or '.join(map(str, s.expected))}",
                     ja=f"{what_ja}: HTTP {s.status} (期待値 {' または '.join(map(str, s.expected))})",
                     endpoint=s.url, method=s.method)


@rest_check("or.rest.gradebook.put_create", f"{GB} PUT (create: 201)", "error",
            ("PUT で成績のカテゴリ・課題・結果を作成できる (201)", "PUT creates a category, line item and result (201)"),
            ("renkei のテストデータとしてカテゴリ・課題 (lineItem)・結果 (result) を PUT し、それぞれ 201 で作成されることを"
             "確認します (書き込みは gradebook.createput スコープ)。", "renkei PUTs a category, a line item and a "
             "result of its own test data: each is created with 201 (writes under gradebook.createput)."))
def gradebook_create(ctx: CheckContext) -> None:
    _judge(ctx, _gradebook(ctx).get("create"), "PUT creating an object", "作成の PUT")


@rest_check("or.rest.gradebook.put_replace", f"{GB} PUT (replace: 200)", "error",
            ("PUT で既存のオブジェクトを置き換えられる (200)", "PUT replaces an existing object (200)"),
            ("作成したカテゴリをタイトルを変えて再度 PUT し、200 で置き換えられ、読み直すと新しいタイトルであることを確認します。",
             "The category is PUT again with another title: 200, and reading it back shows the new title."))
def gradebook_replace(ctx: CheckContext) -> None:
    scenario = _gradebook(ctx)
    _judge(ctx, scenario.get("replace"), "PUT replacing an object", "置き換えの PUT")
    reads = [s for s in scenario.get("read") if "/categories/" in s.url and s.ok]
    for s in reads:
        title = (s.body or {}).get("category", {}).get("title") if isinstance(s.body, dict) else None
        if title != "renkei 検査用カテゴリ (replaced)":
            ctx.fail("the category read back does not have the replaced title", ja="読み直したカテゴリのタイトルが置き換わっていません",
                     endpoint=s.url, method="GET", claim="category.title", value=title)


@rest_check("or.rest.gradebook.read_back", f"{GB} GET (single and nested under the class)", "error",
            ("書き込んだ成績を単一取得とクラスの入れ子パスで読める", "What was written reads back, single and nested"),
            ("作成したオブジェクトが単一取得で 200 で返り、/classes/{id}/lineItems と /classes/{id}/lineItems/{id}/results に"
             "含まれることを確認します。", "Each object created reads back with 200, and appears under "
             "/classes/{id}/lineItems and /classes/{id}/lineItems/{id}/results."))
def gradebook_read_back(ctx: CheckContext) -> None:
    scenario = _gradebook(ctx)
    _judge(ctx, scenario.get("read") + scenario.get("nested"), "reading back", "読み直し")
    for s in scenario.get("nested"):
        if not s.ok or not isinstance(s.body, dict):
            continue
        key = "results" if s.url.endswith("/results") else "lineItems"
        items = s.body.get(key)
        found = [sid(i) for i in items] if isinstance(items, list) else []
        if not any(str(i).startswith("renkei-") for i in found):
            ctx.fail(f"the {key} renkei created are not listed", ja=f"renkei が作成した {key} が一覧にありません",
                     endpoint=s.url, method="GET")


@rest_check("or.rest.gradebook.delete", f"{GB} DELETE", "error",
            ("DELETE で削除でき、削除後は 404 になる", "DELETE removes, and a removed object reads 404"),
            ("作成したオブジェクトを gradebook.delete スコープで DELETE し (204 または 200)、その後の GET が 404 であることを"
             "確認します。削除できずに残ったオブジェクトは URL を示して指摘します。", "Each object created is DELETEd "
             "under gradebook.delete (204 or 200) and then reads 404. Anything renkei could not remove again is "
             "reported with its URL."))
def gradebook_delete(ctx: CheckContext) -> None:
    scenario = _gradebook(ctx)
    _judge(ctx, scenario.get("delete") + scenario.get("gone"), "deleting", "削除")
    for left in scenario.leftovers:
        ctx.fail(f"renkei's test data could not be removed: {left}", ja=f"renkei のテストデータを削除できませんでした: {left}",
                 endpoint=left.split(" ", 1)[1], method="DELETE")


@rest_check("or.rest.gradebook.scopes", f"{GB} security: gradebook.createput / gradebook.delete", "error",
            ("成績の書き込みと削除にはそれぞれのスコープが必要", "Writes and deletes need their own scope"),
            ("gradebook.readonly のトークンでの PUT、gradebook.createput のトークンでの DELETE がいずれも 403 で拒否される"
             "ことを確認します。", "A PUT with a gradebook.readonly token and a DELETE with a gradebook.createput token "
             "are both refused with 403."))
def gradebook_scopes(ctx: CheckContext) -> None:
    _judge(ctx, _gradebook(ctx).get("scope"), "a write under the wrong scope", "スコープ外の書き込み")
