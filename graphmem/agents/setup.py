"""`graphmem setup`: the hooks and the MCP server in each agent's own project files.

Merged into what is there (every user setting kept), idempotent (a second run changes nothing),
reversible (`--remove` takes out exactly the entries whose command is `graphmem hook AGENT` or
the `graphmem` MCP server as added, and deletes a file only when nothing else is left in it).

| agent       | hooks                                    | MCP server                      |
|-------------|------------------------------------------|---------------------------------|
| claude-code | .claude/settings.json                    | .mcp.json                       |
| cline       | .clinerules/hooks/TaskStart ... (scripts) | (Cline's own MCP settings)     |
| codex       | .codex/hooks.json                        | .codex/config.toml              |
| cursor      | .cursor/hooks.json                       | .cursor/mcp.json                |
| gemini      | .gemini/settings.json                    | .gemini/settings.json           |
| vscode      | .github/hooks/graphmem.json              | .vscode/mcp.json                |

The commands are `graphmem hook AGENT` and `graphmem mcp`: the hook finds the repository from
the working directory the agent reports, so they work from anywhere inside it. Cline runs each
executable file of .clinerules/hooks/ named after its event; setup writes a small script
there per event, and keeps MCP servers outside the project, in its own settings.
"""

from __future__ import annotations

import copy
import difflib
import json
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphmem.agents.events import AGENTS
from graphmem.errors import UsageError

MCP_SERVER = {"command": "graphmem", "args": ["mcp"]}
#: VS Code's `.vscode/mcp.json` names the transport of each server under `servers`.
VSCODE_MCP_SERVER = {"type": "stdio", **MCP_SERVER}
HOOK_TIMEOUT_SECONDS = 5

#: Per agent: hook event -> matcher (None: the event takes no matcher).
CLAUDE_EVENTS = {
    "SessionStart": None,
    "PreToolUse": "Read|Edit|Write|MultiEdit|NotebookEdit",
    "PostToolUse": "Edit|Write|MultiEdit|NotebookEdit",
    "UserPromptSubmit": None,
}
CODEX_EVENTS = {
    "SessionStart": "startup|resume|clear",
    "PreToolUse": "apply_patch|Edit|Write",
    "PostToolUse": "apply_patch|Edit|Write",
    "UserPromptSubmit": None,
}
GEMINI_EVENTS = {
    "SessionStart": None,
    "AfterTool": "read_file|read_many_files|write_file|replace",
    "BeforeAgent": None,
}
CURSOR_EVENTS = {"sessionStart": None, "postToolUse": "Read", "afterFileEdit": None}
#: VS Code ignores matchers (every tool call runs the hook; the payload says which tool it is).
VSCODE_EVENTS: dict[str, str | None] = {
    "SessionStart": None,
    "PreToolUse": None,
    "PostToolUse": None,
}
CLINE_HOOKS = ("TaskStart", "TaskResume", "UserPromptSubmit", "PreToolUse", "PostToolUse")
#: Cline cancels the tool call of a hook that exits non-zero: without graphmem on the PATH (or
#: with a broken install), the script still exits 0 and prints nothing, so the task goes on.
CLINE_SCRIPT = """\
#!/bin/sh
# graphmem: added by `graphmem setup cline` (`graphmem setup cline --remove` takes it out)
graphmem hook cline 2>/dev/null || true
"""

CODEX_MCP_BLOCK = """\
# graphmem: begin (added by `graphmem setup codex`; `--remove` takes it out)
[mcp_servers.graphmem]
command = "graphmem"
args = ["mcp"]
# graphmem: end
"""

#: The folder whose presence says an agent is used in this repository.
AGENT_FOLDERS = {
    "claude-code": ".claude",
    "cline": ".clinerules",
    "codex": ".codex",
    "cursor": ".cursor",
    "gemini": ".gemini",
    "vscode": ".vscode",
}


@dataclass(frozen=True)
class FileChange:
    """One configuration file before and after (None: the file does not exist)."""

    path: Path
    before: str | None
    after: str | None
    #: the repository: the folders a removal leaves empty go, up to it
    root: Path | None = None

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self, root: Path) -> str:
        name = self.path.relative_to(root).as_posix()
        lines = difflib.unified_diff(
            (self.before or "").splitlines(keepends=True),
            (self.after or "").splitlines(keepends=True),
            fromfile=f"a/{name}" if self.before is not None else "/dev/null",
            tofile=f"b/{name}" if self.after is not None else "/dev/null",
        )
        return "".join(lines)


def detect_agents(repo_root: Path) -> list[str]:
    """The agents whose project folder exists in the repository."""
    return [agent for agent, folder in AGENT_FOLDERS.items() if (repo_root / folder).is_dir()]


