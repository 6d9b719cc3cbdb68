"""The CLI on a copy of the knowledge fixtures, with a store of its own and the test's model."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.api import GraphMem
from graphmem.cli import ingest_commands, memory_commands
from graphmem.settings import Settings

FIXTURES = Path(__file__).parents[2] / "fixtures" / "knowledge"


@pytest.fixture
def cli_repo(tmp_path: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Lay the shop code base and the given fixture folders out; the CLI's commands then open
    that repository with its own store (the embedder is shared, not loaded per command)."""

    def build(*layers: str) -> Path:
        root = tmp_path / "shop"
        shutil.copytree(FIXTURES / "code", root)
        for layer in layers:
            shutil.copytree(FIXTURES / layer, root, dirs_exist_ok=True)
        db = str(tmp_path / "graph.db")

        def open_graphmem(args: Any) -> GraphMem:
            settings = Settings(store=db, author="ana", user="ana", branch="main")
            return GraphMem(settings, repo_root=root, embedder=embedder)

        monkeypatch.setattr(memory_commands, "open_graphmem", open_graphmem)
        monkeypatch.setattr(ingest_commands, "open_graphmem", open_graphmem)
        return root

    return build
