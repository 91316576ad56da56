"""Base per-file rules of the OneRoster CSV binding (checks ``or.<file>.*``; texts in checks_base).

Each rule is vectorised over a chunk (polars expressions; no per-row Python) and reports through
``FileContext.emit``. Digits are matched with ``[0-9]``, never ``\\d``: Rust's ``\\d`` is Unicode
and would accept full-width digits (２０２４), a common Japanese data error.

Profile parameters: ``columns`` (variant, see ``schema.py``) decides the expected headers/types;
``null_literal_as_empty`` (engine) blanks the literal NULL before these rules see a chunk, so a NULL
"no parent" is no dangling reference and a NULL in a required column is a missing value (reported
as such, naming the NULL); ``vocabulary_extensions`` (engine) adds profile tokens to a vocabulary.
"""

from __future__ import annotations

import polars as pl

from renkei.harness.core.model import Finding, Location
from renkei.harness.oneroster.csv.engine import (
    EMPTY_HASH,
    LINE,
    NULL_LITERAL,
    FileContext,
    Run,
    cross_rule,
    file_rule,
    hash_expr,
    rescan,
    row_rule,
)
from renkei.harness.oneroster.model import schema as S
from renkei.harness.oneroster.model.columns import ROSTERING_CORE
from renkei.harness.oneroster.model.spelling import did_you_mean

GUID_CHARS = r"[0-9A-Za-z._/@\-]"
GUID_RE = rf"^{GUID_CHARS}+$"
GUID_LIST_RE = rf"^{GUID_CHARS}+(,{GUID_CHARS}+)*$"
_BRACE = r"\{[^{}:,]+:[^{},]+\}"
BRACED_RE = rf"^{_BRACE}(,{_BRACE})*$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"
YEAR_RE = r"^[0-9]{4}$"
FLOAT_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
INT_RE = r"^[+-]?[0-9]+$"
STATUS_VALUES = ("active", "tobedeleted")

# kind -> (English message, Japanese message)
FORMAT_TEXT: dict[str, tuple[str, str]] = {
    S.GUID: ("not a GUID: 1-255 characters of 0-9 a-z A-Z . - _ / @",
             "GUID の形式ではありません（使える文字は 0-9 a-z A-Z . - _ / @、長さは 1〜255 文字）"),
    S.REF: ("not a GUID reference: 1-255 characters of 0-9 a-z A-Z . - _ / @",
            "GUID 参照の形式ではありません（使える文字は 0-9 a-z A-Z . - _ / @、長さは 1〜255 文字）"),
    S.REFS: ("not a comma-separated list of GUID references (no spaces, no empty elements)",
             "GUID 参照をカンマで区切ったリストになっていません（空白や空の要素は使えません）"),
    S.STRINGS: ("list of strings has an empty element (leading, trailing or doubled comma)",
                "文字列リストに空の要素があります（先頭・末尾のカンマ、または続けて書いたカンマ）"),
    S.BRACED: ("not a list of {type:value} items, e.g. {LDAP:id} or \"{LDAP:id},{LTI:id}\"",
               "{type:value} 形式のリストになっていません（例: {LDAP:id}、\"{LDAP:id},{LTI:id}\"）"),
    S.DATE: ("not a valid Date YYYY-MM-DD", "YYYY-MM-DD 形式の正しい日付ではありません"),
    S.DATETIME: ("not a valid DateTime YYYY-MM-DDTHH:MM:SS.sssZ (UTC, milliseconds)",
                 "YYYY-MM-DDTHH:MM:SS.sssZ 形式（UTC、ミリ秒まで）の正しい日時ではありません"),
    S.YEAR: ("not a Year YYYY", "年が YYYY 形式（西暦4桁）ではありません"),
    S.BOOL: ("not a Boolean: must be true or false (lower case)",
             "真偽値ではありません（小文字の true か false で書きます）"),
    S.FLOAT: ("not a number (Float)", "数値（Float）として読めません"),
    S.INT: ("not an integer", "整数ではありません"),
}