def plan(repo_root: Path, agents: Sequence[str], remove: bool = False) -> list[FileChange]:
    """The file changes that add (or remove) graphmem for `agents`, nothing written yet."""
    pending: dict[Path, FileChange] = {}
    for agent in agents:
        if agent not in AGENTS:
            raise UsageError(f"unknown agent {agent!r}: choose from {', '.join(AGENTS)}")
        for relpath, edit in _EDITS[agent]:
            path = repo_root / relpath
            current = pending.get(path)
            before = current.before if current else _read(path)
            text = current.after if current else before
            after = edit(path, text, agent, remove)
            pending[path] = FileChange(path, before, after, root=repo_root)
    return [change for change in pending.values() if change.changed]


def apply(changes: Sequence[FileChange]) -> None:
    """Write (or delete) each changed file; folders left empty by a deletion go too."""
    for change in changes:
        if change.after is None:
            change.path.unlink(missing_ok=True)
            parent = change.path.parent
            while parent != change.root and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()  # .clinerules/hooks/, then .clinerules/
                if change.root is None:
                    break
                parent = parent.parent
            continue
        change.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = change.path.with_name(change.path.name + ".graphmem-tmp")
        temporary.write_text(change.after, encoding="utf-8")
        if change.after.startswith("#!"):  # a script the agent runs (Cline's hooks)
            temporary.chmod(0o755)
        temporary.replace(change.path)


def hook_command(agent: str) -> str:
    return f"graphmem hook {agent}"


# -- JSON files ---------------------------------------------------------------------------------


def _json_edit(
    change: Callable[[dict[str, Any], str, bool], None], skeleton: dict[str, Any] | None = None
) -> Callable[[Path, str | None, str, bool], str | None]:
    """An edit of a JSON file through `change(document, agent, remove)`."""

    def edit(path: Path, text: str | None, agent: str, remove: bool) -> str | None:
        if text is None and remove:
            return None
        document = _load_json(path, text)
        original = copy.deepcopy(document)
        if text is None and skeleton:
            document.update(copy.deepcopy(skeleton))
        change(document, agent, remove)
        if document == original:
            return text
        if text is not None and remove and document in ({}, skeleton):
            return None
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    return edit


def _grouped_hooks(events: dict[str, str | None], timeout: int) -> Callable[..., None]:
    """Claude Code, Codex and Gemini CLI: hooks.EVENT = [{matcher, hooks: [{type, command}]}]."""

    def change(document: dict[str, Any], agent: str, remove: bool) -> None:
        command = hook_command(agent)
        hooks = _child(document, "hooks", dict)
        for event, matcher in events.items():
            groups = hooks.get(event)
            if remove:
                if isinstance(groups, list):
                    groups[:] = [g for g in groups if _without(g, command) is not None]
                    if not groups:
                        del hooks[event]
                continue
            groups = _child(hooks, event, list)
            if any(
                _ours(h, command)
                for g in groups
                if isinstance(g, dict)
                for h in g.get("hooks") or ()
            ):
                continue
            entry: dict[str, Any] = {"type": "command", "command": command, "timeout": timeout}
            if agent == "gemini":
                entry = {"name": "graphmem", **entry}
            added: dict[str, Any] = {"matcher": matcher} if matcher else {}
            added["hooks"] = [entry]
            groups.append(added)
        if not hooks:
            del document["hooks"]

    return change


def _without(group: object, command: str) -> object | None:
    """`group` with our hook taken out, or None when it held nothing else."""
    if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
        return group
    kept = [h for h in group["hooks"] if not _ours(h, command)]
    if len(kept) == len(group["hooks"]):
        return group
    if not kept:
        return None
    group["hooks"] = kept
    return group


def _flat_hooks(events: dict[str, str | None], **fields: Any) -> Callable[..., None]:
    """Cursor and VS Code: hooks.EVENT = [{command, matcher?, ...fields}]."""

    def change(document: dict[str, Any], agent: str, remove: bool) -> None:
        command = hook_command(agent)
        hooks = _child(document, "hooks", dict)
        for event, matcher in events.items():
            entries = hooks.get(event)
            if remove:
                if isinstance(entries, list):
                    entries[:] = [e for e in entries if not _ours(e, command)]
                    if not entries:
                        del hooks[event]
                continue
            entries = _child(hooks, event, list)
            if not any(_ours(e, command) for e in entries):
                matched = {"matcher": matcher} if matcher else {}
                entries.append({**fields, "command": command, **matched})
        if not hooks:
            del document["hooks"]

    return change


def _mcp_server(
    key: str = "mcpServers", server: dict[str, Any] = MCP_SERVER
) -> Callable[..., None]:
    """`KEY.graphmem`, added when absent, removed only when it is still ours."""

    def change(document: dict[str, Any], agent: str, remove: bool) -> None:
        servers = _child(document, key, dict)
        if remove:
            if servers.get("graphmem") == server:
                del servers["graphmem"]
        elif "graphmem" not in servers:
            servers["graphmem"] = dict(server)
        if not servers:
            del document[key]

    return change


