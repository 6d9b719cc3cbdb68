"""`graphmem status`: what the store holds for this repository, and what is out of date."""

from __future__ import annotations

import argparse
from typing import Any

from graphmem.agents.freshness import freshness_of
from graphmem.cli.context import open_graphmem
from graphmem.cli.output import HelpFormatter, emit

_SHOWN_FILES = 10


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    status = subparsers.add_parser(
        "status",
        parents=[common],
        help="what is indexed, and which files are out of date",
        description=(
            "The indexed commit against git's HEAD, the source files changed, added or removed "
            "since the last ingest, and how many nodes and edges the store holds.\n\n"
            "example:\n  graphmem status\n  graphmem status --json | jq .changed"
        ),
        formatter_class=HelpFormatter,
    )
    status.set_defaults(handler=run_status)


def run_status(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        status = gm.index_status()
        data = {"store": gm.store.name, "up_to_date": status.up_to_date, **status.model_dump()}
        data["freshness"] = freshness_of(status).to_dict()
    emit(args.json, data, _render_status)
    return 0


def _render_status(data: dict[str, Any]) -> str:
    lines = [f"repo {data['repo']} in the {data['store']} store"]
    if not data["indexed"]:
        lines.append("  not indexed yet: run `graphmem ingest`")
    else:
        head = (data["head"] or "not a git repository")[:12]
        indexed = (data["indexed_commit"] or "none")[:12]
        lines.append(f"  indexed commit {indexed} (HEAD {head}), {data['files_indexed']} files")
        if data["up_to_date"]:
            lines.append("  up to date")
        for what in ("changed", "added", "removed"):
            files = data[what]
            if files:
                shown = ", ".join(files[:_SHOWN_FILES])
                more = f" and {len(files) - _SHOWN_FILES} more" if len(files) > _SHOWN_FILES else ""
                lines.append(f"  {len(files)} {what}: {shown}{more}")
        if data["freshness"]["notice"]:
            lines.append("  " + data["freshness"]["notice"])
    counts = data["counts"]
    if counts:
        lines.append("  " + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
    return "\n".join(lines)
