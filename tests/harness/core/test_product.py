"""The product under test: from the target file's product: section, overridden by the command line,
validated, with the role defaulting to what the kind tests; the section never reaches the kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.core.product import declared_scope, resolve_product
from renkei.harness.lti.protocol.target_file import read_target_file


def _target(tmp_path: Path, product: str) -> str:
    path = tmp_path / "target.yaml"
    path.write_text("kind: lti-tool\n" + product + "tool: {name: x}\n", encoding="utf-8")
    return str(path)


def test_the_section_gives_the_product_and_the_kind_the_role(tmp_path):
    target = _target(tmp_path, "product: {name: 学習アプリ A, version: '2.1', vendor: 例社, declares: {ags: true}}\n")
    product, declares = resolve_product(target, default_role="tool")
    assert product is not None and (product.name, product.version, product.vendor, product.role) == (
        "学習アプリ A", "2.1", "例社", "tool")
    assert declared_scope({"services": {"nrps": True}}, declares) == {"declares": {"ags": True}}
    assert "product" not in read_target_file(target)  # the kind's own parser never sees it


def test_the_command_line_overrides_and_a_bundle_needs_it(tmp_path):
    target = _target(tmp_path, "product: {name: A, version: '1'}\n")
    product, _ = resolve_product(target, version="2", role="platform", default_role="tool")
    assert product is not None and (product.name, product.version, product.role) == ("A", "2", "platform")
    bundle = tmp_path / "export.zip"
    bundle.write_bytes(b"PK")
    assert resolve_product(str(bundle), default_role="provider") == (None, None)
    product, _ = resolve_product(str(bundle), name="校務支援 X", default_role="provider")
    assert product is not None and product.role == "provider"


@pytest.mark.parametrize(("section", "message"), [
    ("product: {version: '1'}\n", "needs a name"),
    ("product: {name: A, role: teacher}\n", "role: 'teacher' is not one of"),
    ("product: {name: A, colour: red}\n", "product.colour"),
    ("product: [A]\n", "expected a mapping"),
    ("product: {name: ''}\n", "product.name"),
])
def test_a_bad_section_names_the_field(tmp_path, section, message):
    with pytest.raises(ConfigError, match=message):
        resolve_product(_target(tmp_path, section), default_role="tool")


def test_the_scope_comes_from_the_kind_without_declares():
    assert declared_scope({"kind": "x", "declares": {"endpoints": "all"}, "base_url": "u"}, None) == {
        "declares": {"endpoints": "all"}}
    assert declared_scope({"kind": "x"}, None) == {}
