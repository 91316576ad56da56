"""xAPI Profiles Patterns (Structure §9) and the matching of Communication §2.2: each pattern kind on a
series that follows it and one that does not, the greedy rules and the three outcomes of the spec's
pseudocode, where a failure is placed, and malformed or hostile pattern documents."""

from __future__ import annotations

import pytest

from renkei.harness.xapi.model import patterns as P
from renkei.harness.xapi.model import templates as T

L, A, C, X, H = "t:launched", "t:answered", "t:completed", "t:abandoned", "t:hint"
TEMPLATES = (L, A, C, X, H)


def pattern(pid: str, kind: str, members: object, primary: bool = False) -> P.Pattern:
    data = {"id": pid, "type": "Pattern", kind: members}
    if primary:
        data.update(primary=True, prefLabel={"en": pid}, definition={"en": pid})
    return P.parse_pattern(data, "test")


def catalog(*found: P.Pattern) -> P.Catalog:
    return P.Catalog(found, TEMPLATES)


def series(*ids: str) -> list[frozenset[str]]:
    return [frozenset({i}) for i in ids]


def run(cat: P.Catalog, root: str, *ids: str) -> tuple[str, int]:
    return P.Matcher(cat, series(*ids)).matches(0, root)


def verdict(cat: P.Catalog, root: str, *ids: str, **kw: bool) -> P.Verdict:
    return P.follows(cat, [cat.patterns[root]], series(*ids), **kw)


SEQ = catalog(pattern("p:seq", "sequence", [L, C], primary=True))
ALT = catalog(pattern("p:alt", "alternates", [C, X], primary=True))
OPT = catalog(pattern("p:opt", "optional", A), pattern("p:main", "sequence", [L, "p:opt", C], primary=True))
ONE = catalog(pattern("p:one", "oneOrMore", A), pattern("p:main", "sequence", [L, "p:one", C], primary=True))
ZERO = catalog(pattern("p:zero", "zeroOrMore", A), pattern("p:main", "sequence", [L, "p:zero", C], primary=True))


@pytest.mark.parametrize("cat, root, good, bad, at, expected", [
    (SEQ, "p:seq", (L, C), (C, L), 0, {L}),
    (ALT, "p:alt", (X,), (A,), 0, {C, X}),
    (OPT, "p:main", (L, A, C), (L, A, A, C), 2, {C}),
    (ONE, "p:main", (L, A, A, A, C), (L, C), 1, {A}),
    (ZERO, "p:main", (L, A, A, C), (L, A, H, C), 2, {A, C}),
], ids=["sequence", "alternates", "optional", "oneOrMore", "zeroOrMore"])
def test_each_pattern_kind_on_a_following_and_a_failing_series(cat: P.Catalog, root: str, good: tuple[str, ...],
                                                               bad: tuple[str, ...], at: int, expected: set[str]) -> None:
    assert verdict(cat, root, *good) == P.Verdict("success", cat.patterns[root])
    got = verdict(cat, root, *bad)
    assert got.outcome in ("failure", "extra") and got.at == at and got.expected == expected, got


def test_optional_and_zero_or_more_match_nothing_too() -> None:
    assert verdict(OPT, "p:main", L, C).outcome == "success"
    assert verdict(ZERO, "p:main", L, C).outcome == "success"
    assert run(OPT, "p:opt") == ("success", 0)  # optional on no statements
    assert run(ZERO, "p:zero", C) == ("success", 0)  # zero repetitions, nothing consumed


def test_statements_left_after_a_complete_pattern_are_extra() -> None:
    got = verdict(SEQ, "p:seq", L, C, C)
    assert got.outcome == "extra" and got.at == 2 and got.expected == frozenset()


def test_running_out_in_the_middle_is_partial() -> None:
    assert run(SEQ, "p:seq", L) == ("partial", 1)
    got = verdict(SEQ, "p:seq", L)
    assert got.outcome == "partial" and got.at == 1 and got.expected == {C}
    assert verdict(SEQ, "p:seq", L, allow_partial=True).outcome == "success"
    assert verdict(ONE, "p:main", L, A, A).outcome == "partial"  # more answers or the completion may follow


def test_matching_is_greedy_without_backtracking() -> None:
    """sequence[zeroOrMore(A), A] can never match: the zeroOrMore takes every A (Communication §2.2)."""
    cat = catalog(pattern("p:many", "zeroOrMore", A), pattern("p:main", "sequence", ["p:many", A], primary=True))
    got = verdict(cat, "p:main", A, A)
    assert got.outcome == "partial" and got.at == 2


