"""Contract: supersession, history, revert, retract, purge, cycles; the audit trail, receipts,
export and import. Both backends, real embeddings."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from test_memory_support import REPO, build_code_graph, make_gm

from graphmem.api import GraphMem
from graphmem.errors import ConflictError, NotFoundError
from graphmem.memory.audit import record_receipt
from graphmem.model import Label, MemoryStatus, RelType
from graphmem.store import Direction, GraphStore


@pytest.fixture
def gm(store: GraphStore, embedder: Any, tmp_path: Path) -> GraphMem:
    build_code_graph(store)
    return make_gm(store, embedder, tmp_path)


def served(gm: GraphMem, target: str = "api.invoices.InvoiceService.create") -> list[str]:
    return [g.memory.id for g in gm.governing(target)]


def chain(gm: GraphMem) -> tuple[str, str, str]:
    a = gm.remember("decision", "Invoice ids are UUIDv4", ["src/api/"]).memory.id
    b = gm.remember("decision", "Invoice ids are UUIDv7", ["src/api/"], supersedes=[a]).memory.id
    c = gm.remember("decision", "Invoice ids are ULIDs", ["src/api/"], supersedes=[b]).memory.id
    return a, b, c


# -- supersession and history -------------------------------------------------------------


def test_superseded_is_never_served_but_stays_in_history(gm: GraphMem, store: GraphStore) -> None:
    a, b, c = chain(gm)
    assert served(gm) == [c]
    old = gm.show(a)
    assert old.memory.status == MemoryStatus.SUPERSEDED
    assert old.memory.valid_to is not None
    assert old.superseded_by == [b]
    [edge] = store.edges([a], [RelType.SUPERSEDED_BY], Direction.OUT)
    assert edge.target == b
    for middle in (a, b, c):
        assert [e.memory.id for e in gm.history(middle)] == [a, b, c]
    assert {g.memory.id for g in gm.governing("src/api/", include_history=True)} == {a, b, c}


def test_supersede_command_links_existing_memories(gm: GraphMem) -> None:
    old = gm.remember("decision", "Invoices are immutable once sent", ["src/api/"])
    new = gm.remember("decision", "Invoices may be edited until paid", ["src/api/"])
    assert [c.memory_id for c in new.conflicts] == [old.memory.id]
    change = gm.supersede([old.memory.id], new.memory.id)
    assert change.inactive == [old.memory.id]
    assert served(gm) == [new.memory.id]


def test_superseding_twice_or_a_retracted_memory_is_refused(gm: GraphMem) -> None:
    a, b, c = chain(gm)
    with pytest.raises(ConflictError, match=c):  # names the current head
        gm.remember("decision", "Invoice ids are integers", supersedes=[a])
    gm.retract(c)
    with pytest.raises(ConflictError, match="retracted"):
        gm.remember("decision", "Invoice ids are integers", supersedes=[c])
    with pytest.raises(ConflictError, match="retracted"):
        gm.supersede([a], c)


def test_cycles_are_refused(gm: GraphMem) -> None:
    a, b, c = chain(gm)
    with pytest.raises(ConflictError, match="cannot supersede itself"):
        gm.supersede([c], c)
    # c -> a would close a cycle; a is not active, and even were it, a already precedes c
    with pytest.raises(ConflictError):
        gm.supersede([c], a)
    gm.revert(b)  # b active again, c retracted; a still superseded by b
    with pytest.raises(ConflictError):
        gm.supersede([b], a)
    assert [e.memory.id for e in gm.history(a)] == [a, b, c]


# -- revert ---------------------------------------------------------------------------------


def test_revert_restores_and_retracts_the_successor(gm: GraphMem, store: GraphStore) -> None:
    old = gm.remember("decision", "Invoices are immutable once sent", ["src/api/"]).memory.id
    new = gm.remember("decision", "Credit notes correct invoices", ["src/api/"], supersedes=[old])
    change = gm.revert(old)
    assert change.active == [old] and change.inactive == [new.memory.id]
    assert served(gm) == [old]
    assert gm.show(old).memory.valid_to is None
    successor = gm.show(new.memory.id)
    assert successor.memory.status == MemoryStatus.RETRACTED
    assert "reverted" in (successor.retracted_reason or "")
    [entry_old, entry_new] = gm.history(old)
    assert entry_old.reverted_links == [new.memory.id] and entry_old.superseded_by == []
    [edge] = store.edges([old], [RelType.SUPERSEDED_BY], Direction.OUT)
    assert edge.properties.get("reverted_at")  # kept, marked: nothing is deleted
    assert [e.action for e in gm.events(old)][0] == "revert"
    # reverting again is refused: it is active now
    with pytest.raises(ConflictError):
        gm.revert(old)


def test_revert_brings_back_every_memory_the_successor_replaced(gm: GraphMem) -> None:
    a = gm.remember("decision", "Use requests for HTTP", ["src/api/"]).memory.id
    b = gm.remember("constraint", "Set a 5 s timeout on HTTP calls", ["src/api/"]).memory.id
    c = gm.remember("decision", "Use httpx with a 5 s timeout", ["src/api/"], supersedes=[a, b])
    gm.revert(a)
    assert sorted(served(gm)) == sorted([a, b])
    assert gm.show(c.memory.id).memory.status == MemoryStatus.RETRACTED


def test_revert_in_the_middle_of_a_chain_is_refused(gm: GraphMem) -> None:
    a, b, c = chain(gm)
    with pytest.raises(ConflictError, match=f"revert {b} first"):
        gm.revert(a)
    gm.revert(b)
    gm.revert(a)
    assert served(gm) == [a]


# -- retract and purge --------------------------------------------------------------------


def test_retract(gm: GraphMem) -> None:
    m = gm.remember("fact", "Staging uses the eu-west-1 region", ["src/api/"]).memory.id
    change, redacted = gm.retract(m, reason="moved; old db password=Sup3rS3cret!")
    assert change.inactive == [m] and redacted == ["password"]
    view = gm.show(m)
    assert view.memory.status == MemoryStatus.RETRACTED and view.memory.valid_to
    assert "Sup3rS3cret" not in (view.retracted_reason or "")
    assert served(gm) == []
    with pytest.raises(ConflictError, match="already retracted"):
        gm.retract(m)


def test_purge_leaves_no_text_anywhere(gm: GraphMem, store: GraphStore, tmp_path: Path) -> None:
    secret_words = "zanzibar quokka invoice embargo"
    m = gm.remember(
        "failure",
        f"The {secret_words} broke create",
        ["api.invoices.InvoiceService.create"],
        rationale="quokka rationale",
        source="https://example.com/quokka",
        tags=["quokka"],
        symptom="quokka symptom",
        cause="quokka cause",
        fix="quokka fix",
    ).memory.id
    [vector] = gm.embedder.embed([f"The {secret_words} broke create"])
    assert store.fulltext_search("quokka", Label.MEMORY)
    assert store.vector_search(vector, Label.MEMORY, limit=5)[0].node_id == m
    gm.record_receipt("search", "zanzibar", [m])

    gm.purge(m)
    node = store.get_node(m)
    assert node is not None and node.get("status") == MemoryStatus.PURGED
    assert "quokka" not in json.dumps(node.properties)
    assert "embedding" not in node.properties
    assert store.fulltext_search("quokka", Label.MEMORY) == []
    assert store.fulltext_search("zanzibar", Label.MEMORY) == []
    assert all(hit.node_id != m for hit in store.vector_search(vector, Label.MEMORY, limit=20))
    for event in store.find_nodes(Label.EVENT):
        assert "quokka" not in json.dumps(event.properties)
    out = io.StringIO()
    gm.export_jsonl(out)
    assert "quokka" not in out.getvalue()
    assert "quokka" not in gm.export_markdown()
    assert served(gm) == []
    assert [e.action for e in gm.events(m)][0] == "purge"
    with pytest.raises(ConflictError):
        gm.purge(m)
    with pytest.raises(ConflictError):
        gm.remember("failure", "again", supersedes=[m])


def test_unknown_ids_are_not_found(gm: GraphMem) -> None:
    for action in (gm.show, gm.history, gm.revert, gm.purge, gm.acknowledge):
        with pytest.raises(NotFoundError):
            action("d-00000000")
    with pytest.raises(NotFoundError):
        gm.retract("d-00000000")


# -- audit, receipts, export and import ---------------------------------------------------


def test_every_change_is_an_event_without_text(gm: GraphMem, store: GraphStore) -> None:
    a, b, c = chain(gm)
    gm.revert(b)
    actions = [e.action for e in gm.events()]
    assert actions.count("remember") == 3 and actions.count("supersede") == 2
    assert actions[0] == "revert"
    assert all(e.author == "ana" and e.at for e in gm.events())
    assert [e.action for e in gm.events(c)] == ["revert", "supersede", "remember"]
    assert len(gm.events(limit=2)) == 2
    for event in store.find_nodes(Label.EVENT):
        assert "UUID" not in json.dumps(event.properties)
        assert "ULID" not in json.dumps(event.properties)


def test_receipts_record_what_a_retrieval_returned(gm: GraphMem, store: GraphStore) -> None:
    m = gm.remember("fact", "Invoices are numbered per year").memory.id
    receipt = record_receipt(
        store,
        REPO,
        "context",
        "src/api/ token=ghp_1234567890abcdefghijklmnopqrstuvwxyz12",
        [m],
        "ana",
    )
    assert "ghp_" not in receipt.query
    [listed] = gm.receipts()
    assert listed.memory_ids == [m] and listed.operation == "context"
    assert gm.receipts(memory_id="k-00000000") == []


def test_export_import_round_trip_records_an_import_event(
    gm: GraphMem, store: GraphStore, embedder: Any, tmp_path: Path
) -> None:
    a, b, c = chain(gm)
    out = io.StringIO()
    gm.export_jsonl(out)
    markdown = gm.export_markdown()
    assert c in markdown and a not in markdown and "## `src/api/`" in markdown

    # import into an empty repository of the same store (after wiping it)
    from graphmem.store import WriteBatch

    everything = [n.id for n in store.iter_nodes()]
    store.write(WriteBatch(delete_nodes=everything))
    result = gm.import_jsonl(io.StringIO(out.getvalue()))
    assert result.memories == 3
    assert [e.memory.id for e in gm.history(a)] == [a, b, c]
    assert served(gm) == [c]
    assert gm.events()[0].action == "import"


def test_markdown_digest_groups_repository_wide_first(gm: GraphMem) -> None:
    gm.remember("fact", "All amounts are in cents", rationale="no float money", source="PR #12")
    gm.remember(
        "constraint", "create() is idempotent", ["src/api/invoices.py::InvoiceService.create"]
    )
    gm.remember("preference", "Short commit messages")
    other = make_gm(gm.store, gm.embedder, gm.repo_root.parent, user="bob")
    other.remember("preference", "Long commit messages")
    text = gm.export_markdown()
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections[0] == "## Repository-wide"
    assert "  - why: no float money" in text and "  - source: PR #12" in text
    assert "Short commit messages" in text and "Long commit messages" not in text
    assert any("InvoiceService.create" in s for s in sections)
