"""OneRoster conformance, one sub-package per product under test.

``model/`` is the data model written once (file layouts, column types, vocabularies, references);
``csv/`` tests a CSV bundle. Importing the package registers the ``oneroster-csv`` target kind, its
analysis phases and all of its checks.
"""

from renkei.harness.core.targets import TargetKind, register_kind
from renkei.harness.oneroster.csv import checks_base, checks_jp, checks_package  # noqa: F401  (register checks)
from renkei.harness.oneroster.csv.detect import detect
from renkei.harness.oneroster.csv.target import KIND, OneRosterCsvTarget

register_kind(TargetKind(name=KIND, open=OneRosterCsvTarget, description="OneRoster CSV bundle (zip or folder)",
                         detect=detect))
