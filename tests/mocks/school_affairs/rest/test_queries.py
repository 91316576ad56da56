"""The filter compiled to SQL selects exactly what the model's ``matches`` selects, over the whole
collection; paging and sorting queries."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from renkei.harness.oneroster.model import query as Q
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.rest_binding import FLAT, NESTED
from renkei.mocks.school_affairs.rest import queries
from renkei.mocks.school_affairs.rest.app import FILTERABLE
from renkei.mocks.school_affairs.rest.store import RosterStore
from tests.mocks.school_affairs.rest.conftest import LOADED_AT, add_terms

FLAT_ENDPOINTS = {e.object: e for e in R.ENDPOINTS if not e.single and not e.nested and e.subset is None}
FLAT_ENDPOINTS.update({e.object: e for e in R.GRADEBOOK_ENDPOINTS if not e.single and not e.nested})
# Documents with the values a gradebook PUT may carry: numbers, JSON booleans, nulls, nested lists.
ODD_RESULTS: list[dict[str, Any]] = [
    {"sourcedId": "r-num", "status": "active", "dateLastModified": "2026-06-01T00:00:00.000Z", "score": 85,
     "scoreStatus": "fully graded", "scoreDate": "2026-06-01", "late": True, "comment": None},
    {"sourcedId": "r-float", "status": "active", "dateLastModified": "2026-06-02T00:00:00.000Z", "score": 9.5,
     "scoreStatus": "submitted", "scoreDate": "2026-06-02", "late": False, "comment": "None"},
    {"sourcedId": "r-text", "status": "tobedeleted", "dateLastModified": "2026-06-03T09:00:00.000Z",
     "score": "10", "scoreStatus": "exempt", "scoreDate": "2026-06-03", "late": "true",
     "lineItem": {"href": "/x", "sourcedId": "li-1", "type": "lineItem"},
     "learningObjectiveSet": [{"source": "a", "learningObjectiveResults": [{"score": 1}]}]},
    {"sourcedId": "r-bare", "status": "active", "dateLastModified": "2026-06-04T00:00:00.000Z",
     "scoreStatus": "not submitted", "scoreDate": "2026-06-04"},
]


def sql_ids(store: RosterStore, kind: str, flt: Q.Filter) -> list[str]:
    page = queries.build(FLAT_ENDPOINTS[kind], [], flt=flt, sort=None, desc=False, limit=10**6, offset=0,
                         shape=store.shape)
    rows = store.query(page.sql, page.params)
    total = store.query(page.count_sql, page.count_params)[0][0]
    out = [json.loads(r[0])["sourcedId"] for r in rows]
    assert len(out) == total
    return out


def local_ids(docs: list[dict[str, Any]], flt: Q.Filter) -> list[str]:
    return [d["sourcedId"] for d in docs if Q.matches(flt, d)]


def _perturb(rng: random.Random, value: str) -> str:
    choice = rng.randrange(8)
    if choice == 0 and value:
        i = rng.randrange(len(value))
        return value[i:i + rng.randrange(1, 4)]  # a substring (for ~)
    if choice == 1:
        return value.upper()
    if choice == 2 and len(value) > 1:
        return value[:-1]
    if choice == 3:
        inst = Q.instant(value)
        if inst is not None:
            return rng.choice([value[:10], inst.isoformat(), value.replace("Z", "+09:00"), value[:19] + "Z"])
    if choice == 4:
        return rng.choice(["", "a", "1", "0", "None", "true", "~", "2026-04-01", "P3", "ア", "zz"])
    return value


def random_filter(rng: random.Random, docs: list[dict[str, Any]], known: set[str]) -> Q.Filter:
    groups = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        group = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            doc = rng.choice(docs)
            present = sorted(set(Q.iter_paths(doc)) & known | {p for p in Q.iter_paths(doc) if p.startswith("metadata.")})
            path = rng.choice(present) if present and rng.random() < 0.85 else rng.choice(sorted(known))
            values = [v for v in Q.values_at(doc, path) if not isinstance(v, dict | list)]
            value = str(rng.choice(values)) if values else "x"
            group.append(Q.Predicate(path, rng.choice(Q.OPERATORS), _perturb(rng, value)))
        groups.append(tuple(group))
    return Q.Filter(tuple(groups))


@pytest.fixture(params=[NESTED, FLAT])
def shaped_store(request: pytest.FixtureRequest, bundle: Path) -> Any:
    s = RosterStore(shape=request.param)
    s.load_bundle(bundle, loaded_at=LOADED_AT)
    add_terms(s)
    for doc in ODD_RESULTS:
        s.put("result", dict(doc))
    yield s
    s.close()


@pytest.mark.parametrize("kind", ["user", "class", "enrollment", "academicSession", "org", "course",
                                  "demographics", "result"])
def test_sql_filter_equals_local_matches(shaped_store: RosterStore, kind: str) -> None:
    rng = random.Random(f"{kind}-{shaped_store.shape}")
    docs = list(shaped_store.iter_docs(kind))
    known = FILTERABLE[kind]
    for _ in range(50 if len(docs) < 200 else 20):
        flt = random_filter(rng, docs, known)
        flt = Q.parse_filter(flt.text())  # what a client would send
        assert sql_ids(shaped_store, kind, flt) == local_ids(docs, flt), flt.text()


HAND_FILTERS = {
    "user": ["roles.role='student'", "roles.role!='student'", "roles.org.sourcedId='{school}'",
             "roles.role='guardian' OR roles.role='teacher'", "grades='P3'", "grades>'P4'", "grades!='P1'",
             "metadata.jp.kanaGivenName~'ア'", "metadata.jp.homeClass!=''", "givenName~'子' AND roles.role='student'",
             "enabledUser='true'", "dateLastModified>'2026-03-31T23:59:59Z'", "dateLastModified>='2026-04-01'",
             "dateLastModified='2026-04-01T09:00:00+09:00'", "dateLastModified<'2026-04-01T00:00:00.001Z'",
             "dateLastModified!='2026-04-01T00:00:00Z'", "dateLastModified~'2026'", "status='active'",
             "status!='active'", "status>'a'", "roles='x'", "roles~'student'", "primaryOrg~'org'", "metadata~'jp'",
             "agents.sourcedId!='nobody'", "userIds.type='x'", "metadata.nope='x'", "metadata.nope!='x'"],
    "class": ["terms.sourcedId='term-zenki'", "terms.sourcedId!='term-zenki'", "course.sourcedId>'8'",
              "classType='homeroom' AND grades='P2' OR classType='scheduled' AND grades='J1'", "terms~'zenki'",
              "metadata.jp.specialNeeds='true'", "subjectCodes~'p01'", "school.type='org'"],
    "result": ["score='85'", "score>'9'", "score='9.5'", "score<'10'", "late='true'", "late!='true'", "late='false'",
               "comment='None'", "comment!='None'", "comment~'no'", "lineItem.sourcedId='li-1'",
               "learningObjectiveSet~'source'", "score!='85'"],
}


@pytest.mark.parametrize("kind", sorted(HAND_FILTERS))
def test_sql_filter_equals_local_matches_by_hand(shaped_store: RosterStore, kind: str) -> None:
    school = next(d["sourcedId"] for d in shaped_store.iter_docs("org") if d["type"] == "school")
    docs = list(shaped_store.iter_docs(kind))
    for text in HAND_FILTERS[kind]:
        flt = Q.parse_filter(text.format(school=school))
        Q.check_paths(flt, FILTERABLE[kind])
        assert sql_ids(shaped_store, kind, flt) == local_ids(docs, flt), text


def test_metadata_paths_reach_both_shapes(shaped_store: RosterStore) -> None:
    flt = Q.parse_filter("metadata.jp.kanaGivenName~'ア'")
    found = sql_ids(shaped_store, "user", flt)
    assert 0 < len(found) < shaped_store.count("user")


def test_fast_page_is_an_index_range(store: RosterStore) -> None:
    users = FLAT_ENDPOINTS["user"]
    page = queries.build(users, [], flt=None, sort=None, desc=False, limit=5, offset=10, shape=NESTED)
    assert page.ranged and "o.pos>=?" in page.sql
    students = R.BY_OPERATION["getAllStudents"]
    page = queries.build(students, [], flt=None, sort=None, desc=False, limit=5, offset=0, shape=NESTED)
    assert page.ranged and "o.spos" in page.sql
    page = queries.build(users, [], flt=Q.parse_filter("status='active'"), sort=None, desc=False, limit=5,
                         offset=0, shape=NESTED)
    assert not page.ranged and "OFFSET" in page.sql
    nested = R.BY_OPERATION["getStudentsForClass"]
    assert not queries.build(nested, ["c"], flt=None, sort=None, desc=False, limit=5, offset=0, shape=NESTED).ranged


def test_ranged_and_offset_pages_agree(store: RosterStore) -> None:
    for endpoint in (FLAT_ENDPOINTS["user"], R.BY_OPERATION["getAllStudents"], R.BY_OPERATION["getAllTeachers"]):
        for offset in (0, 3, 30, 500, 100_000):
            fast = queries.build(endpoint, [], flt=None, sort=None, desc=False, limit=7, offset=offset, shape=NESTED)
            slow = queries.build(endpoint, [], flt=None, sort=None, desc=False, limit=7, offset=offset, shape=NESTED,
                                 ranged=False)
            rows = store.query(slow.sql, slow.params)
            assert store.query(fast.sql, fast.params) == rows
            assert fast.joined_sql is not None and slow.joined_sql is None
            (joined, hrefs, n), = store.query(fast.joined_sql, fast.params)
            assert (joined or b"", hrefs, n) == (b",".join(d for d, _ in rows), sum(h for _, h in rows), len(rows))


def test_sort_puts_missing_last_both_ways(store: RosterStore) -> None:
    users = FLAT_ENDPOINTS["user"]
    for desc in (False, True):
        page = queries.build(users, [], flt=None, sort="middleName", desc=desc, limit=1000, offset=0, shape=NESTED)
        assert len(store.query(page.sql, page.params)) == store.count("user")
        page = queries.build(users, [], flt=None, sort="metadata.jp.homeClass", desc=desc, limit=1000, offset=0,
                             shape=NESTED)
        docs = [json.loads(r[0]) for r in store.query(page.sql, page.params)]
        values = [Q.values_at(d, "metadata.jp.homeClass") for d in docs]
        have = [v[0] for v in values if v]
        assert have == sorted(have, reverse=desc)
        assert all(values[: len(have)]) and not any(values[len(have):])  # missing ones last, both ways


def test_sort_by_metadata_in_both_shapes(shaped_store: RosterStore) -> None:
    users = FLAT_ENDPOINTS["user"]
    page = queries.build(users, [], flt=None, sort="metadata.jp.kanaFamilyName", desc=False, limit=1000, offset=0,
                         shape=shaped_store.shape)
    docs = [json.loads(r[0]) for r in shaped_store.query(page.sql, page.params)]
    kana = [Q.values_at(d, "metadata.jp.kanaFamilyName")[0] for d in docs]
    assert kana == sorted(kana) and len(set(kana)) > 5
