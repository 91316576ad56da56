"""The OneRoster CSV rule engine: one streaming pass per file, vectorised rules, bounded memory.

Phases (registered on ``renkei.harness.oneroster.csv.target``):
  15 manifest  (``manifest.py``) reads manifest.csv and creates the ``Run``;
  20 files     reads every data file of the variant once, in ``schema.FILE_ORDER`` (every reference
               points to a file read earlier or to the same file), calling the rules below;
  30 cross     cross-file rules, after all files are read;
  90 unseen    what the reader could not deliver (``undelivered.py``) becomes "not evaluated" on every
               check whose rules read the file concerned, so no check passes on rows it never saw.

Every rule says what it reads: a row/file rule its files (``row_rule("users", ...)``; none = every
file) plus, with ``reads=``, the other files it looks up (keys of referenced files, ``"manifest"`` for
bulk/delta); a ``file_rule(at="start")`` reads only the header; a cross rule must declare ``reads``.
Checks reported outside the rules (the manifest phase) declare theirs with ``depends``. The reader's
own checks (``or.enc.*``, ``or.csv.*``, the entry checks) depend on the bytes of every file.

Writing a rule (V-b and later helpers)::

    @row_rule("users", checks=("or.jp.kana",))      # no files = every file; "{file}" in a check
    def kana(fc: FileContext, df: pl.DataFrame) -> None:   # id template is the file's name
        fc.emit("or.jp.kana", df, pl.col("metadata.jp.kanaGivenName").str.contains("[ｦ-ﾟ]"),
                column="metadata.jp.kanaGivenName", message="...", ja="...")

    @file_rule("roles", at="end", checks=(...))      # func(fc) before the first / after the last chunk
    @cross_rule(order=10, checks=(...))              # func(run) in phase 30

``df`` holds one Utf8 column per header field (names exactly as in the header; a column missing
from the header is missing from ``df``, so test ``fc.has(col)``), empty field = ``""``, and an Int64
``__line__`` (1-based physical line, header = 1). A rule runs only if one of its ``checks`` is
active (an empty ``checks`` always runs). Keep per-row Python out of the common path: filter with
polars expressions and let ``emit`` count everything and materialise only ``sink.room()`` findings.
Rules may keep bounded state in ``fc.state`` (per file).
``emit``'s mask is a boolean expression or a boolean Series aligned with ``df``. ``fc.hash(col)``
gives the column's 64-bit hashes, computed once per chunk and shared by all rules (keys, unique,
refs); ``fc.match(col, regex)`` likewise shares a regex pass (the Japanese UUID match also proves
the GUID format). ``rescan(run, schema, where, columns)`` re-reads rows of a finished file on
failure paths (e.g. fetching the ids behind repeated hashes) without re-reporting reader findings.
Per-chunk work should be O(columns) in Python: a rule that needs one column selects it before
filtering (``hits.subset(..., columns)``, lazy ``filter().select()``), never copies the chunk.

Keys: ``run.keys`` keeps the 64-bit hashes of the sourcedIds of every referenced file (see
``schema.ref_targets``, plus ``EXTRA_KEYED``) plus selected attributes (orgs.type,
academicSessions.type, classes.classType; add more with ``track_attribute``). ``run.keys.known(
"orgs", "parentSourcedId", attr="type", value="school")`` is an expression that is true where the
column's value is the sourcedId of a read row (of that type). Hashing keeps 5M ids in 40 MB; a
dangling reference whose hash collides with an existing id (p ~ n*m/2^64) would go unnoticed.
Lookups in a large file (``KeyStore.large``: users) are queued per chunk with ``fc.lookup_later``
and answered once per file by ``fc.missing_later``, so the lookup set is built once, not per chunk
(the queue keeps the column's strings: ~50 bytes per row of that one column until the file ends).

Chunks of a zip member are read one ahead in a thread (``prefetch.Prefetch``) while the rules run.

Profile parameters read here (``analysis.params`` / per-check params): ``columns`` (variant name of
``columns.py``; default ``1.2.1``), ``chunk_mib`` (raw MiB per chunk, default 64; memory vs speed),
``prefetch`` (bool, default true: read a zip member's next chunk in a thread while the rules run),
``null_literal_as_empty`` (bool, default false: the literal ``NULL`` is read as a blank field by every
rule except ``or.jp.null-literal``, as MEIBO does; the Japanese profiles set it because DA-R/DA-AA
write ``NULL`` for "no parent"), ``vocabulary_extensions`` (``{"file.column": [token, ...]}``: extra
tokens a profile admits into a base vocabulary, e.g. MEIBO's ``guardian`` enrollments; default none).
With ``null_literal_as_empty`` the rules see the blanked chunk as ``df``; ``fc.raw`` keeps the cells
as read and ``fc.null_columns`` names the columns of the chunk that held a ``NULL``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Literal, Protocol

import polars as pl

from renkei.harness.core import progress
from renkei.harness.core.errors import ConfigError
from renkei.harness.core.model import Finding, Location
from renkei.harness.oneroster.csv.package import limits_from_params
from renkei.harness.oneroster.csv.phases import Analysis, phase
from renkei.harness.oneroster.csv.prefetch import Prefetch
from renkei.harness.oneroster.csv.reader import DEFAULT_CHUNK_BYTES, LINE, read_csv, unique_names
from renkei.harness.oneroster.csv.sink import FindingSink
from renkei.harness.oneroster.csv.undelivered import Account, Level
from renkei.harness.oneroster.model.columns import VARIANTS
from renkei.harness.oneroster.model.schema import ALL_FILES, ENUM, ENUMS, FileSchema, ref_targets, schema_for

HASH_SEED = 0x5EED_0A12
DEFAULT_VARIANT = "1.2.1"
# Key sets at least this big are probed once per file (``FileContext.lookup_later``), not per chunk:
# ``is_in`` builds its hash set on every call (~25 ms CPU per 1M keys), which a 5M-row enrollments
# file paid 16 times for its userSourcedId column. The queue keeps that column (~0.3 GB for 5M rows)
# until the file ends, so a failing file is never read twice.
LOOKUP_LATER_KEYS = 200_000
NULL_LITERAL = "NULL"
Mode = Literal["bulk", "delta"]


# --------------------------------------------------------------------------------------------
# Sources: where the engine gets header + chunks from (the zip via reader.py, or memory in tests)


class ChunkLike(Protocol):
    df: pl.DataFrame


class StreamLike(Protocol):
    header: list[str]
    account: Account

    def __iter__(self) -> Iterator[Any]: ...


class Source(Protocol):
    def names(self) -> set[str]:
        """Display names of the root-level files present ("users.csv"), readable or not."""
        ...

    def unread(self) -> dict[str, tuple[str, str]]:
        """Files present that cannot be read at all: name -> (why, the check that reported it)."""
        ...

    def open(self, name: str, *, quiet: bool = False) -> StreamLike:
        """Stream a CSV file; ``quiet`` re-reads without reporting reader findings again."""
        ...


def variant_of(params: dict[str, Any]) -> str:
    """The ``columns`` profile parameter: a variant name of ``columns.py`` (default 1.2.1)."""
    variant = str(params.get("columns", DEFAULT_VARIANT))
    if variant not in VARIANTS:
        raise ConfigError(f"profile parameter 'columns': unknown OneRoster CSV variant {variant!r} "
                          f"(known: {', '.join(VARIANTS)})")
    return variant


def validate_params(params: dict[str, Any]) -> None:
    """Raise ``ConfigError`` for any malformed profile parameter the analysis reads.

    Called when the target opens, so a typo stops the run with exit 2 before any phase runs
    instead of failing one phase (and with it the checks) halfway through the analysis.
    """
    variant = variant_of(params)
    null_literal_as_empty(params)
    vocabulary_extensions(params, variant)
    chunk_bytes(params)
    prefetch_chunks(params)
    limits_from_params(params)


def null_literal_as_empty(params: dict[str, Any]) -> bool:
    """The ``null_literal_as_empty`` profile parameter (a Boolean; default false)."""
    raw = params.get("null_literal_as_empty", False)
    if not isinstance(raw, bool):
        raise ConfigError("profile parameter 'null_literal_as_empty': expected true or false")
    return raw


def vocabulary_extensions(params: dict[str, Any], variant: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """The ``vocabulary_extensions`` profile parameter as ``{(file, column): tokens}``.

    Only enumerated columns of the variant can be extended; anything else is a configuration error
    naming the offending key, so a typo cannot silently leave a vocabulary strict.
    """
    raw = params.get("vocabulary_extensions") or {}
    where = "profile parameter 'vocabulary_extensions'"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of file.column to a list of values")
    schemas = schema_for(variant)
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for key, values in raw.items():
        file, _, column = str(key).partition(".")
        col = schemas[file].column(column) if file in schemas else None
        if col is None or col.kind not in (ENUM, ENUMS):
            raise ConfigError(f"{where}: {key!r} is not an enumerated column of OneRoster CSV {variant} "
                              "(expected file.column, e.g. enrollments.role)")
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise ConfigError(f"{where}: {key!r} must be a list of non-empty strings")
        out[(file, column)] = tuple(v for v in values if v not in col.values)
    return out


def prefetch_chunks(params: dict[str, Any]) -> bool:
    """The ``prefetch`` profile parameter (default true): read the next chunk while the rules run;
    false saves one chunk of memory (~100 MB at the default size) for a single-core machine."""
    raw = params.get("prefetch", True)
    if not isinstance(raw, bool):
        raise ConfigError("profile parameter 'prefetch': expected true or false")
    return raw


def chunk_bytes(params: dict[str, Any]) -> int:
    """The ``chunk_mib`` profile parameter in bytes (a positive number; default 64 MiB)."""
    raw = params.get("chunk_mib", DEFAULT_CHUNK_BYTES // 2**20)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 1 <= raw <= 1024:
        raise ConfigError("profile parameter 'chunk_mib': expected a number of MiB between 1 and 1024")
    return int(raw * 2**20)


class BundleSource:
    """Adapter over ``package.Bundle`` + ``reader.read_csv``."""

    def __init__(self, bundle: Any, sink: FindingSink, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                 prefetch: bool = True) -> None:
        self.bundle = bundle
        self.sink = sink
        self.chunk_bytes = chunk_bytes
        self.prefetch = prefetch  # parse the next chunk while the rules check this one

    def names(self) -> set[str]:
        return set(self.bundle.files) | set(self.bundle.unread)

    def unread(self) -> dict[str, tuple[str, str]]:
        return dict(self.bundle.unread)

    def open(self, name: str, *, quiet: bool = False) -> StreamLike:
        return read_csv(self.bundle, name, FindingSink({}) if quiet else self.sink, chunk_bytes=self.chunk_bytes)


@dataclass
class _MemChunk:
    df: pl.DataFrame


@dataclass
class _MemStream:
    header: list[str]
    frames: list[pl.DataFrame]
    rows: int = 0
    account: Account = field(default_factory=lambda: Account(""))

    def __iter__(self) -> Iterator[_MemChunk]:
        for f in self.frames:
            self.rows += f.height
            yield _MemChunk(f)


class MemorySource:
    """Files given as lists of rows (first row = header); for tests and generated data.

    Rows shorter/longer than the header are padded/truncated (the real reader reports them).
    """

    def __init__(self, files: dict[str, list[list[str]]], chunk_rows: int = 2) -> None:
        self.files = files
        self.chunk_rows = max(1, chunk_rows)

    def names(self) -> set[str]:
        return set(self.files)

    def unread(self) -> dict[str, tuple[str, str]]:
        return {}

    def open(self, name: str, *, quiet: bool = False) -> _MemStream:
        rows = self.files[name]
        if not rows:
            return _MemStream([], [])
        header = list(rows[0])
        names = unique_names(header)
        frames: list[pl.DataFrame] = []
        body = rows[1:]
        for start in range(0, len(body), self.chunk_rows):
            part = body[start:start + self.chunk_rows]
            data: dict[str, Any] = {
                n: [(r[i] if i < len(r) else "") for r in part] for i, n in enumerate(names)
            }
            data[LINE] = list(range(start + 2, start + 2 + len(part)))
            frames.append(pl.DataFrame(data, schema={**{n: pl.Utf8 for n in names}, LINE: pl.Int64}))
        return _MemStream(header, frames)


# --------------------------------------------------------------------------------------------
# Keys


KEY_ATTRS: dict[str, set[str]] = {"orgs": {"type"}, "academicSessions": {"type"}, "classes": {"classType"}}
EXTRA_KEYED: set[str] = {"users", "classes"}  # JP homeClass, demographics.sourcedId


def track_attribute(file: str, column: str) -> None:
    """Keep ``column`` next to the sourcedId hashes of ``file`` (for ``KeyStore.known(attr=...)``)."""
    KEY_ATTRS.setdefault(file, set()).add(column)
    EXTRA_KEYED.add(file)


def hash_expr(column: str | pl.Expr) -> pl.Expr:
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.hash(seed=HASH_SEED)


EMPTY_HASH: int = pl.Series([""]).hash(seed=HASH_SEED)[0]


class KeyStore:
    """Hashes of the non-empty sourcedIds of the files read so far (+ tracked attributes)."""

    def __init__(self, files: Iterable[str]) -> None:
        self.files = set(files)
        self._parts: dict[str, list[pl.DataFrame]] = {}
        self._tables: dict[str, pl.DataFrame] = {}
        self._sets: dict[tuple[str, str | None, str | None], tuple[pl.Series, pl.Series]] = {}

    def add(self, file: str, df: pl.DataFrame, hashes: pl.Series | None = None) -> None:
        """Keep the sourcedId hashes of a chunk (``hashes``: precomputed ``hash_expr``, optional)."""
        if file not in self.files or "sourcedId" not in df.columns:
            return
        h = (hashes if hashes is not None else df["sourcedId"].hash(seed=HASH_SEED)).alias("h")
        attrs = [a for a in sorted(KEY_ATTRS.get(file, ())) if a in df.columns]
        self._parts.setdefault(file, []).append(df.select(attrs).with_columns(h) if attrs else h.to_frame())

    def finish(self, file: str) -> None:
        if file not in self.files:
            return
        parts = self._parts.pop(file, [])
        table = pl.concat(parts, how="diagonal") if parts else pl.DataFrame({"h": pl.Series([], dtype=pl.UInt64)})
        self._tables[file] = table.filter(pl.col("h") != EMPTY_HASH)  # empty ids are not keys

    def ready(self, file: str) -> bool:
        """True once ``file`` was read completely (with a sourcedId column)."""
        return file in self._tables

    def _set(self, file: str, attr: str | None, value: str | None) -> tuple[pl.Series, pl.Series]:
        """(distinct hashes, the same imploded for ``is_in``), built once per (file, attr, value)."""
        key = (file, attr, value)
        if key not in self._sets:
            table = self._tables[file]
            if attr is not None:
                table = table.filter(pl.col(attr) == value) if attr in table.columns else table.clear()
            unique = table["h"].unique()
            self._sets[key] = (unique, unique.implode())
        return self._sets[key]

    def known(self, file: str, column: str | pl.Expr, *, attr: str | None = None,
              value: str | None = None) -> pl.Expr:
        """Expression: the column's value is a sourcedId of ``file`` (with ``attr == value``)."""
        return hash_expr(column).is_in(self._set(file, attr, value)[1])

    def known_hashes(self, file: str, hashes: pl.Series, *, attr: str | None = None,
                     value: str | None = None) -> pl.Series:
        """Like ``known`` for precomputed hashes (``FileContext.hash``): a boolean Series."""
        return hashes.is_in(self._set(file, attr, value)[1])

    def count(self, file: str) -> int:
        return self._tables[file].height if file in self._tables else 0

    def large(self, file: str) -> bool:
        """True if lookups in ``file`` should be batched per file (see ``LOOKUP_LATER_KEYS``)."""
        return self.count(file) >= LOOKUP_LATER_KEYS


