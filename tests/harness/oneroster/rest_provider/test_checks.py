"""Every provider check passes against the reference provider (the mock) and fails on the fault that
breaks its rule: the one passing and one failing input each check needs, over real HTTP semantics."""

from __future__ import annotations

import pytest

from renkei.harness.core.registry import REGISTRY
from renkei.harness.core.targets import load_standards
from tests.harness.oneroster.rest_provider.provider_env import bundle_at, open_provider, run

# fault of the mock -> checks that must fail on it
FAULT_CHECKS: dict[str, set[str]] = {
    "no_total_count": {"or.rest.paging.total_count"},
    "no_link_header": {"or.rest.paging.links"},
    "off_by_one_paging": {"or.rest.paging.complete"},
    "filter_ignored": {"or.rest.filter", "or.rest.filter.extended", "or.rest.filter.invalid_field"},
    "sort_ignored": {"or.rest.sort"},
    "fields_ignored": {"or.rest.fields", "or.rest.fields.invalid"},
    "wrong_envelope": {"or.rest.envelope"},
    "nested_500": {"or.rest.endpoint.answers"},
    "expired_token_accepted": {"or.rest.auth.expired_token"},
    "demographics_leak": {"or.rest.auth.demographics"},
    "bad_secret_accepted": {"or.rest.token.bad_secret"},
    "wrong_minor_codes": {"or.rest.error.not_found", "or.rest.error.payload", "or.rest.auth.no_token"},
    "unknown_is_empty": {"or.rest.error.not_found"},
    "boolean_json": {"or.rest.object.types"},
    "missing_family_name": {"or.rest.object.required"},
    "broken_href": {"or.rest.guidref.href"},
    "bad_kana": {"or.rest.jp.hankaku-kana"},
    "extra_field": {"or.rest.object.unknown_fields"},
    "nested_wrong_members": {"or.rest.nested.agree", "or.rest.gradebook.read_back"},
    "beyond_end_error": {"or.rest.paging.beyond_end"},
    "no_auth_on_collections": {"or.rest.auth.no_token", "or.rest.auth.bad_token"},
    "scopes_ignored": {"or.rest.auth.scope", "or.rest.gradebook.scopes"},
    "guidref_wrong_type": {"or.rest.guidref.shape"},
    "no_retry_after": {"or.rest.rate_limit"},
    "flat_metadata": {"or.rest.jp.metadata_shape"},
    "gradebook_put_always_200": {"or.rest.gradebook.put_create"},
    "gradebook_replace_ignored": {"or.rest.gradebook.put_replace"},
    "gradebook_delete_ignored": {"or.rest.gradebook.delete"},
}
GRADEBOOK_FAULTS = {"gradebook_put_always_200", "gradebook_replace_ignored", "gradebook_delete_ignored",
                    "scopes_ignored", "nested_wrong_members"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return bundle_at(tmp_path_factory.mktemp("rest-provider"))


def test_the_mock_passes_every_check(bundle):
    provider = open_provider(bundle, declares={"gradebook": True})
    try:
        results = run(provider.target)
        leftovers = provider.store.query("SELECT sid FROM objects WHERE sid LIKE 'renkei-%'", ())
    finally:
        provider.close()
    bad = {cid: (o.outcome, [f.message for f in o.findings[:2]], o.reason) for cid, o in results.items()
           if o.outcome not in ("passed", "skipped")}
    assert not bad
    skipped = {cid for cid, o in results.items() if o.outcome == "skipped"}
    assert skipped == {"or.rest.rate_limit"}  # nothing throttled: the only check without evidence
    assert not leftovers  # renkei removed every gradebook object it created


def test_gradebook_checks_skip_when_not_declared(bundle):
    provider = open_provider(bundle)
    try:
        results = run(provider.target, "or.rest.gradebook.*")
    finally:
        provider.close()
    assert {o.outcome for o in results.values()} == {"skipped"}


def test_every_check_has_a_failing_fault():
    load_standards()
    ids = {d.id for d in REGISTRY.match("or.rest.*", kind="oneroster-rest-provider")
           if not d.id.startswith(("or.rest.openapi.", "or.rest.jp."))}
    # token.issued fails in test_hostile (a token endpoint that refuses); or.rest.jp.*: test_checks_jp
    covered = set().union(*FAULT_CHECKS.values()) | {"or.rest.token.issued"}
    assert ids - covered == set()


@pytest.mark.parametrize("fault", sorted(FAULT_CHECKS))
def test_each_fault_fails_its_checks(bundle, fault):
    extra: dict = {"throttle_every": 3} if fault == "no_retry_after" else {}
    if fault in GRADEBOOK_FAULTS:
        extra["declares"] = {"gradebook": True}
    provider = open_provider(bundle, (fault,), **extra)
    try:
        results = run(provider.target)
    finally:
        provider.close()
    for cid in FAULT_CHECKS[fault]:
        assert results[cid].outcome == "failed", (cid, results[cid])
        finding = results[cid].findings[0]
        assert finding.location.endpoint or finding.location.claim  # located: the request or the field


def test_throttling_is_waited_out_and_passes(bundle):
    provider = open_provider(bundle, throttle_every=4)
    try:
        results = run(provider.target, "or.rest.rate_limit")
        survey = provider.target.survey()
    finally:
        provider.close()
    assert results["or.rest.rate_limit"].outcome == "passed"
    assert provider.target.client.throttles  # 429s happened, were waited for (fake clock) and retried
    assert all(c.complete for c in survey.flat.values())


def test_flat_shape_is_judged_as_the_same_cells(bundle):
    provider = open_provider(bundle, shape="flat", declares={"metadata_shape": "flat"})
    try:
        results = run(provider.target, "or.rest.jp.*")
    finally:
        provider.close()
    assert all(o.outcome in ("passed", "skipped") for o in results.values()), results


def test_undeclared_endpoints_are_not_read(bundle):
    provider = open_provider(bundle, declares={"endpoints": ["getAllOrgs", "getOrg", "getAllSchools"],
                                               "demographics": False})
    try:
        survey = provider.target.survey()
        results = run(provider.target, "or.rest.endpoint.answers")
    finally:
        provider.close()
    assert set(survey.flat) == {"getAllOrgs", "getAllSchools"}
    assert results["or.rest.endpoint.answers"].outcome == "passed"
