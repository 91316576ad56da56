"""``make demo``: the whole suite against the built-in mock ecosystem, writing reports.

Also ``renkei demo``, so an installed wheel can prove itself (CI runs it from one).

1. OneRoster CSV: generate a Japanese roster for every OneRoster profile and validate it with that
   profile (all must pass), then validate a deliberately broken copy (must fail, defects located).
2. OneRoster REST: renkei reads the mock 校務支援システム (OneRoster 1.2 REST on a real port) with the
   base and Japanese provider profiles (must pass), then a deliberately broken one (must fail); and
   serves the reference provider to the mock 学習eポータル for the consumer profile (green and red).
3. LTI 1.3 over real https on 127.0.0.1 (a throw-away local CA; LTI wants https issuers):
   renkei plays the Platform against the mock 学習アプリ and the Tool against the mock
   学習eポータル, base and Japanese profiles (must pass), then against deliberately broken mocks
   (must fail the checks their fault breaks).

4. xAPI: renkei's recording LRS captures a scripted session of the mock 学習アプリ and judges its statements
   with ``xapi-statements-japan`` (green, and red for an app that names the learner by login name), and a
   statements file with ``xapi-statements`` (green, and red for three broken statements); renkei
   writes to and reads from the mock LRS with ``xapi-lrs`` and ``xapi2-lrs`` (green), then from one with
   named faults (red).

5. The chain: ``chain-japan`` drives the mock 校務支援 → 学習eポータル (+ LRS) → 学習アプリ through a school year
   (green), then with one broken position each: an e-portal that re-issues sub after 年次更新 and an app that
   reports the login name as the xAPI actor (red, each found at that position).

6. Every run's result folder is signed with a demo key and published as the listing site
   (``renkei-out/demo/site/``: index, product pages, open-data feed, badges).

Reports go to ``renkei-out/demo/<run>/``; the exit code is 0 when every run ended as expected.
Like the CLI, this is a composition root: it is allowed to wire mocks, harness and reports.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from renkei.harness.core.errors import RenkeiError
from renkei.harness.core.model import RunResult
from renkei.harness.core.session import RunOptions
from renkei.harness.runner import execute
from renkei.harness.serving import BackgroundServer, LocalTls, free_port

OUT = Path("renkei-out") / "demo"
HOST = "127.0.0.1"
OUTPUTS = ("result.json", "junit.xml", "report.html")
TOOL_CLIENT_ID = "renkei-demo-app"  # the mock app's client_id on renkei's Platform side
HARNESS_CLIENT_ID = "renkei-demo-harness"  # renkei's Tool side as registered on the mock e-portal

console = Console(soft_wrap=True)


@dataclass
class DemoRun:
    name: str
    profile: str
    expected: str  # "pass" | "fail"
    result: RunResult | None
    report: Path
    note: str = ""

    @property
    def ok(self) -> bool:
        """The expected verdict, and all three outputs on disk (an installed renkei must write them too)."""
        written = all((self.report.parent / name).is_file() for name in OUTPUTS)
        return self.result is not None and self.result.verdict == self.expected and written


DEMO_VERSION = "2026.12-demo"
# which mock each profile tests: the product the demo's results (and its listing site) name
_PRODUCTS = (("chain", "renkei 模擬連携"), ("oneroster12-rest-consumer", "renkei 模擬学習eポータル"), ("lti13-platform", "renkei 模擬学習eポータル"),
             ("lti13-tool", "renkei 模擬学習アプリ"), ("xapi-statements", "renkei 模擬学習アプリ"),
             ("xapi", "renkei 模擬 LRS"), ("oneroster", "renkei 模擬校務支援システム"))


def _product(profile: str, expected: str) -> tuple[str, str]:
    """(name, version) of the mock a profile tests; a deliberately broken variant is a version of its own."""
    name = next((n for prefix, n in _PRODUCTS if profile.startswith(prefix)), "renkei mock")
    return name, DEMO_VERSION + ("-broken" if expected == "fail" else "")


def _run(name: str, profile: str, target: Path, expected: str, note: str = "", product_name: str | None = None) -> DemoRun:
    out = OUT / name
    console.print(f"[bold]→ {name}[/] ({profile})", highlight=False)
    product, version = _product(profile, expected)
    product = product_name or product
    try:
        result = execute(RunOptions(profile=profile, target=str(target), out_dir=out, product_name=product,
                                    product_version=version, vendor="renkei"),
                         quiet=not console.is_terminal)
    except RenkeiError as exc:
        console.print(f"  [red]could not run: {exc}[/]", highlight=False, markup=False)
        return DemoRun(name, profile, expected, None, out / "report.html", str(exc))
    failing = [c for c in result.checks if c.gates]
    if failing:
        console.print("  failing: " + ", ".join(c.id for c in failing[:8])
                      + (f" (+{len(failing) - 8})" if len(failing) > 8 else ""), highlight=False)
    return DemoRun(name, profile, expected, result, out / "report.html", note)


# -- OneRoster --------------------------------------------------------------------------------
def oneroster_runs() -> list[DemoRun]:
    from renkei.mocks.school_affairs.defects import break_bundle
    from renkei.mocks.school_affairs.generator import PROFILE_VARIANTS, generate_bundle

    bundles = OUT / "bundles"
    runs: list[DemoRun] = []
    for profile in PROFILE_VARIANTS:  # every OneRoster CSV profile (a test holds the table to the profiles)
        bundle = bundles / f"{profile}.zip"
        stats = generate_bundle(bundle, profile=profile, seed=2026, municipalities=2,
                                schools_per_municipality=2, students_per_grade=35)
        runs.append(_run(f"{profile}", profile, bundle, "pass",
                         f"{stats.users} users, {stats.enrollments} enrollments"))
    broken = bundles / "oneroster12-csv-japan-broken.zip"
    defects = break_bundle(bundles / "oneroster12-csv-japan.zip", broken, seed=2026)
    runs.append(_run("oneroster12-csv-japan-broken", "oneroster12-csv-japan", broken, "fail",
                     f"{len(defects)} injected defects"))
    return runs


# -- OneRoster REST ----------------------------------------------------------------------------
REST_CLIENT_ENV = ("RENKEI_DEMO_OR_CLIENT_ID", "RENKEI_DEMO_OR_CLIENT_SECRET")


def rest_provider_runs() -> list[DemoRun]:
    """oneroster12-rest-provider(-japan): renkei as the consumer of the mock 校務支援システム."""
    from renkei.mocks.runner import SCHOOL_AFFAIRS_CLIENT, SCHOOL_AFFAIRS_SECRET, serve_school_affairs

    bundle = OUT / "bundles" / "oneroster12-csv-japan.zip"
    os.environ[REST_CLIENT_ENV[0]], os.environ[REST_CLIENT_ENV[1]] = SCHOOL_AFFAIRS_CLIENT, SCHOOL_AFFAIRS_SECRET
    runs: list[DemoRun] = []
    cases: list[tuple[str, str, tuple[str, ...], str]] = [
        ("oneroster12-rest-provider", "oneroster12-rest-provider", (), "pass"),
        ("oneroster12-rest-provider-japan", "oneroster12-rest-provider-japan", (), "pass"),
        ("oneroster12-rest-provider-broken", "oneroster12-rest-provider-japan",
         ("no_total_count", "filter_ignored", "demographics_leak", "wrong_minor_codes", "bad_kana", "boolean_json"),
         "fail"),
    ]
    for name, profile, faults, expected in cases:
        # a short token life lets or.rest.auth.expired_token wait for the expiry instead of skipping
        sa = serve_school_affairs(bundle, faults=faults, token_ttl=2)
        try:
            target = _write_yaml(OUT / "targets" / f"{name}.yaml", {
                "kind": "oneroster-rest-provider",
                "provider": {"name": "renkei 模擬校務支援システム", "base_url": sa.url, "token_url": sa.token_url,
                             "client_id": f"${{{REST_CLIENT_ENV[0]}}}", "client_secret": f"${{{REST_CLIENT_ENV[1]}}}"},
                "declares": {"endpoints": "all", "demographics": True, "metadata_shape": "nested"},
                "observation": {"page_size": 250, "expiry_wait_seconds": 5},
            })
            note = f"faults: {', '.join(faults)}" if faults else "mock 校務支援 as shipped"
            runs.append(_run(name, profile, target, expected, note))
        finally:
            sa.stop()
    return runs


def rest_consumer_runs() -> list[DemoRun]:
    """oneroster12-rest-consumer: renkei serves the reference provider; the mock 学習eポータル imports from it."""
    from renkei.mocks.eportal import oneroster_api
    from renkei.mocks.eportal.roster import Roster
    from renkei.mocks.runner import (
        DEPLOYMENT_ID,
        NRPS_READER_ID,
        mock_app_registration,
        nrps_reader_registration,
        serve_eportal,
    )

    os.environ["RENKEI_DEMO_CONSUMER_SECRET"] = "renkei-demo-consumer-0001"  # a test credential of the demo
    os.environ["RENKEI_DEMO_EXPORT_ID"] = oneroster_api.EXPORT_CLIENT_ID
    os.environ["RENKEI_DEMO_EXPORT_SECRET"] = oneroster_api.EXPORT_SECRET
    runs: list[DemoRun] = []
    cases: list[tuple[str, tuple[str, ...], str]] = [
        ("oneroster12-rest-consumer", (), "pass"),
        ("oneroster12-rest-consumer-broken", ("rest_first_page_only", "rest_ignore_retry_after", "rest_broad_scope",
                                              "rest_ignore_tobedeleted"), "fail"),
    ]
    for name, faults, expected in cases:
        port = free_port(HOST)
        key_file = OUT / "keys" / f"nrps-reader-{name}.pem"
        tools = [mock_app_registration(f"http://{HOST}:1"), nrps_reader_registration(key_file)]
        with _served(serve_eportal(None, tools, roster=Roster(),
                                   keys_dir=OUT / "keys" / f"eportal-{name}", faults=faults)) as eportal:
            target = _write_yaml(OUT / "targets" / f"{name}.yaml", {
                "kind": "oneroster-rest-consumer",
                "consumer": {"name": "renkei 模擬学習eポータル", "import": {
                    "mode": "scripted", "url": eportal.url + "/admin/roster/import", "method": "POST",
                    "body": {"base_url": "{base_url}", "token_url": "{token_url}", "client_id": "{client_id}",
                             "client_secret": "{client_secret}"}, "idle_seconds": 1, "wait_seconds": 60},
                    "exposes": {"base_url": eportal.url, "token_url": eportal.url + oneroster_api.TOKEN_PATH,
                                "client_id": "${RENKEI_DEMO_EXPORT_ID}", "client_secret": "${RENKEI_DEMO_EXPORT_SECRET}"},
                    "exposes_nrps": {"token_url": eportal.url + "/token", "client_id": NRPS_READER_ID,
                                     "deployment_id": DEPLOYMENT_ID, "key_file": str(key_file.resolve()),
                                     "memberships_url": eportal.url + "/nrps/{class}"}},
                "harness": {"listen": {"host": HOST, "port": port}, "client_id": "renkei-demo-consumer",
                            "client_secret": "${RENKEI_DEMO_CONSUMER_SECRET}", "throttle_every": 7},
            })
            note = f"faults: {', '.join(faults)}" if faults else "mock e-portal as shipped"
            runs.append(_run(name, "oneroster12-rest-consumer", target, expected, note))
    return runs


# -- xAPI --------------------------------------------------------------------------------------
def statements_runs() -> list[DemoRun]:
    """xapi-statements-japan by capture: renkei's recording LRS listens, a scripted session of the mock app
    (``python -m renkei.mocks.app.xapi``) reports one learner's drill to it, and every statement is judged;
    red: the app names the learner by login name and sends a score whose scaled is not from raw."""
    os.environ["RENKEI_DEMO_LRS_SECRET"] = "renkei-demo-lrs-0001"  # a test credential of the demo
    learner, home = "6f1d2c3b-5a49-4e8d-9c7b-2a1e0f3d4c5b", "https://eportal.renkei-demo.invalid"
    runs: list[DemoRun] = []
    for name, faults, expected in (("xapi-statements-japan", [], "pass"),
                                   ("xapi-statements-japan-broken", ["xapi_actor_login_name", "xapi_scaled_mismatch"],
                                    "fail")):
        command = [sys.executable, "-m", "renkei.mocks.app.xapi", "{endpoint}", "{key}", "{secret}", "{actor_name}",
                   "{home_page}", "--email", "hanako.demo@school.invalid"]
        command += [arg for f in faults for arg in ("--fault", f)]
        target = _write_yaml(OUT / "targets" / f"{name}.yaml", {
            "kind": "xapi-statements", "app": {"name": "renkei 模擬学習アプリ"}, "version": "1.0.3",
            "source": "capture",
            "capture": {"listen": {"host": HOST, "port": free_port(HOST)}, "path": "/xapi",
                        "client": {"key": "renkei-demo-app", "secret": "${RENKEI_DEMO_LRS_SECRET}"},
                        "launch": {"mode": "hook", "command": command, "timeout_seconds": 60},
                        "expect_statements": 5, "idle_seconds": 2, "wait_seconds": 60},
            "expect": {"actor": {"name": learner, "home_page": home}},
        })
        note = f"faults: {', '.join(faults)}" if faults else "the mock app's drill, captured"
        runs.append(_run(name, "xapi-statements-japan", target, expected, note))
    return runs


def statements_file_runs() -> list[DemoRun]:
    """xapi-statements from a file: the mock app's study log of one launch as NDJSON (green), and the same
    log with three statements broken the way hand-written senders break them (red)."""
    import json

    from renkei.mocks.app.xapi import statements_for

    claims = {"iss": "https://eportal.renkei-demo.invalid", "sub": "6f1d2c3b-5a49-4e8d-9c7b-2a1e0f3d4c5b",
              "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "drill-1", "title": "算数ドリル 1"}}
    good = statements_for(claims, "demo-launch-1", app_base="https://app.renkei-demo.invalid")
    bad = [dict(st) for st in good]
    del bad[1]["verb"]  # a statement without a verb
    bad[2]["timestamp"] = "2026/12/04 10:00"  # not ISO 8601
    bad[3]["actor"] = {"objectType": "Agent", "mbox": "hanako@school.invalid"}  # mbox without mailto:
    runs: list[DemoRun] = []
    for name, statements, expected, note in (("xapi-statements", good, "pass", "the mock app's study log, as NDJSON"),
                                             ("xapi-statements-broken", bad, "fail",
                                              "no verb, a non-ISO timestamp, an mbox without mailto:")):
        data = OUT / "statements" / f"{name}.ndjson"
        data.parent.mkdir(parents=True, exist_ok=True)
        data.write_text("".join(json.dumps(st, ensure_ascii=False) + "\n" for st in statements), encoding="utf-8")
        target = _write_yaml(OUT / "targets" / f"{name}.yaml", {
            "kind": "xapi-statements", "app": {"name": "renkei 模擬学習アプリ"}, "version": "1.0.3", "source": "file",
            "file": {"path": str(data.resolve()), "format": "ndjson"}})
        runs.append(_run(name, "xapi-statements", target, expected, note))
    return runs


LRS_ENV = ("RENKEI_DEMO_LRS_KEY", "RENKEI_DEMO_LRS_PASSWORD")
LRS_FAULTS = ("accepts_missing_actor", "ignores_voiding", "no_etag_checks", "drops_more")


def lrs_runs() -> list[DemoRun]:
    """xapi-lrs and xapi2-lrs: renkei is the learning app writing to and reading from the mock LRS on a real
    port (green), then from one with named faults (red: each fault's checks fail)."""
    from renkei.mocks.lrs.config import LrsClient, LrsConfig
    from renkei.mocks.lrs.server import serve_lrs

    os.environ[LRS_ENV[0]], os.environ[LRS_ENV[1]] = "renkei-demo-lrp", "renkei-demo-lrp-0001"  # demo credentials
    runs: list[DemoRun] = []
    for name, profile, faults, expected in (("xapi-lrs", "xapi-lrs", (), "pass"),
                                            ("xapi2-lrs", "xapi2-lrs", (), "pass"),
                                            ("xapi-lrs-broken", "xapi-lrs", LRS_FAULTS, "fail")):
        config = LrsConfig(clients=[LrsClient(key=os.environ[LRS_ENV[0]], secret=os.environ[LRS_ENV[1]])],
                           faults=set(faults))
        with serve_lrs(config, host=HOST) as lrs:
            target = _write_yaml(OUT / "targets" / f"{name}.yaml", {
                "kind": "xapi-lrs",
                "lrs": {"name": "renkei 模擬 LRS", "endpoint": lrs.url + "/", "key": f"${{{LRS_ENV[0]}}}",
                        "secret": f"${{{LRS_ENV[1]}}}"},
                "declares": {"state": True, "activity_profile": True, "agent_profile": True, "agents": True,
                             "activities": True, "about": True, "attachments": True},
                "observation": {"timeout_seconds": 10, "consistency_wait_seconds": 5, "poll_interval_seconds": 0.05},
            })
            note = f"faults: {', '.join(faults)}" if faults else "mock LRS as shipped"
            runs.append(_run(name, profile, target, expected, note))
    return runs


# -- the chain ---------------------------------------------------------------------------------
def chain_runs() -> list[DemoRun]:
    """chain-japan: the mock 校務支援 → 学習eポータル (+ LRS) → 学習アプリ through a school year (green), then with a
    broken position each (red): an e-portal that re-issues sub after 年次更新, an app that reports the login name."""
    runs: list[DemoRun] = []
    cases = (("chain-japan", "renkei 模擬連携 (校務支援 → 学習eポータル → 学習アプリ)", {}, "pass", "the mock chain as shipped"),
             ("chain-japan-broken-eportal", "renkei 模擬学習eポータル", {"eportal_faults": ["reissue_sub_after_year_advance"]},
              "fail", "an e-portal that re-issues sub after 年次更新"),
             ("chain-japan-broken-app", "renkei 模擬学習アプリ", {"app_faults": ["xapi_actor_login_name"]}, "fail",
              "an app that reports the login name as the actor"))
    for name, product, faults, expected, note in cases:
        target = _write_yaml(OUT / "targets" / f"{name}.yaml", {
            "kind": "chain", "name": "青葉市の連携 (renkei の模擬)",
            "mocks": {"roster": {"schools": 3, "students_per_grade": 6, "school_year": 2026, "seed": 2026},
                      "import": "rest", **faults},
            "scenario": {"classes_per_school": 3, "learners_per_class": 2, "refusals": 2},
            "observation": {"xapi_wait_seconds": 30, "xapi_idle_seconds": 1.0},
        })
        runs.append(_run(name, "chain-japan", target, expected, note, product_name=product))
    return runs


# -- LTI ---------------------------------------------------------------------------------------
def _write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@contextmanager
def _served(server: BackgroundServer) -> Iterator[BackgroundServer]:
    try:
        yield server
    finally:
        server.stop()


def tool_runs(tls: LocalTls) -> list[DemoRun]:
    """lti13-tool(-japan): renkei's Platform side against the mock 学習アプリ."""
    from renkei.mocks.runner import DEPLOYMENT_ID, serve_app

    runs: list[DemoRun] = []
    cases: list[tuple[str, str, tuple[str, ...], str]] = [
        ("lti13-tool", "lti13-tool", (), "pass"),
        ("lti13-tool-japan", "lti13-tool-japan", (), "pass"),
        ("lti13-tool-broken-app", "lti13-tool", ("skip_aud_check", "skip_nonce_replay", "accept_missing_exp"), "fail"),
    ]
    for name, profile, faults, expected in cases:
        port = free_port(HOST)
        platform = f"https://{HOST}:{port}"
        with _served(serve_app(platform_issuer=platform, client_id=TOOL_CLIENT_ID,
                               deployment_ids=[DEPLOYMENT_ID], keys_dir=OUT / "keys" / f"app-{name}",
                               faults=faults, tls=tls)) as app:
            target = _write_yaml(OUT / "targets" / f"{name}.yaml", {
                "kind": "lti-tool",
                "tool": {"name": "renkei 模擬学習アプリ", "login_url": app.url + "/login",
                         "redirect_uris": [app.url + "/launch"], "target_link_uri": app.url + "/launch",
                         "jwks_url": app.url + "/jwks", "client_id": TOOL_CLIENT_ID,
                         "deployment_ids": [DEPLOYMENT_ID],
                         "services": {"deep_linking": True, "nrps": True, "ags": True}},
                "harness": {"base_url": platform, "listen": {"host": HOST, "port": port,
                                                             "certfile": str(tls.cert_file.resolve()),
                                                             "keyfile": str(tls.key_file.resolve())},
                            "keys_dir": str((OUT / "keys" / "renkei-platform").resolve())},
                "observation": {"accept": {"status": [200], "marker_id": "lti-launch"},
                                "reject": {"status": [400, 401, 403], "marker_regex": 'id="lti-error"'}},
                "services": {"trigger_form_action": "services/run", "wait_seconds": 5},
                "tls": {"ca_file": str(tls.ca_file.resolve())},
            })
            note = f"faults: {', '.join(faults)}" if faults else "mock app as shipped"
            runs.append(_run(name, profile, target, expected, note))
    return runs


def _scenarios(eportal: str, bundle: Path) -> dict[str, str]:
    """Launch-starting URLs for the platform profile, picked from the roster the e-portal serves."""
    from renkei.mocks.eportal.roster import load_bundle

    roster = load_bundle(bundle)
    classes: dict[str, tuple[list[str], list[str]]] = {}
    for e in roster.enrollments:
        teachers, students = classes.setdefault(e.class_sourced_id, ([], []))
        (teachers if e.role == "teacher" else students if e.role == "student" else []).append(e.user_sourced_id)
    usable = [(cid, t, s) for cid, (t, s) in classes.items() if t and s]
    first_class, teachers, students = usable[0]
    student = students[0]
    other = next(cid for cid, _, s in usable[1:] if student in s) if any(
        student in s for _, _, s in usable[1:]) else usable[1][0]
    base = f"{eportal}/launch?client_id={{client_id}}"
    return {
        "instructor": f"{base}&user={teachers[0]}&context={first_class}",
        "student": f"{base}&user={student}&context={first_class}",
        "instructor_no_pii": f"{base}&user={teachers[0]}&context={first_class}&pii=none",
        "student_no_pii": f"{base}&user={student}&context={first_class}&pii=none&method=post",
        "deep_linking": f"{base}&user={teachers[0]}&context={first_class}&message_type=LtiDeepLinkingRequest",
        "student_other_context": f"{base}&user={student}&context={other}",
    }


def platform_runs(tls: LocalTls) -> list[DemoRun]:
    """lti13-platform(-japan): renkei's Tool side against the mock 学習eポータル."""
    from renkei.mocks.eportal.config import ToolRegistration
    from renkei.mocks.runner import DEPLOYMENT_ID, serve_eportal

    bundle = OUT / "bundles" / "oneroster12-csv-jpk12.zip"
    runs: list[DemoRun] = []
    cases: list[tuple[str, str, tuple[str, ...], str]] = [
        ("lti13-platform", "lti13-platform", (), "pass"),
        ("lti13-platform-japan", "lti13-platform-japan", (), "pass"),
        ("lti13-platform-broken-eportal", "lti13-platform",
         ("sign_without_kid", "accept_replayed_jti", "accept_assertion_without_exp", "accept_dl_without_nonce"), "fail"),
    ]
    for name, profile, faults, expected in cases:
        harness_port = free_port(HOST)
        harness = f"https://{HOST}:{harness_port}"
        registration = ToolRegistration(
            client_id=HARNESS_CLIENT_ID, deployment_ids=[DEPLOYMENT_ID], login_url=harness + "/login",
            redirect_uris=[harness + "/launch"], target_link_uri=harness + "/launch",
            jwks_url=harness + "/jwks", deep_link_url=harness + "/deep_link", name="renkei (Tool side)")
        with _served(serve_eportal(bundle, [registration], keys_dir=OUT / "keys" / f"eportal-{name}",
                                   faults=faults, tls=tls)) as eportal:
            target = _write_yaml(OUT / "targets" / f"{name}.yaml", {
                "kind": "lti-platform",
                "platform": {"name": "renkei 模擬学習eポータル", "issuer": eportal.url,
                             "client_id": HARNESS_CLIENT_ID, "deployment_ids": [DEPLOYMENT_ID],
                             "auth_url": eportal.url + "/auth", "token_url": eportal.url + "/token",
                             "jwks_url": eportal.url + "/jwks",
                             "services": {"deep_linking": True, "nrps": True, "ags": True}},
                "launches": {"mode": "scripted", "scenarios": _scenarios(eportal.url, bundle)},
                "harness": {"base_url": harness, "listen": {"host": HOST, "port": harness_port,
                                                            "certfile": str(tls.cert_file.resolve()),
                                                            "keyfile": str(tls.key_file.resolve())},
                            "keys_dir": str((OUT / "keys" / "renkei-tool").resolve())},
                "observation": {"timeout_seconds": 10},
                "tls": {"ca_file": str(tls.ca_file.resolve())},
            })
            note = f"faults: {', '.join(faults)}" if faults else "mock e-portal as shipped"
            runs.append(_run(name, profile, target, expected, note))
    return runs


# -- main --------------------------------------------------------------------------------------
def _summary(runs: list[DemoRun]) -> None:
    console.print("\n[bold]renkei demo[/]  (expected → verdict: passed ✓ failed ✗ warnings ⚠ skipped –)")
    for r in runs:
        verdict = "-" if r.result is None else r.result.verdict
        mark = "[green]OK[/]" if r.ok else "[bold red]UNEXPECTED[/]"
        s = r.result.summary if r.result else None
        counts = f"{s.passed}✓ {s.failed}✗ {s.warnings}⚠ {s.skipped}–" if s else r.note
        console.print(f"{mark:>22} {r.name:<32} {r.expected} → {verdict:<4} {counts:<22} {r.report}",
                      highlight=False)


def main() -> int:
    started = time.perf_counter()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    tls = LocalTls(OUT / "tls")
    # The mocks' own https clients trust the demo's local CA through the environment; renkei's clients
    # get it from the target files (tls.ca_file), as a vendor's staging system with a private CA would.
    os.environ["SSL_CERT_FILE"] = str(tls.ca_file.resolve())
    runs = oneroster_runs()
    runs += rest_provider_runs()
    runs += rest_consumer_runs()
    runs += tool_runs(tls)
    runs += platform_runs(tls)
    runs += statements_runs()
    runs += statements_file_runs()
    runs += lrs_runs()
    runs += chain_runs()
    _summary(runs)
    site = sign_and_publish(runs)
    bad = [r for r in runs if not r.ok]
    console.print(f"{len(runs) - len(bad)}/{len(runs)} runs ended as expected in "
                  f"{time.perf_counter() - started:.0f} s; reports under {OUT}/", highlight=False)
    console.print(f"listing site (signed results): open {site / 'index.html'}", highlight=False)
    if bad:
        console.print("[bold red]unexpected:[/] " + ", ".join(r.name for r in bad), highlight=False)
    return 0 if not bad else 1


def sign_and_publish(runs: list[DemoRun]) -> Path:
    """Sign every run's result folder with a demo key and publish them all as the listing site.

    The demo's people are all generated, so its unredacted reports are linked (``allow_unredacted``);
    a real operator publishes ``--redact`` runs. The signatures are verified against the demo's public key.
    """
    from renkei.reports import signature
    from renkei.reports.site.build import publish

    private, public, _ = signature.create_keys(OUT / "keys" / "signing", "renkei-demo")
    key = signature.load_private_key(private)
    folders = [r.report.parent for r in runs if r.result is not None]
    for folder in folders:
        signature.sign_folder(folder, key)
    done = publish(folders, OUT / "site", keyring=signature.load_public_keys(public), allow_unredacted=True)
    if done.signature_problems:
        raise RenkeiError("demo listing: " + "; ".join(done.signature_problems))
    return done.site


if __name__ == "__main__":
    sys.exit(main())
