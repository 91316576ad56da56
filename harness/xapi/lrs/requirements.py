"""The ADL requirement ids (``XAPI-nnnnn``) the ``xapi-lrs`` checks may cite, each with what it says.

Only ids whose meaning was confirmed from the ADL LRS conformance suite's own test titles (or the
project's xAPI reference digest) are listed; a check or corpus row whose rule has no confirmed id
cites its spec section alone. ``tests/harness/xapi/lrs`` holds every cited id to this table.
"""

from __future__ import annotations

CONFIRMED: dict[str, str] = {
    "XAPI-00001": "400 for a property set to null, except inside extensions (Data 2.2)",
    "XAPI-00002": "32-bit floating point numbers kept with IEEE 754 precision (Data 2.2)",
    "XAPI-00003": "a statement contains an actor (Data 2.2)",
    "XAPI-00004": "a statement contains a verb (Data 2.2)",
    "XAPI-00005": "a statement contains an object (Data 2.2)",
    "XAPI-00006": "400 for a wrong data type (Data 2.2)",
    "XAPI-00007": "400 for a value not in its format (mailto IRI, UUID, IRI; the empty string too) (Data 2.2)",
    "XAPI-00008": "400 for a key in the wrong case (Data 2.2)",
    "XAPI-00009": "400 for an enumerated value in the wrong case (Data 2.2)",
    "XAPI-00011": "400 for an IRI or IRL without a scheme (Data 2.2)",
    "XAPI-00012": "400 for parameter values not valid as the same type in statements (Data 2.2)",
    "XAPI-00013": "400 for language map keys that are not RFC 5646 (Data 2.2, 2.4.6)",
    "XAPI-00022": "timestamp is a Timestamp (Data 2.4.7)",
    "XAPI-00023": "stored is a Timestamp (Data 2.4.8)",
    "XAPI-00026": "the LRS generates the statement id when none is given (Data 2.4.1)",
    "XAPI-00044": "verb has an id, which is an IRI (Data 2.4.3)",
    "XAPI-00045": "verb display is a language map (Data 2.4.3)",
    "XAPI-00074": "result success is a Boolean (Data 2.4.5)",
    "XAPI-00075": "result completion is a Boolean (Data 2.4.5)",
    "XAPI-00077": "result duration is ISO 8601 (Data 2.4.5)",
    "XAPI-00081": "score min is less than max (Data 2.4.5.1)",
    "XAPI-00082": "score raw is between min and max (Data 2.4.5.1)",
    "XAPI-00083": "score scaled is between -1 and 1 (Data 2.4.5.1)",
    "XAPI-00096": "contextActivities values are returned as arrays (Data 2.4.6.2)",
    "XAPI-00101": "400 for a statement version other than 1.0 / 1.0.x (Data 2.4.10, Communication 3.3)",
    "XAPI-00139": "Statement Resource (Communication 2.1)",
    "XAPI-00144": "PUT statements without statementId is rejected (Communication 2.1.1)",
    "XAPI-00145": "PUT statements without statementId is rejected (Communication 2.1.1)",
    "XAPI-00148": "a POST containing a GET (Alternate Request Syntax) is answered 200 with a StatementResult "
    "(Communication 1.3, 2.1.2)",
    "XAPI-00317": "About lists the version 2.0.0 (9274.1.1 4.1.6.7)",
    "XAPI-00332": "statements keep the version they were accepted with (Data 2.4.10)",
    "XAPI-00334": "401 for missing or refused credentials (Communication 4.0)",
    "XAPI-00335": "HTTP Basic authentication is supported (Communication 4.0)",
    "XAPI-00336": "the LRS supports the Alternate Request Syntax (Communication 1.3)",
}
