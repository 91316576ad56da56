"""Requirement texts as the running profile's own binding numbers them.

The checks word their requirements against the 1.2.1 CSV Binding (CSV121), the text renkei's rules
were written from. A profile of OneRoster 1.2 as first published (CSV12) or 1.1 cites its own
document instead, so a 1.1 bundle's findings never point a vendor at a 1.2.1 section:

- CSV12 numbers every table as CSV121 does except ``users.csv``, which the 1.2 document marks up as
  a top-level section (§4 instead of §3.22), so its "Extending" sections are §5 (CSV121 §4). Both
  checked against imsjapan/github.io @ 29e9967 ``csv-binding1p2/..._finalv1.html`` (reference §1.3).
- The 1.1 text itself was not consulted (its columns come from CSV121 "Changes Between OR 1.1 and
  1.2"), so 1.1 citations name the document and the table but no section number.
"""

from __future__ import annotations

import re

from renkei.harness.oneroster.model.columns import BINDING_OF

CSV121 = "OR 1.2.1 CSV"
LABELS = {"1.1": "OR 1.1 CSV", "1.2": "OR 1.2 CSV", "1.2.1": CSV121}
_SECTION = r"§[0-9]+(?:\.[0-9]+)*(?:/§[0-9]+(?:\.[0-9]+)*)*"
_CSV12_RENUMBERED = ((re.compile(r"§4\.1\.2\b"), "§5.1.2"), (re.compile(r"§3\.22\b"), "§4"))
_UNNUMBERED = (re.compile(rf",\s*{_SECTION}"), re.compile(rf"\s*{_SECTION}"), re.compile(r"\s*Table 3\.1\b"),
               re.compile(r"\s*Appendix A\b"))


def cite(requirement: str, variant: str) -> str:
    """``requirement`` (worded against CSV121) as the binding of ``variant`` cites it."""
    binding = BINDING_OF.get(variant, "1.2.1")
    if binding == "1.2.1" or CSV121 not in requirement:
        return requirement
    text = requirement.replace(CSV121, LABELS[binding])
    if binding == "1.2":
        for pattern, section in _CSV12_RENUMBERED:
            text = pattern.sub(section, text)
        return text
    head, sep, tail = text.partition(";")  # the OneRoster part; other documents' sections stay
    for pattern in _UNNUMBERED:
        head = pattern.sub("", head)
    head = re.sub(r"[,\s]+$", "", re.sub(r" {2,}", " ", head))
    return head + sep + tail
