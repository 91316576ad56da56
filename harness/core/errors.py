"""renkei's one exception hierarchy.

Every error a user can cause is a ``RenkeiError`` carrying a one-line, actionable message; the
CLI prints it and exits 2. Anything else escaping is a renkei bug.
"""

from __future__ import annotations


class RenkeiError(Exception):
    """Base class; ``str(err)`` is the one-line message shown to the user."""


class UsageError(RenkeiError):
    """Bad command-line arguments or options."""


class ConfigError(RenkeiError):
    """A profile, target file or expected-failures file is malformed (names the file and field)."""


class TargetError(RenkeiError):
    """The target as a whole cannot be used (missing path, unreachable base URL)."""


class RegistryError(RenkeiError):
    """A check id is unknown or registered twice."""