# --------------------------------------------------------------------------------------------
# Findings


Mask = pl.Expr | pl.Series


def emit(sink: FindingSink, check_id: str, df: pl.DataFrame, mask: Mask | None = None, *,
         file: str, column: str | None, message: str, ja: str,
         value: str | None = "") -> int:
    """Record every row of ``df`` (where ``mask``) as a violation of ``check_id``; return the count.

    ``mask`` is a boolean expression or a boolean Series aligned with ``df`` (None = every row).
    Counts all, materialises at most ``sink.room(check_id)`` findings. ``value`` names the column
    whose cell goes into ``Finding.value`` (default: ``column``; None = no value). Messages must not
    contain cell values: put them in ``value``.
    """
    if not sink.wants(check_id) or df.height == 0:
        return 0
    if isinstance(mask, pl.Series):
        total = int(mask.sum() or 0)
        if total == 0:
            return 0
    elif mask is not None:
        total = int(df.select(mask.sum()).item() or 0)
        if total == 0:
            return 0
    else:
        total = df.height
    value_col = column if value == "" else value
    room = sink.room(check_id)
    findings: list[Finding] = []
    if room:
        keep = [LINE] + ([value_col] if value_col and value_col in df.columns else [])
        if isinstance(mask, pl.Series):  # project first: a violation never copies the other columns
            sample = df.select(keep).filter(mask).head(room)
        else:
            frame = df.lazy().filter(mask) if mask is not None else df.lazy()
            sample = frame.select(keep).head(room).collect()
        lines = sample[LINE].to_list()
        values = sample[value_col].to_list() if len(keep) == 2 else [None] * len(lines)
        findings = [
            Finding(message=message, message_ja=ja,
                    location=Location(file=file, row=int(line) if line is not None else None, column=column),
                    value=v)
            for line, v in zip(lines, values, strict=True)
        ]
    sink.add_counted(check_id, total, findings)
    return total


