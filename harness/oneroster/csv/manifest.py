"""manifest.csv: parsing and the ``or.manifest.*`` rules (CSV121 §2.1-2.3, Table 3.1).

The manifest decides bulk/delta per file, which the per-file rules need, so it is read first
(phase 15), before any data file. This phase also creates the engine's ``Run``.

Profile parameters:
- ``oneroster_versions`` (list of str, default ``["1.2"]``): accepted ``oneroster.version`` values.
  CSV12/CSV121 require ``1.2``; MEIBO writes ``1.2.1`` (eポータル 4.00 / 相互運用 5.00) and ``1.2_JP``
  (JPK12 / 相互運用 6.00); DA-K and DA-R accept only ``1.2`` (reference §2.6). Sources disagree, so
  the profile decides.
- ``delta_allowed`` (bool, default true): JP profiles set false — MEIBO ("DELTAはサポートしていません")
  and DA-K accept bulk only — and a ``delta`` file entry becomes an ``or.manifest.file-entries``
  violation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from renkei.harness.oneroster.csv.engine import LINE, BundleSource, Run, chunk_bytes, depends, prefetch_chunks
from renkei.harness.oneroster.csv.phases import Analysis, phase
from renkei.harness.oneroster.csv.undelivered import Account
from renkei.harness.oneroster.model.schema import files_for
from renkei.harness.oneroster.model.spelling import did_you_mean

MANIFEST = "manifest.csv"
MODES = ("absent", "bulk", "delta")
BASE_PROPERTIES = ("manifest.version", "oneroster.version", "source.systemName", "source.systemCode")
# Ids this module owns (skipped together when the manifest cannot be read).
DEPENDENT = ("or.manifest.header", "or.manifest.version", "or.manifest.oneroster-version",
             "or.manifest.file-entries", "or.manifest.file-set", "or.manifest.unknown-property")
for _cid in DEPENDENT:  # they judge the manifest's rows: a dropped row leaves them not evaluated
    depends(_cid, "manifest")


@dataclass
class Manifest:
    header: list[str]
    properties: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (value, line)
    modes: dict[str, str] = field(default_factory=dict)  # data file (no .csv) -> value as written

    def value(self, name: str) -> str | None:
        item = self.properties.get(name)
        return item[0] if item else None


def _case_variant(names: set[str], wanted: str) -> str | None:
    low = wanted.lower()
    return next((n for n in sorted(names) if n.lower() == low and n != wanted), None)


def accepted_versions(run: Run) -> list[str]:
    """The ``oneroster.version`` values the profile accepts, as ``or.manifest.oneroster-version`` judges
    them (parameter ``oneroster_versions``, default ``["1.2"]``); other checks ask here so they agree."""
    return [str(v) for v in run.param("or.manifest.oneroster-version", "oneroster_versions", ["1.2"]) or []]


def read_manifest(run: Run) -> Manifest | None:
    """Parse manifest.csv into ``run.manifest`` and evaluate the manifest rules."""
    sink = run.sink
    assert run.source is not None
    names = run.source.names()
    if MANIFEST not in names:
        other = _case_variant(names, MANIFEST)
        if other:
            sink.fail("or.manifest.present", f"manifest.csv is missing; a file named {other!r} differs only in case "
                      "(names are case-sensitive)",
                      ja=f"manifest.csv がありません。大文字・小文字だけが違う {other!r} はありますが、ファイル名は大文字・小文字を区別します",
                      file=other)
        else:
            sink.fail("or.manifest.present", "manifest.csv is missing from the package",
                      ja="パッケージに manifest.csv がありません", file=MANIFEST)
        for cid in DEPENDENT:
            sink.skip(cid, "manifest.csv is missing")
        return None

    unread = run.source.unread()
    if MANIFEST in unread:  # present but not readable (a FIFO, an encrypted entry ...): nothing to judge
        run.accounts[MANIFEST] = account = Account(MANIFEST)
        account.not_read(*unread[MANIFEST])
        return None
    stream = run.source.open(MANIFEST)
    run.accounts[MANIFEST] = stream.account
    if stream.account.unread is not None:
        return None
    header = list(stream.header)
    manifest = Manifest(header=header)
    run.manifest = manifest
    if header != ["propertyName", "value"]:
        sink.fail("or.manifest.header", "manifest.csv header must be exactly 'propertyName,value'",
                  ja="manifest.csv のヘッダーは 'propertyName,value' でなければなりません",
                  file=MANIFEST, row=1, value=",".join(header))
    frames = [c.df for c in stream]
    if len(header) < 2 or not frames:
        _rules(run, manifest)
        return manifest
    df = pl.concat(frames)
    name_col, value_col = df.columns[0], df.columns[1]  # positional: survives a misspelt header
    for prop, val, line in zip(df[name_col].to_list(), df[value_col].to_list(), df[LINE].to_list(),
                               strict=True):
        prop = prop or ""
        if prop in manifest.properties:
            sink.fail("or.manifest.header", "property appears more than once in manifest.csv",
                      ja="manifest.csv に同じプロパティが2回以上書かれています",
                      file=MANIFEST, row=line, column="propertyName", value=prop)
            continue
        manifest.properties[prop] = (val or "", int(line))
        if prop.startswith("file."):
            manifest.modes[prop[5:]] = val or ""
    _rules(run, manifest)
    return manifest


def _rules(run: Run, m: Manifest) -> None:
    """The manifest rules. When rows of manifest.csv were dropped by the reader, a property it does
    not hold may be on one of them, so nothing is reported as missing (the checks are not
    evaluated instead); what the rows that were read say is still judged."""
    sink = run.sink
    complete = run.complete(MANIFEST)
    # manifest.version
    item = m.properties.get("manifest.version")
    if item is None and not complete:
        pass
    elif item is None:
        sink.fail("or.manifest.version", "required property manifest.version is missing",
                  ja="必須プロパティ manifest.version がありません", file=MANIFEST)
    elif item[0] != "1.0":
        sink.fail("or.manifest.version", "manifest.version must be 1.0",
                  ja="manifest.version は 1.0 でなければなりません",
                  file=MANIFEST, row=item[1], column="value", value=item[0])
    # oneroster.version
    accepted = accepted_versions(run)
    item = m.properties.get("oneroster.version")
    if item is None and not complete:
        pass
    elif item is None:
        sink.fail("or.manifest.oneroster-version", "required property oneroster.version is missing",
                  ja="必須プロパティ oneroster.version がありません", file=MANIFEST)
    elif item[0] not in accepted:
        sink.fail("or.manifest.oneroster-version",
                  f"oneroster.version is not one this profile accepts ({', '.join(accepted)})",
                  ja=f"oneroster.version の値が、このプロファイルで受け付ける値（{', '.join(accepted)}）ではありません",
                  file=MANIFEST, row=item[1], column="value", value=item[0])
    # file.* entries
    files = files_for(run.variant)
    delta_ok = bool(run.param("or.manifest.file-entries", "delta_allowed", True))
    for f in files:
        item = m.properties.get(f"file.{f}")
        if item is None and not complete:
            continue
        if item is None:
            sink.fail("or.manifest.file-entries", f"required property file.{f} is missing",
                      ja=f"必須プロパティ file.{f} がありません", file=MANIFEST, column="propertyName")
        elif item[0] not in MODES:
            sink.fail("or.manifest.file-entries", f"file.{f} must be absent, bulk or delta (case-sensitive)",
                      ja=f"file.{f} の値は absent・bulk・delta のいずれかです（大文字・小文字を区別します）",
                      file=MANIFEST, row=item[1], column="value", value=item[0])
        elif item[0] == "delta" and not delta_ok:
            sink.fail("or.manifest.file-entries",
                      f"file.{f} is delta, but this profile accepts bulk only (MEIBO and DA-K reject delta)",
                      ja=f"file.{f} が delta ですが、このプロファイルは bulk だけを受け付けます（MEIBO・K社は delta を受け付けません）",
                      file=MANIFEST, row=item[1], column="value", value=item[0])
    # unknown properties
    known = set(BASE_PROPERTIES) | {f"file.{f}" for f in files}
    for prop, (_val, line) in m.properties.items():
        if prop in known:
            continue
        meant = did_you_mean(prop, known - set(m.properties))
        if meant is not None:
            sink.fail("or.manifest.unknown-property", f"property is not defined for this version: did you mean {meant}?",
                      ja=f"このバージョンでは定義されていないプロパティです。{meant} の誤りではありませんか",
                      file=MANIFEST, row=line, column="propertyName", value=prop)
        else:
            sink.fail("or.manifest.unknown-property", "property is not defined by the manifest table for this version",
                      ja="このバージョンの manifest の表に定義されていないプロパティです",
                      file=MANIFEST, row=line, column="propertyName", value=prop)
    _file_set(run, m, files, complete)


def _file_set(run: Run, m: Manifest, files: tuple[str, ...], complete: bool) -> None:
    sink = run.sink
    assert run.source is not None
    names = run.source.names()
    expected = {f"{f}.csv" for f in files}
    for f in files:
        fname = f"{f}.csv"
        mode = m.modes.get(f)
        row = m.properties.get(f"file.{f}", ("", None))[1]
        if mode in ("bulk", "delta") and fname not in names:
            other = _case_variant(names, fname)
            if other:
                sink.fail("or.manifest.file-set",
                          f"manifest declares {fname} as {mode}, but the package has {other!r} (wrong case)",
                          ja=f"manifest では {fname} を {mode} としていますが、パッケージにあるのは {other!r} です（大文字・小文字が違います）",
                          file=other, row=None, value=other)
            else:
                sink.fail("or.manifest.file-set", f"manifest declares {fname} as {mode}, but the file is missing",
                          ja=f"manifest では {fname} を {mode} としていますが、そのファイルがパッケージにありません",
                          file=MANIFEST, row=row, column="value", value=mode)
        elif fname in names and mode not in ("bulk", "delta") and (complete or mode is not None):
            if row is not None:  # located where the vendor fixes it: the manifest row that says otherwise
                sink.fail("or.manifest.file-set",
                          f"manifest declares {fname} as {mode or 'blank'}, but the package contains the file "
                          "(declare it bulk or delta, or leave the file out)",
                          ja=f"manifest では {fname} を {mode or '空欄'} としていますが、パッケージにファイルがあります"
                             "（bulk / delta と宣言するか、ファイルを外してください）",
                          file=MANIFEST, row=row, column="value", value=mode)
            else:
                sink.fail("or.manifest.file-set", f"{fname} is in the package, but manifest.csv has no file.{f} row",
                          ja=f"{fname} がパッケージにありますが、manifest.csv に file.{f} の行がありません",
                          file=fname, value=fname)
    by_lower = {e.lower(): e for e in expected | {MANIFEST}}
    for name in sorted(names):
        if not name.lower().endswith(".csv") or name == MANIFEST or name in expected:
            continue
        wanted = by_lower.get(name.lower())
        if wanted is not None:
            if not any(name.lower() == f"{f}.csv".lower() and m.modes.get(f) in ("bulk", "delta") for f in files):
                sink.fail("or.manifest.file-set", f"file name differs from a OneRoster file name only in case: "
                          f"rename {name} to {wanted} (names are case-sensitive)",
                          ja=f"ファイル名が OneRoster のファイル名と大文字・小文字だけ違います。{name} を {wanted} に"
                             "変えてください（ファイル名は大文字・小文字を区別します）", file=name, value=name)
        elif (meant := did_you_mean(name, expected)) is not None:
            sink.fail("or.manifest.file-set", f"CSV file is not a data file of this OneRoster version: did you mean "
                      f"{meant}?", ja=f"この OneRoster バージョンのデータファイルではありません。{meant} の誤りでは"
                                      "ありませんか", file=name, value=name)
        else:
            sink.fail("or.manifest.file-set", "CSV file is not a data file of this OneRoster version",
                      ja="この OneRoster バージョンのデータファイルではない CSV ファイルです", file=name, value=name)


@phase(15, "manifest")
def _manifest_phase(analysis: Analysis) -> None:
    bundle: Any = analysis.shared.get("bundle")
    params = analysis.params
    source = (BundleSource(bundle, analysis.sink, chunk_bytes(params), prefetch=prefetch_chunks(params))
              if bundle is not None else None)
    run = Run.create(analysis.sink, analysis.params, source)
    analysis.shared["run"] = run
    if source is None:
        for cid in list(analysis.sink.active):
            if cid.startswith("or.") and not cid.startswith(("or.pkg.", "or.enc.", "or.csv.")):
                analysis.sink.skip(cid, "the package could not be opened")
        return
    read_manifest(run)
