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
from attribution.api.limits import LIMIT_SETTINGS, ApiLimits, limits_env, resolve_limits
from attribution.cli import subcommand
from attribution.errors import AttributionError

SERVE_EPILOG = f"""examples:
  {KEYS_ENV}=$(python -m attribution api-key --quiet) python -m attribution serve
  {KEYS_FILE_ENV}=/etc/attribution/keys python -m attribution serve --host 0.0.0.0 --port 8000
  python -m attribution serve --no-auth        # local use only: no key asked

Keys: {KEYS_ENV} (comma-separated keys) and/or {KEYS_FILE_ENV} (one 'sha256:<hex>' line per key,
made by `python -m attribution api-key`). Without a key the server refuses to start unless --no-auth.
Limits: each option above has its environment variable (ATTRIBUTION_API_MAX_...); a value that is not
a positive number (a whole number for counts) stops the server before it starts.
Docs at /docs, the OpenAPI document at /openapi.json, liveness at /healthz."""


def _serve_args(p: argparse.ArgumentParser) -> None:
    # the environment is read when serve runs, not here: every subcommand's parser is built on each
    # call, so a bad ATTRIBUTION_API_* value must not break `simulate` or `--help`
    p.epilog = SERVE_EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 in a container)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--no-auth", action="store_true", help="serve without API keys (local use only)")
    limits = p.add_argument_group("per-request limits (over one: HTTP 413 naming it; the option wins over its "
                                  "environment variable)")
    defaults = ApiLimits()
    for s in LIMIT_SETTINGS:
        limits.add_argument(s.option, dest=s.name, metavar="MB" if s.megabytes else "N", default=None,
                            help=f"{s.what} (default {s.shown(getattr(defaults, s.field))}; env {s.env})")
    p.add_argument("--root-path", default=os.environ.get("ATTRIBUTION_API_ROOT_PATH", ""),
                   help="the path prefix when served behind a reverse proxy under a sub-path, e.g. /api")
    p.add_argument("--proxy-headers", action="store_true",
                   help="trust X-Forwarded-For/-Proto from --forwarded-allow-ips (behind a reverse proxy)")
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                   help="proxies whose forwarded headers are trusted (default 127.0.0.1)")


def build_app():
    """The app for uvicorn's ``--factory`` mode (workers > 1): settings from the environment."""
    from attribution.api.server import create_app

    no_auth = os.environ.get("ATTRIBUTION_API_NO_AUTH") == "1"
    return create_app(None if no_auth else load_keys(), ApiLimits.from_env())


@subcommand("serve", help="serve the HTTP API (FastAPI + uvicorn)", arguments=_serve_args)
def run_serve(args: argparse.Namespace) -> int:
    """Start the API server; refuses to start without keys unless ``--no-auth``, or with a limit
    (option or ``ATTRIBUTION_API_*`` variable) that is not usable (:mod:`attribution.api.limits`)."""
    try:
        import uvicorn

        import attribution.api.server  # noqa: F401 (fails here, not in a worker, when FastAPI is missing)
    except ImportError as exc:
        raise AttributionError(f"the API needs its extra: pip install -r requirements-api.txt ({exc.name} is "
                               "missing)") from None
    limits = resolve_limits({s.name: getattr(args, s.name) for s in LIMIT_SETTINGS}, os.environ)
    if args.workers < 1:
        raise AttributionError("--workers must be at least 1")
    keys = load_keys()
    if not keys and not args.no_auth:
        raise AttributionError(f"no API key configured: set {KEYS_ENV} or {KEYS_FILE_ENV} (make a key with "
                               "`python -m attribution api-key`), or pass --no-auth for local use")
    # the workers (uvicorn's factory mode) read their settings from the environment
    os.environ["ATTRIBUTION_API_NO_AUTH"] = "1" if args.no_auth else "0"
    os.environ.update(limits_env(limits))
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
