"""Helpers for ingest unit tests: parse and resolve a folder without any store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from graphmem.ingest.file_walk import walk_repository
from graphmem.ingest.language import ParsedFile, RepoIndex, RepoLayout, language_for

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


class Resolved:
    """Parsed files and resolved edges of a folder, as qualified-name tuples."""

    def __init__(self, root: Path) -> None:
        files = walk_repository(root).files
        layout = RepoLayout(root, frozenset(files))
        self.parsed: dict[str, ParsedFile] = {}
        for path in files:
            support = language_for(path)
            if support is None:
                continue
            module = support.module_name(path, layout)
            self.parsed[path] = support.parse(path, (root / path).read_bytes(), module)
        index = RepoIndex.from_files(list(self.parsed.values()))
        self.deps: dict[str, set[str]] = {}
        self.edges: set[tuple[str, str, str, str | None]] = set()
        resolvers = {}
        for path, parsed in self.parsed.items():
            support = language_for(path)
            assert support is not None
            resolver = resolvers.setdefault(support.name, support.resolver(index))
            with index.tracking() as deps:
                for edge in resolver.resolve(parsed):
                    self.edges.add(
                        (
                            edge.type.value,
                            edge.source.qualified_name,
                            edge.target.qualified_name,
                            edge.resolution,
                        )
                    )
            self.deps[path] = deps

    def of(self, kind: str) -> set[tuple[str, str]]:
        return {(s, t) for k, s, t, _ in self.edges if k == kind}

    def modules(self) -> dict[str, str]:
        return {p.path: p.module for p in self.parsed.values()}

    def definitions(self) -> set[tuple[str, str]]:
        return {(d.kind, d.qualified_name) for p in self.parsed.values() for d in p.definitions}


@pytest.fixture(scope="module")
def shop() -> Resolved:
    return Resolved(FIXTURES / "pyrepo")


Graph = tuple[dict[str, ParsedFile], set[tuple[str, str, str, str | None]]]


@pytest.fixture(scope="session")
def fixture_graph() -> Callable[[str], Graph]:
    """The parsed files and resolved edges of a folder of ``tests/fixtures``, by its name."""

    def build(name: str) -> Graph:
        resolved = Resolved(FIXTURES / name)
        return resolved.parsed, resolved.edges

    return build


@pytest.fixture
def resolve_tree(tmp_path: Path) -> Callable[[dict[str, str]], Resolved]:
    """Write files (path -> text) under a temporary root and resolve them."""

    def build(files: dict[str, str]) -> Resolved:
        for rel, text in files.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return Resolved(tmp_path)

    return build
