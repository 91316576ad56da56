"""The containers of one profile run: started just before the target opens, removed after the run.

Shared by ``renkei run`` (runner) and ``pytest --renkei-target`` (plugin), which both build a
``RunSession`` and need the same lifetime: ``before_open`` is the session's hook, ``close`` always
runs (``finally`` / pytest cleanup) and stores the logs beside the report.
"""

from __future__ import annotations

from pathlib import Path

from renkei.harness.core.secret_registry import SecretRegistry
from renkei.harness.launch.containers import Launched
from renkei.harness.launch.spec import Launch, read_launch


class ProductLaunch:
    def __init__(self, target: str) -> None:
        self.launch: Launch | None = read_launch(target)  # a bad section is a ConfigError before anything starts
        self.launched: Launched | None = None

    def before_open(self, registry: SecretRegistry) -> None:
        if self.launch is not None:
            launched = Launched(self.launch, registry)
            self.launched = launched  # kept before it starts: a failed start still leaves its logs
            launched.__enter__()

    def close(self, out_dir: Path | None) -> list[str]:
        """Stop and remove the containers (idempotent) and write their logs to ``out_dir``; returns
        the problems worth a line on the console (a container that could not be removed)."""
        if self.launched is None:
            return []
        self.launched.stop()
        problems = list(self.launched.cleanup_problems)
        if out_dir is not None and self.launched.logs:
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
                self.launched.write_logs(out_dir)
            except OSError as exc:
                problems.append(f"the container logs could not be written to {out_dir}: {exc.strerror or exc}")
        self.launched.logs.clear()
        return problems
