from __future__ import annotations

import base64
import hashlib
import re
import string
from pathlib import Path

import pytest

from renkei.harness.core.model import Finding, Location, Outcome, Severity, Text
from renkei.reports.html.script import FILTER_SCRIPT
from renkei.reports.html.writer import MAX_ROWS, file_rows, render, value_html, write
from renkei.reports.i18n import STRINGS, UnsupportedLanguage
from tests.reports.factories import HOSTILE, csv_finding, make_check, make_run, mixed_run


def _rows(html: str, check_index: int) -> list[str]:
    article = re.search(rf'<article[^>]*id="check-{check_index}".*?</article>', html, re.S)
    assert article is not None
    return re.findall(r"<tr><td class=\"num\">\d+</td>", article.group(0))


def test_writes_japanese_report_by_default(tmp_path: Path) -> None:
    path = write(mixed_run(), tmp_path / "out")
    assert path == tmp_path / "out" / "report.html"
    html = path.read_text(encoding="utf-8")
    assert '<html lang="ja">' in html
    assert 'class="verdict verdict-fail"' in html
    assert ">不合格</h2>" in html
    assert "終了コード 1：合否に関わるチェックのうち 5 件が不合格または実行エラーです。" in html
    assert "OneRoster 1.2 CSV 日本プロファイル" in html
    assert "2026-04-01 09:30:00 JST" in html
    assert "<dt>パス</dt><dd><code>bundle.zip</code></dd>" in html
    assert "自己評価" in html and "1EdTech" in html
    assert "既知の不合格 1 件は、期待失敗として判定から除外しています。" in html
    assert "対象外で実行しなかったチェックが 1 件あります" in html
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]


def test_english_report_has_no_japanese_ui_strings(tmp_path: Path) -> None:
    html = write(mixed_run(), tmp_path, lang="en").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert ">FAIL</h2>" in html and "Exit code 1" in html
    assert "2026-04-01 00:30:00 UTC" in html
    for ja_text, _ in STRINGS.values():
        if len(ja_text) > 3 and "{" not in ja_text:
            assert ja_text not in html, ja_text
    assert "required field is empty" in html and "必須項目が空です" not in html


def test_passing_run_with_warnings_is_a_pass(tmp_path: Path) -> None:
    run = make_run([
        make_check("a", Outcome.PASSED),
        make_check("w", Outcome.WARNING, severity=Severity.WARNING, findings=[csv_finding(value="ｱ")]),
    ])
    html = render(run)
    assert 'class="verdict verdict-pass"' in html and ">合格</h2>" in html
    assert "終了コード 0" in html
    assert "警告 1 件（合否には影響しません）" in html


def test_empty_run_says_nothing_was_checked() -> None:
    html = render(make_run([]))
    assert "チェックが 1 件も実行されていません" in html
    assert "チェックが 1 件も実行されていません" not in render(mixed_run())


def test_hostile_input_is_escaped_everywhere() -> None:
    evil = Finding(
        message=HOSTILE, message_ja=HOSTILE,
        location=Location(file=f"{HOSTILE}.csv", row=1, column=HOSTILE, endpoint=HOSTILE, claim=HOSTILE),
        value=HOSTILE,
    )
    check = make_check(
        HOSTILE, Outcome.FAILED, findings=[evil], title_ja=HOSTILE, description_ja=HOSTILE, requirement=HOSTILE,
    )
    err = make_check("e", Outcome.ERROR, error=HOSTILE)
    skip = make_check("s", Outcome.SKIPPED, skip_reason=HOSTILE)
    run = make_run([check, err, skip], target={HOSTILE: HOSTILE, "nested": {"x": HOSTILE}})
    html = render(run)
    assert html.count("<script") == 1  # only the page's own filter script
    assert "alert(" in html  # the values are shown, escaped
    assert "&lt;script&gt;" in html
    assert 'data-search="&lt;script&gt;' in html


def test_csp_allows_only_the_inline_script_and_nothing_external() -> None:
    html = render(mixed_run())
    assert "default-src 'none'" in html and "script-src 'sha256-" in html
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    # Without JavaScript the page is complete: content is server-rendered, the filter bar stays hidden.
    assert '<div id="filter" class="filter" hidden>' in html


