"""No check passes on rows it did not read: a property of the engine, tested across every check of
every OneRoster profile.

For each profile, a valid generated bundle is damaged so that the rows a check judges cannot be
read, and the check must then be ``error`` (not evaluated, with the reason) or ``failed`` — never
``passed`` or ``warning``. Which rows a check judges is taken from what the check is about, not
from the engine's own dependency declarations (that would test the declarations against
themselves): ``or.<file>.*`` judges that file (``header`` its header row, the rest its data rows),
``or.manifest.*`` the manifest, a Japanese or semantic check the files its rules run on, the
reader's checks the bytes of every file. One damaged file per run:

* data rows: every data line of the file gets an extra field, so the reader delivers none of them;
  a file the generator does not write is added, declared bulk, with one such row;
* header rows: every data file (and the added ones) re-encoded as UTF-16, so none is read at all;
* ``or.enc.utf8`` (which reports UTF-16 itself): one encrypted entry, reported by or.pkg.unreadable.

Checks that judge the zip's directory rather than any row are listed in ``ROWLESS`` with why; a
new check that is neither listed nor reached by a damage fails ``test_every_check_is_covered``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from renkei.harness.core.model import Outcome, RunResult
from renkei.harness.core.profiles import list_profiles, load_profile, merged_params, resolve
from renkei.harness.core.registry import CheckDef
from renkei.harness.core.targets import load_standards
from renkei.harness.oneroster.csv import engine
from renkei.harness.oneroster.model.schema import schema_for
from renkei.mocks.school_affairs.generator import generate_bundle
from tests.harness.oneroster.csv import corpus_env
from tests.harness.oneroster.csv.corpus_env import BASE_ARGS, Recorder, explain, run_bundle
from tests.harness.oneroster.csv.mutable_bundle import Bundle

quiet_cli = corpus_env.quiet_cli  # fixture

ROWLESS = {  # judge the package's directory (names, links, sizes declared), not rows of any file
    "or.pkg.zip": "whether the target is a readable .zip archive",
    "or.pkg.root": "where entries sit in the archive",
    "or.pkg.path-traversal": "entry names",
    "or.pkg.symlink": "entry types",
    "or.pkg.duplicate-entry": "entry names",
    "or.pkg.entry-name-encoding": "entry names",
    "or.manifest.present": "whether manifest.csv is in the package",
}
READER = ("or.enc.", "or.csv.", "or.pkg.")
MANIFEST = "manifest.csv"


def _profiles() -> list[str]:
    load_standards()
    return sorted(p.id for p in list_profiles() if p.kind == "oneroster-csv")


def _variant(profile: str) -> str:
    return engine.variant_of(merged_params(load_profile(profile)))


def judged_file(check: CheckDef, variant: str) -> str | None:
    """The file whose rows ``check`` judges (None: the reader's bytes checks and ROWLESS)."""
    cid = check.id
    if cid in ROWLESS or cid.startswith(READER):
        return None
    if cid.startswith("or.manifest."):
        return MANIFEST
    schemas = schema_for(variant)
    parts = cid.split(".")
    if len(parts) == 3 and parts[1] in schemas:
        return schemas[parts[1]].file_name
    for rule in (*engine.ROW_RULES, *engine.START_RULES, *engine.END_RULES):
        if any(t.replace("{file}", name) == cid for t in rule.checks for name in schemas):
            files = [f for f in schemas if rule.files is None or f in rule.files]
            if files:
                return schemas["users" if "users" in files else files[0]].file_name
    if any(cid in rule.checks for rule in engine.CROSS_RULES):  # whole-package rules judge the manifest
        return MANIFEST
    return None


def _extra_field(text: str) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0]] + [line + ",extra" if line.strip() else line for line in lines[1:]])


def _add_file(bundle: Bundle, name: str, variant: str, data: bytes | None = None) -> None:
    """Add a file the generator does not write: its header and one unreadable row, declared bulk."""
    header = list(schema_for(variant)[name[:-4]].header)
    text = ",".join(header) + "\n" + ",".join(["x"] * (len(header) + 1)) + "\n"
    bundle.add(name, data if data is not None else text.encode("utf-8"))
    bundle.manifest_set(f"file.{name[:-4]}", "bulk")


