"""``rest_validate``: the four judgements on real objects of every kind (from the mock's store), one
failing input each, and the fast paths held to the slow ones: every ``_ok`` is True exactly when its
judgement finds nothing, over systematic mutations of every field and member."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model import rest_validate as V
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest.store import RosterStore

KINDS = ("academicSession", "org", "course", "class", "user", "enrollment", "demographics")
ODD = [None, 0, 1.5, True, "", "x", "true", "2026-13-01", "2026-04-01", "2026-04-01T00:00:00Z", "ext:x",
       [], ["a"], [1], {}, {"a": 1}, [{}], [{"href": "http://h/x", "sourcedId": "s", "type": "org"}]]
GUIDREFS = [None, "ref", {}, {"href": "/rel", "sourcedId": "s", "type": "org"},
            {"href": "https://h/x", "sourcedId": "", "type": "org"}, {"href": "https://h/x", "sourcedId": "s"},
            {"href": "https://h/x", "sourcedId": "s", "type": "user"}, {"href": 5, "sourcedId": "s", "type": "org"},
            {"href": "https://h/x", "sourcedId": "s", "type": "org", "extra": 1}]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """A few objects of each kind as the mock serves them (hrefs made absolute, as on the wire)."""
    bundle = Path(tmp_path_factory.mktemp("validate")) / "roster.zip"
    generate_bundle(bundle, profile="oneroster12-csv-japan", students_per_grade=2)
    store = RosterStore()
    store.load_bundle(bundle)
    try:
        out: dict[str, list[dict[str, Any]]] = {}
        for kind in KINDS:
            docs = list(islice(store.iter_docs(kind), 4))
            text = json.dumps(docs, ensure_ascii=False).replace('"href": "/ims/', '"href": "https://sis.test/ims/')
            out[kind] = json.loads(text)
        return out
    finally:
        store.close()


def _all(spec: R.ObjectSpec, obj: dict[str, Any]) -> list[V.Problem]:
    return [p for judge in (V.missing_required, V.type_problems, V.ref_problems, V.unknown_fields)
            for p in judge(spec, obj)]


def test_the_mocks_objects_have_no_problems(samples: dict[str, list[dict[str, Any]]]) -> None:
    for kind, docs in samples.items():
        assert docs, kind
        for doc in docs:
            assert _all(R.OBJECTS[kind], doc) == [], (kind, doc["sourcedId"])


@pytest.mark.parametrize(("judge", "change", "path"), [
    (V.missing_required, lambda u: u.pop("sourcedId"), "sourcedId"),
    (V.missing_required, lambda u: u.update(sourcedId=""), "sourcedId"),
    (V.type_problems, lambda u: u.update(enabledUser=True), "enabledUser"),
    (V.type_problems, lambda u: u.update(dateLastModified="2026-04-01"), "dateLastModified"),
    (V.type_problems, lambda u: u["roles"][0].update(role="headmaster"), "roles[0].role"),
    (V.type_problems, lambda u: u["roles"][0]["org"].update(type="user"), "roles[0].org.type"),
    (V.type_problems, lambda u: u.update(roles=[]), "roles"),
    (V.ref_problems, lambda u: u["primaryOrg"].update(href="/ims/x"), "primaryOrg.href"),
    (V.unknown_fields, lambda u: u.update(kanaName="タロウ"), "kanaName"),
])
def test_each_judgement_names_the_broken_path(samples: dict[str, list[dict[str, Any]]], judge: Any, change: Any,
                                              path: str) -> None:
    user = copy.deepcopy(samples["user"][0])
    assert list(judge(R.OBJECTS["user"], user)) == []
    change(user)
    assert path in [p.path for p in judge(R.OBJECTS["user"], user)]


def _mutations(obj: dict[str, Any], spec: R.ObjectSpec) -> Iterator[dict[str, Any]]:
    """The object with each field, and each member of its object lists and GUIDRefs, replaced by odd
    values (and removed)."""
    for name in [*obj, *spec.by_name]:
        for value in [*ODD, *GUIDREFS, V._ABSENT]:
            changed = copy.deepcopy(obj)
            if value is V._ABSENT:
                changed.pop(name, None)
            else:
                changed[name] = copy.deepcopy(value)
            yield changed
        inner = obj.get(name)
        if isinstance(inner, list) and inner and isinstance(inner[0], dict):
            for member in [*inner[0], "org", "role", "roleType", "type", "identifier", "userSourcedId"]:
                for value in [*ODD, *GUIDREFS, V._ABSENT]:
                    changed = copy.deepcopy(obj)
                    if value is V._ABSENT:
                        changed[name][0].pop(member, None)
                    else:
                        changed[name][0][member] = copy.deepcopy(value)
                    yield changed


@pytest.mark.parametrize("kind", KINDS)
def test_the_fast_paths_agree_with_the_judgements(samples: dict[str, list[dict[str, Any]]], kind: str) -> None:
    spec = R.OBJECTS[kind]
    seen = 0
    for obj in _mutations(samples[kind][0], spec):
        assert V._types_ok(spec, obj) == (not list(V._type_problems(spec, obj))), obj
        assert list(V.ref_problems(spec, obj)) == list(V._ref_problems(spec, obj)), obj  # its plan's fast path
        for field in spec.refs:
            value = obj.get(field.name)
            for item in (value if field.kind == R.REFS and isinstance(value, list) else [value]):
                assert V._guidref_ok(item, field.ref_type) == (not list(V.guidref_problems("", item, field.ref_type)))
        seen += 1
    assert seen > 100


@pytest.mark.parametrize("value", [*GUIDREFS, *ODD])
def test_guidref_fast_path(value: Any) -> None:
    for ref_type in (None, "org"):
        assert V._guidref_ok(value, ref_type) == (not list(V.guidref_problems("x", value, ref_type)))
