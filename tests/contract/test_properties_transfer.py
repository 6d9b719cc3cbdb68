"""Property: export -> import into an empty store -> export gives the same records, on every
backend and across backends (DESIGN.md §5), for any graph hypothesis can build."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmem.model.graph import CODE_LABELS, MEMORY_LABELS, Edge, Label, Node, RelType
from graphmem.store import GraphStore, WriteBatch, open_store
from graphmem.store.transfer import export_records, import_jsonl, write_jsonl

EXAMPLES = {"embedded": 40, "neo4j": 15}

_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n not in ("embedding", "id")
)
_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
_int = st.integers(-(2**63), 2**63 - 1)
_float = st.floats(allow_nan=False, allow_infinity=False, width=64)
_value = st.one_of(
    _text,
    _int,
    _float,
    st.booleans(),
    st.lists(_text, min_size=0, max_size=4),
    st.lists(_int, min_size=0, max_size=4),
    st.lists(_float, min_size=0, max_size=4),
    st.lists(st.booleans(), min_size=0, max_size=4),
)
_properties = st.dictionaries(_names, _value, max_size=5)

_label_sets = st.one_of(
    st.sampled_from(sorted(CODE_LABELS)).map(lambda label: (Label.CODE_ENTITY, label)),
    st.sampled_from(sorted(MEMORY_LABELS)).map(lambda label: (Label.MEMORY, label)),
    st.sampled_from([(Label.EVENT,), (Label.RECEIPT,), (Label.FILE_STATE,)]),
)


@st.composite
def graphs(draw: Any) -> tuple[list[Node], list[Edge]]:
    ids = draw(
        st.lists(
            st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12),
            min_size=1,
            max_size=12,
            unique=True,
        )
    )
    nodes = [
        Node(id=node_id, labels=draw(_label_sets), properties=draw(_properties)) for node_id in ids
    ]
    edges = {}
    for _ in range(draw(st.integers(0, 15))):
        edge = Edge(
            type=draw(st.sampled_from(list(RelType))),
            source=draw(st.sampled_from(ids)),
            target=draw(st.sampled_from(ids)),
            properties=draw(_properties),
        )
        edges[edge.key] = edge
    return nodes, list(edges.values())


def _clear(store: GraphStore) -> None:
    ids = [n.id for n in store.iter_nodes()]
    if ids:
        store.write(WriteBatch(delete_nodes=ids))
    assert store.counts() == {}


def _export(store: GraphStore) -> list[str]:
    return [json.dumps(r, sort_keys=True) for r in export_records(store)]


def test_export_import_round_trip(store: GraphStore, backend: str, tmp_path: Path) -> None:
    other = open_store(str(tmp_path / "other.db"))
    runs = 0

    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(graph=graphs())
    def round_trip(graph: tuple[list[Node], list[Edge]]) -> None:
        nonlocal runs
        runs += 1
        nodes, edges = graph
        _clear(store)
        store.write(WriteBatch(upsert_nodes=nodes, upsert_edges=edges))
        first = _export(store)
        assert len(first) == len(nodes) + len(edges)
        buffer = io.StringIO()
        write_jsonl(store, buffer)
        # the same backend, emptied
        _clear(store)
        buffer.seek(0)
        import_jsonl(store, buffer)
        assert _export(store) == first
        # and the embedded store, whichever backend exported
        _clear(other)
        buffer.seek(0)
        import_jsonl(other, buffer)
        assert _export(other) == first

    try:
        round_trip()
    finally:
        other.close()
    print(f"\n[properties/transfer/{backend}] {runs} random graphs round-tripped")
