"""What each agent session has already been told, safe across concurrent hook processes.

A small SQLite file, `.graphmem/hooks.db`, separate from the graph (so a hook never waits on a
writer of the store, and works the same on Neo4j). `claim` runs in one IMMEDIATE transaction:
of two hooks racing to inject the same memory into one session, exactly one wins, and the
session's token total never passes its cap.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from graphmem.agents.budget import Block
from graphmem.settings import make_state_dir

LEDGER_FILE = "hooks.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS injected (
    session TEXT NOT NULL, memory TEXT NOT NULL, tokens INTEGER NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (session, memory)
);
CREATE TABLE IF NOT EXISTS spent (session TEXT PRIMARY KEY, tokens INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class SessionLedger:
    """Per session: which memories were injected, and how many tokens were spent."""

    def __init__(self, state_dir: Path, busy_timeout: float = 0.5) -> None:
        make_state_dir(state_dir)
        self._db = sqlite3.connect(
            state_dir / LEDGER_FILE, timeout=busy_timeout, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def injected(self, session: str) -> set[str]:
        rows = self._db.execute("SELECT memory FROM injected WHERE session = ?", (session,))
        return {str(r[0]) for r in rows}

    def spent(self, session: str) -> int:
        row = self._db.execute("SELECT tokens FROM spent WHERE session = ?", (session,)).fetchone()
        return int(row[0]) if row else 0

    def claim(
        self,
        session: str,
        blocks: Sequence[Block],
        injection_cap: int,
        session_cap: int,
        overhead: int = 0,
    ) -> tuple[list[Block], int]:
        """Blocks not yet given to `session`, in order, within both caps; records them as given.

        `overhead` is the size of what is said around the blocks (a heading, a note), counted
        against both caps when anything is said. Returns the claimed blocks and how many new
        ones were left out for lack of budget. When no block fits (one memory larger than the
        budget), what is said around them is (a note of what was left out), if it fits itself;
        else nothing is, and none is counted as left out.
        """
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            done = self.injected(session)
            fresh = [b for b in blocks if b.key not in done]
            room = min(injection_cap, max(0, session_cap - self.spent(session)))
            claimed: list[Block] = []
            used = overhead
            left_out = 0
            for block in fresh:
                if not left_out and used + block.tokens <= room:
                    claimed.append(block)
                    used += block.tokens
                else:
                    left_out += 1
            if not claimed and (not left_out or overhead > room):
                used = left_out = 0  # nothing is said, not even that something was left out
            now = time.time()
            db.executemany(
                "INSERT OR IGNORE INTO injected VALUES (?, ?, ?, ?)",
                [(session, b.key, b.tokens, now) for b in claimed],
            )
            if used:
                db.execute(
                    "INSERT INTO spent VALUES (?, ?) "
                    "ON CONFLICT(session) DO UPDATE SET tokens = tokens + excluded.tokens",
                    (session, used),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return claimed, left_out

    def release(self, session: str, keys: Sequence[str]) -> None:
        """Forget that `keys` were given (their injection failed before reaching the agent)."""
        self._db.executemany(
            "DELETE FROM injected WHERE session = ? AND memory = ?", [(session, k) for k in keys]
        )

    def note(self, key: str) -> str | None:
        """A value kept for the repository's hooks (e.g. the last review counts)."""
        row = self._db.execute("SELECT value FROM notes WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_note(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO notes VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def take_note(self, key: str) -> str | None:
        """A note's value, removed as it is read (a message to deliver once)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            value = self.note(key)
            self._db.execute("DELETE FROM notes WHERE key = ?", (key,))
        finally:
            self._db.execute("COMMIT")
        return value

    def close(self) -> None:
        self._db.close()