def bad_format(column: str, kind: str) -> pl.Expr | None:
    """Expression true where a non-empty cell violates the column's format (None: no format rule)."""
    v = pl.col(column)
    match kind:
        case S.GUID | S.REF:
            bad = ~v.str.contains(GUID_RE) | (v.str.len_bytes() > 255)
        case S.REFS:
            bad = ~v.str.contains(GUID_LIST_RE) | v.str.contains(r"[^,]{256}")
        case S.STRINGS:
            bad = v.str.contains(r"(^,|,,|,$)")
        case S.BRACED:
            bad = ~v.str.contains(BRACED_RE)
        case S.DATE:
            bad = ~v.str.contains(DATE_RE) | v.str.to_date("%Y-%m-%d", strict=False).is_null()
        case S.DATETIME:
            bad = ~v.str.contains(DATETIME_RE) | v.str.to_datetime(
                "%Y-%m-%dT%H:%M:%S%.3fZ", strict=False).is_null()
        case S.YEAR:
            bad = ~v.str.contains(YEAR_RE)
        case S.BOOL:
            bad = ~v.is_in(["true", "false"])
        case S.FLOAT:
            bad = ~v.str.contains(FLOAT_RE)
        case S.INT:
            bad = ~v.str.contains(INT_RE)
        case _:
            return None
    return (v != "") & bad


def bad_enum(col: S.Column, extra: tuple[str, ...] = ()) -> pl.Expr:
    """True where a non-empty cell is not in the vocabulary (``ext:`` terms only where extensible).

    ``extra``: tokens the profile adds to the vocabulary (``vocabulary_extensions``).
    """
    v = pl.col(col.name)
    values = [*col.values, *extra]
    if col.kind == S.ENUMS:
        ok_el = pl.element().is_in(values)
        if col.extensible:
            ok_el = ok_el | pl.element().str.contains(S.EXT_PATTERN)
        return (v != "") & ~v.str.split(",").list.eval(ok_el).list.all()
    ok = v.is_in(values)
    if col.extensible:
        ok = ok | v.str.contains(S.EXT_PATTERN)
    return (v != "") & ~ok


def _filled(df: pl.DataFrame, names: list[str]) -> list[str]:
    """The columns with at least one non-empty cell: regexes and date parsing then skip the columns
    a bulk file leaves empty (status, dateLastModified, most optional fields) at ~3 ms per 1M cells."""
    if not names:
        return []
    row = df.select([(pl.col(n) != "").any().alias(n) for n in names]).row(0)
    return [n for n, filled in zip(names, row, strict=True) if filled]


def _counts(df: pl.DataFrame, masks: dict[str, pl.Expr]) -> dict[str, int]:
    """Violations per column in one pass over the chunk."""
    if not masks:
        return {}
    row = df.select([m.sum().alias(c) for c, m in masks.items()]).row(0)
    return {c: int(n or 0) for c, n in zip(masks, row, strict=True)}


# ---------------------------------------------------------------------------------- header


@file_rule(at="start", checks=("or.{file}.header",))
def header(fc: FileContext) -> None:
    """CSV121 §3: header required, exact order, case-sensitive, unique, extensions right + metadata.*."""
    cid = fc.cid("header")
    expected = list(fc.schema.header)
    actual = fc.header
    if not actual:
        fc.fail(cid, "header row is missing (the file is empty)", ja="ヘッダー行がありません（ファイルが空です）", row=1)
        return
    seen: set[str] = set()
    for name in actual:
        if name in seen:
            fc.fail(cid, "header name appears more than once", ja="ヘッダー名が重複しています",
                    row=1, column=name, value=name)
        seen.add(name)
    lower = {a.lower(): a for a in actual}
    exp_lower = {e.lower() for e in expected}
    unknown = [a for a in dict.fromkeys(actual) if a not in expected and a.lower() not in exp_lower]
    misspelt: set[str] = set()
    for name in expected:
        if name in seen:
            continue
        found = lower.get(name.lower())
        if found is not None:
            fc.fail(cid, "header name differs from the specified name only in case (names are case-sensitive)",
                    ja="列名が仕様の名前と大文字・小文字だけ違います（列名は大文字・小文字を区別します）",
                    row=1, column=name, value=found)
        elif (meant := did_you_mean(name, [u for u in unknown if u not in misspelt])) is not None:
            misspelt.add(meant)  # one finding for the pair, not "missing" plus "unknown"
            fc.fail(cid, f"header name looks misspelt: did you mean {name}?",
                    ja=f"列名の綴りが違うようです。{name} の誤りではありませんか", row=1, column=name, value=meant)
        else:
            fc.fail(cid, "specified column is missing from the header", ja="仕様で定められた列がヘッダーにありません",
                    row=1, column=name)
    present = list(dict.fromkeys(a for a in actual if a in expected))  # a repeat is reported above
    in_order = [e for e in expected if e in seen]
    if present != in_order:
        # Name the first place that breaks the order: the column the specification puts there
        # (location) and the one the file has instead (value).
        k = next(i for i, (got, want) in enumerate(zip(present, in_order, strict=True)) if got != want)
        fc.fail(cid, "columns are not in the order the specification defines: this column belongs here, "
                "the value is the column the file has in its place",
                ja="列の並び順が仕様と違います。この位置には列名の列が来るはずですが、値の列が置かれています",
                row=1, column=in_order[k], value=present[k])
    last_defined = max((i for i, a in enumerate(actual) if a in expected), default=-1)
    for i, name in enumerate(actual):
        if name in expected or name.lower() in exp_lower or name in misspelt:
            continue
        if not name.startswith("metadata."):
            fc.fail(cid, "unknown column: extension columns must be named metadata.*",
                    ja="仕様にない列です。独自に追加する列は metadata. で始まる名前にしてください", row=1, column=name, value=name)
        elif i < last_defined:
            fc.fail(cid, "extension column must come after all specified columns",
                    ja="独自に追加した列（metadata.*）は、仕様で定められた列よりも右に置いてください", row=1, column=name, value=name)


