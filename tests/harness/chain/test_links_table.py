"""The links the report draws cover every check of the profile exactly once."""

from __future__ import annotations

from renkei.harness.chain.observation import LINKS, POSITIONS
from renkei.harness.core.profiles import load_profile, resolve
from renkei.harness.core.targets import load_standards


def test_every_check_belongs_to_one_link() -> None:
    load_standards()
    listed = [c for *_, checks in LINKS for c in checks]
    assert sorted(listed) == sorted(r.id for r in resolve(load_profile("chain-japan")))
    assert {p for _, a, b, _, _ in LINKS for p in (a, b)} == set(POSITIONS)
