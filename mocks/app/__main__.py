"""Run the mock 学習アプリ (LTI 1.3 Tool) on a real port.

Example, against a platform whose issuer is https://eportal.example (placeholders)::

    python -m renkei.mocks.app --client-id renkei-tool --issuer https://eportal.example \\
        --auth-url https://eportal.example/auth --token-url https://eportal.example/token \\
        --jwks-url https://eportal.example/jwks --deployment-id S_1234567890123 \\
        --port 8400 --keys-dir .renkei/app-keys [--fault skip_aud_check ...]

Register in the platform: login URL ``<base>/login``, redirect URI ``<base>/launch``, JWKS URL
``<base>/jwks`` (``GET <base>/`` prints them as JSON). ``--base-url`` is the URL the browser and
platform use (defaults to http://HOST:PORT); use https behind a TLS proxy so the state cookie is
sent as ``SameSite=None; Secure`` on cross-site launches.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from renkei.harness.core.errors import RenkeiError
from renkei.mocks.app.app import create_app
from renkei.mocks.app.config import FAULTS, ToolConfig


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m renkei.mocks.app", description="renkei mock LTI 1.3 Tool (学習アプリ)")
    parser.add_argument("--client-id", required=True, help="client_id the platform assigned to this tool")
    parser.add_argument("--issuer", required=True, help="platform issuer (iss), matched exactly")
    parser.add_argument("--auth-url", required=True, help="platform OIDC authorization endpoint")
    parser.add_argument("--token-url", required=True, help="platform OAuth2 token endpoint")
    parser.add_argument("--jwks-url", required=True, help="platform JWKS URL")
    parser.add_argument("--deployment-id", action="append", required=True, help="accepted deployment_id (repeat)")
    parser.add_argument("--token-audience", help="aud of client assertions (default: the token URL)")
    parser.add_argument("--allow-anonymous", action="store_true",
                        help="accept launches without sub ([CORE §5.3.6.1]; the cert suite rejects them)")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8400, help="port (default 8400)")
    parser.add_argument("--base-url", help="public base URL of this tool (default http://HOST:PORT)")
    parser.add_argument("--keys-dir", type=Path, default=Path(".renkei/app-keys"), help="signing key directory")
    parser.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS),
                        help="deliberate defect for red runs (repeat)")
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> ToolConfig:
    return ToolConfig(
        client_id=args.client_id,
        issuer=args.issuer,
        auth_url=args.auth_url,
        token_url=args.token_url,
        jwks_url=args.jwks_url,
        deployment_ids=frozenset(args.deployment_id),
        base_url=args.base_url or f"http://{args.host}:{args.port}",
        keys_dir=args.keys_dir,
        faults=set(args.fault),
        token_audience=args.token_audience,
        allow_anonymous_launch=args.allow_anonymous,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        app = create_app(config_from_args(args))
    except RenkeiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
