"""Run the mock 学習eポータル (LTI 1.3 Platform) on a real port with uvicorn.

Usage::

    # a tool that follows the renkei mock-app conventions (/login, /launch, /jwks under one base URL)
    python -m renkei.mocks.eportal --bundle roster.zip --tool http://127.0.0.1:8402 --client-id my-app

    # any tool, registered in a YAML/JSON file (print a template with --example-config)
    python -m renkei.mocks.eportal --config eportal.yaml --port 8401 --keys-dir ./eportal-keys

    # a deliberately broken platform for red runs (repeat --fault; list them with --list-faults)
    python -m renkei.mocks.eportal --config eportal.yaml --fault sign_without_kid --fault no_nonce

Binds 127.0.0.1:8401 by default; the issuer defaults to ``http://<host>:<port>`` (pass
``--issuer`` when a proxy terminates https in front of it). Start a launch in a browser with
``<issuer>/launch?user=<sourcedId|userMasterIdentifier|username>&context=<class sourcedId>``.
Signing keys persist in ``--keys-dir`` (default: in memory, new key each start).
Exit status 2 with a one-line message on bad arguments or configuration.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from renkei.harness.core.errors import ConfigError, RenkeiError
from renkei.mocks.eportal.config import FAULTS, EportalConfig, ToolRegistration, dump_example


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m renkei.mocks.eportal", description="Mock 学習eポータル (LTI 1.3 Platform)")
    parser.add_argument("--config", type=Path, help="YAML/JSON file with issuer, tools, bundle, keys_dir, faults")
    parser.add_argument("--bundle", type=Path, help="OneRoster CSV bundle (zip or folder) with the roster")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--issuer", help="issuer URL (default http://<host>:<port>)")
    parser.add_argument("--keys-dir", type=Path, help="persist signing keys here (KeyStore)")
    parser.add_argument("--tool", help="base URL of a tool using /login, /launch, /jwks (mock-app layout)")
    parser.add_argument("--client-id", default="renkei-app", help="client_id for --tool")
    parser.add_argument("--deployment-id", default="deployment-1", help="deployment_id for --tool")
    parser.add_argument("--fault", action="append", default=[], help="enable a deliberate defect")
    parser.add_argument("--list-faults", action="store_true", help="print the known faults and exit")
    parser.add_argument("--example-config", action="store_true", help="print an example config and exit")
    return parser


def config_from_args(args: argparse.Namespace) -> EportalConfig:
    issuer = args.issuer or f"http://{args.host}:{args.port}"
    faults = set(args.fault)
    if args.config is not None:
        config = EportalConfig.from_file(args.config, default_issuer=issuer, issuer=args.issuer,
                                         bundle=args.bundle, keys_dir=args.keys_dir)
        config.faults |= faults
        unknown = sorted(config.faults - FAULTS.keys())
        if unknown:
            raise ConfigError(f"unknown fault(s) {', '.join(unknown)}; see --list-faults")
        return config
    if not args.tool:
        raise ConfigError("give --config FILE or --tool BASE_URL to register a tool")
    if args.bundle is None:
        raise ConfigError("give --bundle with the roster (OneRoster CSV zip or folder)")
    base = args.tool.rstrip("/")
    tool = ToolRegistration(client_id=args.client_id, deployment_ids=[args.deployment_id],
                            login_url=f"{base}/login", redirect_uris=[f"{base}/launch"],
                            target_link_uri=f"{base}/launch", jwks_url=f"{base}/jwks")
    return EportalConfig(issuer=issuer, tools=[tool], bundle=args.bundle, keys_dir=args.keys_dir, faults=faults)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.list_faults:
        for name, text in FAULTS.items():
            print(f"{name}: {text}")
        return 0
    if args.example_config:
        print(dump_example())
        return 0
    try:
        config = config_from_args(args)
        from renkei.mocks.eportal.app import create_app

        app = create_app(config)
    except RenkeiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
