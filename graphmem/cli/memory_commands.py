"""Memory commands: remember, show, history, supersede, retract, revert, purge, acknowledge,
stale, log, export, import.

Each handler parses, calls GraphMem, and prints; errors are GraphMemErrors, turned into one line
by graphmem.cli.main. Only `remember` loads the embedding model.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphmem.cli.context import open_graphmem
from graphmem.cli.output import HelpFormatter, ProgressBar, emit
from graphmem.errors import UsageError

if TYPE_CHECKING:
    from graphmem.knowledge.writers import ExportResult

_KINDS = ("decision", "constraint", "failure", "preference", "fact")
_FILE_FORMATS = ("agents-md", "claude-rules", "cursor-rules", "adr")
_EXPORT_FORMATS = ("jsonl", "markdown", *_FILE_FORMATS)
#: At most this many memories are listed in a batch's summary.
_LISTED = 10


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the memory commands."""

    def command(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser(
            name,
            parents=[common],
            help=help_text,
            description=description,
            formatter_class=HelpFormatter,
        )
        return parser

    remember = command(
        "remember",
        "record a decision, constraint, failure, preference or fact",
        """\
Record knowledge and attach it to the code it governs. A memory on a directory applies to
everything inside it; with no --governs it governs the whole repository. Secrets in any field
are replaced by [REDACTED:<type>] before anything is stored. Possible conflicts with memories
on overlapping code are reported (never acted on); an identical memory is not stored twice.

examples:
  graphmem remember decision "Invoices are immutable once sent" --governs src/billing/ \\
      --rationale "auditors require it" --source https://github.com/acme/shop/pull/42
  graphmem remember constraint "create() must stay idempotent" \\
      --governs src/api/invoices.py::InvoiceService.create
  graphmem remember failure "Tax off by one cent on refunds" --governs billing.tax \\
      --symptom "test_refund_tax fails" --cause "float rounding" --fix "Decimal, ROUND_HALF_EVEN"
  graphmem remember preference "Keep diffs small; one concern per commit"
  graphmem remember decision "Use credit notes to correct invoices" --governs src/billing/ \\
      --supersedes d-3f9a1c2b
  graphmem remember --batch decisions.jsonl    # many at once, one JSON object a line:
      {"kind": "decision", "text": "Invoices are immutable", "governs": ["src/billing/"]}
      (keys as the options: kind, text, governs, rationale, source, tags, branch, user,
      supersedes, symptom, cause, fix, test, commit; every line is checked before any is stored)""",
    )
    remember.add_argument("kind", nargs="?", choices=_KINDS, help="what sort of knowledge")
    remember.add_argument("text", nargs="?", help="the knowledge itself, one statement")
    remember.add_argument(
        "--batch",
        metavar="FILE",
        help="record every memory in FILE (JSON lines; - for stdin) instead of one",
    )
    remember.add_argument(
        "--governs",
        nargs="+",
        action="extend",
        default=[],
        metavar="TARGET",
        help="path, directory/, qualified.name, path::Symbol or service:NAME (repeatable)",
    )
    remember.add_argument("--rationale", help="why it holds")
    remember.add_argument("--source", help="where it comes from: URL, PR, commit, ticket")
    remember.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    remember.add_argument("--branch", help="serve it only on this branch (default: every branch)")
    remember.add_argument("--user", help="whose preference it is (default: you)")
    remember.add_argument(
        "--supersedes",
        nargs="+",
        action="extend",
        default=[],
        metavar="ID",
        help="memories this one replaces (they stop being served, kept in history)",
    )
    for name, text in (
        ("symptom", "failure: what was seen"),
        ("cause", "failure: why it happened"),
        ("fix", "failure: what fixed it"),
        ("test", "failure: the test that shows it"),
        ("commit", "failure: the commit that fixed it"),
    ):
        remember.add_argument(f"--{name}", help=text)
    remember.set_defaults(handler=run_remember)

    show = command(
        "show",
        "one memory: text, status, where it applies, staleness, links",
        "Show a memory by id.\n\nexample:\n  graphmem show d-3f9a1c2b",
    )
    show.add_argument("id", help="memory id, e.g. d-3f9a1c2b")
    show.set_defaults(handler=run_show)

    history = command(
        "history",
        "the supersession chain through a memory, oldest first",
        "Every memory that replaced, or was replaced by, this one, oldest first.\n\n"
        "example:\n  graphmem history d-3f9a1c2b",
    )
    history.add_argument("id", help="memory id")
    history.set_defaults(handler=run_history)

    supersede = command(
        "supersede",
        "make an existing memory replace older ones",
        "The old memories stop being served (status superseded, kept in history).\n\n"
        "example (the hint printed with a conflict):\n"
        "  graphmem supersede d-3f9a1c2b --by d-77e0aa41",
    )
    supersede.add_argument("old", nargs="+", help="memory id(s) being replaced")
    supersede.add_argument("--by", required=True, metavar="NEW", help="the memory replacing them")
    supersede.set_defaults(handler=run_supersede)

    retract = command(
        "retract",
        "stop serving a memory that no longer holds",
        "The memory is kept (status retracted) and shown by history.\n\n"
        'example:\n  graphmem retract d-3f9a1c2b --reason "we moved to Postgres"',
    )
    retract.add_argument("id", help="memory id")
    retract.add_argument("--reason", help="why it no longer holds")
    retract.set_defaults(handler=run_retract)

    revert = command(
        "revert",
        "undo the supersession that replaced a memory",
        """\
ID becomes active again, with every other memory its successor had replaced; the successor is
retracted. ID may also be the successor itself (as `git revert` takes the change): the memories
it replaced come back. If the successor was itself superseded, revert the successor first.

examples:
  graphmem revert d-3f9a1c2b      # the replaced memory
  graphmem revert d-9e8d7c6b      # or the memory that replaced it""",
    )
    revert.add_argument("id", help="the superseded memory to bring back, or its successor")
    revert.set_defaults(handler=run_revert)

    purge = command(
        "purge",
        "erase a memory's text and embedding for good (compliance)",
        "Irreversible: text, rationale, source, tags, failure details and the embedding are\n"
        "removed from the store and its indexes; a tombstone event remains.\n\n"
        "example:\n  graphmem purge d-3f9a1c2b --yes",
    )
    purge.add_argument("id", help="memory id")
    purge.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    purge.set_defaults(handler=run_purge)

    acknowledge = command(
        "acknowledge",
        "re-confirm a possibly stale memory against the current code",
        "Records the current content of the code it governs as the new baseline.\n\n"
        "example:\n  graphmem acknowledge c-0b1c2d3e",
    )
    acknowledge.add_argument("id", help="memory id")
    acknowledge.set_defaults(handler=run_acknowledge)

    stale = command(
        "stale",
        "memories whose code changed or vanished",
        "Re-anchors memories whose code moved, then lists the orphaned (code gone) and possibly\n"
        "stale (code changed) active memories.\n\nexample:\n  graphmem stale --json",
    )
    stale.set_defaults(handler=run_stale)

    log = command(
        "log",
        "the audit trail (or retrieval receipts)",
        "Newest first.\n\nexamples:\n  graphmem log --limit 20\n  graphmem log --memory d-3f9a1c2b"
        "\n  graphmem log --receipts",
    )
    log.add_argument("--memory", metavar="ID", help="only entries naming this memory")
    log.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    log.add_argument("--receipts", action="store_true", help="what each retrieval returned")
    log.set_defaults(handler=run_log)

    export = command(
        "export",
        "export the store (jsonl), a digest (markdown), or agent rules and ADR files",
        """\
jsonl: every node and edge, lossless; `graphmem import` reads it into either backend.
markdown: the active memories grouped by the code they govern, for AGENTS.md or a PR.
These write into the repository, idempotently, for review in a pull request:
agents-md: a managed block in AGENTS.md (and CLAUDE.md); a folder's memories go into the
nearest AGENTS.md at or above it that people wrote, under a heading naming the folder.
claude-rules, cursor-rules: .claude/rules/graphmem-*.md (paths:), .cursor/rules/*.mdc (globs:).
adr: one ADR per decision that did not come from an ADR, in the folder's format (MADR, or
Nygard where adr-tools is used); `ingest` reads it back as the same memory (same id), so
decisions travel through git with no server. An ADR that exists is never rewritten: only its
status and graphmem key are brought up to date.
A file holding what graphmem did not write (a hand-written file of the same name, an edited
line, a block missing its end marker, a status edited since the last ingest) is skipped with
a warning naming the file, the line and what to do, and the exit code is 4; --force writes it.

examples:
  graphmem export --output backup.jsonl
  graphmem export --format markdown > MEMORY.md
  graphmem export --format agents-md
  graphmem export --format adr --json""",
    )
    export.add_argument("--format", choices=_EXPORT_FORMATS, default="jsonl")
    export.add_argument("--output", "-o", metavar="FILE", help="write here (default: stdout)")
    export.add_argument(
        "--force",
        action="store_true",
        help="file formats: write the files export skipped, losing what it warned about",
    )
    export.add_argument(
        "--nested",
        action="store_true",
        help="agents-md: write a folder's memories into <folder>/AGENTS.md, creating it",
    )
    export.set_defaults(handler=run_export)

    import_ = command(
        "import",
        "import a JSONL export",
        "The whole file is validated before anything is written.\n\n"
        "example:\n  graphmem import backup.jsonl",
    )
    import_.add_argument("file", help="a file written by `graphmem export`")
    import_.set_defaults(handler=run_import)


# -- handlers ---------------------------------------------------------------------------------


def run_remember(args: argparse.Namespace) -> int:
    if args.batch is not None:
        return _remember_batch(args)
    if args.kind is None or args.text is None:
        raise UsageError("remember needs a kind and a text (or --batch FILE)")
    with open_graphmem(args) as gm:
        result = gm.remember(
            args.kind,
            args.text,
            args.governs,
            rationale=args.rationale,
            source=args.source,
            tags=args.tag,
            branch=args.branch,
            user=args.user,
            supersedes=args.supersedes,
            symptom=args.symptom,
            cause=args.cause,
            fix=args.fix,
            test=args.test,
            commit=args.commit,
        )
    _warn_redactions([(r.type, r.count) for r in result.redactions])
    emit(args.json, result, _render_remember)
    return 0


def _remember_batch(args: argparse.Namespace) -> int:
    from graphmem.memory.remember import requests_from_jsonl

    if args.kind is not None or args.text is not None:
        raise UsageError("--batch reads kind and text from its file: give no other memory")
    if args.batch == "-":
        lines = sys.stdin.read().splitlines()
    else:
        path = Path(args.batch)
        if not path.is_file():
            raise UsageError(f"no such file: {args.batch}")
        lines = path.read_text(encoding="utf-8").splitlines()
    requests = requests_from_jsonl(lines)
    bar = ProgressBar(sys.stderr) if (not args.json and sys.stderr.isatty()) else None

    def progress(done: int) -> None:
        if bar:
            bar.update("remember", done, len(requests))

    with open_graphmem(args) as gm:
        try:
            results = gm.remember_many(requests, on_done=progress)
        finally:
            if bar:
                bar.close()
    found: Counter[str] = Counter()
    for result in results:
        found.update({r.type: r.count for r in result.redactions})
    _warn_redactions(sorted(found.items()))
    emit(args.json, results, _render_batch)
    return 0


def run_show(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        view = gm.show(args.id)
    emit(args.json, view, _render_show)
    return 0


def run_history(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        entries = gm.history(args.id)
    emit(args.json, entries, _render_history)
    return 0


def run_supersede(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        change = gm.supersede(args.old, args.by)
    emit(args.json, change, _render_change)
    return 0


def run_retract(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        change, redacted = gm.retract(args.id, args.reason)
    _warn_redactions([(t, 1) for t in redacted])
    emit(args.json, change, _render_change)
    return 0


def run_revert(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        change = gm.revert(args.id)
    emit(args.json, change, _render_change)
    return 0


def run_purge(args: argparse.Namespace) -> int:
    if not args.yes:
        raise UsageError(f"purge cannot be undone: run `graphmem purge {args.id} --yes`")
    with open_graphmem(args) as gm:
        change = gm.purge(args.id)
    emit(args.json, change, _render_change)
    return 0


def run_acknowledge(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        change = gm.acknowledge(args.id)
    emit(args.json, change, _render_change)
    return 0


def run_stale(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        report = gm.stale()
    emit(args.json, report, _render_stale)
    return 0


def run_log(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        if args.receipts:
            emit(args.json, gm.receipts(args.memory, args.limit), _render_receipts)
        else:
            emit(args.json, gm.events(args.memory, args.limit), _render_events)
    return 0


def run_export(args: argparse.Namespace) -> int:
    if args.format in _FILE_FORMATS:
        if args.output:
            raise UsageError(f"--format {args.format} writes into the repository: drop --output")
        if args.nested and args.format != "agents-md":
            raise UsageError("--nested is for --format agents-md")
        with open_graphmem(args) as gm:
            result = gm.export_documents(args.format, force=args.force, nested=args.nested)
        emit(args.json, result, _render_file_export)
        for warning in result.warnings:
            print(f"graphmem: warning: {warning}", file=sys.stderr)
        return 4 if result.skipped else 0
    if args.force or args.nested:
        raise UsageError(f"--force and --nested are for the file formats, not {args.format}")
    with open_graphmem(args) as gm:
        if args.format == "markdown":
            text = gm.export_markdown()
            count = text.count("\n- **")
            if args.output:
                Path(args.output).write_text(text, encoding="utf-8")
            elif args.json:
                emit(True, {"format": "markdown", "memories": count, "text": text})
                return 0
            else:
                sys.stdout.write(text)
        elif args.output:
            with open(args.output, "w", encoding="utf-8") as fp:
                count = gm.export_jsonl(fp)
        else:
            count = gm.export_jsonl(sys.stdout)
    if args.output:
        emit(
            args.json,
            {"format": args.format, "output": args.output, "records": count},
            _render_export,
        )
    return 0


def _render_file_export(result: ExportResult) -> str:
    skipped = f", {len(result.skipped)} skipped" if result.skipped else ""
    lines = [
        f"exported {result.memories} memories as {result.format}: {len(result.written)} files "
        f"written, {len(result.removed)} removed, {len(result.unchanged)} unchanged{skipped}"
    ]
    lines += [f"  wrote {p}" for p in result.written] + [f"  removed {p}" for p in result.removed]
    lines += [f"  skipped {p} (see the warning)" for p in result.skipped]
    return "\n".join(lines)


def run_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no such file: {args.file}")
    with open_graphmem(args) as gm, path.open(encoding="utf-8") as fp:
        result = gm.import_jsonl(fp)
    emit(
        args.json,
        result,
        lambda r: r.describe(),
    )
    return 0


# -- rendering --------------------------------------------------------------------------------


def _warn_redactions(found: list[tuple[str, int]]) -> None:
    if found:
        kinds = ", ".join(f"{t} x{n}" if n > 1 else t for t, n in found)
        print(f"graphmem: warning: secrets redacted before storing: {kinds}", file=sys.stderr)


def _render_remember(result: Any) -> str:
    memory = result.memory
    if not result.created:
        return f"already known: {memory.id} ({memory.kind.value}) {memory.text}\nnothing stored"
    targets = ", ".join(a.label for a in result.anchors)
    lines = [f"remembered {memory.id} ({memory.kind.value}) governing {targets}"]
    if memory.branch:
        lines.append(f"  only on branch {memory.branch}")
    for old in result.superseded:
        lines.append(f"  supersedes {old}")
    if result.conflicts:
        lines.append("possible conflicts (nothing was superseded):")
        for c in result.conflicts:
            lines.append(
                f"  {c.memory_id} ({c.kind}, {c.relation} {c.governs}, score {c.score:.2f})"
            )
            lines.append(f"      {c.text}")
            lines.append(f"      to replace it: {c.hint}")
    return "\n".join(lines)


def _render_batch(results: list[Any]) -> str:
    created = [r for r in results if r.created]
    lines = [
        f"remembered {len(created)} of {len(results)} memories"
        + (f" ({len(results) - len(created)} already known)" if len(created) < len(results) else "")
    ]
    conflicting = [r for r in created if r.conflicts]
    if conflicting:
        lines.append(f"{len(conflicting)} with possible conflicts (nothing was superseded):")
    for result in conflicting[:_LISTED]:
        others = ", ".join(c.memory_id for c in result.conflicts[:3])
        more = f" and {len(result.conflicts) - 3} more" if len(result.conflicts) > 3 else ""
        lines.append(f"  {result.memory.id}: {others}{more}")
    if len(conflicting) > _LISTED:
        lines.append(f"  ... {len(conflicting) - _LISTED} more (--json lists them all)")
    return "\n".join(lines)


def _render_show(view: Any) -> str:
    memory = view.memory
    lines = [f"{memory.id}  {memory.kind.value}  {memory.status.value}"]
    if memory.text:
        lines.append(f"  {memory.text}")
    for label, value in (
        ("why", memory.rationale),
        *memory.failure_details(),
        ("source", memory.source),
        ("tags", ", ".join(memory.tags)),
        ("branch", memory.branch),
        ("user", memory.user),
        ("by", memory.author),
        ("since", memory.valid_from),
        ("until", memory.valid_to),
        ("retracted because", view.retracted_reason),
    ):
        if value:
            lines.append(f"  {label}: {value}")
    for status in view.staleness.anchors:
        note = {"ok": "", "changed": "  (code changed: possibly stale)", "orphaned": "  (gone)"}
        lines.append(f"  governs {status.anchor.label}{note[status.state]}")
    if view.supersedes:
        lines.append(f"  supersedes {', '.join(view.supersedes)}")
    if view.superseded_by:
        lines.append(f"  superseded by {', '.join(view.superseded_by)}")
    return "\n".join(lines)


def _render_history(entries: list[Any]) -> str:
    lines = []
    for entry in entries:
        memory = entry.memory
        arrow = f" -> {', '.join(entry.superseded_by)}" if entry.superseded_by else ""
        undone = f" (reverted: {', '.join(entry.reverted_links)})" if entry.reverted_links else ""
        lines.append(
            f"{memory.created_at[:19]}  {memory.id}  {memory.status.value:<10}{arrow}{undone}"
        )
        if memory.text:
            lines.append(f"    {memory.text}")
    return "\n".join(lines)


def _render_change(change: Any) -> str:
    if change.action == "revert":
        lines = [
            f"revert: restored {', '.join(change.active) or 'nothing'}"
            + (f", replaced by {', '.join(change.inactive)}" if change.inactive else "")
            + f" (event {change.event_id})"
        ]
    else:
        lines = [f"{change.action}: {', '.join(change.memory_ids)}"]
    if change.active:
        lines.append(f"  active: {', '.join(change.active)}")
    if change.inactive:
        lines.append(f"  no longer served: {', '.join(change.inactive)}")
    return "\n".join(lines)


def _render_stale(report: Any) -> str:
    lines = []
    for moved in report.refresh.reanchored:
        lines.append(f"re-anchored {moved.memory_id}: {moved.old.label} -> {moved.new_entity}")
    if not report.memories:
        lines.append("no stale or orphaned memories")
    for entry in report.memories:
        state = "orphaned" if entry.staleness.orphaned else "possibly stale"
        where = ", ".join(
            f"{s.anchor.label} ({s.state})" for s in entry.staleness.anchors if s.state != "ok"
        )
        lines.append(f"{entry.memory.id}  {state}: {where}")
        lines.append(f"    {entry.memory.text}")
    return "\n".join(lines)


def _render_events(events: list[Any]) -> str:
    if not events:
        return "no events"
    return "\n".join(
        f"{e.at[:19]}  {e.action:<11} {', '.join(e.memory_ids)}  by {e.author or '?'}"
        for e in events
    )


def _render_receipts(receipts: list[Any]) -> str:
    if not receipts:
        return "no receipts"
    return "\n".join(
        f"{r.at[:19]}  {r.operation:<8} {r.query!r} -> {', '.join(r.memory_ids) or '(none)'}"
        for r in receipts
    )


def _render_export(data: dict[str, Any]) -> str:
    return f"wrote {data['records']} {data['format']} records to {data['output']}"
