"""Agent commands: `graphmem hook AGENT`, `graphmem setup [AGENT...]`, `graphmem watch`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from graphmem.agents.events import AGENTS
from graphmem.cli.output import HelpFormatter, emit

HOOK_HELP = """\
Answer one lifecycle event of a coding agent: its hook payload (JSON, exactly as the agent
documents it) on stdin, the agent's own output format on stdout. At session start, a briefing
of repository-wide constraints and decisions; before a file is read or edited, the active
memories that govern it (once per session, within the token budget); after an edit, an
incremental re-ingest and a notice of memories the edit may have made stale; on a prompt that
names known code, what governs it. Nothing is printed on a miss, and any failure (no store, a
locked store, Neo4j down, a bad payload, the deadline) exits 0 silently with one line in
.graphmem/hooks.log. `graphmem setup` registers it; docs/agents.md lists what each agent gets.

examples:
  echo '{"hook_event_name":"SessionStart","session_id":"s1","cwd":"."}' | graphmem hook claude-code
  graphmem hook cursor < payload.json
  GRAPHMEM_HOOK_INJECTION_TOKENS=300 graphmem hook gemini < payload.json
"""

SETUP_HELP = """\
Register graphmem's hooks and MCP server in each agent's project configuration (Claude Code:
.claude/settings.json and .mcp.json; Codex: .codex/hooks.json and .codex/config.toml; Cursor:
.cursor/hooks.json and .cursor/mcp.json; Gemini CLI: .gemini/settings.json; Cline: one script
per event in .clinerules/hooks/, its MCP servers being in Cline's own settings; VS Code's
Copilot agent: .github/hooks/graphmem.json and .vscode/mcp.json). Existing
settings are kept; running it twice changes nothing; --remove takes out exactly what it added.
With no AGENT, the agents whose folders exist in the repository are set up.

examples:
  graphmem setup claude-code
  graphmem setup claude-code codex cursor gemini cline vscode --dry-run
  graphmem setup --remove
"""

WATCH_HELP = """\
Keep the code graph in step with the working tree: each debounced batch of changed source files
(honouring .gitignore) is ingested incrementally. Safe alongside the CLI, the MCP server and
hooks on the same store. Ctrl-C stops it.

examples:
  graphmem watch
  graphmem watch --debounce 1000 --json
"""


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add this group's sub-commands."""
    hook = subparsers.add_parser(
        "hook",
        parents=[common],
        help="answer an agent's lifecycle hook (JSON on stdin)",
        description=HOOK_HELP,
        formatter_class=HelpFormatter,
    )
    hook.add_argument("agent", choices=AGENTS, help="the agent whose payload is on stdin")
    hook.set_defaults(handler=run_hook_command)

    setup = subparsers.add_parser(
        "setup",
        parents=[common],
        help="register hooks and the MCP server with coding agents",
        description=SETUP_HELP,
        formatter_class=HelpFormatter,
    )
    setup.add_argument("agents", nargs="*", metavar="AGENT", help=f"one of {', '.join(AGENTS)}")
    setup.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    setup.add_argument("--remove", action="store_true", help="take out what setup added")
    setup.set_defaults(handler=run_setup)

    watch = subparsers.add_parser(
        "watch",
        parents=[common],
        help="re-ingest changed files as they change",
        description=WATCH_HELP,
        formatter_class=HelpFormatter,
    )
    watch.add_argument(
        "--debounce", type=int, default=400, metavar="MS", help="wait this long for more changes"
    )
    watch.set_defaults(handler=run_watch)


def run_hook_command(args: argparse.Namespace) -> int:
    from graphmem.agents.hook import MAX_PAYLOAD_BYTES, run_hook

    env = dict(os.environ)
    if getattr(args, "store", None):
        env["GRAPHMEM_STORE"] = args.store
    cwd = Path(getattr(args, "repo", None) or Path.cwd())
    raw = sys.stdin.buffer.read(MAX_PAYLOAD_BYTES + 1)
    out = run_hook(args.agent, raw, env, cwd)
    if out:
        sys.stdout.write(out + "\n")
    return 0


def run_setup(args: argparse.Namespace) -> int:
    from graphmem.agents.setup import AGENT_FOLDERS, apply, detect_agents, plan
    from graphmem.errors import UsageError
    from graphmem.settings import find_repo_root

    root = find_repo_root(Path(getattr(args, "repo", None) or Path.cwd()))
    agents = list(dict.fromkeys(args.agents)) or detect_agents(root)
    if not agents:
        raise UsageError(
            f"no agent folder ({', '.join(AGENT_FOLDERS.values())}) found: name the agents, "
            "e.g. `graphmem setup claude-code`"
        )
    changes = plan(root, agents, remove=args.remove)
    if not args.dry_run:
        apply(changes)
    data = {
        "agents": agents,
        "dry_run": args.dry_run,
        "remove": args.remove,
        "files": [
            {"path": c.path.relative_to(root).as_posix(), "diff": c.diff(root)} for c in changes
        ],
    }

    def render(d: dict[str, Any]) -> str:
        if not changes:
            return f"graphmem is already {'absent from' if args.remove else 'set up for'} " + (
                ", ".join(agents)
            )
        if args.dry_run:
            return "".join(f["diff"] for f in d["files"]).rstrip()
        verb = "removed from" if args.remove else "updated"
        return "\n".join(f"{verb} {f['path']}" for f in d["files"])

    emit(args.json, data, render)
    return 0


def run_watch(args: argparse.Namespace) -> int:
    import json

    from graphmem.agents.watch import WatchBatch, watch
    from graphmem.cli.context import open_graphmem

    def report(batch: WatchBatch) -> None:
        if args.json:
            print(json.dumps(batch.__dict__), flush=True)
        elif batch.error:
            print(f"graphmem watch: {len(batch.paths)} changed, not ingested: {batch.error}")
        else:
            print(f"graphmem watch: ingested {', '.join(batch.paths[:5])}", flush=True)

    with open_graphmem(args) as gm:

        def ready() -> None:
            if not args.json:
                print(f"graphmem watch: watching {gm.repo_root} (Ctrl-C stops)", flush=True)

        try:
            watch(gm, report, debounce_ms=args.debounce, on_ready=ready)
        except KeyboardInterrupt:
            if not args.json:
                print("graphmem watch: stopped", flush=True)
    return 0
