"""Importing this module registers the ``xapi-lrs`` target kind and every ``xapi-lrs`` check.

``renkei.harness.xapi`` (the standard package ``load_standards`` imports) imports it; it is a module
of its own so that the standard's ``__init__`` needs one line for the LRS suite.
"""

from __future__ import annotations

from renkei.harness.core.targets import TargetKind, register_kind
from renkei.harness.xapi.lrs import (  # noqa: F401  (importing a check module registers its checks)
    checks_attachments,
    checks_data,
    checks_documents,
    checks_protocol,
    checks_statements,
)
from renkei.harness.xapi.lrs.config import KIND
from renkei.harness.xapi.lrs.target import open_target

register_kind(TargetKind(name=KIND, open=open_target,
                         description="xAPI LRS (target YAML); renkei is the Learning Record Provider"))
