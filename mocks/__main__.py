"""``python -m renkei.mocks`` (also ``renkei mocks serve``): the whole mock ecosystem on 127.0.0.1
until Ctrl-C (see renkei.mocks.runner)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from renkei.harness.core.errors import RenkeiError
from renkei.mocks.runner import LRS_APP_KEY, LRS_APP_SECRET, start_ecosystem


def serve(*, bundle: Path | None = None, workdir: Path | None = None, eportal_port: int = 8401,
          app_port: int = 8402, school_affairs_port: int = 8403, lrs_port: int = 8404) -> int:
    """Serve the ecosystem and print its URLs (flushed, so a script reading a pipe sees them)
    until Ctrl-C; port 0 picks a free port. Returns the exit code."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="renkei-mocks-"))
    try:
        eco = start_ecosystem(workdir, bundle=bundle, eportal_port=eportal_port, app_port=app_port,
                              school_affairs_port=school_affairs_port, lrs_port=lrs_port)
    except RenkeiError as exc:
        print(f"mocks: error: {exc}", file=sys.stderr)
        return 2
    with eco:
        print(f"roster:        {eco.bundle}")
        sa = eco.school_affairs
        if sa is not None:
            client = sa.config.clients[0]
            print(f"校務支援 (OneRoster 1.2 REST): {sa.url}/ims/oneroster/rostering/v1p2  token: {sa.token_url}")
            print(f"  client_id: {client.client_id}  client_secret: {client.secret}  (test credentials of the mock)")
            print(f"  admin API: {sa.url}/admin/...  key: {sa.config.admin_key}")
            print(f"  CSV export: {sa.url}/exports/oneroster-csv.zip[?since=...]")
        print(f"学習eポータル:  {eco.eportal_url}/   (open in a browser to start launches)")
        print(f"学習アプリ:     {eco.app_url}/   (its study logs: {eco.app_url}/xapi/sent)")
        if eco.lrs is not None:
            print(f"LRS (xAPI 1.0.3/2.0): {eco.lrs.url}/  key: {LRS_APP_KEY}  secret: {LRS_APP_SECRET}  "
                  "(the app's test credentials)")
        print("Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m renkei.mocks", description="renkei mock ecosystem (校務支援 → 学習eポータル → 学習アプリ)")
    ap.add_argument("--bundle", type=Path, help="OneRoster bundle for the e-portal (default: generate one)")
    ap.add_argument("--workdir", type=Path, help="keys and generated roster (default: a temporary folder)")
    ap.add_argument("--eportal-port", type=int, default=8401, help="0 picks a free port")
    ap.add_argument("--app-port", type=int, default=8402, help="0 picks a free port")
    ap.add_argument("--school-affairs-port", type=int, default=8403, help="0 picks a free port")
    ap.add_argument("--lrs-port", type=int, default=8404, help="0 picks a free port")
    args = ap.parse_args(argv)
    return serve(bundle=args.bundle, workdir=args.workdir, eportal_port=args.eportal_port, app_port=args.app_port,
                 school_affairs_port=args.school_affairs_port, lrs_port=args.lrs_port)


if __name__ == "__main__":
    sys.exit(main())
