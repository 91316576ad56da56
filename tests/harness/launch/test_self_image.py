"""``renkei mocks image`` / ``mocks up --docker`` / ``mocks down``: the mock ecosystem as a container.

The build context, the command line and the errors that need no daemon are checked without one; the
image is built and run against the private daemon on a Debian python3 base made by mmdebstrap, and
the failures (a taken port, mocks that exit or never get ready, a stopped leftover) on small busybox
images (each skipped with the reason where that cannot be had).
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import sys
import tarfile
import tomllib
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from renkei.harness.cli import main
from renkei.harness.core.errors import UsageError
from renkei.harness.launch import mock_ecosystem, self_image
from renkei.harness.launch.containers import LaunchError
from renkei.harness.launch.mock_ecosystem import LABEL, check_ports, default_tag, registration_lines
from renkei.harness.launch.self_image import dockerfile, required_distributions, write_context

ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
ALL_FREE = ["--eportal-port", "0", "--app-port", "0", "--school-affairs-port", "0", "--lrs-port", "0"]


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    got = capsys.readouterr()
    return int(done.value.code or 0), got.out, got.err


def _one_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("renkei: error: "), lines
    return lines[0]


# -- the image's content, without a daemon ------------------------------------------------------------

def test_the_context_holds_renkei_its_entry_points_and_its_dependencies():
    buf = io.BytesIO()
    count = write_context(buf, "example/python3:3.11", ["python3", "-m", "renkei.mocks"])
    buf.seek(0)
    with tarfile.open(fileobj=buf) as tar:
        names = set(tar.getnames())
        docker_file = tar.extractfile("Dockerfile").read().decode()  # type: ignore[union-attr]
        entry_points = next(tar.extractfile(n).read().decode() for n in names  # type: ignore[union-attr]
                            if n.startswith("site/renkei-") and n.endswith("entry_points.txt"))
    assert count > 100
    assert docker_file.startswith("FROM example/python3:3.11\n")
    assert 'ENTRYPOINT ["python3", "-m", "renkei.mocks"]' in docker_file
    assert {"site/renkei/mocks/__main__.py", "site/renkei/harness/cli.py", "site/uvicorn/__init__.py",
            "site/pydantic/__init__.py", "site/renkei/profiles/xapi-lrs.yaml"} <= names
    assert "renkei.reference_providers" in entry_points  # the harness finds the mocks' servers through them
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_only_what_renkei_needs_is_copied():
    names = {d.metadata["Name"].lower() for d in required_distributions()}
    assert {"pydantic", "pydantic_core", "uvicorn", "cryptography", "pyyaml", "polars"} <= names
    assert not names & {"respx", "ruff", "schemathesis", "playwright", "docker"}  # extras stay out


def test_the_packages_and_data_files_copied_are_those_the_wheel_holds():
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert {f"renkei.{p}" for p in self_image.PACKAGES} == set(setuptools["package-dir"])
    patterns = {p.removeprefix("*") for p in setuptools["package-data"]["*"]}
    assert patterns | {".py"} == self_image.SUFFIXES


def test_the_extras_a_dependency_asks_for_are_followed_and_its_own_are_not(monkeypatch):
    dists = {
        "renkei": ["web[fast]>=1", "docs-tool; extra == 'dev'"],
        "web": ["core", "speedups; extra == 'fast'", "tests-only; extra == 'test'", "old; python_version < '3'"],
        "core": [], "speedups": ["core"], "tests-only": [], "old": [], "docs-tool": [],
    }
    fake = {name: SimpleNamespace(requires=reqs, metadata={"Name": name}) for name, reqs in dists.items()}
    monkeypatch.setattr(self_image, "_distribution", lambda name: fake[name])
    assert [d.metadata["Name"] for d in required_distributions()] == ["core", "speedups", "web"]


def test_the_dockerfile_never_pulls_anything_but_its_base():
    text = dockerfile("local/base:1", ["python3", "-m", "renkei.mocks"])
    assert [line.split()[0] for line in text.splitlines() if line] == ["FROM", "COPY", "ENV", "LABEL", "ENTRYPOINT"]


def test_the_default_tag_is_the_version_made_a_valid_tag(monkeypatch):
    monkeypatch.setattr(mock_ecosystem, "__version__", "0.2.0+g1a2b.dirty")
    assert default_tag() == "renkei-mocks:0.2.0-g1a2b.dirty"


def test_the_printed_lines_end_at_ready_and_name_paths_of_this_machine():
    log = ("roster:        /renkei/work/roster.zip\n"
           "校務支援 (OneRoster 1.2 REST): http://127.0.0.1:8403/ims/oneroster/rostering/v1p2\n\n"
           "Ctrl-C to stop\nINFO: a request\n")
    assert registration_lines(log, {"/renkei/work": "/home/v/mocks"}) == [
        "roster:        /home/v/mocks/roster.zip",
        "校務支援 (OneRoster 1.2 REST): http://127.0.0.1:8403/ims/oneroster/rostering/v1p2"]
    (roster, _) = registration_lines(log.replace("/renkei/work", "/tmp/renkei-mocks-x"), {})
    assert roster.endswith("(inside the container; the CSV export below serves it, --workdir keeps it)")


def test_a_taken_or_repeated_port_is_refused():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(LaunchError, match=rf"port {port} on 127.0.0.1 \(--lrs-port\) is already in use"):
            check_ports({"eportal": 0, "app": 0, "school_affairs": 0, "lrs": port})
    with pytest.raises(UsageError, match="--eportal-port and --app-port are both 8555"):
        check_ports({"eportal": 8555, "app": 8555, "school_affairs": 0, "lrs": 0})
    check_ports({"eportal": 0, "app": 0, "school_affairs": 0, "lrs": 0})  # 0: the mocks pick


# -- the command line, without a daemon -----------------------------------------------------------------

def test_mocks_up_without_docker_is_one_line(capsys):
    code, _, err = _main(capsys, "mocks", "up")
    assert code == 2
    assert _one_error(err) == ("renkei: error: mocks up runs the ecosystem in a container: add --docker "
                               "(or run `renkei mocks serve`)")


@pytest.mark.parametrize(("args", "says"), [
    (["mocks", "image"], "Missing option '--base'"),
    (["mocks", "up", "--docker", "--lrs-port", "70000"], "--lrs-port"),
    (["mocks", "up", "--docker", "--timeout", "0"], "--timeout"),
    (["mocks", "down", "--bogus"], "--bogus"),
])
def test_bad_options_are_one_line(capsys, args, says):
    code, _, err = _main(capsys, *args)
    assert code == 2 and says in _one_error(err)


@pytest.mark.parametrize("args", [["mocks", "image", "--base", "x"], ["mocks", "up", "--docker"], ["mocks", "down"]])
def test_without_the_docker_sdk_each_command_names_the_extra(capsys, monkeypatch, args):
    monkeypatch.setitem(sys.modules, "docker", None)
    code, _, err = _main(capsys, *args)
    assert code == 2
    assert _one_error(err) == (f"renkei: error: renkei {' '.join(args[:2])} needs the Docker SDK for Python, which "
                               "is not installed; run: pip install 'renkei[docker]'")


def test_without_a_daemon_each_command_is_one_line(capsys, monkeypatch, tmp_path):
    pytest.importorskip("docker", reason="the docker SDK is not installed (pip install 'renkei[docker]')")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-daemon.sock'}")
    for args in (["mocks", "image", "--base", "x"], ["mocks", "up", "--docker"], ["mocks", "down"]):
        code, _, err = _main(capsys, *args)
        assert code == 2
        assert "renkei: error: cannot reach the Docker daemon (set DOCKER_HOST)" in _one_error(err)


def test_down_refuses_a_log_file_it_could_not_write_before_removing_anything(capsys, tmp_path):
    code, _, err = _main(capsys, "mocks", "down", "--logs", str(tmp_path))
    assert code == 2 and f"--logs {tmp_path} is a folder" in _one_error(err)


# -- against the private daemon ------------------------------------------------------------------------

def _labelled(client: Any) -> list[Any]:
    return client.containers.list(all=True, filters={"label": LABEL})


def _build(client: Any, name: str, files: dict[str, str]) -> str:
    """A small local image from a Dockerfile and files (sh scripts get mode 755)."""
    tag = f"renkei-test/{name}:{uuid.uuid4().hex[:8]}"
    with tarfile.open(fileobj=(buf := io.BytesIO()), mode="w") as tar:
        for path, text in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(text.encode())
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(text.encode()))
    buf.seek(0)
    client.images.build(fileobj=buf, custom_context=True, tag=tag, pull=False, network_mode="none", rm=True,
                        forcerm=True)
    return tag


def _fake_mocks(client: Any, busybox: str, script: str) -> str:
    """A tiny image in the mocks' place: ``script`` (sh) gets the mocks' arguments."""
    return _build(client, "fake-mocks",
                  {"Dockerfile": f"FROM {busybox}\nENTRYPOINT {json.dumps(['sh', '-c', script, 'mocks'])}\n"})


def _fake_python(client: Any, busybox: str, version: str) -> str:
    """A base whose ``python3`` tells ``version`` when asked and fails at anything else (as a Python of
    another libc or architecture would)."""
    script = ('#!/bin/sh\ncase "$2" in *version_info*) echo ' + version + ' ;;\n'
              '*) echo "ImportError: Error loading shared library libstdc++.so.6: No such file" >&2; exit 1 ;;\n'
              'esac\n')
    return _build(client, "fake-python", {"Dockerfile": f"FROM {busybox}\nCOPY python3 /bin/python3\n",
                                          "python3": script})


def test_a_base_image_that_is_missing_or_has_no_python_is_one_line(capsys, docker, busybox):
    code, _, err = _main(capsys, "mocks", "image", "--base", "renkei-test/nothing:0")
    assert code == 2
    assert "the base image renkei-test/nothing:0 is not in the Docker daemon (nothing is pulled)" in _one_error(err)
    code, _, err = _main(capsys, "mocks", "image", "--base", busybox)
    assert code == 2
    assert f"the base image {busybox} (it needs python3) could not be run" in _one_error(err)


def test_a_base_of_another_python_is_refused_before_building(capsys, docker, busybox):
    base = _fake_python(docker, busybox, "3 9")
    code, _, err = _main(capsys, "mocks", "image", "--base", base, "--tag", "renkei-test/never:0")
    running = "{}.{}".format(*sys.version_info[:2])
    assert code == 2 and f"has python3 3.9, but this renkei runs on {running}" in _one_error(err)


def test_an_image_renkei_cannot_run_in_is_one_line_and_removed(capsys, docker, busybox):
    base = _fake_python(docker, busybox, " ".join(map(str, sys.version_info[:2])))
    code, _, err = _main(capsys, "mocks", "image", "--base", base, "--tag", "renkei-test/broken-mocks:0")
    line = _one_error(err)
    assert code == 2 and "the image renkei-test/broken-mocks:0 was built but renkei does not run in it" in line
    assert line.endswith("so it was removed: ImportError: Error loading shared library libstdc++.so.6: No such file")
    from docker.errors import ImageNotFound

    with pytest.raises(ImageNotFound):
        docker.images.get("renkei-test/broken-mocks:0")


def test_up_without_the_image_is_one_line(capsys, docker):
    code, _, err = _main(capsys, "mocks", "up", "--docker", "--tag", "renkei-test/no-mocks:0", *ALL_FREE)
    assert code == 2
    assert _one_error(err) == ("renkei: error: the image renkei-test/no-mocks:0 is not in the Docker daemon: build "
                               "it with `renkei mocks image --base IMAGE` (or give mocks up --base IMAGE)")


def test_a_taken_port_is_one_line_and_nothing_starts(capsys, docker, busybox):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code, _, err = _main(capsys, "mocks", "up", "--docker", "--tag", busybox, *ALL_FREE,
                             "--eportal-port", str(port))
    assert code == 2 and f"port {port} on 127.0.0.1 (--eportal-port) is already in use" in _one_error(err)
    assert docker.containers.list(all=True) == []


def test_mocks_that_exit_at_start_are_one_line_with_their_log_and_removed(capsys, docker, busybox):
    tag = _fake_mocks(docker, busybox, "echo 'mocks: error: port 8401 is taken' >&2; exit 2")
    code, _, err = _main(capsys, "mocks", "up", "--docker", "--tag", tag, *ALL_FREE)
    line = _one_error(err)
    assert code == 2 and "exited with code 2 before it was ready" in line
    assert line.endswith("last log lines: mocks: error: port 8401 is taken")
    assert _labelled(docker) == []


def test_mocks_that_never_get_ready_are_one_line_and_removed(capsys, docker, busybox):
    tag = _fake_mocks(docker, busybox, 'echo "generating a roster for $*"; exec sleep 600')
    code, _, err = _main(capsys, "mocks", "up", "--docker", "--tag", tag, *ALL_FREE, "--timeout", "2")
    line = _one_error(err)
    assert code == 2 and "did not become ready within 2 s (log line matching '^Ctrl-C to stop')" in line
    assert "last log lines: generating a roster for --eportal-port 0 --app-port 0" in line
    assert _labelled(docker) == []


def test_a_bundle_is_mounted_read_only_and_its_path_printed_as_the_hosts(capsys, docker, busybox, tmp_path):
    bundle = tmp_path / "vendor roster.zip"
    bundle.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: the stand-in only looks at it
    script = ('while [ "$1" != --bundle ]; do shift; done; echo "roster:        $2"; '
              'if echo x 2>/dev/null >> "$2"; then echo writable; else echo read-only; fi; echo "Ctrl-C to stop"; exec sleep 600')
    tag = _fake_mocks(docker, busybox, script)
    code, out, err = _main(capsys, "mocks", "up", "--docker", "--tag", tag, "--bundle", str(bundle), *ALL_FREE)
    try:
        assert code == 0, err
        assert out.splitlines()[:2] == [f"roster:        {bundle}", "read-only"]
    finally:
        assert _main(capsys, "mocks", "down")[0] == 0
    code, _, err = _main(capsys, "mocks", "up", "--docker", "--tag", tag, "--bundle", str(tmp_path / "none.zip"))
    assert code == 2 and f"--bundle {tmp_path / 'none.zip'}: no such file" in _one_error(err)


def test_a_stopped_leftover_is_said_and_down_removes_only_renkeis(capsys, docker, busybox):
    leftover = docker.containers.create(busybox, ["sh", "-c", "echo 'mocks: killed'; exit 137"],
                                        labels={LABEL: "0.0.1"}, network_mode="host")
    other = docker.containers.create(busybox, ["true"], name="a-vendors-own", network_mode="host")
    leftover.start()
    leftover.wait(timeout=30)
    code, _, err = _main(capsys, "mocks", "up", "--docker", "--tag", busybox, *ALL_FREE)
    line = _one_error(err)
    assert code == 2 and f"container {leftover.name} stopped (exit code 137) and is still there" in line
    assert line.endswith("its last log lines: mocks: killed")
    code, out, _ = _main(capsys, "mocks", "down")
    assert code == 0 and out.strip() == f"removed {leftover.name}"
    assert [c.name for c in docker.containers.list(all=True)] == ["a-vendors-own"]
    other.remove(force=True)


def test_the_mocks_run_in_a_container_until_mocks_down(capsys, docker, python_base, tmp_path):
    tag = "renkei-mocks:test"
    code, out, err = _main(capsys, "mocks", "image", "--base", python_base, "--tag", tag)
    assert code == 0, err
    assert out.startswith(f"built {tag} (sha256:")
    assert docker.images.get(tag).labels["renkei.version"]
    work = tmp_path / "mocks"
    code, out, err = _main(capsys, "mocks", "up", "--docker", "--tag", tag, "--workdir", str(work), *ALL_FREE)
    try:
        assert code == 0, err
        (running,) = docker.containers.list()
        assert running.attrs["HostConfig"]["NetworkMode"] == "host"
        assert running.labels[LABEL] and running.attrs["Config"]["User"] == f"{os.getuid()}:{os.getgid()}"

        def found(pattern: str) -> str:
            m = re.search(pattern, out)
            assert m is not None, (pattern, out)
            return m.group(1)

        token_url = found(r"token: (http://127\.0\.0\.1:\d+/\S*token)")
        client_id, secret = found(r"client_id: (\S+)"), found(r"client_secret: (\S+)")
        eportal = found(r"学習eポータル:\s+(http://127\.0\.0\.1:\d+/)")
        app = found(r"学習アプリ:\s+(http://127\.0\.0\.1:\d+/)")
        lrs, lrs_key, lrs_secret = (found(r"LRS \(xAPI 1\.0\.3/2\.0\): (http://127\.0\.0\.1:\d+/\S*)"),
                                    found(r"LRS .* key: (\S+)"), found(r"LRS .* secret: (\S+)"))
        roster = Path(found(r"roster:\s+(\S+)"))
        assert out.rstrip().endswith("`renkei mocks down` stops and removes it")
        # the roster and keys are in the caller's folder, the caller's files
        assert roster.parent == work and roster.is_file() and roster.stat().st_uid == os.getuid()
        # what a vendor registers works from the host: a token from 校務支援, the e-portal, the app, the LRS
        scope = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
        token = httpx.post(token_url, data={"grant_type": "client_credentials", "scope": scope},
                           auth=(client_id, secret), timeout=10)
        assert token.status_code == 200 and token.json()["token_type"].lower() == "bearer"
        assert httpx.get(eportal, timeout=10).status_code == 200
        assert httpx.get(app + "jwks", timeout=10).json()["keys"]
        statement = {"actor": {"account": {"homePage": eportal, "name": str(uuid.uuid4())}},
                     "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
                     "object": {"id": "https://app.example.jp/drill/1"}}
        sent = httpx.post(lrs.rstrip("/") + "/statements", json=statement, auth=(lrs_key, lrs_secret),
                          headers={"X-Experience-API-Version": "1.0.3"}, timeout=10)
        assert sent.status_code == 200, sent.text
        code, _, err = _main(capsys, "mocks", "up", "--docker", "--tag", tag, *ALL_FREE)
        assert code == 2 and f"the mocks already run in container {running.name}" in _one_error(err)
    finally:
        code, out, _ = _main(capsys, "mocks", "down", "--logs", str(tmp_path / "mocks.log"))
    assert code == 0 and out.startswith(f"removed {running.name} (log: ")
    assert "Ctrl-C to stop" in (tmp_path / "mocks.log").read_text("utf-8")
    assert docker.containers.list(all=True) == []
    assert _main(capsys, "mocks", "down")[1].strip() == "no mock container was running"
