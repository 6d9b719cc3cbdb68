"""Full-text and vector search, on every backend."""

from __future__ import annotations

import math
from typing import Any

import pytest

from graphmem.errors import UsageError
from graphmem.model.graph import Label, Node
from graphmem.store.base import Capability, GraphStore, Search, WriteBatch

DIM = 384  # the real model's dimension, so a backend may size its vector index for it


def memory(node_id: str, text: str, **props: Any) -> Node:
    base = {"text": text, "status": "active", "repo": "shop", "kind": "decision"}
    return Node(id=node_id, labels=(Label.MEMORY, Label.DECISION), properties={**base, **props})


def vec(*head: float) -> list[float]:
    """A DIM-long vector starting with `head`: exact in float32, so stores keep it bit for bit."""
    return [*head, *([0.0] * (DIM - len(head)))]


def put(store: GraphStore, *nodes: Node) -> None:
    store.write(WriteBatch(upsert_nodes=list(nodes)))


def ids(hits: list[Any]) -> list[str]:
    return [hit.node_id for hit in hits]


@pytest.fixture
def notes(store: GraphStore) -> GraphStore:
    put(
        store,
        memory("d-1", "Invoices are stored in cents, never as floats"),
        memory("d-2", "Use the retry queue for webhook delivery", rationale="the provider flaps"),
        memory("d-3", "Invoices must be immutable after sending; corrections get a new invoice"),
        memory(
            "f-1",
            "checkout crashed on empty cart",
            symptom="IndexError in cart totals",
            cause="no guard for zero items",
            fix="return early when the cart is empty",
        ),
        memory("d-4", "Zürich office prefers naïve datetimes in logs 日本語"),
        Node(
            id="c-1",
            labels=(Label.CODE_ENTITY, Label.COMMIT),
            properties={"message": "Fix invoice rounding", "sha": "abc123", "repo": "shop"},
        ),
    )
    return store


# -- full-text ---------------------------------------------------------------------------------


def test_fulltext_finds_words_best_first(notes: GraphStore) -> None:
    hits = notes.fulltext_search("invoices cents", Label.MEMORY)
    assert ids(hits)[0] == "d-1"  # the only one with both words
    assert "d-3" in ids(hits)
    assert "d-2" not in ids(hits)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)


def test_fulltext_matches_the_same_words_on_every_backend(notes: GraphStore) -> None:
    """Words are stemmed alike: "stored" and "storing" find "stores" (FTS5's porter tokenizer,
    Lucene's English analyzer); Neo4j matched whole words only."""
    put(notes, memory("d-9", "The ledger stores refunds"))
    for query in ("storing refunds", "stored", "refund"):
        assert "d-9" in ids(notes.fulltext_search(query, Label.MEMORY)), query


def test_fulltext_covers_every_searchable_field(notes: GraphStore) -> None:
    assert ids(notes.fulltext_search("flaps", Label.MEMORY)) == ["d-2"]  # rationale
    assert ids(notes.fulltext_search("IndexError", Label.MEMORY)) == ["f-1"]  # symptom
    assert ids(notes.fulltext_search("guard", Label.MEMORY)) == ["f-1"]  # cause
    assert ids(notes.fulltext_search("early", Label.MEMORY)) == ["f-1"]  # fix


def test_fulltext_is_scoped_to_the_label(notes: GraphStore) -> None:
    assert ids(notes.fulltext_search("rounding", Label.COMMIT)) == ["c-1"]
    assert ids(notes.fulltext_search("rounding", Label.MEMORY)) == []
    assert "c-1" not in ids(notes.fulltext_search("invoices", Label.MEMORY))


def test_fulltext_limit(notes: GraphStore) -> None:
    assert len(notes.fulltext_search("invoices cents cart", Label.MEMORY, limit=2)) == 2


def test_fulltext_unicode(notes: GraphStore) -> None:
    assert ids(notes.fulltext_search("Zürich", Label.MEMORY)) == ["d-4"]
    assert ids(notes.fulltext_search("naïve", Label.MEMORY)) == ["d-4"]


