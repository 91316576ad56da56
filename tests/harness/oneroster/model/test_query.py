"""The REST query grammar of the shared model: ``filter`` parsing and local evaluation, ``fields``."""

from __future__ import annotations

import random
from typing import Any

import pytest

from renkei.harness.oneroster.model import query as Q
from renkei.harness.oneroster.model.rest import field_paths

USER: dict[str, Any] = {
    "sourcedId": "u-1", "status": "active", "dateLastModified": "2026-04-01T09:00:00.000Z",
    "givenName": "太郎", "familyName": "山田", "enabledUser": "true", "grades": ["P3", "P4"],
    "username": "Yamada.Taro", "identifier": "0042",
    "roles": [
        {"roleType": "primary", "role": "student", "org": {"href": "/o/s1", "sourcedId": "s1", "type": "org"}},
        {"roleType": "secondary", "role": "aide", "org": {"href": "/o/s2", "sourcedId": "s2", "type": "org"}},
    ],
    "metadata": {"jp": {"kanaGivenName": "タロウ", "homeClass": "c-1"}},
}
CLASS: dict[str, Any] = {
    "sourcedId": "c-1", "status": "tobedeleted", "dateLastModified": "2026-05-01",
    "title": "3年1組", "terms": [{"href": "/t/1", "sourcedId": "t1", "type": "academicSession"},
                                {"href": "/t/2", "sourcedId": "t2", "type": "academicSession"}],
    "course": {"href": "/c/1", "sourcedId": "k1", "type": "course"},
}
FLAT_USER = {**USER, "metadata": {"jp.kanaGivenName": "タロウ", "jp.homeClass": "c-1"}}


def m(text: str, obj: dict[str, Any] = USER) -> bool:
    return Q.matches(Q.parse_filter(text), obj)


def bad(text: str) -> Q.QueryError:
    with pytest.raises(Q.QueryError) as caught:
        Q.parse_filter(text)
    assert caught.value.minor == "invalid_filter_field"
    assert caught.value.en and caught.value.ja
    return caught.value


# -- parsing ---------------------------------------------------------------------------------------

def test_parse_single_clause() -> None:
    flt = Q.parse_filter("givenName='太郎'")
    assert flt.groups == ((Q.Predicate("givenName", "=", "太郎"),),)
    assert flt.predicates == (Q.Predicate("givenName", "=", "太郎"),)
    assert not flt.mixed


@pytest.mark.parametrize("op", Q.OPERATORS)
def test_every_operator_parses(op: str) -> None:
    assert Q.parse_filter(f"sourcedId{op}'x'").predicates == (Q.Predicate("sourcedId", op, "x"),)
    assert Q.parse_filter(f"  sourcedId {op}  'x'  ").predicates == (Q.Predicate("sourcedId", op, "x"),)


def test_two_character_operators_are_not_split() -> None:
    assert Q.parse_filter("a>='1'").predicates[0].op == ">="
    assert Q.parse_filter("a<='1'").predicates[0].op == "<="
    assert Q.parse_filter("a!='1'").predicates[0].op == "!="
    # "=" after ">" belongs to the operator, not to the value
    assert Q.parse_filter("a>'=1'").predicates[0] == Q.Predicate("a", ">", "=1")


def test_and_binds_tighter_than_or() -> None:
    flt = Q.parse_filter("a='1' AND b='2' OR c='3' AND d='4' OR e='5'")
    assert [[p.path for p in g] for g in flt.groups] == [["a", "b"], ["c", "d"], ["e"]]
    assert flt.mixed
    assert not Q.parse_filter("a='1' OR b='2'").mixed
    assert not Q.parse_filter("a='1' AND b='2'").mixed
    assert len(Q.parse_filter("a='1' AND b='2' AND c='3'").predicates) == 3


@pytest.mark.parametrize(("text", "value"), [
    ("a='it''s'", "it's"), ("a=''", ""), ("a=''''", "'"), ("a='x'''", "x'"), ("a='''x'", "'x"),
    ("a='o''''k'", "o''k"), ("a=' AND b=''2'''", " AND b='2'"), ("a='日本語 ～'", "日本語 ～"),
])
def test_quoted_values(text: str, value: str) -> None:
    (pred,) = Q.parse_filter(text).predicates
    assert pred.value == value


def test_value_with_logic_words_inside_quotes_is_one_value() -> None:
    flt = Q.parse_filter("title='A OR B' AND givenName='x AND y'")
    assert flt.groups == ((Q.Predicate("title", "=", "A OR B"), Q.Predicate("givenName", "=", "x AND y")),)


def test_dotted_paths() -> None:
    flt = Q.parse_filter("roles.org.sourcedId='s1' AND metadata.jp.kanaGivenName~'タ'")
    assert [p.path for p in flt.predicates] == ["roles.org.sourcedId", "metadata.jp.kanaGivenName"]


