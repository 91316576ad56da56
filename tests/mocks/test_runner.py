"""The ecosystem on real 127.0.0.1 ports: a launch from the e-portal reaches the app and succeeds."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import httpx

from renkei.mocks.runner import start_ecosystem


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action")
        elif tag == "input" and a.get("name"):
            self.fields[a["name"] or ""] = a.get("value") or ""


def _submit(client: httpx.Client, response: httpx.Response) -> httpx.Response:
    forms = _Forms()
    forms.feed(response.text)
    assert forms.action, response.text[:500]
    return client.post(str(response.url.join(forms.action)), data=forms.fields)


def test_ecosystem_launch_end_to_end(tmp_path: Path) -> None:
    with start_ecosystem(tmp_path) as eco, httpx.Client(follow_redirects=True, timeout=10) as client:
        portal = client.get(eco.eportal_url + "/", headers={"Accept": "application/json"}).json()
        assert portal["tools"][0]["client_id"] == "renkei-mock-app" and portal["contexts"]
        home = client.get(eco.eportal_url + "/", headers={"Accept": "text/html"}).text
        launch_url = re.search(r'href="(/launch\?[^"]+)"', home)
        assert launch_url, "the e-portal home page offers launch links"
        page = client.get(eco.eportal_url + launch_url.group(1).replace("&amp;", "&"))
        while 'id="lti-launch"' not in page.text and "<form" in page.text:
            page = _submit(client, page)
        assert page.status_code == 200 and 'data-status="ok"' in page.text
    # stopped: the ports no longer answer
    try:
        httpx.get(eco.eportal_url + "/", timeout=2)
        raise AssertionError("e-portal still running")
    except httpx.ConnectError:
        pass


def test_a_learner_launch_reports_to_the_ecosystem_lrs(tmp_path: Path) -> None:
    from renkei.mocks.runner import LRS_APP_KEY, LRS_APP_SECRET

    with start_ecosystem(tmp_path) as eco, httpx.Client(follow_redirects=True, timeout=10) as client:
        assert eco.lrs is not None
        home = client.get(eco.eportal_url + "/", headers={"Accept": "text/html"}).text
        subs = set()
        for href in re.findall(r'href="(/launch\?[^"]+)">起動</a>', home)[:12]:
            page = client.get(eco.eportal_url + href.replace("&amp;", "&"))
            while 'id="lti-launch"' not in page.text and "<form" in page.text:
                page = _submit(client, page)
            subs |= set(re.findall(r'data-sub="([^"]+)"', page.text))
        sent = client.get(eco.app_url + "/xapi/sent").json()["sent"]
        assert sent and all(e["status"] == 200 for e in sent), sent
        answer = client.get(eco.lrs.url + "/statements", auth=(LRS_APP_KEY, LRS_APP_SECRET),
                            headers={"X-Experience-API-Version": "1.0.3"}).json()
    actors = {(s["actor"]["account"]["homePage"], s["actor"]["account"]["name"]) for s in answer["statements"]}
    assert actors and {home for home, _ in actors} == {eco.eportal_url}
    assert {name for _, name in actors} <= subs  # the learner is the launch's sub at the LRS
