"""The launch: section is read with errors that name the file and field, and secrets stay references."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from renkei.harness.core.errors import ConfigError
from renkei.harness.core.extras import MissingExtra
from renkei.harness.core.secret_registry import SecretRegistry
from renkei.harness.launch.containers import docker_module, tail
from renkei.harness.launch.spec import read_launch


def _target(tmp_path: Path, launch: object) -> str:
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump({"kind": "xapi-statements", "launch": launch}, allow_unicode=True), "utf-8")
    return str(path)


def _container(**fields: object) -> dict[str, object]:
    return {"name": "app", "image": "example/app:1", "port": 8080, **fields}


def test_a_section_is_read_and_mounts_are_relative_to_the_target_file(tmp_path):
    (tmp_path / "seed").mkdir()
    launch = read_launch(_target(tmp_path, {"containers": [
        _container(name="db", ready={"log": "ready to accept"}, port=None),
        _container(mounts=[{"source": "seed", "target": "/seed"}], ready={"http": "http://127.0.0.1:8080/health"},
                   environment={"API_SECRET": "${VENDOR_SECRET}", "MODE": "staging"})]}))
    assert launch is not None
    db, app = launch.section.containers
    assert db.probe() == "log line matching 'ready to accept'"
    assert app.probe() == "HTTP http://127.0.0.1:8080/health"
    assert app.mounts[0].source == str((tmp_path / "seed").resolve()) and app.mounts[0].read_only


def test_no_section_or_no_yaml_target_is_none(tmp_path):
    (tmp_path / "t.yaml").write_text("kind: lti-tool\n", "utf-8")
    assert read_launch(str(tmp_path / "t.yaml")) is None
    assert read_launch(str(tmp_path)) is None  # a CSV bundle folder


@pytest.mark.parametrize(("container", "field", "says"), [
    (_container(environment={"DB_PASSWORD": "hunter2-hunter2"}), "containers.0.environment",
     "DB_PASSWORD must be a ${ENV_VAR} reference"),
    (_container(environment={"URL": "http://${HOST}/"}), "containers.0.environment", "only a whole value"),
    (_container(port=None), "containers.0", "needs a port"),
    (_container(ready={"http": "http://product.invalid:8080/"}), "containers.0.ready.http", "on 127.0.0.1"),
    (_container(ready={"log": "("}), "containers.0.ready.log", "not a valid regular expression"),
    (_container(name="App Server"), "containers.0.name", "lower-case letters"),
    (_container(network_mode="host"), "containers.0.network_mode", "Extra inputs are not permitted"),
    (_container(mounts=[{"source": "missing", "target": "/m"}]), "containers.0.mounts.0.source", "does not exist"),
])
def test_a_bad_section_names_the_file_and_field(tmp_path, container, field, says):
    target = _target(tmp_path, {"containers": [container]})
    with pytest.raises(ConfigError) as err:
        read_launch(target)
    assert f"target {target}: field launch.{field}:" in str(err.value)
    assert says in str(err.value)


def test_container_names_are_unique(tmp_path):
    with pytest.raises(ConfigError, match="names must be unique"):
        read_launch(_target(tmp_path, {"containers": [_container(), _container()]}))


def test_references_resolve_into_the_secret_registry(tmp_path):
    launch = read_launch(_target(tmp_path, {"containers": [
        _container(environment={"API_SECRET": "${VENDOR_SECRET}", "MODE": "staging"})]}))
    assert launch is not None
    spec, registry = launch.section.containers[0], SecretRegistry()
    env = spec.resolved_environment("here", registry, {"VENDOR_SECRET": "s3cret-value-of-the-vendor"})
    assert env == {"API_SECRET": "s3cret-value-of-the-vendor", "MODE": "staging"}
    assert "s3cret-value-of-the-vendor" not in registry.scrub("log: s3cret-value-of-the-vendor")
    with pytest.raises(ConfigError, match=r"here.environment.API_SECRET: environment variable VENDOR_SECRET is not set"):
        spec.resolved_environment("here", registry, {})
    with pytest.raises(ConfigError, match="shorter than"):
        spec.resolved_environment("here", registry, {"VENDOR_SECRET": "abc"})


def test_without_the_docker_sdk_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "docker", None)
    with pytest.raises(MissingExtra, match=r"^starting containers needs the Docker SDK for Python, which is not "
                       r"installed; run: pip install 'renkei\[docker\]'$"):
        docker_module()


def test_tail_keeps_the_last_lines_on_one_line():
    assert tail("a\n\nb\nc\n", lines=2) == "b | c"
    assert tail("") == "(no log output)"