def test_csp_hash_matches_the_inlined_script() -> None:
    html = render(mixed_run())
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    assert script is not None and script.group(1) == FILTER_SCRIPT and "</" not in FILTER_SCRIPT
    digest = base64.b64encode(hashlib.sha256(FILTER_SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in html


def test_invisible_characters_are_marked_and_never_raw() -> None:
    html = render(mixed_run())
    assert '<span class="inv" title="バイト順マーク（BOM）">BOM</span>山田' in html
    assert '<span class="inv" title="全角スペース">U+3000</span>太郎' in html
    assert '<span class="inv" title="復帰（CR）">CR</span><span class="inv" title="タブ">TAB</span>' in html
    assert "\ufeff" not in html and "\r" not in html and "\t" not in html
    assert '<span class="inv wide">（空文字列）</span>' in html


def test_value_html_marks_edges_bidi_and_variation_selectors() -> None:
    assert str(value_html(" 1 2 ", "en")).count(">SP<") == 2
    assert "U+202E" in value_html("a\u202eb", "en") and "\u202e" not in value_html("a\u202eb", "en")
    assert "U+E0100" in value_html("葛\U000e0100", "ja")
    assert str(value_html("山田 太郎", "ja")) == "山田 太郎"
    assert str(value_html(None, "ja")) == '<span class="none">—</span>'


def test_sections_for_xfail_skipped_passed_and_stale_entries() -> None:
    html = render(mixed_run())
    skipped = html[html.index('id="skipped"'):html.index('id="passed"')]
    assert "demographics.csv is not in the bundle" in skipped
    xfail = html[html.index('id="xfail"'):html.index('id="skipped"')]
    assert "or.orgs.code.checkdigit" in xfail and "fixed in release 3.2" in xfail
    passed = html[html.index('id="passed"'):html.index('id="limits"')]
    assert "<details>" in passed and "or.manifest.version" in passed
    problems = html[html.index('id="problems"'):html.index('id="xfail"')]
    assert "期待失敗リストからこの項目を削除してください" in problems
    assert "このチェックは実行できませんでした" in problems and "connection refused" in problems
    assert "or.orgs.code.checkdigit" not in problems
    # gating checks come before warnings
    assert problems.index("or.users.givenName.required") < problems.index("or.users.kana.fullwidth")
    assert problems.index("lti.id_token.aud") < problems.index("or.users.kana.fullwidth")


def test_non_csv_findings_show_endpoint_and_claim() -> None:
    html = render(mixed_run())
    assert "<code>POST /lti/launch クレーム aud</code>" in html
    assert render(mixed_run(), lang="en").count("<code>POST /lti/launch claim aud</code>") == 1


def test_summary_per_file_worst_first_with_capped_marker() -> None:
    many = [csv_finding(file="users.csv", row=r) for r in range(2, 12)]
    checks = [
        make_check("a", Outcome.FAILED, findings=many, findings_count=2000),
        make_check("b", Outcome.FAILED, findings=[csv_finding(file="orgs.csv")]),
        make_check("c", Outcome.WARNING, severity=Severity.WARNING, findings=[csv_finding(file="orgs.csv")]),
        make_check("d", Outcome.WARNING, severity=Severity.WARNING, findings=[Finding(message="m")]),
        make_check("e", Outcome.PASSED),
    ]
    rows = file_rows(checks)
    assert [(r.name, r.failing, r.warning, r.findings, r.capped) for r in rows] == [
        ("orgs.csv", 1, 1, 2, False),
        ("users.csv", 1, 0, 10, True),
        ("", 0, 1, 1, False),
    ]
    html = render(make_run(checks))
    assert "10+" in html and "記録上限を超えて" in html and "（場所の情報なし）" in html


def test_file_summary_is_omitted_when_no_finding_has_a_file() -> None:
    run = make_run([make_check("x", Outcome.FAILED, findings=[Finding(message="m", location=Location(index=3))])])
    html = render(run)
    assert "場所を特定できる指摘はありません。" in html and "（場所の情報なし）" not in html
    assert "<code>#3</code>" in html


def test_only_the_first_findings_are_rendered() -> None:
    findings = [csv_finding(row=r, value=f"v{r}") for r in range(2, 1002)]
    run = make_run([make_check("big", Outcome.FAILED, findings=findings, findings_count=1234)])
    html = render(run)
    assert len(_rows(html, 1)) == MAX_ROWS
    assert "指摘 1,234 件のうち、最初の 50 件を表示しています。" in html
    assert "v51" in html and "v52<" not in html


def test_large_run_stays_small() -> None:
    checks = [
        make_check(f"c{i:03d}", Outcome.FAILED, findings=[csv_finding(row=r, value="x") for r in range(1000)])
        for i in range(100)
    ]
    html = render(make_run(checks))
    assert html.count('<tr><td class="num">') == 100 * MAX_ROWS
    assert len(html.encode("utf-8")) < 3_000_000


def test_redaction_notice_only_when_redacted() -> None:
    assert "＊＊＊" in render(mixed_run(redacted=True))
    assert "＊＊＊" not in render(mixed_run())


def test_profile_notes_are_rendered_when_present() -> None:
    run = mixed_run()
    run.profile = run.profile.model_copy(update={"notes": [
        Text(ja="カナ列の全角・半角は実装により異なります", en="Kana width differs between implementations"),
        Text(ja=HOSTILE, en=HOSTILE),
    ]})
    assert "このプロファイルの注記" in render(run) and "カナ列の全角・半角" in render(run)
    assert "Kana width differs" in render(run, lang="en")
    assert render(run).count("<script") == 1
    assert "このプロファイルの注記" not in render(mixed_run())


def test_a_japanese_source_document_is_named_in_japanese_with_the_original_below() -> None:
    run = mixed_run()
    run.profile = run.profile.model_copy(update={"source": "ICT CONNECT 21, 2023-03-29, https://example.invalid/v3.pdf",
                                                 "source_ja": "学習eポータル標準モデル Ver.3.00（ICT CONNECT 21）"})
    ja, en = render(run), render(run, lang="en")
    assert re.search(r"<dd>学習eポータル標準モデル Ver.3.00（ICT CONNECT 21）<span class=\"source-original\">ICT CONNECT 21, "
                     r"2023-03-29", ja)
    assert "学習eポータル標準モデル Ver.3.00（ICT" not in en and "<dd>ICT CONNECT 21, 2023-03-29" in en
    assert "class=\"source-original\"" not in render(mixed_run())  # no Japanese title: the source as it is


@pytest.mark.parametrize(("checks", "code"), [([], "終了コード 0"), (None, "終了コード 1")])
def test_the_verdict_says_what_the_exit_code_means(checks: list | None, code: str) -> None:
    run = make_run(checks) if checks is not None else mixed_run()
    assert code in render(run)


def test_unknown_language_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedLanguage, match="unsupported report language 'de'"):
        write(mixed_run(), tmp_path, lang="de")
    assert not tmp_path.joinpath("report.html").exists()


def test_every_ui_string_has_both_languages_with_matching_placeholders() -> None:
    fields = string.Formatter()
    for key, (ja, en) in STRINGS.items():
        assert ja.strip() and en.strip(), key
        assert {f for _, f, _, _ in fields.parse(ja) if f} == {f for _, f, _, _ in fields.parse(en) if f}, key


def test_profile_notices_come_before_every_finding(tmp_path: Path) -> None:
    from renkei.harness.core.model import Notice

    run = mixed_run()
    run.notices = [Notice(kind="profile-hint", message="this bundle declares 1.1: use --profile oneroster11-csv",
                          message_ja="このバンドルは 1.1 を宣言しています。--profile oneroster11-csv を使ってください <b>")]
    html = render(run)
    hint = html.index("--profile oneroster11-csv を使ってください &lt;b&gt;")
    assert 'class="notice notice-profile-hint" role="alert"' in html and "プロファイルの確認:" in html
    assert hint < html.index('id="problems"')
    assert "use --profile oneroster11-csv" in render(run, lang="en")
