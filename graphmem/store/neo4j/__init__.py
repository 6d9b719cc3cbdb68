"""The Neo4j backend. Only this package imports the `neo4j` driver."""

from graphmem.store.neo4j.store import Neo4jStore

__all__ = ["Neo4jStore"]
