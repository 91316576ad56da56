"""Fixtures of the container tests: a private Docker daemon (tests/docker_daemon.py) and its images.

Every test that uses ``docker`` also proves that nothing it started is left behind: the daemon is
private, so after the test it must hold no container at all (``docker ps -a`` empty).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.docker_daemon import BUSYBOX_TAG, PYTHON_TAG, PrivateDaemon, Unavailable, ensure_image


@pytest.fixture(scope="session")
def private_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateDaemon]:
    try:
        import docker  # noqa: F401
    except ImportError:
        pytest.skip("the docker SDK is not installed (pip install 'renkei[docker]')")
    daemon = PrivateDaemon(tmp_path_factory.mktemp("dockerd"))
    try:
        daemon.start()
    except Unavailable as exc:
        pytest.skip(f"no private Docker daemon can run here: {exc}")
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def docker(private_daemon: PrivateDaemon, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A client of the private daemon, which renkei also reaches (DOCKER_HOST) during the test."""
    monkeypatch.setenv("DOCKER_HOST", private_daemon.host)
    client = private_daemon.client()
    assert client.containers.list(all=True) == []
    yield client
    left = [c.name for c in client.containers.list(all=True)]
    for name in left:
        client.containers.get(name).remove(force=True)
    assert left == [], f"containers left behind: {left}"


def _image(client: Any, tag: str) -> str:
    try:
        return ensure_image(client, tag)
    except Unavailable as exc:
        pytest.skip(f"no {tag} image can be built here: {exc}")


@pytest.fixture
def busybox(docker: Any) -> str:
    return _image(docker, BUSYBOX_TAG)


@pytest.fixture
def python_base(docker: Any) -> str:
    return _image(docker, PYTHON_TAG)
