"""OneRoster CSV conformance: package safety, CSV reading, rules and checks.

Importing this package registers the ``oneroster-csv`` target kind, its analysis phases and
all of its checks.
"""

from renkei.harness.core.targets import TargetKind, register_kind
from renkei.harness.oneroster import checks_base, checks_jp, checks_package  # noqa: F401  (register checks)
from renkei.harness.oneroster.target import KIND, OneRosterCsvTarget

register_kind(TargetKind(name=KIND, open=OneRosterCsvTarget, description="OneRoster CSV bundle (zip or folder)"))