# --------------------------------------------------------------------------------------------
# Run state


@dataclass
class Run:
    """Everything the rules of one analysis share. Created by the manifest phase."""

    sink: FindingSink
    params: dict[str, Any]
    source: Source | None
    variant: str = DEFAULT_VARIANT
    manifest: Any = None  # manifest.Manifest, or None when manifest.csv is missing/unreadable
    rows: dict[str, int] = field(default_factory=dict)  # data rows read per file (name w/o .csv)
    headers: dict[str, list[str]] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)  # file name -> what was not delivered
    keys: KeyStore = field(init=False)

    def __post_init__(self) -> None:
        self.schemas: dict[str, FileSchema] = schema_for(self.variant)
        self.keys = KeyStore(ref_targets(self.variant) | EXTRA_KEYED)
        self.null_as_empty: bool = null_literal_as_empty(self.params)
        self.extensions = vocabulary_extensions(self.params, self.variant)

    @classmethod
    def create(cls, sink: FindingSink, params: dict[str, Any], source: Source | None) -> Run:
        return cls(sink=sink, params=params, source=source, variant=variant_of(params))

    def extra_values(self, file: str, column: str) -> tuple[str, ...]:
        """Tokens the profile adds to the base vocabulary of ``file.column`` (``vocabulary_extensions``)."""
        return self.extensions.get((file, column), ())

    def present(self, file_name: str) -> bool:
        """True if the package holds ``file_name`` (readable or not: see ``unread``)."""
        return self.source is not None and file_name in self.source.names()

    def unread(self, file_name: str) -> bool:
        """True if ``file_name`` is in the package but could not be read at all."""
        account = self.accounts.get(file_name)
        return account is not None and account.unread is not None

    def complete(self, file_name: str) -> bool:
        """True unless part of ``file_name`` was read and not delivered to the rules as written."""
        account = self.accounts.get(file_name)
        return account is None or account.complete

    def mode(self, name: str) -> Mode | None:
        """bulk/delta as the manifest declares it for ``name`` (None if unknown)."""
        if self.manifest is None:
            return None
        m = self.manifest.modes.get(name)
        return m if m in ("bulk", "delta") else None

    def param(self, check_id: str, key: str, default: Any = None) -> Any:
        """A parameter as the check sees it (check params, then profile params, then default)."""
        params = self.sink.params(check_id)
        if key in params:
            return params[key]
        return self.params.get(key, default)

    def skip_prefix(self, prefix: str, reason: str) -> None:
        for cid in list(self.sink.active):
            if cid.startswith(prefix):
                self.sink.skip(cid, reason)


