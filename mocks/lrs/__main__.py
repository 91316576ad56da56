"""Run the mock LRS (xAPI 1.0.3 and 2.0) on a real port, for a vendor's app or LRS client to talk to.

    python -m renkei.mocks.lrs --port 8404 --client my-app:test-secret-0001 [--db lrs.sqlite] [--fault ignores_voiding]

The xAPI endpoint is ``http://HOST:PORT/xapi/``; each ``--client KEY:SECRET`` is one HTTP Basic client
(a test credential of the mock, never a real one). Without ``--db`` the statements live in a temporary
database removed at exit; with it they survive restarts. Ctrl-C stops.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pydantic import ValidationError

from renkei.harness.core.errors import RenkeiError
from renkei.mocks.lrs.config import FAULTS, LrsClient, LrsConfig
from renkei.mocks.lrs.server import serve_lrs


def _client(value: str) -> LrsClient:
    key, sep, secret = value.partition(":")
    if not sep or not key or not secret:
        raise argparse.ArgumentTypeError(f"--client {value!r}: expected KEY:SECRET")
    try:
        return LrsClient(key=key, secret=secret)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(f"--client {key}: {exc.errors()[0]['msg']}") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m renkei.mocks.lrs", description="renkei mock LRS (xAPI 1.0.3 / 2.0)")
    ap.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8404, help="port (default 8404; 0 picks a free one)")
    ap.add_argument("--client", type=_client, action="append", default=[], metavar="KEY:SECRET",
                    help="an HTTP Basic client (repeat); default: renkei-mock-app:renkei-mock-lrs-0001")
    ap.add_argument("--db", type=Path, help="SQLite file to keep statements in (default: temporary)")
    ap.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS),
                    help="deliberate defect for red runs (repeat)")
    ap.add_argument("--list-faults", action="store_true", help="print the faults and what each breaks, then exit")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_faults:
        for name, what in FAULTS.items():
            print(f"{name:24} {what}")
        return 0
    from renkei.mocks.runner import LRS_APP_KEY, LRS_APP_SECRET

    clients = args.client or [LrsClient(key=LRS_APP_KEY, secret=LRS_APP_SECRET)]
    try:
        config = LrsConfig(clients=clients, faults=set(args.fault), db_path=args.db)
        server = serve_lrs(config, host=args.host, port=args.port)
    except (ValidationError, RenkeiError, OSError) as exc:
        print(f"mock LRS: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    with server:
        print(f"LRS (xAPI 1.0.3/2.0): {server.url}/")
        for c in clients:
            print(f"  Basic client: key {c.key}  secret {c.secret}  (test credentials of the mock)")
        if args.fault:
            print(f"  faults: {', '.join(sorted(args.fault))}")
        print("Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
