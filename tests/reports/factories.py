"""Builders for RunResult objects used by the report-writer tests (generated data only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from renkei.harness.core.model import (
    CheckResult,
    ExpectedFailure,
    Finding,
    Location,
    Outcome,
    ProfileInfo,
    RunResult,
    Severity,
    ToolInfo,
)

STARTED = datetime(2026, 4, 1, 0, 30, 0, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script>'


def make_check(
    check_id: str = "or.users.givenName.required",
    outcome: Outcome = Outcome.PASSED,
    *,
    severity: Severity = Severity.ERROR,
    findings: list[Finding] | None = None,
    findings_count: int | None = None,
    **extra: Any,
) -> CheckResult:
    found = findings or []
    return CheckResult(
        id=check_id,
        requirement=extra.pop("requirement", "OR 1.2.1 CSV §3.10 users.givenName (required)"),
        severity=severity,
        outcome=outcome,
        title=extra.pop("title", f"Check {check_id}"),
        title_ja=extra.pop("title_ja", f"チェック {check_id}"),
        description=extra.pop("description", "Why this rule matters, in plain English."),
        description_ja=extra.pop("description_ja", "この規則が大切な理由をわかりやすく説明します。"),
        findings=found,
        findings_count=len(found) if findings_count is None else findings_count,
        duration_s=extra.pop("duration_s", 0.012),
        **extra,
    )


def csv_finding(file: str = "users.csv", row: int = 2, column: str = "givenName", value: str | None = "") -> Finding:
    return Finding(
        message="required field is empty",
        message_ja="必須項目が空です",
        location=Location(file=file, row=row, column=column),
        value=value,
    )


def make_run(checks: list[CheckResult] | None = None, **extra: Any) -> RunResult:
    run = RunResult(
        tool=ToolInfo(version="0.1.0"),
        profile=ProfileInfo(
            id=extra.pop("profile_id", "oneroster-csv-jp"),
            version="1.2.1-jp3.00",
            title="OneRoster 1.2 CSV, Japan Profile",
            title_ja="OneRoster 1.2 CSV 日本プロファイル",
            standard="OneRoster 1.2 CSV",
            source="OneRoster Japan Profile (学習eポータル標準モデル Ver.3.00)",
        ),
        target=extra.pop("target", {"kind": "oneroster-csv", "path": "bundle.zip", "type": "file"}),
        started_at=STARTED,
        finished_at=STARTED + timedelta(seconds=3.5),
        checks=checks or [],
        **extra,
    )
    run.recount()
    return run


def mixed_run(**extra: Any) -> RunResult:
    """One check of every kind a report has to show, with hostile and invisible values."""
    checks = [
        make_check(
            "or.users.givenName.required",
            Outcome.FAILED,
            findings=[
                csv_finding(row=2, value=""),
                csv_finding(row=3, value=HOSTILE),
                csv_finding(row=4, value="\ufeff山田\u3000太郎\r\t"),
            ],
            findings_count=3,
        ),
        make_check(
            "or.enrollments.classSourcedId.ref",
            Outcome.FAILED,
            findings=[csv_finding(file="enrollments.csv", row=r, column="classSourcedId", value="c-x") for r in (5, 6)],
            requirement="OR 1.2.1 CSV §3.6 enrollments.classSourcedId (reference)",
        ),
        make_check(
            "or.users.kana.fullwidth",
            Outcome.WARNING,
            severity=Severity.WARNING,
            findings=[csv_finding(row=7, column="metadata.jp.kanaGivenName", value="ﾀﾛｳ")],
        ),
        make_check(
            "lti.launch.sub.present",
            Outcome.ERROR,
            error="target unreachable: connection refused",
            requirement="LTI 1.3 Core §5.3.6",
        ),
        make_check("or.demographics.present", Outcome.SKIPPED, skip_reason="demographics.csv is not in the bundle"),
        make_check(
            "or.orgs.code.checkdigit",
            Outcome.FAILED,
            findings=[csv_finding(file="orgs.csv", row=2, column="identifier", value="A123")],
            expected_failure=ExpectedFailure(reason="fixed in release 3.2", state="xfailed"),
        ),
        make_check(
            "or.courses.title.required",
            Outcome.PASSED,
            expected_failure=ExpectedFailure(reason="stale entry", state="xpassed"),
        ),
        make_check(
            "lti.id_token.aud",
            Outcome.FAILED,
            findings=[Finding(
                message="aud does not contain the client_id",
                message_ja="aud に client_id が含まれていません",
                location=Location(endpoint="/lti/launch", method="POST", claim="aud"),
                value="other-client",
            )],
            requirement="LTI 1.3 Core §5.1.2",
        ),
        make_check("or.manifest.version", Outcome.PASSED),
        make_check("or.users.sourcedId.unique", Outcome.PASSED),
    ]
    return make_run(checks, **extra)


def _uid(n: int) -> str:
    return f"{n:08x}-5c1e-4a6b-9d3f-{n * 7919:012x}"


def demo_run(**extra: Any) -> RunResult:
    """A realistic-looking OneRoster Japan Profile run (generated data) for screenshots."""
    kana = [csv_finding(row=r, column="metadata.jp.kanaFamilyName", value=v) for r, v in
            [(14, ""), (27, "ﾔﾏﾀﾞ"), (33, "サトウ\u3000"), (58, ""), (102, "\ufeffスズキ")]]
    kana = [f.model_copy(update={"message": m[0], "message_ja": m[1]}) for f, m in zip(kana, [
        ("required field is empty", "必須項目が空です"),
        ("half-width katakana is not allowed", "半角カタカナは使えません"),
        ("trailing full-width space", "末尾に全角スペースがあります"),
        ("required field is empty", "必須項目が空です"),
        ("BOM inside a value", "値の中に BOM があります"),
    ], strict=True)]
    refs = [
        Finding(message="userSourcedId does not match any users.sourcedId",
                message_ja="userSourcedId が users.csv のどの sourcedId とも一致しません",
                location=Location(file="enrollments.csv", row=r, column="userSourcedId"), value=_uid(r))
        for r in range(40, 52)
    ]
    role = [
        Finding(message="role is not in the vocabulary", message_ja="role が語彙にない値です",
                location=Location(file="roles.csv", row=r, column="role"), value=v)
        for r, v in [(8, "Student"), (9, "teacher\r"), (21, "生徒")]
    ]
    checkdigit = [
        Finding(message="school code check digit does not match", message_ja="学校コードのチェックディジットが一致しません",
                location=Location(file="orgs.csv", row=3, column="metadata.jp.schoolCode"), value="B113199990010"),
    ]
    checks = [
        make_check("or.jp.users.kanaFamilyName.required", Outcome.FAILED, findings=kana, findings_count=5,
                   requirement="OR 1.2 CSV Japan Profile §4.3 users.metadata.jp.kanaFamilyName",
                   title="Family name reading (kana) is required and full-width",
                   title_ja="氏名の読み（カナ）は必須・全角カタカナ",
                   description="The e-portal matches learners by name reading; an empty or half-width "
                               "reading breaks the match.",
                   description_ja="学習eポータルは読み仮名で利用者を照合します。空欄や半角カナがあると照合できず、"
                                  "名寄せを手作業で行うことになります。"),
        make_check("or.enrollments.userSourcedId.ref", Outcome.FAILED, findings=refs, findings_count=128,
                   requirement="OR 1.2.1 CSV §3.6 enrollments.userSourcedId (foreign key)",
                   title="Enrollments refer to existing users", title_ja="所属（enrollments）の利用者が存在する",
                   description="Every enrollment must point at a user in users.csv.",
                   description_ja="enrollments.csv の各行は users.csv に存在する利用者を指していなければなりません。"),
        make_check("or.roles.role.vocab", Outcome.FAILED, findings=role,
                   requirement="OR 1.2.1 CSV §3.11 roles.role (enumeration)",
                   title="Role uses the OneRoster vocabulary", title_ja="役割（role）は定められた語彙の値",
                   description="Values are case-sensitive.", description_ja="値は大文字・小文字を区別します。"),
        make_check("or.jp.orgs.schoolCode.checkdigit", Outcome.WARNING, severity=Severity.WARNING,
                   findings=checkdigit, requirement="MEXT 学校コード (check digit; disputed for 旧コード)",
                   title="School code check digit", title_ja="学校コードのチェックディジット",
                   description="Old-style codes have no check digit, so this is a warning.",
                   description_ja="旧形式の学校コードにはチェックディジットがないため、警告として扱います。"),
        make_check("or.demographics.present", Outcome.SKIPPED, skip_reason="demographics.csv は任意ファイルで、含まれていません",
                   title="Demographics file", title_ja="demographics.csv の検査"),
        make_check("or.jp.academicSessions.schoolYear", Outcome.FAILED,
                   findings=[csv_finding(file="academicSessions.csv", row=2, column="schoolYear", value="2025")],
                   expected_failure=ExpectedFailure(reason="年度表記の修正は次期リリース 3.2 で対応予定", state="xfailed"),
                   title="School year is the Japanese fiscal year", title_ja="schoolYear は年度で表す"),
    ]
    passed = [("or.manifest.version", "manifest.csv の版"), ("or.csv.encoding.utf8", "文字コードは UTF-8"),
              ("or.csv.header.order", "ヘッダーの列順"), ("or.users.sourcedId.unique", "sourcedId の一意性"),
              ("or.orgs.type.vocab", "組織種別の語彙"), ("or.classes.course.ref", "クラスの科目参照")]
    checks += [make_check(i, Outcome.PASSED, title_ja=tj) for i, tj in passed]
    extra.setdefault("target", {"kind": "oneroster-csv", "path": "exports/oneroster-2026-04-01.zip", "type": "file"})
    return make_run(checks, **extra)
