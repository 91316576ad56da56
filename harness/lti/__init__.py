"""LTI 1.3 / LTI Advantage conformance: JOSE helpers, vocabulary, targets and checks.

Registers the target kinds ``lti-tool`` (the harness plays the Platform against a vendor's Tool)
and ``lti-platform`` (the harness plays the Tool against a vendor's Platform). Kinds open lazily
and check modules import only if present, so this package stays importable while sibling LTI
modules are still being written.
"""

from __future__ import annotations

import importlib
from typing import Any

from harness.core.targets import TargetKind, register_kind

TOOL_KIND = "lti-tool"
PLATFORM_KIND = "lti-platform"


def _open_tool(target: str, params: dict[str, Any]) -> Any:
    from harness.lti.target_tool import open_target

    return open_target(target, params)


def _open_platform(target: str, params: dict[str, Any]) -> Any:
    module = importlib.import_module("harness.lti.target_platform")
    return module.open_target(target, params)


register_kind(TargetKind(name=TOOL_KIND, open=_open_tool,
                         description="LTI 1.3 Tool (target YAML); the harness plays the Platform"))
register_kind(TargetKind(name=PLATFORM_KIND, open=_open_platform,
                         description="LTI 1.3 Platform (target YAML); the harness plays the Tool"))

_CHECK_MODULES = ("harness.lti.checks_tool", "harness.lti.checks_platform")
for _module in _CHECK_MODULES:
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as _exc:  # a sibling module not written yet; anything else is a bug
        if not (_exc.name or "").startswith("harness.lti."):
            raise
