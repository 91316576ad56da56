"""Package, encoding and CSV-syntax checks of a OneRoster bundle, and the phase that opens it.

The rules themselves live in ``package.py`` (zip/folder safety), ``encoding.py`` and
``reader.py`` (they fire while files are streamed); this module registers the check ids those
modules report under and the phase that opens the bundle for the later phases.
"""

from __future__ import annotations

from renkei.harness.core.model import Severity
from renkei.harness.oneroster.csv.package import limits_from_params, open_bundle
from renkei.harness.oneroster.csv.phases import Analysis, phase
from renkei.harness.oneroster.csv.target import or_check

P1 = "OR 1.2.1 CSV §2 (P1: one zip, files at the root)"
P4 = "OR 1.2.1 CSV §3 (P4: RFC 4180 CSV, no CR inside a field)"
P5 = "OR 1.2.1 CSV §3 (P5: UTF-8, importers must tolerate a BOM)"
LIMITS_DOC = ("Limits (profile parameters max_entries, max_entry_bytes, max_total_bytes, max_ratio, "
              "max_line_bytes, max_field_chars) default to sizes fit for a 1M-user bundle.")
LIMITS_DOC_JA = ("上限値（プロファイルのパラメータ max_entries, max_entry_bytes, max_total_bytes, max_ratio, "
                 "max_line_bytes, max_field_chars）の既定値は 100 万ユーザー規模のバンドルに合わせています。")


@phase(10, "package")
def package_phase(analysis: Analysis) -> None:
    """Open the target once; later phases read ``shared['bundle']`` (None: nothing to read)."""
    bundle = open_bundle(analysis.path, analysis.sink, limits_from_params(analysis.params))
    analysis.shared["close"] = bundle.close
    analysis.shared["bundle"] = bundle if bundle.ok else None


