"""Each agent's documented hook payload (JSON on stdin) as one neutral `HookEvent`.

Only the events graphmem answers are recognised; anything else gives None, and the hook says
nothing. Field names follow each agent's hook reference (captured examples live in
tests/fixtures/hooks/<agent>/):

- Claude Code and Codex: `hook_event_name` SessionStart, PreToolUse, PostToolUse,
  UserPromptSubmit; `tool_input.file_path` (Codex edits arrive as `apply_patch` with the patch
  text in `tool_input.command`).
- Cursor: `hook_event_name` sessionStart, postToolUse (a Read), afterFileEdit; the session is
  `conversation_id`, the working directory `workspace_roots[0]`.
- Gemini CLI: SessionStart, AfterTool (read_file, write_file, replace), BeforeAgent.
- Cline: `hookName` TaskStart, TaskResume, UserPromptSubmit, PreToolUse, PostToolUse, the
  event's own data under its camel-case name (`preToolUse.toolName`, `.parameters.path`); the
  session is `taskId`, the working directory `workspaceRoots[0]`. Its hooks page also writes
  `tool` and `workspacePath`: both spellings are read.
- VS Code (GitHub Copilot's agent): `hookEventName` SessionStart, PreToolUse, PostToolUse, the
  session `sessionId`; its own tools (`read_file`, `replace_string_in_file`, ...) with
  camel-case inputs (`filePath`, `oldString`, `replacements`). VS Code also runs the hooks of
  `.claude/settings.json` with these payloads: `graphmem hook claude-code` leaves them alone,
  so an agent is never briefed twice (`graphmem setup vscode` gives VS Code hooks of its own).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from graphmem.agents.events import EventKind, FileTouch, HookEvent

#: Claude Code tools that read or change one file, and the input field that names it.
CLAUDE_READS = frozenset({"Read"})
CLAUDE_EDITS = frozenset({"Edit", "Write", "MultiEdit", "NotebookEdit"})
#: Codex reports its file edits as `apply_patch` (`Edit` and `Write` are matcher aliases).
CODEX_EDITS = frozenset({"apply_patch", "Edit", "Write"})
CURSOR_READS = frozenset({"Read", "read_file"})
GEMINI_READS = frozenset({"read_file", "read_many_files"})
GEMINI_EDITS = frozenset({"write_file", "replace"})
CLINE_READS = frozenset({"read_file"})
CLINE_EDITS = frozenset({"write_to_file", "replace_in_file"})
VSCODE_READS = frozenset({"read_file"})
VSCODE_EDITS = frozenset(
    {
        "create_file",
        "replace_string_in_file",
        "multi_replace_string_in_file",
        "insert_edit_into_file",
        "apply_patch",
        "edit_notebook_file",
    }
)
#: Cline's hook names graphmem answers, and what each is.
CLINE_EVENTS: dict[str, EventKind] = {
    "TaskStart": "session_start",
    "TaskResume": "session_start",
    "UserPromptSubmit": "prompt",
    "PreToolUse": "before_file",
    "PostToolUse": "after_edit",
}

_PATCH_FILE = re.compile(r"^\*\*\* (Update|Add|Delete) File: (.+?)\s*$")
#: The text a Cline `replace_in_file` block replaces: from its SEARCH line to `=======`.
_SEARCH_BLOCK = re.compile(
    r"^(?:-{7}|<{7}) SEARCH[^\n]*\n(.*?)^={7}[ \t]*$", re.MULTILINE | re.DOTALL
)


def parse_payload(agent: str, payload: Mapping[str, Any]) -> HookEvent | None:
    """The event `payload` describes for `agent`, or None when graphmem has nothing to do."""
    parser = _PARSERS.get(agent)
    return parser(payload) if parser is not None else None


def _claude(payload: Mapping[str, Any]) -> HookEvent | None:
    return _claude_like("claude-code", payload, CLAUDE_READS, CLAUDE_EDITS)


def _codex(payload: Mapping[str, Any]) -> HookEvent | None:
    return _claude_like("codex", payload, frozenset(), CODEX_EDITS)


def _claude_like(
    agent: str,
    payload: Mapping[str, Any],
    reads: frozenset[str],
    edits: frozenset[str],
    event_key: str = "hook_event_name",
    session_key: str = "session_id",
    prompts: bool = True,
) -> HookEvent | None:
    """Claude Code's payload shape, which Codex and VS Code share (VS Code spells the event
    and session keys in camel case)."""
    name = _text(payload.get(event_key))
    tool = _text(payload.get("tool_name"))
    kind: EventKind | None = None
    if name == "SessionStart":
        kind = "session_start"
    elif name == "UserPromptSubmit" and prompts:
        kind = "prompt"
    elif name == "PreToolUse" and (tool in reads or tool in edits):
        kind = "before_file"
    elif name == "PostToolUse" and tool in edits:
        kind = "after_edit"
    if kind is None:
        return None
    tool_input = _mapping(payload.get("tool_input"))
    files = _patch_files(tool_input) if tool == "apply_patch" else _tool_files(tool_input)
    return HookEvent(
        agent=agent,
        kind=kind,
        native_name=name,
        session_id=_text(payload.get(session_key)),
        cwd=_text(payload.get("cwd")) or None,
        files=files,
        prompt=_text(payload.get("prompt")),
    )


def _cursor(payload: Mapping[str, Any]) -> HookEvent | None:
    name = _text(payload.get("hook_event_name"))
    kind: EventKind | None = None
    files: tuple[FileTouch, ...] = ()
    if name == "sessionStart":
        kind = "session_start"
    elif name == "postToolUse" and _text(payload.get("tool_name")) in CURSOR_READS:
        kind = "before_file"
        files = _tool_files(_mapping(payload.get("tool_input")))
    elif name == "afterFileEdit":
        kind = "after_edit"
        edits = payload.get("edits")
        old = tuple(_text(e.get("old_string")) for e in edits or () if isinstance(e, Mapping))
        path = _text(payload.get("file_path"))
        files = (FileTouch(path, tuple(o for o in old if o)),) if path else ()
    if kind is None:
        return None
    roots = payload.get("workspace_roots")
    cwd = _text(roots[0]) if isinstance(roots, list) and roots else _text(payload.get("cwd"))
    session = _text(payload.get("conversation_id")) or _text(payload.get("session_id"))
    return HookEvent("cursor", kind, name, session, cwd or None, files)


def _gemini(payload: Mapping[str, Any]) -> HookEvent | None:
    name = _text(payload.get("hook_event_name"))
    tool = _text(payload.get("tool_name"))
    kind: EventKind | None = None
    if name == "SessionStart":
        kind = "session_start"
    elif name == "BeforeAgent":
        kind = "prompt"
    elif name == "AfterTool" and tool in GEMINI_READS:
        kind = "before_file"
    elif name == "AfterTool" and tool in GEMINI_EDITS:
        kind = "after_edit"
    if kind is None:
        return None
    return HookEvent(
        agent="gemini",
        kind=kind,
        native_name=name,
        session_id=_text(payload.get("session_id")),
        cwd=_text(payload.get("cwd")) or None,
        files=_tool_files(_mapping(payload.get("tool_input"))),
        prompt=_text(payload.get("prompt")),
    )


def _cline(payload: Mapping[str, Any]) -> HookEvent | None:
    name = _text(payload.get("hookName")) or next(
        (n for n in CLINE_EVENTS if _camel(n) in payload), ""
    )
    kind = CLINE_EVENTS.get(name)
    data = _mapping(payload.get(_camel(name)))
    tool = _text(data.get("toolName")) or _text(data.get("tool"))
    if (
        kind is None
        or (kind == "before_file" and tool not in CLINE_READS | CLINE_EDITS)
        or (kind == "after_edit" and tool not in CLINE_EDITS)
    ):
        return None
    parameters = _mapping(data.get("parameters"))
    path = _text(parameters.get("path")) if kind in ("before_file", "after_edit") else ""
    old = tuple(m.rstrip("\n") for m in _SEARCH_BLOCK.findall(_text(parameters.get("diff"))))
    roots = payload.get("workspaceRoots")
    cwd = _text(roots[0]) if isinstance(roots, list) and roots else ""
    return HookEvent(
        agent="cline",
        kind=kind,
        native_name=name,
        session_id=_text(payload.get("taskId")),
        cwd=cwd or _text(payload.get("workspacePath")) or None,
        files=(FileTouch(path, tuple(o for o in old if o)),) if path else (),
        prompt=_text(data.get("prompt")),
    )


def _vscode(payload: Mapping[str, Any]) -> HookEvent | None:
    return _claude_like(
        "vscode",
        payload,
        VSCODE_READS,
        VSCODE_EDITS,
        event_key="hookEventName",
        session_key="sessionId",
        prompts=False,  # its UserPromptSubmit takes no context
    )


def _camel(name: str) -> str:
    """Cline's key for an event's own data: `PreToolUse` -> `preToolUse`."""
    return name[:1].lower() + name[1:]


def _tool_files(tool_input: Mapping[str, Any]) -> tuple[FileTouch, ...]:
    """The files a tool reads or edits, with the old text of its edits (Edit, MultiEdit, replace,
    VS Code's `replacements`)."""
    path = _path_of(tool_input)
    if not path:
        replacements = tool_input.get("replacements")
        if isinstance(replacements, list):  # VS Code's multi_replace_string_in_file
            return _grouped_by_file([r for r in replacements if isinstance(r, Mapping)])
        names = []  # Gemini's read_many_files: paths and `include`, either may be globs
        for key in ("paths", "include"):
            listed = tool_input.get(key)
            names += [_text(p) for p in listed] if isinstance(listed, list) else []
        return tuple(FileTouch(p) for p in dict.fromkeys(names) if p)
    old = [_old_text(tool_input)]
    edits = tool_input.get("edits")
    if isinstance(edits, list):
        old += [_old_text(e) for e in edits if isinstance(e, Mapping)]
    return (FileTouch(path, tuple(o for o in old if o)),)


def _path_of(tool_input: Mapping[str, Any]) -> str:
    for key in ("file_path", "filePath", "notebook_path", "absolute_path", "target_file", "path"):
        path = _text(tool_input.get(key))
        if path:
            return path
    return ""


def _old_text(edit: Mapping[str, Any]) -> str:
    return _text(edit.get("old_string")) or _text(edit.get("oldString"))


def _grouped_by_file(edits: list[Mapping[str, Any]]) -> tuple[FileTouch, ...]:
    """One FileTouch per file the edits name, in order, with the old texts of its edits."""
    old: dict[str, list[str]] = {}
    for edit in edits:
        path = _path_of(edit)
        if path:
            old.setdefault(path, []).append(_old_text(edit))
    return tuple(FileTouch(path, tuple(o for o in texts if o)) for path, texts in old.items())


def _patch_files(tool_input: Mapping[str, Any]) -> tuple[FileTouch, ...]:
    """Files of a Codex `apply_patch` body, each with the lines its hunks remove."""
    body = ""
    for key in ("command", "input", "patch"):
        body = _text(tool_input.get(key))
        if body:
            break
    touched: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        match = _PATCH_FILE.match(line)
        if match:
            touched.append((match.group(2), []))
        elif touched and line.startswith("-"):
            touched[-1][1].append(line[1:])
    return tuple(FileTouch(path, ("\n".join(old),) if old else ()) for path, old in touched)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


_PARSERS: dict[str, Callable[[Mapping[str, Any]], HookEvent | None]] = {
    "claude-code": _claude,
    "cline": _cline,
    "codex": _codex,
    "cursor": _cursor,
    "gemini": _gemini,
    "vscode": _vscode,
}
