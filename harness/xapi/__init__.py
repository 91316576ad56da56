"""xAPI conformance, one sub-package per product under test.

``model/`` is the xAPI data model written once (statement rules for 1.0.3 and 2.0, IFIs, statement
comparison, multipart bodies, xAPI Profiles templates and their JSONPath rules); ``lrs/`` tests a
vendor's LRS (renkei is the Learning Record Provider); ``statements/`` tests what a vendor's learning
app sends (a file, or statements captured by renkei's recording LRS). Importing the package registers
the target kinds and all the checks.
"""

import renkei.harness.xapi.lrs  # noqa: F401  (registers the xapi-lrs kind and its checks)
from renkei.harness.xapi import statements  # noqa: F401  (registers the xapi-statements kind and its checks)
