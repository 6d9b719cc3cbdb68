"""Turning parsed arguments into a GraphMem: the one place the CLI reads the environment."""

from __future__ import annotations

import argparse

from graphmem.api import GraphMem
from graphmem.settings import Settings


def open_graphmem(args: argparse.Namespace) -> GraphMem:
    settings = Settings.from_env(store=getattr(args, "store", None))
    return GraphMem(settings, repo_root=getattr(args, "repo", None))
