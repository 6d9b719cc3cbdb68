"""Records: keyword-only dataclasses with the part of pydantic's interface graphmem uses."""

from __future__ import annotations

import dataclasses
import json
import pickle
import subprocess
import sys

import pytest

from graphmem.errors import UsageError
from graphmem.memory.results import Anchor, AnchorStatus, Staleness
from graphmem.model import Edge, Label, Memory, MemoryKind, MemoryStatus, Node, RelType


def test_a_node_sorts_its_labels_once_and_refuses_an_empty_id_or_no_label() -> None:
    node = Node(id="m-1", labels=(Label.MEMORY, Label.DECISION, Label.MEMORY))
    assert node.labels == (Label.DECISION, Label.MEMORY) and node.properties == {}
    assert Node(id="m-1", labels=(Label.MEMORY, Label.DECISION)) == node
    for bad in ({"id": "", "labels": (Label.MEMORY,)}, {"id": "x", "labels": ()}):
        with pytest.raises(UsageError):
            Node(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Nowhere"):
        Node(id="x", labels=("Nowhere",))  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.id = "m-2"  # type: ignore[misc]


def test_an_edge_takes_its_type_by_name_and_needs_both_ends() -> None:
    edge = Edge(type="GOVERNS", source="m-1", target="e-1")  # type: ignore[arg-type]
    assert edge.type is RelType.GOVERNS and edge.key == ("GOVERNS", "m-1", "e-1")
    with pytest.raises(UsageError):
        Edge(type=RelType.CALLS, source="", target="e-1")


def test_model_dump_nests_records_and_json_mode_gives_values() -> None:
    anchor = Anchor(
        entity_id="e-1",
        qualified_name="shop.cart",
        path="shop/cart.py",
        kind="Module",
        content_hash="h",
    )
    staleness = Staleness(anchors=[AnchorStatus(anchor=anchor, state="ok", current_hash="h")])
    python = staleness.model_dump()
    assert python == {
        "possibly_stale": False,
        "orphaned": False,
        "anchors": [{"anchor": anchor.model_dump(), "state": "ok", "current_hash": "h"}],
    }
    node = Node(id="m-1", labels=(Label.MEMORY, Label.FACT), properties={"n": [1, 2]})
    assert node.model_dump()["labels"] == (Label.FACT, Label.MEMORY)
    assert node.model_dump(mode="json") == {
        "id": "m-1",
        "labels": ["Fact", "Memory"],
        "properties": {"n": [1, 2]},
    }
    assert node.model_dump(exclude={"properties"}) == {"id": "m-1", "labels": node.labels}
    assert json.loads(node.model_dump_json()) == node.model_dump(mode="json")
    assert node.model_dump()["properties"] is not node.properties  # a copy, as in pydantic


def test_construct_fills_defaults_and_copy_replaces_fields() -> None:
    memory = Memory.model_construct(id="d-1", kind=MemoryKind.DECISION, text="t", repo="shop")
    assert memory.status is MemoryStatus.ACTIVE and memory.tags == [] and memory.created_at
    assert (
        Memory.model_construct(id="d-2", kind=MemoryKind.FACT, text="t", repo="r").tags
        is not memory.tags
    )
    copied = memory.model_copy(update={"text": "u"})
    assert (copied.text, memory.text, copied.id) == ("u", "t", "d-1")
    assert set(Memory.model_fields) >= {"id", "kind", "text", "repo", "status", "tags"}
    assert Memory.from_node(memory.to_node()) == memory
    stored = Node.stored({"id": "m-1", "labels": (Label.FACT, Label.MEMORY), "properties": {}})
    assert stored == Node(id="m-1", labels=(Label.MEMORY, Label.FACT))
    assert pickle.loads(pickle.dumps(stored)) == stored


def test_reading_commands_import_no_pydantic() -> None:
    """A hook or `graphmem show` starts in a fresh process: pydantic was a third of it."""
    code = (
        "import sys, graphmem.api, graphmem.memory.governance, graphmem.queries.context, "
        "graphmem.memory.staleness, graphmem.agents.hook, graphmem.store.embedded; "
        "print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
