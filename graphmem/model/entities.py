"""Code entities: what the ingester finds in a repository, with IDs that survive re-ingest."""

from __future__ import annotations

import hashlib
from typing import Any

from graphmem.model.base import Record, field
from graphmem.model.graph import CODE_LABELS, Label, Node


def entity_id(repo: str, path: str, qualified_name: str) -> str:
    """A stable ID: the same repo, path and qualified name always give the same ID.

    Never derived from insertion order, so memories anchored to code survive a re-ingest.
    """
    digest = hashlib.sha1(f"{repo}\0{path}\0{qualified_name}".encode()).hexdigest()
    return f"e-{digest[:16]}"


class CodeEntity(Record):
    """A repository, directory, module, class, function, method, service or commit."""

    id: str
    kind: Label
    name: str
    qualified_name: str
    path: str = field(description="repo-relative POSIX path; '' for the repository itself")
    repo: str
    start_line: int | None = None
    end_line: int | None = None
    language: str | None = None
    content_hash: str | None = None
    extra: dict[str, Any] = field(
        default_factory=dict, description="kind-specific flat properties (commit message, ...)"
    )

    @classmethod
    def new(
        cls, kind: Label, repo: str, path: str, qualified_name: str, **fields: Any
    ) -> CodeEntity:
        """Build an entity whose id is derived from (repo, path, qualified_name)."""
        fields.setdefault("name", qualified_name.rsplit(".", 1)[-1] or repo)
        return cls(
            id=entity_id(repo, path, qualified_name),
            kind=kind,
            repo=repo,
            path=path,
            qualified_name=qualified_name,
            **fields,
        )

    def to_node(self) -> Node:
        props = self.model_dump(exclude={"id", "kind", "extra"})
        props.update(self.extra)
        props["kind"] = self.kind.value
        return Node(id=self.id, labels=(Label.CODE_ENTITY, self.kind), properties=props)

    @classmethod
    def from_node(cls, node: Node) -> CodeEntity:
        kind = next(label for label in node.labels if label in CODE_LABELS)
        known = set(cls.model_fields) - {"id", "kind", "extra"}
        props = {k: v for k, v in node.properties.items() if k in known}
        extra = {k: v for k, v in node.properties.items() if k not in known and k != "kind"}
        return cls(id=node.id, kind=kind, extra=extra, **props)
