"""Running a ``launch:`` section: start each container, wait until it is ready, keep its logs, and
always stop and remove it (also on Ctrl-C, SIGTERM and failure).

A container that exits before it is ready, never becomes ready, or whose image is missing is one
``LaunchError`` (exit 2) carrying its last log lines, never a hang: every wait has a deadline.
"""

from __future__ import annotations

import re
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

from renkei.harness.core.atomic import write_atomic
from renkei.harness.core.errors import TargetError
from renkei.harness.core.extras import require_extra
from renkei.harness.core.secret_registry import SecretRegistry
from renkei.harness.launch.spec import ContainerSpec, Launch, LaunchSection

LABEL = "renkei.launch"  # every container renkei starts carries it (the run's token as value)
POLL_SECONDS = 0.25
TAIL_LINES = 8
MAX_LOG_BYTES = 5_000_000


class LaunchError(TargetError):
    """The product could not be started or never became ready (one line, with its last log lines)."""


def docker_module(needed_for: str = "starting containers") -> Any:
    """The ``docker`` SDK, or a one-line ``MissingExtra`` naming the ``pip install`` to run."""
    return require_extra("docker", needed_for)


def docker_client(needed_for: str = "starting containers") -> Any:
    """A client of the daemon ``DOCKER_HOST`` names (the default socket otherwise), known to answer."""
    docker = docker_module(needed_for)
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except docker.errors.DockerException as exc:
        raise LaunchError(f"cannot reach the Docker daemon (set DOCKER_HOST): {short(exc)}") from None
    return client


