"""Japanese code systems used in OneRoster Japan Profile data.

学校コード (MEXT, 13 characters) with its check digit, 教育委員会 (district) codes, grade codes
and subject codes. Both the validator and the roster generator use these, so a generated code
is valid by construction of the same rule that checks it.
Source: reference/oneroster.md §2.3 (MEXT 学校コード PDF 20210128-mxt_chousa01-000011635_01;
DA-K/DA-R regexes; MEIBO factory check-digit algorithm).
"""

from __future__ import annotations

import re

# 学校種 letters used in the 学校コード (A..H -> 01..08 in the check-digit computation).
SCHOOL_KIND_LETTERS = "ABCDEFGH"
SCHOOL_CODE_RE = re.compile(r"^[A-H][12][0-4][0-9][123][0-9]{7}[0-9]$")
DISTRICT_CODE_RE = re.compile(r"^[0-4][0-9]{5}$")

GRADES_ELEMENTARY = tuple(f"P{i}" for i in range(1, 7))
GRADES_JUNIOR = tuple(f"J{i}" for i in range(1, 4))
GRADES_HIGH = tuple(f"H{i}" for i in range(1, 4))
GRADES_E = tuple(f"E{i}" for i in range(1, 4))  # accepted by MEIBO/DA-R; meaning unverified

# Subject codes: DA-K's "APPLIC" list is P010..P100 (elementary) and J010..J090 (junior high); the
# generator's own list is in mocks/school_affairs/layout.py. DA-R checks this pattern.
SUBJECT_CODE_RE = re.compile(r"^[PJ][01][0-9]0$")


def school_code_check_digit(first12: str) -> int:
    """Check digit of a 学校コード given its first 12 characters.

    The letter maps to two digits (A=01 … H=08), giving 13 digits; weights alternate 1,2,1,2…
    from the left; the digit sums of the products are added; cd = (10 - sum % 10) % 10.
    """
    if len(first12) != 12 or first12[0] not in SCHOOL_KIND_LETTERS or not first12[1:].isdigit():
        raise ValueError(f"not the first 12 characters of a 学校コード: {first12!r}")
    digits = f"{SCHOOL_KIND_LETTERS.index(first12[0]) + 1:02d}" + first12[1:]
    total = 0
    for i, ch in enumerate(digits):
        product = int(ch) * (1 if i % 2 == 0 else 2)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def is_valid_school_code(code: str) -> bool:
    return bool(SCHOOL_CODE_RE.match(code)) and school_code_check_digit(code[:12]) == int(code[12])


def make_school_code(kind: str, prefecture: int, establishment: int, serial: int) -> str:
    """Build a valid 学校コード, e.g. kind "B1" (小学校), "C1" (中学校); establishment 2 = 公立."""
    first12 = f"{kind}{prefecture:02d}{establishment}{serial:07d}"
    return first12 + str(school_code_check_digit(first12))
