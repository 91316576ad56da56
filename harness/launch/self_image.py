"""An image of the installed renkei on a base image the builder is given (``renkei mocks image``).

Why copy the installed files instead of ``pip install`` in the image: there is no registry and no
package index to rely on; the base image only needs a ``python3`` of the running interpreter's
version (the binary wheels of the dependencies are copied as installed). The build context holds
renkei's packages, a fresh ``.dist-info`` with its entry points (the harness finds its writers and
reference servers through them), every file of every distribution renkei requires (extras left
out), and a Dockerfile ``FROM`` the base. The build never pulls and runs without a network.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from renkei.harness import __version__
from renkei.harness.launch.containers import LABEL, LaunchError, docker_module, short, tail

DISTRIBUTION = "renkei"
PACKAGES = ("harness", "mocks", "reports", "profiles", "fixtures")  # renkei.<name>
# .py and pyproject.toml's package-data patterns (tests/harness/launch/test_self_image.py holds them equal)
SUFFIXES = frozenset({".py", ".yaml", ".csv", ".md", ".css", ".j2", ".json", ".txt"})
SITE = "opt/renkei/site"
BUILD_SECONDS = 900  # the daemon may take long to store a few hundred MB (the vfs driver copies them)
CHECK_SECONDS = 120  # python3 -c in a base or the new image


def _key(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _distribution(name: str) -> Distribution:
    try:
        return distribution(name)
    except PackageNotFoundError:
        raise LaunchError(f"the installed renkei needs {name}, which is not installed") from None


def required_distributions(name: str = DISTRIBUTION) -> list[Distribution]:
    """``name``'s dependencies, recursively (``name``'s own extras left out, a dependency's requested
    extras followed), each once; ``name`` itself is not included."""
    seen: dict[str, Distribution] = {}
    done: set[tuple[str, str]] = set()  # (distribution, extra) whose requirements were followed
    todo: list[tuple[str, str]] = [(name, "")]
    while todo:
        current, extra = todo.pop()
        if (_key(current), extra) in done:
            continue
        done.add((_key(current), extra))
        for text in _distribution(current).requires or []:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": extra}):
                continue
            if req.marker is None and extra:
                continue  # already followed for the distribution without extras
            key = _key(req.name)
            if key == _key(name):
                continue
            if key not in seen:
                seen[key] = _distribution(req.name)
            todo += [(req.name, "")] + [(req.name, e) for e in sorted(req.extras)]
    return [seen[k] for k in sorted(seen)]


def _dist_files(dist: Distribution) -> Iterator[tuple[Path, str]]:
    """(file, path inside the site folder) of a distribution's installed files (no bytecode, nothing
    outside its site-packages such as console scripts)."""
    root = Path(str(dist.locate_file(""))).resolve()
    for entry in dist.files or []:
        path = Path(str(dist.locate_file(entry))).resolve()
        if path.suffix == ".pyc" or not path.is_file():
            continue
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        yield path, rel.as_posix()


def _renkei_files() -> Iterator[tuple[Path, str]]:
    """renkei's own modules and data, from wherever they are imported (a wheel or an editable
    checkout): what the wheel would hold, nothing else a checkout may have lying there."""
    for name in PACKAGES:
        spec = importlib.util.find_spec(f"renkei.{name}")
        if spec is None or not spec.submodule_search_locations:
            raise LaunchError(f"renkei.{name} is not importable, so no image of renkei can be built")
        folder = Path(list(spec.submodule_search_locations)[0])
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in SUFFIXES:
                yield path, f"renkei/{name}/{path.relative_to(folder).as_posix()}"


def _metadata() -> dict[str, bytes]:
    """A minimal ``.dist-info`` of renkei: its name, version and entry points."""
    try:
        dist = distribution(DISTRIBUTION)
    except PackageNotFoundError:
        raise LaunchError("renkei is not installed as a distribution (pip install renkei, or pip install -e . "
                          "in a checkout), so its entry points cannot go into an image") from None
    info = f"renkei-{__version__}.dist-info"
    return {f"{info}/METADATA": f"Metadata-Version: 2.1\nName: renkei\nVersion: {__version__}\n".encode(),
            f"{info}/entry_points.txt": (dist.read_text("entry_points.txt") or "").encode()}


def dockerfile(base: str, entrypoint: list[str]) -> str:
    return "\n".join([
        f"FROM {base}",
        f"COPY site /{SITE}",
        f"ENV PYTHONPATH=/{SITE} PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1",
        f'LABEL renkei.version="{__version__}"',
        f"ENTRYPOINT {json.dumps(entrypoint)}",
        "",
    ])


def write_context(out: Any, base: str, entrypoint: list[str]) -> int:
    """The build context as a tar into the binary file ``out``; returns the number of files."""
    count = 0
    with tarfile.open(fileobj=out, mode="w") as tar:
        def add_bytes(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))

        add_bytes("Dockerfile", dockerfile(base, entrypoint).encode())
        for name, data in _metadata().items():
            add_bytes(f"site/{name}", data)
        sources = list(_renkei_files())
        for dist in required_distributions():
            sources += list(_dist_files(dist))
        for path, rel in sources:
            tar.add(path, arcname=f"site/{rel}", recursive=False)
            count += 1
    return count


def _run_once(client: Any, image: str, code: str, what: str) -> tuple[int | None, str]:
    """Run ``python3 -c code`` in ``image`` without a network; (exit code, output). The container is
    always removed."""
    docker = docker_module("renkei mocks image")
    import requests  # the SDK's transport: a wait that times out raises its errors

    container = None
    try:
        container = client.containers.create(image, ["-c", code], entrypoint=["python3"], network_mode="none",
                                             labels={LABEL: "image-check"})
        container.start()
        status = container.wait(timeout=CHECK_SECONDS).get("StatusCode")
        return status, container.logs(stdout=True, stderr=True).decode("utf-8", "replace")
    except docker.errors.DockerException as exc:
        raise LaunchError(f"{what} could not be run: {short(exc)}") from None
    except requests.RequestException:
        raise LaunchError(f"{what}: python3 did not finish within {CHECK_SECONDS} s") from None
    finally:
        if container is not None:
            with suppress(docker.errors.DockerException):
                container.remove(force=True)


def base_python(client: Any, base: str) -> tuple[int, int]:
    """The (major, minor) of ``python3`` in ``base``: the copied binary wheels need the same."""
    docker = docker_module("renkei mocks image")
    try:
        client.images.get(base)
    except docker.errors.ImageNotFound:
        raise LaunchError(f"the base image {base} is not in the Docker daemon (nothing is pulled); build or load "
                          f"one with python3 {sys.version_info.major}.{sys.version_info.minor} and pass it "
                          "with --base") from None
    except docker.errors.DockerException as exc:
        raise LaunchError(f"the base image {base} could not be inspected: {short(exc)}") from None
    code, out = _run_once(client, base, "import sys; print(*sys.version_info[:2])",
                          f"the base image {base} (it needs python3)")
    found = out.split()
    if code != 0 or len(found) != 2 or not all(x.isdigit() for x in found):
        raise LaunchError(f"the base image {base} has no working python3: {tail(out)}")
    major, minor = (int(x) for x in found)
    return major, minor


def build_image(client: Any, base: str, tag: str, entrypoint: list[str], smoke: str) -> str:
    """Build ``tag`` from ``base`` with the installed renkei and prove it by running ``smoke``
    (Python code) in it; returns the image id. An image that fails its smoke test is removed."""
    docker = docker_module("renkei mocks image")
    import requests

    found, running = base_python(client, base), sys.version_info[:2]
    if found != running:
        raise LaunchError(f"the base image {base} has python3 {found[0]}.{found[1]}, but this renkei runs on "
                          f"{running[0]}.{running[1]} and its compiled dependencies need the same version")
    with tempfile.TemporaryFile() as context:
        write_context(context, base, entrypoint)
        context.seek(0)
        try:
            image, _ = client.images.build(fileobj=context, custom_context=True, tag=tag, pull=False, rm=True,
                                           forcerm=True, network_mode="none", timeout=BUILD_SECONDS)
        except docker.errors.BuildError as exc:
            lines = "\n".join(str(x.get("stream") or x.get("error") or "") for x in exc.build_log)
            raise LaunchError(f"the image {tag} could not be built: {short(exc)}; last lines: {tail(lines)}") from None
        except docker.errors.DockerException as exc:
            raise LaunchError(f"the image {tag} could not be built: {short(exc)}") from None
        except requests.RequestException as exc:
            raise LaunchError(f"the image {tag} could not be built (the daemon stopped answering within "
                              f"{BUILD_SECONDS} s): {short(exc)}") from None
    code, out = _run_once(client, tag, smoke, f"the new image {tag}")
    if code != 0:
        with suppress(docker.errors.DockerException):
            client.images.remove(tag, force=True)
        raise LaunchError(f"the image {tag} was built but renkei does not run in it (is {base} a glibc Linux of "
                          f"this machine's architecture?), so it was removed: {tail(out, 3)}")
    return str(image.id)
