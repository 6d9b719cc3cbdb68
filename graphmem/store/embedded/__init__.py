"""The embedded backend: a graph in one SQLite file, the default store (no server needed)."""

from graphmem.store.embedded.store import EmbeddedStore

__all__ = ["EmbeddedStore"]
