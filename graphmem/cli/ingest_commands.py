"""Ingest commands: `graphmem ingest [PATH]` builds or refreshes the code graph."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from graphmem.cli.context import open_graphmem
from graphmem.cli.output import HelpFormatter, ProgressBar, emit
from graphmem.ingest import DEFAULT_HISTORY

if TYPE_CHECKING:
    from graphmem.ingest.report import IngestReport

INGEST_HELP = """\
Walk the repository (honouring .gitignore; vendored, binary, generated, minified and huge files
are skipped and listed), parse Python, JavaScript, TypeScript and Go with tree-sitter, and write
modules, classes, functions and methods with their CONTAINS, IMPORTS, CALLS and INHERITS edges.

Re-running is incremental: only changed files are parsed, and only the files that depend on
them are re-resolved. Unchanged code keeps its ids, so memories stay anchored.

The last --history commits (default 100) become Commit nodes with MODIFIES edges to the modules,
classes and functions they touched; they are read again only when HEAD moved.

examples:
  graphmem ingest
  graphmem ingest ../other-service --history 500
  graphmem ingest --full --json
"""


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add this group's sub-commands."""
    ingest = subparsers.add_parser(
        "ingest",
        parents=[common],
        help="build or refresh the code graph of a repository",
        description=INGEST_HELP,
        formatter_class=HelpFormatter,
    )
    ingest.add_argument(
        "path", nargs="?", default=None, help="repository folder (default: the current repository)"
    )
    ingest.add_argument(
        "--history",
        type=int,
        default=DEFAULT_HISTORY,
        metavar="N",
        help=f"record the last N commits and what they touched (default {DEFAULT_HISTORY})",
    )
    ingest.add_argument(
        "--full", action="store_true", help="re-parse every file instead of only changed ones"
    )
    ingest.add_argument(
        "--max-file-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="skip source files larger than this (default: 1000000)",
    )
    ingest.set_defaults(handler=run_ingest)


def run_ingest(args: argparse.Namespace) -> int:
    if args.path is not None and getattr(args, "repo", None) is None:
        args.repo = args.path
    bar = ProgressBar(sys.stderr) if (not args.json and sys.stderr.isatty()) else None
    with open_graphmem(args) as gm:
        try:
            report = gm.ingest(
                args.path,
                history=args.history,
                progress=bar.update if bar else None,
                full=args.full,
                max_file_bytes=args.max_file_size,
            )
        finally:
            if bar is not None:
                bar.close()
    emit(args.json, report, _render_report)
    return 0


def _render_report(report: IngestReport) -> str:
    lines = [
        f"ingested {report.repo} into the {report.store} store in {report.seconds:.2f} s",
        f"  files: {report.files_parsed} parsed ({report.files_added} new, "
        f"{report.files_changed} changed), {report.files_unchanged} unchanged, "
        f"{report.files_removed} removed, "
        f"{sum(report.skipped_by_reason.values())} skipped",
        f"  graph: {report.entities_written} entities and {report.edges_written} edges written, "
        f"{report.entities_deleted} entities and {report.edges_deleted} edges removed",
    ]
    if report.commits:
        lines.append(f"  history: {report.commits} commits")
    if report.indexed_commit:
        lines.append(f"  indexed commit: {report.indexed_commit[:12]}")
    if report.skipped_by_reason:
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(report.skipped_by_reason.items()))
        lines.append(f"  skipped: {reasons}")
        for skipped in report.skipped[:10]:
            lines.append(f"    {skipped.path} ({skipped.reason})")
        if len(report.skipped) > 10:
            lines.append("    ... (--json lists them all)")
    docs = report.documents
    if docs is not None and (docs.adr_files or docs.rules_files):
        lines.append(
            f"  documents: {docs.adr_files} ADRs and {docs.rules_files} rules files, "
            f"{docs.entries} memories ({docs.created} created, {docs.updated} updated, "
            f"{docs.superseded} superseded, {docs.retracted} retracted, {docs.restored} restored),"
            f" {docs.resolved_to_code} anchored to code"
        )
        for conflict in docs.conflicts[:10]:
            lines.append(f"    possible conflict: {conflict}")
    if report.warnings:
        lines.append(f"  warnings: {len(report.warnings)}")
        for warning in report.warnings[:10]:
            lines.append(f"    {warning}")
        if len(report.warnings) > 10:
            lines.append("    ... (--json lists them all)")
    return "\n".join(lines)
