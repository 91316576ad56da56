"""A private Docker daemon for the container tests, and the local images they run.

Why private: the tests must never touch a developer's own daemon, its containers or its images, and
must not need a registry. ``PrivateDaemon`` starts Debian's ``dockerd`` with its own data root,
exec root and socket under a temporary folder, with ``--bridge=none --iptables=false --ip-masq=false``
(containers use the host's network only), and stops it afterwards. Images are made locally:
``busybox_image`` imports a root filesystem extracted from the ``busybox-static`` package,
``python_image`` one built by ``mmdebstrap`` (Debian + python3); both tarballs are cached between runs
(``RENKEI_TEST_CACHE``, default ``~/.cache/renkei/test-images``).

Where something cannot be had (no dockerd and no way to install it, a daemon that does not start,
no mmdebstrap), ``Unavailable`` says why, and the fixtures skip with that reason.

Also a script, for a look by hand: ``python tests/docker_daemon.py`` starts a daemon, prints its
DOCKER_HOST and stops it on Enter.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BUSYBOX_TAG = "renkei-test/busybox:1"
PYTHON_TAG = "renkei-test/python3:bookworm"
BUSYBOX_APPLETS = ("sh", "httpd", "wget", "sed", "base64", "printf", "cat", "echo", "sleep", "date", "ls")
START_SECONDS = 40


class Unavailable(Exception):
    """Why the container tests cannot run here (the skip reason)."""


def cache_dir() -> Path:
    path = Path(os.environ.get("RENKEI_TEST_CACHE") or Path.home() / ".cache" / "renkei" / "test-images")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """One builder at a time per cached file (pytest-xdist workers build side by side)."""
    with open(cache_dir() / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _may_install() -> bool:
    return shutil.which("apt-get") is not None and (os.environ.get("CI") == "true" or os.geteuid() == 0)


def _apt_install(*packages: str) -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    done = subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=300)
        done = subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, capture_output=True,
                              text=True, timeout=600)
    if done.returncode != 0:
        raise Unavailable(f"apt-get install {' '.join(packages)} failed: {done.stderr.strip()[-200:]}")


def dockerd() -> str:
    """The dockerd executable; installs Debian's docker.io where that is allowed (CI, or root with apt)."""
    found = shutil.which("dockerd")
    if found is None and _may_install():
        with _locked("apt"):
            if shutil.which("dockerd") is None:
                _apt_install("docker.io")
        found = shutil.which("dockerd")
    if found is None:
        raise Unavailable("dockerd is not installed (Debian: apt-get install docker.io)")
    return found


