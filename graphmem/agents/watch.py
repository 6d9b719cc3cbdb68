"""`graphmem watch`: re-ingest as files change, so every answer reflects the working tree.

Built on watchfiles (Rust `notify` underneath): changes are debounced into batches, source files
only, minus what .gitignore excludes (asked of git, once per batch); each batch is one
incremental ingest, which parses only what changed. The store takes care of running alongside
the CLI, the MCP server and hooks; a batch that fails (the store busy, say) is reported and the
next batch tries again. Ctrl-C stops it between batches.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graphmem.errors import GraphMemError

if TYPE_CHECKING:
    from graphmem.api import GraphMem

DEFAULT_DEBOUNCE_MS = 400
#: How long the watcher waits for events before yielding an empty batch (which is skipped).
READY_TIMEOUT_MS = 1000
SKIPPED_DIRS = frozenset({".git", ".graphmem", "node_modules", "__pycache__", ".venv", "venv"})


@dataclass(frozen=True)
class WatchBatch:
    """One batch of changes and what its ingest did (or the error that stopped it)."""

    paths: list[str]
    parsed: int = 0
    error: str | None = None


def source_changes(root: Path, changed: Iterable[str]) -> list[str]:
    """The repository paths among `changed` (absolute) that an ingest would look at."""
    from graphmem.ingest.language import language_for

    paths = []
    for raw in changed:
        try:
            rel = Path(raw).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        if SKIPPED_DIRS.intersection(rel.split("/")[:-1]) or language_for(rel) is None:
            continue
        paths.append(rel)
    return sorted(set(paths) - _git_ignored(root, paths))


def _git_ignored(root: Path, paths: list[str]) -> set[str]:
    if not paths or not (root / ".git").exists():
        return set()
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "--stdin"],
            input="\n".join(paths),
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    return set(out.stdout.split("\n")) - {""}


def watch(
    gm: GraphMem,
    on_batch: Callable[[WatchBatch], None],
    debounce_ms: int = DEFAULT_DEBOUNCE_MS,
    stop: threading.Event | None = None,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Ingest each debounced batch of source changes until `stop` is set or Ctrl-C.

    Once the watcher is live, one catch-up ingest takes in what changed before it was, and
    `on_ready` is called: from then on no change is missed.
    """
    from watchfiles import watch as watch_changes

    root = gm.repo_root
    ready = False
    for changes in watch_changes(
        root,
        debounce=debounce_ms,
        stop_event=stop,
        raise_interrupt=True,
        yield_on_timeout=True,
        rust_timeout=READY_TIMEOUT_MS,
    ):
        if not ready:
            ready = True
            _ingest(gm, ["(catch-up)"], None)
            if on_ready is not None:
                on_ready()
        paths = source_changes(root, (path for _change, path in changes))
        if paths:
            _ingest(gm, paths, on_batch)


def _ingest(gm: GraphMem, paths: list[str], on_batch: Callable[[WatchBatch], None] | None) -> None:
    try:
        report = gm.ingest()
    except GraphMemError as error:
        if on_batch is not None:
            on_batch(WatchBatch(paths, error=str(error)))
        return
    if on_batch is not None:
        on_batch(WatchBatch(paths, parsed=report.files_parsed))
