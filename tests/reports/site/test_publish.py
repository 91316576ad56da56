"""`renkei publish`: the listing from result folders — deterministic bytes, growing by one result,
expiry and supersession, personal data withheld, signatures judged, and a feed that meets its schema."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema_rs
import pytest

from renkei.reports import signature as S
from renkei.reports.site.build import SiteError, feed_of, publish
from renkei.reports.site.status import add_months
from tests.reports.site.conftest import MakeResult

AS_OF = datetime(2026, 12, 4, tzinfo=UTC)


def _tree(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_the_same_inputs_give_the_same_bytes(tmp_path, make_result: MakeResult):
    results = [make_result(), make_result("学習アプリ B", role="tool", profile_id="lti13-tool", passed=False)]
    publish(results, tmp_path / "one", as_of=AS_OF)
    publish(list(reversed(results)), tmp_path / "two", as_of=AS_OF)
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")
    assert {"index.html", "index.en.html", "feed.json", "feed.csv", "feed.schema.json"} <= set(_tree(tmp_path / "one"))


def test_one_more_result_only_adds_it(tmp_path, make_result: MakeResult):
    site = tmp_path / "site"
    a, b = make_result(), make_result("学習アプリ B", role="tool", profile_id="lti13-tool")
    first = publish([a, b], site, as_of=AS_OF)
    before = _tree(site)
    c = make_result("校務支援 C", role="provider", profile_id="oneroster12-csv-japan")
    grown = publish([c], site, as_of=AS_OF)  # the site's own results are inputs too
    after = _tree(site)
    assert (first.records, grown.records, grown.new) == (2, 3, 1)
    changed = {k for k in before if after.get(k) != before[k]}
    assert changed <= {"index.html", "index.en.html", "feed.json", "feed.csv"}  # the rest of the site is untouched
    assert {k for k in after if k not in before and not k.startswith(("results/", "products/", "badges/"))} == set()
    assert len(feed_of(site)["results"]) == 3


def test_expiry_and_supersession(tmp_path, make_result: MakeResult):
    old = make_result(days_ago=400)
    older = make_result("学習アプリ B", role="tool", profile_id="lti13-tool", days_ago=30, passed=False)
    newer = make_result("学習アプリ B", role="tool", profile_id="lti13-tool", days_ago=2)
    publish([old, older, newer], tmp_path / "site", as_of=AS_OF)
    feed = {(e["product"]["name"], e["verdict"]): e for e in feed_of(tmp_path / "site")["results"]}
    assert feed[("学習eポータル A", "pass")]["status"] == "expired"
    assert feed[("学習アプリ B", "fail")]["status"] == "superseded"
    assert feed[("学習アプリ B", "fail")]["superseded_by"] == feed[("学習アプリ B", "pass")]["id"]
    assert feed[("学習アプリ B", "pass")]["status"] == "current"
    short = publish([old, older, newer], tmp_path / "short", as_of=AS_OF, validity_months=1)
    statuses = sorted(e["status"] for e in feed_of(short.site)["results"])
    assert statuses == ["current", "expired", "superseded"]
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)


def test_a_report_that_may_hold_personal_data_is_not_published(tmp_path, make_result: MakeResult):
    raw = make_result("校務支援 C", role="provider", profile_id="oneroster12-csv-japan", redacted=False)
    done = publish([raw, make_result()], tmp_path / "site", as_of=AS_OF)
    feed = {e["product"]["name"]: e for e in feed_of(done.site)["results"]}
    assert done.withheld == 1 and feed["校務支援 C"]["report"] is None
    assert not (done.site / "results" / feed["校務支援 C"]["id"]).exists()
    assert (done.site / feed["学習eポータル A"]["report"]).is_file()
    allowed = publish([raw], tmp_path / "allowed", as_of=AS_OF, allow_unredacted=True)
    assert feed_of(allowed.site)["results"][0]["report"] is not None


def test_signatures_are_judged_and_shown(tmp_path, make_result: MakeResult):
    key_file, pub, _ = S.create_keys(tmp_path / "keys", "ci")
    key = S.load_private_key(key_file)
    good, bad, plain = make_result(), make_result("学習アプリ B", role="tool", profile_id="lti13-tool"), make_result(
        "校務支援 C", role="provider", profile_id="oneroster12-csv-japan")
    S.sign_folder(good, key)
    S.sign_folder(bad, key)
    (bad / "report.html").write_text("<html>edited</html>", encoding="utf-8")
    done = publish([good, bad, plain], tmp_path / "site", keyring=S.load_public_keys(pub), as_of=AS_OF)
    status = {e["product"]["name"]: e["signature"]["status"] for e in feed_of(done.site)["results"]}
    assert status == {"学習eポータル A": "verified", "学習アプリ B": "tampered", "校務支援 C": "unsigned"}
    assert len(done.signature_problems) == 1 and "report.html" in done.signature_problems[0]
    unchecked = publish([good], tmp_path / "nokeys", as_of=AS_OF)
    assert feed_of(unchecked.site)["results"][0]["signature"]["status"] == "unverifiable"
    copied = unchecked.site / "results" / feed_of(unchecked.site)["results"][0]["id"]
    assert S.verify_folder(copied, S.load_public_keys(pub)).status == "valid"  # the published copy still verifies


def test_the_feed_meets_its_schema_and_the_csv_matches(tmp_path, make_result: MakeResult):
    done = publish([make_result(), make_result(passed=False, days_ago=1)], tmp_path / "site", as_of=AS_OF)
    schema = json.loads((done.site / "feed.schema.json").read_text("utf-8"))
    feed = feed_of(done.site)
    jsonschema_rs.validator_for(schema).validate(feed)
    broken = json.loads(json.dumps(feed))
    broken["results"][0]["verdict"] = "ok"
    assert not jsonschema_rs.validator_for(schema).is_valid(broken)
    lines = (done.site / "feed.csv").read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("id,product,product_version") and len(lines) == 3


def test_bad_inputs_are_named(tmp_path, make_result: MakeResult):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("mine")
    with pytest.raises(SiteError, match="not a renkei listing"):
        publish([make_result()], tmp_path / "notes", as_of=AS_OF)
    assert (tmp_path / "notes" / "a.txt").read_text() == "mine"  # never replaced
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SiteError, match="no readable result.json"):
        publish([empty], tmp_path / "site", as_of=AS_OF)
    broken = make_result()
    (broken / "result.json").write_text('{"profile": {"id": "x"}, "verdict": "maybe"}')
    with pytest.raises(SiteError, match="verdict 'maybe'"):
        publish([broken], tmp_path / "site", as_of=AS_OF)
