"""Entry point of the `graphmem` command.

Every command module registers its sub-commands with `register(subparsers, common)`; `common`
carries the options every command takes (--json, --store, --repo). Errors are translated here,
once: a GraphMemError becomes one line on stderr and its exit code.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from typing import NoReturn

from graphmem.cli import (
    agent_commands,
    ingest_commands,
    memory_commands,
    query_commands,
    review_commands,
    store_commands,
    ui_commands,
)
from graphmem.cli.output import HelpFormatter, fail, fail_with
from graphmem.errors import GraphMemError

COMMAND_MODULES = (
    store_commands,
    ingest_commands,
    memory_commands,
    query_commands,
    review_commands,
    agent_commands,
    ui_commands,
)

DESCRIPTION = """\
graphmem: memory for coding agents, anchored to a graph of your code.

Typical use:
  graphmem ingest                     build the code graph of the current repository
  graphmem remember decision "Invoices are immutable once sent" --governs src/billing/
  graphmem context src/billing/invoices.py    what to know before editing this file
  graphmem impact billing.invoices.Invoice    what breaks if this changes

The store is .graphmem/graph.db in the repository (embedded, no server) unless --store or
GRAPHMEM_STORE names another: a file, sqlite:///path, or bolt://host:7687 for Neo4j
(credentials from NEO4J_USERNAME / NEO4J_PASSWORD, database from NEO4J_DATABASE).
"""


def common_options() -> argparse.ArgumentParser:
    """Options every command accepts, before or after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON for programs"
    )
    common.add_argument(
        "--store",
        default=argparse.SUPPRESS,
        help="store URL: a file path, sqlite:///path, bolt://host:port or neo4j://host:port",
    )
    common.add_argument(
        "--repo",
        default=argparse.SUPPRESS,
        help="repository root (default: the git repository around the current directory)",
    )
    return common


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage error is one line (argparse prints the whole usage first),
    naming the command's --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = _Parser(
        prog="graphmem",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
        parents=[common],
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers, common)
    return parser


def collect_rarely() -> None:
    """Run Python's cycle collector every 50,000 new objects, not every 700, and never over what
    is already loaded. A command is a short process that builds many small objects and few
    cycles: at 10k memories the default collector was a fifth of `graphmem stale`'s time.
    Garbage cycles still get collected, in a long-running `mcp` or `watch` too; a process that
    calls `main` again (tests) changes nothing the second time."""
    if gc.get_threshold()[0] < _COLLECT_EVERY:
        gc.freeze()
        gc.set_threshold(_COLLECT_EVERY, 10, 10)


_COLLECT_EVERY = 50_000


def main(argv: Sequence[str] | None = None) -> int:
    collect_rarely()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    args.json = getattr(args, "json", False)
    try:
        code = args.handler(args)
        return int(code or 0)
    except GraphMemError as error:
        return fail_with(error)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
