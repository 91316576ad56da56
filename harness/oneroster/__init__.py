"""OneRoster CSV conformance: package safety, CSV reading, rules and checks."""

from harness.core.targets import TargetKind, register_kind
from harness.oneroster.target import KIND, OneRosterCsvTarget

register_kind(TargetKind(name=KIND, open=OneRosterCsvTarget, description="OneRoster CSV bundle (zip or folder)"))