def _both(*changes: Callable[[dict[str, Any], str, bool], None]) -> Callable[..., None]:
    def change(document: dict[str, Any], agent: str, remove: bool) -> None:
        for one in changes:
            one(document, agent, remove)

    return change


def _ours(entry: object, command: str) -> bool:
    return isinstance(entry, dict) and entry.get("command") == command


def _child(parent: dict[str, Any], key: str, kind: type) -> Any:
    value = parent.get(key)
    if value is None:
        value = parent[key] = kind()
    if not isinstance(value, kind):
        raise UsageError(f"`{key}` in the agent's configuration is not a {kind.__name__}")
    return value


def _load_json(path: Path, text: str | None) -> dict[str, Any]:
    if text is None or not text.strip():
        return {}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(
            f"{path} is not plain JSON ({e.msg}, line {e.lineno}): fix it or add the hooks by "
            "hand as docs/agents.md shows"
        ) from e
    if not isinstance(document, dict):
        raise UsageError(f"{path} does not hold a JSON object: fix it or add the hooks by hand")
    return document


# -- Codex's config.toml ------------------------------------------------------------------------


def _codex_mcp(path: Path, text: str | None, agent: str, remove: bool) -> str | None:
    """The MCP server as a marked block at the end of .codex/config.toml (comments kept)."""
    current = text or ""
    if remove:
        if CODEX_MCP_BLOCK not in current:
            return text
        stripped = current.replace("\n" + CODEX_MCP_BLOCK, "", 1)
        if stripped == current:
            stripped = current.replace(CODEX_MCP_BLOCK, "", 1)
        return stripped if stripped.strip() else None
    try:
        parsed = tomllib.loads(current)
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path} is not valid TOML ({e}): fix it first") from e
    servers = parsed.get("mcp_servers")
    if isinstance(servers, dict) and "graphmem" in servers:
        return text
    if not current:
        return CODEX_MCP_BLOCK
    merged = (current if current.endswith("\n") else current + "\n") + "\n" + CODEX_MCP_BLOCK
    try:
        tomllib.loads(merged)
    except tomllib.TOMLDecodeError as e:  # `mcp_servers = { ... }`: a table closed inline
        raise UsageError(
            f"{path} declares mcp_servers in a form a [mcp_servers.graphmem] table cannot join "
            f'({e}): add graphmem to it yourself (command "graphmem", args ["mcp"])'
        ) from e
    return merged


# -- Cline's hook scripts ----------------------------------------------------------------------


def _cline_hook(path: Path, text: str | None, agent: str, remove: bool) -> str | None:
    """One event's script in .clinerules/hooks/: written when absent, removed only while it is
    still ours; a script of the user's own is never overwritten."""
    if remove:
        return None if text == CLINE_SCRIPT else text
    if text is None or text == CLINE_SCRIPT:
        rules = path.parent.parent
        if rules.is_file():
            raise UsageError(
                f"{rules} is a file, and Cline reads hooks from the folder {rules.name}/hooks/: "
                f"move its rules into {rules.name}/rules.md first"
            )
        return CLINE_SCRIPT
    raise UsageError(
        f"{path} is a hook of your own, left as it is: have it run `graphmem hook cline` "
        "itself (docs/agents.md), or move it aside and run setup again"
    )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # `.clinerules` may be a file
        return None


_EDITS: dict[str, list[tuple[str, Callable[[Path, str | None, str, bool], str | None]]]] = {
    "claude-code": [
        (".claude/settings.json", _json_edit(_grouped_hooks(CLAUDE_EVENTS, HOOK_TIMEOUT_SECONDS))),
        (".mcp.json", _json_edit(_mcp_server())),
    ],
    "cline": [(f".clinerules/hooks/{name}", _cline_hook) for name in CLINE_HOOKS],
    "codex": [
        (".codex/hooks.json", _json_edit(_grouped_hooks(CODEX_EVENTS, HOOK_TIMEOUT_SECONDS))),
        (".codex/config.toml", _codex_mcp),
    ],
    "cursor": [
        (".cursor/hooks.json", _json_edit(_flat_hooks(CURSOR_EVENTS), skeleton={"version": 1})),
        (".cursor/mcp.json", _json_edit(_mcp_server())),
    ],
    "gemini": [
        (
            ".gemini/settings.json",
            _json_edit(
                _both(_grouped_hooks(GEMINI_EVENTS, 1000 * HOOK_TIMEOUT_SECONDS), _mcp_server())
            ),
        ),
    ],
    "vscode": [
        (
            ".github/hooks/graphmem.json",
            _json_edit(_flat_hooks(VSCODE_EVENTS, type="command", timeout=HOOK_TIMEOUT_SECONDS)),
        ),
        (".vscode/mcp.json", _json_edit(_mcp_server("servers", VSCODE_MCP_SERVER))),
    ],
}
