"""What a OneRoster CSV bundle declares about its profile: ``oneroster.version`` and the column layout.

``--profile auto`` runs the profile the bundle declares (``TargetKind.detect``), and a profile that
does not fit what the bundle plainly declares gets one hint before the findings ("this bundle
declares 1.1: use oneroster11-csv"). The evidence is the manifest's ``oneroster.version`` and
``file.*`` rows and the header lines of users.csv, enrollments.csv and classes.csv, the files whose
columns tell the layouts apart (``columns.VARIANTS``). They are read through the same guarded
package and reader as the analysis (zip-bomb screening, line limits), the manifest only up to
``MANIFEST_BYTES``; nothing here raises for bad input.

Choosing among the profiles that accept both (``choose``): the one whose document uses the declared
version (``preferred_oneroster_versions``) wins, then the least restrictive of those left (fewest
``extends``), since a profile that only adds requirements (学習eポータル, 相互運用標準モデル) cannot be
told from the declaration; the reason names those stricter profiles.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from renkei.harness.core.errors import RenkeiError
from renkei.harness.core.model import Text
from renkei.harness.core.profiles import list_profiles, load_profile, merged_params
from renkei.harness.core.targets import Detection
from renkei.harness.oneroster.csv.manifest import MANIFEST
from renkei.harness.oneroster.csv.package import Bundle, limits_from_params, open_bundle
from renkei.harness.oneroster.csv.reader import read_csv
from renkei.harness.oneroster.csv.sink import FindingSink
from renkei.harness.oneroster.csv.target import KIND
from renkei.harness.oneroster.model.columns import BINDING_OF, FILES_11, FILES_12, VARIANTS, roster_headers

LAYOUT_FILES = ("users", "enrollments", "classes")
FILES_12_ONLY = frozenset(FILES_12) - frozenset(FILES_11)
HEADER_CHUNK = 64 * 1024
MANIFEST_BYTES = 256 * 1024
_JP_COLUMNS = frozenset(c for v in VARIANTS for h in roster_headers(v).values() for c in h if c.startswith("metadata."))
# Columns that name a layout to a reader (shown as the evidence).
CLUES = {"users": ("orgSourcedIds", "role", "resourceSourcedIds", "metadata.jp.kanaPreferredFamilyName",
                   "metadata.jp.kanaGivenName"),
         "enrollments": ("metadata.jp.ShussekiNo", "metadata.jp.shussekiNo"),
         "classes": ("metadata.jp.specialNeeds",)}
LAYOUT_NAMES: dict[str, tuple[str, str]] = {  # variant -> (en, ja)
    "1.1": ("OneRoster 1.1", "OneRoster 1.1"),
    "1.2": ("OneRoster 1.2 as first published", "OneRoster 1.2（初版）"),
    "1.2.1": ("OneRoster 1.2.1", "OneRoster 1.2.1"),
    "jp-ed2": ("Japan Profile 第2版", "Japan Profile 第2版"),
    "jp-1.2.1": ("Japan Profile v1.2.1", "Japan Profile v1.2.1"),
    "jp-k12": ("Japan K-12/Schools Profile", "Japan K-12/Schools Profile"),
}


@dataclass(frozen=True)
class Evidence:
    """What the bundle declares; ``layouts`` are the variants every piece of evidence agrees with."""

    version: str | None  # manifest oneroster.version (None: no manifest or no such row)
    manifest: Text | None  # why the manifest was not read (None: it was)
    layouts: frozenset[str]
    matched: dict[str, frozenset[str]]  # file -> the variants its header matches
    clues: dict[str, tuple[str, ...]]  # file -> the columns in it that name a layout (CLUES)
    conflict: Text | None = None  # how the evidence contradicts itself


@dataclass(frozen=True)
class Candidate:
    id: str
    columns: str
    accepted: tuple[str, ...]
    preferred: tuple[str, ...]
    depth: int  # profiles it extends


def detect(target: str, params: dict[str, Any] | None) -> Detection | None:
    """The ``oneroster-csv`` detect hook (see ``core.targets.TargetKind``)."""
    path = Path(target)
    if not _is_bundle(path):
        return None
    try:
        evidence = read_evidence(path, params or {})
        if evidence is None:
            return Detection(None, Text(ja="zip として読み取れません。", en="it cannot be read as a zip"), fits=True)
        chosen, reason = choose(evidence, catalogue())
    except (RenkeiError, OSError, ValueError) as exc:  # a broken vendor profile, an unreadable folder ...
        return Detection(None, Text(ja=f"対象を読み取れません（{exc}）。", en=f"the target cannot be read ({exc})"))
    if params is None:
        return Detection(chosen.id if chosen else None, reason)
    return Detection(chosen.id if chosen else None, reason, fits=fits(params, evidence))


def _is_bundle(path: Path) -> bool:
    """A folder, a .zip, or any file that is a zip (other targets, e.g. a YAML, are not ours)."""
    try:
        return path.is_dir() or (path.is_file() and (path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)))
    except OSError:
        return False


# --- evidence --------------------------------------------------------------------------------------


def read_evidence(path: Path, params: dict[str, Any]) -> Evidence | None:
    """The manifest's version and file rows and the layout files' headers (None: not a readable bundle)."""
    quiet = FindingSink({})  # the run itself reports every problem of the package, once
    bundle = open_bundle(path, quiet, limits_from_params(params))
    try:
        if not bundle.ok:
            return None
        version, rows, problem = _manifest(bundle, quiet)
        headers = {f: read_csv(bundle, f"{f}.csv", quiet, chunk_bytes=HEADER_CHUNK).header
                   for f in LAYOUT_FILES if f"{f}.csv" in bundle.files}
    finally:
        bundle.close()
    return evidence_from(version, rows, headers, problem)


NO_MANIFEST = Text(ja="manifest.csv がありません", en="the bundle has no manifest.csv")
BAD_MANIFEST = Text(ja="manifest.csv に propertyName,value の2列がありません", en="manifest.csv has no propertyName,value header")


def _manifest(bundle: Bundle, quiet: FindingSink) -> tuple[str | None, set[str], Text | None]:
    """(oneroster.version, the file.* property names, why the manifest was not read)."""
    if MANIFEST not in bundle.files:
        return None, set(), NO_MANIFEST
    stream = read_csv(bundle, MANIFEST, quiet, chunk_bytes=HEADER_CHUNK)
    if len(stream.header) < 2:
        return None, set(), BAD_MANIFEST
    version: str | None = None
    rows: set[str] = set()
    for n, chunk in enumerate(stream, start=1):
        df = chunk.df
        for prop, value in zip(df[df.columns[0]].to_list(), df[df.columns[1]].to_list(), strict=True):
            if prop == "oneroster.version" and version is None:
                version = (value or "").strip() or None
            elif isinstance(prop, str) and prop.startswith("file."):
                rows.add(prop[5:])
        if n * HEADER_CHUNK >= MANIFEST_BYTES:  # a manifest has two dozen rows; a huge one says no more
            break
    return version, rows, None


def evidence_from(version: str | None, manifest_files: set[str], headers: dict[str, list[str]],
                  manifest_problem: Text | None = None) -> Evidence:
    """Combine the pieces: each header votes for the variants it matches exactly (vendor ``metadata.*``
    columns aside); the manifest's file rows tell 1.1 (13 files) from 1.2 (21)."""
    matched: dict[str, frozenset[str]] = {}
    layouts = frozenset(VARIANTS)
    clues: dict[str, tuple[str, ...]] = {}
    conflict = None
    for name, header in headers.items():
        got = {h for h in header if not h.startswith("metadata.") or h in _JP_COLUMNS}
        votes = frozenset(v for v in VARIANTS if name in roster_headers(v) and got == set(roster_headers(v)[name]))
        found = tuple(c for c in CLUES.get(name, ()) if c in got)
        if found:
            clues[name] = found
        if not votes:
            continue  # a misspelt or incomplete header tells nothing; its header check will say why
        matched[name] = votes
        if layouts & votes:
            layouts &= votes
        elif conflict is None:
            conflict = Text(ja=f"{name}.csv は {_names(votes, 1)}、ほかのファイルは {_names(layouts, 1)} の列構成です",
                            en=f"{name}.csv has the {_names(votes, 0)} columns, the other files those of "
                               f"{_names(layouts, 0)}")
    if manifest_files & FILES_12_ONLY:
        by_manifest = frozenset(VARIANTS) - {"1.1"}
    elif set(FILES_11) <= manifest_files:
        by_manifest = frozenset({"1.1"})
    else:
        by_manifest = frozenset(VARIANTS)
    if conflict is None and not layouts & by_manifest:
        listed = "OneRoster 1.1" if by_manifest == {"1.1"} else "OneRoster 1.2"
        conflict = Text(ja=f"manifest.csv のファイル一覧は {listed} のもの、列構成は {_names(layouts, 1)} のものです",
                        en=f"manifest.csv lists the files of {listed}, but the columns are those of "
                           f"{_names(layouts, 0)}")
    layouts &= by_manifest
    return Evidence(version, manifest_problem, frozenset() if conflict else layouts, matched, clues, conflict)


