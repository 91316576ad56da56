"""What `renkei lti registration` and `renkei lti keys` need: read any LTI target file by its
``kind`` and reach its registration text and persistent keys.

A vendor registers renkei once in their product; the keys (and so the ``kid``) must therefore
survive between runs, which is why they live in the target's ``harness.keys_dir``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol.jose import KeyStore
from renkei.harness.lti.protocol.target_file import read_target_file

KINDS = ("lti-tool", "lti-platform")


def target_kind(path: str | Path) -> str:
    kind = read_target_file(path).get("kind")
    if kind not in KINDS:
        raise ConfigError(f"target {path}: field kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return kind


def load_config(path: str | Path) -> tuple[str, Any]:
    """(kind, validated config) of an LTI target file."""
    kind = target_kind(path)
    if kind == "lti-tool":
        from renkei.harness.lti.tool import config as module
    else:
        from renkei.harness.lti.platform import config as module  # type: ignore[no-redef]
    return kind, module.load_target(path)


def registration_text(path: str | Path) -> str:
    kind, config = load_config(path)
    if kind == "lti-tool":
        from renkei.harness.lti.tool.config import registration_text as render
    else:
        from renkei.harness.lti.platform.config import registration_text as render  # type: ignore[no-redef]
    return render(config)


def key_store(*, target: str | Path | None = None, directory: str | Path | None = None) -> KeyStore:
    """The persistent key store named by ``--dir`` or by a target file's ``harness.keys_dir``."""
    if directory is not None:
        return KeyStore(Path(directory))
    if target is None:
        raise ConfigError("give --target FILE (uses its harness.keys_dir) or --dir DIR")
    _, config = load_config(target)
    keys_dir = config.harness.keys_dir
    if not keys_dir:
        raise ConfigError(f"target {target}: set harness.keys_dir so the signing key persists between runs")
    return KeyStore(Path(keys_dir))


def describe_keys(store: KeyStore) -> dict[str, Any]:
    """Public view only: kid of the current key and the JWKS (never private material)."""
    current = store.current()
    jwks = store.jwks()
    return {"current_kid": current.kid, "jwks": jwks}


def public_pem(store: KeyStore) -> str:
    """The current public key in PEM form, for products that take a pasted key instead of a JWKS URL."""
    return store.current().as_pem(private=False).decode("ascii")


def describe_keys_json(store: KeyStore) -> str:
    return json.dumps(describe_keys(store), ensure_ascii=False, indent=2)
