"""`GraphStore.snapshot()`: several read steps of one answer in one read transaction, on every
backend (see the `store` fixture)."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from graphmem.errors import UsageError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.settings import Settings
from graphmem.store import GraphStore, open_store
from graphmem.store.base import Capability, Direction, WriteBatch
from graphmem.store.embedded import EmbeddedStore

DIM = 384


def vec(*head: float) -> list[float]:
    return [*head, *([0.0] * (DIM - len(head)))]


def code(node_id: str, kind: Label, **props: Any) -> Node:
    base = {"repo": "shop", "path": "src/shop/app.py", "name": node_id}
    return Node(id=node_id, labels=(Label.CODE_ENTITY, kind), properties={**base, **props})


def memory(node_id: str, text: str, kind: Label, **props: Any) -> Node:
    base = {"text": text, "status": "active", "repo": "shop", "kind": kind.value.lower()}
    return Node(id=node_id, labels=(Label.MEMORY, kind), properties={**base, **props})


@pytest.fixture
def shop(store: GraphStore) -> GraphStore:
    store.write(
        WriteBatch(
            upsert_nodes=[
                code("mod", Label.MODULE, qualified_name="shop.app"),
                code("fn", Label.FUNCTION, qualified_name="shop.app.checkout"),
                code("fn2", Label.FUNCTION, qualified_name="shop.app.tax"),
                memory("d-1", "Totals are kept in cents", Label.DECISION, embedding=vec(1.0)),
                memory("c-1", "Totals never go negative", Label.CONSTRAINT, embedding=vec(0, 1)),
            ],
            upsert_edges=[
                Edge(type=RelType.CONTAINS, source="mod", target="fn"),
                Edge(type=RelType.CALLS, source="fn", target="fn2"),
                Edge(type=RelType.GOVERNS, source="d-1", target="mod"),
                Edge(type=RelType.GOVERNS, source="c-1", target="fn"),
            ],
        )
    )
    return store


def second_handle(backend: str, store: GraphStore) -> GraphStore:
    """Another connection to the same data, as another process would have."""
    if isinstance(store, EmbeddedStore):
        return open_store(str(store.path))
    settings = Settings.from_env(store=os.environ["NEO4J_URI"])
    assert settings.store is not None
    return open_store(settings.store, settings)


def test_a_snapshot_answers_every_read_like_the_store(shop: GraphStore) -> None:
    with shop.snapshot() as view:
        assert view.get_nodes(["fn", "mod", "fn", "nope"]) == shop.get_nodes(["fn", "mod"])
        assert view.get_node("d-1") == shop.get_node("d-1")
        assert view.find_nodes(Label.FUNCTION) == shop.find_nodes(Label.FUNCTION)
        assert view.find_nodes(Label.MEMORY, {"status": "active"}, limit=1) == shop.find_nodes(
            Label.MEMORY, {"status": "active"}, limit=1
        )
        governs = view.edges(["d-1", "c-1"], [RelType.GOVERNS])
        assert [e.target for e in governs] == ["fn", "mod"]
        assert view.edges(["fn"], None, Direction.BOTH) == shop.edges(["fn"], None, Direction.BOTH)
        hops = view.traverse(["mod"], [RelType.CONTAINS, RelType.CALLS], Direction.OUT, 3)
        assert [(h.node_id, h.depth) for h in hops] == [("fn", 1), ("fn2", 2)]
        assert view.counts() == shop.counts()
        hits = view.fulltext_search("totals", Label.DECISION)
        assert [h.node_id for h in hits] == ["d-1"]
        if Capability.VECTOR_INDEX in shop.capabilities:
            near = view.vector_search(vec(0.1, 1.0), Label.MEMORY, limit=1)
            assert [h.node_id for h in near] == ["c-1"]


def test_a_snapshot_validates_like_the_store(shop: GraphStore) -> None:
    with shop.snapshot() as view:
        assert view.find_nodes(Label.FUNCTION, limit=0) == []
        assert view.edges([]) == []
        assert view.edges(["fn"], []) == []
        with pytest.raises(UsageError):
            view.fulltext_search("x", Label.MODULE)
        with pytest.raises(UsageError):
            view.find_nodes("NotALabel")  # type: ignore[arg-type]
        if Capability.VECTOR_INDEX in shop.capabilities:
            with pytest.raises(UsageError):
                view.vector_search([1.0, 0.0, 0.0], Label.MEMORY)


def test_a_snapshot_sees_what_was_committed_before_it(backend: str, shop: GraphStore) -> None:
    other = second_handle(backend, shop)
    try:
        other.write(WriteBatch(set_properties={"fn": {"name": "checkout_v2"}}))
        with shop.snapshot() as view:
            node = view.get_node("fn")
            assert node is not None and node.get("name") == "checkout_v2"
    finally:
        other.close()


def test_a_snapshot_does_not_see_later_commits(backend: str, shop: GraphStore) -> None:
    if Capability.SNAPSHOT_ISOLATION not in shop.capabilities:
        pytest.skip(f"the {shop.name} store declares read-committed snapshots, not isolation")
    other = second_handle(backend, shop)
    try:
        with shop.snapshot() as view:
            assert [n.id for n in view.find_nodes(Label.FUNCTION)] == ["fn", "fn2"]
            other.write(
                WriteBatch(
                    upsert_nodes=[code("fn3", Label.FUNCTION)],
                    set_properties={"fn": {"name": "renamed"}},
                )
            )
            assert [n.id for n in view.find_nodes(Label.FUNCTION)] == ["fn", "fn2"]
            node = view.get_node("fn")
            assert node is not None and node.get("name") == "fn"
        assert [n.id for n in shop.find_nodes(Label.FUNCTION)] == ["fn", "fn2", "fn3"]
    finally:
        other.close()


def test_writing_from_inside_ones_own_snapshot_is_refused(shop: GraphStore) -> None:
    with shop.snapshot() as view:
        with pytest.raises(UsageError, match="snapshot"):
            shop.write(WriteBatch(set_properties={"fn": {"name": "x"}}))
        assert view.get_node("fn") is not None
    shop.write(WriteBatch(set_properties={"fn": {"name": "x"}}))
    node = shop.get_node("fn")
    assert node is not None and node.get("name") == "x"


def test_other_threads_write_while_a_snapshot_is_open(shop: GraphStore) -> None:
    """A snapshot blocks no writer for good: another thread's write lands once it can."""
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            shop.write(WriteBatch(upsert_nodes=[code("fn9", Label.FUNCTION)]))
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)

    thread = threading.Thread(target=writer)
    with shop.snapshot() as view:
        thread.start()
        assert view.get_node("mod") is not None
    thread.join(timeout=60)
    assert not thread.is_alive() and errors == []
    assert shop.get_node("fn9") is not None


def test_nested_snapshots_and_errors_leave_the_store_usable(shop: GraphStore) -> None:
    with pytest.raises(UsageError), shop.snapshot() as outer:
        with shop.snapshot() as inner:
            assert inner.get_node("fn") == outer.get_node("fn")
        outer.fulltext_search("x", Label.FUNCTION)
    shop.write(WriteBatch(upsert_nodes=[code("after", Label.FUNCTION)]))
    assert shop.get_node("after") is not None
