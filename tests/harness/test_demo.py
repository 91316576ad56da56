"""`make demo` end to end: every run of the demo ends as expected (green mocks pass, broken fail)."""

from __future__ import annotations

import os

import pytest

from renkei.harness import demo


def test_demo_runs_every_profile_against_the_mocks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", os.environ.get("SSL_CERT_FILE", ""))  # restored after the test
    assert demo.main() == 0
    out = tmp_path / "renkei-out" / "demo"
    reports = sorted(p.parent.name for p in out.glob("*/report.html"))
    assert "oneroster12-csv-japan-broken" in reports and "lti13-platform-japan" in reports
    from renkei.mocks.school_affairs.generator import PROFILE_VARIANTS

    assert set(PROFILE_VARIANTS) <= set(reports)  # every OneRoster profile ran green on its own bundle
    assert {"oneroster12-rest-provider", "oneroster12-rest-provider-japan", "oneroster12-rest-provider-broken"} <= set(
        reports)
    assert {"oneroster12-rest-consumer", "oneroster12-rest-consumer-broken"} <= set(reports)
    assert {"xapi-statements-japan", "xapi-statements-japan-broken", "xapi-statements", "xapi-statements-broken",
            "xapi-lrs", "xapi2-lrs", "xapi-lrs-broken"} <= set(
        reports)
    assert {"chain-japan", "chain-japan-broken-eportal", "chain-japan-broken-app"} <= set(reports)
    # + the broken roster, + 5 REST runs, + 6 LTI runs, + 4 statements runs, + 3 LRS runs, + 3 chain runs
    assert len(reports) == len(PROFILE_VARIANTS) + 1 + 5 + 6 + 4 + 3 + 3
    import json

    feed = json.loads((out / "site" / "feed.json").read_text("utf-8"))  # every run signed and published
    assert len(feed["results"]) == len(reports) and (out / "site" / "index.html").is_file()
    assert {e["signature"]["status"] for e in feed["results"]} == {"verified"}
    assert {e["status"] for e in feed["results"]} == {"current"}  # broken mocks are versions of their own
    assert {e["product"]["vendor"] for e in feed["results"]} == {"renkei"}  # declared names are never masked


@pytest.fixture(autouse=True)
def _restore_env():
    saved = os.environ.get("SSL_CERT_FILE")
    yield
    if saved is None:
        os.environ.pop("SSL_CERT_FILE", None)
    else:
        os.environ["SSL_CERT_FILE"] = saved
