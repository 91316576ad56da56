"""What product a run tested: from the target file's ``product:`` section and the command line.

Why in the core: a published result must say *which product version* passed, not only which
endpoint answered; that is the same for every standard. A YAML target may carry::

    product:
      name: 学習eポータル X
      version: "3.2.1"
      vendor: 株式会社例
      role: platform            # provider | consumer | platform | tool | lrs | lrp (default: from the kind)
      declares: {...}           # optional: the scope the vendor says it supports, when the kind's own
                                # section does not say it (a CSV bundle's files, say)

``--product-name``/``--product-version``/``--vendor``/``--role`` override it (a CSV bundle has no YAML
to carry it). The section is read here and removed before a kind parses its target file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from renkei.harness.core.bounded import InputLimitError, load_yaml, read_config_text
from renkei.harness.core.errors import ConfigError
from renkei.harness.core.model import ROLES, ProductInfo

SECTION = "product"
SCOPE_KEYS = ("declares", "services", "endpoints", "resources", "files")  # what a kind's describe() may declare


class ProductSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    version: str = Field(default="", max_length=100)
    vendor: str = Field(default="", max_length=200)
    role: str = ""
    declares: dict[str, Any] | list[Any] | None = None


def _yaml_product(target: str) -> dict[str, Any] | None:
    path = Path(target)
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        return None
    try:
        data = load_yaml(read_config_text(path, "target"))
    except (ConfigError, InputLimitError, yaml.YAMLError):  # the kind reports a broken target file precisely
        return None
    section = data.get(SECTION) if isinstance(data, dict) else None
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"target {path}: field product: expected a mapping (name, version, vendor, role)")
    return section


def resolve_product(target: str, *, name: str | None = None, version: str | None = None, vendor: str | None = None,
                    role: str | None = None, default_role: str = "") -> tuple[ProductInfo | None, Any]:
    """The product under test and the scope it declares in ``product.declares`` (None when not given)."""
    in_file = _yaml_product(target)
    section = dict(in_file or {})
    for key, value in (("name", name), ("version", version), ("vendor", vendor), ("role", role)):
        if value is not None:
            section[key] = value
    if not section:
        return None, None
    where = f"target {target}: field product" if in_file else "--product-name"
    if "name" not in section:
        raise ConfigError(f"{where}: a product needs a name (product.name or --product-name)")
    try:
        parsed = ProductSection(**section)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ConfigError(f"{where}.{field}: {str(err['msg']).removeprefix('Value error, ')}") from None
    chosen = parsed.role or default_role
    if chosen and chosen not in ROLES:
        raise ConfigError(f"{where}.role: {chosen!r} is not one of {', '.join(ROLES)}")
    return ProductInfo(name=parsed.name, version=parsed.version, vendor=parsed.vendor, role=chosen), parsed.declares


def declared_scope(described: dict[str, Any], declares: Any) -> dict[str, Any]:
    """What the vendor says the product supports: ``product.declares``, else the kind's own declaration."""
    if declares is not None:
        return {"declares": declares}
    return {k: described[k] for k in SCOPE_KEYS if k in described}
