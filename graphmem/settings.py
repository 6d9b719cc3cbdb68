"""Configuration, read once at an entry point (CLI, MCP server) and passed down.

Nothing in graphmem reads the environment at import time; `Settings.from_env` is the one place.
A plain dataclass: every command and hook reads it before anything else, so it imports nothing
that costs start-up time.
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_STORE_DIR = ".graphmem"
DEFAULT_STORE_FILE = "graph.db"
DEFAULT_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    """Where the store is, who is writing, and which embedding model to use."""

    store: str | None = None
    neo4j_username: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    author: str | None = None
    user: str | None = None
    branch: str | None = None
    embedding_model: str = DEFAULT_MODEL
    #: open the store for reading only (Neo4j: every transaction in read access mode)
    read_only: bool = False
    #: Folders holding ADRs beyond the conventional ones (GRAPHMEM_ADR_DIRS, comma-separated).
    adr_dirs: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from GRAPHMEM_* and the NEO4J_* variables Neo4j's own tools use."""
        env = os.environ if env is None else env
        values: dict[str, object] = {
            "store": env.get("GRAPHMEM_STORE"),
            "neo4j_username": env.get("NEO4J_USERNAME") or env.get("NEO4J_USER") or "neo4j",
            "neo4j_password": env.get("NEO4J_PASSWORD"),
            "neo4j_database": env.get("NEO4J_DATABASE"),
            "author": env.get("GRAPHMEM_AUTHOR") or _login_name(),
            "user": env.get("GRAPHMEM_USER") or _login_name(),
            "branch": env.get("GRAPHMEM_BRANCH"),
            "embedding_model": env.get("GRAPHMEM_MODEL") or DEFAULT_MODEL,
            "read_only": env.get("GRAPHMEM_READ_ONLY", "").lower() in ("1", "true", "yes"),
            "adr_dirs": [
                d.strip() for d in env.get("GRAPHMEM_ADR_DIRS", "").split(",") if d.strip()
            ],
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(unknown)}")
        return cls(**values)  # type: ignore[arg-type]

    def store_url(self, repo_root: Path | None = None) -> str:
        """The store URL; by default the embedded file `.graphmem/graph.db` at the repo root."""
        if self.store:
            return self.store
        root = repo_root or find_repo_root(Path.cwd())
        return str(root / DEFAULT_STORE_DIR / DEFAULT_STORE_FILE)


#: What `make_state_dir` writes into `.graphmem/`: the store and the hooks' state are this
#: machine's, as pytest and mypy keep their caches out of git; a shared config may be committed.
STATE_GITIGNORE = (
    "# Written by graphmem: its store and state are local to this machine.\n*\n!config.toml\n"
)


def make_state_dir(directory: Path) -> None:
    """Create `directory` (OSError if that fails); a `.graphmem` folder also gets a .gitignore,
    so `git status` and `graphmem review` do not list the store as new files."""
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if directory.name == DEFAULT_STORE_DIR and not ignore.exists():
        # A read-only folder keeps working; git merely lists it.
        with contextlib.suppress(OSError):
            ignore.write_text(STATE_GITIGNORE, encoding="utf-8")


def find_repo_root(start: Path) -> Path:
    """The nearest ancestor holding `.git` (or `.graphmem`); `start` itself if there is none."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists() or (candidate / DEFAULT_STORE_DIR).is_dir():
            return candidate
    return start


def _login_name() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def embedded_path(url: str) -> str | None:
    """The file an embedded store URL names (a path, or sqlite:///path); None for a server or
    a scheme graphmem does not know."""
    if url.startswith("sqlite://"):
        return url.removeprefix("sqlite://")
    return None if "://" in url else url
