"""What a vendor's learning app sends: statement files or captured statements (profiles ``xapi-statements``,
``xapi-statements-japan``).

Importing the package registers the ``xapi-statements`` target kind and its checks, so the standard's
``__init__`` needs one import line for this product.
"""

from renkei.harness.core.targets import TargetKind, register_kind
from renkei.harness.xapi.statements import (  # noqa: F401  (importing a check module registers its checks)
    checks,
    checks_data,
    checks_ext,
    checks_jp,
    checks_patterns,
    checks_templates,
)
from renkei.harness.xapi.statements.config import KIND
from renkei.harness.xapi.statements.target import open_target

register_kind(TargetKind(name=KIND, open=open_target, role="lrp",
                         description="an app's xAPI statements (target YAML: a JSON/NDJSON file, or a capture by "
                                     "renkei's recording LRS)"))