def break_rows(bundle: Bundle, file: str, variant: str) -> None:
    if bundle.has(file):
        bundle.set_text(file, _extra_field(bundle.text(file)))
    else:
        _add_file(bundle, file, variant)


def utf16_everywhere(bundle: Bundle, variant: str) -> None:
    for schema in schema_for(variant).values():
        f = schema.file_name
        if not bundle.has(f):
            _add_file(bundle, f, variant)
        bundle.set_bytes(f, bundle.text(f).encode("utf-16"))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], bytes]:
    folder = tmp_path_factory.mktemp("not-evaluated")
    cache: dict[str, bytes] = {}

    def get(profile: str) -> bytes:
        if profile not in cache:
            path = folder / f"{profile}.zip"
            generate_bundle(path, profile=profile, **BASE_ARGS)
            cache[profile] = path.read_bytes()
        return cache[profile]

    return get


def _run(bundle: Bundle, tmp_path: Path, profile: str, label: str) -> RunResult:
    folder = tmp_path / label.replace("/", "_")
    folder.mkdir()
    return run_bundle(bundle.write(folder), profile)


def _assert_not_passed(result: RunResult, ids: set[str], clean: RunResult, damage: str) -> None:
    by_id = {c.id: c for c in result.checks}
    before = {c.id: c.outcome for c in clean.checks}
    wrong = []
    for cid in sorted(ids):
        c = by_id[cid]
        if c.outcome is Outcome.SKIPPED and before[cid] is Outcome.SKIPPED:
            continue  # does not apply to this profile (e.g. Japanese rules on 1.1 data)
        if c.outcome not in (Outcome.ERROR, Outcome.FAILED) or not (c.not_evaluated or c.findings_count):
            wrong.append(f"{cid}: {c.outcome.value} (clean: {before[cid].value})")
    assert not wrong, f"{damage}: checks that passed on rows they never read:\n  " + "\n  ".join(wrong) + \
        "\n" + explain(result)


@pytest.mark.parametrize("profile", _profiles())
def test_no_check_passes_on_rows_it_did_not_read(profile: str, base: Callable[[str], bytes], tmp_path: Path,
                                                  quiet_cli: Recorder) -> None:
    variant = _variant(profile)
    checks = [r.definition for r in resolve(load_profile(profile))]
    clean_bundle = Bundle.from_zip(base(profile))
    clean = _run(clean_bundle.copy(), tmp_path, profile, "clean")
    assert clean.exit_code == 0, explain(clean)

    by_file: dict[str, set[str]] = {}
    header_checks: set[str] = set()
    for d in checks:
        f = judged_file(d, variant)
        if f is None:
            continue
        (header_checks if d.id.endswith(".header") and f != MANIFEST else by_file.setdefault(f, set())).add(d.id)

    for file, ids in sorted(by_file.items()):
        damaged = clean_bundle.copy()
        break_rows(damaged, file, variant)
        result = _run(damaged, tmp_path, profile, f"rows-{file}")
        _assert_not_passed(result, ids, clean, f"every data row of {file} unreadable")

    reader_ids = {d.id for d in checks if d.id.startswith(READER) and d.id not in ROWLESS}
    damaged = clean_bundle.copy()
    utf16_everywhere(damaged, variant)
    result = _run(damaged, tmp_path, profile, "utf16")
    _assert_not_passed(result, header_checks | (reader_ids - {"or.enc.utf8"}), clean, "every data file UTF-16")

    damaged = clean_bundle.copy()
    damaged.entry("users.csv").encrypted = True
    result = _run(damaged, tmp_path, profile, "encrypted")
    _assert_not_passed(result, {"or.enc.utf8"} & reader_ids, clean, "users.csv encrypted")


@pytest.mark.parametrize("profile", _profiles())
def test_every_check_is_covered(profile: str) -> None:
    """Each check is either reached by one of the damages above or judges no row at all."""
    variant = _variant(profile)
    loose = [r.id for r in resolve(load_profile(profile))
             if r.id not in ROWLESS and not r.id.startswith(READER) and judged_file(r.definition, variant) is None]
    assert not loose, f"checks of {profile} whose judged rows this test cannot find: {loose}"
