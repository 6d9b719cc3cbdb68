"""The one event type every agent's hook payload is turned into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: What happened: a session began, a file is about to be read or edited, a file was edited,
#: the user submitted a prompt.
EventKind = Literal["session_start", "before_file", "after_edit", "prompt"]

AGENTS = ("claude-code", "cline", "codex", "cursor", "gemini", "vscode")


@dataclass(frozen=True)
class FileTouch:
    """A file the agent reads or edits, and the old text an edit replaces (when it says)."""

    path: str
    old_texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class HookEvent:
    """An agent's lifecycle event, in the agent's own words only where the reply needs them."""

    agent: str
    kind: EventKind
    native_name: str
    session_id: str
    cwd: str | None = None
    files: tuple[FileTouch, ...] = field(default_factory=tuple)
    prompt: str = ""
