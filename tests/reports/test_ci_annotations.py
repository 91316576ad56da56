"""GitHub workflow commands and the job summary from a run: levels, locations, escaping, redaction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from renkei.harness.core.model import ExpectedFailure, Finding, Location, Outcome, Severity
from renkei.harness.core.secret_registry import SecretRegistry
from renkei.reports.ci_annotations import FINDINGS_PER_CHECK, command, github_commands, step_summary
from tests.reports.factories import csv_finding, make_check, make_run

# GitHub's parser: "::" command " " key=value(,key=value)* "::" data, all on one line.
WORKFLOW_COMMAND = re.compile(r"^::(error|warning|notice) ((?:[a-zA-Z]+=[^,:\r\n]*)(?:,[a-zA-Z]+=[^,:\r\n]*)*)::"
                              r"([^\r\n]*)$")


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    m = WORKFLOW_COMMAND.match(line)
    assert m is not None, line
    props = dict(p.split("=", 1) for p in m.group(2).split(","))
    return m.group(1), props, m.group(3)


def _unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def test_a_failing_csv_finding_is_an_error_at_its_file_and_row() -> None:
    run = make_run([make_check("or.users.required", Outcome.FAILED, findings=[csv_finding(row=12)]),
                    make_check("or.users.ok", Outcome.PASSED)], lang="en")
    (line,) = github_commands(run)
    level, props, message = _parse(line)
    assert level == "error" and props["file"] == "users.csv" and props["line"] == "12"
    assert _unescape(props["title"]) == "or.users.required: Check or.users.required"
    assert message == "users.csv:12 [givenName]: required field is empty = ''"


def test_warnings_are_warnings_and_passes_skips_and_expected_failures_are_silent() -> None:
    xfailed = make_check("or.x", Outcome.FAILED, findings=[csv_finding()],
                         expected_failure=ExpectedFailure(reason="fixed in 3.2", state="xfailed"))
    run = make_run([make_check("or.w", Outcome.WARNING, severity=Severity.WARNING, findings=[csv_finding()]),
                    make_check("or.s", Outcome.SKIPPED, skip_reason="no file"), xfailed,
                    make_check("or.p", Outcome.PASSED)])
    assert [_parse(line)[0] for line in github_commands(run)] == ["warning"]


def test_a_stale_expected_failure_and_a_check_that_could_not_run_are_errors() -> None:
    stale = make_check("or.stale", Outcome.PASSED, expected_failure=ExpectedFailure(reason="r", state="xpassed"))
    broken = make_check("or.err", Outcome.ERROR, error="not evaluated: the provider never answered")
    lines = [_parse(line) for line in github_commands(make_run([stale, broken], lang="en"))]
    assert [(level, _unescape(p["title"]).split(":")[0]) for level, p, _ in lines] == [
        ("error", "or.stale"), ("error", "or.err")]
    assert "remove it from the expected-failures file" in lines[0][2]
    assert _unescape(lines[1][2]) == "not evaluated: the provider never answered"


def test_an_http_finding_has_no_file_and_names_its_endpoint_in_the_title() -> None:
    f = Finding(message="answer is not JSON", location=Location(method="GET", endpoint="http://127.0.0.1:9/users"))
    (line,) = github_commands(make_run([make_check("or.rest.json", Outcome.FAILED, findings=[f])], lang="en"))
    _, props, _ = _parse(line)
    assert "file" not in props and "line" not in props
    assert _unescape(props["title"]) == "or.rest.json: Check or.rest.json (GET http://127.0.0.1:9/users)"


def test_target_text_cannot_break_the_line_or_the_properties() -> None:
    hostile = "a,b:c%0A\r\n::error title=forged::pwned 100%"
    f = Finding(message="bad value", location=Location(file=f"x{hostile}.csv", row=3, column="c"), value=hostile)
    (line,) = github_commands(make_run([make_check("or.h", Outcome.FAILED, findings=[f])], lang="en"))
    assert "\n" not in line and "\r" not in line
    level, props, message = _parse(line)  # still exactly one command with its own properties
    assert set(props) == {"file", "line", "title"} and _unescape(props["file"]) == f"x{hostile}.csv"
    assert _unescape(message).endswith(repr(hostile))
    assert command("notice", "50% done\n", title="t: a,b") == "::notice title=t%3A a%2Cb::50%25 done%0A"


def test_findings_are_capped_per_check_and_the_rest_is_counted() -> None:
    findings = [csv_finding(row=r) for r in range(2, 2 + FINDINGS_PER_CHECK + 3)]
    check = make_check("or.many", Outcome.FAILED, findings=findings, findings_count=40)
    lines = github_commands(make_run([check], lang="en"))
    assert len(lines) == FINDINGS_PER_CHECK
    assert lines[-1].endswith(f"(+{40 - FINDINGS_PER_CHECK} more findings of this check in the report)")


def test_inside_a_folder_target_the_file_is_the_folders_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "export").mkdir()
    check = make_check("or.f", Outcome.FAILED, findings=[csv_finding(row=5)])
    for given in ("export", str(tmp_path / "export")):
        run = make_run([check], target={"kind": "oneroster-csv", "path": given, "type": "folder"})
        assert _parse(github_commands(run)[0])[1]["file"] == "export/users.csv"


def test_secrets_are_scrubbed_before_escaping() -> None:
    secrets = SecretRegistry()
    secret = "s3cr%t,value:1"  # escaping would hide it from the scrubber if done first
    secrets.add(secret, "provider.client_secret")
    f = Finding(message=f"echoed {secret}", location=Location(endpoint=f"http://127.0.0.1:9/?k={secret}"),
                value=secret)
    run = make_run([make_check("or.echo", Outcome.FAILED, findings=[f])], lang="en")
    text = "\n".join(github_commands(run, secrets.scrub)) + step_summary(run, secrets.scrub)
    assert "s3cr" not in text and "[secret:provider.client_secret]" in _unescape(text)


def test_the_step_summary_counts_and_lists_the_checks_to_act_on_with_target_text_inert() -> None:
    f = csv_finding(file="[click](http://evil.test)<img src=x>|.csv", row=4)
    run = make_run([make_check("or.bad", Outcome.FAILED, findings=[f]), make_check("or.good", Outcome.PASSED)])
    text = step_summary(run, report=Path("renkei-out/r/report.html"))
    assert text.startswith("### renkei oneroster\\-csv\\-jp: FAIL 不合格\n")
    assert "| 1 | 1 | 0 | 0 | 0 | 0 | 0 |" in text and "`or.bad`" in text and "or.good" not in text
    assert "](" not in text and "<img" not in text and "\\|" in text
    assert "renkei\\-out/r/report\\.html" in text
