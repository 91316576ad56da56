"""Optional extras: a missing one is one line naming the exact ``pip install``, from one helper, in
every feature that needs one; the helper's table matches ``pyproject.toml``."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import types
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from renkei.harness.core import extras
from renkei.harness.core.errors import ConfigError, RenkeiError
from renkei.harness.core.extras import EXTRAS, MissingExtra, extra_available, install_command, require_extra

ROOT = Path(__file__).resolve().parents[3]


def test_every_extra_of_the_table_is_declared_in_pyproject_with_the_package_that_provides_its_module() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"]
    providers = packages_distributions()
    for name, extra in EXTRAS.items():
        assert name in declared, f"extra {name!r} is not in [project.optional-dependencies]"
        requirements = {r.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower()
                        for r in declared[name]}
        dists = {d.lower() for d in providers.get(extra.module, [])}
        assert dists, f"the dev venv should hold {extra.module} (pip install -e '.[dev]')"
        assert dists & requirements, f"extra {name!r} does not install {extra.module} ({dists} not in {requirements})"


def test_a_present_extra_is_imported_and_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("playwright")
    monkeypatch.setitem(sys.modules, "playwright", fake)
    assert require_extra("browser", "a test") is fake


def test_a_missing_extra_is_one_line_naming_the_exact_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # what an environment without it does on import
    assert not extra_available("openapi")
    with pytest.raises(MissingExtra) as err:
        require_extra("openapi", "the or.rest.openapi.* checks")
    assert str(err.value) == ("the or.rest.openapi.* checks needs schemathesis, which is not installed; "
                              "run: pip install 'renkei[openapi]'")
    assert err.value.extra == "openapi" and isinstance(err.value, ConfigError | RenkeiError)


def test_an_installed_but_broken_extra_says_which_module_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(name: str) -> types.ModuleType:
        raise ModuleNotFoundError("No module named 'greenlet'", name="greenlet")

    monkeypatch.setattr(extras.importlib, "import_module", broken)
    with pytest.raises(MissingExtra) as err:
        require_extra("browser", "browser.engine chromium")
    message = str(err.value)
    assert "\n" not in message and "module greenlet is missing" in message
    assert message.endswith("run: pip install --force-reinstall 'renkei[browser]'")


def test_install_command_knows_only_declared_extras() -> None:
    assert install_command("browser") == "pip install 'renkei[browser]'"
    with pytest.raises(KeyError, match="no extra 'nope'"):
        install_command("nope")


def test_renkei_run_without_the_browser_extra_exits_2_with_one_line(tmp_path: Path) -> None:
    """End to end: a target asking for Chromium, in a Python where Playwright cannot be imported."""
    target = tmp_path / "tool.yaml"
    target.write_text(
        "kind: lti-tool\n"
        "tool: {login_url: 'http://127.0.0.1:9/login', redirect_uris: ['http://127.0.0.1:9/launch'],\n"
        "       target_link_uri: 'http://127.0.0.1:9/launch', jwks_url: 'http://127.0.0.1:9/jwks',\n"
        "       client_id: c, deployment_ids: [d]}\n"
        "harness: {base_url: 'http://127.0.0.1:8'}\n"
        "browser: {engine: chromium}\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['playwright'] = None\n"
         "from renkei.harness.cli import main; main()", "run", "--profile", "lti13-tool", "--target", str(target),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"renkei: error: target {target}: browser.engine chromium needs Playwright for Python, which is not "
        "installed; run: pip install 'renkei[browser]'"]
    assert "Traceback" not in proc.stdout
