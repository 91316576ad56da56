"""The listing's words, Japanese first: written for a procurement officer who has never heard of OneRoster."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "site_title": ("連携標準の適合性テスト結果一覧", "Interoperability conformance results"),
    "intro": (
        "学校のシステム同士をつなぐ標準（名簿の OneRoster、学習ツールの起動の LTI、学習記録の xAPI）に、"
        "各製品がどこまで従っているかを、テストツール renkei で確かめた結果の一覧です。"
        "各行の「報告書」から、どのチェックに合格し、どこで問題が見つかったかを確認できます。",
        "Results of checking, with the renkei test tool, how far each product follows the standards that connect "
        "school systems (OneRoster for rosters, LTI for launching learning tools, xAPI for study logs). Each row's "
        "report shows which checks passed and where problems were found."),
    "meaning": (
        "「合格」は、そのプロファイルの必須のチェックで違反が見つからなかったことを示します。「不合格」は、必須の"
        "チェックで違反が見つかったか、確かめられなかったことを示し、その製品と組み合わせると名簿や記録が正しく"
        "受け渡せないおそれがあります。「期限切れ」は実行から有効期間を過ぎた結果、「更新済み」は同じ製品・版・"
        "プロファイルの新しい結果がある古い結果です。",
        "PASS means no violation was found in the profile's mandatory checks. FAIL means a mandatory check found a "
        "violation or could not be completed; combined with that product, roster data or study records may not be "
        "passed on correctly. EXPIRED results are older than the validity period; SUPERSEDED results have a newer "
        "result for the same product, version and profile."),
    "disclaimer": (
        "これらは各提供者または運用者による自己評価の結果であり、認証ではありません。署名の欄は、結果が実行後に"
        "書き換えられていないことを公開鍵で確かめたかどうかを示します。",
        "These are self-assessments by vendors or operators, not certifications. The signature column says whether "
        "the result was checked with a public key to be unchanged since the run."),
    "as_of": ("基準日", "As of"), "validity": ("有効期間", "Validity"), "months": ("{n} か月", "{n} months"),
    "filter": ("絞り込み", "Filter"), "search": ("製品名・規格などで検索", "Search product, standard, ..."),
    "all": ("すべて", "All"), "standard": ("規格", "Standard"), "role": ("役割", "Role"),
    "verdict": ("結果", "Verdict"), "status": ("状態", "Status"), "product": ("製品", "Product"),
    "version": ("版", "Version"), "vendor": ("提供者", "Vendor"), "profile": ("プロファイル", "Profile"),
    "date": ("実行日", "Run on"), "suite": ("renkei の版", "renkei version"), "signature": ("署名", "Signature"),
    "report": ("報告書", "Report"), "results_n": ("{n} 件の結果", "{n} results"),
    "shown_n": ("表示中: {n} 件", "Showing {n}"),
    "history": ("この版の結果の履歴", "Results of this version"), "other_versions": ("他の版", "Other versions"),
    "back": ("一覧へ戻る", "Back to the list"), "open_data": ("オープンデータ", "Open data"),
    "feed_json": ("JSON (スキーマ付き)", "JSON (with schema)"), "feed_csv": ("CSV", "CSV"),
    "badge": ("バッジ (SVG)", "Badge (SVG)"), "lang_switch": ("English", "日本語"),
    "no_report": ("非公開（個人情報を含む可能性があるため）", "withheld (may contain personal data)"),
    "open_report": ("報告書を開く", "Open the report"), "what_tested": ("何を確かめたか", "What was checked"),
    "counts": ("合格 {passed} / 不合格 {failed} / 警告 {warnings} / エラー {errors} / 対象外 {skipped}",
               "passed {passed} / failed {failed} / warnings {warnings} / errors {errors} / skipped {skipped}"),
    "verdict_pass": ("合格", "PASS"), "verdict_fail": ("不合格", "FAIL"), "verdict_interrupted": ("中断", "INTERRUPTED"),
    "status_current": ("有効", "current"), "status_expired": ("期限切れ", "expired"),
    "status_superseded": ("更新済み", "superseded"),
    "sig_verified": ("確認済み", "verified"), "sig_unsigned": ("署名なし", "unsigned"),
    "sig_unverifiable": ("未確認（鍵なし）", "not checked (no key)"), "sig_tampered": ("改ざんの疑い", "TAMPERED"),
    "sig_unknown_key": ("不明な鍵", "unknown key"),
    "role_provider": ("提供側", "provider"), "role_consumer": ("利用側", "consumer"),
    "role_platform": ("プラットフォーム", "Platform"), "role_tool": ("ツール", "Tool"),
    "role_lrs": ("学習記録ストア (LRS)", "LRS"), "role_lrp": ("学習記録の送り手", "Learning Record Provider"),
    "role_": ("—", "—"),
    "family_oneroster": ("OneRoster（名簿）", "OneRoster (rosters)"), "family_lti": ("LTI（ツールの起動）", "LTI (launch)"),
    "family_xapi": ("xAPI（学習記録）", "xAPI (study logs)"), "family_chain": ("連携の全体", "The whole chain"),
    "family_other": ("その他", "Other"),
    "about_oneroster": (
        "OneRoster は、児童生徒・教員・学校・クラス・在籍の名簿を、校務支援システムから学習eポータルや学習アプリへ"
        "渡すための国際標準です。ここで問題があると、児童生徒がログインできない、別のクラスに入る、といったことが"
        "起こります。",
        "OneRoster is the international standard for passing rosters (pupils, teachers, schools, classes, "
        "enrollments) from the school administration system to e-portals and learning apps. Problems here mean "
        "pupils who cannot sign in or land in the wrong class."),
    "about_lti": (
        "LTI は、学習eポータルから学習アプリ（デジタル教科書、ドリル、MEXCBT など）を、利用者を確かめたうえで"
        "安全に起動するための国際標準です。ここで問題があると、起動できない、別人として起動される、といった"
        "ことが起こります。",
        "LTI is the international standard for launching learning apps (digital textbooks, drills, MEXCBT) from "
        "the e-portal safely, with the user verified. Problems here mean launches that fail or run as someone "
        "else."),
    "about_xapi": (
        "xAPI は、学習アプリが学習の記録（学習ログ）を学習eポータルの LRS に送るための国際標準です。ここで問題が"
        "あると、学習の記録が失われる、誰の記録か分からなくなる、といったことが起こります。",
        "xAPI is the international standard for learning apps to send study records to the e-portal's LRS. "
        "Problems here mean lost study records, or records that cannot be tied to the learner."),
    "about_chain": ("校務支援から学習記録までを一人の学習者でつないだ確認です。",
                    "Checks of the links from the school administration system to study records, for one learner."),
    "about_other": ("", ""),
}


def word(key: str, lang: str, **values: object) -> str:
    ja, en = WORDS[key]
    text = ja if lang == "ja" else en
    return text.format(**values) if values else text


def family(profile_id: str) -> str:
    """The standard family a profile belongs to, for the filter and the plain explanation."""
    for name in ("oneroster", "lti", "xapi", "chain"):
        if profile_id.startswith(name):
            return name
    return "other"
