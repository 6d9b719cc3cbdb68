"""remember_many (`remember --batch`) gives what one remember after another gives.

Its nearest memories are searched for a group at once (the store as the group began), joined by
the group's memories written before each; duplicates and conflicts must come out the same as
when every memory searches the store alone, across group boundaries too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import remember as remembering
from graphmem.memory.remember import RememberRequest, remember, remember_many
from graphmem.model import CodeEntity, Edge, Label, RelType
from graphmem.store import GraphStore, WriteBatch, open_store

REPO = "shop"
LINES = [
    ("decision", "Invoices are immutable once sent", "src/api/"),
    ("decision", "Sent invoices can be changed after sending", "api.invoices"),
    ("constraint", "Amounts use Decimal, never float", "api.invoices"),
    ("decision", "invoices are immutable   once sent.", "src/api"),  # a duplicate of the first
    ("decision", "Invoices may be edited after they are sent", "src/api/"),
    ("fact", "Logging uses structlog", "src/api/"),
    ("constraint", "Money amounts are floats", "src/api/"),
    ("decision", "Sent invoices can be changed after sending", "api.invoices"),  # duplicate
    ("decision", "Invoices are never changed once they were sent", "api.invoices"),
    ("fact", "Structlog does the logging", "src/api/"),
]


def _store(path: Path) -> GraphStore:
    store = open_store(str(path))
    repo, api, module = (
        CodeEntity.new(Label.REPOSITORY, REPO, "", "", name=REPO),
        CodeEntity.new(Label.DIRECTORY, REPO, "src/api", "src/api"),
        CodeEntity.new(Label.MODULE, REPO, "src/api/invoices.py", "api.invoices"),
    )
    edges = [
        Edge(type=RelType.CONTAINS, source=repo.id, target=api.id),
        Edge(type=RelType.CONTAINS, source=api.id, target=module.id),
    ]
    store.write(
        WriteBatch(upsert_nodes=[e.to_node() for e in (repo, api, module)], upsert_edges=edges)
    )
    return store


def _shape(results: list[Any]) -> list[tuple[Any, ...]]:
    """Each result with memory ids replaced by the number of the line that created them."""
    line_of = {r.memory.id: n for n, r in enumerate(results) if r.created}
    return [
        (
            r.created,
            line_of.get(r.duplicate_of) if r.duplicate_of else None,
            sorted((line_of.get(c.memory_id), c.relation, round(c.score, 3)) for c in r.conflicts),
        )
        for r in results
    ]


def test_a_batch_gives_what_one_by_one_gives(
    tmp_path: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remembering, "_GROUP", 4)  # three groups for ten lines
    alone, together = _store(tmp_path / "alone.db"), _store(tmp_path / "together.db")
    try:
        first = [
            remember(alone, REPO, embedder, k, t, governs=[g], author="ana") for k, t, g in LINES
        ]
        requests = [RememberRequest(k, t, [g]) for k, t, g in LINES]
        second = remember_many(together, REPO, embedder, requests, author="ana")
        assert _shape(second) == _shape(first)
        assert [r.created for r in second].count(False) == 2
        assert any(r.conflicts for r in second[4:])  # conflicts across groups are found
    finally:
        alone.close()
        together.close()