or_check(
    "or.pkg.zip", requirement=P1, severity=Severity.ERROR,
    title_ja="バンドルが読み取り可能な zip である", title_en="Bundle is a readable zip",
    description_ja="交換形式は拡張子 .zip の zip ファイル 1 つです（CSV121 P1）。フォルダを対象にした場合は"
                   "便宜上受け付け、このチェックはスキップ（情報）として報告します。",
    description_en="The exchange format is one zip file with the extension .zip (CSV121 P1). A folder "
                   "target is accepted for convenience and this check is reported as skipped (info).",
)
or_check(
    "or.pkg.root", requirement=P1, severity=Severity.ERROR,
    title_ja="ファイルが zip のルートにある", title_en="Files are at the zip root",
    description_ja="CSV ファイルは zip のルートに置き、外側のフォルダや入れ子のフォルダを使ってはいけません"
                   "（CSV121 P1）。外側のフォルダ 1 つだけの場合は、その中身をルートとみなして解析を続けます。",
    description_en="CSV files must be at the zip root, with no enclosing or nested folders (CSV121 P1). "
                   "When everything sits in one enclosing folder, its contents are analysed as the root.",
)
or_check(
    "or.pkg.path-traversal", requirement=f"{P1}; zip APPNOTE 4.4.17", severity=Severity.ERROR,
    title_ja="エントリ名に危険なパスがない", title_en="No path traversal in entry names",
    description_ja="「..」要素、絶対パス、ドライブ文字、バックスラッシュを含むエントリ名は展開先の外に"
                   "書き込めるため危険です。該当エントリは読まずに無視します。",
    description_en="Entry names with '..' components, absolute paths, drive letters or backslashes can "
                   "write outside the extraction folder; such entries are ignored, never read.",
)
or_check(
    "or.pkg.symlink", requirement=f"{P1}; zip APPNOTE 4.4.15", severity=Severity.ERROR,
    title_ja="シンボリックリンクがない", title_en="No symbolic links",
    description_ja="シンボリックリンクのエントリ（またはフォルダ内のリンク）は取り込み側のファイルを"
                   "指せるため危険です。辿らずに無視します。",
    description_en="Symbolic-link entries (or links in a folder target) can point at the importer's own "
                   "files; they are ignored and never followed.",
)
or_check(
    "or.pkg.duplicate-entry", requirement="OR 1.2.1 CSV §2 (P2: at most one of each file)",
    severity=Severity.ERROR,
    title_ja="同名のエントリがない", title_en="No duplicate entries",
    description_ja="同じ名前のエントリが 2 つある場合、どちらを取り込むかは実装次第です。大文字・小文字だけが"
                   "異なる名前も Windows・macOS では上書きし合います。同名の場合は最初のものを使います。",
    description_en="With two entries of the same name, which one is imported depends on the importer; names "
                   "differing only in letter case overwrite each other on Windows and macOS. The first "
                   "occurrence is used.",
)
or_check(
    "or.pkg.entry-name-encoding", requirement=f"{P1}; zip APPNOTE Appendix D (bit 11)",
    severity=Severity.WARNING,
    title_ja="エントリ名の文字コードが明示されている", title_en="Entry names declare their encoding",
    description_ja="非 ASCII のエントリ名は UTF-8 フラグ（汎用ビット 11）を立てて UTF-8 で格納すべきです。"
                   "Windows で作った zip は Shift_JIS/CP932 の名前になりがちで、取り込み側が cp437→Shift_JIS の"
                   "変換を自前で行っています（参照 §5）。解釈できた名前を表示します。",
    description_en="Non-ASCII entry names should be UTF-8 with the UTF-8 flag (general purpose bit 11) set. "
                   "Zips made on Japanese Windows carry Shift_JIS/CP932 names that importers must re-decode "
                   "by hand (reference §5). The decoded name is shown.",
)
or_check(
    "or.pkg.zip-bomb", requirement=f"{P1}; resource limits", severity=Severity.ERROR,
    title_ja="展開サイズ・圧縮率・エントリ数が上限内", title_en="Size, ratio and entry count within limits",
    description_ja="zip 爆弾対策として、宣言サイズと圧縮率（64 KiB 超のエントリ）を展開前に確認し、上限を超える"
                   "エントリは読みません。読み取り中も上限を超えた時点で中止します。" + LIMITS_DOC_JA,
    description_en="Against zip bombs, declared sizes and compression ratios (entries over 64 KiB) are "
                   "checked before inflating; entries over a limit are not read, and reading stops at the "
                   "limit. " + LIMITS_DOC,
)
or_check(
    "or.pkg.unreadable", requirement=P1, severity=Severity.ERROR,
    title_ja="すべてのエントリが読み取れる", title_en="Every entry is readable",
    description_ja="CRC 不一致、暗号化、deflate（RFC 1951）以外の圧縮方式などで読めないエントリを報告します。"
                   "bzip2・LZMA は renkei では読めますが仕様外のため報告します。",
    description_en="Reports entries that cannot be read: CRC mismatch, encryption, compression other than "
                   "deflate (RFC 1951). bzip2/LZMA are read by renkei but reported as outside the spec.",
)
or_check(
    "or.enc.utf8", requirement=P5, severity=Severity.ERROR,
    title_ja="文字コードが UTF-8", title_en="Encoding is UTF-8",
    description_ja="CSV は UTF-8（RFC 3629）でなければなりません。不正なバイト列の位置（バイトオフセットと行）を"
                   "示します。ファイル全体が Shift_JIS/CP932 として読める場合はそう明示し、CP932 として解析を"
                   "続けます。",
    description_en="CSV files must be UTF-8 (RFC 3629). Invalid sequences are located by byte offset and "
                   "line. A file that decodes as Shift_JIS/CP932 is named as such and analysed as CP932.",
)
or_check(
    "or.enc.bom", requirement=P5, severity=Severity.WARNING,
    title_ja="BOM がない", title_en="No byte order mark",
    description_ja="CSV121 P5 では取り込み側は BOM を許容しなければなりませんが、日本の実装には BOM 付き"
                   "ファイルを拒否するものが複数あります（参照 §2.4: AA社・M社）。仕様違反ではないため警告です。",
    description_en="CSV121 P5 says importers must tolerate and ignore a BOM, but several Japanese importers "
                   "reject BOM files (reference §2.4: vendors AA, M). Not a spec violation, hence a warning.",
)
or_check(
    "or.enc.cr-in-field", requirement=P4, severity=Severity.ERROR,
    title_ja="フィールド内に CR がない", title_en="No CR inside a field",
    description_ja="CSV121 P4 はフィールド内の CR（復帰）を禁じています。引用符内の CRLF も該当します。",
    description_en="CSV121 P4 forbids a carriage return inside a field, including a CRLF inside quotes.",
)
or_check(
    "or.enc.line-endings", requirement=f"{P4}; RFC 4180 §2", severity=Severity.WARNING,
    title_ja="改行コードが統一されている", title_en="Consistent line endings",
    description_ja="1 つのファイルで CRLF と LF が混在しています。RFC 4180 は CRLF を定めますが、LF のみの"
                   "ファイルも広く使われ、日本の参照テストファイルでも両方が見られるため（参照 §2.4 R社）、"
                   "混在のみを警告します。",
    description_en="CRLF and LF are mixed within one file. RFC 4180 specifies CRLF, yet LF-only files are "
                   "common and both occur in reference test files (reference §2.4, vendor R), so only a mix "
                   "is reported, as a warning.",
)
or_check(
    "or.csv.rfc4180", requirement=P4, severity=Severity.ERROR,
    title_ja="引用符の使い方が RFC 4180 に従う", title_en="Quoting follows RFC 4180",
    description_ja="閉じていない引用符、引用符なしフィールド内の二重引用符、閉じ引用符の後の文字を報告します。"
                   "該当レコードは以降のチェックの対象外になります。",
    description_en="Reports unclosed quotes, double quotes inside unquoted fields and text after a closing "
                   "quote. Such records are left out of all further checks.",
)
or_check(
    "or.csv.field-count", requirement=f"{P4}; RFC 4180 §2.4", severity=Severity.ERROR,
    title_ja="各レコードのフィールド数がヘッダーと一致", title_en="Every record has the header's field count",
    description_ja="ヘッダーよりフィールドが多い・少ないレコード（空行を含む）を報告します。該当レコードは"
                   "以降のチェックの対象外になります。",
    description_en="Reports records with more or fewer fields than the header (blank lines included). Such "
                   "records are left out of all further checks.",
)
or_check(
    "or.csv.limits", requirement="OR 1.2.1 CSV §3 (P10: strings ≥ 255 chars); resource limits",
    severity=Severity.ERROR,
    title_ja="行・フィールドの長さが上限内", title_en="Line and field lengths within limits",
    description_ja="max_line_bytes を超える行、max_field_chars を超えるフィールドを報告します。仕様は 255 文字"
                   "以上の文字列の受け入れを求めるだけなので、上限はプロファイルで変更できます。長すぎる行は"
                   "メモリに読み込まず読み飛ばします。",
    description_en="Reports lines longer than max_line_bytes and fields longer than max_field_chars. The spec "
                   "only requires support for strings of at least 255 characters, so the limits are profile "
                   "parameters. Over-long lines are skipped without being held in memory.",
)