@file_rule(at="end", checks=("or.{file}.not-empty",))
def not_empty(fc: FileContext) -> None:
    """CSV121 §3: files with no data rows are not permitted (a file whose rows were dropped by the
    reader is not empty: its checks are not evaluated instead)."""
    if fc.rows == 0 and fc.complete:
        fc.fail(fc.cid("not-empty"), "file has no data rows (not permitted; leave the file out instead)",
                ja="データ行が1行もありません。データのないファイルは認められていないため、ファイルを含めずに manifest で absent としてください")


# ---------------------------------------------------------------------------------- cells


@row_rule(checks=("or.{file}.required",))
def required(fc: FileContext, df: pl.DataFrame) -> None:
    cols = [c.name for c in fc.schema.columns if c.required and fc.has(c.name)]
    counts = _counts(df, {c: pl.col(c) == "" for c in cols})
    for c, n in counts.items():
        if not n:
            continue
        if fc.null_columns and c in fc.null_columns and fc.raw is not None:
            # null_literal_as_empty: the NULL is the missing value; say so (or.jp.null-literal leaves it here)
            was_null = fc.raw[c] == NULL_LITERAL
            fc.emit(fc.cid("required"), df, was_null, column=c, value=None,
                    message="required value is the literal NULL, which this profile reads as blank",
                    ja="必須項目に文字列 NULL が入っています（このプロファイルでは NULL を空欄として扱うため、値がないことになります）")
            fc.emit(fc.cid("required"), df, (df[c] == "") & ~was_null, column=c, value=None,
                    message="required value is empty", ja="必須項目が空です")
            continue
        fc.emit(fc.cid("required"), df, pl.col(c) == "", column=c, value=None,
                message="required value is empty", ja="必須項目が空です")


def refs_cover_format(fc: FileContext, col: S.Column) -> bool:
    """True if the refs rule format-checks this GUID-reference column (on dangling values only).

    A value that resolves equals a sourcedId of the target file, whose own format check already
    judged it; testing only the unresolved values saves a regex pass over every reference column
    (5M-row enrollments carry three).
    """
    return (col.kind == S.REF and col.ref != fc.name and col.ref is not None
            and fc.run.keys.ready(col.ref) and resolvable(fc, col)
            and (fc.wants(fc.cid("refs")) or fc.wants("or.delta.refs")))


def resolvable(fc: FileContext, col: S.Column) -> bool:
    """References are judged only against a target file whose rows all reached the rules: an id on a
    row the reader dropped would read as dangling (the refs check is not evaluated instead)."""
    return col.ref is not None and fc.run.complete(f"{col.ref}.csv")


def _emit_format(fc: FileContext, df: pl.DataFrame, column: str, mask: pl.Expr | pl.Series) -> None:
    en, ja = FORMAT_TEXT[fc.schema.by_name[column].kind]
    fc.emit(fc.cid("format"), df, mask, column=column, message=en, ja=ja)


