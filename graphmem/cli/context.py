"""Turning parsed arguments into a GraphMem: the one place the CLI reads the environment.

The API (the store, the models) is imported here, when a command runs, not when the
parser is built: `graphmem --help` and a hook that has nothing to say never pay for it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphmem.api import GraphMem


#: Commands that may make the store they are given: every other one only reads or changes
#: what is in it, so a store file that does not exist is a mistyped path, not a new store.
_CREATING = frozenset({"ingest", "remember", "import", "mcp", "watch", "setup", "hook"})


def open_graphmem(args: argparse.Namespace) -> GraphMem:
    from graphmem.api import GraphMem
    from graphmem.settings import Settings

    settings = Settings.from_env(store=getattr(args, "store", None))
    if settings.store and getattr(args, "command", None) not in _CREATING:
        _check_exists(settings.store)
    return GraphMem(settings, repo_root=getattr(args, "repo", None))


def _check_exists(url: str) -> None:
    """A named embedded store must exist before a command that only uses it runs."""
    from pathlib import Path

    from graphmem.errors import StoreError
    from graphmem.settings import embedded_path

    named = embedded_path(url)
    if named is None:
        return  # a server says itself whether it is there (an unknown scheme: open_store)
    path = Path(named)
    if not path.exists():
        raise StoreError(
            f"no graphmem store at {path}: check the path given by --store or GRAPHMEM_STORE, "
            "or run `graphmem ingest` to create it"
        )