def _names(variants: frozenset[str], lang: int) -> str:
    names = [LAYOUT_NAMES[v][lang] for v in VARIANTS if v in variants]
    return names[0] if len(names) == 1 else (" / ".join(names) if lang else " or ".join(names))


# --- profiles ------------------------------------------------------------------------------------------


def catalogue() -> list[Candidate]:
    """Every OneRoster CSV profile with what its bundles declare."""
    out = []
    for p in list_profiles():
        if p.kind != KIND:
            continue
        params = merged_params(p)
        depth, parent = 0, p.extends
        while parent is not None and depth < 32:
            depth, parent = depth + 1, load_profile(parent).extends
        out.append(Candidate(p.id, str(params.get("columns", "1.2.1")),
                             tuple(str(v) for v in params.get("oneroster_versions") or ["1.2"]),
                             tuple(str(v) for v in params.get("preferred_oneroster_versions") or []), depth))
    return out


def fits(params: dict[str, Any], evidence: Evidence) -> bool:
    """Whether a profile with these parameters fits the evidence; a base profile fits a Japanese bundle of
    its binding (the metadata.jp.* columns are legal extensions there). Contradictory evidence: no say."""
    columns = str(params.get("columns", "1.2.1"))
    accepted = [str(v) for v in params.get("oneroster_versions") or ["1.2"]]
    layout_ok = (not evidence.layouts or columns in evidence.layouts
                 or columns in {BINDING_OF[v] for v in evidence.layouts})
    return layout_ok and (evidence.version is None or evidence.version in accepted)


