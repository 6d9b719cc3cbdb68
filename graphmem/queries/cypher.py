"""`graphmem cypher`: user Cypher, read-only unless asked, the same rules on every backend.

Neo4j runs read queries in a read transaction, so the server itself refuses writes; the
embedded store runs a read-only interpreter. The clause check here comes first on both (each
store declares which clauses it counts as writes), so a write without `--write` fails the same
way everywhere and before anything reaches the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphmem.errors import CapabilityError, UsageError
from graphmem.store.base import Capability, GraphStore


def run_cypher(
    store: GraphStore,
    query: str,
    params: Mapping[str, Any] | None = None,
    write: bool = False,
) -> list[dict[str, Any]]:
    """Rows of `query` (one dict per row); refuses writes unless `write` and the store can."""
    if not query.strip():
        raise UsageError("empty Cypher query")
    if write:
        if Capability.CYPHER_WRITE not in store.capabilities:
            raise CapabilityError(
                f"the {store.name} store runs read-only Cypher; writes need a Neo4j store "
                "(--store bolt://...)"
            )
    else:
        clause = store.write_clause(query)
        if clause:
            raise UsageError(
                f"{clause} changes the graph and Cypher is read-only by default: "
                "pass --write (Neo4j store only) to write"
            )
        if Capability.CYPHER_READ not in store.capabilities:
            raise CapabilityError(f"the {store.name} store does not run Cypher; use a Neo4j store")
    return store.cypher(query, params, write=write)


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """`--param k=v` pairs as a dict; values that read as JSON numbers/booleans/null/lists are
    typed, anything else stays a string (so `--param path=src/a.py` needs no quoting)."""
    import json

    params: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param needs NAME=VALUE, got {pair!r}")
        try:
            parsed: Any = json.loads(value)
        except ValueError:
            parsed = value
        params[key.strip()] = value if isinstance(parsed, dict) else parsed
    return params
