"""The README's promises that a test can hold: its quick start, its local links, the report guide."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_quick_start_is_exactly_make_demo_and_make_test() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S)
    assert block is not None
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_every_local_link_of_the_readme_and_the_guide_resolves() -> None:
    for doc in (ROOT / "README.md", ROOT / "docs" / "ja" / "report-guide.md"):
        text = doc.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)\)", text):
            if not re.match(r"[a-z]+://", target):
                assert (doc.parent / target).exists(), f"{doc.name} links to a missing {target}"


def test_the_report_guide_explains_every_outcome_the_report_shows() -> None:
    from renkei.reports.i18n import STRINGS

    guide = (ROOT / "docs" / "ja" / "report-guide.md").read_text(encoding="utf-8")
    words = [STRINGS[k][0] for k in ("verdict_pass", "verdict_fail", "verdict_interrupted", "outcome_passed",
                                     "outcome_failed", "outcome_warning", "outcome_skipped", "outcome_error",
                                     "outcome_xfailed")]
    assert [w for w in words if f"| {w} |" not in guide] == []
    assert "自己評価" in guide and "認定" in guide
