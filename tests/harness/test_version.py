"""One version, from one place: ``renkei --version`` and the version every output states agree.

The place is the distribution metadata, read once in ``renkei.harness.__version__``; the result
model carries it (``tool.version``) into result.json, junit.xml, report.html and, from the results,
into the published feed.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path

from renkei.harness import __version__

ROOT = Path(__file__).resolve().parents[2]


def _renkei(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from renkei.harness.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=300)


def test_every_output_states_the_version_renkei_version_prints(tmp_path: Path) -> None:
    from renkei.mocks.school_affairs.generator import generate_bundle

    shown = _renkei("--version")
    assert shown.returncode == 0
    assert shown.stdout.strip() == f"renkei {__version__}" == f"renkei {version('renkei')}"

    bundle = tmp_path / "roster.zip"
    generate_bundle(bundle, profile="oneroster12-csv-japan", students_per_grade=2)
    out = tmp_path / "result"
    ran = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(bundle), "--out", str(out), "--redact")
    assert ran.returncode == 0, ran.stdout + ran.stderr

    stated: dict[str, str] = {}
    stated["result.json"] = json.loads((out / "result.json").read_text("utf-8"))["tool"]["version"]
    props = {p.get("name"): p.get("value") for p in ET.parse(out / "junit.xml").iter("property")}
    stated["junit.xml"] = props["tool_version"]
    html = (out / "report.html").read_text("utf-8")
    generator = re.search(r'<meta name="generator" content="renkei ([^"]+)">', html)
    assert generator is not None
    stated["report.html"] = generator.group(1)

    site = tmp_path / "site"
    published = _renkei("publish", str(out), "--out", str(site))
    assert published.returncode == 0, published.stdout + published.stderr
    (entry,) = json.loads((site / "feed.json").read_text("utf-8"))["results"]
    stated["feed.json"] = entry["suite_version"]
    (row,) = csv.DictReader((site / "feed.csv").read_text("utf-8").splitlines())
    stated["feed.csv"] = row["suite_version"]

    assert stated == dict.fromkeys(stated, __version__)


def test_the_version_is_read_from_the_metadata_in_one_module_only() -> None:
    """No second source: only renkei.harness reads the distribution's version, and results take it from there."""
    readers = []
    for path in [*ROOT.glob("harness/**/*.py"), *ROOT.glob("reports/**/*.py"), *ROOT.glob("mocks/**/*.py")]:
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "version"
                    and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "renkei"):
                readers.append(path.relative_to(ROOT).as_posix())
    assert readers == ["harness/__init__.py"]