@pytest.mark.parametrize(
    "query",
    [
        "foo AND (",
        "' OR 1=1 --",
        "*",
        '"',
        '""',
        "(",
        ")",
        "NEAR(",
        "text:invoices",
        "-invoices",
        "invoices*",
        "\\",
        "~",
        "^2",
        "[a TO z]",
        "{}",
        "a/b",
        "&& || !",
        "AND",
        "OR NOT",
        "'; DROP TABLE nodes; --",
        "",
        "   ",
        "😀",
        "x" * 2000,
    ],
)
def test_hostile_queries_are_plain_text(notes: GraphStore, query: str) -> None:
    hits = notes.fulltext_search(query, Label.MEMORY)
    assert isinstance(hits, list)
    assert all(hit.node_id in {"d-1", "d-2", "d-3", "d-4", "f-1"} for hit in hits)
    # The store is intact afterwards.
    assert ids(notes.fulltext_search("webhook", Label.MEMORY)) == ["d-2"]


def test_hostile_query_words_still_match(notes: GraphStore) -> None:
    assert "d-2" in ids(notes.fulltext_search("webhook AND (", Label.MEMORY))
    assert "d-1" in ids(notes.fulltext_search("cents' OR 1=1 --", Label.MEMORY))
    assert "d-1" in ids(notes.fulltext_search('"floats', Label.MEMORY))


def test_fulltext_follows_updates_and_removal(notes: GraphStore) -> None:
    store = notes
    put(store, memory("d-2", "Deliver webhooks synchronously"))
    assert ids(store.fulltext_search("queue", Label.MEMORY)) == []
    assert ids(store.fulltext_search("flaps", Label.MEMORY)) == []  # rationale gone with upsert
    assert ids(store.fulltext_search("synchronously", Label.MEMORY)) == ["d-2"]

    # A purge: the text is removed; nothing of it may be found afterwards.
    store.write(WriteBatch(set_properties={"d-1": {"text": None, "status": "purged"}}))
    assert ids(store.fulltext_search("cents", Label.MEMORY)) == []
    assert "d-1" not in ids(store.fulltext_search("floats invoices", Label.MEMORY))

    store.write(WriteBatch(set_properties={"d-3": {"rationale": "auditors require it"}}))
    assert ids(store.fulltext_search("auditors", Label.MEMORY)) == ["d-3"]

    store.write(WriteBatch(delete_nodes=["f-1"]))
    assert ids(store.fulltext_search("IndexError", Label.MEMORY)) == []


# -- vectors ----------------------------------------------------------------------------------


def _needs_vectors(store: GraphStore) -> None:
    if Capability.VECTOR_INDEX not in store.capabilities:
        pytest.skip(f"the {store.name} store declares no vector index")


@pytest.fixture
def vectors(store: GraphStore) -> GraphStore:
    _needs_vectors(store)
    put(
        store,
        memory("m-same", "a", embedding=vec(1.0, 0.0, 0.0)),
        memory("m-close", "b", embedding=vec(1.0, 0.5, 0.0)),
        memory("m-ortho", "c", embedding=vec(0.0, 0.0, 1.0)),
        memory("m-opposite", "d", embedding=vec(-1.0, 0.0, 0.0)),
        memory("m-none", "no embedding"),
        Node(
            id="fn",
            labels=(Label.CODE_ENTITY, Label.FUNCTION),
            properties={"name": "fn", "embedding": vec(1.0, 0.0, 0.0)},
        ),
    )
    return store


def test_vector_search_orders_by_cosine(vectors: GraphStore) -> None:
    hits = vectors.vector_search(vec(2.0, 0.0, 0.0), Label.MEMORY, limit=10)
    assert ids(hits) == ["m-same", "m-close", "m-ortho", "m-opposite"]
    scores = {hit.node_id: hit.score for hit in hits}
    assert scores["m-same"] == pytest.approx(1.0, abs=1e-4)
    assert scores["m-close"] == pytest.approx(1 / math.sqrt(1.25), abs=1e-4)
    assert scores["m-ortho"] == pytest.approx(0.0, abs=1e-4)
    assert scores["m-opposite"] == pytest.approx(-1.0, abs=1e-4)
    assert all(-1.0 <= hit.score <= 1.0 for hit in hits)


def test_vector_search_limit_and_label(vectors: GraphStore) -> None:
    assert ids(vectors.vector_search(vec(0.0, 0.0, 1.0), Label.MEMORY, limit=1)) == ["m-ortho"]
    assert "fn" not in ids(vectors.vector_search(vec(1.0), Label.MEMORY))