class PrivateDaemon:
    """A dockerd of our own under ``root``; ``host`` is its ``unix://`` socket (for DOCKER_HOST)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.host = f"unix://{root / 'docker.sock'}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = root / "dockerd.log"

    def _args(self, storage_driver: str | None) -> list[str]:
        r = self.root
        args = [dockerd(), "--data-root", str(r / "data"), "--exec-root", str(r / "exec"),
                "--pidfile", str(r / "dockerd.pid"), "--host", self.host, "--bridge=none",
                "--iptables=false", "--ip6tables=false", "--ip-masq=false", "--userland-proxy=false"]
        return args + (["--storage-driver", storage_driver] if storage_driver else [])

    def start(self) -> PrivateDaemon:
        self.root.mkdir(parents=True, exist_ok=True)
        problems = []
        for driver in (None, "vfs"):  # overlay2 where the kernel allows it, else the slow but sure vfs
            try:
                self._start(driver)
                return self
            except Unavailable as exc:
                problems.append(str(exc))
                self.stop()
        raise Unavailable("; ".join(problems))

    def _start(self, driver: str | None) -> None:
        import docker

        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self._args(driver), stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Unavailable(f"dockerd{' (' + driver + ')' if driver else ''} exited with "
                                  f"{self.process.returncode}: {self._last_log_line()}")
            try:
                docker.DockerClient(base_url=self.host, timeout=10).ping()
                return
            except docker.errors.DockerException:
                time.sleep(0.2)
        raise Unavailable(f"dockerd did not answer within {START_SECONDS} s: {self._last_log_line()}")

    def _last_log_line(self) -> str:
        lines = [x for x in self.log.read_text("utf-8", "replace").splitlines() if "level=error" in x
                 or "level=fatal" in x] if self.log.exists() else []
        return lines[-1][-300:] if lines else "(no error in its log)"

    def client(self) -> Any:
        import docker

        return docker.DockerClient(base_url=self.host, timeout=120)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        # dockerd leaves its network namespace mounted under the exec root; unmounted, the folder can go
        netns = self.root / "exec" / "netns" / "default"
        if os.path.ismount(netns):
            subprocess.run(["umount", str(netns)], capture_output=True, timeout=30)
        shutil.rmtree(self.root / "data", ignore_errors=True)


def _import(client: Any, tarball: Path, tag: str) -> None:
    repository, _, version = tag.rpartition(":")
    client.api.import_image_from_file(str(tarball), repository=repository, tag=version)


def _tar_folder(folder: Path, out: Path) -> None:
    tmp = out.with_suffix(".part")
    with tarfile.open(tmp, "w") as tar:
        for path in sorted(folder.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    tmp.replace(out)


def busybox_tarball() -> Path:
    """A root filesystem of busybox-static (its .deb extracted) with the applets the tests use."""
    out = cache_dir() / "busybox-static-rootfs.tar"
    with _locked("busybox"):
        if out.exists():
            return out
        if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
            raise Unavailable("no apt-get/dpkg-deb to fetch busybox-static for a test image")
        with tempfile.TemporaryDirectory(prefix="renkei-busybox-") as tmp:
            done = subprocess.run(["apt-get", "download", "busybox-static"], cwd=tmp, capture_output=True,
                                  text=True, timeout=300)
            debs = list(Path(tmp).glob("busybox-static_*.deb"))
            if done.returncode != 0 or not debs:
                raise Unavailable(f"apt-get download busybox-static failed: {done.stderr.strip()[-200:]}")
            root = Path(tmp) / "root"
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(root)], check=True, timeout=120)
            for applet in BUSYBOX_APPLETS:
                (root / "bin" / applet).symlink_to("busybox")
            (root / "tmp").mkdir()
            _tar_folder(root, out)
    return out


def python_tarball() -> Path:
    """A Debian bookworm root filesystem with python3 (the interpreter renkei's wheel needs), by mmdebstrap."""
    out = cache_dir() / "debian-bookworm-python3.tar"
    with _locked("python"):
        if out.exists():
            return out
        if shutil.which("mmdebstrap") is None and _may_install():
            _apt_install("mmdebstrap")
        if shutil.which("mmdebstrap") is None:
            raise Unavailable("mmdebstrap is not installed, so no Python base image can be built")
        mirror = os.environ.get("RENKEI_DEBIAN_MIRROR", "http://deb.debian.org/debian")
        tmp = out.with_suffix(".part.tar")
        done = subprocess.run(["mmdebstrap", "--variant=essential", "--include=python3", "--format=tar",
                               # the host's mirror may be a snapshot whose Release file has expired
                               "--aptopt=Acquire::Check-Valid-Until \"false\"", "bookworm", str(tmp), mirror],
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise Unavailable(f"mmdebstrap could not build a Python root filesystem: {done.stderr.strip()[-200:]}")
        tmp.replace(out)
    return out


def ensure_image(client: Any, tag: str) -> str:
    """``tag`` present in the daemon (imported from the cached tarball, built first if needed)."""
    import docker

    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    _import(client, busybox_tarball() if tag == BUSYBOX_TAG else python_tarball(), tag)
    return tag


if __name__ == "__main__":
    daemon = PrivateDaemon(Path(tempfile.mkdtemp(prefix="renkei-dockerd-")))
    try:
        daemon.start()
        print(f"DOCKER_HOST={daemon.host}", flush=True)
        input("Enter stops it ")
    except Unavailable as exc:
        print(f"no daemon: {exc}")
    finally:
        daemon.stop()