def short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def tail(text: str, lines: int = TAIL_LINES) -> str:
    """The last non-empty lines of a log, on one line."""
    kept = [line.strip()[:200] for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(kept) if kept else "(no log output)"


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while containers are removed (main thread, POSIX), so a second Ctrl-C
    cannot leave one running; the signal is delivered right after."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


class Launched:
    """Context manager: the section's containers, running and ready, inside the ``with``.

    ``logs`` (container name -> text, scrubbed with ``registry``) is filled when they are removed;
    ``write_logs`` stores them beside the report.
    """

    def __init__(self, launch: Launch, registry: SecretRegistry, *, client: Any = None,
                 labels: dict[str, str] | None = None, user: str | None = None) -> None:
        self.launch = launch
        self.labels = labels or {}  # besides LABEL: what finds these containers again (renkei mocks down)
        self.user = user  # "uid:gid" to run as (files written to a mount belong to the caller), else the image's
        self.registry = registry
        self.client = client
        self.token = uuid.uuid4().hex[:12]
        self.logs: dict[str, str] = {}
        self.started: list[tuple[ContainerSpec, Any]] = []
        self.cleanup_problems: list[str] = []

    # -- starting --------------------------------------------------------------------------
    def __enter__(self) -> Launched:
        try:
            if self.client is None:
                self.client = docker_client()
            for i, spec in enumerate(self.launch.section.containers):
                self._start(i, spec)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def describe(self) -> list[dict[str, Any]]:
        """What the report may show: names, images and probes (never the environment)."""
        return [{"name": s.name, "image": s.image, "ready": s.probe()} for s, _ in self.started]

    def _start(self, index: int, spec: ContainerSpec) -> None:
        docker = docker_module()
        where = f"target {self.launch.path}: field launch.containers.{index}"
        env = spec.resolved_environment(where, self.registry)
        label = f"container {spec.name} ({spec.image})"
        if spec.port is not None and port_in_use(spec.port):
            raise LaunchError(f"{label}: port {spec.port} on 127.0.0.1 is already in use, so the product "
                              "could not listen there; stop what holds it or choose another port")
        self._image(spec, label)
        mounts = [docker.types.Mount(target=m.target, source=m.source, type="bind", read_only=m.read_only)
                  for m in spec.mounts]
        try:
            container = self.client.containers.create(
                spec.image, command=spec.command, entrypoint=spec.entrypoint, environment=env,
                name=f"renkei-{self.token}-{spec.name}",
                labels={**self.labels, LABEL: self.token, "renkei.container": spec.name},
                network_mode="host", mounts=mounts, init=True, detach=True, user=self.user)
        except docker.errors.DockerException as exc:
            raise LaunchError(f"{label} could not be created: {self._scrub(short(exc))}") from None
        self.started.append((spec, container))
        try:
            container.start()
        except docker.errors.DockerException as exc:
            raise LaunchError(f"{label} could not be started: {self._scrub(short(exc))}; last log lines: "
                              f"{tail(self._logs(container))}") from None
        self._wait_ready(spec, container, label)

    def _image(self, spec: ContainerSpec, label: str) -> None:
        docker = docker_module()
        try:
            self.client.images.get(spec.image)
            return
        except docker.errors.ImageNotFound:
            if spec.pull == "never":
                raise LaunchError(f"{label}: the image is not in the Docker daemon (pull: never); build or "
                                  "`docker pull` it first, or set pull: missing") from None
        except docker.errors.DockerException as exc:
            raise LaunchError(f"{label}: the image could not be inspected: {short(exc)}") from None
        try:
            self.client.images.pull(spec.image)
        except docker.errors.DockerException as exc:
            raise LaunchError(f"{label}: the image could not be pulled: {self._scrub(short(exc))}") from None

    def _wait_ready(self, spec: ContainerSpec, container: Any, label: str) -> None:
        docker = docker_module()
        deadline = time.monotonic() + spec.ready.timeout_seconds
        pattern = re.compile(spec.ready.log) if spec.ready.log is not None else None
        while True:
            try:
                container.reload()
            except docker.errors.DockerException as exc:
                raise LaunchError(f"{label} disappeared while renkei waited for it: {short(exc)}") from None
            if container.status in ("exited", "dead"):
                code = container.attrs.get("State", {}).get("ExitCode")
                raise LaunchError(f"{label} exited with code {code} before it was ready ({spec.probe()}); "
                                  f"last log lines: {tail(self._logs(container))}")
            if self._ready(spec, container, pattern):
                return
            if time.monotonic() >= deadline:
                raise LaunchError(f"{label} did not become ready within {spec.ready.timeout_seconds:g} s "
                                  f"({spec.probe()}); last log lines: {tail(self._logs(container))}")
            time.sleep(POLL_SECONDS)

    def _ready(self, spec: ContainerSpec, container: Any, pattern: re.Pattern[str] | None) -> bool:
        if pattern is not None:
            return any(pattern.search(line) for line in self._logs(container, scrub=False).splitlines())
        if spec.ready.http is not None:
            try:
                with httpx.Client(timeout=2, verify=False, trust_env=False) as http:
                    return http.get(spec.ready.http).status_code < 500
            except httpx.HTTPError:
                return False
        try:
            with socket.create_connection(("127.0.0.1", spec.port or 0), timeout=1):
                return True
        except OSError:
            return False

    # -- logs and stopping -----------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        return self.registry.scrub(text)

    def _logs(self, container: Any, *, scrub: bool = True) -> str:
        docker = docker_module()
        try:
            raw = container.logs(stdout=True, stderr=True)
        except docker.errors.DockerException as exc:
            return f"(the logs could not be read: {short(exc)})"
        text = raw[-MAX_LOG_BYTES:].decode("utf-8", "replace")
        return self._scrub(text) if scrub else text

    def stop(self) -> None:
        """Keep each container's logs, then stop and remove it, last started first. Never raises:
        what could not be removed is in ``cleanup_problems``."""
        if not self.started:
            return
        docker = docker_module()
        with signals_deferred():
            for spec, container in reversed(self.started):
                # already stopped, or stopping failed: removing with force still kills it
                with suppress(docker.errors.DockerException):
                    container.stop(timeout=int(self.launch.section.stop_timeout_seconds))
                self.logs[spec.name] = self._logs(container)  # after the stop: its last words included
                try:
                    container.remove(force=True)
                except docker.errors.NotFound:
                    pass
                except docker.errors.DockerException as exc:
                    self.cleanup_problems.append(f"container {container.name} could not be removed: {short(exc)}")
            self.started.clear()

    def write_logs(self, out_dir: Path) -> list[Path]:
        """``renkei-container-NAME.log`` per container, beside the report."""
        return [write_atomic(out_dir / f"renkei-container-{name}.log", text.encode("utf-8", "backslashreplace"))
                for name, text in self.logs.items()]

    def detach(self) -> list[tuple[ContainerSpec, Any, str]]:
        """Leave the started containers running (``renkei mocks up``): each with its log so far; the
        ``with`` block no longer stops them."""
        kept = [(spec, container, self._logs(container)) for spec, container in self.started]
        self.started.clear()
        return kept


def start_detached(client: Any, spec: ContainerSpec, labels: dict[str, str], *,
                   user: str | None = None) -> tuple[Any, str]:
    """One container that outlives the command: returned ready with its log so far, or removed
    again and a ``LaunchError`` (also on Ctrl-C while it starts)."""
    launch = Launch(section=LaunchSection(containers=[spec]), path="(command line)")
    with Launched(launch, SecretRegistry(), client=client, labels=labels, user=user) as launched:
        ((_, container, log),) = launched.detach()
    return container, log


def remove_labelled(client: Any, label: str, *, stop_timeout: int = 5) -> list[tuple[str, str]]:
    """Stop and remove every container (running or not) that carries ``label``: (name, log) of each.
    Signals wait until all are gone; one that cannot be removed is a ``LaunchError`` after the others
    were tried."""
    docker = docker_module()
    removed: list[tuple[str, str]] = []
    problems: list[str] = []
    with signals_deferred():
        try:
            found = client.containers.list(all=True, filters={"label": label})
        except docker.errors.DockerException as exc:
            raise LaunchError(f"the containers labelled {label} could not be listed: {short(exc)}") from None
        for container in found:
            with suppress(docker.errors.DockerException):
                container.stop(timeout=stop_timeout)
            try:
                log = container.logs(stdout=True, stderr=True)[-MAX_LOG_BYTES:].decode("utf-8", "replace")
            except docker.errors.DockerException as exc:
                log = f"(the logs could not be read: {short(exc)})"
            try:
                container.remove(force=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.DockerException as exc:
                problems.append(f"container {container.name} could not be removed: {short(exc)}")
                continue
            removed.append((container.name, log))
    if problems:
        done = f" (removed: {', '.join(n for n, _ in removed)})" if removed else ""
        raise LaunchError("; ".join(problems) + done)
    return removed
