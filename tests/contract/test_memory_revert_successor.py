"""Contract: `revert` also takes the successor, as `git revert` takes the change, and does
exactly what reverting the memory it replaced does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_memory_support import build_code_graph, make_gm

from graphmem.api import GraphMem
from graphmem.errors import ConflictError
from graphmem.model import MemoryStatus
from graphmem.store import GraphStore


@pytest.fixture
def gm(store: GraphStore, embedder: Any, tmp_path: Path) -> GraphMem:
    build_code_graph(store)
    return make_gm(store, embedder, tmp_path)


def _served(gm: GraphMem) -> list[str]:
    return sorted(g.memory.id for g in gm.governing("api.invoices.InvoiceService.create"))


def test_reverting_the_successor_restores_what_it_replaced(gm: GraphMem) -> None:
    a = gm.remember("decision", "Use requests for HTTP", ["src/api/"]).memory.id
    b = gm.remember("constraint", "Set a 5 s timeout on HTTP calls", ["src/api/"]).memory.id
    c = gm.remember("decision", "Use httpx with a 5 s timeout", ["src/api/"], supersedes=[a, b])
    change = gm.revert(c.memory.id)
    assert change.action == "revert"
    assert change.active == sorted([a, b]) and change.inactive == [c.memory.id]
    assert _served(gm) == sorted([a, b])
    assert gm.show(c.memory.id).memory.status == MemoryStatus.RETRACTED
    assert [e.action for e in gm.events(c.memory.id)][0] == "revert"
    # done once: the successor is retracted now and the old memories replace nothing
    for again in (c.memory.id, a):
        with pytest.raises(ConflictError):
            gm.revert(again)


def test_either_end_gives_the_same_result(gm: GraphMem) -> None:
    old = gm.remember("decision", "Invoices are immutable once sent", ["src/api/"]).memory.id
    new = gm.remember("decision", "Credit notes correct invoices", ["src/api/"], supersedes=[old])
    by_successor = gm.revert(new.memory.id)
    assert (by_successor.active, by_successor.inactive) == ([old], [new.memory.id])
    assert _served(gm) == [old]


def test_the_head_of_a_chain_undoes_the_last_step_only(gm: GraphMem) -> None:
    a = gm.remember("decision", "Invoice ids are UUIDv4", ["src/api/"]).memory.id
    b = gm.remember("decision", "Invoice ids are UUIDv7", ["src/api/"], supersedes=[a]).memory.id
    c = gm.remember("decision", "Invoice ids are ULIDs", ["src/api/"], supersedes=[b]).memory.id
    assert gm.revert(c).active == [b]
    assert _served(gm) == [b]
    assert gm.show(a).memory.status == MemoryStatus.SUPERSEDED  # still replaced by b
    assert gm.revert(b).active == [a]


def test_a_memory_that_replaced_nothing_is_refused_with_one_line(gm: GraphMem) -> None:
    lone = gm.remember("fact", "Staging runs in eu-west-1", ["src/api/"]).memory.id
    with pytest.raises(ConflictError, match="replaced nothing") as raised:
        gm.revert(lone)
    assert "\n" not in str(raised.value)
