"""Store commands: status, export, import, cypher."""

from __future__ import annotations

import argparse
from typing import Any

from graphmem.cli.context import open_graphmem
from graphmem.cli.output import emit


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    status = subparsers.add_parser(
        "status",
        parents=[common],
        help="what the store holds",
        description="Counts of nodes per label and edges per type in the store.",
    )
    status.set_defaults(handler=run_status)


def run_status(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        data = {"store": gm.store.name, "repo": gm.repo, "counts": gm.store.counts()}
    emit(args.json, data, _render_status)
    return 0


def _render_status(data: dict[str, Any]) -> str:
    lines = [f"store: {data['store']}   repo: {data['repo']}"]
    lines += [f"  {name:<16} {count}" for name, count in sorted(data["counts"].items())]
    return "\n".join(lines)