@dataclass
class FileContext:
    """What a per-file rule sees about the file being read."""

    run: Run
    schema: FileSchema
    header: list[str]
    columns: set[str] = field(default_factory=set)  # df column names (duplicates renamed)
    rows: int = 0
    state: dict[str, Any] = field(default_factory=dict)
    chunk: pl.DataFrame | None = None  # the chunk being processed (NULL blanked if the profile says so)
    raw: pl.DataFrame | None = None  # the same chunk as read (differs only in null_columns)
    null_columns: list[str] | None = None  # columns of the chunk holding NULL; None = not looked for
    _hashes: dict[str, pl.Series] = field(default_factory=dict)
    _matches: dict[tuple[str, str], pl.Series] = field(default_factory=dict)

    def hash(self, column: str) -> pl.Series:
        """64-bit hashes (``HASH_SEED``) of a column of the current chunk, computed once per chunk."""
        if column not in self._hashes:
            assert self.chunk is not None
            self._hashes[column] = self.chunk[column].hash(seed=HASH_SEED)
        return self._hashes[column]

    def match(self, column: str, pattern: str) -> pl.Series:
        """Where the current chunk's column matches the regex ``pattern``; computed once per chunk, so
        rules that test the same pattern (or one that implies theirs) share one regex pass."""
        key = (column, pattern)
        if key not in self._matches:
            assert self.chunk is not None
            self._matches[key] = self.chunk[column].str.contains(pattern)
        return self._matches[key]

    def matched(self, column: str, pattern: str) -> pl.Series | None:
        """The ``match`` of the current chunk if a rule already computed it, else None."""
        return self._matches.get((column, pattern))

    @property
    def name(self) -> str:
        return self.schema.name

    @property
    def file_name(self) -> str:
        return self.schema.file_name

    @property
    def sink(self) -> FindingSink:
        return self.run.sink

    @property
    def mode(self) -> Mode | None:
        return self.run.mode(self.name)

    @property
    def complete(self) -> bool:
        """False when rows of this file were dropped or not read (see ``undelivered.py``)."""
        return self.run.complete(self.file_name)

    def cid(self, family: str) -> str:
        """``or.<file>.<family>``."""
        return f"or.{self.name}.{family}"

    def has(self, column: str) -> bool:
        return column in self.columns

    def wants(self, check_id: str) -> bool:
        return self.run.sink.wants(check_id)

    def emit(self, check_id: str, df: pl.DataFrame, mask: Mask | None = None, *,
             column: str | None, message: str, ja: str, value: str | None = "") -> int:
        return emit(self.run.sink, check_id, df, mask, file=self.file_name, column=column,
                    message=message, ja=ja, value=value)

    def fail(self, check_id: str, message: str, *, ja: str, column: str | None = None,
             row: int | None = None, value: Any = None) -> None:
        self.run.sink.fail(check_id, message, ja=ja, value=value, file=self.file_name,
                           column=column, row=row)

    def lookup_later(self, tag: str, target: str, column: str) -> None:
        """Queue the current chunk's ``column`` for one test against ``target``'s keys after the last
        chunk (``missing_later``): the big hash set is then built once per file, not once per chunk.
        The queue holds the column as read (no copy of the strings), so a failing file needs no
        second read to show the values. ``tag`` names the caller: queues of two rules never mix."""
        assert self.chunk is not None
        lines, values = self.state.setdefault(("lookup-later", tag, target, column), ([], []))
        lines.append(self.chunk.get_column(LINE))
        values.append(self.chunk.get_column(column))

    def missing_later(self, tag: str, target: str, column: str) -> pl.DataFrame | None:
        """(``__line__``, ``column``) of the queued rows whose non-empty value is not a sourcedId of
        ``target``, in file order (None: nothing was queued). Empties the queue."""
        queued = self.state.pop(("lookup-later", tag, target, column), None)
        if queued is None:
            return None
        lines = pl.concat(queued[0], rechunk=False)  # no copy: the Series keep their chunks
        values = pl.concat(queued[1], rechunk=False)
        hashes = values.hash(seed=HASH_SEED)
        missing = (hashes != EMPTY_HASH) & ~self.run.keys.known_hashes(target, hashes)
        return pl.DataFrame([lines, values]).filter(missing)


