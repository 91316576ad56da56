from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from renkei.harness.core.model import Finding, Location, Outcome
from renkei.reports.junit_writer import MAX_LISTED, write
from tests.reports.factories import HOSTILE, csv_finding, make_check, make_run, mixed_run


def _parse(path: Path) -> ET.Element:
    return ET.fromstring(path.read_bytes())


def _case(root: ET.Element, check_id: str) -> ET.Element:
    found = root.find(f".//testcase[@name='{check_id}']")
    assert found is not None, check_id
    return found


def _props(el: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in el.findall("./properties/property")}


def test_suite_counts_and_properties(tmp_path: Path) -> None:
    root = _parse(write(mixed_run(), tmp_path))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("name") == "oneroster-csv-jp"
    # failures: 2 failed + aud failed + stale xpass; errors: 1; skipped: skip + xfail
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "10", "4", "1", "2"
    )
    props = _props(suite)
    assert props["profile_id"] == "oneroster-csv-jp"
    assert props["profile_version"] == "1.2.1-jp3.00"
    assert props["tool_version"] == "0.1.0"
    assert props["target.path"] == "bundle.zip"
    assert props["verdict"] == "fail"


def test_testcase_properties_and_failure_lists_findings(tmp_path: Path) -> None:
    root = _parse(write(mixed_run(), tmp_path))
    case = _case(root, "or.users.givenName.required")
    assert case.get("classname") == "oneroster-csv-jp"
    props = _props(case)
    assert props["check_id"] == "or.users.givenName.required"
    assert props["requirement"].startswith("OR 1.2.1 CSV §3.10")
    assert (props["severity"], props["outcome"]) == ("error", "failed")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "チェック or.users.givenName.required"
    body = failure.text or ""
    assert "users.csv:3 [givenName]: 必須項目が空です" in body
    assert HOSTILE in body  # XML-escaped on disk, intact after parsing
    assert "⟨BOM⟩山田⟨U+3000⟩太郎⟨CR⟩⟨TAB⟩" in body


def test_english_messages(tmp_path: Path) -> None:
    root = _parse(write(mixed_run(), tmp_path, lang="en"))
    failure = _case(root, "or.users.givenName.required").find("failure")
    assert failure is not None
    assert failure.get("message") == "Check or.users.givenName.required"
    assert "users.csv:2 [givenName]: required field is empty (value: (empty string))" in (failure.text or "")


def test_warning_passes_with_findings_in_system_out(tmp_path: Path) -> None:
    case = _case(_parse(write(mixed_run(), tmp_path)), "or.users.kana.fullwidth")
    assert case.find("failure") is None and case.find("error") is None
    out = case.find("system-out")
    assert out is not None and "ﾀﾛｳ" in (out.text or "")


def test_error_skip_xfail_and_stale_xpass(tmp_path: Path) -> None:
    root = _parse(write(mixed_run(), tmp_path))
    error = _case(root, "lti.launch.sub.present").find("error")
    assert error is not None and error.get("message") == "target unreachable: connection refused"
    skipped = _case(root, "or.demographics.present").find("skipped")
    assert skipped is not None and skipped.get("message") == "demographics.csv is not in the bundle"
    xfail = _case(root, "or.orgs.code.checkdigit").find("skipped")
    assert xfail is not None and xfail.get("type") == "xfail" and xfail.get("message") == "fixed in release 3.2"
    stale = _case(root, "or.courses.title.required").find("failure")
    assert stale is not None and stale.get("type") == "xpassed"
    assert _case(root, "or.manifest.version").find("*[@message]") is None


def test_passing_run_has_no_failures(tmp_path: Path) -> None:
    run = make_run([make_check("a", Outcome.PASSED), make_check("b", Outcome.PASSED)])
    suite = _parse(write(run, tmp_path)).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "0")


def test_long_finding_lists_are_cut(tmp_path: Path) -> None:
    findings = [csv_finding(row=r, value="x") for r in range(2, 102)]
    run = make_run([make_check("many", Outcome.FAILED, findings=findings, findings_count=5000)])
    body = _case(_parse(write(run, tmp_path)), "many").find("failure")
    assert body is not None
    text = body.text or ""
    assert "指摘 5000 件のうち、最初の 20 件を表示しています。" in text
    assert text.count("users.csv:") == MAX_LISTED


def test_control_characters_and_bidi_cannot_break_the_xml(tmp_path: Path) -> None:
    nasty = Finding(
        message="bad\x00message\x1b",
        location=Location(file="evil\u202etxt.csv", row=1, entry="a\x07b"),
        value="\x00\x08\ufffe\udcff]]>",
    )
    run = make_run([make_check("x", Outcome.FAILED, findings=[nasty], error=None)], profile_id="p\x01")
    root = _parse(write(run, tmp_path))  # parsing fails on any XML-illegal character
    text = ET.tostring(root, encoding="unicode")
    assert "\u202e" not in text and "\x00" not in text
    assert "evil⟨U+202E⟩txt.csv" in text
    assert "⟨U+0000⟩⟨U+0008⟩⟨U+FFFE⟩⟨U+DCFF⟩]]&gt;" in text
