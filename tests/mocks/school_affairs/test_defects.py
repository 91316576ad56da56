"""break_bundle: a dozen realistic defects, each reported at the line and column where it is."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from renkei.harness.jp.codes import SCHOOL_CODE_RE, is_valid_school_code
from renkei.mocks.school_affairs.defects import DefectError, InjectedDefect, break_bundle
from renkei.mocks.school_affairs.generator import generate_bundle


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("valid")
    out = {}
    for profile in ("oneroster12-csv-japan", "oneroster12-csv-jpk12", "oneroster11-csv"):
        out[profile] = root / f"{profile}.zip"
        generate_bundle(out[profile], profile=profile, students_per_grade=12, seed=2)
    return out


def _lines(path: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n).decode("utf-8").split("\n") for n in zf.namelist()}


def _cells(line: str) -> list[str]:
    return next(csv.reader(io.StringIO(line)))


@pytest.mark.parametrize("profile", ["oneroster12-csv-japan", "oneroster12-csv-jpk12"])
def test_defects_are_where_reported(valid: dict[str, Path], tmp_path: Path, profile: str) -> None:
    broken = tmp_path / "broken.zip"
    defects = break_bundle(valid[profile], broken, seed=3)
    assert len(defects) >= 12
    assert len({(d.file, d.row) for d in defects}) == len(defects), "one defect per line"
    before, after = _lines(valid[profile]), _lines(broken)
    changed = {(f, i + 1) for f in before for i, (a, b) in enumerate(zip(before[f], after[f], strict=True))
               if a != b}
    assert changed == {(d.file, d.row) for d in defects}
    for d in defects:
        assert d.description_ja and d.description_en and d.check_id_hint.startswith("or.")
        if d.column is None:  # file-level: BOM
            assert after[d.file][0].startswith("\ufeff") and not before[d.file][0].startswith("\ufeff")
            continue
        header = _cells(after[d.file][0].lstrip("\ufeff"))
        old, new = _cells(before[d.file][d.row - 1]), _cells(after[d.file][d.row - 1])
        diff = [header[i] for i in range(len(header)) if old[i] != new[i]]
        assert diff == [d.column], d


def test_catalogue_content(valid: dict[str, Path], tmp_path: Path) -> None:
    defects = break_bundle(valid["oneroster12-csv-japan"], tmp_path / "b.zip")
    after = _lines(tmp_path / "b.zip")
    by_hint = {d.check_id_hint: d for d in defects}

    def cell(d: InjectedDefect) -> str:
        header = _cells(after[d.file][0].lstrip("\ufeff"))
        return _cells(after[d.file][d.row - 1])[header.index(d.column or "")]

    assert cell(by_hint["or.users.required"]) == ""
    assert cell(by_hint["or.users.format"]) == "TRUE"
    assert cell(by_hint["or.jp.session-title"]) == "2026"
    assert cell(by_hint["or.sem.enrollment-primary"]) == "true"
    assert all("\uff66" <= ch <= "\uff9f" for ch in cell(by_hint["or.jp.hankaku-kana"]))
    assert all("\u3041" <= ch <= "\u3096" or ch == "ー" for ch in cell(by_hint["or.jp.kana-script"]))
    assert all("０" <= ch <= "９" for ch in cell(by_hint["or.jp.shussekino"]))
    code = cell(by_hint["or.jp.school-code"])
    assert SCHOOL_CODE_RE.match(code) and not is_valid_school_code(code)


def test_seeded_and_profile_aware(valid: dict[str, Path], tmp_path: Path) -> None:
    a = break_bundle(valid["oneroster12-csv-japan"], tmp_path / "a.zip", seed=1)
    b = break_bundle(valid["oneroster12-csv-japan"], tmp_path / "b.zip", seed=1)
    c = break_bundle(valid["oneroster12-csv-japan"], tmp_path / "c.zip", seed=2)
    assert a == b and (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert a != c
    base = break_bundle(valid["oneroster11-csv"], tmp_path / "d.zip")
    assert base and not any(d.column and d.column.startswith("metadata.jp.") for d in base)
    assert not any(d.check_id_hint.startswith("or.jp.") for d in base)


def test_not_a_zip_is_a_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "bundle.zip"
    src.write_text("sourcedId\n", encoding="utf-8")
    with pytest.raises(DefectError, match="not a zip"):
        break_bundle(src, tmp_path / "out.zip")
    with pytest.raises(DefectError, match="no such bundle"):
        break_bundle(tmp_path / "missing.zip", tmp_path / "out.zip")


def test_serialised_line_numbers_follow_quoted_newlines() -> None:
    """The line of each row counts the newlines inside quoted cells (LF and CRLF alike)."""
    from renkei.mocks.school_affairs.defects import _serialise, _Table

    rows = [["1", "one line"], ["2", "two\nlines"], ["3", "a\r\nb\nc"], ["4", ""], ["5", "x,\"y\""]]
    data, lines = _serialise(_Table("t.csv", ["id", "note"], rows, bom=True))
    text = data.decode("utf-8").removeprefix("\ufeff")
    physical = text.split("\n")
    assert lines == [2, 3, 5, 8, 9]
    for (ident, _), line in zip(rows, lines, strict=True):
        assert physical[line - 1].startswith(f"{ident},")
    assert list(csv.reader(io.StringIO(text, newline="")))[1:] == rows


def test_only_injects_the_chosen_families(valid: dict[str, Path], tmp_path: Path) -> None:
    chosen = {"or.enrollments.refs", "or.jp.school-code", "or.enc.bom"}
    defects = break_bundle(valid["oneroster12-csv-japan"], tmp_path / "some.zip", seed=3, only=chosen)
    assert {d.check_id_hint for d in defects} == chosen
    assert break_bundle(valid["oneroster12-csv-japan"], tmp_path / "none.zip", only=["or.no.such"]) == []
    assert _lines(tmp_path / "none.zip") == _lines(valid["oneroster12-csv-japan"])
    again = break_bundle(valid["oneroster12-csv-japan"], tmp_path / "again.zip", seed=3, only=chosen)
    assert again == defects and (tmp_path / "again.zip").read_bytes() == (tmp_path / "some.zip").read_bytes()


def test_shift_jis_copy_re_encodes_one_file(valid: dict[str, Path], tmp_path: Path) -> None:
    from renkei.mocks.school_affairs.defects import shift_jis_copy

    src, dst = valid["oneroster12-csv-jpk12"], tmp_path / "sjis.zip"
    [defect] = shift_jis_copy(src, dst)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            before, after = a.read(name), b.read(name)
            if name == "users.csv":
                assert after != before and after.decode("cp932") == before.decode("utf-8")
            else:
                assert after == before
    lines = _lines(src)["users.csv"]
    assert (defect.file, defect.column, defect.check_id_hint) == ("users.csv", None, "or.enc.utf8")
    assert not lines[defect.row - 1].isascii() and all(t.isascii() for t in lines[:defect.row - 1])
    with pytest.raises(DefectError, match="no orgz.csv"):
        shift_jis_copy(src, dst, file="orgz.csv")