# --------------------------------------------------------------------------------------------
# Rule registry


RowFunc = Callable[[FileContext, pl.DataFrame], None]
FileFunc = Callable[[FileContext], None]
CrossFunc = Callable[[Run], None]


Reads = Iterable[str] | Callable[[FileSchema], Iterable[str]]


@dataclass(frozen=True)
class Rule:
    func: Callable[..., None]
    files: frozenset[str] | None  # None = every file
    checks: tuple[str, ...]  # check ids; "{file}" is replaced by the file name
    order: int = 0
    reads: Reads = ()  # files read besides the rule's own ("manifest" for bulk/delta), or schema -> files
    level: Level = Level.ROWS  # HEADER for rules that see only the header

    def other_files(self, schema: FileSchema | None) -> set[str]:
        if callable(self.reads):
            return set(self.reads(schema)) if schema is not None else set()
        return set(self.reads)

    def applies(self, sink: FindingSink, file: str | None) -> bool:
        if self.files is not None and file not in self.files:
            return False
        if not self.checks:
            return True
        return any(sink.wants(c.replace("{file}", file or "")) for c in self.checks)


ROW_RULES: list[Rule] = []
START_RULES: list[Rule] = []
END_RULES: list[Rule] = []
CROSS_RULES: list[Rule] = []


