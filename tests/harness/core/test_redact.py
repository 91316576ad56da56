"""--redact masks personal fields in every output; passwords are masked always."""

from __future__ import annotations

from pathlib import Path

from renkei.harness.cli import execute
from renkei.harness.core.model import (
    CheckResult,
    Finding,
    Location,
    Outcome,
    ProfileInfo,
    RunResult,
    Severity,
    ToolInfo,
    utcnow,
)
from renkei.harness.core.redact import MASK, redact_run
from renkei.harness.core.session import RunOptions
from renkei.mocks.school_affairs.defects import break_bundle
from renkei.mocks.school_affairs.generator import generate_bundle


def _run(*findings: Finding) -> RunResult:
    check = CheckResult(id="x", requirement="r", severity=Severity.ERROR, outcome=Outcome.FAILED, title="t",
                        title_ja="t", description="d", description_ja="d", findings=list(findings),
                        findings_count=len(findings))
    return RunResult(tool=ToolInfo(version="0"), profile=ProfileInfo(id="p", version="1", title="t", title_ja="t",
                     standard="s", source="s"), started_at=utcnow(), checks=[check])


def _values(run: RunResult) -> list[str | None]:
    return [f.value for f in run.checks[0].findings]


def test_personal_columns_and_claims_are_masked_only_with_redact() -> None:
    run = _run(Finding(message="m", location=Location(file="users.csv", row=2, column="metadata.jp.kanaGivenName"),
                       value="ﾀﾛｳ"),
               Finding(message="m", location=Location(claim="email"), value="taro@example.jp"),
               Finding(message="m", location=Location(file="users.csv", row=3, column="givenName#2"), value="太郎"),
               Finding(message="m", location=Location(file="orgs.csv", row=2, column="identifier"), value="B1..."),
               Finding(message="m", location=Location(file="users.csv", row=4, column="password"), value="hunter2"))
    assert _values(redact_run(run, redact=True)) == [MASK, MASK, MASK, MASK, MASK]

    # identifier of an org is no person's; but the model cannot tell files apart by column alone,
    # so identifier is masked too (a false mask is safe, a leak is not). Without --redact only passwords go.
    assert _values(redact_run(run, redact=False)) == ["ﾀﾛｳ", "taro@example.jp", "太郎", "B1...", MASK]


def test_nested_claim_paths_are_masked() -> None:
    run = _run(*(Finding(message="m", location=Location(claim=c), value="山田")
                 for c in ("https://purl.imsglobal.org/spec/lti/claim/lis.person_sourcedid", "members[0].given_name",
                           "https://purl.imsglobal.org/spec/lti/claim/context.title")))
    assert _values(redact_run(run, redact=True)) == [MASK, MASK, "山田"]


def test_redacted_run_leaks_no_reading_into_any_output(tmp_path: Path) -> None:
    good, broken = tmp_path / "good.zip", tmp_path / "broken.zip"
    generate_bundle(good, profile="oneroster12-csv-japan", students_per_grade=4)
    break_bundle(good, broken)
    plain = execute(RunOptions(profile="oneroster12-csv-japan", target=str(broken), out_dir=tmp_path / "plain"),
                    quiet=True)
    personal = [f.value for c in plain.checks for f in c.findings
                if f.value and f.location.column and "kana" in f.location.column]
    assert personal, "the broken bundle has kana defects to redact"
    execute(RunOptions(profile="oneroster12-csv-japan", target=str(broken), out_dir=tmp_path / "red", redact=True),
            quiet=True)
    for name in ("result.json", "junit.xml", "report.html"):
        text = (tmp_path / "red" / name).read_text(encoding="utf-8")
        assert not [v for v in personal if v in text], name
        assert MASK in text, name
