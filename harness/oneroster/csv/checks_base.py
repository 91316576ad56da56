"""Registers the base OneRoster CSV checks (manifest, per-file families, package set).

The rules live in ``manifest.py`` and ``rules_base.py``; this module holds what reports show:
ids, requirement references (CSV121 = 1EdTech OneRoster 1.2.1 CSV Binding), severities and the
Japanese/English texts. Per-file families are registered for every file of any variant; when the
profile's variant (``columns``) lacks a file, its checks are skipped with that reason.

Profile parameters used by these checks: ``columns`` (variant), ``oneroster_versions``,
``delta_allowed`` (see ``manifest.py``), ``null_literal_as_empty`` and ``vocabulary_extensions`` (see
``engine.py``; stated in the descriptions of the checks they change).
"""

from __future__ import annotations

from renkei.harness.oneroster.csv import manifest as _manifest  # noqa: F401  (registers phase 15)
from renkei.harness.oneroster.csv import rules_base as _rules  # noqa: F401  (registers the rules)
from renkei.harness.oneroster.csv.target import or_check
from renkei.harness.oneroster.model import schema as S

CSV = "OR 1.2.1 CSV"

NULL_EN = (" Profile parameter null_literal_as_empty (true in the Japanese profiles, false in the base "
           "ones): the literal NULL, which DA-R/DA-AA write for 'no value' and MEIBO reads as blank, counts "
           "as a blank field here; or.jp.null-literal warns about the NULL itself.")
NULL_JA = ("プロファイルパラメータ null_literal_as_empty（国内プロファイルは true、基本プロファイルは false）が true の"
           "場合、R社・AA社が「値なし」として書き MEIBO が空欄として読む文字列 NULL を空欄として扱います。NULL 自体は "
           "or.jp.null-literal が警告します。")

# ---------------------------------------------------------------------------------- manifest