def _register(bucket: list[Rule], rule: Rule) -> None:
    if all(r.func is not rule.func for r in bucket):  # re-import safe
        bucket.append(rule)
        bucket.sort(key=lambda r: r.order)


def row_rule(*files: str, checks: Iterable[str] = (), order: int = 0,
             reads: Reads = ()) -> Callable[[RowFunc], RowFunc]:
    """Register ``func(fc, df)`` to run on every chunk of the given files (none = all files);
    ``reads`` names the other files it looks up (see the module docstring)."""

    def deco(func: RowFunc) -> RowFunc:
        _register(ROW_RULES, Rule(func, frozenset(files) or None, tuple(checks), order, reads))
        return func

    return deco


def file_rule(*files: str, at: Literal["start", "end"] = "end", checks: Iterable[str] = (),
              order: int = 0, reads: Reads = ()) -> Callable[[FileFunc], FileFunc]:
    """Register ``func(fc)`` to run before the first chunk (``start``: it sees the header only) or
    after the last (``end``: it has seen every row)."""

    def deco(func: FileFunc) -> FileFunc:
        bucket = START_RULES if at == "start" else END_RULES
        level = Level.HEADER if at == "start" else Level.ROWS
        _register(bucket, Rule(func, frozenset(files) or None, tuple(checks), order, reads, level))
        return func

    return deco


def cross_rule(*, reads: Iterable[str], order: int = 0,
               checks: Iterable[str] = ()) -> Callable[[CrossFunc], CrossFunc]:
    """Register ``func(run)`` for phase 30 (all files read); lower ``order`` runs first. ``reads``
    (required) names the files whose rows it judges (``"manifest"`` included)."""

    def deco(func: CrossFunc) -> CrossFunc:
        _register(CROSS_RULES, Rule(func, None, tuple(checks), order, tuple(reads)))
        return func

    return deco


DEPENDS: dict[str, dict[str, Level]] = {}  # check id -> file -> level, for checks reported outside rules


def depends(check_id: str, *files: str, level: Level = Level.ROWS) -> None:
    """Declare that ``check_id`` (reported outside the rules, e.g. by the manifest phase) reads
    ``files`` (names without .csv, "manifest" included)."""
    for f in files:
        DEPENDS.setdefault(check_id, {})[f] = max(level, DEPENDS.get(check_id, {}).get(f, level))


# The reader's own checks depend on the bytes of every file; those that judge delivered rows
# (a CR or an over-long value in a cell) on its rows. A gap never counts against its reporter.
READER_BYTES = ("or.enc.utf8", "or.enc.bom", "or.enc.line-endings", "or.csv.rfc4180", "or.csv.field-count",
                "or.pkg.unreadable", "or.pkg.zip-bomb")
