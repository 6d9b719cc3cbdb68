"""The code entities an ingest derives from parsed files and the walk: ids, nodes, CONTAINS.

Ids come from (repo, path, qualified name) only, so the same code always gets the same id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from graphmem.ingest.language import ParsedFile, content_hash
from graphmem.model import CodeEntity, Edge, Label, RelType, entity_id, now_iso


def file_entity_ids(repo: str, parsed: ParsedFile) -> list[str]:
    """Ids of the entities `file_entities` gives, without building them."""
    ids = [entity_id(repo, parsed.path, parsed.module)]
    ids.extend(entity_id(repo, parsed.path, d.qualified_name) for d in parsed.definitions)
    return ids


def file_entities(repo: str, parsed: ParsedFile) -> tuple[list[CodeEntity], list[Edge]]:
    """The Module entity of a parsed file, its definitions, and the CONTAINS edges among them."""
    module = CodeEntity.new(
        Label.MODULE,
        repo,
        parsed.path,
        parsed.module,
        name=parsed.module.rsplit(".", 1)[-1] or parsed.path.rsplit("/", 1)[-1],
        start_line=1,
        end_line=max(parsed.line_count, 1),
        language=parsed.language,
        content_hash=parsed.content_hash,
    )
    entities = [module]
    edges = []
    ids = {parsed.module: module.id}
    for definition in parsed.definitions:
        entity = CodeEntity.new(
            Label(definition.kind),
            repo,
            parsed.path,
            definition.qualified_name,
            name=definition.name,
            start_line=definition.start_line,
            end_line=definition.end_line,
            language=parsed.language,
            content_hash=definition.content_hash,
        )
        entities.append(entity)
        ids[definition.qualified_name] = entity.id
        parent = ids.get(definition.parent)
        if parent is not None:
            edges.append(Edge(type=RelType.CONTAINS, source=parent, target=entity.id))
    return entities, edges


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
