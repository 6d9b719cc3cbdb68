"""Turning sqlite3 exceptions into one-line StoreErrors that say what is wrong and what to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from graphmem.errors import StoreError, StoreUnavailableError

_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("file is not a database", "not a database"),
        "{path} is not a graphmem store (not a SQLite database): "
        "point --store at a store file or at a new path",
    ),
    (
        ("malformed", "corrupt"),
        "{path} is corrupt ({error}): restore it from a backup, or rebuild it "
        "(graphmem import of an export, or a fresh ingest)",
    ),
    (
        ("readonly", "read-only"),
        "{path} is read-only ({error}): graphmem needs write access to the file and its directory",
    ),
    (
        ("database or disk is full", "disk is full"),
        "cannot write {path}: the disk is full; free some space and retry",
    ),
    (
        ("unable to open database file",),
        "cannot open {path} ({error}): check that its directory exists and is writable",
    ),
    (
        ("disk i/o error",),
        "cannot read or write {path} ({error}): check the disk and the file's permissions",
    ),
)

_BUSY = ("database is locked", "database table is locked", "busy")


def translate_sqlite_error(path: Path, error: sqlite3.Error, doing: str) -> StoreError:
    """The StoreError for `error`, raised while doing `doing` (e.g. "write") on the store."""
    text = str(error)
    lowered = text.lower()
    if any(marker in lowered for marker in _BUSY):
        return StoreUnavailableError(
            f"{path} stayed locked by another process during {doing}; retry in a moment"
        )
    for markers, template in _HINTS:
        if any(marker in lowered for marker in markers):
            return StoreError(template.format(path=path, error=text))
    return StoreError(f"{path}: {doing} failed: {text}")
