"""Expected-failures file: known gaps a vendor is fixing, so CI can gate on everything else.

Strict semantics (like pytest's ``xfail(strict=True)``): a listed check that passes is itself
a failure, so the list cannot silently go stale.

Accepted YAML shapes::

    expected_failures:
      - id: or.users.required
        reason: "kana columns arrive in release 3.2"
    # or simply a mapping
    or.users.required: "kana columns arrive in release 3.2"
"""

from __future__ import annotations

from pathlib import Path

from renkei.harness.core.bounded import read_yaml_file
from renkei.harness.core.errors import ConfigError


def load_expected_failures(path: str | Path) -> dict[str, str]:
    p = Path(path)
    data = read_yaml_file(p, "expected-failures file")
    if data is None:
        return {}
    if isinstance(data, dict) and "expected_failures" in data:
        data = data["expected_failures"]
    out: dict[str, str] = {}
    if isinstance(data, dict):
        for key, reason in data.items():
            if not isinstance(reason, str) or not reason.strip():
                raise ConfigError(f"expected-failures file {p}: entry {key!r} needs a reason (text)")
            out[str(key)] = reason.strip()
        return out
    if isinstance(data, list):
        for i, item in enumerate(data, start=1):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise ConfigError(f"expected-failures file {p}: item {i} needs an 'id'")
            reason = item.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                raise ConfigError(f"expected-failures file {p}: item {i} ({item['id']}) needs a 'reason'")
            out[item["id"]] = reason.strip()
        return out
    raise ConfigError(f"expected-failures file {p}: expected a list or a mapping of check ids")
