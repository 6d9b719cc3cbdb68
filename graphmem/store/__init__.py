"""Graph stores: the interface, and a factory that picks a backend from a URL.

Backends are imported lazily so that, say, the embedded store never loads the neo4j driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphmem.errors import UsageError
from graphmem.store.base import (
    Capability,
    CypherDialect,
    Direction,
    GraphReads,
    GraphStore,
    Hop,
    Linked,
    SearchHit,
    WriteBatch,
)

if TYPE_CHECKING:
    from graphmem.settings import Settings

__all__ = [
    "Capability",
    "CypherDialect",
    "Direction",
    "GraphReads",
    "GraphStore",
    "Hop",
    "Linked",
    "SearchHit",
    "WriteBatch",
    "open_store",
]

_NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def open_store(url: str, settings: Settings | None = None) -> GraphStore:
    """Open the store at `url`: a file path or sqlite:///path (embedded), or bolt:// / neo4j://."""
    from graphmem.settings import Settings, embedded_path

    settings = settings or Settings()
    if url.startswith(_NEO4J_SCHEMES):
        from graphmem.store.neo4j import Neo4jStore

        return Neo4jStore(
            url,
            username=settings.neo4j_username,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
            read_only=settings.read_only,
        )
    path = embedded_path(url)
    if path is None:
        raise UsageError(
            f"unknown store URL {url!r}: use a file path, sqlite:///path, bolt:// or neo4j://"
        )
    from graphmem.store.embedded import EmbeddedStore

    return EmbeddedStore(path, read_only=settings.read_only)