READER_ROWS = ("or.enc.cr-in-field", "or.csv.limits")


# --------------------------------------------------------------------------------------------
# The loop


def _normalise(df: pl.DataFrame) -> pl.DataFrame:
    """Empty fields are "" (the reader's contract); fill nulls defensively, cheaply."""
    if any(df.null_count().row(0)):
        return df.with_columns(pl.col(pl.Utf8).fill_null(""))
    return df


def _aligned(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with every column cut into the same memory pieces.

    polars' parser returns each value column in as many pieces as its threads made, while the
    reader's ``__line__`` is one piece. With misaligned pieces every eager ``select``/``filter``/
    ``with_columns`` first re-aligns, i.e. copies, the whole frame: ~25 ms per call on 190k users
    rows, paid again by every rule. Cutting ``__line__`` at the value columns' boundaries costs
    ~0.1 ms and needs no copy; frames whose value columns disagree are copied into one piece once.
    """
    pieces = {tuple(df.get_column(c).chunk_lengths()) for c in df.columns if c != LINE}
    if LINE not in df.columns or len(pieces) != 1:
        return df.rechunk() if len(pieces) > 1 else df
    lengths = pieces.pop()
    line = df.get_column(LINE)
    if tuple(line.chunk_lengths()) == lengths or sum(lengths) != line.len():
        return df
    starts = accumulate(lengths[:-1], initial=0)
    cut = pl.concat([line.slice(o, n) for o, n in zip(starts, lengths, strict=True)], rechunk=False)
    out = df.clone()  # shallow: the columns are shared, only the frame's column list is new
    out.replace_column(df.columns.index(LINE), cut)
    return out


def null_columns(df: pl.DataFrame) -> list[str]:
    """Data columns of ``df`` with at least one cell that is exactly the literal ``NULL``.

    Cell lengths come from the string offsets without reading the bytes, so the columns with no
    4-byte cell at all (ids, dates, most names) are ruled out first; only the rest are compared.
    """
    names = [c for c in df.columns if c != LINE]
    if not names:
        return []
    size = len(NULL_LITERAL.encode())
    row = df.select([(pl.col(c).str.len_bytes() == size).any().alias(c) for c in names]).row(0)
    names = [c for c, maybe in zip(names, row, strict=True) if maybe]
    if not names:
        return []
    row = df.select([(pl.col(c) == NULL_LITERAL).any().alias(c) for c in names]).row(0)
    return [c for c, found in zip(names, row, strict=True) if found]


def blank_null_literals(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``df`` with the literal ``NULL`` replaced by "" in ``columns`` (other columns are not copied)."""
    if not columns:
        return df
    return df.with_columns([
        pl.when(pl.col(c) == NULL_LITERAL).then(pl.lit("")).otherwise(pl.col(c)).alias(c) for c in columns])


def read_files(run: Run) -> None:
    """Phase 20 body: every data file of the variant, in dependency order, read once."""
    if run.source is None:
        return
    for name in ALL_FILES:
        if name not in run.schemas:
            run.skip_prefix(f"or.{name}.", f"{name}.csv is not a file of OneRoster CSV {run.variant}")
    unread = run.source.unread()
    for name, schema in run.schemas.items():
        if not run.present(schema.file_name):
            run.skip_prefix(f"or.{name}.", f"{schema.file_name} is not in the package")
            continue
        if schema.file_name in unread:  # e.g. an encrypted entry, a FIFO: its findings say why
            run.accounts[schema.file_name] = account = Account(schema.file_name)
            account.not_read(*unread[schema.file_name])
            continue
        read_file(run, schema)


def read_file(run: Run, schema: FileSchema) -> FileContext | None:
    """Read one data file through every rule that applies; None when nothing of it could be read
    (its rules do not run, so nothing is derived from a file never seen)."""
    sink = run.sink
    assert run.source is not None
    progress.report(schema.file_name)
    stream = run.source.open(schema.file_name)
    run.accounts[schema.file_name] = stream.account
    if stream.account.unread is not None:
        return None
    header = list(stream.header)
    fc = FileContext(run=run, schema=schema, header=header, columns=set(unique_names(header)))
    run.headers[schema.name] = header
    for rule in START_RULES:
        if rule.applies(sink, schema.name):
            rule.func(fc)
    rows = [r for r in ROW_RULES if r.applies(sink, schema.name)]
    keyed = schema.name in run.keys.files and "sourcedId" in fc.columns
    chunks: Iterable[Any] = Prefetch(stream) if getattr(run.source, "prefetch", False) else stream
    for chunk in chunks:
        df = _normalise(chunk.df)
        if df.height == 0:
            continue
        df = _aligned(df)
        fc.raw = df
        if run.null_as_empty:
            fc.null_columns = null_columns(df)
            df = blank_null_literals(df, fc.null_columns)
        fc.columns = set(df.columns) - {LINE}
        fc.rows += df.height
        progress.report(f"{schema.file_name}: {fc.rows:,} rows")
        fc.chunk = df
        fc._hashes, fc._matches = {}, {}
        if keyed:
            run.keys.add(schema.name, df, fc.hash("sourcedId"))
        for rule in rows:
            rule.func(fc, df)
    fc.chunk, fc.raw, fc.null_columns, fc._hashes, fc._matches = None, None, None, {}, {}
    if keyed:
        run.keys.finish(schema.name)
    run.rows[schema.name] = fc.rows
    for rule in END_RULES:
        if rule.applies(sink, schema.name):
            rule.func(fc)
    return fc


def run_cross(run: Run) -> None:
    """Phase 30 body."""
    for rule in CROSS_RULES:
        if rule.applies(run.sink, None):
            rule.func(run)


def rescan(run: Run, schema: FileSchema, where: pl.Expr, columns: Iterable[str]) -> pl.DataFrame:
    """Re-read ``columns`` (+ ``__line__``) of the rows ``where`` holds (failure paths only, e.g.
    duplicate ids: the first pass keeps 8-byte hashes, the rescan fetches the few rows concerned)."""
    assert run.source is not None
    cols = [LINE, *columns]
    parts = []
    for chunk in run.source.open(schema.file_name, quiet=True):
        df = _normalise(chunk.df)
        if run.null_as_empty:  # the first pass judged the rows on blanked cells
            df = blank_null_literals(df, null_columns(df.select([c for c in cols[1:] if c in df.columns])))
        if all(c in df.columns for c in cols):
            parts.append(df.lazy().filter(where).select(cols).collect())  # lazy: only the needed columns
    return pl.concat(parts) if parts else pl.DataFrame(schema={c: pl.Utf8 if c != LINE else pl.Int64
                                                              for c in cols})


# --------------------------------------------------------------------------------------------
# Phases (manifest.py registers phase 15, which creates the Run)


@phase(20, "files")
def _files_phase(analysis: Analysis) -> None:
    run = analysis.shared.get("run")
    if isinstance(run, Run):
        read_files(run)


@phase(30, "cross")
def _cross_phase(analysis: Analysis) -> None:
    run = analysis.shared.get("run")
    if isinstance(run, Run) and run.source is not None:
        run_cross(run)


@phase(90, "unseen")
def _unseen_phase(analysis: Analysis) -> None:
    run = analysis.shared.get("run")
    if isinstance(run, Run):
        record_unseen(run)


# --------------------------------------------------------------------------------------------
# Not evaluated: what each check could not see


def dependencies(run: Run) -> dict[str, dict[str, Level]]:
    """Check id -> {file name ("users.csv") -> level} of what its rules read, for this variant."""
    deps: dict[str, dict[str, Level]] = {}

    def need(check_id: str, file: str, level: Level) -> None:
        name = file if file.endswith(".csv") else f"{file}.csv"
        got = deps.setdefault(check_id, {})
        got[name] = max(level, got.get(name, level))

    present = {name: schema for name, schema in run.schemas.items() if run.present(schema.file_name)}
    for rule in (*START_RULES, *ROW_RULES, *END_RULES):
        for name, schema in present.items():  # an absent file's checks are skipped: nothing to see
            if rule.files is not None and name not in rule.files:
                continue
            for template in rule.checks:
                cid = template.replace("{file}", name)
                need(cid, name, rule.level)
                for other in rule.other_files(schema):
                    need(cid, other, Level.ROWS)
    for rule in CROSS_RULES:
        for cid in rule.checks:
            for other in rule.other_files(None):
                need(cid, other, Level.ROWS)
    for cid, files in DEPENDS.items():
        for f, level in files.items():
            need(cid, f, level)
    every = [MANIFEST_FILE, *(s.file_name for s in run.schemas.values())]
    for cid in READER_BYTES:
        for f in every:
            need(cid, f, Level.BYTES)
    for cid in READER_ROWS:
        for f in every:
            need(cid, f, Level.ROWS)
    return deps


MANIFEST_FILE = "manifest.csv"


def record_unseen(run: Run) -> None:
    """Phase 90 body: hand every active check the reasons of the files it read incompletely."""
    gaps = {name: a for name, a in run.accounts.items() if not a.complete}
    if not gaps:
        return
    for cid, files in dependencies(run).items():
        if not run.sink.wants(cid):
            continue
        for name, level in sorted(files.items()):
            account = gaps.get(name)
            reason = account.reason(level, cid) if account is not None else None
            if reason is not None:
                run.sink.not_evaluated(cid, reason)
