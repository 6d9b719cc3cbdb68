"""What graphmem says, in each agent's documented output format, and where it cannot speak.

Claude Code, Codex and Gemini CLI read `hookSpecificOutput.additionalContext` (Claude Code at
SessionStart, PreToolUse since 2.1.9, PostToolUse and UserPromptSubmit; Codex likewise; Gemini
CLI at SessionStart, AfterTool and BeforeAgent, not at BeforeTool). Cursor reads
`additional_context` at sessionStart and postToolUse; its afterFileEdit takes no output.
Cline reads `contextModification` from every hook (`cancel: false` lets the task go on); what
a PreToolUse hook adds reaches the model with its next step, after the tool has run.
VS Code reads `hookSpecificOutput.additionalContext` at SessionStart, PreToolUse and
PostToolUse; its UserPromptSubmit takes only the common output (no context).
"""

from __future__ import annotations

from typing import Any

from graphmem.agents.events import EventKind, HookEvent

#: Events at which an agent puts a hook's text in front of the model.
CAN_INJECT: dict[str, frozenset[EventKind]] = {
    "claude-code": frozenset({"session_start", "before_file", "after_edit", "prompt"}),
    "cline": frozenset({"session_start", "before_file", "after_edit", "prompt"}),
    "codex": frozenset({"session_start", "before_file", "after_edit", "prompt"}),
    "cursor": frozenset({"session_start", "before_file"}),
    "gemini": frozenset({"session_start", "before_file", "after_edit", "prompt"}),
    "vscode": frozenset({"session_start", "before_file", "after_edit"}),
}


def can_inject(event: HookEvent) -> bool:
    return event.kind in CAN_INJECT.get(event.agent, frozenset())


def reply(event: HookEvent, text: str) -> dict[str, Any] | None:
    """The JSON object that hands `text` to the agent at `event`, or None if it cannot."""
    if not text or not can_inject(event):
        return None
    if event.agent == "cursor":
        return {"additional_context": text}
    if event.agent == "cline":
        return {"cancel": False, "contextModification": text}
    return {"hookSpecificOutput": {"hookEventName": event.native_name, "additionalContext": text}}
