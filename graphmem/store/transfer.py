"""Export and import of a whole store as JSON lines (DESIGN.md §5), written once above backends.

Only the GraphStore interface is used, so an export from one backend imports into the other.
The format is lossless: importing an export into an empty store and exporting again gives the
same records. Import validates the whole input (shape, labels, types, property values, and that
every edge joins nodes that will exist) before its first write, so a bad line writes nothing.
The writes themselves go in batches (nodes first, then edges), each batch one transaction, except
that memories land together with every edge touching them in one last batch (a superseded memory
is never without its SUPERSEDED_BY edge); only a store failure or a killed process in the middle
can leave an import half done, and re-running the same import then completes it, since every
write is an upsert.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from graphmem.errors import UsageError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.store.base import GraphStore, WriteBatch, base_label

Scalar = StrictStr | StrictBool | StrictInt | StrictFloat
PropertyValue = Scalar | list[StrictStr] | list[StrictBool] | list[StrictInt | StrictFloat] | None


#: Set on every node record graphmem exports: its text went through graphmem's redaction on the
#: way into the store it came from (graphmem.memory.exchange decides what that spares).
REDACTION_MARKER = "graphmem"


class NodeRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["node"]
    id: StrictStr = Field(min_length=1)
    labels: list[Label] = Field(min_length=1)
    properties: dict[str, PropertyValue] = Field(default_factory=dict)
    redacted: Literal["graphmem"] | None = None

    @field_validator("labels")
    @classmethod
    def _has_base_label(cls, labels: list[Label]) -> list[Label]:
        base_label(labels)  # raises ValueError with the list of base labels
        return labels

    def to_node(self) -> Node:
        return Node(id=self.id, labels=tuple(self.labels), properties=self.properties)


class EdgeRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["edge"]
    type: RelType
    source: StrictStr = Field(min_length=1)
    target: StrictStr = Field(min_length=1)
    properties: dict[str, PropertyValue] = Field(default_factory=dict)

    def to_edge(self) -> Edge:
        return Edge(
            type=self.type, source=self.source, target=self.target, properties=self.properties
        )


_RECORD: TypeAdapter[NodeRecord | EdgeRecord] = TypeAdapter(
    Annotated[NodeRecord | EdgeRecord, Field(discriminator="kind")]
)


@dataclass(frozen=True)
class ImportSummary:
    nodes: int
    edges: int


# -- export ---------------------------------------------------------------------------------


def node_record(node: Node) -> dict[str, Any]:
    return {
        "kind": "node",
        "id": node.id,
        "labels": [label.value for label in node.labels],
        "properties": dict(sorted(node.properties.items())),
        "redacted": REDACTION_MARKER,
    }


def edge_record(edge: Edge) -> dict[str, Any]:
    return {
        "kind": "edge",
        "type": edge.type.value,
        "source": edge.source,
        "target": edge.target,
        "properties": dict(sorted(edge.properties.items())),
    }


def export_records(store: GraphStore, batch_size: int = 5000) -> Iterator[dict[str, Any]]:
    """Every node ordered by id, then every edge ordered by (type, source, target); streamed."""
    for node in store.iter_nodes(batch_size=batch_size):
        yield node_record(node)
    for edge in store.iter_edges(batch_size=batch_size):
        yield edge_record(edge)


def write_jsonl(store: GraphStore, fp: IO[str]) -> int:
    """Write the export to a text file, one record per line; returns the number of records."""
    count = 0
    for record in export_records(store):
        fp.write(json.dumps(record, ensure_ascii=False, allow_nan=False))
        fp.write("\n")
        count += 1
    return count


# -- import ---------------------------------------------------------------------------------


def import_records(
    store: GraphStore,
    records: Iterable[Mapping[str, Any]],
    batch_size: int = 5000,
    line_numbers: Sequence[int] | None = None,
) -> ImportSummary:
    """Import records (as export_records yields them); errors name the 1-based record number,
    or the line number of the record's file when `line_numbers` gives them (see parse_jsonl)."""
    if line_numbers is None:
        return _import(store, enumerate(records, start=1), batch_size, "record")
    return _import(store, zip(line_numbers, records, strict=True), batch_size, "line")


def import_jsonl(store: GraphStore, fp: IO[str], batch_size: int = 5000) -> ImportSummary:
    """Import a JSONL export as it is, for the store's own round trip; blank lines are skipped,
    errors name the line number. Users import through graphmem.memory.exchange, which redacts."""
    return _import(store, parse_jsonl(fp), batch_size, "line")


def parse_jsonl(fp: IO[str]) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) for each non-blank line; a line that is not JSON, or text
    that is not UTF-8, is a UsageError naming the line."""
    number = 0
    try:
        for number, line in enumerate(fp, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as e:
                raise UsageError(
                    f"line {number}: not valid JSON ({e.msg} at column {e.colno})"
                ) from e
    except UnicodeDecodeError as e:
        raise UsageError(
            f"line {number + 1}: not UTF-8 text ({e.reason}): is this a graphmem JSONL export?"
        ) from e


def _import(
    store: GraphStore, numbered: Iterable[tuple[int, Any]], batch_size: int, unit: str
) -> ImportSummary:
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str, str], tuple[int, Edge]] = {}
    for number, raw in numbered:
        try:
            record = _RECORD.validate_python(raw)
        except ValidationError as e:
            raise UsageError(f"{unit} {number}: {_first_problem(e)}") from e
        if isinstance(record, NodeRecord):
            nodes[record.id] = record.to_node()
        else:
            edge = record.to_edge()
            edges[edge.key] = (number, edge)
    _check_endpoints(store, nodes, edges.values(), unit)

    size = max(1, batch_size)
    # A memory's status and its SUPERSEDED_BY and GOVERNS edges only make sense together: memories
    # and every edge touching one land in one last batch, so an interrupted import never leaves
    # a superseded memory without its successor.
    memory_ids = {node_id for node_id, node in nodes.items() if node.has(Label.MEMORY)}
    node_list = [node for node in nodes.values() if node.id not in memory_ids]
    for start in range(0, len(node_list), size):
        store.write(WriteBatch(upsert_nodes=node_list[start : start + size]))
    edge_list = [edge for _, edge in edges.values()]
    code_edges = [e for e in edge_list if not {e.source, e.target} & memory_ids]
    for start in range(0, len(code_edges), size):
        store.write(WriteBatch(upsert_edges=code_edges[start : start + size]))
    if memory_ids:
        store.write(
            WriteBatch(
                upsert_nodes=[nodes[node_id] for node_id in sorted(memory_ids)],
                upsert_edges=[e for e in edge_list if {e.source, e.target} & memory_ids],
            )
        )
    return ImportSummary(nodes=len(nodes), edges=len(edge_list))


def _check_endpoints(
    store: GraphStore,
    nodes: Mapping[str, Node],
    edges: Iterable[tuple[int, Edge]],
    unit: str,
) -> None:
    """An edge may point at a node of the import or one already in the store; nothing else."""
    edges = list(edges)
    outside = sorted({end for _, e in edges for end in (e.source, e.target)} - nodes.keys())
    present: set[str] = set()
    for start in range(0, len(outside), 1000):
        present.update(store.get_nodes(outside[start : start + 1000]))
    missing = set(outside) - present
    for number, edge in edges:
        for end in (edge.source, edge.target):
            if end in missing:
                raise UsageError(
                    f"{unit} {number}: {edge.type.value} edge {edge.source} -> {edge.target} "
                    f"points at node {end!r}, which is neither in the import nor in the store"
                )


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    more = f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
    return f"{where}: {problem['msg']}{more}" if where else f"{problem['msg']}{more}"