@pytest.mark.parametrize("text", [
    "", "   ", "givenName", "givenName=", "givenName='x", "givenName=x", "givenName==''", "='x'",
    "givenName='x' and familyName='y'", "givenName='x' AND", "givenName='x' AND ", "givenName='x'AND familyName='y'",
    "givenName='x' XOR familyName='y'", "givenName='x' familyName='y'", "givenName='x')", "(givenName='x')",
    "given-name='x'", "roles..role='x'", ".role='x'", "roles.='x'", "1abc='x'", "givenName<>'x'",
    "givenName='x' OR OR familyName='y'", "givenName=\"x\"",
])
def test_syntax_errors(text: str) -> None:
    bad(text)


def test_error_texts_name_the_problem() -> None:
    assert "closing quote" in bad("givenName='x").en
    assert "operator" in bad("givenName 'x'").en
    assert "AND or OR" in bad("a='1' b='2'").en
    assert "single quotes" in bad("a=1").en


def test_bounds() -> None:
    many = " AND ".join(f"a='{i}'" for i in range(Q.MAX_PREDICATES))
    assert len(Q.parse_filter(many).predicates) == Q.MAX_PREDICATES
    assert "predicates" in bad(many + " OR b='x'").en
    assert "longer" in bad("a='" + "x" * Q.MAX_FILTER_CHARS + "'").en


def test_text_round_trips() -> None:
    rng = random.Random(7)
    alphabet = ["a", "'", " ", "AND", "OR", "=", "日", "''", ".", "~"]
    for _ in range(300):
        groups = tuple(
            tuple(Q.Predicate(rng.choice(["a", "b.c", "roles.org.sourcedId"]), rng.choice(Q.OPERATORS),
                              "".join(rng.choice(alphabet) for _ in range(rng.randrange(6))))
                  for _ in range(rng.randrange(1, 4)))
            for _ in range(rng.randrange(1, 4)))
        flt = Q.Filter(groups)
        assert Q.parse_filter(flt.text()) == flt


def test_check_paths() -> None:
    known = field_paths("user")
    Q.check_paths(Q.parse_filter("roles.org.sourcedId='s1' AND givenName='x' AND userIds.type='a'"), known)
    Q.check_paths(Q.parse_filter("metadata.jp.anything='x' OR metadata.x='y'"), known)
    with pytest.raises(Q.QueryError) as caught:
        Q.check_paths(Q.parse_filter("givenName='x' OR nickname='y'"), known)
    assert caught.value.minor == "invalid_filter_field" and "nickname" in caught.value.en
    with pytest.raises(Q.QueryError):
        Q.check_paths(Q.parse_filter("roles.colour='x'"), known)


# -- evaluation ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("givenName='太郎'", True), ("givenName='次郎'", False),
    ("givenName!='次郎'", True), ("givenName!='太郎'", False),
    ("username~'yamada'", True), ("username~'TARO'", True), ("username~'hanako'", False), ("username~''", True),
    ("identifier='42'", True),  # two numbers compare as numbers
    ("identifier>'41'", True), ("identifier<'100'", True), ("identifier>='42'", True), ("identifier<='41.5'", False),
    ("familyName>'山'", True), ("familyName<'山'", False),  # text: code points
    ("dateLastModified>'2026-04-01T08:59:59Z'", True), ("dateLastModified>'2026-04-01T09:00:00Z'", False),
    ("dateLastModified='2026-04-01T18:00:00+09:00'", True),  # instants, whatever the offset
    ("dateLastModified>='2026-04-01'", True), ("dateLastModified<'2026-04-02'", True),
    ("dateLastModified<='2026-04-01T09:00:00.000Z'", True),
    ("status='active'", True), ("status='tobedeleted'", False),
    ("enabledUser='true'", True),
])
def test_operators_on_scalars(text: str, expected: bool) -> None:
    assert m(text) is expected


def test_and_or_precedence_evaluates() -> None:
    # false AND true OR true -> true; false AND (true OR true) would be false
    assert m("givenName='x' AND status='active' OR familyName='山田'")
    assert not m("givenName='x' AND status='active' OR familyName='x'")
    assert m("givenName='太郎' AND familyName='山田' AND status='active'")
    assert not m("givenName='太郎' AND familyName='x'")


@pytest.mark.parametrize(("text", "expected"), [
    ("roles.role='student'", True), ("roles.role='aide'", True), ("roles.role='teacher'", False),
    ("roles.role!='teacher'", True), ("roles.role!='aide'", False),  # != holds when no element equals
    ("roles.org.sourcedId='s2'", True), ("roles.org.sourcedId='s3'", False), ("roles.org.type='org'", True),
    ("roles.roleType='secondary' AND roles.role='student'", True),  # each predicate over any element
    ("grades='P4'", True), ("grades='P5'", False), ("grades~'p'", True), ("grades>'P3'", True),
    ("grades!='P3'", False), ("grades!='P5'", True),
    ("roles='student'", False),  # a path that ends on objects compares nothing
    ("metadata.jp.kanaGivenName='タロウ'", True), ("metadata.jp.homeClass='c-2'", False),
    ("metadata.jp.missing='x'", False), ("metadata.jp.missing!='x'", True),
    ("middleName='x'", False), ("middleName!='x'", True),
])
def test_paths_into_lists_and_refs(text: str, expected: bool) -> None:
    assert m(text) is expected


