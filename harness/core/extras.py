"""Optional extras (``pip install 'renkei[NAME]'``): what each provides, and the one way to ask for one.

renkei's base install stays small; a feature that needs a heavy package (a browser driver, an
OpenAPI fuzzer) imports it only when used. When it is missing, the user must read one line naming
the exact command to run, never an ``ImportError`` traceback, and every feature must say it the
same way: hence one table and one ``require_extra``. ``tests/harness/core/test_extras.py`` holds the
table to ``pyproject.toml``'s ``[project.optional-dependencies]``.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType

from renkei.harness.core.errors import ConfigError


@dataclass(frozen=True)
class Extra:
    module: str  # the import name the feature needs
    package: str  # what a reader calls it


EXTRAS: dict[str, Extra] = {
    "browser": Extra(module="playwright", package="Playwright for Python"),
    "openapi": Extra(module="schemathesis", package="schemathesis"),
    "docker": Extra(module="docker", package="the Docker SDK for Python"),
}


class MissingExtra(ConfigError):
    """An optional extra a feature needs is not installed (the CLI prints it as one line, exit 2)."""

    def __init__(self, message: str, extra: str) -> None:
        super().__init__(message)
        self.extra = extra


def install_command(extra: str) -> str:
    """The exact command that installs ``extra`` (beside the renkei already installed)."""
    if extra not in EXTRAS:
        raise KeyError(f"renkei has no extra {extra!r} (known: {', '.join(sorted(EXTRAS))})")
    return f"pip install 'renkei[{extra}]'"


def extra_available(extra: str) -> bool:
    """True if the extra's module can be found (without importing it: cheap enough for a skip marker)."""
    module = EXTRAS[extra].module
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a half-imported module
        return False


def require_extra(extra: str, needed_for: str) -> ModuleType:
    """Import the extra's module, or raise ``MissingExtra``: "<needed_for> needs <package>, which is
    not installed; run: pip install 'renkei[<extra>]'". An installed but broken package (one of its
    own dependencies missing) says so and how to repair it, in one line too."""
    spec = EXTRAS[extra]
    command = install_command(extra)
    try:
        return importlib.import_module(spec.module)
    except ImportError as exc:
        missing = exc.name or ""
        if missing == spec.module or spec.module.startswith(missing + ".") or not missing:
            raise MissingExtra(f"{needed_for} needs {spec.package}, which is not installed; run: {command}",
                               extra) from None
        repair = command.replace("pip install", "pip install --force-reinstall", 1)
        raise MissingExtra(f"{needed_for} needs {spec.package}, which is installed but cannot be imported "
                           f"(module {missing} is missing); run: {repair}", extra) from None
