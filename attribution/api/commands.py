"""``python -m attribution serve`` and ``python -m attribution api-key``.

The API sits above the CLI layer, so its subcommands register themselves here (with the CLI's
:func:`~attribution.cli.subcommand`) and ``attribution/__main__.py`` imports this module before
running the CLI. FastAPI and uvicorn are imported only when ``serve`` runs, so ``--help`` and
``api-key`` work without the API extra.
"""
from __future__ import annotations

import argparse
import os
import sys

from attribution.api.keys import KEYS_ENV, KEYS_FILE_ENV, hash_key, load_keys, new_key
from attribution.cli import subcommand
from attribution.errors import AttributionError

SERVE_EPILOG = f"""examples:
  {KEYS_ENV}=$(python -m attribution api-key --quiet) python -m attribution serve
  {KEYS_FILE_ENV}=/etc/attribution/keys python -m attribution serve --host 0.0.0.0 --port 8000
  python -m attribution serve --no-auth        # local use only: no key asked

Keys: {KEYS_ENV} (comma-separated keys) and/or {KEYS_FILE_ENV} (one 'sha256:<hex>' line per key,
made by `python -m attribution api-key`). Without a key the server refuses to start unless --no-auth.
Docs at /docs, the OpenAPI document at /openapi.json, liveness at /healthz."""


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise AttributionError(f"{name} must be a whole number, not {value!r}") from None


def _serve_args(p: argparse.ArgumentParser) -> None:
    from attribution.api.service import ApiLimits

    defaults = ApiLimits()
    p.epilog = SERVE_EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 in a container)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--no-auth", action="store_true", help="serve without API keys (local use only)")
    p.add_argument("--max-body-mb", type=float, default=_env_int("ATTRIBUTION_API_MAX_BODY_MB", defaults.max_body_bytes // 2**20),
                   help=f"largest request body in MB (default {defaults.max_body_bytes // 2**20}; env ATTRIBUTION_API_MAX_BODY_MB)")
    p.add_argument("--max-rows", type=int, default=_env_int("ATTRIBUTION_API_MAX_ROWS", defaults.max_rows),
                   help=f"touchpoints + conversions (or paths) per attribution request (default {defaults.max_rows:,}; "
                        "env ATTRIBUTION_API_MAX_ROWS)")
    p.add_argument("--root-path", default=os.environ.get("ATTRIBUTION_API_ROOT_PATH", ""),
                   help="the path prefix when served behind a reverse proxy under a sub-path, e.g. /api")
    p.add_argument("--proxy-headers", action="store_true",
                   help="trust X-Forwarded-For/-Proto from --forwarded-allow-ips (behind a reverse proxy)")
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                   help="proxies whose forwarded headers are trusted (default 127.0.0.1)")


def build_app():
    """The app for uvicorn's ``--factory`` mode (workers > 1): settings from the environment."""
    from attribution.api.server import create_app
    from attribution.api.service import ApiLimits

    no_auth = os.environ.get("ATTRIBUTION_API_NO_AUTH") == "1"
    limits = ApiLimits(max_body_bytes=_env_int("ATTRIBUTION_API_MAX_BODY_BYTES", ApiLimits.max_body_bytes),
                       max_rows=_env_int("ATTRIBUTION_API_MAX_ROWS", ApiLimits.max_rows))
    return create_app(None if no_auth else load_keys(), limits)


@subcommand("serve", help="serve the HTTP API (FastAPI + uvicorn)", arguments=_serve_args)
def run_serve(args: argparse.Namespace) -> int:
    """Start the API server; refuses to start without keys unless ``--no-auth``."""
    try:
        import uvicorn

        import attribution.api.server  # noqa: F401 (fails here, not in a worker, when FastAPI is missing)
    except ImportError as exc:
        raise AttributionError(f"the API needs its extra: pip install -r requirements-api.txt ({exc.name} is "
                               "missing)") from None
    keys = load_keys()
    if not keys and not args.no_auth:
        raise AttributionError(f"no API key configured: set {KEYS_ENV} or {KEYS_FILE_ENV} (make a key with "
                               "`python -m attribution api-key`), or pass --no-auth for local use")
    if args.max_body_mb <= 0 or args.max_rows < 1 or args.workers < 1:
        raise AttributionError("--max-body-mb, --max-rows and --workers must be positive")
    os.environ["ATTRIBUTION_API_NO_AUTH"] = "1" if args.no_auth else "0"
    os.environ["ATTRIBUTION_API_MAX_BODY_BYTES"] = str(int(args.max_body_mb * 2**20))
    os.environ["ATTRIBUTION_API_MAX_ROWS"] = str(args.max_rows)
    where = "without authentication (--no-auth)" if args.no_auth else f"with {len(keys.hashes)} API key(s)"
    print(f"attribution API on http://{args.host}:{args.port} {where}; docs at /docs", file=sys.stderr)
    uvicorn.run("attribution.api.commands:build_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, root_path=args.root_path, proxy_headers=args.proxy_headers,
                forwarded_allow_ips=args.forwarded_allow_ips, log_level="info")
    return 0


def _key_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--label", default="", help="a note kept after the hash in the key file, e.g. 'airflow'")
    p.add_argument("--quiet", action="store_true", help="print only the key (for scripts)")


@subcommand("api-key", help="make a new API key and the hash line for ATTRIBUTION_API_KEYS_FILE", arguments=_key_args)
def run_api_key(args: argparse.Namespace) -> int:
    """Print a fresh key (give it to the client) and its hash line (put it in the key file)."""
    key = new_key()
    if args.quiet:
        print(key)
        return 0
    label = " ".join(args.label.split())
    print(f"key (give this to the client; it is not stored anywhere):\n  {key}")
    print(f"hash line (append to the file named by {KEYS_FILE_ENV}):\n  {hash_key(key)}{'  ' + label if label else ''}")
    return 0
