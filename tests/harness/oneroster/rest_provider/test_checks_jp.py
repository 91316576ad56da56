"""Each Japanese REST check fails on one object the mock serves with that rule broken (the store is
edited after loading, as a vendor's data would be wrong), and passes on the mock as shipped
(test_checks.py). The rules are the CSV ones; these tests prove the JSON reaches them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.harness.oneroster.rest_provider.provider_env import bundle_at, open_provider, run

Doc = dict[str, Any]


def _meta(doc: Doc, key: str, value: str) -> None:
    doc.setdefault("metadata", {}).setdefault("jp", {})[key] = value


def _school(doc: Doc) -> bool:
    return doc.get("type") == "school"


def _student(doc: Doc) -> bool:
    return any(r.get("role") == "student" for r in doc.get("roles") or [])


def _code(doc: Doc) -> None:
    last = doc["identifier"][-1]
    doc["identifier"] = doc["identifier"][:-1] + ("0" if last != "0" else "1")


# check -> (kind, which object, how to break it)
BREAKS: dict[str, tuple[str, Callable[[Doc], bool], Callable[[Doc], None]]] = {
    "or.rest.jp.uuid-sourcedid": ("course", lambda d: True, lambda d: d.update(sourcedId="COURSE-0001")),
    "or.rest.jp.user-master-id": ("user", _student, lambda d: d.update(userMasterIdentifier="not-a-uuid")),
    "or.rest.jp.session-type": ("academicSession", lambda d: True, lambda d: d.update(type="term")),
    "or.rest.jp.session-title": ("academicSession", lambda d: True, lambda d: d.update(title="2026")),
    "or.rest.jp.school-year": ("academicSession", lambda d: True, lambda d: d.update(schoolYear="2031")),
    "or.rest.jp.org-type": ("org", _school, lambda d: d.update(type="department")),
    "or.rest.jp.school-code": ("org", _school, _code),
    "or.rest.jp.course-title": ("course", lambda d: True, lambda d: d.update(title="国語")),
    "or.rest.jp.course-code": ("course", lambda d: True, lambda d: d.update(courseCode="KOKUGO1")),
    "or.rest.jp.grades": ("class", lambda d: True, lambda d: d.update(grades=["10"])),
    "or.rest.jp.class-type": ("class", lambda d: True, lambda d: d.update(classType="ext:club")),
    "or.rest.jp.special-needs": ("class", lambda d: True, lambda d: _meta(d, "specialNeeds", "yes")),
    "or.rest.jp.enrollment-role": ("enrollment", lambda d: True, lambda d: d.update(role="proctor")),
    "or.rest.jp.shussekino": ("enrollment", lambda d: d.get("role") == "student",
                              lambda d: _meta(d, "ShussekiNo", "abc")),
    "or.rest.jp.public-flg": ("enrollment", lambda d: True, lambda d: _meta(d, "PublicFlg", "maybe")),
    "or.rest.jp.role-values": ("user", _student, lambda d: d["roles"][0].update(role="aide")),
    "or.rest.jp.kana-chars": ("user", _student, lambda d: _meta(d, "kanaGivenName", "タロウ1")),
    "or.rest.jp.kana-script": ("user", _student, lambda d: _meta(d, "kanaGivenName", "たろう")),
    "or.rest.jp.kana-spaces": ("user", _student, lambda d: _meta(d, "kanaGivenName", "タ ロウ")),
    "or.rest.jp.hankaku-kana": ("user", _student, lambda d: _meta(d, "kanaGivenName", "ﾀﾛｳ")),
    "or.rest.jp.fullwidth-digits": ("enrollment", lambda d: d.get("role") == "student",
                                    lambda d: _meta(d, "ShussekiNo", "１２")),
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return bundle_at(tmp_path_factory.mktemp("rest-jp"))


@pytest.mark.parametrize("check_id", sorted(BREAKS))
def test_a_broken_object_fails_the_check(bundle, check_id):
    kind, which, breaks = BREAKS[check_id]
    provider = open_provider(bundle)
    try:
        doc = next(d for d in provider.store.iter_docs(kind) if which(d))
        original = doc["sourcedId"]
        breaks(doc)
        if doc["sourcedId"] != original:
            provider.store.delete(kind, original)
        provider.store.put(kind, doc)
        results = run(provider.target, check_id)
    finally:
        provider.close()
    outcome = results[check_id]
    assert outcome.outcome == "failed", outcome
    finding = outcome.findings[0]
    assert finding.location.endpoint and finding.location.method == "GET"
    assert finding.location.index is not None
    assert doc["sourcedId"] in finding.message


def test_every_japanese_check_is_covered():
    from renkei.harness.core.registry import REGISTRY
    from renkei.harness.core.targets import load_standards

    load_standards()
    ids = {d.id for d in REGISTRY.match("or.rest.jp.*", kind="oneroster-rest-provider")}
    assert ids - set(BREAKS) == {"or.rest.jp.metadata_shape"}  # test_checks.py: the flat_metadata fault
