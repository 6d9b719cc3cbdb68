"""Revising a memory whose file was edited: same id, new text, the old text kept in history.

A file-backed memory keeps its id for as long as its file states it, so links to it (from
agents' notes, PRs, other memories) keep working. When the file changes, `revise` writes, in
ONE batch:

- an archived copy of the memory as it was, with id ``<id>.r<N>``, ``status=superseded``, its
  GOVERNS edges, and a SUPERSEDED_BY edge to the memory, so `graphmem history <id>` shows
  every earlier version;
- the memory itself with the new text, rationale, tags, anchors and embedding (redacted first,
  like everything remembered), active again if `reactivate`;
- a ``revise`` audit event naming both.

The batch is conditional on the memory being unchanged since it was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphmem.embed.base import Embedder
from graphmem.memory.audit import new_event
from graphmem.memory.redaction import redact_fields
from graphmem.memory.remember import fingerprint
from graphmem.memory.results import Anchor, anchor_properties, anchors_of
from graphmem.memory.staleness import governs_edge
from graphmem.model import Edge, MemoryKind, MemoryStatus, Node, RelType, now_iso
from graphmem.store import Direction, GraphStore, WriteBatch

__all__ = ["revise"]


def revise(
    store: GraphStore,
    embedder: Embedder,
    node: Node,
    *,
    text: str,
    rationale: str | None,
    tags: Sequence[str],
    targets: Sequence[Node],
    extra: dict[str, Any],
    author: str | None = None,
    reactivate: bool = False,
) -> str | None:
    """Bring `node` up to date; returns the archived version's id (None: content was equal,
    only `extra` and status were written)."""
    fields, _ = redact_fields({"text": text.strip(), "rationale": rationale, "tags": list(tags)})
    anchors = [Anchor.of(t) for t in targets]
    same = (
        fields["text"] == node.get("text")
        and (fields["rationale"] or None) == (node.get("rationale") or None)
        and list(fields["tags"]) == list(node.get("tags") or [])
        and sorted(a.entity_id for a in anchors) == sorted(a.entity_id for a in anchors_of(node))
    )
    at = now_iso()
    repo = str(node.get("repo"))
    updates: dict[str, Any] = dict(extra)
    if reactivate:
        updates.update({"status": MemoryStatus.ACTIVE.value, "valid_to": None})
        updates["retracted_reason"] = None
    batch = WriteBatch(expect={node.id: {"status": node.get("status")}})
    archive_id = None
    if not same:
        revision = int(node.get("revision") or 1)
        archive_id = f"{node.id}.r{revision}"
        old_edges = store.edges([node.id], [RelType.GOVERNS], Direction.OUT)
        archived = {**node.properties, "status": MemoryStatus.SUPERSEDED.value}
        archived.update({"valid_to": node.get("valid_to") or at, "revision_of": node.id})
        archived.update({k: None for k in extra if k.startswith("document_")})
        batch.upsert_nodes.append(Node(id=archive_id, labels=node.labels, properties=archived))
        batch.upsert_edges += [e.model_copy(update={"source": archive_id}) for e in old_edges]
        batch.upsert_edges.append(
            Edge(
                type=RelType.SUPERSEDED_BY,
                source=archive_id,
                target=node.id,
                properties={"created_at": at},
            )
        )
        [vector] = embedder.embed([fields["text"]])
        kind = MemoryKind(str(node.get("kind")))
        updates.update(
            {
                "text": fields["text"],
                "rationale": fields["rationale"] or None,
                "tags": list(fields["tags"]),
                "fingerprint": fingerprint(kind, fields["text"]),
                "embedding": list(vector),
                "revision": revision + 1,
                "valid_from": at,
                **anchor_properties(anchors),
            }
        )
        wanted = {a.entity_id for a in anchors}
        batch.delete_edges += [
            (RelType.GOVERNS, node.id, e.target) for e in old_edges if e.target not in wanted
        ]
        batch.upsert_nodes += [t for t in targets if store.get_node(t.id) is None]
        batch.upsert_edges += [governs_edge(node.id, a, at) for a in anchors]
        ids = [archive_id, node.id]
        details = {"archived": archive_id, "targets": sorted(wanted)}
        batch.upsert_nodes.append(new_event("revise", repo, author, ids, details, at=at))
    elif reactivate:
        batch.upsert_nodes.append(
            new_event("revise", repo, author, [node.id], {"reactivated": True}, at=at)
        )
    batch.set_properties[node.id] = updates
    store.write(batch)
    return archive_id