def test_alternates_take_the_longest_success() -> None:
    cat = catalog(pattern("p:two", "sequence", [L, A]),
                  pattern("p:alt", "alternates", [L, "p:two"], primary=True))
    assert run(cat, "p:alt", L, A) == ("success", 2)
    assert verdict(cat, "p:alt", L, A).outcome == "success"


def test_a_statement_may_match_several_templates() -> None:
    both = [frozenset({L, A}), frozenset({C})]
    assert P.follows(SEQ, [SEQ.patterns["p:seq"]], both).outcome == "success"


def test_the_furthest_primary_pattern_is_reported() -> None:
    cat = catalog(pattern("p:short", "sequence", [C, C], primary=True),
                  pattern("p:long", "sequence", [L, A, C], primary=True))
    got = P.follows(cat, list(cat.patterns.values()), series(L, A, X))
    assert got.pattern is not None and got.pattern.id == "p:long" and got.at == 2 and got.expected == {C}


def test_a_shared_sub_pattern_is_matched_once_per_position() -> None:
    """Each level is the one below twice over: 2**40 template tests as a tree, a few hundred memoised."""
    found = [pattern("p:0", "alternates", [A, L])]
    found += [pattern(f"p:{n}", "sequence", [f"p:{n - 1}", f"p:{n - 1}"]) for n in range(1, 41)]
    m = P.Matcher(catalog(*found), series(*[A] * 8))
    assert m.matches(0, "p:3") == ("success", 8)
    assert m.matches(0, "p:40") == ("partial", 8)
    assert m.steps < 1_000


def test_a_work_budget_bounds_matching() -> None:
    cat = catalog(pattern("p:many", "zeroOrMore", A), pattern("p:main", "sequence", ["p:many", C], primary=True))
    with pytest.raises(P.BudgetExceeded):
        P.follows(cat, [cat.patterns["p:main"]], series(*[A] * 1000), max_steps=100)


@pytest.mark.parametrize("data, message", [
    ({"id": "p:x", "type": "Pattern"}, "exactly one of"),
    ({"id": "p:x", "type": "Pattern", "sequence": [L], "optional": A}, "exactly one of"),
    ({"id": "p:x", "type": "Pattern", "sequence": []}, "non-empty array"),
    ({"id": "p:x", "type": "Pattern", "optional": [A]}, "must be the id"),
    ({"id": "p:x", "type": "Template", "optional": A}, "type must be Pattern"),
    ({"id": "p:x", "type": "Pattern", "optional": A, "primary": "yes"}, "primary must be"),
    ({"type": "Pattern", "optional": A}, "needs an id"),
    ([], "must be an object"),
])
def test_malformed_patterns_name_the_pattern(data: object, message: str) -> None:
    with pytest.raises(P.PatternError, match=message):
        P.parse_pattern(data, "doc.json: patterns[0]")


def test_references_must_resolve_and_patterns_not_contain_themselves() -> None:
    with pytest.raises(P.PatternError, match="neither a Pattern nor a Statement Template"):
        catalog(pattern("p:x", "sequence", [L, "t:nowhere"]))
    with pytest.raises(P.PatternError, match="contains itself"):
        catalog(pattern("p:a", "sequence", [L, "p:b"]), pattern("p:b", "optional", "p:a"))
    with pytest.raises(P.PatternError, match="contains itself"):
        catalog(pattern("p:self", "zeroOrMore", "p:self"))


def test_nesting_is_bounded_without_recursion() -> None:
    """10,000 patterns each inside the next: refused by depth, checked iteratively (no RecursionError)."""
    chain = [pattern("p:0", "optional", A)] + [pattern(f"p:{n}", "optional", f"p:{n - 1}") for n in range(1, 10_000)]
    with pytest.raises(P.PatternError, match="nested deeper than 64"):
        catalog(*chain)
    assert catalog(*chain[:60]).templates_of("p:59") == {A}


def test_a_profile_document_carries_its_patterns() -> None:
    doc = T.parse_profile({"id": "https://example.jp/p", "type": "Profile", "templates": [], "patterns": [
        {"id": "p:seq", "type": "Pattern", "primary": True, "sequence": [L, C]}]}, "doc.json")
    assert [(p.id, p.kind, p.members, p.primary) for p in doc.patterns] == [("p:seq", "sequence", (L, C), True)]
    with pytest.raises(T.ProfileError, match=r"doc.json: patterns\[0\] \(p:bad\)"):
        T.parse_profile({"id": "https://example.jp/p", "type": "Profile",
                         "patterns": [{"id": "p:bad", "type": "Pattern"}]}, "doc.json")
    with pytest.raises(T.ProfileError, match="patterns must be an array"):
        T.parse_profile({"id": "https://example.jp/p", "type": "Profile", "patterns": {}}, "doc.json")
