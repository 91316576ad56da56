"""``python -m renkei.mocks``: the whole mock ecosystem on 127.0.0.1 until Ctrl-C (see renkei.mocks.runner)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from renkei.harness.core.errors import RenkeiError
from renkei.mocks.runner import start_ecosystem


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m renkei.mocks", description="renkei mock ecosystem (校務支援 → 学習eポータル → 学習アプリ)")
    ap.add_argument("--bundle", type=Path, help="OneRoster bundle for the e-portal (default: generate one)")
    ap.add_argument("--workdir", type=Path, help="keys and generated roster (default: a temporary folder)")
    ap.add_argument("--eportal-port", type=int, default=8401)
    ap.add_argument("--app-port", type=int, default=8402)
    args = ap.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="renkei-mocks-"))
    try:
        eco = start_ecosystem(workdir, bundle=args.bundle, eportal_port=args.eportal_port, app_port=args.app_port)
    except RenkeiError as exc:
        print(f"mocks: error: {exc}", file=sys.stderr)
        return 2
    with eco:
        print(f"roster:        {eco.bundle}")
        print(f"学習eポータル:  {eco.eportal_url}/   (open in a browser to start launches)")
        print(f"学習アプリ:     {eco.app_url}/")
        print("Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
