"""How a hook orders the memories it has room for."""

from __future__ import annotations

from graphmem.agents.briefing import rank, staleness_notice
from graphmem.memory.results import Application, GoverningMemory, Staleness
from graphmem.model import MemoryKind
from graphmem.model.memories import Memory


def served(
    memory_id: str,
    kind: MemoryKind,
    source: str | None = None,
    rules: bool = False,
    distance: int = 0,
) -> GoverningMemory:
    memory = Memory(
        id=memory_id,
        kind=kind,
        text=f"text of {memory_id}",
        repo="shop",
        source=source,
        tags=["rules", "agents-md"] if rules else [],
    )
    where = Application(
        subject="r",
        entity_id="r",
        entity="<repository>",
        entity_kind="Repository",
        relation="self" if distance == 0 else "ancestor",
        distance=distance,
        path=[],
    )
    return GoverningMemory(memory=memory, applies=[where], staleness=Staleness())


def test_rules_the_agent_loads_itself_come_after_what_only_graphmem_knows() -> None:
    """openai-agents-python's briefing was 8 of its 119 AGENTS.md rules, picked by id hash, and
    none of the team's decisions: the agent had read every one of those rules already."""
    ranked = rank(
        [
            served("c-ffff", MemoryKind.CONSTRAINT, "AGENTS.md:300@abc", rules=True),
            served("c-0000", MemoryKind.CONSTRAINT, "AGENTS.md:12@abc", rules=True),
            served("k-1111", MemoryKind.FACT, "AGENTS.md:4@abc", rules=True),
            served("c-aaaa", MemoryKind.CONSTRAINT, "AGENTS.md:20@abc", rules=True),
            served("d-9999", MemoryKind.DECISION, "docs/adr/0003-queues.md@abc"),
            served("f-5555", MemoryKind.FAILURE),
        ]
    )
    assert [m.memory.id for m in ranked] == [
        "f-5555",  # failures, then decisions, from graphmem and ADRs
        "d-9999",
        "c-0000",  # then the rules file's constraints in its own order, then its facts
        "c-aaaa",
        "c-ffff",
        "k-1111",
    ]


def test_a_rule_that_names_the_file_comes_before_the_repository_wide_ones() -> None:
    """Before an edit of src/agents/run.py: the rule naming run.py is the one to see first."""
    ranked = rank(
        [
            served("c-0001", MemoryKind.CONSTRAINT, "AGENTS.md:10@abc", rules=True, distance=3),
            served("k-0002", MemoryKind.FACT, "AGENTS.md:154@abc", rules=True, distance=0),
            served("k-0003", MemoryKind.FACT, "AGENTS.md:25@abc", rules=True, distance=1),
        ]
    )
    assert [m.memory.id for m in ranked] == ["k-0002", "k-0003", "c-0001"]


def test_a_stale_rule_is_settled_in_the_file_that_states_it() -> None:
    notice = staleness_notice(
        "src/agents/run.py",
        [
            served("c-0001", MemoryKind.CONSTRAINT, "AGENTS.md:154@abc", rules=True),
            served("d-0002", MemoryKind.DECISION),
        ],
    )
    lines = notice.splitlines()
    assert lines[1] == (
        "- constraint c-0001 on <repository> (a rule of AGENTS.md: if it no longer holds, "
        "edit that file)"
    )
    assert lines[2] == "- decision d-0002 on <repository>"
