"""The audit trail: append-only Event nodes, and retrieval receipts.

Every change to memories (remember, revise, supersede, retract, revert, reanchor, acknowledge,
import, purge) writes one Event in the same `WriteBatch` as the change itself, so the trail can
never disagree with the graph. Events hold ids, counts and scores, never memory text: a purge leaves
nothing behind in them.

Receipts record what a retrieval (context, search, prompt) returned, so an agent's answer can be
traced to the memories it was given. Their query text goes through the same redaction as a
memory's text (a secret is pasted into a search as easily as into `remember`).
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from graphmem.errors import ReadOnlyStoreError
from graphmem.model import Event, Label, Node, now_iso
from graphmem.model.base import Record, field
from graphmem.store import GraphStore, WriteBatch

#: The actions an Event may record.
ACTIONS = frozenset(
    {
        "remember",
        "revise",
        "supersede",
        "retract",
        "revert",
        "reanchor",
        "acknowledge",
        "import",
        "purge",
    }
)


def _sortable_id(prefix: str) -> str:
    """`ev-20261121T094312123456-1a2b3c`: ids sort by creation time, then at random."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{prefix}-{stamp}-{secrets.token_hex(3)}"


def new_event(
    action: str,
    repo: str,
    author: str | None,
    memory_ids: Sequence[str],
    details: Mapping[str, Any] | None = None,
    at: str | None = None,
) -> Node:
    """An Event node to put in the same batch as the change it records.

    `details` must be text-free (ids, counts, scores, type names): callers never pass memory text.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = Event(
        id=_sortable_id("ev"),
        action=action,
        at=at or now_iso(),
        author=author,
        memory_ids=list(dict.fromkeys(memory_ids)),
        repo=repo,
        details=json.dumps(dict(details), sort_keys=True) if details else None,
    )
    return event.to_node()


def list_events(
    store: GraphStore, repo: str, memory_id: str | None = None, limit: int | None = 50
) -> list[Event]:
    """The repository's events, newest first; only those naming `memory_id` if given."""
    events = [Event.from_node(n) for n in store.find_nodes(Label.EVENT, {"repo": repo})]
    if memory_id is not None:
        events = [e for e in events if memory_id in e.memory_ids]
    events.sort(key=lambda e: (e.at, e.id), reverse=True)
    return events[:limit] if limit is not None else events


class Receipt(Record):
    """Which memories one retrieval returned, to whom, and for what query."""

    id: str
    operation: str
    query: str
    memory_ids: list[str] = field(default_factory=list)
    author: str | None = None
    repo: str
    at: str = field(default_factory=now_iso)

    def to_node(self) -> Node:
        return Node(id=self.id, labels=(Label.RECEIPT,), properties=self.model_dump(exclude={"id"}))

    @classmethod
    def from_node(cls, node: Node) -> Receipt:
        known = set(cls.model_fields) - {"id"}
        return cls(id=node.id, **{k: v for k, v in node.properties.items() if k in known})


def record_receipt(
    store: GraphStore,
    repo: str,
    operation: str,
    query: str,
    memory_ids: Sequence[str],
    author: str | None = None,
    *,
    graph_text: bool = False,
) -> Receipt:
    """Record that `operation` (context, search, prompt, ...) for `query` returned `memory_ids`.

    Call it once per retrieval, after the result is built; it is one small write. The query is
    redacted first, with the full detector (~0.2 ms a query once detect-secrets is loaded, but
    loading it costs a cold process about 0.25 s). `graph_text` says the query is text the graph
    already holds (the path or name of the entity it resolved to, commit ids): storing it again
    adds no secret, so graphmem's own patterns suffice.
    """
    from graphmem.memory.redaction import redact, redact_light

    receipt = Receipt(
        id=_sortable_id("rc"),
        operation=operation,
        query=(redact_light if graph_text else redact)(query).text,
        memory_ids=list(dict.fromkeys(memory_ids)),
        author=author,
        repo=repo,
    )
    # a read-only connection reads; its retrievals go unrecorded (docs/reliability.md)
    with contextlib.suppress(ReadOnlyStoreError):
        store.write(WriteBatch(upsert_nodes=[receipt.to_node()]))
    return receipt


def list_receipts(
    store: GraphStore, repo: str, memory_id: str | None = None, limit: int | None = 50
) -> list[Receipt]:
    """The repository's receipts, newest first; only those that returned `memory_id` if given."""
    receipts = [Receipt.from_node(n) for n in store.find_nodes(Label.RECEIPT, {"repo": repo})]
    if memory_id is not None:
        receipts = [r for r in receipts if memory_id in r.memory_ids]
    receipts.sort(key=lambda r: (r.at, r.id), reverse=True)
    return receipts[:limit] if limit is not None else receipts
