"""Ways to launch a vendor's app for another standard's profile, registered by the standard that owns them.

A capture of xAPI statements needs the app to run as a known learner; the natural way in Japan is an
LTI launch from the 学習eポータル. The LTI package knows how to launch a Tool (renkei plays the Platform),
the xAPI package knows what to do with the statements; neither may import the other, so the LTI
package registers its launcher here by name and the capture looks it up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from renkei.harness.core.errors import ConfigError


@dataclass(frozen=True)
class AppLaunchRequest:
    """One launch: the launcher's own target file, the role to launch as, and claims to add (already filled)."""

    target_file: str
    role: str = "learner"
    custom: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 60.0


@dataclass(frozen=True)
class LaunchedUser:
    """Who the app was launched as: the id it must report (LTI ``sub``) and the issuer (the e-portal)."""

    sub: str
    issuer: str
    what: str  # one line of evidence: what was launched, as whom


# name -> launch; a launch raises PeerUnavailable (the app could not be launched) or ConfigError/TargetError
AppLauncher = Callable[[AppLaunchRequest], LaunchedUser]
_LAUNCHERS: dict[str, AppLauncher] = {}


def register_app_launcher(name: str, launcher: AppLauncher) -> None:
    _LAUNCHERS[name] = launcher


def launch_app(name: str, request: AppLaunchRequest) -> LaunchedUser:
    launcher = _LAUNCHERS.get(name)
    if launcher is None:
        raise ConfigError(f"launch mode {name!r} is not available (known: {', '.join(sorted(_LAUNCHERS)) or 'none'})")
    return launcher(request)


def known() -> list[str]:
    return sorted(_LAUNCHERS)
