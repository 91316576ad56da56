"""``xapi.profile.patterns``: statements declaring a profile with primary patterns follow one, series by
series (registration, subregistration, actor), in timestamp order. One following and one failing
statement sequence per pattern kind, the series and statement a finding names, the parameters, what
is skipped or not evaluated, and the check in the profile runs."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.core.session import RunOptions
from renkei.harness.runner import execute
from tests.harness.xapi.statements.conftest import Ran, file_target, run
from tests.harness.xapi.statements.factory import HOME_PAGE, synthetic_uuid

CHECK = "xapi.profile.patterns"
PROFILE = "https://example.jp/xapi/profiles/drill"
VERSION = PROFILE + "/v1"
VERBS = {"L": "http://adlnet.gov/expapi/verbs/launched", "A": "http://adlnet.gov/expapi/verbs/answered",
         "C": "http://adlnet.gov/expapi/verbs/completed", "X": "https://w3id.org/xapi/adl/verbs/abandoned",
         "H": "http://id.tincanapi.com/verb/viewed"}
_rng = random.Random(20260512)
LEARNER, OTHER = synthetic_uuid(_rng), synthetic_uuid(_rng)
REGISTRATION = synthetic_uuid(_rng)


def tid(letter: str) -> str:
    return f"{PROFILE}/templates/{letter}"


def pid(name: str) -> str:
    return f"{PROFILE}/patterns/{name}"


def template(letter: str, profile: str = PROFILE) -> dict[str, Any]:
    return {"id": f"{profile}/templates/{letter}", "type": "StatementTemplate", "inScheme": profile + "/v1",
            "prefLabel": {"en": letter}, "definition": {"en": letter}, "verb": VERBS[letter]}


def primary(name: str, kind: str, members: Any) -> dict[str, Any]:
    return {"id": pid(name), "type": "Pattern", "primary": True, "inScheme": VERSION, "prefLabel": {"en": name},
            "definition": {"en": name}, kind: members}


def part(name: str, kind: str, members: Any) -> dict[str, Any]:
    return {"id": pid(name), "type": "Pattern", "inScheme": VERSION, kind: members}


def document(*found: dict[str, Any], profile: str = PROFILE, letters: str = "LACXH") -> dict[str, Any]:
    return {"@context": "https://w3id.org/xapi/profiles/context", "id": profile, "type": "Profile",
            "prefLabel": {"en": "drill"}, "definition": {"en": "a synthetic drill profile"},
            "versions": [{"id": profile + "/v1", "generatedAtTime": "2026-04-01T00:00:00Z"}],
            "templates": [template(x, profile) for x in letters], "patterns": list(found)}


KINDS: dict[str, tuple[list[dict[str, Any]], str, str, int, str]] = {
    # kind: (patterns, following, failing, statement index of the failure, what the finding says)
    "sequence": ([primary("main", "sequence", [tid("L"), tid("C")])], "LC", "LAC", 1, "expects C"),
    "alternates": ([primary("main", "sequence", [tid("L"), pid("end")]),
                    part("end", "alternates", [tid("C"), tid("X")])], "LX", "LA", 1, "expects C, X"),
    "optional": ([primary("main", "sequence", [tid("L"), pid("hint"), tid("C")]),
                  part("hint", "optional", tid("H"))], "LHC", "LHHC", 2, "expects C"),
    "oneOrMore": ([primary("main", "sequence", [tid("L"), pid("answers"), tid("C")]),
                   part("answers", "oneOrMore", tid("A"))], "LAAAC", "LC", 1, "expects A"),
    "zeroOrMore": ([primary("main", "sequence", [tid("L"), pid("answers"), tid("C")]),
                    part("answers", "zeroOrMore", tid("A"))], "LC", "LAXC", 2, "expects A, C"),
}


def statement(letter: str, minute: int, *, registration: str | None = REGISTRATION, learner: str = LEARNER,
              declare: str = VERSION, **context: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {"contextActivities": {"category": [{"id": declare}]}, **context}
    if registration is not None:
        ctx["registration"] = registration
    return {"id": synthetic_uuid(_rng), "timestamp": f"2026-05-12T09:{minute:02d}:00.000+09:00",
            "actor": {"objectType": "Agent", "account": {"homePage": HOME_PAGE, "name": learner}},
            "verb": {"id": VERBS[letter], "display": {"en": letter}},
            "object": {"objectType": "Activity", "id": f"https://drill.example.jp/items/{minute}"}, "context": ctx}


def sequence(letters: str, **kw: Any) -> list[dict[str, Any]]:
    return [statement(x, n, **kw) for n, x in enumerate(letters)]


def judged(tmp_path: Path, statements: list[dict[str, Any]], *docs: dict[str, Any],
           params: dict[str, Any] | None = None) -> Ran:
    paths = []
    for n, doc in enumerate(docs):
        path = tmp_path / f"profile-{n}.jsonld"
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(str(path))
    return run(file_target(tmp_path, statements, profiles=paths), CHECK, params)


def clean(ran: Ran) -> bool:
    return not ran.findings and not ran.unseen and ran.skipped is None


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_pattern_kind_on_a_following_and_a_failing_sequence(tmp_path: Path, kind: str) -> None:
    found, good, bad, at, says = KINDS[kind]
    assert clean(judged(tmp_path, sequence(good), document(*found)))
    ran = judged(tmp_path, sequence(bad), document(*found))
    assert [f.location.index for f in ran.findings] == [at] and not ran.unseen
    finding = ran.findings[0]
    assert says in finding.message and pid("main") in finding.message
    assert f"registration {REGISTRATION}" in finding.message and f"actor account {HOME_PAGE} {LEARNER}" in finding.message
    assert finding.location.file == "statements.ndjson" and finding.location.row == at + 1 and finding.location.entry


def test_series_are_ordered_by_timestamp_not_by_file_order(tmp_path: Path) -> None:
    found = KINDS["oneOrMore"][0]
    shuffled = sequence("LAAC")[::-1]  # the file says C A A L; the timestamps say L A A C
    assert clean(judged(tmp_path, shuffled, document(*found)))
    late = sequence("LAAC")
    late[0]["timestamp"] = "2026-05-12T10:00:00.000+09:00"  # the launch stamped after the completion
    ran = judged(tmp_path, late, document(*found))
    assert [f.location.index for f in ran.findings] == [1]  # A comes first in time, where L is expected


def test_a_series_is_one_registration_and_one_actor(tmp_path: Path) -> None:
    """Two learners in one registration and a second registration of the first learner, interleaved in
    the file: three series that each follow the pattern; by registration alone (as the spec words it),
    the two learners' statements mix and fail."""
    found = KINDS["sequence"][0]
    other_registration = synthetic_uuid(_rng)
    mixed = [statement("L", 0), statement("L", 1, learner=OTHER), statement("L", 2, registration=other_registration),
             statement("C", 3, learner=OTHER), statement("C", 4), statement("C", 5, registration=other_registration)]
    assert clean(judged(tmp_path, mixed, document(*found)))
    ran = judged(tmp_path, mixed, document(*found), params={"group_by": "registration"})
    assert [f.location.index for f in ran.findings] == [1]  # the second launch where C is expected
    assert "actor" not in ran.findings[0].message


