"""The chain: several products wired together, and checks on the links between them (profile ``chain-japan``).

校務支援 (roster source) → 学習eポータル (roster consumer, LTI Platform, and its LRS) → 学習アプリ (LTI Tool,
xAPI sender): renkei starts the mocks for the positions no vendor takes, drives one school year through
the chain (``scenario``) and judges whether the same learner stays the same learner from link to link.
Importing the package registers the ``chain`` target kind and every ``chain`` check.
"""

from __future__ import annotations

from renkei.harness.chain import (  # noqa: F401  (importing a check module registers its checks)
    checks_context,
    checks_identity,
    checks_lifecycle,
    checks_pii,
)
from renkei.harness.chain.config import KIND
from renkei.harness.chain.target import open_target
from renkei.harness.core.targets import TargetKind, register_kind

register_kind(TargetKind(name=KIND, open=open_target,
                         description="a chain of 校務支援 → 学習eポータル (+ LRS) → 学習アプリ (target YAML, kind: chain); "
                                     "renkei's mocks take the positions no vendor product takes"))
