"""What the chain tests that run a whole chain share: a small school year, target files, one run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from renkei.harness.core.model import RunResult
from renkei.harness.core.session import RunOptions, RunSession

# two classes per school, one learner each, one refusal: enough for every link, quick to run
SMALL: dict[str, Any] = {"scenario": {"classes_per_school": 2, "learners_per_class": 1, "refusals": 1},
                         "observation": {"xapi_wait_seconds": 20, "xapi_idle_seconds": 0.8}}


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def run_chain(target: Path) -> RunResult:
    """``renkei run --profile chain-japan`` on ``target``, every check, in this process."""
    session = RunSession.create(RunOptions(profile="chain-japan", target=str(target)))
    for check in session.checks:
        session.run_check(check)
    return session.finish()
