"""Retract (it no longer holds) and purge (it must not be kept at all).

- `retract`: an active memory stops being served: ``status=retracted``, ``valid_to=now``, an
  optional reason (redacted) kept on the node. It stays in `history`. Retracting a memory that
  superseded others does not bring them back: that is what `revert OLD` is for.
- `purge` (compliance): irreversible. The memory's text, rationale, source, tags, failure
  details, fingerprint and embedding are removed from the node, and with them from the
  fulltext and vector indexes; the node itself stays as ``status=purged`` with its id, kind and
  anchors, so chains and the audit trail keep their shape. A ``purge`` event is the tombstone;
  events never held memory text, so nothing else needs scrubbing.
"""

from __future__ import annotations

from typing import Any

from graphmem.errors import ConflictError
from graphmem.memory.audit import new_event
from graphmem.memory.redaction import redact
from graphmem.memory.results import TEXT_PROPERTIES, ChangeResult
from graphmem.memory.supersession import require_memory
from graphmem.model import MemoryStatus, now_iso
from graphmem.store import GraphStore, WriteBatch
from graphmem.store.base import EMBEDDING_PROPERTY

__all__ = ["purge", "retract"]


def retract(
    store: GraphStore,
    repo: str,
    memory_id: str,
    reason: str | None = None,
    author: str | None = None,
) -> tuple[ChangeResult, list[str]]:
    """Retract an active memory. Returns the change and the secret types redacted from `reason`."""
    node = require_memory(store, repo, memory_id)
    status = node.get("status")
    if status == MemoryStatus.RETRACTED:
        raise ConflictError(f"memory {memory_id} is already retracted")
    if status != MemoryStatus.ACTIVE:
        raise ConflictError(
            f"memory {memory_id} is {status}: only an active memory can be retracted"
            + (" (retract its current version, or revert it)" if status == "superseded" else "")
        )
    at = now_iso()
    updates: dict[str, Any] = {"status": MemoryStatus.RETRACTED.value, "valid_to": at}
    found: list[str] = []
    if reason:
        cleaned = redact(reason)
        updates["retracted_reason"] = cleaned.text
        found = sorted(cleaned.counts)
    event = new_event("retract", repo, author, [memory_id], {"with_reason": bool(reason)}, at=at)
    store.write(
        WriteBatch(
            upsert_nodes=[event],
            set_properties={memory_id: updates},
            expect={memory_id: {"status": status}},  # unchanged since it was checked
        )
    )
    change = ChangeResult(
        action="retract", memory_ids=[memory_id], event_id=event.id, inactive=[memory_id]
    )
    return change, found


def purge(store: GraphStore, repo: str, memory_id: str, author: str | None = None) -> ChangeResult:
    """Remove a memory's text and embedding for good, leaving a tombstone event."""
    node = require_memory(store, repo, memory_id)
    status = node.get("status")
    if status == MemoryStatus.PURGED:
        raise ConflictError(f"memory {memory_id} is already purged")
    at = now_iso()
    updates: dict[str, Any] = {name: None for name in TEXT_PROPERTIES}
    updates[EMBEDDING_PROPERTY] = None
    updates.update(
        {
            "status": MemoryStatus.PURGED.value,
            "valid_to": node.get("valid_to") or at,
            "purged_at": at,
        }
    )
    event = new_event(
        "purge",
        repo,
        author,
        [memory_id],
        {"kind": node.get("kind"), "previous_status": status},
        at=at,
    )
    store.write(
        WriteBatch(
            upsert_nodes=[event],
            set_properties={memory_id: updates},
            expect={memory_id: {"status": status}},  # unchanged since it was checked
        )
    )
    return ChangeResult(
        action="purge", memory_ids=[memory_id], event_id=event.id, inactive=[memory_id]
    )
