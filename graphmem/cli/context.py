"""Turning parsed arguments into a GraphMem: the one place the CLI reads the environment.

The API (the store, the models) is imported here, when a command runs, not when the
parser is built: `graphmem --help` and a hook that has nothing to say never pay for it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphmem.api import GraphMem


def open_graphmem(args: argparse.Namespace) -> GraphMem:
    from graphmem.api import GraphMem
    from graphmem.settings import Settings

    settings = Settings.from_env(store=getattr(args, "store", None))
    return GraphMem(settings, repo_root=getattr(args, "repo", None))
