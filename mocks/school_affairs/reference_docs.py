"""The documents of a consumer reference set: what each bundle must do, and the log the vendor fills in.

- ``expected.json``: the whole expectation, for a vendor's own test automation;
- ``expected.csv``: one row per known error (one per bundle without errors), for people;
- ``consumer-log-template.csv``: 1EdTech's consumer log (test id, date, status, files imported,
  files rejected, explanation) with the test ids filled in and the results left empty;
- ``README.md``: how to use the set, Japanese first.

The two CSVs are UTF-8 *with* a BOM and CRLF line ends, unlike the bundles: they are meant to be
opened and saved in Excel, which misreads Japanese text in a UTF-8 file without a BOM. Nothing here
depends on the time of day, so the same set gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from renkei.mocks.school_affairs.reference_set import Bundle, Defect, ReferenceSet

LOG_TEMPLATE = "consumer-log-template.csv"
LOG_COLUMNS = ("test_id", "date", "status", "files_imported", "files_rejected", "explanation")
EXPECTED_COLUMNS = ("test_id", "bundle", "kind", "expected_outcome", "files_imported", "files_rejected",
                    "file", "row", "column", "sourcedId", "value", "check_ids", "severity",
                    "explanation_ja", "explanation_en")
FORMAT = "renkei-consumer-reference-set/1"
LIST_SEP = ";"  # between file names in one CSV cell


def write_documents(out: Path, refset: ReferenceSet) -> list[Path]:
    """Write the four documents into ``out`` (next to the zips) and return their paths."""
    files = {
        "expected.json": (json.dumps(expected_json(refset), ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        "expected.csv": _csv(EXPECTED_COLUMNS, _expected_rows(refset)),
        LOG_TEMPLATE: _csv(LOG_COLUMNS, [[b.test_id, "", "", "", "", ""] for b in refset.bundles]),
        "README.md": readme(refset).encode("utf-8"),
    }
    written = []
    for name, data in files.items():
        (out / name).write_bytes(data)
        written.append(out / name)
    return written


def outcome(bundle: Bundle) -> str:
    return "import-all" if bundle.kind == "valid" else "reject-files"


def explanation(bundle: Bundle) -> tuple[str, str]:
    """What the consumer must do with the bundle, in Japanese and English."""
    errors = [d for d in bundle.defects if d.severity == "error"]
    warnings = len(bundle.defects) - len(errors)
    if bundle.kind == "valid":
        ja, en = "すべてのファイルを取り込めること", "Every file must be imported"
        if warnings:
            return (f"{ja}。{warnings} 件の注意点（renkei では警告）は取り込みを妨げません",
                    f"{en}; the {warnings} point(s) renkei only warns about must not stop the import")
        return f"{ja}（エラーなし）", f"{en} (no errors)"
    rejected = ", ".join(bundle.files_rejected)
    ja = (f"{rejected} を拒否し、{len(errors)} 件のエラーを行・項目とともに報告すること。ほかのファイルは"
          "取り込んでもよく、セット全体を拒否してもよい")
    en = (f"{rejected} must be rejected and the {len(errors)} error(s) reported with their rows and fields; "
          "the other files may be imported, or the whole bundle rejected")
    if warnings:
        ja += f"。{warnings} 件の注意点（renkei では警告）は拒否の理由になりません"
        en += f"; the {warnings} point(s) renkei only warns about are no reason to reject"
    return ja, en


def expected_json(refset: ReferenceSet) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "profile": {"id": refset.profile, "version": refset.profile_version,
                    "title": {"ja": refset.title_ja, "en": refset.title_en}},
        "seed": refset.seed,
        "school_year": refset.school_year,
        "verified_by": refset.verified_by,
        "log_template": LOG_TEMPLATE,
        "bundles": [_bundle_json(b) for b in refset.bundles],
    }


def _bundle_json(b: Bundle) -> dict[str, Any]:
    ja, en = explanation(b)
    return {
        "test_id": b.test_id, "file": b.file, "kind": b.kind, "description": {"ja": b.ja, "en": b.en},
        "files": list(b.files),
        "expected": {"outcome": outcome(b), "files_imported": list(b.files_imported),
                     "files_rejected": list(b.files_rejected), "explanation": {"ja": ja, "en": en}},
        "defects": [_defect_json(d) for d in b.defects],
    }


def _defect_json(d: Defect) -> dict[str, Any]:
    return {"file": d.file, "row": d.row, "column": d.column, "sourcedId": d.sourced_id, "value": d.value,
            "check_ids": list(d.check_ids), "severity": d.severity, "explanation": {"ja": d.ja, "en": d.en}}


def _expected_rows(refset: ReferenceSet) -> list[list[str]]:
    rows: list[list[str]] = []
    for b in refset.bundles:
        head = [b.test_id, b.file, b.kind, outcome(b), LIST_SEP.join(b.files_imported),
                LIST_SEP.join(b.files_rejected)]
        if not b.defects:
            rows.append(head + ["", "", "", "", "", "", "", *explanation(b)])
        for d in b.defects:
            rows.append(head + [d.file, str(d.row), d.column or "", d.sourced_id or "", d.value or "",
                                LIST_SEP.join(d.check_ids), d.severity, d.ja, d.en])
    return rows


def _csv(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _table(refset: ReferenceSet, lang: str) -> str:
    ja = lang == "ja"
    head = ("| test id | 種別 | 内容 | 拒否すべきファイル |" if ja else "| test id | kind | content | files to reject |")
    lines = [head, "|---|---|---|---|"]
    for b in refset.bundles:
        kind = {"valid": "正常", "invalid": "異常"}[b.kind] if ja else b.kind
        rejected = ", ".join(f"`{f}`" for f in b.files_rejected) or ("なし" if ja else "none")
        lines.append(f"| `{b.test_id}` | {kind} | {b.ja if ja else b.en} | {rejected} |")
    return "\n".join(lines)


def readme(refset: ReferenceSet) -> str:
    command = (f"renkei roster reference-set --profile {refset.profile} --seed {refset.seed} "
               f"--school-year {refset.school_year} --out DIR")
    cols = ", ".join(f"`{c}`" for c in LOG_COLUMNS)
    return f"""# OneRoster CSV 取り込み側テストセット: {refset.profile}

