"""Nodes and edges to and from the rows of the embedded store's tables.

Properties are stored as compact JSON. None values are dropped (as in Neo4j, a property set to
null does not exist), so both backends read back the same properties. The embedding is kept out
of the JSON and stored as a float32 blob, which is what vector search reads.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphmem.errors import UsageError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.store.base import EMBEDDING_PROPERTY, FULLTEXT_FIELDS, base_label

_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)

EMPTY_JSON = "{}"


@dataclass(slots=True)
class NodeRow:
    """A node ready to be written: the `nodes` columns plus its vector and full-text values."""

    id: str
    base: str
    labels: str
    props: str
    vector: bytes | None
    label_set: frozenset[str]
    fulltext: dict[Label, tuple[str | None, ...]] = field(default_factory=dict)


def node_row(node: Node) -> NodeRow:
    try:
        base = base_label(node.labels).value
    except ValueError as e:
        raise UsageError(f"node {node.id!r}: {e}") from e
    props, vector = split_properties(node.id, node.properties)
    labels = sorted({label.value for label in node.labels})
    return NodeRow(
        id=node.id,
        base=base,
        labels=",".join(labels),
        props=encode_properties(node.id, props),
        vector=vector,
        label_set=frozenset(labels),
        fulltext=fulltext_values(node.labels, props),
    )


def edge_row(edge: Edge) -> tuple[str, str, str, str]:
    props = {k: v for k, v in edge.properties.items() if v is not None}
    owner = f"{edge.type.value} edge {edge.source} -> {edge.target}"
    return (edge.type.value, edge.source, edge.target, encode_properties(owner, props))


def split_properties(
    owner: str, properties: Mapping[str, Any]
) -> tuple[dict[str, Any], bytes | None]:
    """(properties to store as JSON, the embedding blob or None), with None values dropped."""
    props = {k: v for k, v in properties.items() if v is not None}
    raw = props.pop(EMBEDDING_PROPERTY, None)
    return props, (None if raw is None else encode_vector(owner, raw))


def encode_properties(owner: str, props: Mapping[str, Any]) -> str:
    if not props:
        return EMPTY_JSON
    try:
        return _encoder.encode(props)
    except (TypeError, ValueError) as e:
        raise UsageError(
            f"{owner}: properties must be strings, finite numbers, booleans or lists of them ({e})"
        ) from e


def decode_properties(text: str) -> dict[str, Any]:
    if text == EMPTY_JSON:
        return {}
    result: dict[str, Any] = json.loads(text)
    return result


def encode_vector(owner: str, value: Any) -> bytes:
    """A float32 blob; the embedding must be a non-empty list of finite numbers."""
    if hasattr(value, "tolist"):  # a numpy array
        value = value.tolist()
    if (
        not isinstance(value, list | tuple)
        or not value
        or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
            for x in value
        )
    ):
        raise UsageError(
            f"{owner}: {EMBEDDING_PROPERTY} must be a non-empty list of finite numbers"
        )
    try:
        return array("f", value).tobytes()
    except OverflowError as e:
        raise UsageError(f"{owner}: {EMBEDDING_PROPERTY} has a value beyond float32 range") from e


def decode_vector(blob: bytes) -> list[float]:
    values = array("f")
    values.frombytes(blob)
    return values.tolist()


def fulltext_values(
    labels: tuple[Label, ...] | frozenset[str], props: Mapping[str, Any]
) -> dict[Label, tuple[str | None, ...]]:
    """The searchable text of a node, per full-text label it carries (only non-empty strings)."""
    result: dict[Label, tuple[str | None, ...]] = {}
    for label, fields in FULLTEXT_FIELDS.items():
        if label in labels:
            values = tuple(_text(props.get(f)) for f in fields)
            if any(v is not None for v in values):
                result[label] = values
    return result


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


_LABELS: dict[str, tuple[Label, ...]] = {}
_TYPES: dict[str, RelType] = {t.value: t for t in RelType}


def labels_of(text: str) -> tuple[Label, ...]:
    labels = _LABELS.get(text)
    if labels is None:
        labels = _LABELS[text] = tuple(Label(x) for x in text.split(","))
    return labels


def make_node(node_id: str, labels: str, props: str, vector: bytes | None) -> Node:
    properties = decode_properties(props)
    if vector is not None:
        properties[EMBEDDING_PROPERTY] = decode_vector(vector)
    return Node(id=node_id, labels=labels_of(labels), properties=properties)


def make_edge(rel_type: str, source: str, target: str, props: str) -> Edge:
    return Edge(
        type=_TYPES[rel_type], source=source, target=target, properties=decode_properties(props)
    )
