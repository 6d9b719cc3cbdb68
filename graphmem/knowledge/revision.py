"""Revising a memory whose file was edited: same id, new text, the old text kept in history.

A file-backed memory keeps its id for as long as its file states it, so links to it (from
agents' notes, PRs, other memories) keep working. When the file changes what the memory says
(its text or rationale), `revise` writes, in ONE batch:

- an archived copy of the memory as it was, with id ``<id>.r<N>``, ``status=superseded``, its
  GOVERNS edges, and a SUPERSEDED_BY edge to the memory, so `graphmem history <id>` shows
  every earlier version;
- the memory itself with the new text, rationale, tags, anchors and embedding (redacted first,
  like everything remembered), active again if `reactivate`;
- a ``revise`` audit event naming both.

A change of tags or anchors alone (an ADR's status line went from proposed to accepted, which
drops the ``proposed`` tag; the code it names moved) is no new version: the memory is updated
in place, with no archived copy repeating its text, and the ``revise`` event says what changed
(``{"tags": {"added": [...], "removed": [...]}, "targets": {...}}``).

The batch is conditional on the memory being unchanged since it was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from graphmem.embed.base import Embedder
from graphmem.memory.audit import new_event
from graphmem.memory.redaction import redact_fields
from graphmem.memory.remember import fingerprint
from graphmem.memory.results import Anchor, anchor_properties, anchors_of
from graphmem.memory.staleness import governs_edge
from graphmem.model import Edge, MemoryKind, MemoryStatus, Node, RelType, now_iso
from graphmem.store import Direction, GraphStore, WriteBatch

__all__ = ["Revised", "revise"]


class Revised(NamedTuple):
    """What `revise` wrote: `archived`, the id of the version kept in history (None: the text
    and rationale were equal); `changed`, whether what the memory says or carries (text,
    rationale, tags, anchors) changed at all, not only `extra` and its status."""

    archived: str | None
    changed: bool


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
) -> Revised:
    """Bring `node` up to date; says what it wrote (see `Revised`)."""
    fields, _ = redact_fields({"text": text.strip(), "rationale": rationale, "tags": list(tags)})
    anchors = [Anchor.of(t) for t in targets]
    same_words = fields["text"] == node.get("text") and (fields["rationale"] or None) == (
        node.get("rationale") or None
    )
    old_tags = list(node.get("tags") or [])
    old_targets = sorted(a.entity_id for a in anchors_of(node))
    wanted = {a.entity_id for a in anchors}
    same = same_words and list(fields["tags"]) == old_tags and sorted(wanted) == old_targets
    at = now_iso()
    repo = str(node.get("repo"))
    updates: dict[str, Any] = dict(extra)
    if reactivate:
        updates.update({"status": MemoryStatus.ACTIVE.value, "valid_to": None})
        updates["retracted_reason"] = None
    batch = WriteBatch(expect={node.id: {"status": node.get("status")}})
    archive_id = None
    if not same and same_words:  # tags or anchors only: in place, the event says what
        updates.update({"tags": list(fields["tags"]), **anchor_properties(anchors)})
        old_edges = store.edges([node.id], [RelType.GOVERNS], Direction.OUT)
        batch.delete_edges += [
            (RelType.GOVERNS, node.id, e.target) for e in old_edges if e.target not in wanted
        ]
        batch.upsert_nodes += [t for t in targets if store.get_node(t.id) is None]
        kept = {e.target for e in old_edges}
        batch.upsert_edges += [
            governs_edge(node.id, a, at) for a in anchors if a.entity_id not in kept
        ]
        details: dict[str, Any] = {}
        if list(fields["tags"]) != old_tags:
            details["tags"] = {
                "added": [t for t in fields["tags"] if t not in old_tags],
                "removed": [t for t in old_tags if t not in fields["tags"]],
            }
        if sorted(wanted) != old_targets:
            details["targets"] = {
                "added": sorted(wanted - set(old_targets)),
                "removed": sorted(set(old_targets) - wanted),
            }
        if reactivate:
            details["reactivated"] = True
        batch.upsert_nodes.append(new_event("revise", repo, author, [node.id], details, at=at))
    elif not same:
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
                "valid_from": extra.get("valid_from") or at,  # an ADR's own date, if it has one
                **anchor_properties(anchors),
            }
        )
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
    return Revised(archive_id, not same)
