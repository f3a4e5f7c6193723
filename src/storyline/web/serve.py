"""`storyline serve`: the reader on uvicorn. Loopback by default; bound anywhere else, every
write needs a token, and the server says so when it starts."""
from __future__ import annotations

import argparse
import os
import secrets
import sys

from ..errors import StoreError
from .security import is_loopback

TOKEN_ENV = "STORYLINE_TOKEN"


def add_parser(sub, common: argparse.ArgumentParser) -> None:
    serve = sub.add_parser("serve", parents=[common], help="the web reader and its JSON API",
                           description="Serve the store as a web reader (HTML) and a JSON API. Loopback only "
                                       "unless --host says otherwise; then writes need a token.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    serve.add_argument("--token", help=f"write token (or ${TOKEN_ENV}); required for writes when --host is not "
                                       "loopback (one is made up and printed when none is given)")
    serve.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                       help="another Host name the server answers to (its public name behind a proxy); repeatable")
    serve.add_argument("--report-wait", type=float, default=None, metavar="SECONDS",
                       help="how long a story page waits for a report it starts building before it shows the rest "
                            "and reloads itself (default 0.1)")


def _port(value: str) -> int:
    """A TCP port: a usage error (exit 2) otherwise, not the socket layer's OverflowError."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value[:40]!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (0-65535)")
    return port


def cmd_serve(args, config) -> int:
    import uvicorn

    from ..run.workers import NER_PRELOAD, preload, start_fork_server
    from .app import create_app

    if not os.path.exists(args.db):
        raise StoreError(f"no store at {args.db} (create one with `storyline run --db {args.db} INPUT`)")
    token = args.token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(args.host):
        if token is None:
            token = secrets.token_urlsafe(24)
            print(f"storyline: no write token given: this run's token is {token}", file=sys.stderr)
        print(f"storyline: WARNING: serving on {args.host}, beyond this machine: anyone who can reach it reads the "
              f"store; writes need the token (header X-Storyline-Token)", file=sys.stderr)
    app = create_app(args.db, host=args.host, token=token, allowed_hosts=args.allowed_host, config=config,
                     **({} if args.report_wait is None else {"report_wait": max(0.0, args.report_wait)}))
    # Uploads' workers and the report builder fork from a server that holds the NER model, whichever
    # comes first: otherwise a report built first starts the server without it, and every upload
    # after that loads the model again (about 2 s each).
    preload(NER_PRELOAD)
    start_fork_server()
    print(f"storyline: serving {args.db} on http://{args.host}:{args.port}/", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning" if not args.verbose else "info",
                server_header=False)
    return 0
