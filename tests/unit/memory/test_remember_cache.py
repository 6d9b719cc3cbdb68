"""remember's cache of memory and code facts (graphmem.memory.remember_cache) on real stores.

Two EmbeddedStore objects on one file are two SQLite connections, as two processes would be: a
change made through one must be seen by the checks of the other, and a remember's own write
must leave its cache current, so the next remember reads only what it did not know.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem.api import GraphMem
from graphmem.memory.remember_cache import remember_cache
from graphmem.model import CodeEntity, Edge, Label, Node, RelType
from graphmem.settings import Settings
from graphmem.store import GraphStore, WriteBatch, open_store
from graphmem.store.embedded.store import EmbeddedStore

REPO = "shop"
SENT = "Invoices are immutable once sent"
CHANGED = "Sent invoices can be changed after sending"


def _code_graph(store: GraphStore) -> None:
    entities = [
        CodeEntity.new(Label.REPOSITORY, REPO, "", "", name=REPO, content_hash="h-repo"),
        CodeEntity.new(Label.DIRECTORY, REPO, "src/api", "src/api", content_hash="h-api"),
        CodeEntity.new(
            Label.MODULE, REPO, "src/api/invoices.py", "api.invoices", content_hash="h-inv"
        ),
    ]
    nodes = [e.to_node() for e in entities]
    edges = [
        Edge(type=RelType.CONTAINS, source=nodes[0].id, target=nodes[1].id),
        Edge(type=RelType.CONTAINS, source=nodes[1].id, target=nodes[2].id),
    ]
    store.write(WriteBatch(upsert_nodes=nodes, upsert_edges=edges))


def _gm(store: GraphStore, embedder: Any, tmp_path: Path) -> GraphMem:
    root = tmp_path / REPO
    root.mkdir(exist_ok=True)
    settings = Settings(author="ana", user="ana", branch="main")
    return GraphMem(settings, repo_root=root, store=store, embedder=embedder)


@pytest.fixture
def two(tmp_path: Path, embedder: Any) -> Any:
    """Two GraphMems on one store file, each with its own connection."""
    first, second = open_store(str(tmp_path / "graph.db")), open_store(str(tmp_path / "graph.db"))
    _code_graph(first)
    try:
        yield _gm(first, embedder, tmp_path), _gm(second, embedder, tmp_path)
    finally:
        first.close()
        second.close()


def test_a_memory_retracted_elsewhere_is_no_conflict_and_no_duplicate(two: Any) -> None:
    here, there = two
    old = here.remember("decision", SENT, ["src/api/"])
    seen = here.remember("decision", CHANGED, ["api.invoices"])
    assert [c.memory_id for c in seen.conflicts] == [old.memory.id]  # its facts are cached now
    there.retract(old.memory.id)
    after = here.remember("decision", "Invoices may be edited after they are sent", ["src/api/"])
    assert old.memory.id not in {c.memory_id for c in after.conflicts}
    assert seen.memory.id in {c.memory_id for c in after.conflicts}
    again = here.remember("decision", SENT, ["src/api/"])
    assert again.created and again.duplicate_of is None


def test_a_memory_made_active_again_elsewhere_is_a_conflict_again(two: Any) -> None:
    here, there = two
    old = here.remember("decision", SENT, ["src/api/"])
    new = here.remember("decision", CHANGED, ["src/api/"], supersedes=[old.memory.id])
    there.revert(new.memory.id)  # old is active again, new superseded
    result = here.remember("decision", "Invoices may be edited after they are sent", ["src/api/"])
    assert [c.memory_id for c in result.conflicts] == [old.memory.id]


def test_a_revert_through_the_same_store_is_seen(tmp_path: Path, embedder: Any) -> None:
    with open_store(str(tmp_path / "graph.db")) as store:
        _code_graph(store)
        gm = _gm(store, embedder, tmp_path)
        old = gm.remember("decision", SENT, ["src/api/"])
        new = gm.remember("decision", CHANGED, ["src/api/"], supersedes=[old.memory.id])
        gm.revert(new.memory.id)
        result = gm.remember("decision", "Invoices may be edited after they are sent", ["src/api/"])
        assert [c.memory_id for c in result.conflicts] == [old.memory.id]


def test_own_writes_keep_the_cache_current(two: Any) -> None:
    here, _ = two
    first = here.remember("decision", SENT, ["src/api/"])
    newer = here.remember("decision", CHANGED, ["src/api/"], supersedes=[first.memory.id])
    cache = remember_cache(here.store)
    assert cache.version == here.store.data_version()  # the writes did not empty it
    facts = cache.memories(here.store, [first.memory.id, newer.memory.id])
    assert facts[first.memory.id].status == "superseded"
    assert facts[newer.memory.id].status == "active"
    duplicate = here.remember("decision", CHANGED.lower(), ["src/api"])
    assert duplicate.duplicate_of == newer.memory.id
    third = here.remember("decision", "Invoices may be edited after they are sent", ["src/api/"])
    assert [c.memory_id for c in third.conflicts] == [newer.memory.id]


class _CountingStore(EmbeddedStore):
    """The embedded store, counting the node ids it reads by id or along edges."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.read_ids = 0

    def _get_nodes_impl(self, unique: list[str], embeddings: bool) -> dict[str, Node]:
        self.read_ids += len(unique)
        return super()._get_nodes_impl(unique, embeddings)

    def _edges_impl(self, unique: list[str], types: Any, direction: Any) -> list[Edge]:
        self.read_ids += len(unique)
        return super()._edges_impl(unique, types, direction)


def test_a_warm_remember_reads_only_what_it_reports(tmp_path: Path, embedder: Any) -> None:
    store = _CountingStore(tmp_path / "graph.db")
    try:
        _code_graph(store)
        gm = _gm(store, embedder, tmp_path)
        for number in range(30):
            gm.remember("decision", f"{SENT} (rule {number})", ["src/api/"])
        store.read_ids = 0
        result = gm.remember("decision", f"{CHANGED} (rule 99)", ["api.invoices"])
        assert len(result.conflicts) == 10  # all 30 are close and in scope: the closest 10
        # the 10 reported, the target resolved, the new id checked: not the 30 candidates again
        assert store.read_ids < 30
    finally:
        store.close()
