"""The mock ecosystem in a container: ``renkei mocks image``, ``mocks up --docker`` and ``mocks down``.

Why: a vendor's own integration tests (and CI jobs) need the mock 校務支援システム, 学習eポータル, its
LRS and 学習アプリ running beside their product without a Python setup of renkei's. The image is the
installed renkei on a base the builder gives (``self_image``); ``up`` starts one container that runs
``python3 -m renkei.mocks`` on the host's network (its servers listen on 127.0.0.1 only), waits
until it printed its URLs, and hands back what a vendor registers; the container keeps running
after the command and carries ``LABEL`` so that ``down`` removes exactly renkei's mocks and nothing
else. The harness starts the mocks by module name and never imports them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from renkei.harness import __version__
from renkei.harness.core.errors import UsageError
from renkei.harness.launch.containers import (
    LaunchError,
    docker_module,
    port_in_use,
    remove_labelled,
    short,
    start_detached,
    tail,
)
from renkei.harness.launch.self_image import build_image
from renkei.harness.launch.spec import ContainerSpec, Mount, Ready

LABEL = "renkei.mocks"  # value: the renkei version that started the container
ENTRYPOINT = ["python3", "-m", "renkei.mocks"]
# What the image must import to serve: the whole ecosystem and the CLI (so the compiled wheels load).
SMOKE = "import renkei.mocks.__main__, renkei.mocks.runner, renkei.harness.cli"
READY_LINE = "Ctrl-C to stop"  # python -m renkei.mocks prints it, flushed, once every server listens
READY_PATTERN = "^" + READY_LINE  # as a regular expression (nothing in it needs escaping)
CONTAINER_WORKDIR = "/renkei/work"
CONTAINER_BUNDLE_DIR = "/renkei/bundle"
DEFAULT_PORTS = {"eportal": 8401, "app": 8402, "school_affairs": 8403, "lrs": 8404}
MAX_LINES = 40  # of registration data relayed from the container's log


def default_tag() -> str:
    """``renkei-mocks:<version>``, the version made a valid tag (``+local`` parts become ``-``)."""
    return "renkei-mocks:" + (re.sub(r"[^A-Za-z0-9_.-]", "-", __version__)[:128] or "latest")


def flag(name: str) -> str:
    return "--" + name.replace("_", "-") + "-port"


@dataclass
class Up:
    """A started ecosystem: its container, and the lines a vendor needs (URLs, client ids, keys)."""

    name: str
    image: str
    lines: list[str]


def build(client: Any, base: str, tag: str) -> str:
    """The mocks image ``tag`` from ``base``; its id."""
    return build_image(client, base, tag, ENTRYPOINT, SMOKE)


def check_ports(ports: dict[str, int]) -> None:
    """Every fixed port distinct and free on 127.0.0.1 (0 lets the mocks pick one)."""
    fixed = [(name, port) for name, port in ports.items() if port]
    seen: dict[int, str] = {}
    for name, port in fixed:
        if port in seen:
            raise UsageError(f"{flag(seen[port])} and {flag(name)} are both {port}; each mock needs its own port")
        seen[port] = name
    for name, port in fixed:
        if port_in_use(port):
            raise LaunchError(f"port {port} on 127.0.0.1 ({flag(name)}) is already in use; stop what holds it "
                              f"or choose another port ({flag(name)} 0 picks a free one)")


def _existing(client: Any) -> None:
    """No second ecosystem beside a running one, and no stopped one left unseen."""
    docker = docker_module("renkei mocks up")
    try:
        found = client.containers.list(all=True, filters={"label": LABEL})
    except docker.errors.DockerException as exc:
        raise LaunchError(f"the Docker daemon could not list containers: {short(exc)}") from None
    for container in found:
        if container.status in ("running", "restarting", "paused"):
            raise UsageError(f"the mocks already run in container {container.name}: `renkei mocks down` stops them")
        code = container.attrs.get("State", {}).get("ExitCode")
        try:
            log = container.logs(stdout=True, stderr=True)[-20_000:].decode("utf-8", "replace")
        except docker.errors.DockerException as exc:
            log = f"(the logs could not be read: {short(exc)})"
        raise LaunchError(f"the mocks' container {container.name} stopped (exit code {code}) and is still there; "
                          f"`renkei mocks down` removes it; its last log lines: {tail(log)}")


def preflight(client: Any, ports: dict[str, int]) -> None:
    """What ``up`` refuses, said before anything is built or started: a running or stopped ecosystem
    container, a port given twice or taken."""
    _existing(client)
    check_ports(ports)


def _image(client: Any, tag: str) -> None:
    docker = docker_module("renkei mocks up")
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        raise LaunchError(f"the image {tag} is not in the Docker daemon: build it with `renkei mocks image --base "
                          "IMAGE` (or give mocks up --base IMAGE)") from None
    except docker.errors.DockerException as exc:
        raise LaunchError(f"the image {tag} could not be inspected: {short(exc)}") from None


def _user() -> str | None:
    """The caller's uid:gid, so files the mocks write to a mounted --workdir are the caller's."""
    return f"{os.getuid()}:{os.getgid()}" if hasattr(os, "getuid") else None


def up(client: Any, *, tag: str, ports: dict[str, int], bundle: Path | None = None,
       workdir: Path | None = None, timeout: float = 120) -> Up:
    """Start the ecosystem in a container on the host's network and wait until it serves (at most
    ``timeout`` seconds); a container that exits or never gets ready is removed again."""
    preflight(client, ports)
    _image(client, tag)
    command: list[str] = []
    for name, port in ports.items():
        command += [flag(name), str(port)]
    mounts: list[Mount] = []
    paths: dict[str, str] = {}  # inside the container -> on the host, for the printed lines
    if bundle is not None:
        bundle = bundle.resolve()
        if not bundle.is_file():
            raise UsageError(f"--bundle {bundle}: no such file")
        inside = f"{CONTAINER_BUNDLE_DIR}/{bundle.name}"
        mounts.append(Mount(source=str(bundle), target=inside, read_only=True))
        command += ["--bundle", inside]
        paths[inside] = str(bundle)
    if workdir is not None:
        workdir = workdir.resolve()
        try:
            workdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--workdir {workdir}: cannot create it ({exc.strerror or exc})") from None
        mounts.append(Mount(source=str(workdir), target=CONTAINER_WORKDIR, read_only=False))
        command += ["--workdir", CONTAINER_WORKDIR]
        paths[CONTAINER_WORKDIR] = str(workdir)
    spec = ContainerSpec(name="mocks", image=tag, command=command, mounts=mounts,
                         ready=Ready(log=READY_PATTERN, timeout_seconds=timeout))
    container, log = start_detached(client, spec, {LABEL: __version__}, user=_user())
    return Up(name=container.name, image=tag, lines=registration_lines(log, paths))


def registration_lines(log: str, paths: dict[str, str]) -> list[str]:
    """What the mocks printed before they were ready (URLs, client ids, keys), with paths inside the
    container turned into the host's (a roster nobody mounted is said to stay inside)."""
    lines: list[str] = []
    for line in log.splitlines():
        if line.startswith(READY_LINE):
            break
        if not line.strip():
            continue
        for inside, host in paths.items():
            line = line.replace(inside, host)
        if line.startswith("roster:") and not any(host in line for host in paths.values()):
            line += "  (inside the container; the CSV export below serves it, --workdir keeps it)"
        lines.append(line)
    return lines[-MAX_LINES:]


def down(client: Any) -> list[tuple[str, str]]:
    """Stop and remove every container labelled as renkei's mocks: (name, log) of each."""
    return remove_labelled(client, LABEL)
