"""The chain section of report.html: positions, links green/red with who broke them, the timeline; redactable."""

from __future__ import annotations

from renkei.harness.core.model import Finding, Location, Outcome
from renkei.reports.html.chain import chain_view
from renkei.reports.html.writer import render
from tests.reports.factories import HOSTILE, make_check, make_run

CHAIN = {
    "positions": {"school_affairs": {"mock": True, "name": "模擬校務支援", "faults": []},
                  "eportal": {"mock": False, "name": HOSTILE, "faults": []},
                  "lrs": {"mock": True, "name": "模擬 LRS", "faults": []},
                  "app": {"mock": True, "name": "模擬学習アプリ", "faults": ["xapi_actor_login_name"]}},
    "labels": {"positions": {"school_affairs": ["校務支援システム", "school-affairs system"],
                             "eportal": ["学習eポータル", "learning e-portal"], "lrs": ["LRS", "LRS"],
                             "app": ["学習アプリ", "learning app"]},
               "phases": {"start": ["年度当初", "start of the school year"],
                          "year_advance": ["年次更新の後", "after 年次更新"]}},
    "links": [{"key": "launch", "from": "eportal", "to": "app", "ja": "起動 (LTI)", "en": "the launch (LTI)",
               "checks": ["chain.link.sub"]},
              {"key": "xapi", "from": "app", "to": "lrs", "ja": "学習記録", "en": "the study logs",
               "checks": ["chain.link.xapi_actor", "chain.pii.xapi"]},
              {"key": "nrps", "from": "eportal", "to": "app", "ja": "NRPS", "en": "NRPS",
               "checks": ["chain.nrps.members"]}],
    "timeline": [{"n": 1, "phase": "start", "position": "school_affairs", "kind": "roster.read", "seconds": 0.05,
                  "ja": "名簿を読み取りました", "en": "roster read", "ok": True},
                 {"n": 2, "phase": "year_advance", "position": "lrs", "kind": "xapi", "seconds": 1.5,
                  "ja": "LRS を読めませんでした", "en": "the LRS could not be read", "ok": False}],
    "problems": ["year_advance: reading the LRS: timeout"],
}


def _finding(user: str, phase: str = "year_advance") -> Finding:
    return Finding(message="actor is the login name", location=Location(
        file="app", endpoint=f"[{phase}] launch #3 user {user} class c1 statement s1", claim="actor.account.name"),
        value="login-name")


def _run(**extra: object):
    checks = [make_check("chain.link.sub", Outcome.PASSED),
              make_check("chain.link.xapi_actor", Outcome.FAILED, findings=[_finding("u-1"), _finding("u-2", "start")]),
              make_check("chain.pii.xapi", Outcome.PASSED),
              make_check("chain.nrps.members", Outcome.ERROR, error="not evaluated: no NRPS")]
    return make_run(checks, profile_id="chain-japan", target={"kind": "chain", "chain": CHAIN}, **extra)


def test_links_and_positions_are_judged_from_the_checks() -> None:
    view = chain_view(_run(), "ja")
    assert view is not None
    assert [p.key for p in view.positions] == ["school_affairs", "eportal", "app", "lrs"]  # the data flow
    assert [p.broken for p in view.positions] == [False, False, True, False]
    assert [(link.key, link.state) for link in view.links] == [("launch", "pass"), ("xapi", "fail"),
                                                                 ("nrps", "unseen")]
    broken = view.links[1].breaks[0]
    assert broken.positions == ["学習アプリ"] and broken.phases == ["年次更新の後", "年度当初"]
    assert broken.learners == ["u-1", "u-2"] and broken.findings == 2


def test_the_section_is_rendered_escaped_and_only_for_a_chain() -> None:
    html = render(_run(), lang="ja")
    assert 'id="chain"' in html and "切れている" in html and "シナリオの経過" in html
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert '"timeline"' not in html  # the chain is drawn, not dumped into the run information
    assert 'id="chain"' not in render(make_run([make_check()]), lang="ja")
    english = render(_run(), lang="en")
    assert "The chain" in english and "broken" in english and "the LRS could not be read" in english


def test_a_redacted_report_withholds_the_learners() -> None:
    view = chain_view(_run(redacted=True), "en")
    assert view is not None and view.links[1].breaks[0].learners == []
    html = render(_run(redacted=True), lang="en")
    assert "2 (withheld by --redact)" in html and "u-1" not in html.split('id="chain"')[1].split("</section>")[0]