def test_subregistrations_split_a_registration(tmp_path: Path) -> None:
    found = KINDS["sequence"][0]
    sub = "https://w3id.org/xapi/profiles/extensions/subregistration"

    def within(letter: str, minute: int, n: int) -> dict[str, Any]:
        return statement(letter, minute, extensions={sub: [{"profile": VERSION, "subregistration": f"{n}" * 8}]})
    two = [within("L", 0, 1), within("L", 1, 2), within("C", 2, 1), within("C", 3, 2)]
    assert clean(judged(tmp_path, two, document(*found)))
    assert judged(tmp_path, [{**s, "context": {k: v for k, v in s["context"].items() if k != "extensions"}}
                             for s in two], document(*found)).findings


def test_a_series_cut_short_is_partial_unless_allowed(tmp_path: Path) -> None:
    found = KINDS["oneOrMore"][0]
    ran = judged(tmp_path, sequence("LAA"), document(*found))
    assert [f.location.index for f in ran.findings] == [2]
    assert "end after statement #2" in ran.findings[0].message and "partial" in ran.findings[0].message
    assert clean(judged(tmp_path, sequence("LAA"), document(*found), params={"allow_partial": True}))


def test_statements_after_a_complete_pattern(tmp_path: Path) -> None:
    ran = judged(tmp_path, sequence("LCC"), document(*KINDS["sequence"][0]))
    assert [f.location.index for f in ran.findings] == [2] and "after the primary pattern" in ran.findings[0].message


def test_a_statement_of_no_template_breaks_its_series(tmp_path: Path) -> None:
    odd = sequence("LC")
    odd[1]["verb"] = {"id": "http://adlnet.gov/expapi/verbs/experienced"}  # a verb no template has
    ran = judged(tmp_path, odd, document(*KINDS["sequence"][0]))
    assert [f.location.index for f in ran.findings] == [1] and "matches none of its Statement Templates" in \
        ran.findings[0].message


