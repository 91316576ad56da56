"""result.json: the run as machines read it (CI dashboards, the service-map listing export).

It is exactly ``RunResult.to_json_dict()`` so the JSON can never say something the model does
not; keys keep the model's field order, so diffs between two runs stay readable.
"""

from __future__ import annotations

import json
from pathlib import Path

from renkei.harness.core.model import RunResult
from renkei.reports.atomic import encode_utf8, write_atomic
from renkei.reports.i18n import check_lang

FILENAME = "result.json"


def render(run: RunResult) -> str:
    return json.dumps(run.to_json_dict(), ensure_ascii=False, indent=2) + "\n"


def write(run: RunResult, out_dir: Path, *, lang: str = "ja") -> Path:
    """Write ``out_dir/result.json``; ``lang`` is accepted for the common writer signature."""
    check_lang(lang)
    return write_atomic(Path(out_dir) / FILENAME, encode_utf8(render(run)))
