"""The target file's rules, and the shipped Japan profile documents (they load, hold what the reference
confirms, and agree with the code that reads them)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from renkei.harness.core.errors import ConfigError
from renkei.harness.xapi.model import templates
from renkei.harness.xapi.statements import japan
from renkei.harness.xapi.statements.config import StatementsTargetConfig, load_target

CAPTURE = {"client": {"secret": "${S}"}}


@pytest.mark.parametrize("data, why", [
    ({"source": "file"}, "a 'file' section"),
    ({"source": "capture"}, "a 'capture' section"),
    ({"source": "capture", "capture": {"client": {"secret": "hunter2-hunter2"}}}, "${ENV_VAR} reference"),
    ({"source": "capture", "capture": {**CAPTURE, "launch": {"mode": "url"}}}, "launch.url is required"),
    ({"source": "capture", "capture": {**CAPTURE, "launch": {"mode": "hook"}}}, "launch.command"),
    ({"source": "capture", "capture": {**CAPTURE, "launch": {"mode": "hook", "command": ["x", "{token}"]}}},
     "unknown placeholder {token}"),
    ({"source": "capture", "capture": {**CAPTURE, "path": "xapi"}}, "absolute path"),
    ({"source": "capture", "capture": {"client": {"key": "a:b", "secret": "${S}"}}}, "no ':'"),
    ({"source": "file", "file": {"path": "x"}, "expect": {"actor": {"name": "u", "home_page": "portal"}}},
     "absolute http(s) URL"),
    ({"source": "file", "file": {"path": "x"}, "version": "1.1.0"}, "1.0.3"),
])
def test_bad_target_files_name_the_field(data, why):
    with pytest.raises(ValidationError) as err:
        StatementsTargetConfig.model_validate(data)
    assert why in str(err.value)


def test_secrets_come_from_the_environment_and_are_checked():
    config = StatementsTargetConfig.model_validate({"source": "capture", "capture": CAPTURE})
    with pytest.raises(ConfigError, match="environment variable S is not set"):
        config.secret({})
    with pytest.raises(ConfigError, match="environment variable S"):
        config.secret({"S": "short"})
    assert config.secret({"S": "a-long-enough-secret"}) == "a-long-enough-secret"


def test_relative_paths_are_relative_to_the_target_file(tmp_path):
    (tmp_path / "t.yaml").write_text("kind: xapi-statements\nsource: file\nfile: {path: s.ndjson}\n"
                                     "profiles: [p.json]\n", encoding="utf-8")
    config = load_target(tmp_path / "t.yaml")
    assert config.file is not None and config.file.path == str(tmp_path / "s.ndjson")
    assert config.profiles == [str(tmp_path / "p.json")]


def test_the_japan_documents_load_with_the_reference_verbs():
    assessment = templates.load_profile_file(japan.fixture("japan-assessment"))
    lms = templates.load_profile_file(japan.fixture("japan-lms"))
    assert {t.id.rsplit("/", 1)[1]: t.verb for t in assessment.templates} == {
        "attempted": "http://adlnet.gov/expapi/verbs/attempted", "answered": "http://adlnet.gov/expapi/verbs/answered",
        "viewed": "http://id.tincanapi.com/verb/viewed", "completed": "http://adlnet.gov/expapi/verbs/completed"}
    answered = next(t for t in assessment.templates if t.id.endswith("answered"))
    assert [r.location.text for r in answered.rules] == ["$.result.score.scaled", "$.result.score.raw",
                                                         "$.result.score.max"]
    assert len(lms.templates) == 9 and all(t.rules == () for t in lms.templates)
    assert "https://w3id.org/xapi/adl/verbs/created" in {t.verb for t in lms.templates}


def test_the_common_rules_and_core_extensions_are_those_of_the_draft():
    rules = japan.common_rules()
    included = [r.location.text for r in rules if r.presence == "included"]
    assert included[:3] == ["$.id", "$.timestamp", "$.actor"] and "$.context.platform" in included
    assert len(included) == 14
    assert [r.location.text for r in rules if r.presence == "recommended"] == [
        "$.object.definition.name['ja-JP']", "$.object.definition.description['ja-JP']"]
    names = {iri.removeprefix(japan.EXTENSIONS_BASE) for iri in japan.core_extensions()}
    assert names == {"grade", "subject", "course-of-study-code", "unit", "purpose-of-question", "content-type",
                     "question-order", "difficulty", "assessment-type", "scrapbook-item-type", "due-date"}


def test_extension_shapes():
    ext = japan.EXTENSIONS_BASE
    statement = {"context": {"extensions": {ext + "content-type": "hint", ext + "question-order": 3,
                                            ext + "due-date": "2026-06-01T17:00:00+09:00"}}}
    assert japan.extension_value_problems(statement) == []
    bad = {"context": {"extensions": {ext + "content-type": "answer", ext + "question-order": True,
                                      ext + "due-date": "2026-06-01", ext + "unit": [""]}}}
    assert sorted(p.message for p in japan.extension_value_problems(bad)) == [
        "extension content-type must be one of hint, result, explanation",
        "extension due-date must be an ISO 8601 date-time",
        "extension question-order must be an integer",
        "extension unit each item must be a non-empty string"]
