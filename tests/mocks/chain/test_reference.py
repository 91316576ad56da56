"""The mock chain the chain profile starts: every position served on 127.0.0.1 and wired, the school year behind
plain methods, and the two roster imports (REST pull, CSV push) landing in the e-portal."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol.jose import generate_rsa_key, public_jwks
from renkei.mocks.chain.reference import MockChain, start

ROSTER = {"profile": "oneroster12-csv-jpk12", "municipalities": 1, "schools_per_municipality": 3,
          "students_per_grade": 3, "school_year": 2026, "seed": 11}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory):
    chain = start(workdir=tmp_path_factory.mktemp("chain"), mocks=["school_affairs", "eportal", "lrs", "app"],
                  roster=ROSTER, reader_jwks=public_jwks([generate_rsa_key()]))
    yield chain
    chain.stop()


def _students(chain: MockChain) -> list[dict]:
    assert chain.school_affairs is not None
    return [u for u in chain.school_affairs.objects("user") if u.get("status") == "active"
            and any(r.get("role") == "student" for r in u.get("roles", []))]


def test_the_positions_are_served_and_wired(chain: MockChain) -> None:
    assert chain.school_affairs and chain.eportal and chain.lrs and chain.app
    portal = httpx.get(chain.eportal.issuer + "/", headers={"Accept": "application/json"}).json()
    assert {t["client_id"] for t in portal["tools"]} == {chain.eportal.app_client_id, chain.eportal.reader_client_id}
    app = httpx.get(chain.app.url + "/").json()
    assert app["issuer"] == chain.eportal.issuer and app["lrs"] == chain.lrs.url + "/statements"
    assert chain.app.registration["login_url"] == chain.app.url + "/login"
    assert httpx.get(chain.lrs.url + "/statements", auth=chain.lrs.reader,
                     headers={"X-Experience-API-Version": "1.0.3"}).status_code == 200


def test_the_rest_import_then_the_csv_import(chain: MockChain, tmp_path: Path) -> None:
    assert chain.school_affairs and chain.eportal
    sa = chain.school_affairs
    pulled = chain.eportal.import_rest(sa.url, sa.token_url, sa.client_id, sa.client_secret)
    assert pulled["users"] == len(sa.objects("user"))
    pushed = chain.eportal.import_csv(sa.export_csv(tmp_path / "bulk.zip"))
    assert pushed["users"] == len([u for u in sa.objects("user") if u["status"] == "active"])
    url = chain.eportal.launch_url(_students(chain)[0]["sourcedId"], None, "none")
    assert httpx.get(url).status_code == 302  # the launch starter knows the imported learner


def test_the_school_year(chain: MockChain) -> None:
    sa = chain.school_affairs
    assert sa is not None
    year = sa.year_advance()
    assert year["deleted"]["class"] and year["created"]["class"] and year["deleted"]["user"]  # graduates leave
    pupil = _students(chain)[0]
    home = next(r["org"]["sourcedId"] for r in pupil["roles"] if r["role"] == "student")
    schools = [o["sourcedId"] for o in sa.objects("org") if o.get("type") == "school" and o["sourcedId"] != home]
    moved = None
    for school in schools:  # the other 小学校 (a 中学校 has no homeroom of the pupil's grade)
        try:
            moved = sa.transfer(pupil["sourcedId"], school)
            break
        except ConfigError:
            continue
    assert moved is not None and moved["created"]["enrollment"] and moved["deleted"]["enrollment"]
    other = _students(chain)[1]
    renamed = sa.edit(other["sourcedId"], {"givenName": other["givenName"] + "子"})
    assert renamed["changed"]["user"] == [other["sourcedId"]]
    left = sa.leave(other["sourcedId"])
    assert left["deleted"]["user"] == [other["sourcedId"]] and left["deleted"]["enrollment"]
    assert all(e["status"] == "tobedeleted" for e in sa.objects("enrollment")
               if e["user"]["sourcedId"] == other["sourcedId"])


def test_a_class_change_moves_the_homeroom(chain: MockChain) -> None:
    sa = chain.school_affairs
    assert sa is not None
    pupil = _students(chain)[2]
    classes = {c["sourcedId"]: c for c in sa.objects("class") if c["status"] == "active"}
    rooms = [e["class"]["sourcedId"] for e in sa.objects("enrollment") if e["user"]["sourcedId"] == pupil["sourcedId"]
             and e["status"] == "active" and classes.get(e["class"]["sourcedId"], {}).get("classType") == "homeroom"]
    school = classes[rooms[0]]["school"]["sourcedId"]
    special = next(c for c in classes.values() if c["school"]["sourcedId"] == school and c["title"] == "特別支援学級")
    done = sa.class_change(pupil["sourcedId"], special["sourcedId"])
    assert done["created"]["enrollment"] and done["deleted"]["enrollment"]
    user = next(u for u in sa.objects("user") if u["sourcedId"] == pupil["sourcedId"])
    assert user["metadata"]["jp"]["homeClass"] == special["sourcedId"]
    with pytest.raises(ConfigError, match="already in class"):
        sa.class_change(pupil["sourcedId"], special["sourcedId"])


def test_unknown_faults_and_positions_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown fault"):
        start(workdir=tmp_path, mocks=["eportal"], roster=ROSTER, eportal_faults=["no_such_fault"])
    with pytest.raises(ConfigError, match="unknown position"):
        start(workdir=tmp_path, mocks=["sis"], roster=ROSTER)