def test_nodes_can_be_read_without_their_embeddings(vectors: GraphStore) -> None:
    full = vectors.get_nodes(["m-close", "m-none", "fn", "missing"])
    lean = vectors.get_nodes(["m-close", "m-none", "fn", "missing"], embeddings=False)
    assert sorted(lean) == sorted(full) == ["fn", "m-close", "m-none"]
    for node_id, node in lean.items():
        assert "embedding" not in node.properties
        rest = {k: v for k, v in full[node_id].properties.items() if k != "embedding"}
        assert node.properties == rest and node.labels == full[node_id].labels
    with vectors.snapshot() as view:
        assert view.get_nodes(["m-close"], embeddings=False) == {"m-close": lean["m-close"]}


def test_found_nodes_can_come_without_their_embeddings(vectors: GraphStore) -> None:
    for label, where in [
        (Label.MEMORY, {}),
        (None, {"repo": "shop"}),
        (Label.MEMORY, {"id": "m-close"}),
    ]:
        full = vectors.find_nodes(label, where)
        lean = vectors.find_nodes(label, where, embeddings=False)
        assert [n.id for n in lean] == [n.id for n in full] and lean
        assert any("embedding" in n.properties for n in full)
        for node, whole in zip(lean, full, strict=True):
            assert "embedding" not in node.properties and node.labels == whole.labels
            assert node.properties == {
                k: v for k, v in whole.properties.items() if k != "embedding"
            }
    with vectors.snapshot() as view:
        assert view.find_nodes(Label.MEMORY, embeddings=False) == vectors.find_nodes(
            Label.MEMORY, embeddings=False
        )


def test_embedding_reads_back_and_can_be_removed(vectors: GraphStore) -> None:
    node = vectors.get_node("m-close")
    assert node is not None
    assert node.properties["embedding"] == pytest.approx(vec(1.0, 0.5, 0.0))
    assert node.properties["text"] == "b"

    vectors.write(WriteBatch(set_properties={"m-close": {"embedding": None}}))
    node = vectors.get_node("m-close")
    assert node is not None and "embedding" not in node.properties
    assert "m-close" not in ids(vectors.vector_search(vec(1.0, 0.5), Label.MEMORY))

    vectors.write(WriteBatch(set_properties={"m-ortho": {"embedding": vec(0.0, 1.0)}}))
    assert ids(vectors.vector_search(vec(0.0, 1.0), Label.MEMORY, limit=1)) == ["m-ortho"]

    put(vectors, memory("m-same", "a again"))  # an upsert without embedding drops it
    assert "m-same" not in ids(vectors.vector_search(vec(1.0), Label.MEMORY))

    vectors.write(WriteBatch(delete_nodes=["m-opposite"]))
    assert "m-opposite" not in ids(vectors.vector_search(vec(-1.0), Label.MEMORY))


def test_vector_search_on_an_empty_store(store: GraphStore) -> None:
    _needs_vectors(store)
    assert store.vector_search(vec(1.0), Label.MEMORY) == []


# -- the same answers and the same errors on every backend ------------------------------------


def test_fulltext_on_a_memory_kind_searches_the_memory_index(notes: GraphStore) -> None:
    put(
        notes,
        Node(
            id="c-9",
            labels=(Label.MEMORY, Label.CONSTRAINT),
            properties={"text": "Invoices are numbered without gaps", "status": "active"},
        ),
    )
    assert sorted(ids(notes.fulltext_search("invoices", Label.DECISION, limit=10))) == [
        "d-1",
        "d-3",
    ]
    assert ids(notes.fulltext_search("invoices", Label.CONSTRAINT)) == ["c-9"]
    assert ids(notes.fulltext_search("invoices", Label.DECISION, limit=1)) in (["d-1"], ["d-3"])
    assert ids(notes.fulltext_search("rounding", Label.COMMIT)) == ["c-1"]
    assert ids(notes.fulltext_search("cart", Label.FAILURE)) == []  # f-1 is a Decision here


@pytest.mark.parametrize("label", [Label.MODULE, Label.FUNCTION, Label.EVENT, "Nonsense"])
def test_fulltext_on_a_label_without_an_index_is_a_usage_error(
    notes: GraphStore, label: Label
) -> None:
    with pytest.raises(UsageError):
        notes.fulltext_search("invoices", label)


def test_fulltext_guards(notes: GraphStore) -> None:
    assert notes.fulltext_search("invoices", Label.MEMORY, limit=0) == []
    assert notes.fulltext_search("invoices", Label.MEMORY, limit=-3) == []
    assert notes.fulltext_search("   ", Label.MEMORY) == []


