"""`graphmem review`: what a diff changes, breaks and puts at stake (see docs/review.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from graphmem.cli.context import open_graphmem
from graphmem.cli.output import HelpFormatter, emit
from graphmem.errors import UsageError

GATES = ("constraint", "failure", "stale")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the review command."""
    p = subparsers.add_parser(
        "review",
        parents=[common],
        formatter_class=HelpFormatter,
        help="what a diff changes, what depends on it, and which memories it puts at stake",
        description=(
            "Review a change: the functions, methods, classes, modules and services it adds, "
            "modifies, deletes or renames; what depends on them (grouped by module, exact and "
            "heuristic apart); the tests that reach them; and the decisions, constraints and "
            "failures at stake, with why each applies and which ones the change makes stale. "
            "BASE defaults to the merge base with the default branch, the new side to the "
            "working tree. --fail-on exits 8 when the review finds what it names (for CI)."
            "\n\nexamples:\n  graphmem review\n"
            "  graphmem review main --staged\n"
            "  graphmem review origin/main --head HEAD --format markdown > review.md\n"
            "  graphmem review v1.2.0 --head v1.3.0 --json\n"
            "  graphmem review origin/main...HEAD      # a pull request: from where it branched\n"
            "  graphmem review --fail-on constraint --fail-on stale"
        ),
    )
    p.add_argument(
        "base",
        metavar="BASE",
        nargs="?",
        help="the base revision, or a range as git diff takes one: A..B, A...B",
    )
    side = p.add_mutually_exclusive_group()
    side.add_argument("--head", metavar="REF", help="compare with this commit")
    side.add_argument("--staged", action="store_true", help="compare with the index")
    side.add_argument(
        "--working-tree", action="store_true", help="compare with the working tree (default)"
    )
    p.add_argument("--depth", type=int, default=3, help="dependency hops to walk (default 3)")
    p.add_argument(
        "--format", choices=["text", "markdown"], default="text", help="text (default) or markdown"
    )
    p.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="GATE",
        help="constraint, failure or stale (repeatable or comma-separated): exit 8 if found",
    )
    p.set_defaults(handler=run_review)


def run_review(args: argparse.Namespace) -> int:
    from graphmem.review.render import render_markdown, render_text
    from graphmem.review.report import GATE_EXIT_CODE

    gates = [g.strip() for value in args.fail_on for g in value.split(",") if g.strip()]
    for gate in gates:
        if gate not in GATES:
            raise UsageError(f"unknown --fail-on {gate!r}: use constraint, failure or stale")
    with open_graphmem(args) as gm:
        report = gm.review(
            args.base,
            args.head,
            staged=args.staged,
            working_tree=args.working_tree,
            depth=args.depth,
        )
    emit(args.json, report, render_markdown if args.format == "markdown" else render_text)
    triggered = report.gates(gates)
    for line in triggered:
        print(f"graphmem: review: {line}", file=sys.stderr)
    return GATE_EXIT_CODE if triggered else 0