def test_a_statement_without_registration_or_timestamp_is_a_finding(tmp_path: Path) -> None:
    found = KINDS["sequence"][0]
    ran = judged(tmp_path, [*sequence("LC"), statement("L", 9, registration=None)], document(*found))
    assert [(f.location.index, f.location.column) for f in ran.findings] == [(2, "$.context.registration")]
    undated = sequence("LA")  # would fail the pattern, but cannot be ordered: one finding, for the timestamp
    del undated[1]["timestamp"]
    ran = judged(tmp_path, undated, document(*found))
    assert [(f.location.index, f.location.column) for f in ran.findings] == [(1, "$.timestamp")]


def test_patterns_may_reuse_another_documents_templates(tmp_path: Path) -> None:
    other = "https://example.jp/xapi/profiles/common"
    base = document(profile=other, letters="LC")
    reusing = document(primary("main", "sequence", [f"{other}/templates/L", f"{other}/templates/C"]), letters="")
    assert clean(judged(tmp_path, sequence("LC"), base, reusing))
    assert judged(tmp_path, sequence("CL"), base, reusing).findings


def test_only_statements_declaring_the_profile_are_judged(tmp_path: Path) -> None:
    found = KINDS["sequence"][0]
    others = sequence("CCC", declare="https://example.jp/xapi/profiles/else/v1")
    assert judged(tmp_path, others, document(*found)).skipped == \
        f"no statement declares a profile that has primary patterns ({PROFILE})"
    assert clean(judged(tmp_path, [*others, *sequence("LC", registration=synthetic_uuid(_rng))], document(*found)))


def test_skipped_without_primary_patterns(tmp_path: Path) -> None:
    assert "no xAPI Profile document" in (judged(tmp_path, sequence("LC")).skipped or "")
    ran = judged(tmp_path, sequence("LC"), document(part("answers", "oneOrMore", tid("A"))))
    assert "defines a primary pattern" in (ran.skipped or "")
    japan = run(file_target(tmp_path, sequence("LC"), params={"documents": ["japan-assessment", "japan-lms"]}), CHECK)
    assert "defines a primary pattern" in (japan.skipped or "")  # the Japan drafts define no pattern


def test_unusable_patterns_and_parameters_are_not_evaluated(tmp_path: Path) -> None:
    dangling = document(primary("main", "sequence", [tid("L"), pid("nowhere")]))
    ran = judged(tmp_path, sequence("LC"), dangling)
    assert not ran.findings and "neither a Pattern nor a Statement Template" in " ".join(ran.unseen)
    ran = judged(tmp_path, sequence("LC"), document(*KINDS["sequence"][0]), params={"group_by": "actor"})
    assert not ran.findings and "group_by" in " ".join(ran.unseen)
    ran = judged(tmp_path, sequence("LAAC"), document(*KINDS["oneOrMore"][0]), params={"max_statements": 3})
    assert not ran.findings and "more than 3 statements" in " ".join(ran.unseen)


def test_a_malformed_pattern_is_a_target_error(tmp_path: Path) -> None:
    broken = document({"id": pid("main"), "type": "Pattern", "primary": True, "sequence": [], "optional": tid("L")})
    with pytest.raises(ConfigError, match=r"patterns\[0\].*exactly one of"):
        judged(tmp_path, sequence("LC"), broken)


@pytest.mark.parametrize("profile, outcome", [("xapi-statements", "failed"), ("xapi-statements-japan", "warning")])
def test_the_check_in_the_profile_runs(tmp_path: Path, profile: str, outcome: str) -> None:
    """Planned with the other layers of the one streamed pass; an error in xapi-statements (the final
    xAPI Profiles spec), a warning where the Japan drafts apply."""
    (tmp_path / "drill.jsonld").write_text(json.dumps(document(*KINDS["oneOrMore"][0])), encoding="utf-8")
    (tmp_path / "s.ndjson").write_text("".join(json.dumps(s) + "\n" for s in [*sequence("LAC"), *sequence(
        "LC", registration=synthetic_uuid(_rng))]), encoding="utf-8")
    (tmp_path / "t.yaml").write_text("kind: xapi-statements\nsource: file\nfile: {path: s.ndjson}\n"
                                     "profiles: [drill.jsonld]\n", encoding="utf-8")
    result = execute(RunOptions(profile=profile, target=str(tmp_path / "t.yaml"), out_dir=tmp_path / "out",
                                lang="en"), quiet=True)
    found = next(c for c in result.checks if c.id == CHECK)
    assert found.outcome.value == outcome
    assert [(f.location.file, f.location.row, f.location.index) for f in found.findings] == [("s.ndjson", 5, 4)]
