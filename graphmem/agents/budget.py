"""How much a hook may say, and how long it may take.

Defaults: a session-start briefing of at most 1,500 tokens, at most 600 tokens per injection and
6,000 per session, and a 1 s deadline after which the hook exits silently. Counted with the real
tokenizer (graphmem.queries.tokens). Set them in `.graphmem/config.toml`:

    [hooks]
    enabled = true              # false: every hook says nothing
    events = ["session_start", "before_file", "after_edit", "prompt"]
    briefing_tokens = 1500
    injection_tokens = 600
    session_tokens = 6000
    deadline_seconds = 1.0

or with GRAPHMEM_HOOKS=off, GRAPHMEM_HOOK_EVENTS (comma-separated), GRAPHMEM_HOOK_BRIEFING_TOKENS,
GRAPHMEM_HOOK_INJECTION_TOKENS, GRAPHMEM_HOOK_SESSION_TOKENS, GRAPHMEM_HOOK_DEADLINE (these win).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from graphmem.agents.events import EventKind

ALL_EVENTS: frozenset[EventKind] = frozenset(
    {"session_start", "before_file", "after_edit", "prompt"}
)
CONFIG_FILE = Path(".graphmem") / "config.toml"


class Counter(Protocol):
    def count(self, text: str) -> int: ...


@dataclass(frozen=True)
class HookBudget:
    """The limits one hook run works within."""

    enabled: bool = True
    events: frozenset[str] = field(default_factory=lambda: frozenset(ALL_EVENTS))
    briefing_tokens: int = 1500
    injection_tokens: int = 600
    session_tokens: int = 6000
    deadline_seconds: float = 1.0


def load_budget(repo_root: Path, env: Mapping[str, str]) -> HookBudget:
    """The [hooks] table of .graphmem/config.toml, then the GRAPHMEM_HOOK* variables."""
    budget = HookBudget()
    path = repo_root / CONFIG_FILE
    if path.is_file():
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("hooks", {})
        budget = _apply(budget, table if isinstance(table, dict) else {})
    values: dict[str, Any] = {}
    if env.get("GRAPHMEM_HOOKS", "").strip().lower() in {"off", "0", "false", "no"}:
        values["enabled"] = False
    if env.get("GRAPHMEM_HOOK_EVENTS"):
        values["events"] = [e.strip() for e in env["GRAPHMEM_HOOK_EVENTS"].split(",")]
    for name in ("briefing_tokens", "injection_tokens", "session_tokens"):
        variable = "GRAPHMEM_HOOK_" + name.upper()
        if env.get(variable):
            values[name] = env[variable]
    if env.get("GRAPHMEM_HOOK_DEADLINE"):
        values["deadline_seconds"] = env["GRAPHMEM_HOOK_DEADLINE"]
    return _apply(budget, values)


def _apply(budget: HookBudget, values: Mapping[str, Any]) -> HookBudget:
    changes: dict[str, Any] = {}
    if "enabled" in values:
        changes["enabled"] = bool(values["enabled"])
    if "events" in values and isinstance(values["events"], list):
        changes["events"] = frozenset(str(e) for e in values["events"]) & ALL_EVENTS
    for name in ("briefing_tokens", "injection_tokens", "session_tokens"):
        if name in values:
            changes[name] = max(0, int(values[name]))
    if "deadline_seconds" in values:
        changes["deadline_seconds"] = max(0.05, float(values["deadline_seconds"]))
    return replace(budget, **changes)


@dataclass(frozen=True)
class Block:
    """One piece of an injection (a memory, usually) and its size in tokens."""

    key: str
    text: str
    tokens: int


def measure(counter: Counter, items: Sequence[tuple[str, str]]) -> list[Block]:
    """`(key, text)` pairs as blocks counted by `counter`."""
    return [Block(key, text, counter.count(text)) for key, text in items]
