"""Property: TARGET parsing. Every entity is found again by each way of naming it, and any other
string either names an entity or fails with NotFoundError, never anything else."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_memory_support import REPO, build_code_graph

from graphmem.errors import NotFoundError
from graphmem.memory.targets import resolve_target
from graphmem.model import Label, Node
from graphmem.store import GraphStore

EXAMPLES = {"embedded": 150, "neo4j": 40}

_noise = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def _spellings(node: Node) -> list[str]:
    """The ways a user may name `node` (DESIGN.md §5), with the spacing and slashes users type."""
    path = str(node.get("path") or "")
    qualified = str(node.get("qualified_name") or "")
    names = [node.id, f"  {node.id} "]
    if node.has(Label.DIRECTORY):
        names += [path, f"{path}/", f"./{path}/", path.replace("/", "\\")]
    if node.has(Label.MODULE):
        names += [path, f"./{path}", qualified, f"{path}::"]
    if node.has(Label.CLASS) or node.has(Label.FUNCTION) or node.has(Label.METHOD):
        names += [qualified, f"{path}::{qualified}"]
        module = qualified.rsplit(".", 1)[0]
        if "." in qualified:
            names.append(f"{path}::{qualified[len(module) + 1 :]}")
    if node.has(Label.SERVICE):
        names += [f"service:{node.get('name')}"]
    if node.has(Label.REPOSITORY):
        names += [".", "/", "./"]
    return names


def test_every_spelling_of_every_entity_resolves_to_it(store: GraphStore) -> None:
    nodes = build_code_graph(store)
    checked = 0
    for node in nodes.values():
        for spelling in _spellings(node):
            found = resolve_target(store, REPO, spelling)
            assert found.id == node.id, (spelling, found.id, node.id)
            checked += 1
    print(f"\n[properties/targets/{store.name}] {checked} spellings resolved to their entity")


def test_any_string_resolves_or_is_not_found(store: GraphStore, backend: str) -> None:
    nodes = build_code_graph(store)
    known = {n.id for n in nodes.values()}
    spellings = [s for n in nodes.values() for s in _spellings(n)]
    parts = st.sampled_from(spellings + ["::", "/", ".", "service:", "e-", "src", "api"])
    candidates = st.one_of(
        _noise,
        st.lists(st.one_of(parts, _noise), min_size=1, max_size=4).map("".join),
    )

    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(text=candidates)
    def resolves_or_not_found(text: str) -> None:
        try:
            found: Any = resolve_target(store, REPO, text)
        except NotFoundError as e:
            assert "\n" not in str(e)
            return
        assert found.id in known and found.has(Label.CODE_ENTITY)
        assert found.get("repo") == REPO

    resolves_or_not_found()
