"""OneRoster conformance, one sub-package per product under test.

``model/`` is the data model written once (file layouts, column types, vocabularies, references, the
REST binding and its query grammar); ``csv/`` tests a CSV bundle; ``rest_provider/`` a REST provider; ``rest_consumer/`` a REST consumer.
Importing the package registers the target kinds, the CSV analysis phases and all the checks.
"""

from renkei.harness.core.targets import TargetKind, register_kind
from renkei.harness.oneroster.csv import checks_base, checks_jp, checks_package  # noqa: F401  (register checks)
from renkei.harness.oneroster.csv.detect import detect
from renkei.harness.oneroster.csv.target import KIND, OneRosterCsvTarget
from renkei.harness.oneroster.rest_consumer import checks as consumer_checks  # noqa: F401  (register checks)
from renkei.harness.oneroster.rest_consumer.config import KIND as REST_CONSUMER_KIND
from renkei.harness.oneroster.rest_consumer.target import open_target as open_rest_consumer
from renkei.harness.oneroster.rest_provider import checks as rest_checks  # noqa: F401
from renkei.harness.oneroster.rest_provider import checks_errors as rest_checks_errors  # noqa: F401
from renkei.harness.oneroster.rest_provider import checks_gradebook as rest_checks_gradebook  # noqa: F401
from renkei.harness.oneroster.rest_provider import checks_jp as rest_checks_jp  # noqa: F401
from renkei.harness.oneroster.rest_provider import checks_openapi as rest_checks_openapi  # noqa: F401
from renkei.harness.oneroster.rest_provider import checks_paging as rest_checks_paging  # noqa: F401
from renkei.harness.oneroster.rest_provider.config import KIND as REST_PROVIDER_KIND
from renkei.harness.oneroster.rest_provider.target import open_target as open_rest_provider

register_kind(TargetKind(name=KIND, open=OneRosterCsvTarget, description="OneRoster CSV bundle (zip or folder)",
                         detect=detect, role="provider"))
register_kind(TargetKind(name=REST_PROVIDER_KIND, open=open_rest_provider, role="provider",
                         description="OneRoster 1.2 REST provider (target YAML); renkei is the consumer"))
register_kind(TargetKind(name=REST_CONSUMER_KIND, open=open_rest_consumer, role="consumer",
                         description="OneRoster 1.2 REST consumer (target YAML); renkei serves the provider"))