def _uuid_proves_guid(fc: FileContext, df: pl.DataFrame, col: S.Column) -> bool:
    """True if a rule already matched this GUID column against ``UUID_V4_RE`` and every non-empty
    cell matched: each is then a valid GUID, and the GUID regex pass can be skipped."""
    uuid = fc.matched(col.name, S.UUID_V4_RE) if col.kind == S.GUID else None
    return uuid is not None and not ((df[col.name] != "") & ~uuid).any()


@row_rule(checks=("or.{file}.format",))
def formats(fc: FileContext, df: pl.DataFrame) -> None:
    names = [c.name for c in fc.schema.columns
             if fc.has(c.name) and bad_format(c.name, c.kind) is not None and not refs_cover_format(fc, c)
             and not _uuid_proves_guid(fc, df, c)]
    masks = {n: m for n in _filled(df, names) if (m := bad_format(n, fc.schema.by_name[n].kind)) is not None}
    for c, n in _counts(df, masks).items():
        if n:
            _emit_format(fc, df, c, masks[c])


@row_rule(checks=("or.{file}.enum",))
def enums(fc: FileContext, df: pl.DataFrame) -> None:
    names = [c.name for c in fc.schema.columns if c.kind in (S.ENUM, S.ENUMS) and fc.has(c.name)]
    masks = {n: bad_enum(fc.schema.by_name[n], fc.run.extra_values(fc.name, n)) for n in _filled(df, names)}
    for c, n in _counts(df, masks).items():
        if not n:
            continue
        col = fc.schema.by_name[c]
        allowed = " | ".join([*col.values, *fc.run.extra_values(fc.name, c)])
        if col.extensible:
            en = f"value is not in the vocabulary {{{allowed}}} and is not an ext: term (^ext:[a-zA-Z0-9.-_]+$)"
            ja = f"使える値（{{{allowed}}}）でも、ext: で始まる拡張語（^ext:[a-zA-Z0-9.-_]+$）でもありません"
        else:
            en = f"value is not in the vocabulary {{{allowed}}} (this vocabulary may not be extended)"
            ja = f"使える値（{{{allowed}}}）ではありません（この項目は ext: による拡張もできません）"
        fc.emit(fc.cid("enum"), df, masks[c], column=c, message=en, ja=ja)


# ---------------------------------------------------------------------------------- status


@file_rule(at="start", checks=("or.{file}.status",), reads=("manifest",))
def status_mode(fc: FileContext) -> None:
    if fc.mode is None:
        fc.sink.skip(fc.cid("status"), "manifest does not declare this file bulk or delta")


@row_rule(checks=("or.{file}.status",), reads=("manifest",))
def status(fc: FileContext, df: pl.DataFrame) -> None:
    """CSV121 §3: bulk rows leave status/dateLastModified empty; delta rows fill both."""
    cid = fc.cid("status")
    if fc.mode == "bulk":
        for c in ("status", "dateLastModified"):
            if fc.has(c):
                fc.emit(cid, df, pl.col(c) != "", column=c,
                        message=f"{c} must be empty in a bulk file", ja=f"bulk のファイルでは {c} を空欄にする必要があります")
    elif fc.mode == "delta":
        if fc.has("status"):
            fc.emit(cid, df, ~pl.col("status").is_in(list(STATUS_VALUES)), column="status",
                    message="status must be active or tobedeleted in a delta file",
                    ja="delta のファイルでは status を active か tobedeleted にする必要があります")
        if fc.has("dateLastModified"):
            fc.emit(cid, df, pl.col("dateLastModified") == "", column="dateLastModified", value=None,
                    message="dateLastModified is required in a delta file",
                    ja="delta のファイルでは dateLastModified が必須です")


# ---------------------------------------------------------------------------------- unique


@row_rule(checks=("or.{file}.unique",))
def unique_collect(fc: FileContext, df: pl.DataFrame) -> None:
    if fc.has("sourcedId"):
        fc.state.setdefault("unique", []).append(fc.hash("sourcedId"))  # 8 bytes per row


