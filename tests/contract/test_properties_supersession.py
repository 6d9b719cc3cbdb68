"""Property: supersession invariants hold after any sequence of remember / supersede / retract /
revert, on every backend. A refused operation writes nothing.

- every superseded memory has a live SUPERSEDED_BY edge to an existing memory;
- no active memory has one;
- live SUPERSEDED_BY edges form no cycle;
- each chain (connected by live edges) has at most one active memory, its head.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_memory_support import build_code_graph, make_gm

from graphmem.errors import ConflictError, NotFoundError
from graphmem.model import Label, RelType
from graphmem.store import GraphStore, WriteBatch

EXAMPLES = {"embedded": 40, "neo4j": 10}
TARGETS = ["src/api/invoices.py", "src/api/", "billing.tax.compute_tax", "service:api", "."]

_index = st.integers(0, 30)
_ops = st.lists(
    st.one_of(
        st.tuples(st.just("remember"), st.sampled_from(TARGETS), st.none() | _index),
        st.tuples(st.just("remember_many"), st.sampled_from(TARGETS), st.lists(_index, max_size=3)),
        st.tuples(st.just("supersede"), st.lists(_index, min_size=1, max_size=3), _index),
        st.tuples(st.just("retract"), _index),
        st.tuples(st.just("revert"), _index),
    ),
    min_size=1,
    max_size=14,
)


def _state(store: GraphStore) -> tuple[dict[str, Any], set[tuple[str, str, bool]]]:
    memories = {n.id: n.get("status") for n in store.iter_nodes(Label.MEMORY)}
    links = {
        (e.source, e.target, bool(e.properties.get("reverted_at")))
        for e in store.iter_edges()
        if e.type == RelType.SUPERSEDED_BY
    }
    return memories, links


def check_invariants(store: GraphStore) -> None:
    memories, links = _state(store)
    live: dict[str, list[str]] = {}
    for source, target, reverted in links:
        assert source in memories and target in memories
        if not reverted:
            live.setdefault(source, []).append(target)
    for memory_id, status in memories.items():
        if status == "superseded":
            assert live.get(memory_id), f"{memory_id} superseded without a successor"
        if status == "active":
            assert not live.get(memory_id), f"{memory_id} active with a successor"
    # no cycles: repeatedly remove memories without live successors
    remaining = {m: set(live.get(m, ())) for m in memories}
    while True:
        sinks = [m for m, succ in remaining.items() if not succ]
        if not sinks:
            break
        for sink in sinks:
            del remaining[sink]
        for succ in remaining.values():
            succ.difference_update(sinks)
    assert not remaining, f"cycle among {sorted(remaining)}"
    # one active head per chain
    parent = {m: m for m in memories}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for source, targets in live.items():
        for target in targets:
            parent[find(source)] = find(target)
    heads: dict[str, int] = {}
    for memory_id, status in memories.items():
        if status == "active":
            heads[find(memory_id)] = heads.get(find(memory_id), 0) + 1
    assert all(n == 1 for n in heads.values()), heads


def _forget_memories(store: GraphStore) -> None:
    ids = [
        n.id
        for label in (Label.MEMORY, Label.EVENT, Label.RECEIPT)
        for n in store.iter_nodes(label)
    ]
    if ids:
        store.write(WriteBatch(delete_nodes=ids))


def test_supersession_invariants_hold_for_any_sequence(
    store: GraphStore, backend: str, embedder: Any, tmp_path: Path
) -> None:
    build_code_graph(store)
    gm = make_gm(store, embedder, tmp_path)
    tally = {"ok": 0, "refused": 0}

    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(ops=_ops)
    def run(ops: list[tuple[Any, ...]]) -> None:
        _forget_memories(store)
        ids: list[str] = []

        def pick(i: int) -> str:
            return ids[i % len(ids)] if ids else "d-00000000"

        for n, op in enumerate(ops):
            before = _state(store)
            try:
                if op[0] == "remember":
                    olds = [pick(op[2])] if op[2] is not None and ids else []
                    ids.append(
                        gm.remember("decision", f"rule {n}", [op[1]], supersedes=olds).memory.id
                    )
                elif op[0] == "remember_many":
                    olds = sorted({pick(i) for i in op[2]}) if ids else []
                    ids.append(
                        gm.remember("constraint", f"limit {n}", [op[1]], supersedes=olds).memory.id
                    )
                elif op[0] == "supersede":
                    gm.supersede(sorted({pick(i) for i in op[1]}), pick(op[2]))
                elif op[0] == "retract":
                    gm.retract(pick(op[1]))
                else:
                    gm.revert(pick(op[1]))
                tally["ok"] += 1
            except (ConflictError, NotFoundError):
                tally["refused"] += 1
                assert _state(store) == before, f"{op} was refused but wrote something"
            check_invariants(store)

    run()
    print(
        f"\n[properties/supersession/{backend}] {tally['ok']} operations applied, "
        f"{tally['refused']} refused; invariants held after each"
    )
