"""What every tree-sitter parser shares, so that a language module holds only its own rules.

A grammar is imported when first used (importing graphmem stays cheap), its queries are read
from ``graphmem/ingest/queries/<name>.scm`` and compiled once per grammar, and one file's parse
runs as: parse and capture (a syntax error becomes a warning, tree-sitter keeps what parsed),
sort the captures by position, then sweep them once with a stack of enclosing scopes.
`SourceParse` holds one file's state for that sweep and records what it finds into the
`ParsedFile`.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from graphmem.ingest.language import (
    Binding,
    CallSite,
    Definition,
    ImportSpec,
    ParsedFile,
    content_hash,
)

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser, Query


@cache
def grammar(package: str, entry: str = "language") -> Language:
    """The Language a grammar wheel exports (``tree_sitter_go.language()``)."""
    from tree_sitter import Language

    return Language(getattr(importlib.import_module(package), entry)())


@cache
def parser_for(language: Language) -> Parser:
    from tree_sitter import Parser

    return Parser(language)


def load_query_source(*names: str) -> str:
    """The text of ``graphmem/ingest/queries/<name>.scm`` files, concatenated."""
    folder = resources.files("graphmem.ingest") / "queries"
    return "\n".join((folder / f"{name}.scm").read_text(encoding="utf-8") for name in names)


@cache
def compiled_query(language: Language, *names: str) -> Query:
    """The query files `names` compiled for `language` (a node type it lacks fails here)."""
    from tree_sitter import Query

    return Query(language, load_query_source(*names))


def tree_root(found: Mapping[str, Sequence[Node]]) -> Node | None:
    """The root of the tree the captures in `found` are from (None if nothing was captured)."""
    root = next((nodes[0] for nodes in found.values() if nodes), None)
    while root is not None and root.parent is not None:
        root = root.parent
    return root


def line(node: Node) -> int:
    """The 1-based line a node starts on."""
    return node.start_point[0] + 1


def in_source_order(
    captures: Mapping[str, Sequence[Node]], first: Collection[str]
) -> list[tuple[str, Node]]:
    """Every (capture name, node) by start; at the same start the captures named in `first`
    (those that open a scope) come before the others, and outer nodes before inner ones."""
    items = [
        (node.start_byte, 0 if name in first else 1, -node.end_byte, name, node)
        for name, nodes in captures.items()
        for node in nodes
    ]
    items.sort(key=lambda item: item[:3])
    return [(name, node) for _start, _order, _end, name, node in items]


@dataclass(slots=True)
class Scope:
    """A definition (or the module) the sweep is inside of, up to `end_byte`."""

    qualified_name: str
    end_byte: int
    definition: Definition | None


class SourceParse:
    """One file's parse: its source, and the ParsedFile its captures are recorded into."""

    def __init__(self, language: str, path: str, source: bytes, module: str) -> None:
        self.path = path
        self.source = source
        self.module = module
        self.parsed = ParsedFile(
            path=path,
            language=language,
            module=module,
            content_hash=content_hash(source),
            line_count=source.count(b"\n") + (0 if source.endswith(b"\n") or not source else 1),
        )
        #: qualified names defined so far (see `add_definition`)
        self.seen: set[str] = set()

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def captures(
        self, language: Language, *query_files: str, parsed: bytes | None = None
    ) -> dict[str, list[Node]]:
        """Parse the source and run the queries on it, by capture name. A syntax error leaves a
        warning; tree-sitter recovers, so what parsed is still captured. `parsed`: the bytes
        the grammar reads instead, of the same length (names are still read from the source)."""
        from tree_sitter import QueryCursor

        root = parser_for(language).parse(self.source if parsed is None else parsed).root_node
        if root.has_error:
            self.parsed.warnings.append(
                f"{self.path}: syntax errors; the graph of this file is partial"
            )
        return QueryCursor(compiled_query(language, *query_files)).captures(root)

    def sweep(self, ordered: Sequence[tuple[str, Node]], outermost: Scope) -> None:
        """Hand each capture to ``on_<capture name>(node, scope)`` with its innermost enclosing
        scope; a handler returning a Scope opens it for the captures inside its node."""
        stack = [outermost]
        for name, node in ordered:
            while stack[-1].end_byte <= node.start_byte:
                stack.pop()
            opened = getattr(self, f"on_{name}")(node, stack[-1])
            if opened is not None:
                stack.append(opened)

    def add_definition(
        self, kind: str, name: str, qualified_name: str, parent: str, span: Node
    ) -> Definition:
        """A definition spanning `span`'s lines. Only the first one of a qualified name is
        recorded (a property setter, a getter/setter pair, several ``init()``): later ones keep
        its entity, and what they contain is attributed to that name."""
        text = self.source[span.start_byte : span.end_byte]
        definition = Definition(
            kind=kind,
            name=name,
            qualified_name=qualified_name,
            parent=parent,
            start_line=line(span),
            end_line=span.end_point[0] + 1,
            content_hash=content_hash(text),
            shape=content_hash(text.replace(name.encode(), b"\0")) if name else "",
        )
        if qualified_name not in self.seen:
            self.seen.add(qualified_name)
            self.parsed.definitions.append(definition)
        return definition

    def add_call(self, caller: str, callee: str, node: Node) -> None:
        self.parsed.calls.append(CallSite(caller, callee, line(node)))

    def add_import(
        self, module: str, name: str | None, alias: str | None, node: Node, scope: str
    ) -> None:
        self.parsed.imports.append(ImportSpec(module, name, alias, line(node), scope))

    def bind(self, scope: str, name: str, value: str, node: Node, annotation: bool = False) -> None:
        self.parsed.bindings.append(Binding(scope, name, value, line(node), annotation))