@file_rule(at="end", checks=("or.{file}.unique",))
def unique_finish(fc: FileContext) -> None:
    """Distinct hashes = distinct ids (fast path); otherwise re-read the rows whose hash repeats
    and compare the ids exactly, so a hash collision can never produce a false finding."""
    cid = fc.cid("unique")
    parts: list[pl.Series] = fc.state.pop("unique", [])
    if not fc.has("sourcedId"):
        fc.sink.skip(cid, "the header has no sourcedId column")
        return
    if not parts:
        return
    h = pl.concat(parts)
    h = h.filter(h != EMPTY_HASH)  # empty ids belong to the required check
    if h.n_unique() == h.len():
        return
    repeated_hashes = h.filter(h.is_duplicated()).unique()
    where = hash_expr("sourcedId").is_in(repeated_hashes.implode()) & (pl.col("sourcedId") != "")
    rows = rescan(fc.run, fc.schema, where, ["sourcedId"]).sort(LINE)
    rows = rows.with_columns(pl.col(LINE).min().over("sourcedId").alias("first"))
    repeated = rows.filter(pl.col(LINE) != pl.col("first"))
    total = repeated.height
    sample = repeated.head(fc.sink.room(cid)).to_dicts()
    findings = [
        Finding(message=f"sourcedId is not unique: it is already used on line {r['first']}",
                message_ja=f"sourcedId が {r['first']} 行目と重複しています",
                location=Location(file=fc.file_name, row=r[LINE], column="sourcedId"), value=r["sourcedId"])
        for r in sample
    ]
    fc.sink.add_counted(cid, total, findings)


# ---------------------------------------------------------------------------------- refs


def _ref_values(df: pl.DataFrame, col: S.Column) -> pl.DataFrame:
    """(line, value) of every non-empty referenced id; lists are exploded into elements."""
    sel = df.select(pl.col(LINE), pl.col(col.name)).filter(pl.col(col.name) != "")  # often empty: cheap
    # Most lists hold one id: splitting 1M single-element cells costs ~0.1 s, a comma search ~5 ms.
    if col.kind == S.REFS and sel.height and sel[col.name].str.contains(",", literal=True).any():
        sel = sel.with_columns(pl.col(col.name).str.split(",")).explode(col.name).filter(pl.col(col.name) != "")
    return sel


def _refs_messages(col: S.Column) -> tuple[str, str]:
    tname = f"{col.ref}.csv"
    return (f"reference does not resolve to a sourcedId in {tname}", f"参照している sourcedId が {tname} にありません")


def _emit_dangling(fc: FileContext, df: pl.DataFrame, dangling: pl.Series | None, col: S.Column) -> None:
    """Report the dangling references of ``df`` (``dangling``: mask; None = every row), then check the
    format of those values only (values that resolve were judged as the target's sourcedIds)."""
    dangling_id = "or.delta.refs" if fc.mode == "delta" else fc.cid("refs")
    en, ja = _refs_messages(col)
    if fc.emit(dangling_id, df, dangling, column=col.name, message=en, ja=ja) and fc.wants(fc.cid("format")):
        bad = df.select(LINE, col.name)
        if dangling is not None:
            bad = bad.filter(dangling)
        fmt = bad_format(col.name, col.kind)
        assert fmt is not None
        _emit_format(fc, bad, col.name, fmt)


def _check_single_refs(fc: FileContext, df: pl.DataFrame, col: S.Column) -> None:
    """One GUID reference per cell: Series arithmetic on the chunk's cached hashes, no copies.

    A large untyped target (users) is looked up once per file instead (``refs_later``).
    """
    run = fc.run
    target = col.ref
    assert target is not None
    cid = fc.cid("refs")
    if not col.ref_type and run.keys.large(target):
        fc.lookup_later("refs", target, col.name)
        return
    h = fc.hash(col.name)
    nonempty = df[col.name] != ""
    if col.ref_type:  # the typed set is small (schools): look it up first, the full set only if needed
        typed = run.keys.known_hashes(target, h, attr="type", value=col.ref_type)
        suspect = nonempty & ~typed
        known = typed | (suspect & run.keys.known_hashes(target, h)) if suspect.any() else typed
    else:
        known = run.keys.known_hashes(target, h)
    _emit_dangling(fc, df, nonempty & ~known, col)
    if col.ref_type:
        en, ja = _type_messages(target, col.ref_type)
        fc.emit(cid, df, known & ~typed, column=col.name, message=en, ja=ja)