or_check(
    "or.manifest.present", requirement=f"{CSV} §2.1, §2.3 (manifest.csv MUST be included)", severity="error",
    title_ja="manifest.csv がある", title_en="manifest.csv is present",
    description_ja="OneRoster 1.1/1.2 の交換には manifest.csv が必須です。ファイル名は大文字小文字を区別するため、"
                   "Manifest.csv などは別名として扱い、その旨を報告します。",
    description_en="A OneRoster 1.1/1.2 exchange must include manifest.csv. Names are case-sensitive, so "
                   "Manifest.csv and similar are reported as such.",
)
or_check(
    "or.manifest.header", requirement=f"{CSV} §3.1 (two columns propertyName,value; one property per row)",
    severity="error",
    title_ja="manifest.csv のヘッダーと行構成", title_en="manifest.csv header and rows",
    description_ja="ヘッダーは propertyName,value の2列で、各行に1つのプロパティを書きます。同じプロパティの重複も違反です。",
    description_en="The header is exactly propertyName,value and each row holds one property; a property "
                   "given twice is a violation.",
)
or_check(
    "or.manifest.version", requirement=f"{CSV} §3.1 Table 3.1 manifest.version", severity="error",
    title_ja="manifest.version が 1.0", title_en="manifest.version is 1.0",
    description_ja="manifest.version は必須で、値は 1.0 です。",
    description_en="manifest.version is required and must be 1.0.",
)
or_check(
    "or.manifest.oneroster-version", requirement=f"{CSV} §3.1 Table 3.1 oneroster.version", severity="error",
    params={"oneroster_versions": ["1.2"]},
    title_ja="oneroster.version がプロファイルに合う", title_en="oneroster.version matches the profile",
    description_ja="CSV 1.2 / 1.2.1 の本文は 1.2 を求めますが、実装間で値が異なります（MEIBO は OR 1.2.1 と"
                   "eポータル4.00 で 1.2.1、Japan K-12 Profile で 1.2_JP を出力、DA-K・DA-R は 1.2 のみ受理）。"
                   "そのため許容値はプロファイルのパラメーター oneroster_versions で決めます。",
    description_en="The CSV 1.2/1.2.1 text requires 1.2, but implementations disagree (MEIBO writes 1.2.1 for "
                   "OR 1.2.1/e-portal 4.00 and 1.2_JP for the Japan K-12 profile; DA-K and DA-R accept only 1.2), "
                   "so the accepted values come from the profile parameter oneroster_versions.",
)
or_check(
    "or.manifest.file-entries", requirement=f"{CSV} §3.1 Table 3.1 file.* (absent | bulk | delta)",
    severity="error", params={"delta_allowed": True},
    title_ja="manifest の file.* 行がそろっている", title_en="manifest lists every file.* entry",
    description_ja="そのバージョンのすべての file.* 行が必要で、値は absent / bulk / delta（大文字小文字を区別）です。"
                   "delta_allowed が false のプロファイル（日本の各プロファイル: MEIBO・DA-K は delta を拒否）では "
                   "delta も違反になります。",
    description_en="Every file.* row of the version is required, valued absent, bulk or delta (case-sensitive). "
                   "Profiles with delta_allowed false (the Japanese ones: MEIBO and DA-K reject delta) also "
                   "reject delta.",
)
or_check(
    "or.manifest.file-set", requirement=f"{CSV} §2.1, §2.3 (supplied files = files the manifest lists)",
    severity="error",
    title_ja="ファイル構成が manifest と一致", title_en="supplied files match the manifest",
    description_ja="bulk / delta とされたファイルは存在し、存在するデータファイルは bulk / delta と宣言されている"
                   "必要があります。userprofiles.csv のように大文字小文字だけ異なる名前や、未定義の CSV も報告します。",
    description_en="Files declared bulk or delta must be present and every data file present must be declared "
                   "bulk or delta. Names differing only in case (e.g. userprofiles.csv) and unknown CSV files "
                   "are reported explicitly.",
)
or_check(
    "or.manifest.unknown-property", requirement=f"{CSV} §3.1 Table 3.1", severity="warning",
    title_ja="manifest に未定義のプロパティがない", title_en="manifest has no undefined properties",
    description_ja="表3.1 にないプロパティは取込側で無視されるか誤動作の原因になるため、警告として報告します。",
    description_en="Properties not in Table 3.1 are ignored or misread by importers, so they are reported as a "
                   "warning.",
)

# ---------------------------------------------------------------------------------- package

or_check(
    "or.package.rostering-set", requirement=f"{CSV} Appendix A (file dependency matrix)", severity="error",
    title_ja="名簿 bulk セットの必須ファイル", title_en="rostering bulk set is complete",
    description_ja="名簿データを bulk で送る場合、academicSessions・classes・courses・enrollments・orgs・roles・users "
                   "の各ファイルが必要です（1.1 では roles なし）。名簿ファイルを含まないパッケージには適用しません。",
    description_en="A rostering bulk set must include academicSessions, classes, courses, enrollments, orgs, roles "
                   "and users (1.1: no roles). Packages without rostering files are not affected.",
)
or_check(
    "or.delta.refs", requirement=f"{CSV} §3 (DELTA processing), §2.1", severity="warning",
    title_ja="delta ファイルの参照先", title_en="references in delta files",
    description_ja="delta では参照先が以前の取込で既に存在する可能性があるため、パッケージ内で解決できない参照は"
                   "エラーではなく警告にします（bulk では各ファイルの refs チェックでエラー）。",
    description_en="In delta files a reference may point at a record from an earlier load, so a reference that "
                   "does not resolve inside the package is a warning (in bulk it is an error of the file's refs "
                   "check).",
)

# ---------------------------------------------------------------------------------- per file

