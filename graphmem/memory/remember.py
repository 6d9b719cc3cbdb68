"""Recording a memory: redact, resolve targets, de-duplicate, embed, detect conflicts, write.

Everything a remember changes lands in ONE write batch: the memory node (with its anchors),
its GOVERNS edges (each recording the target's content hash and the time), the supersession of
older memories (status, valid_to, SUPERSEDED_BY edges) and the audit events. It all happens or
none of it does.

- Redaction comes first: no field reaches the embedder or the store with a secret in it.
- A memory with no target governs the repository.
- An exact duplicate (same kind, same text once case and spacing are normalised, same targets,
  branch and user) of an active memory is not stored again: the existing one is returned with
  ``created=False``.
- Possible conflicts (see `graphmem.memory.conflicts`) are reported, never acted on.
- Preferences belong to a user: one is required.
- A caller that keeps its own identity for a memory (a document it was read from) passes
  `memory_id` (it must be free; no duplicate check then) and `extra` node properties.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from graphmem.embed.base import Embedder
from graphmem.errors import ConflictError, Remedy, UsageError
from graphmem.memory.audit import new_event
from graphmem.memory.conflicts import CONFLICT_THRESHOLD, find_conflicts, nearest_memories
from graphmem.memory.redaction import redact_fields
from graphmem.memory.results import (
    Anchor,
    RememberResult,
    anchor_properties,
    anchors_of,
    memory_from_node,
)
from graphmem.memory.staleness import governs_edge
from graphmem.memory.supersession import check_supersedable, superseding_changes
from graphmem.memory.targets import repository_node, resolve_targets
from graphmem.model import Memory, MemoryKind, MemoryStatus, Node, now_iso
from graphmem.model.memories import FAILURE_FIELDS, new_memory_id
from graphmem.store import GraphStore, WriteBatch

__all__ = ["FAILURE_FIELDS", "fingerprint", "remember"]

#: Texts equal once normalised embed within rounding of each other; anything below is not one.
DUPLICATE_SCORE = 0.95


def remember(
    store: GraphStore,
    repo: str,
    embedder: Embedder,
    kind: MemoryKind | str,
    text: str,
    *,
    governs: Sequence[str] = (),
    rationale: str | None = None,
    source: str | None = None,
    tags: Sequence[str] = (),
    branch: str | None = None,
    user: str | None = None,
    supersedes: Sequence[str] = (),
    author: str | None = None,
    failure: dict[str, str | None] | None = None,
    conflict_threshold: float = CONFLICT_THRESHOLD,
    memory_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> RememberResult:
    """Record one memory (see the module docstring for every rule)."""
    kind = _kind(kind)
    failure = {k: v for k, v in (failure or {}).items() if v}
    if unknown := set(failure) - set(FAILURE_FIELDS):
        raise UsageError(f"unknown failure field(s): {', '.join(sorted(unknown))}")
    if failure and kind != MemoryKind.FAILURE:
        raise UsageError(f"--{next(iter(failure))} is only for failures (kind 'failure')")
    if kind == MemoryKind.PREFERENCE and not user:
        raise UsageError(
            "a preference belongs to a user, and no user was given", remedy=Remedy("name-user")
        )
    if kind != MemoryKind.PREFERENCE:
        user = None
    fields, redactions = redact_fields(
        {
            "text": text.strip(),
            "rationale": rationale,
            "source": source,
            "tags": [t.strip() for t in tags if t.strip()],
            **failure,
        }
    )
    if not fields["text"]:
        raise UsageError("a memory needs some text")

    targets = resolve_targets(store, repo, list(governs)) if governs else []
    if not targets:
        targets = [repository_node(store, repo)]
    anchors = [Anchor.of(t) for t in targets]
    print_ = fingerprint(kind, fields["text"])
    olds = check_supersedable(store, repo, supersedes)
    [vector] = embedder.embed([fields["text"]])
    nearest = nearest_memories(store, vector)

    if memory_id is not None and store.get_node(memory_id) is not None:
        raise ConflictError(f"memory id {memory_id} is already taken")
    if not supersedes and memory_id is None:
        existing = _duplicate(store, nearest, repo, kind, print_, anchors, branch, user)
        if existing is not None:
            return RememberResult(
                memory=memory_from_node(existing),
                anchors=anchors_of(existing),
                created=False,
                duplicate_of=existing.id,
                redactions=redactions,
            )

    memory_id = memory_id or _fresh_id(store, kind)
    conflicts = find_conflicts(
        store,
        repo,
        vector,
        [a.entity_id for a in anchors],
        kind=kind,
        branch=branch,
        user=user,
        exclude=[o.id for o in olds],
        new_id=memory_id,
        threshold=conflict_threshold,
        nearest=nearest,
    )

    at = now_iso()
    memory = Memory(
        id=memory_id,
        kind=kind,
        created_at=at,
        valid_from=at,
        author=author,
        repo=repo,
        branch=branch or None,
        user=user,
        **fields,
    )
    node = memory.to_node(embedding=list(vector))
    props = {
        **node.properties,
        **anchor_properties(anchors),
        "fingerprint": print_,
        **(extra or {}),
    }
    batch = WriteBatch(upsert_nodes=[Node(id=node.id, labels=node.labels, properties=props)])
    batch.upsert_nodes += [
        t for t in targets if store.get_node(t.id) is None
    ]  # an un-ingested repo
    batch.upsert_edges += [governs_edge(memory_id, a, at) for a in anchors]
    details: dict[str, Any] = {
        "kind": kind.value,
        "targets": [a.entity_id for a in anchors],
        "conflicts": {c.memory_id: c.score for c in conflicts},
        "redactions": {r.type: r.count for r in redactions},
    }
    batch.upsert_nodes.append(new_event("remember", repo, author, [memory_id], details, at=at))
    if olds:
        superseding = superseding_changes(olds, memory_id, at)
        batch.set_properties.update(superseding.set_properties)
        batch.upsert_edges += superseding.upsert_edges
        batch.expect.update(superseding.expect)
        old_ids = [o.id for o in olds]
        batch.upsert_nodes.append(
            new_event(
                "supersede",
                repo,
                author,
                [*old_ids, memory_id],
                {"old": old_ids, "new": memory_id},
                at=at,
            )
        )
    store.write(batch)
    return RememberResult(
        memory=memory,
        anchors=anchors,
        created=True,
        conflicts=conflicts,
        superseded=[o.id for o in olds],
        redactions=redactions,
    )


def fingerprint(kind: MemoryKind, text: str) -> str:
    """Identifies the same statement: kind plus text, case-folded, spacing and final dot ignored."""
    normal = re.sub(r"\s+", " ", text.casefold()).strip().rstrip(".").strip()
    return hashlib.sha256(f"{kind.value}\0{normal}".encode()).hexdigest()[:32]


def _kind(kind: MemoryKind | str) -> MemoryKind:
    try:
        return MemoryKind(str(kind).lower())
    except ValueError:
        choices = ", ".join(k.value for k in MemoryKind)
        raise UsageError(f"unknown memory kind {kind!r}: use one of {choices}") from None


def _duplicate(
    store: GraphStore,
    nearest: dict[str, float],
    repo: str,
    kind: MemoryKind,
    print_: str,
    anchors: list[Anchor],
    branch: str | None,
    user: str | None,
) -> Node | None:
    """An active memory saying the same thing on the same targets. The same normalised text
    embeds to (nearly) the same vector, so it is among the nearest memories, scoring ~1."""
    close = [mid for mid, score in nearest.items() if score >= DUPLICATE_SCORE]
    wanted = sorted(a.entity_id for a in anchors)
    for node in store.get_nodes(close).values():
        if (
            node.get("fingerprint") == print_
            and node.get("repo") == repo
            and node.get("kind") == kind.value
            and node.get("status") == MemoryStatus.ACTIVE
            and sorted(a.entity_id for a in anchors_of(node)) == wanted
            and (node.get("branch") or None) == (branch or None)
            and (node.get("user") or None) == user
        ):
            return node
    return None


def _fresh_id(store: GraphStore, kind: MemoryKind) -> str:
    for _ in range(20):
        candidate = new_memory_id(kind)
        if store.get_node(candidate) is None:
            return candidate
    raise UsageError("could not find a free memory id")  # 2^32 ids per kind: never in practice