def choose(evidence: Evidence, candidates: list[Candidate]) -> tuple[Candidate | None, Text]:
    """The profile the evidence declares, with the reason (None: the reason says why it cannot tell)."""
    declared = _declared(evidence)
    if evidence.conflict is not None:
        return None, _join(declared, Text(ja=f"宣言が食い違っています（{evidence.conflict.ja}）",
                                          en=f"the bundle contradicts itself ({evidence.conflict.en})"))
    pool = [c for c in candidates if c.columns in evidence.layouts]
    if not evidence.matched and evidence.version is None:
        return None, Text(ja="manifest.csv の oneroster.version も、users.csv・enrollments.csv・classes.csv の"
                             "既知の列構成も見つかりません。",
                          en="neither a manifest oneroster.version nor a known header of users.csv, "
                             "enrollments.csv or classes.csv was found")
    v = evidence.version
    note = None
    if v is not None:
        accepting = [c for c in pool if v in c.accepted]
        if accepting:
            pool = accepting
        elif len({c.columns for c in pool}) == 1:
            note = Text(ja=f"この列構成のプロファイルで oneroster.version {v} を受け付けるものはないため、実行結果で"
                           "指摘します",
                        en=f"no profile with these columns accepts oneroster.version {v}, so the run reports it")
        else:
            return None, _join(declared, Text(ja=f"oneroster.version {v} とこの列構成の両方に合うプロファイルが"
                                                 "ありません",
                                              en=f"no profile accepts oneroster.version {v} with these columns"))
    if not pool:
        return None, _join(declared, Text(ja="この列構成に合うプロファイルがありません",
                                          en="no profile has these columns"))
    if v is not None:
        best = max(2 if v in c.preferred else 1 for c in pool)
        pool = [c for c in pool if (2 if v in c.preferred else 1) == best]
    layouts = frozenset(c.columns for c in pool)
    if len(layouts) > 1:
        return None, _join(declared, Text(
            ja=f"読んだファイルだけでは {_names(layouts, 1)} を区別できません（users.csv と enrollments.csv の列で"
               "決まります）",
            en=f"the files read cannot tell {_names(layouts, 0)} apart (users.csv and enrollments.csv decide)"))
    pool.sort(key=lambda c: (c.depth, c.id))
    chosen, stricter = pool[0], [c.id for c in pool[1:]]
    reason = _join(declared, note)
    if stricter:
        names = ", ".join(stricter)
        reason = _join(reason, Text(
            ja=f"同じ宣言に要件を加えるプロファイル（{names}）は宣言からは見分けられないため、該当する場合は "
               "--profile で指定してください",
            en=f"{names} {'adds' if len(stricter) == 1 else 'add'} requirements to the same declaration and "
               "cannot be told from it: choose it with --profile if it applies"))
    return chosen, reason


def _declared(e: Evidence) -> Text:
    """What the bundle declares, as the sentence the reader sees."""
    en: list[str] = []
    ja = ""
    if e.version is not None:
        en.append(f"manifest.csv declares oneroster.version {e.version}")
        ja = f"manifest.csv の oneroster.version は {e.version}"
    elif e.manifest is not None:
        en.append(e.manifest.en)
        ja = e.manifest.ja
    if e.matched and e.layouts:
        files_en, files_ja = ", ".join(f"{f}.csv" for f in e.matched), "・".join(f"{f}.csv" for f in e.matched)
        clue_en = "; ".join(f"{f}.csv has {', '.join(cols)}" for f, cols in e.clues.items())
        clue_ja = "、".join(f"{f}.csv に {'・'.join(cols)}" for f, cols in e.clues.items())
        en.append(f"{files_en} have the columns of {_names(e.layouts, 0)}" + (f" ({clue_en})" if clue_en else ""))
        layout_ja = f"{files_ja} の列構成は {_names(e.layouts, 1)} のもの" + (f"（{clue_ja}）" if clue_ja else "") + "です"
        ja = (f"{ja}、{layout_ja}" if e.version is not None else f"{ja}。{layout_ja}") if ja else layout_ja
    elif e.version is not None:
        ja += "です"
    return Text(ja=ja, en=" and ".join(en))


def _join(first: Text, second: Text | None) -> Text:
    """Two clauses as one sentence (ja ends with 。)."""
    ja, en = first.ja.rstrip("。"), first.en
    if second is not None:
        ja = f"{ja}。{second.ja}" if ja else second.ja
        en = f"{en}; {second.en}" if en else second.en
    return Text(ja=ja.rstrip("。") + "。", en=en)
