"""LTI 1.3 / LTI Advantage conformance: JOSE helpers, vocabulary, targets and checks.

Registers the target kinds ``lti-tool`` (the harness plays the Platform against a vendor's Tool)
and ``lti-platform`` (the harness plays the Tool against a vendor's Platform), and their checks.
Targets open lazily: importing the package starts no server and reads no file.
"""

from __future__ import annotations

from typing import Any

from renkei.harness.core.targets import TargetKind, register_kind
from renkei.harness.lti import checks_platform, checks_tool  # noqa: F401  (register the checks)

TOOL_KIND = "lti-tool"
PLATFORM_KIND = "lti-platform"


def _open_tool(target: str, params: dict[str, Any]) -> Any:
    from renkei.harness.lti.target_tool import open_target

    return open_target(target, params)


def _open_platform(target: str, params: dict[str, Any]) -> Any:
    from renkei.harness.lti.target_platform import open_target

    return open_target(target, params)


register_kind(TargetKind(name=TOOL_KIND, open=_open_tool,
                         description="LTI 1.3 Tool (target YAML); the harness plays the Platform"))
register_kind(TargetKind(name=PLATFORM_KIND, open=_open_platform,
                         description="LTI 1.3 Platform (target YAML); the harness plays the Tool"))
