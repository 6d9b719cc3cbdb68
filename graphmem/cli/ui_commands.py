"""`graphmem ui`: the local web viewer (graphmem.ui; see docs/ui.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from graphmem.cli.context import open_graphmem
from graphmem.cli.output import HelpFormatter, emit


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ui command."""
    p = subparsers.add_parser(
        "ui",
        parents=[common],
        formatter_class=HelpFormatter,
        help="a local web viewer: the code tree, the memories that govern it, their history",
        description=(
            "Serve a web viewer on 127.0.0.1 only: the repository as a tree with a badge per "
            "module for the memories that govern it, search, an entity's context and "
            "neighbourhood, a memory's history and audit trail, and the review queue of "
            "possibly stale memories (acknowledge or retract). The printed URL carries a "
            "random token made for this run; requests without it are refused. Ctrl-C stops it."
            "\n\nexamples:\n  graphmem ui\n"
            "  graphmem ui --port 8765 --open\n"
            "  graphmem ui --store bolt://localhost:7687\n"
            "  graphmem ui --json          # prints the URL as JSON, then serves"
        ),
    )
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: any free)")
    p.add_argument("--host", default="127.0.0.1", help="127.0.0.1 or localhost (nothing else)")
    p.add_argument("--open", action="store_true", help="open the viewer in the default browser")
    p.set_defaults(handler=run_ui)


def run_ui(args: argparse.Namespace) -> int:
    import tempfile

    from graphmem.ui.server import check_address, create_server, launch_file

    check_address(args.host, args.port)  # before the store is opened: a typo needs no store
    with open_graphmem(args) as gm:
        server, viewer = create_server(gm, args.host, args.port)
        emit(
            args.json,
            {"url": viewer.url, "host": "127.0.0.1", "port": viewer.port, "repo": gm.repo},
            lambda d: f"graphmem ui: serving {d['repo']} at {d['url']}  (Ctrl-C to stop)",
        )
        sys.stdout.flush()
        with tempfile.TemporaryDirectory(prefix="graphmem-ui-") as folder:
            if args.open:
                import webbrowser

                webbrowser.open(launch_file(viewer, Path(folder)).as_uri())
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                server.server_close()
    return 0
