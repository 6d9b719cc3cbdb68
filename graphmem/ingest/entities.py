"""The code entities an ingest derives from parsed files and the walk: ids, nodes, CONTAINS.

Ids come from (repo, path, qualified name) only, so the same code always gets the same id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from graphmem.ingest.language import ParsedFile, ResolvedEdge, content_hash
from graphmem.model import CodeEntity, Edge, Label, Node, RelType, entity_id, now_iso

#: Shared by the edges an ingest builds (they are frozen, and nothing writes into an edge's
#: properties).
_NO_PROPERTIES: dict[str, Any] = {}
_RESOLUTIONS: dict[str, dict[str, Any]] = {}


def stored_edge(
    type: RelType, source: str, target: str, properties: dict[str, Any] = _NO_PROPERTIES
) -> Edge:
    """An Edge sharing its (empty or resolution) properties with the others: built unchecked,
    since the ingest's ids and types are well-formed already."""
    return Edge.stored({"type": type, "source": source, "target": target, "properties": properties})


class EntityIds:
    """The entity ids of one repository, each computed once: a run names the same entity in
    many edges, and every id is a sha1."""

    def __init__(self, repo: str) -> None:
        self.repo = repo
        self._ids: dict[tuple[str, str], str] = {}

    def __call__(self, path: str, qualified_name: str) -> str:
        key = (path, qualified_name)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = entity_id(self.repo, path, qualified_name)
        return found

    def of_file(self, parsed: ParsedFile) -> list[str]:
        """Ids of the entities `file_nodes` gives, without building them."""
        ids = [self(parsed.path, parsed.module)]
        ids.extend(self(parsed.path, d.qualified_name) for d in parsed.definitions)
        return ids

    def edge(self, resolved: ResolvedEdge) -> Edge:
        """The stored form of a resolved edge (`ResolvedEdge.to_edge`, with cached ids)."""
        source, target, resolution = resolved.source, resolved.target, resolved.resolution
        return stored_edge(
            resolved.type,
            self(source.path, source.qualified_name),
            self(target.path, target.qualified_name),
            _RESOLUTIONS.setdefault(resolution, {"resolution": resolution})
            if resolution
            else _NO_PROPERTIES,
        )


#: How each language writes the parts of a module's qualified name, where it is not ``.``:
#: Go's import paths (``github.com/spf13/cobra/doc``), and the file paths that name C, C++ and
#: JavaScript/TypeScript modules (``src/jv.c``, ``src/cart.test``), hold dots of their own.
_MODULE_SEPARATORS = {
    "go": "/",
    "c": "/",
    "cpp": "/",
    "javascript": "/",
    "typescript": "/",
    "rust": "::",
}


def module_name_part(language: str, module: str, path: str) -> str:
    """A module's `name`: the last part of its qualified name as `language` writes it (``doc``,
    ``jv.c``, ``cart``); the file's name for a nameless module (Java's default package)."""
    separator = _MODULE_SEPARATORS.get(language, ".")
    return module.rsplit(separator, 1)[-1] or path.rsplit("/", 1)[-1]


def file_nodes(ids: EntityIds, parsed: ParsedFile) -> tuple[list[Node], list[Edge]]:
    """The Module node of a parsed file, its definitions, and the CONTAINS edges among them.

    Built with `Record.stored` (every value comes from the parser, labels sorted already); the
    properties are those of `CodeEntity.to_node`.
    """
    module_id = ids(parsed.path, parsed.module)
    nodes = [
        _code_node(
            module_id,
            _KINDS[Label.MODULE.value],
            ids.repo,
            parsed.path,
            parsed.module,
            module_name_part(parsed.language, parsed.module, parsed.path),
            1,
            max(parsed.line_count, 1),
            parsed.language,
            parsed.content_hash,
        )
    ]
    edges = []
    by_name = {parsed.module: module_id}
    for definition in parsed.definitions:
        node_id = ids(parsed.path, definition.qualified_name)
        nodes.append(
            _code_node(
                node_id,
                _KINDS[definition.kind],
                ids.repo,
                parsed.path,
                definition.qualified_name,
                definition.name,
                definition.start_line,
                definition.end_line,
                parsed.language,
                definition.content_hash,
            )
        )
        by_name[definition.qualified_name] = node_id
        parent = by_name.get(definition.parent)
        if parent is not None:
            edges.append(stored_edge(RelType.CONTAINS, parent, node_id))
    return nodes, edges


def _code_node(
    node_id: str,
    kind: tuple[tuple[Label, ...], str],
    repo: str,
    path: str,
    qualified_name: str,
    name: str,
    start_line: int,
    end_line: int,
    language: str,
    digest: str,
) -> Node:
    return Node.stored(
        {
            "id": node_id,
            "labels": kind[0],
            "properties": {
                "name": name,
                "qualified_name": qualified_name,
                "path": path,
                "repo": repo,
                "start_line": start_line,
                "end_line": end_line,
                "language": language,
                "content_hash": digest,
                "kind": kind[1],
            },
        }
    )


#: A definition kind (a Label's value) -> the node's labels as Node keeps them (sorted,
#: unique) and its `kind` property: looked up once per entity, where calling the enum and
#: reading `.value` cost more than building the rest of the node.
_KINDS: dict[str, tuple[tuple[Label, ...], str]] = {
    label.value: (tuple(sorted({Label.CODE_ENTITY, label})), label.value) for label in Label
}


def directory_entity_id(repo: str, directory: str) -> str:
    """The Directory's id; the repository root ('') is the Repository entity."""
    return entity_id(repo, directory, directory)


def directory_entity(repo: str, directory: str, entries: Sequence[str]) -> CodeEntity:
    return CodeEntity.new(
        Label.DIRECTORY,
        repo,
        directory,
        directory,
        name=directory.rsplit("/", 1)[-1],
        content_hash=content_hash("\n".join(sorted(entries)).encode()),
    )


def repository_entity(repo: str, head: str | None, files: Sequence[str]) -> CodeEntity:
    top = sorted({f.split("/", 1)[0] for f in files})
    return CodeEntity.new(
        Label.REPOSITORY,
        repo,
        "",
        "",
        name=repo,
        content_hash=content_hash("\n".join(top).encode()),
        extra={"indexed_commit": head, "indexed_at": now_iso()},
    )


def parent_directory(path: str) -> str:
    """The folder holding `path` ('' for the repository root)."""
    return path.rsplit("/", 1)[0] if "/" in path else ""


def directories(paths: Iterable[str]) -> set[str]:
    """Every folder (below the root) that holds one of `paths`, at any depth."""
    found: set[str] = set()
    for path in paths:
        while "/" in path:
            path = path.rsplit("/", 1)[0]
            if path in found:
                break
            found.add(path)
    return found


def listing(paths: Iterable[str]) -> dict[str, list[str]]:
    """Each directory's direct entries (names), for its content hash."""
    entries: dict[str, set[str]] = {}
    for path in paths:
        parts = path.split("/")
        for depth in range(len(parts)):
            parent = "/".join(parts[:depth])
            entries.setdefault(parent, set()).add(parts[depth])
    return {k: sorted(v) for k, v in entries.items()}
