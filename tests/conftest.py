"""Shared fixtures. `store` runs a test once per backend: the embedded store and a real Neo4j.

The Neo4j run uses NEO4J_URI (with NEO4J_USERNAME / NEO4J_PASSWORD). Without it the Neo4j
variant is skipped locally, but under CI=true a missing server is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem.embed import Embedder, default_embedder
from graphmem.settings import Settings
from graphmem.store import GraphStore, open_store

BACKENDS = [
    pytest.param("embedded", id="embedded"),
    pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j),
]


def neo4j_settings() -> Settings:
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but NEO4J_URI is not set: the Neo4j tests must run in CI")
        pytest.skip("NEO4J_URI is not set (run `make neo4j` or use `make test`)")
    return Settings.from_env(store=uri)


def open_test_store(backend: str, tmp_path: Path) -> GraphStore:
    """A fresh, empty store of the given backend."""
    if backend == "embedded":
        return open_store(str(tmp_path / "graph.db"))
    settings = neo4j_settings()
    assert settings.store is not None
    store = open_store(settings.store, settings)
    store.cypher("MATCH (n) DETACH DELETE n", write=True)
    return store


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[GraphStore]:
    s = open_test_store(backend, tmp_path)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 model from the installed wheel, as graphmem loads it by default."""
    return default_embedder("all-MiniLM-L6-v2")


def git(repo: Path, *args: str) -> None:
    """Run git in `repo` as the tests' author, Ana."""
    subprocess.run(
        ["git", "-c", "user.name=Ana", "-c", "user.email=ana@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def git_checkout(source: Path, root: Path) -> Path:
    """A copy of the fixture `source` at `root`, as a git repository with one commit."""
    shutil.copytree(source, root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    return root


def run_clean_python(script: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """`python -c script args` with a bare environment (offline, no user site, HOME at `home`):
    what a fresh process imports, without the suite's own modules or settings."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(home)},
    )
    assert done.returncode == 0, done.stderr
    return done