JA_NAMES = {
    "academicSessions": "学期・年度", "orgs": "組織", "courses": "コース", "classes": "クラス",
    "enrollments": "在籍", "users": "利用者", "roles": "役割", "userProfiles": "利用者プロファイル",
    "demographics": "属性情報", "categories": "評価カテゴリ", "lineItems": "評価項目", "results": "評価結果",
    "scoreScales": "評価尺度", "lineItemScoreScales": "評価項目と尺度", "resultScoreScales": "評価結果と尺度",
    "lineItemLearningObjectiveIds": "評価項目の学習目標", "resultLearningObjectiveIds": "評価結果の学習目標",
    "resources": "リソース", "classResources": "クラスのリソース", "courseResources": "コースのリソース",
    "userResources": "利用者のリソース",
}


def _variants() -> list[dict[str, S.FileSchema]]:
    return [S.schema_for(v) for v in ("1.1", "1.2", "1.2.1")]


def _has(name: str, pred: object) -> bool:
    return any(name in s and any(pred(c) for c in s[name].columns) for s in _variants())  # type: ignore[operator]


def _register_file(name: str) -> None:
    f = f"{name}.csv"
    sec = S.SECTIONS[name]
    ja = JA_NAMES[name]
    req = f"{CSV} §{sec} '{f}'"
    or_check(
        f"or.{name}.header", requirement=f"{CSV} §3 (header rules), §{sec} '{f}' column order", severity="error",
        title_ja=f"{f} のヘッダー", title_en=f"{f} header",
        description_ja=f"{ja}ファイルのヘッダー行は必須で、列名は大文字小文字を含め仕様どおり、仕様の順序で並び、重複せず、"
                       "拡張列は metadata.* という名前で右端に置きます。",
        description_en="The header row is required; names match the specification exactly (case-sensitive), in the "
                       "specified order, unique, with extension columns named metadata.* at the right.",
    )
    or_check(
        f"or.{name}.not-empty", requirement=f"{CSV} §3 ('Files that contain no data rows are NOT permitted')",
        severity="error",
        title_ja=f"{f} にデータ行がある", title_en=f"{f} has data rows",
        description_ja="データ行のないファイルは許可されていません。送るデータがない場合はファイルを含めず、manifest で absent とします。",
        description_en="Files without data rows are not permitted; leave the file out and mark it absent instead.",
    )
    or_check(
        f"or.{name}.required", requirement=f"{req} (Required = Yes)", severity="error",
        title_ja=f"{f} の必須項目", title_en=f"{f} required values",
        description_ja="Required が Yes の列（sourcedId を含む）は全行で値が必要です。status と dateLastModified は "
                       "status チェックで扱います。" + NULL_JA + "必須列の NULL は値の欠落としてここで報告します。",
        description_en="Columns with Required = Yes (sourcedId included) need a value in every row; status and "
                       "dateLastModified are covered by the status check." + NULL_EN
                       + " A NULL in a required column is reported here, as a missing value.",
    )
    or_check(
        f"or.{name}.format", requirement=f"{CSV} §3 (Format key), {req}", severity="error",
        title_ja=f"{f} の値の形式", title_en=f"{f} value formats",
        description_ja="GUID（0-9 a-z A-Z . - _ / @、255文字以内）、GUID参照とそのリスト、Date（YYYY-MM-DD）、"
                       "DateTime（YYYY-MM-DDTHH:MM:SS.sssZ）、Year（YYYY）、Boolean（小文字 true/false）、数値、"
                       "{type:id} リストの形式を確かめます。全角数字は数字として扱いません。" + NULL_JA,
        description_en="Checks GUIDs (0-9 a-z A-Z . - _ / @, at most 255 characters), GUID references and lists, "
                       "Date (YYYY-MM-DD), DateTime (YYYY-MM-DDTHH:MM:SS.sssZ), Year (YYYY), Boolean (lower-case "
                       "true/false), numbers and {type:id} lists. Full-width digits are not digits." + NULL_EN,
    )
    if _has(name, lambda c: c.kind in (S.ENUM, S.ENUMS)):
        or_check(
            f"or.{name}.enum", requirement=f"{req}, §4.1.2 (Proprietary Vocabulary Terms)", severity="error",
            title_ja=f"{f} の列挙値", title_en=f"{f} enumerated values",
            description_ja="列挙型の値は仕様の語彙（大文字小文字を区別）のいずれかです。拡張が許される語彙"
                           "（classType, role, roles, scoreStatus, sex, source, type）に限り ^ext:[a-zA-Z0-9.-_]+$ "
                           "の拡張語を認めます。任意項目は空でも構いません。プロファイルパラメータ "
                           "vocabulary_extensions（file.column → 値の一覧）で語彙に値を加えられます。国内プロファイルは"
                           "実装間で見解の分かれる enrollments.role の guardian（MEIBO・R社は許可、K社は不可）を加え、"
                           "その値は or.jp.enrollment-role の警告だけになります。基本プロファイルは拡張しません。"
                           + NULL_JA,
            description_en="Enumerated values come from the specified vocabulary (case-sensitive). Only the extensible "
                           "vocabularies (classType, role, roles, scoreStatus, sex, source, type) accept ext: terms "
                           "matching ^ext:[a-zA-Z0-9.-_]+$. Optional fields may be blank. Profile parameter "
                           "vocabulary_extensions (file.column -> list of values) adds values to a vocabulary: the "
                           "Japanese profiles add the disputed enrollments.role guardian (MEIBO and DA-R allow it, "
                           "DA-K does not), which is then only the or.jp.enrollment-role warning; the base profiles "
                           "extend nothing." + NULL_EN,
        )
    or_check(
        f"or.{name}.unique", requirement=f"{req} sourcedId ('Unique ID')", severity="error",
        title_ja=f"{f} の sourcedId が一意", title_en=f"{f} sourcedIds are unique",
        description_ja="sourcedId はファイル内で一意です。重複した2件目以降を、最初の行番号とともに報告します。",
        description_en="sourcedId is unique within the file; every repeat is reported with the line of the first use.",
    )
    or_check(
        f"or.{name}.status", requirement=f"{CSV} §3 (BULK / DELTA processing; 'Yes for Delta')", severity="error",
        title_ja=f"{f} の status と dateLastModified", title_en=f"{f} status and dateLastModified",
        description_ja="manifest で bulk のファイルは status と dateLastModified が全行で空、delta のファイルは "
                       "status が active / tobedeleted で dateLastModified が必須です。manifest が bulk/delta を"
                       "示さない場合はスキップします。",
        description_en="In a file the manifest declares bulk, status and dateLastModified are empty in every row; in "
                       "delta, status is active or tobedeleted and dateLastModified is present. Skipped when the "
                       "manifest does not say bulk or delta.",
    )
    if _has(name, lambda c: c.ref is not None):
        or_check(
            f"or.{name}.refs", requirement=f"{CSV} §2.1 (bulk sets semantically complete), §{sec} '{f}' "
                                           "dependencies, Appendix A",
            severity="error",
            title_ja=f"{f} の参照先が存在する", title_en=f"{f} references resolve",
            description_ja="bulk では参照される sourcedId がパッケージ内の該当ファイルに存在しなければなりません。"
                           "schoolSourcedId は type=school の組織、courses.schoolYearSourcedId は type=schoolYear の"
                           "学期を指す必要があります。delta で解決できない参照は or.delta.refs（警告）に回します。"
                           + NULL_JA + "そのため国内プロファイルでは親の NULL は参照エラーになりません。",
            description_en="In bulk, every referenced sourcedId must exist in the referenced file of the package; "
                           "schoolSourcedId must point at an org of type school and courses.schoolYearSourcedId at "
                           "an academicSession of type schoolYear. Unresolved references in delta files go to "
                           "or.delta.refs (warning)." + NULL_EN + " So under the Japanese profiles a NULL parent "
                           "is not a dangling reference.",
        )


for _name in S.ALL_FILES:
    _register_file(_name)
