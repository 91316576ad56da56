"""Deterministic identifiers: every sourcedId is a UUID v4 drawn from a seeded ``random.Random``.

Never ``uuid.uuid4()`` or the global RNG: the same (seed, key) must yield the same bundle byte for
byte, and a file written later (enrollments) must be able to regenerate ids first drawn for an
earlier file (users) without holding them in memory.
"""

from __future__ import annotations

import random

_VERSION_MASK = ~((0xF << 76) | (0x3 << 62))
_VERSION_BITS = (0x4 << 76) | (0x2 << 62)  # version 4, RFC 4122 variant (10xx)


def rng_for(seed: int, *key: object) -> random.Random:
    """An independent RNG for one part of the bundle; str seeding is stable across processes."""
    return random.Random("renkei:" + ":".join(str(k) for k in (seed, *key)))


def uuid4_from(rng: random.Random) -> str:
    """A lower-case UUID v4 string from 128 random bits of ``rng``."""
    h = f"{(rng.getrandbits(128) & _VERSION_MASK) | _VERSION_BITS:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