def test_a_vector_of_another_dimension_is_a_usage_error(vectors: GraphStore) -> None:
    with pytest.raises(UsageError, match="dimensions"):
        vectors.vector_search([1.0, 0.0, 0.0], Label.MEMORY)
    with pytest.raises(UsageError, match="dimensions"):
        vectors.vector_search([1.0] * (DIM + 1), Label.DECISION)


@pytest.mark.parametrize(
    "bad", [[], [math.nan] * DIM, [math.inf, *([0.0] * (DIM - 1))], [0.0] * DIM, ["x"] * DIM]
)
def test_a_malformed_query_vector_is_a_usage_error(vectors: GraphStore, bad: list[Any]) -> None:
    with pytest.raises(UsageError):
        vectors.vector_search(bad, Label.MEMORY)


def test_vector_search_guards(vectors: GraphStore) -> None:
    assert vectors.vector_search(vec(1.0), Label.MEMORY, limit=0) == []
    hits = vectors.vector_search(vec(1.0), Label.DECISION, limit=2)
    assert ids(hits) == ["m-same", "m-close"]


def test_a_label_without_a_vector_index_refuses_other_dimensions_too(
    vectors: GraphStore,
) -> None:
    assert ids(vectors.vector_search(vec(1.0), Label.FUNCTION)) == ["fn"]
    with pytest.raises(UsageError, match="dimensions"):
        vectors.vector_search([1.0, 0.0], Label.FUNCTION)
    assert vectors.vector_search([1.0, 0.0], Label.CLASS) == []  # no embeddings: nothing to refuse


def test_search_all_answers_each_search_as_it_is_answered_alone(
    notes: GraphStore, vectors: GraphStore
) -> None:
    store = notes
    searches = [
        Search(Label.MEMORY, 5, text="invoices"),
        Search(Label.COMMIT, 5, text="invoice rounding"),
        Search(Label.MEMORY, 5, text="   "),
        Search(Label.MEMORY, 0, text="invoices"),
        Search(Label.MEMORY, 3, vector=vec(2.0)),
    ]
    found = store.search_all(searches)
    assert found == [
        store.fulltext_search("invoices", Label.MEMORY, 5),
        store.fulltext_search("invoice rounding", Label.COMMIT, 5),
        [],
        [],
        store.vector_search(vec(2.0), Label.MEMORY, 3),
    ]
    assert set(ids(found[0])) == {"d-1", "d-3"} and ids(found[1]) == ["c-1"]
    assert ids(found[4]) == ["m-same", "m-close", "m-ortho"]
    assert store.search_all([]) == []
    with pytest.raises(UsageError, match="dimensions"):
        store.search_all([Search(Label.MEMORY, 5, text="invoices"), Search(vector=[1.0, 0.0])])


def test_many_vector_searches_asked_at_once_answer_as_alone(vectors: GraphStore) -> None:
    """remember --batch asks for the nearest memories of hundreds of new ones in one step."""
    asked = [vec(2.0), vec(0.0, 0.0, 1.0), vec(-1.0, 0.1), vec(1.0, 1.0), vec(0.5)]
    searches = [Search(Label.MEMORY, 3 if i % 2 else 2, vector=v) for i, v in enumerate(asked)]
    found = vectors.search_all([*searches, Search(Label.MEMORY, 5, text="a")])
    alone = [vectors.vector_search(s.vector or [], Label.MEMORY, s.limit) for s in searches]
    assert found[:-1] == alone
    assert ids(found[0]) == ["m-same", "m-close"] and ids(found[1])[0] == "m-ortho"
    assert found[-1] == vectors.fulltext_search("a", Label.MEMORY, 5)


def test_a_floor_keeps_only_the_hits_scoring_at_least_it(vectors: GraphStore) -> None:
    """remember's checks read only memories scoring 0.5 or more: the rest are not built."""
    asked = [Search(Label.MEMORY, 10, vector=vec(1.0), floor=f) for f in (0.8, -1e-4, 0.99)]
    assert [ids(hits) for hits in vectors.search_all(asked)] == [
        ["m-same", "m-close"],  # m-close scores 0.894
        ["m-same", "m-close", "m-ortho"],
        ["m-same"],
    ]
    assert vectors.search_all([Search(Label.MEMORY, 1, vector=vec(0.0, 1.0), floor=0.5)]) == [[]]
    everything = vectors.search_all([Search(Label.MEMORY, 10, vector=vec(1.0))])[0]
    assert ids(everything) == ["m-same", "m-close", "m-ortho", "m-opposite"]