{refset.title_ja}（版 {refset.profile_version}）に従う OneRoster CSV を**取り込む製品**（学習eポータルなど）の
自己テスト用のセットです。1EdTech の consumer 向け参照テストセットと同じ形で、正常な bundle はすべて取り込め、
異常な bundle は既知のエラーを含むファイルを拒否してエラーを報告できることを確かめます。

- 作成: renkei の模擬校務支援システム。人物はすべて架空です。
- 検証: 各 bundle は書き出す前に {refset.verified_by} で検証済みです（正常なものは合格、異常なものは
  expected.csv の検査 ID・位置でのみ不合格）。
- 再作成: `{command}`（同じ引数と同じ renkei の版なら同じバイト列になります）
- これは 1EdTech の公式参照セットではなく、結果は自己評価です（認定ではありません）。

{_table(refset, "ja")}

## 使い方

1. 各 zip を製品に取り込みます。
2. `{LOG_TEMPLATE}` の各行（{cols}）を記入します。`date` は実施日（YYYY-MM-DD）、`status` は製品の
   動作が期待どおりなら `pass`、そうでなければ `fail`、`files_imported` と `files_rejected` は製品が
   取り込んだ / 拒否したファイル名を `{LIST_SEP}` で区切って、`explanation` には製品が報告したエラーを書きます。
3. 期待される結果と照らし合わせます。`expected.csv` はエラー 1 件につき 1 行（エラーのない bundle は 1 行）で、
   ファイル・行（物理行、ヘッダーが 1 行目）・項目・sourcedId・値・理由を示します。`expected.json` は同じ内容を
   機械処理向けにまとめたものです。
4. 異常な bundle では `files_rejected` の列にあるファイルを拒否しなければなりません。ほかのファイルは取り込んでも、
   bundle 全体を拒否してもかまいません。renkei が警告にとどめる注意点（severity が warning）は拒否の理由になりません。

`expected.csv` と `{LOG_TEMPLATE}` は Excel で文字化けしないよう BOM 付き UTF-8・CRLF です。zip 内の CSV は
BOM なし UTF-8・LF です（BOM と文字コードを試す bundle の、expected.csv に書いたファイルを除きます）。

---

# OneRoster CSV consumer test set: {refset.profile}

A self-test set for products that **import** OneRoster CSV (learning e-portals and others) following
{refset.title_en} (version {refset.profile_version}). It has the shape of 1EdTech's consumer reference
sets: every valid bundle must be imported whole; for every invalid bundle the files with known errors
must be rejected and the errors reported.

- Made by renkei's mock school-affairs system; every person in it is fictitious.
- Each bundle was verified with {refset.verified_by} before it was written (valid ones pass, invalid
  ones fail with exactly the check ids and places in expected.csv).
- Rebuild: `{command}` (the same arguments and renkei version give the same bytes).
- This is not 1EdTech's official reference set; results are a self-assessment, not a certification.

{_table(refset, "en")}

## How to use it

1. Import each zip into the product.
2. Fill in each row of `{LOG_TEMPLATE}` ({cols}): `date` as YYYY-MM-DD, `status` `pass` when the
   product behaved as expected and `fail` otherwise, `files_imported` / `files_rejected` the file names
   the product imported / rejected separated by `{LIST_SEP}`, and in `explanation` the errors it reported.
3. Compare with the expectation: `expected.csv` has one row per known error (one row for a bundle without
   errors) giving file, row (physical line, header = 1), field, sourcedId, value and reason;
   `expected.json` holds the same for test automation.
4. For an invalid bundle the files in its `files_rejected` column must be rejected; the others may be
   imported, or the whole bundle rejected. Points renkei only warns about (severity warning) are no
   reason to reject.

`expected.csv` and `{LOG_TEMPLATE}` are UTF-8 with a BOM and CRLF, so that Excel shows the Japanese
text correctly. The CSVs inside the zips are UTF-8 without a BOM, with LF line ends (except the files
expected.csv names in the bundles that test a BOM and the encoding).
"""
