"""LTI 1.3 / LTI Advantage conformance, one sub-package per product under test.

``protocol/`` holds what both sides share (JOSE, vocabulary, claims, remote JWKS, HTTP client and
browser, target-file plumbing); ``tool/`` tests a vendor's Tool (renkei plays the Platform);
``platform/`` tests a vendor's Platform (renkei plays the Tool). Importing the package registers
both target kinds, all their checks and the ``lti`` app launcher; opening a target is what starts servers and reads files.
"""

from __future__ import annotations

from renkei.harness.core.app_launch import register_app_launcher
from renkei.harness.core.targets import TargetKind, register_kind
from renkei.harness.lti.platform import (  # noqa: F401  (importing a check module registers its checks)
    checks,
    checks_ags,
    checks_dl,
    checks_jp,
    checks_services,
)
from renkei.harness.lti.platform.config import KIND as PLATFORM_KIND
from renkei.harness.lti.platform.target import open_target as open_platform
from renkei.harness.lti.tool import checks as tool_checks  # noqa: F401
from renkei.harness.lti.tool import checks_services as tool_checks_services  # noqa: F401
from renkei.harness.lti.tool.app_launch import launch_tool
from renkei.harness.lti.tool.config import KIND as TOOL_KIND
from renkei.harness.lti.tool.target import open_target as open_tool

register_kind(TargetKind(name=TOOL_KIND, open=open_tool, role="tool",
                         description="LTI 1.3 Tool (target YAML); the harness plays the Platform"))
register_kind(TargetKind(name=PLATFORM_KIND, open=open_platform, role="platform",
                         description="LTI 1.3 Platform (target YAML); the harness plays the Tool"))
register_app_launcher("lti", launch_tool)  # the xapi-statements capture launches an app this way
