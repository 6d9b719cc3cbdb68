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
from json.encoder import encode_basestring
from typing import Any

try:
    from json.encoder import c_make_encoder  # type: ignore[attr-defined]
except ImportError:  # a Python built without the C accelerator
    c_make_encoder = None

from graphmem.errors import UsageError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.store.base import EMBEDDING_PROPERTY, FULLTEXT_FIELDS, base_label

_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
# The C encoder, built once: JSONEncoder.encode builds it again on every call, which is a good
# share of bulk-write time. Properties are flat, so the circular-reference check is not needed.
_c_encode = (
    c_make_encoder(None, _encoder.default, encode_basestring, None, ":", ",", False, False, False)
    if c_make_encoder is not None
    else None
)

EMPTY_JSON = "{}"

#: Node properties copied into their own indexed columns (see schema.INDEXED_PROPERTIES).
INDEXED_PROPERTIES = ("repo", "path", "qualified_name", "name", "status", "sha")


@dataclass(slots=True)
class NodeRow:
    """A node ready to be written: the `nodes` columns plus its vector and full-text values."""

    id: str
    base: str
    labels: str
    props: str
    indexed: tuple[Any, ...]
    vector: bytes | None
    label_set: frozenset[str]
    fulltext: dict[Label, tuple[str | None, ...]] = field(default_factory=dict)

    def columns(self) -> tuple[Any, ...]:
        return (self.id, self.base, self.labels, self.props, *self.indexed)


@dataclass(frozen=True, slots=True)
class _LabelInfo:
    base: str
    text: str
    names: frozenset[str]
    searchable: bool


_LABEL_INFO: dict[tuple[Label, ...], _LabelInfo] = {}


def _label_info(node_id: str, labels: tuple[Label, ...]) -> _LabelInfo:
    info = _LABEL_INFO.get(labels)
    if info is None:
        try:
            base = base_label(labels).value
        except ValueError as e:
            raise UsageError(f"node {node_id!r}: {e}") from e
        names = frozenset(label.value for label in labels)
        info = _LabelInfo(
            base=base,
            text=",".join(sorted(names)),
            names=names,
            searchable=any(label in names for label in FULLTEXT_FIELDS),
        )
        _LABEL_INFO[labels] = info
    return info


def node_row(node: Node) -> NodeRow:
    info = _label_info(node.id, node.labels)
    props, vector = split_properties(node.id, node.properties)
    return NodeRow(
        id=node.id,
        base=info.base,
        labels=info.text,
        props=encode_properties(node.id, props),
        indexed=indexed_values(props),
        vector=vector,
        label_set=info.names,
        fulltext=fulltext_values(info.names, props) if info.searchable else {},
    )


def indexed_values(props: Mapping[str, Any]) -> tuple[Any, ...]:
    """The indexed columns: a value only when SQL equality means the same as Python's."""
    values = map(props.get, INDEXED_PROPERTIES)
    return tuple([v if type(v) in _PLAIN_TYPES else _column_value(v) for v in values])


_PLAIN_TYPES = frozenset({str, int, float, type(None)})


def _column_value(value: Any) -> Any:
    """Subclasses (a StrEnum member, say) as their plain value; anything else not indexed."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return None


def edge_row(edge: Edge) -> tuple[str, str, str, str]:
    rel_type = _TYPE_NAMES[edge.type]
    if not edge.properties:
        return (rel_type, edge.source, edge.target, EMPTY_JSON)
    props = {k: v for k, v in edge.properties.items() if v is not None}
    owner = f"{rel_type} edge {edge.source} -> {edge.target}"
    return (rel_type, edge.source, edge.target, encode_properties(owner, props))


def split_properties(
    owner: str, properties: Mapping[str, Any]
) -> tuple[dict[str, Any], bytes | None]:
    """(properties to store as JSON, the embedding blob or None), with None values dropped."""
    if None in properties.values():
        props = {k: v for k, v in properties.items() if v is not None}
    else:
        props = dict(properties)
    raw = props.pop(EMBEDDING_PROPERTY, None)
    return props, (None if raw is None else encode_vector(owner, raw))


def encode_properties(owner: str, props: Mapping[str, Any]) -> str:
    if not props:
        return EMPTY_JSON
    try:
        if _c_encode is not None:
            return "".join(_c_encode(props, 0))
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
_TYPE_NAMES: dict[RelType, str] = {t: t.value for t in RelType}


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
