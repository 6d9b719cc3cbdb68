"""Importing a JSONL export as a memory operation: secrets redacted, then one audit event.

An export is a way in like `remember`: it may come from another team, an older graphmem or a
hand-edited file. So before anything is validated or written, the text of every Memory, Commit,
Receipt and Event record (memory text and its details, commit messages and authors' emails,
receipt queries, authors) goes through graphmem's redaction:

- graphmem's own patterns (the known key and token formats) run on every record, always;
- the full detector (with detect-secrets) runs on every record that lacks graphmem's
  redaction marker (`"redacted": "graphmem"`, which graphmem's own export sets on each node):
  an export of a graphmem store went through it on the way in, and a forged marker still cannot
  pass a known format.

A memory whose text changed gets a new fingerprint and a new embedding (or, without an
embedder, loses the stale one: a vector of the secret's text is not kept). The result says
which types were redacted, how often, and in which records. Then the records are validated as a
whole before anything is written (transfer does that), and the `import` event, naming every
imported memory, is written once the records are in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from graphmem.memory.audit import new_event
from graphmem.memory.redaction import Redacted, redact, redact_light, summarize
from graphmem.memory.results import TEXT_PROPERTIES, RedactionCount
from graphmem.model import Label
from graphmem.store import GraphStore, WriteBatch

if TYPE_CHECKING:
    from graphmem.embed.base import Embedder

__all__ = ["ImportResult", "import_jsonl", "redact_records"]

#: The record properties that hold text a person or tool wrote, by label.
REDACTED_PROPERTIES: dict[str, tuple[str, ...]] = {
    Label.MEMORY.value: (*(p for p in TEXT_PROPERTIES if p != "fingerprint"), "author"),
    Label.COMMIT.value: ("message", "author", "author_email"),
    Label.RECEIPT.value: ("query", "author"),
    Label.EVENT.value: ("details", "author"),
}


class ImportResult(BaseModel):
    nodes: int
    edges: int
    memories: int
    event_id: str
    #: secret types found in the import and replaced, with counts (never the values)
    redactions: list[RedactionCount] = Field(default_factory=list)
    #: ids of the records something was redacted from
    redacted_records: list[str] = Field(default_factory=list)

    def describe(self) -> str:
        """The one-line summary people read, and a line on what was redacted."""
        line = f"imported {self.nodes} nodes and {self.edges} edges ({self.memories} memories)"
        if not self.redactions:
            return line
        found = ", ".join(f"{r.count} {r.type}" for r in self.redactions)
        records = ", ".join(self.redacted_records[:10])
        more = (
            f" and {len(self.redacted_records) - 10} more"
            if len(self.redacted_records) > 10
            else ""
        )
        return f"{line}\nredacted before storing: {found} (in {records}{more})"


def import_jsonl(
    store: GraphStore,
    repo: str,
    fp: IO[str],
    author: str | None = None,
    embedder: Embedder | None = None,
) -> ImportResult:
    """Import the records of `fp` (an export of either backend), redacted, and record an
    `import` event."""
    from graphmem.store import transfer

    numbered = list(transfer.parse_jsonl(fp))
    records = [raw for _, raw in numbered]
    counts, redacted_ids = redact_records(records, embedder)
    memory_ids = [
        str(r.get("id"))
        for r in records
        if isinstance(r, dict)
        and r.get("kind") == "node"
        and Label.MEMORY.value in (r.get("labels") or [])
    ]
    summary = transfer.import_records(store, records, line_numbers=[n for n, _ in numbered])
    redactions = summarize(counts)
    details: dict[str, Any] = {
        "nodes": summary.nodes,
        "edges": summary.edges,
        "memories": len(memory_ids),
    }
    if redactions:
        details["redacted"] = {r.type: r.count for r in redactions}
    event = new_event("import", repo, author, memory_ids, details)
    store.write(WriteBatch(upsert_nodes=[event]))
    return ImportResult(
        nodes=summary.nodes,
        edges=summary.edges,
        memories=len(memory_ids),
        event_id=event.id,
        redactions=redactions,
        redacted_records=redacted_ids,
    )


def redact_records(
    records: Iterable[Any], embedder: Embedder | None = None
) -> tuple[Counter[str], list[str]]:
    """Redact the text properties of parsed node records in place (see the module docstring);
    returns the counts by type and the ids of the records that changed. Records of the wrong
    shape are left alone for validation to reject."""
    from graphmem.store.transfer import REDACTION_MARKER

    total: Counter[str] = Counter()
    changed: list[str] = []
    memories: list[dict[str, Any]] = []
    for record in records:
        if not isinstance(record, dict) or record.get("kind") != "node":
            continue
        properties, labels = record.get("properties"), record.get("labels")
        if not isinstance(properties, dict) or not isinstance(labels, list):
            continue
        fields = [f for label in labels for f in REDACTED_PROPERTIES.get(str(label), ())]
        run = redact_light if record.get("redacted") == REDACTION_MARKER else redact
        found = _redact_properties(properties, fields, run)
        if not found:
            continue
        total.update(found)
        changed.append(str(record.get("id")))
        if Label.MEMORY.value in labels:
            memories.append(properties)
    _refresh_derived(memories, embedder)
    return total, changed


def _redact_properties(
    properties: dict[str, Any], fields: Sequence[str], run: Callable[[str], Redacted]
) -> Counter[str]:
    found: Counter[str] = Counter()
    for key in fields:
        value = properties.get(key)
        if isinstance(value, str):
            done = run(value)
            properties[key] = done.text
            found.update(done.counts)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = [run(v) for v in value]
            properties[key] = [item.text for item in items]
            for item in items:
                found.update(item.counts)
    return found


def _refresh_derived(memories: list[dict[str, Any]], embedder: Embedder | None) -> None:
    """Redacted memories' fingerprints and embeddings follow their new text (one embedding
    batch for all of them)."""
    from graphmem.memory.remember import fingerprint
    from graphmem.model import MemoryKind
    from graphmem.store.base import EMBEDDING_PROPERTY

    texts = [m for m in memories if isinstance(m.get("text"), str)]
    kinds = {k.value for k in MemoryKind}
    for properties in texts:
        kind = properties.get("kind")
        if isinstance(kind, str) and kind in kinds:
            properties["fingerprint"] = fingerprint(MemoryKind(kind), properties["text"])
        properties.pop(EMBEDDING_PROPERTY, None)
    if embedder is not None and texts:
        vectors = embedder.embed([m["text"] for m in texts])
        for properties, vector in zip(texts, vectors, strict=True):
            properties[EMBEDDING_PROPERTY] = [float(x) for x in vector]