def _type_messages(target: str, ref_type: str) -> tuple[str, str]:
    """(en, ja) for a reference whose row exists in ``target`` but has another type."""
    return (f"referenced row of {target}.csv does not have type {ref_type}",
            f"参照先（{target}.csv）の行の type が {ref_type} ではありません")


def _check_refs(fc: FileContext, values: pl.DataFrame, col: S.Column) -> None:
    run = fc.run
    target = col.ref
    assert target is not None
    cid = fc.cid("refs")
    delta = fc.mode == "delta"
    dangling_id = "or.delta.refs" if delta else cid
    tname = f"{target}.csv"
    if run.keys.ready(target):
        known = run.keys.known(target, col.name)
        en, ja = _refs_messages(col)
        fc.emit(dangling_id, values, ~known, column=col.name, message=en, ja=ja)
        if col.ref_type:
            typed = run.keys.known(target, col.name, attr="type", value=col.ref_type)
            en, ja = _type_messages(target, col.ref_type)
            fc.emit(cid, values, known & ~typed, column=col.name, message=en, ja=ja)
    elif not run.present(tname):
        fc.emit(dangling_id, values, None, column=col.name,
                message=f"reference cannot resolve: {tname} is not in the package",
                ja=f"{tname} がパッケージにないため、参照先を確かめられません")
    elif not run.unread(tname):  # present but without a usable sourcedId column: its header check says why
        fc.sink.skip(cid, f"{tname} has no readable sourcedId column, so references to it cannot be checked")


def referenced(schema: S.FileSchema) -> set[str]:
    """What the refs rules read besides the file: the files it references, and the manifest (bulk
    or delta decides which check a dangling reference goes to)."""
    return {c.ref for c in schema.refs() if c.ref} | {"manifest"}


@row_rule(checks=("or.{file}.refs", "or.delta.refs"), reads=referenced)
def refs(fc: FileContext, df: pl.DataFrame) -> None:
    """CSV121 §2.1/App. A: bulk sets are semantically complete; references to earlier files here."""
    for col in fc.schema.refs():
        if not fc.has(col.name) or not resolvable(fc, col):
            continue
        if refs_cover_format(fc, col):
            _check_single_refs(fc, df, col)
            continue
        values = _ref_values(df, col)
        if values.height == 0:
            continue
        if col.ref == fc.name:
            fc.state.setdefault(("self", col.name), []).append(values)  # checked once the file is read
        else:
            _check_refs(fc, values, col)


@file_rule(at="end", checks=("or.{file}.refs", "or.delta.refs"), reads=referenced)
def refs_later(fc: FileContext) -> None:
    """The lookups ``_check_single_refs`` queued: one probe of the whole column, then the dangling
    rows (with their values) are reported as the per-chunk path would."""
    for col in fc.schema.refs():
        if col.ref is None:
            continue
        rows = fc.missing_later("refs", col.ref, col.name)
        if rows is not None and rows.height:
            _emit_dangling(fc, rows, None, col)


@file_rule(at="end", checks=("or.{file}.refs", "or.delta.refs"), reads=referenced)
def refs_self(fc: FileContext) -> None:
    for col in fc.schema.refs():
        parts = fc.state.pop(("self", col.name), None)
        if parts and col.ref == fc.name and resolvable(fc, col):
            _check_refs(fc, pl.concat(parts), col)


# ---------------------------------------------------------------------------------- package


@cross_rule(order=0, checks=("or.package.rostering-set",), reads=("manifest",))
def rostering_set(run: Run) -> None:
    """CSV121 App. A: a rostering bulk set has academicSessions, classes, courses, enrollments, orgs,
    roles, users (1.1: no roles)."""
    core = [f for f in ROSTERING_CORE if f in run.schemas]
    supplied = [f for f in core if run.present(f"{f}.csv") and run.mode(f) != "delta"]
    if not supplied:
        return
    for f in core:
        if not run.present(f"{f}.csv"):
            run.sink.fail("or.package.rostering-set",
                          f"a rostering bulk set must include {f}.csv (CSV121 Appendix A)",
                          ja=f"名簿（rostering）の bulk セットには {f}.csv が必要です（CSV121 付録A）",
                          file=f"{f}.csv")
