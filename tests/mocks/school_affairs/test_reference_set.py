"""The consumer reference set: each bundle does what its documents say, as renkei sees it afresh.

The builder verifies every bundle itself; these tests re-run the profile on the written zips and
hold the *documents* (expected.json, expected.csv, the log template) to what renkei reports, so a
vendor reading them is told the truth.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from renkei.harness.core.model import Outcome, RunResult
from renkei.harness.core.session import RunOptions
from renkei.harness.runner import execute
from renkei.mocks.school_affairs.generator import PROFILE_VARIANTS
from renkei.mocks.school_affairs.reference_docs import (
    EXPECTED_COLUMNS,
    LOG_COLUMNS,
    LOG_TEMPLATE,
    write_documents,
)
from renkei.mocks.school_affairs.reference_set import (
    FAMILIES,
    ReferenceSet,
    ReferenceSetError,
    Verify,
    build_reference_set,
)

DETAILED = ("oneroster12-csv-jpk12", "oneroster11-csv")  # a Japanese and a base profile, looked at closely
DOCUMENTS = {"expected.json", "expected.csv", LOG_TEMPLATE, "README.md"}


def verifier(profile: str) -> Verify:
    def verify(bundle: Path) -> RunResult:
        return execute(RunOptions(profile=profile, target=str(bundle)), interactive=False, quiet=True)
    return verify


def _build(out: Path, profile: str, seed: int = 0) -> ReferenceSet:
    out.mkdir(parents=True)
    refset = build_reference_set(out, profile=profile, verify=verifier(profile), seed=seed)
    write_documents(out, refset)
    return refset


@pytest.fixture(scope="module", params=DETAILED)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("refset") / request.param
    _build(out, request.param)
    return request.param, out


def _expected(out: Path) -> dict:
    return json.loads((out / "expected.json").read_text(encoding="utf-8"))


def _csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data  # for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _seen(result: RunResult) -> dict[str, set[tuple]]:
    return {c.id: {(f.location.file, f.location.row, f.location.column) for f in c.findings}
            for c in result.checks if c.findings_count}


def test_the_set_holds_the_zips_and_the_documents(built: tuple[str, Path]) -> None:
    profile, out = built
    doc = _expected(out)
    ids = [b["test_id"] for b in doc["bundles"]]
    assert sorted(p.name for p in out.iterdir()) == sorted(DOCUMENTS | {f"{i}.zip" for i in ids})
    kinds = [b["kind"] for b in doc["bundles"]]
    assert kinds.count("valid") == 3 and kinds.count("invalid") >= 5
    assert ids == [f"{profile}_valid{n:02d}" for n in (1, 2, 3)] + [
        f"{profile}_invalid{n:02d}" for n in range(1, kinds.count("invalid") + 1)]
    japanese = PROFILE_VARIANTS[profile][0].startswith("jp")
    assert kinds.count("invalid") == len(FAMILIES) - (0 if japanese else 1)  # no Japanese rules in a base profile
    assert doc["profile"]["id"] == profile and doc["verified_by"].startswith("renkei ")


def test_each_valid_bundle_passes_its_profile(built: tuple[str, Path]) -> None:
    profile, out = built
    valid = [b for b in _expected(out)["bundles"] if b["kind"] == "valid"]
    for b in valid:
        result = verifier(profile)(out / b["file"])
        assert result.verdict == "pass", b["file"]
        assert b["expected"]["files_rejected"] == [] and b["expected"]["files_imported"] == b["files"]
        assert all(d["severity"] == "warning" for d in b["defects"])
        assert _seen(result) == _spots(b), b["file"]  # only the warnings it lists
    full, core, bom = valid
    assert "demographics.csv" in full["files"] and "demographics.csv" not in core["files"]
    assert [d["check_ids"] for d in bom["defects"]] == [["or.enc.bom"]]


def _spots(bundle: dict) -> dict[str, set[tuple]]:
    spots: dict[str, set[tuple]] = {}
    for d in bundle["defects"]:
        for cid in d["check_ids"]:
            spots.setdefault(cid, set()).add((d["file"], d["row"], d["column"]))
    return spots


def test_each_invalid_bundle_fails_with_its_listed_checks_at_its_listed_places(built: tuple[str, Path]) -> None:
    profile, out = built
    for b in (b for b in _expected(out)["bundles"] if b["kind"] == "invalid"):
        result = verifier(profile)(out / b["file"])
        assert result.verdict == "fail", b["file"]
        assert not [c.id for c in result.checks if c.outcome is Outcome.ERROR]
        assert _seen(result) == _spots(b), b["file"]
        errors = {d["file"] for d in b["defects"] if d["severity"] == "error"}
        assert b["expected"]["files_rejected"] == sorted(errors) != []
        assert set(b["expected"]["files_imported"]) == set(b["files"]) - errors
        for d in b["defects"]:
            assert d["explanation"]["ja"] and d["explanation"]["en"]
            gating = {c.id for c in result.checks if c.gates}
            assert (d["check_ids"][0] in gating) == (d["severity"] == "error")


def test_defects_name_the_row_by_sourced_id_and_the_value_as_written(built: tuple[str, Path]) -> None:
    import zipfile

    _, out = built
    for b in _expected(out)["bundles"]:
        for d in b["defects"]:
            if d["column"] is None:  # whole-file defects: BOM, encoding
                assert d["value"] is None and d["sourcedId"] is None
                continue
            with zipfile.ZipFile(out / b["file"]) as zf:
                lines = zf.read(d["file"]).decode("utf-8-sig").split("\n")
            header = next(csv.reader([lines[0]]))
            cells = next(csv.reader([lines[d["row"] - 1]]))
            assert cells[header.index(d["column"])] == d["value"]
            assert cells[header.index("sourcedId")] == d["sourcedId"]


def test_expected_csv_lists_every_defect_and_every_clean_bundle(built: tuple[str, Path]) -> None:
    _, out = built
    header, *rows = _csv(out / "expected.csv")
    assert tuple(header) == EXPECTED_COLUMNS
    doc = _expected(out)
    want = []
    for b in doc["bundles"]:
        for d in b["defects"] or [None]:
            want.append((b["test_id"], b["file"], b["kind"], ";".join(b["expected"]["files_rejected"]),
                         "" if d is None else d["file"], "" if d is None else str(d["row"]),
                         "" if d is None else ";".join(d["check_ids"])))
    col = {c: i for i, c in enumerate(header)}
    got = [(r[col["test_id"]], r[col["bundle"]], r[col["kind"]], r[col["files_rejected"]], r[col["file"]],
            r[col["row"]], r[col["check_ids"]]) for r in rows]
    assert got == want
    assert all(r[col["explanation_ja"]] and r[col["explanation_en"]] for r in rows)


def test_the_log_template_has_the_1edtech_columns_and_only_test_ids(built: tuple[str, Path]) -> None:
    _, out = built
    header, *rows = _csv(out / LOG_TEMPLATE)
    assert tuple(header) == LOG_COLUMNS == ("test_id", "date", "status", "files_imported", "files_rejected",
                                            "explanation")
    assert [r[0] for r in rows] == [b["test_id"] for b in _expected(out)["bundles"]]
    assert all(r[1:] == [""] * 5 for r in rows)


def test_the_readme_is_japanese_first_and_names_every_bundle(built: tuple[str, Path]) -> None:
    profile, out = built
    text = (out / "README.md").read_text(encoding="utf-8")
    ja, en = text.split("\n---\n")
    assert "使い方" in ja and "How to use it" in en
    assert f"--profile {profile} --seed 0" in ja
    for b in _expected(out)["bundles"]:
        assert f"`{b['test_id']}`" in ja and f"`{b['test_id']}`" in en


def test_same_arguments_same_bytes_another_seed_other_bundles(tmp_path: Path) -> None:
    profile = "oneroster12-csv"
    _build(tmp_path / "a", profile, seed=5)
    _build(tmp_path / "b", profile, seed=5)
    _build(tmp_path / "c", profile, seed=6)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    zips = [n for n in names if n.endswith(".zip")]
    assert all((tmp_path / "a" / n).read_bytes() != (tmp_path / "c" / n).read_bytes() for n in zips)


def test_a_bundle_renkei_disagrees_with_stops_the_build(tmp_path: Path) -> None:
    """A verifier that always sees the clean valid01 must not let a bundle with a defect through."""
    profile = "oneroster12-csv"
    real = verifier(profile)
    seen: list[Path] = []

    def lenient(bundle: Path) -> RunResult:
        seen.append(bundle)
        return real(seen[0])  # the first, valid bundle, whatever is asked

    with pytest.raises(ReferenceSetError, match=r"valid bundle oneroster12-csv_valid03\.zip .*or\.enc\.bom: expected "
                                                r"\[\('classes\.csv', 1, None\)\], renkei reported \[\]"):
        build_reference_set(tmp_path, profile=profile, verify=lenient)
    assert len(seen) == 3  # valid01, valid02, then valid03 stopped the build


def test_an_unknown_profile_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReferenceSetError, match="unknown profile 'nope'.*oneroster12-csv-jpk12"):
        build_reference_set(tmp_path, profile="nope", verify=verifier("nope"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("profile", [p for p in PROFILE_VARIANTS if p not in DETAILED])
def test_every_profile_gets_a_verified_set(tmp_path: Path, profile: str) -> None:
    refset = build_reference_set(tmp_path, profile=profile, verify=verifier(profile))
    assert [b.kind for b in refset.bundles].count("invalid") >= 5
