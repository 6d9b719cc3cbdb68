"""Sub-commands of this group (registered by graphmem.cli.main)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add this group's sub-commands."""