def test_terms_and_course_refs_of_a_class() -> None:
    assert m("terms.sourcedId='t2'", CLASS)
    assert not m("terms.sourcedId='t3'", CLASS)
    assert m("terms.sourcedId!='t3'", CLASS)
    assert m("course.sourcedId='k1' AND status='tobedeleted'", CLASS)
    assert m("dateLastModified>'2026-04-30T23:59:59Z'", CLASS)  # a date compares as its UTC midnight
    assert not m("course='k1'", CLASS)


@pytest.mark.parametrize("text", ["metadata.jp.kanaGivenName='タロウ'", "metadata.jp.homeClass~'C-'",
                                  "metadata.jp.kanaGivenName!='x'"])
def test_metadata_in_both_shapes(text: str) -> None:
    assert m(text, USER) and m(text, FLAT_USER)


def test_metadata_missing_in_both_shapes() -> None:
    for obj in (USER, FLAT_USER):
        assert not m("metadata.jp.kanaFamilyName='ヤマダ'", obj)
        assert m("metadata.jp.kanaFamilyName!='ヤマダ'", obj)


def test_compare() -> None:
    assert Q.compare("2026-04-01", "2026-04-01T00:00:00Z") == 0
    assert Q.compare("2026-04-01T09:00:00+09:00", "2026-04-01T00:00:00Z") == 0
    assert Q.compare("2026-04-01T00:00:00", "2026-04-01T00:00:00Z") == 0  # no offset: UTC
    assert Q.compare("10", "9") == 1 and Q.compare("-1.5", "-1") == -1 and Q.compare("01", "1") == 0
    assert Q.compare("10", "9a") == -1  # not both numbers: text
    assert Q.compare("b", "a") == 1 and Q.compare("a", "a") == 0
    assert Q.compare("2026-13-01", "2026-12-01") == 1  # no date: text


def test_instant() -> None:
    assert Q.instant("2026-04-01") is not None
    assert Q.instant("2026-04-01T00:00:00.5z") is not None
    for text in ("2026-4-1", "2026-02-30", "yesterday", "2026-04-01X00:00:00", "2026-04-01T25:00:00Z", ""):
        assert Q.instant(text) is None, text


def test_values_at_fans_out() -> None:
    assert Q.values_at(USER, "roles.org.sourcedId") == ["s1", "s2"]
    assert Q.values_at(USER, "grades") == ["P3", "P4"]
    assert Q.values_at(USER, "metadata.jp.homeClass") == ["c-1"]
    assert Q.values_at(FLAT_USER, "metadata.jp.homeClass") == ["c-1"]
    assert Q.values_at(USER, "nope.deeper") == []


def test_sort_value() -> None:
    assert Q.sort_value(USER, "familyName") == (0, "山田")
    assert Q.sort_value(USER, "middleName") == (1, "")
    objs = [{"sourcedId": "b"}, {"sourcedId": "a", "title": "z"}, {"sourcedId": "c", "title": "m"}]
    assert [o["sourcedId"] for o in sorted(objs, key=lambda o: Q.sort_value(o, "title"))] == ["c", "a", "b"]


def test_iter_paths() -> None:
    paths = set(Q.iter_paths(USER))
    assert {"roles.org.sourcedId", "metadata.jp.kanaGivenName", "grades", "givenName"} <= paths


# -- fields ----------------------------------------------------------------------------------------

def test_parse_fields() -> None:
    known = {"sourcedId", "givenName", "familyName"}
    assert Q.parse_fields("sourcedId, givenName,sourcedId", known) == ["sourcedId", "givenName"]
    for text in ("", "sourcedId,", ",givenName", "sourcedId,,givenName", "nickname", "sourcedId,roles.role"):
        with pytest.raises(Q.QueryError) as caught:
            Q.parse_fields(text, known)
        assert caught.value.minor == "invalid_selection_field"


def test_null_is_no_value_and_booleans_are_words() -> None:
    obj: dict[str, Any] = {"comment": None, "late": True, "missing": False, "score": 85}
    assert not m("comment='None'", obj) and not m("comment~'no'", obj)
    assert m("comment!='None'", obj)
    assert m("late='true'", obj) and m("missing='false'", obj) and not m("late='1'", obj)
    assert m("score='85.0'", obj) and m("score>'9'", obj)
