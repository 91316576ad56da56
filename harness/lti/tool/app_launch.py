"""The ``lti`` app launcher: renkei's Platform side launches a vendor's Tool once, as one generated user.

Registered in ``renkei.harness.core.app_launch`` for other profiles (the ``xapi-statements`` capture):
it opens the ``lti-tool`` target file the vendor already has for ``lti13-tool`` (registration, keys,
``harness.listen``), serves renkei's Platform side for the launch, runs one valid resource-link launch
and closes everything again. The launch must be accepted: a Tool that refuses it cannot be asked to
report anything, so that is ``PeerUnavailable`` (the capture's checks are not evaluated), never a finding.
"""

from __future__ import annotations

from renkei.harness.core.app_launch import AppLaunchRequest, LaunchedUser
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.tool.launches import ACCEPTED, LaunchSpec
from renkei.harness.lti.tool.payloads import INSTRUCTOR, STUDENT
from renkei.harness.lti.tool.target import open_target

ROLES = {"learner": STUDENT, "instructor": INSTRUCTOR}


def launch_tool(request: AppLaunchRequest) -> LaunchedUser:
    role = ROLES.get(request.role)
    if role is None:
        raise ConfigError(f"launch.role {request.role!r}: expected one of {', '.join(ROLES)}")
    # the Japanese standard model's UUID v4 sub: the id a roster, the LTI launch and xAPI share
    target = open_target(request.target_file, {"sub_format": "uuid4"})
    try:
        extra = {vocab.CLAIM_CUSTOM: dict(request.custom)} if request.custom else {}
        result = target.launcher.run(LaunchSpec(role=role, extra_claims=extra), target.params)
        if result.outcome != ACCEPTED or not result.claims:
            raise PeerUnavailable(f"the LTI launch of the app ({request.target_file}) was not accepted: "
                                  f"{result.outcome} at {result.stage}: {result.en}")
        sub, issuer = str(result.claims.get("sub", "")), str(result.claims.get("iss", ""))
        return LaunchedUser(sub=sub, issuer=issuer,
                            what=f"LTI launch of {target.config.tool.target_link_uri} as a {request.role} "
                                 f"(sub {sub}) accepted")
    finally:
        target.close()
