"""A vendor's LRS under test: renkei is the Learning Record Provider (profiles ``xapi-lrs``, ``xapi2-lrs``).

Importing the package registers the ``xapi-lrs`` target kind and every ``xapi-lrs`` check.
"""

from __future__ import annotations

from renkei.harness.core.targets import TargetKind, register_kind
from renkei.harness.xapi.lrs import (  # noqa: F401  (importing a check module registers its checks)
    checks_alternate,
    checks_attachments,
    checks_content_type,
    checks_data,
    checks_documents,
    checks_protocol,
    checks_signatures,
    checks_statements,
)
from renkei.harness.xapi.lrs.config import KIND
from renkei.harness.xapi.lrs.target import open_target

register_kind(TargetKind(name=KIND, open=open_target, role="lrs",
                         description="xAPI LRS (target YAML); renkei is the Learning Record Provider"))
