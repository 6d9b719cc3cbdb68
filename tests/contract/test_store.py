"""The GraphStore contract: every test runs on each backend (see the `store` fixture)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from graphmem.errors import GraphMemError, StoreError, UsageError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.store.base import Direction, GraphStore, Review, WriteBatch


def code(node_id: str, kind: Label = Label.FUNCTION, **props: Any) -> Node:
    defaults = {
        "repo": "shop",
        "path": "src/shop/app.py",
        "name": node_id,
        "qualified_name": f"shop.app.{node_id}",
    }
    return Node(id=node_id, labels=(Label.CODE_ENTITY, kind), properties={**defaults, **props})


def memory(node_id: str, text: str, kind: Label = Label.DECISION, **props: Any) -> Node:
    base = {"text": text, "status": "active", "repo": "shop", "kind": kind.value.lower()}
    return Node(id=node_id, labels=(Label.MEMORY, kind), properties={**base, **props})


def edge(rel: RelType, source: str, target: str, **props: Any) -> Edge:
    return Edge(type=rel, source=source, target=target, properties=props)


def write(store: GraphStore, nodes: Sequence[Node] = (), edges: Sequence[Edge] = ()) -> None:
    store.write(WriteBatch(upsert_nodes=list(nodes), upsert_edges=list(edges)))


@pytest.fixture
def small_graph(store: GraphStore) -> GraphStore:
    """repo -> dir -> mod -> {cls -> meth, fn}; fn CALLS meth; meth CALLS fn2; d-1 GOVERNS mod."""
    nodes = [
        code("repo", Label.REPOSITORY, path="", qualified_name="shop"),
        code("dir", Label.DIRECTORY, path="src/shop", qualified_name="shop"),
        code("mod", Label.MODULE, qualified_name="shop.app"),
        code("cls", Label.CLASS, qualified_name="shop.app.Cart"),
        code("meth", Label.METHOD, qualified_name="shop.app.Cart.total"),
        code("fn", Label.FUNCTION, qualified_name="shop.app.checkout"),
        code("fn2", Label.FUNCTION, qualified_name="shop.app.tax", path="src/shop/tax.py"),
        memory("d-1", "Totals are computed in cents"),
    ]
    edges = [
        edge(RelType.CONTAINS, "repo", "dir"),
        edge(RelType.CONTAINS, "dir", "mod"),
        edge(RelType.CONTAINS, "mod", "cls"),
        edge(RelType.CONTAINS, "cls", "meth"),
        edge(RelType.CONTAINS, "mod", "fn"),
        edge(RelType.CALLS, "fn", "meth", resolution="exact"),
        edge(RelType.CALLS, "meth", "fn2", resolution="heuristic"),
        edge(RelType.GOVERNS, "d-1", "mod", content_hash="abc"),
    ]
    write(store, nodes, edges)
    return store


# -- nodes ------------------------------------------------------------------------------------


def test_upsert_then_get_returns_the_same_node(store: GraphStore) -> None:
    node = code(
        "f1",
        start_line=3,
        end_line=17,
        ratio=0.1,
        tiny=1e-300,
        big=2**53 + 1,
        negative=-7,
        flag=True,
        off=False,
        tags=["a", "b"],
        weights=[0.5, 1.25],
        lines=[1, 2, 3],
        empty="",
        unicode="naïve café — 日本語 🙂",
    )
    write(store, [node])
    assert store.get_node("f1") == node
    got = store.get_node("f1")
    assert got is not None
    assert type(got.properties["flag"]) is bool
    assert type(got.properties["start_line"]) is int
    assert type(got.properties["ratio"]) is float


def test_get_nodes_returns_only_existing_ids(store: GraphStore) -> None:
    write(store, [code("a"), code("b")])
    assert set(store.get_nodes(["a", "b", "missing", "a"])) == {"a", "b"}
    assert store.get_node("missing") is None
    assert store.get_nodes([]) == {}


def test_upsert_replaces_properties_and_labels(store: GraphStore) -> None:
    write(store, [code("x", Label.FUNCTION, start_line=1, extra="gone soon")])
    write(store, [code("x", Label.METHOD, start_line=2)])
    node = store.get_node("x")
    assert node is not None
    assert node.labels == (Label.CODE_ENTITY, Label.METHOD)
    assert node.properties["start_line"] == 2
    assert "extra" not in node.properties
    assert store.find_nodes(Label.FUNCTION) == []
    assert [n.id for n in store.find_nodes(Label.METHOD)] == ["x"]


def test_a_property_set_to_none_is_not_stored(store: GraphStore) -> None:
    write(store, [code("x", rationale=None)])
    node = store.get_node("x")
    assert node is not None and "rationale" not in node.properties


def test_single_label_nodes(store: GraphStore) -> None:
    event = Node(id="ev-1", labels=(Label.EVENT,), properties={"action": "remember"})
    write(store, [event])
    assert store.get_node("ev-1") == event
    assert [n.id for n in store.find_nodes(Label.EVENT)] == ["ev-1"]


def test_a_node_without_a_base_label_is_refused(store: GraphStore) -> None:
    with pytest.raises(GraphMemError):
        write(store, [Node(id="x", labels=(Label.FUNCTION,))])
    assert store.get_node("x") is None


@pytest.mark.parametrize("prop", ["repo", "path", "qualified_name", "name", "status", "sha"])
def test_find_nodes_by_each_indexed_property(store: GraphStore, prop: str) -> None:
    write(
        store,
        [
            code("n1", Label.FUNCTION, **{prop: "wanted"}),
            code("n2", Label.FUNCTION, **{prop: "other"}),
            code("n3", Label.FUNCTION, **{prop: "wanted"}),
        ],
    )
    assert [n.id for n in store.find_nodes(where={prop: "wanted"})] == ["n1", "n3"]
    assert [n.id for n in store.find_nodes(Label.CODE_ENTITY, {prop: "wanted"})] == ["n1", "n3"]
    assert store.find_nodes(Label.MEMORY, {prop: "wanted"}) == []
    assert store.find_nodes(where={prop: "nowhere"}) == []


def test_find_nodes_by_label_is_ordered_by_id_and_limited(store: GraphStore) -> None:
    write(store, [code(f"f{i:02d}") for i in (5, 3, 9, 1, 7)] + [memory("d-1", "x")])
    assert [n.id for n in store.find_nodes(Label.FUNCTION)] == ["f01", "f03", "f05", "f07", "f09"]
    assert [n.id for n in store.find_nodes(Label.FUNCTION, limit=2)] == ["f01", "f03"]
    assert [n.id for n in store.find_nodes(Label.MEMORY)] == ["d-1"]
    assert [n.id for n in store.find_nodes(Label.DECISION)] == ["d-1"]
    assert len(store.find_nodes()) == 6


def test_find_nodes_combines_conditions(store: GraphStore) -> None:
    write(
        store,
        [
            code("a", path="x.py", language="python", start_line=1),
            code("b", path="x.py", language="go", start_line=1),
            code("c", path="y.py", language="python", start_line=2),
            code("d", Label.CLASS, path="x.py", language="python", start_line=2),
        ],
    )
    found = store.find_nodes(Label.FUNCTION, {"path": "x.py", "language": "python"})
    assert [n.id for n in found] == ["a"]
    assert [n.id for n in store.find_nodes(where={"start_line": 2})] == ["c", "d"]
    assert [n.id for n in store.find_nodes(where={"path": "x.py", "repo": "shop"}, limit=2)] == [
        "a",
        "b",
    ]


def test_find_nodes_tells_booleans_from_numbers(store: GraphStore) -> None:
    write(store, [code("t", flag=True), code("one", flag=1)])
    assert [n.id for n in store.find_nodes(where={"flag": True})] == ["t"]
    assert [n.id for n in store.find_nodes(where={"flag": 1})] == ["one"]


def test_set_properties_merges_and_none_removes(store: GraphStore) -> None:
    write(store, [memory("d-1", "keep me", rationale="why", author="ann")])
    store.write(
        WriteBatch(set_properties={"d-1": {"status": "superseded", "rationale": None, "n": 2}})
    )
    node = store.get_node("d-1")
    assert node is not None
    props = node.properties
    assert props["status"] == "superseded"
    assert props["n"] == 2
    assert "rationale" not in props
    assert props["text"] == "keep me" and props["author"] == "ann"
    assert node.labels == (Label.DECISION, Label.MEMORY)
    assert [n.id for n in store.find_nodes(where={"status": "superseded"})] == ["d-1"]
    assert store.find_nodes(where={"status": "active"}) == []


def test_set_properties_of_a_missing_node_fails_and_writes_nothing(store: GraphStore) -> None:
    write(store, [code("a")])
    batch = WriteBatch(upsert_nodes=[code("b")], set_properties={"nope": {"x": 1}})
    with pytest.raises(StoreError):
        store.write(batch)
    assert store.get_node("b") is None


def test_delete_node_removes_its_edges(small_graph: GraphStore) -> None:
    store = small_graph
    store.write(WriteBatch(delete_nodes=["meth"]))
    assert store.get_node("meth") is None
    assert store.edges(["cls", "fn"], direction=Direction.OUT) == []
    assert store.edges(["fn2"], direction=Direction.IN) == []
    assert [e.key for e in store.iter_edges() if "meth" in (e.source, e.target)] == []
    counts = store.counts()
    assert "CALLS" not in counts  # both calls touched meth
    assert Label.METHOD.value not in counts


def test_delete_missing_node_or_edge_is_harmless(small_graph: GraphStore) -> None:
    before = small_graph.counts()
    small_graph.write(
        WriteBatch(delete_nodes=["nope"], delete_edges=[(RelType.CALLS, "nope", "fn")])
    )
    assert small_graph.counts() == before


def test_delete_edge(small_graph: GraphStore) -> None:
    small_graph.write(WriteBatch(delete_edges=[(RelType.CALLS, "fn", "meth")]))
    assert small_graph.edges(["fn"], [RelType.CALLS]) == []
    assert small_graph.get_node("meth") is not None


# -- edges ------------------------------------------------------------------------------------


def test_edges_by_direction_and_type(small_graph: GraphStore) -> None:
    store = small_graph
    out = store.edges(["mod"], direction=Direction.OUT)
    assert sorted(e.key for e in out) == [("CONTAINS", "mod", "cls"), ("CONTAINS", "mod", "fn")]
    incoming = store.edges(["mod"], direction=Direction.IN)
    assert sorted(e.key for e in incoming) == [
        ("CONTAINS", "dir", "mod"),
        ("GOVERNS", "d-1", "mod"),
    ]
    both = store.edges(["meth"], [RelType.CALLS], Direction.BOTH)
    assert sorted(e.key for e in both) == [("CALLS", "fn", "meth"), ("CALLS", "meth", "fn2")]
    governs = store.edges(["mod"], [RelType.GOVERNS], Direction.IN)
    assert governs == [edge(RelType.GOVERNS, "d-1", "mod", content_hash="abc")]
    many = store.edges(["fn", "meth"], [RelType.CALLS, RelType.INHERITS])
    assert sorted(e.key for e in many) == [("CALLS", "fn", "meth"), ("CALLS", "meth", "fn2")]
    assert store.edges(["missing"]) == []
    assert store.edges([]) == []


@pytest.mark.parametrize(
    ("ids", "types", "direction"),
    [
        (["mod"], None, Direction.OUT),
        (["mod"], [RelType.GOVERNS], Direction.IN),
        (["meth"], [RelType.CALLS], Direction.BOTH),
        (["fn", "meth", "missing"], [RelType.CALLS, RelType.INHERITS], Direction.OUT),
    ],
)
def test_linked_is_the_edges_and_the_nodes_on_them(
    small_graph: GraphStore, ids: list[str], types: list[RelType] | None, direction: Direction
) -> None:
    linked = small_graph.linked(ids, types, direction)
    edges = small_graph.edges(ids, types, direction)
    assert linked.edges == edges and edges
    ends = sorted({e.source for e in edges} | {e.target for e in edges})
    assert linked.nodes == small_graph.get_nodes(ends, embeddings=False)
    with small_graph.snapshot() as view:
        assert view.linked(ids, types, direction) == linked
    assert small_graph.linked(["missing"]).edges == [] and small_graph.linked([]).nodes == {}


def _keys(edges: Sequence[Edge]) -> list[tuple[str, str, str]]:
    return [e.key for e in edges]


def test_around_reads_the_containment_walks_and_the_links_in_one_step(
    small_graph: GraphStore,
) -> None:
    read = small_graph.around(["cls"], up=True, down=True, types=[RelType.CALLS])
    assert read.above == small_graph.reachable(["cls"], [RelType.CONTAINS], Direction.IN)
    assert _keys(read.above) == [
        ("CONTAINS", "dir", "mod"),
        ("CONTAINS", "mod", "cls"),
        ("CONTAINS", "repo", "dir"),
    ]
    assert _keys(read.below) == [("CONTAINS", "cls", "meth")]
    assert read.links == small_graph.edges(["cls", "meth"], [RelType.CALLS], Direction.BOTH)
    assert _keys(read.links) == [("CALLS", "fn", "meth"), ("CALLS", "meth", "fn2")]
    wanted = ["repo", "dir", "mod", "cls", "meth", "fn", "fn2"]
    assert read.nodes == small_graph.get_nodes(wanted, embeddings=False)
    with small_graph.snapshot() as view:
        assert view.around(["cls"], up=True, down=True, types=[RelType.CALLS]) == read


def test_around_walks_links_to_a_depth_from_the_inside_nodes(small_graph: GraphStore) -> None:
    one = small_graph.around(["fn2"], types=[RelType.CALLS], direction=Direction.IN)
    assert _keys(one.links) == [("CALLS", "meth", "fn2")] and one.above == one.below == []
    two = small_graph.around(["fn2"], types=[RelType.CALLS], direction=Direction.IN, depth=2)
    assert _keys(two.links) == [("CALLS", "fn", "meth"), ("CALLS", "meth", "fn2")]
    assert set(two.nodes) == {"fn", "meth", "fn2"}
    # from a class, its method's callers are reached too; nothing calls further up
    cls = small_graph.around(
        ["cls"], down=True, types=[RelType.CALLS], direction=Direction.IN, depth=3
    )
    assert _keys(cls.links) == [("CALLS", "fn", "meth")]
    assert small_graph.around(["missing"], up=True, types=[RelType.CALLS]).nodes == {}
    # the steps start from code: a memory's id finds nothing
    assert small_graph.around(["d-1"], types=[RelType.GOVERNS]) == small_graph.around([])
    assert small_graph.governance(["d-1"]).nodes == {}
    assert set(small_graph.around(["mod"]).nodes) == {"mod"}


def test_governance_reads_memories_on_the_walks_their_edges_and_anchors(
    small_graph: GraphStore,
) -> None:
    orphan = memory("d-2", "Carts expire", orphaned=True, anchor_ids=["gone", "fn"])
    write(small_graph, [orphan])
    read = small_graph.governance(["meth"], up=True)
    assert _keys(read.links) == [("GOVERNS", "d-1", "mod")]
    assert {"meth", "cls", "mod", "dir", "repo", "d-1"} == set(read.nodes)
    assert read.nodes["d-1"] == small_graph.get_nodes(["d-1"], embeddings=False)["d-1"]
    assert small_graph.governance(["fn2"]).links == []
    near = small_graph.governance(["fn2"], near=["mod"])
    assert _keys(near.links) == [("GOVERNS", "d-1", "mod")] and near.above == []
    orphans = small_graph.governance(["fn2"], orphans_of="shop")
    assert {"d-2", "fn"} <= set(orphans.nodes) and "gone" not in orphans.nodes
    assert set(small_graph.governance([], orphans_of="other").nodes) == set()
    with small_graph.snapshot() as view:
        assert view.governance(["meth"], up=True) == read


def test_a_brief_governance_read_is_the_edges_found_and_the_properties_asked(
    small_graph: GraphStore,
) -> None:
    write(small_graph, [memory("d-3", "Carts are per user", user="ana")])
    write(
        small_graph,
        edges=[edge(RelType.GOVERNS, "d-3", "cls"), edge(RelType.GOVERNS, "d-3", "fn2")],
    )
    full = small_graph.governance(["meth"], up=True)
    brief = small_graph.governance(["meth"], up=True, brief=["status", "user"])
    assert _keys(full.links) == [
        ("GOVERNS", "d-1", "mod"),
        ("GOVERNS", "d-3", "cls"),
        ("GOVERNS", "d-3", "fn2"),
    ]
    assert _keys(brief.links) == [("GOVERNS", "d-1", "mod"), ("GOVERNS", "d-3", "cls")]
    assert brief.above == full.above and set(brief.nodes) == set(full.nodes) - {"fn2"}
    for memory_id, wanted in (
        ("d-1", {"status": "active"}),
        ("d-3", {"status": "active", "user": "ana"}),
    ):
        props = brief.nodes[memory_id].properties
        assert wanted.items() <= props.items()
        assert set(props) <= set(full.nodes[memory_id].properties)
    assert brief.nodes["cls"] == full.nodes["cls"]


def test_memories_to_review_leaves_out_only_memories_whose_anchors_are_in_place(
    small_graph: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    anchored = {"anchor_ids": ["mod"], "anchor_hashes": ["abc"]}
    write(
        small_graph,
        [
            code("mod", Label.MODULE, qualified_name="shop.app", content_hash="abc"),
            code("fn", content_hash="f1"),
            memory("d-1", "Totals are computed in cents", **anchored),
            memory("d-2", "Carts expire", orphaned=True, **anchored),
            memory("d-3", "Checkout is atomic", anchor_ids=["mod", "fn"]),
            memory("d-4", "Tax is rounded last", anchor_ids=["fn"]),
            memory("d-5", "No anchors recorded"),
            memory("d-6", "Purged", status="purged", **anchored),
            memory("d-7", "Another repository", repo="other", **anchored),
            memory("d-8", "Code gone", anchor_ids=["gone"]),
        ],
        [
            edge(RelType.GOVERNS, "d-2", "mod", content_hash="abc"),
            edge(RelType.GOVERNS, "d-3", "mod", content_hash="abc"),
            edge(RelType.GOVERNS, "d-4", "fn", content_hash="f0"),
        ],
    )
    review = small_graph.memories_to_review("shop")
    with small_graph.snapshot() as view:
        assert view.memories_to_review("shop") == review
    assert small_graph.memories_to_review("nowhere") == Review(0, [])
    # d-1: an edge to each anchor, recording its current hash. d-2 is flagged orphaned; d-3
    # lacks its edge to fn; d-4's edge records an older hash; d-5 has no anchor list; d-8's
    # code is gone.
    assert [m.id for m in review.memories] == ["d-2", "d-3", "d-4", "d-5", "d-8"]
    assert review.memories[0] == small_graph.get_nodes(["d-2"], embeddings=False)["d-2"]
    monkeypatch.setattr(type(small_graph), "_review_impl", lambda store, repo: None)
    generic = small_graph.memories_to_review("shop")  # the plain reads: every live memory
    assert generic.total == review.total == 6
    assert [m.id for m in generic.memories] == ["d-1", "d-2", "d-3", "d-4", "d-5", "d-8"]


def test_edge_properties_are_replaced_on_upsert(small_graph: GraphStore) -> None:
    write(small_graph, edges=[edge(RelType.CALLS, "fn", "meth", resolution="heuristic", n=2)])
    calls = small_graph.edges(["fn"], [RelType.CALLS])
    assert calls == [edge(RelType.CALLS, "fn", "meth", resolution="heuristic", n=2)]


def test_a_self_loop_is_one_edge(store: GraphStore) -> None:
    write(store, [code("rec")], [edge(RelType.CALLS, "rec", "rec")])
    assert len(store.edges(["rec"], direction=Direction.BOTH)) == 1


def test_there_are_no_parallel_edges_of_one_type(store: GraphStore) -> None:
    write(store, [code("a"), code("b")], [edge(RelType.CALLS, "a", "b")])
    write(store, edges=[edge(RelType.CALLS, "a", "b"), edge(RelType.IMPORTS, "a", "b")])
    assert store.counts().get("CALLS") == 1
    assert len(store.edges(["a"])) == 2


# -- traversal --------------------------------------------------------------------------------


def test_traverse_respects_depth(small_graph: GraphStore) -> None:
    hops = small_graph.traverse(["repo"], [RelType.CONTAINS], Direction.OUT, max_depth=2)
    assert {(h.node_id, h.depth) for h in hops} == {("dir", 1), ("mod", 2)}
    hops = small_graph.traverse(["repo"], [RelType.CONTAINS], Direction.OUT, max_depth=10)
    assert {h.node_id: h.depth for h in hops} == {"dir": 1, "mod": 2, "cls": 3, "fn": 3, "meth": 4}


def test_traverse_gives_shortest_paths(small_graph: GraphStore) -> None:
    # mod reaches meth through cls (2 hops) and through fn (CONTAINS then CALLS, 2 hops);
    # fn2 is 3 hops away and must come through meth.
    hops = small_graph.traverse(
        ["mod"], [RelType.CONTAINS, RelType.CALLS], Direction.OUT, max_depth=5
    )
    by_id = {h.node_id: h for h in hops}
    assert by_id["meth"].depth == 2
    assert by_id["fn2"].depth == 3
    via = by_id["fn2"].via
    assert via is not None and via.key == ("CALLS", "meth", "fn2")
    # Rebuild the path back to the start from the hops.
    path, current = [], "fn2"
    while current != "mod":
        hop_via = by_id[current].via
        assert hop_via is not None
        path.append(current)
        current = hop_via.source
    assert len(path) == 3


def test_traverse_incoming_and_limit(small_graph: GraphStore) -> None:
    hops = small_graph.traverse(["fn2"], [RelType.CALLS], Direction.IN, max_depth=5)
    assert [(h.node_id, h.depth) for h in hops] == [("meth", 1), ("fn", 2)]
    limited = small_graph.traverse(["repo"], [RelType.CONTAINS], Direction.OUT, 10, limit=3)
    assert len(limited) == 3
    assert small_graph.traverse(["missing"], [RelType.CALLS], Direction.BOTH, 3) == []


def test_reachable_gives_every_edge_of_a_walk_in_one_step(small_graph: GraphStore) -> None:
    down = small_graph.reachable(["dir"], [RelType.CONTAINS], Direction.OUT)
    assert [e.key for e in down] == sorted(e.key for e in down)
    assert {(e.source, e.target) for e in down} == {
        ("dir", "mod"),
        ("mod", "cls"),
        ("mod", "fn"),
        ("cls", "meth"),
    }
    up = small_graph.reachable(["meth"], [RelType.CONTAINS], Direction.IN)
    assert {(e.source, e.target) for e in up} == {
        ("cls", "meth"),
        ("mod", "cls"),
        ("dir", "mod"),
        ("repo", "dir"),
    }
    two = small_graph.reachable(["meth"], [RelType.CONTAINS], Direction.IN, max_depth=2)
    assert {(e.source, e.target) for e in two} == {("cls", "meth"), ("mod", "cls")}
    # Walks from several starts share what they reach; a missing start reaches nothing.
    both = small_graph.reachable(["fn", "meth", "missing"], [RelType.CONTAINS], Direction.IN)
    assert ("mod", "fn") in {(e.source, e.target) for e in both}
    assert small_graph.reachable(["missing"], [RelType.CONTAINS], Direction.IN) == []
    with pytest.raises(UsageError):
        small_graph.reachable(["fn"], [RelType.CONTAINS], Direction.BOTH)


# -- atomicity --------------------------------------------------------------------------------


def test_a_batch_with_a_dangling_edge_writes_nothing(small_graph: GraphStore) -> None:
    store = small_graph
    before_nodes = list(store.iter_nodes())
    before_edges = list(store.iter_edges())
    batch = WriteBatch(
        upsert_nodes=[code("new"), code("fn", start_line=99)],
        upsert_edges=[edge(RelType.CALLS, "new", "fn"), edge(RelType.CALLS, "new", "ghost")],
        delete_nodes=["cls"],
        delete_edges=[(RelType.CONTAINS, "repo", "dir")],
        set_properties={"d-1": {"status": "retracted"}},
    )
    with pytest.raises(StoreError):
        store.write(batch)
    assert list(store.iter_nodes()) == before_nodes
    assert list(store.iter_edges()) == before_edges
    # The store is still usable after the failed batch.
    write(store, [code("new")], [edge(RelType.CALLS, "new", "fn")])
    assert store.get_node("new") is not None


def test_an_edge_to_a_node_deleted_in_the_same_batch_fails(small_graph: GraphStore) -> None:
    batch = WriteBatch(delete_nodes=["fn2"], upsert_edges=[edge(RelType.CALLS, "fn", "fn2")])
    with pytest.raises(StoreError):
        small_graph.write(batch)
    assert small_graph.get_node("fn2") is not None


def test_batch_order_deletes_before_upserts(small_graph: GraphStore) -> None:
    # Delete and re-create a node in one batch: it comes back without its old edges.
    small_graph.write(
        WriteBatch(
            delete_nodes=["fn"],
            upsert_nodes=[code("fn", start_line=5)],
            upsert_edges=[edge(RelType.CALLS, "fn", "fn2")],
            set_properties={"fn": {"end_line": 9}},
        )
    )
    node = small_graph.get_node("fn")
    assert node is not None and node.properties["start_line"] == 5
    assert node.properties["end_line"] == 9
    assert [e.key for e in small_graph.edges(["fn"], direction=Direction.BOTH)] == [
        ("CALLS", "fn", "fn2")
    ]


def test_edges_may_point_at_nodes_written_earlier(small_graph: GraphStore) -> None:
    write(small_graph, edges=[edge(RelType.IMPORTS, "mod", "mod")])
    assert small_graph.counts()["IMPORTS"] == 1


def test_an_empty_batch_is_a_no_op(store: GraphStore) -> None:
    store.write(WriteBatch())
    assert store.counts() == {}


# -- counts, repositories, streaming ----------------------------------------------------------


def test_counts(small_graph: GraphStore) -> None:
    assert small_graph.counts() == {
        "CodeEntity": 7,
        "Repository": 1,
        "Directory": 1,
        "Module": 1,
        "Class": 1,
        "Method": 1,
        "Function": 2,
        "Memory": 1,
        "Decision": 1,
        "CONTAINS": 5,
        "CALLS": 2,
        "GOVERNS": 1,
    }


def test_many_repositories_share_one_store(store: GraphStore) -> None:
    nodes = []
    for repo in ("alpha", "beta", "gamma"):
        nodes += [
            code(f"{repo}-mod", Label.MODULE, repo=repo, path="app.py", qualified_name="app"),
            code(f"{repo}-fn", repo=repo, path="app.py", qualified_name="app.main"),
        ]
    write(store, nodes, [edge(RelType.CONTAINS, f"{r}-mod", f"{r}-fn") for r in ("alpha", "beta")])
    assert [n.id for n in store.find_nodes(where={"repo": "beta"})] == ["beta-fn", "beta-mod"]
    same_path = store.find_nodes(Label.MODULE, {"path": "app.py"})
    assert [n.properties["repo"] for n in same_path] == ["alpha", "beta", "gamma"]
    found = store.find_nodes(where={"repo": "gamma", "qualified_name": "app.main"})
    assert [n.id for n in found] == ["gamma-fn"]
    assert store.counts()["Module"] == 3


def test_iter_nodes_streams_every_node_in_id_order(store: GraphStore) -> None:
    ids = [f"n{i:03d}" for i in range(23)]
    write(store, [code(i) for i in reversed(ids)] + [memory("d-0", "x"), memory("d-9", "y")])
    assert [n.id for n in store.iter_nodes(batch_size=5)] == sorted([*ids, "d-0", "d-9"])
    assert [n.id for n in store.iter_nodes(Label.MEMORY, batch_size=1)] == ["d-0", "d-9"]
    assert [n.id for n in store.iter_nodes(Label.FUNCTION, batch_size=4)] == ids
    assert list(store.iter_nodes(Label.COMMIT)) == []
    stream = store.iter_nodes(batch_size=2)
    assert next(stream).id == "d-0"  # a generator: nothing forces the whole store into memory


def test_iter_edges_streams_in_type_source_target_order(store: GraphStore) -> None:
    write(store, [code(f"n{i}") for i in range(6)])
    edges = [edge(RelType.CALLS, f"n{i}", f"n{j}") for i in range(6) for j in range(6) if i != j]
    edges += [edge(RelType.CONTAINS, "n0", f"n{i}") for i in range(1, 6)]
    write(store, edges=list(reversed(edges)))
    keys = [e.key for e in store.iter_edges(batch_size=7)]
    assert keys == sorted(e.key for e in edges)
    assert len(keys) == 35


# -- conditional batches (compare-and-set) ------------------------------------------------


def test_a_batch_whose_expectation_holds_is_applied(store: GraphStore) -> None:
    write(store, [memory("d-1", "Totals are computed in cents")])
    store.write(
        WriteBatch(
            set_properties={"d-1": {"status": "superseded"}},
            expect={"d-1": {"status": "active", "missing": None}},
        )
    )
    node = store.get_node("d-1")
    assert node is not None and node.get("status") == "superseded"


@pytest.mark.parametrize(
    "expect",
    [
        {"d-1": {"status": "superseded"}},  # a value changed meanwhile
        {"d-1": {"status": "active", "kind": None}},  # a property expected absent is present
        {"d-1": {"status": "active"}, "d-404": {"status": "active"}},  # a node is gone
    ],
    ids=["changed", "present", "missing"],
)
def test_a_batch_whose_expectation_fails_writes_nothing(
    store: GraphStore, expect: dict[str, dict[str, Any]]
) -> None:
    from graphmem.errors import ConflictError

    write(store, [memory("d-1", "Totals are computed in cents"), code("fn")])
    before = store.counts()
    with pytest.raises(ConflictError):
        store.write(
            WriteBatch(
                upsert_nodes=[memory("d-2", "Totals are computed in euros")],
                upsert_edges=[edge(RelType.GOVERNS, "d-2", "fn")],
                set_properties={"d-1": {"status": "superseded"}},
                expect=expect,
            )
        )
    node = store.get_node("d-1")
    assert node is not None and node.get("status") == "active"
    assert store.get_node("d-2") is None
    assert store.counts() == before


# -- the guards every backend shares (written once, in base.py) ------------------------------


def test_reads_collapse_repeated_ids(small_graph: GraphStore) -> None:
    assert list(small_graph.get_nodes(["fn", "fn", "mod", "fn"])) in (["fn", "mod"], ["mod", "fn"])
    once = small_graph.edges(["mod"], [RelType.CONTAINS])
    assert small_graph.edges(["mod", "mod"], [RelType.CONTAINS, RelType.CONTAINS]) == once
    assert [e.target for e in once] == ["cls", "fn"]
    assert small_graph.get_nodes([]) == {}
    assert small_graph.edges([]) == []


def test_limits_below_one_give_nothing(small_graph: GraphStore) -> None:
    assert small_graph.find_nodes(Label.FUNCTION, limit=0) == []
    assert small_graph.find_nodes(limit=-1) == []
    assert small_graph.traverse(["repo"], [RelType.CONTAINS], Direction.OUT, 3, limit=0) == []
    assert [n.id for n in small_graph.iter_nodes(Label.FUNCTION, batch_size=0)] == ["fn", "fn2"]
    assert len(list(small_graph.iter_edges(batch_size=-5))) == 8


def test_labels_types_and_directions_may_be_their_names(small_graph: GraphStore) -> None:
    by_name = small_graph.find_nodes("Function")  # type: ignore[arg-type]
    assert [n.id for n in by_name] == ["fn", "fn2"]
    edges = small_graph.edges(["fn"], ["CALLS"], "both")  # type: ignore[list-item, arg-type]
    assert [(e.source, e.target) for e in edges] == [("fn", "meth")]


@pytest.mark.parametrize(
    "read",
    [
        lambda s: s.find_nodes("Functoin"),
        lambda s: s.edges(["fn"], ["CALLZ"]),
        lambda s: s.edges(["fn"], None, "sideways"),
        lambda s: s.get_nodes("fn"),  # one id where a list belongs
        lambda s: list(s.iter_nodes("Nope")),
    ],
)
def test_malformed_reads_are_usage_errors(small_graph: GraphStore, read: Any) -> None:
    with pytest.raises(UsageError):
        read(small_graph)


def test_a_batch_repeating_a_node_or_edge_keeps_the_last(store: GraphStore) -> None:
    write(
        store,
        [code("a", name="first"), code("b"), code("a", name="last")],
        [
            edge(RelType.CALLS, "a", "b", resolution="heuristic"),
            edge(RelType.CALLS, "a", "b", resolution="exact"),
        ],
    )
    node = store.get_node("a")
    assert node is not None and node.get("name") == "last"
    assert [e.properties for e in store.edges(["a"])] == [{"resolution": "exact"}]
    store.write(WriteBatch(delete_nodes=["a", "a"], delete_edges=[(RelType.CALLS, "a", "b")] * 2))
    assert store.get_nodes(["a", "b"]).keys() == {"b"}


def test_a_batch_with_a_label_or_type_outside_the_enums_writes_nothing(store: GraphStore) -> None:
    forged = Node.model_construct(id="x", labels=(Label.CODE_ENTITY, "Evil"), properties={})
    with pytest.raises(UsageError):
        write(store, [code("ok"), forged])
    bad_edge = Edge.model_construct(type="CALLS]->(x", source="ok", target="ok", properties={})
    with pytest.raises(UsageError):
        write(store, [code("ok")], [bad_edge])
    assert store.get_nodes(["ok", "x"]) == {}
