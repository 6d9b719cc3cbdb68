"""Import of a JSONL export (the format is graphmem.store.transfer's), with its audit event.

The records are validated as a whole before anything is written (transfer does that); then the
`import` event, naming every imported memory, is written once the records are in.
"""

from __future__ import annotations

import json
from typing import IO, Any

from pydantic import BaseModel

from graphmem.errors import UsageError
from graphmem.memory.audit import new_event
from graphmem.model import Label
from graphmem.store import GraphStore, WriteBatch

__all__ = ["ImportResult", "import_jsonl"]


class ImportResult(BaseModel):
    nodes: int
    edges: int
    memories: int
    event_id: str


def import_jsonl(
    store: GraphStore, repo: str, fp: IO[str], author: str | None = None
) -> ImportResult:
    """Import the records of `fp` (an export of either backend) and record an `import` event."""
    from graphmem.store.transfer import import_records

    records: list[dict[str, Any]] = []
    number = 0
    try:
        for number, line in enumerate(fp, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise UsageError(
                    f"line {number}: not valid JSON ({e.msg} at column {e.colno})"
                ) from e
    except UnicodeDecodeError as e:
        raise UsageError(
            f"line {number + 1}: not UTF-8 text ({e.reason}): is this a graphmem JSONL export?"
        ) from e
    memory_ids = [
        str(r.get("id"))
        for r in records
        if isinstance(r, dict)
        and r.get("kind") == "node"
        and Label.MEMORY.value in (r.get("labels") or [])
    ]
    summary = import_records(store, records)
    event = new_event(
        "import",
        repo,
        author,
        memory_ids,
        {"nodes": summary.nodes, "edges": summary.edges, "memories": len(memory_ids)},
    )
    store.write(WriteBatch(upsert_nodes=[event]))
    return ImportResult(
        nodes=summary.nodes, edges=summary.edges, memories=len(memory_ids), event_id=event.id
    )
