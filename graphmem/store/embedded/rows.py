"""Nodes and edges to and from the rows of the embedded store's tables.

Properties are stored as compact JSON. None values are dropped (as in Neo4j, a property set to
null does not exist), so both backends read back the same properties. The embedding is kept out
of the JSON and stored as a float32 blob, which is what vector search reads.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
_decode = json.JSONDecoder().raw_decode
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

    #: (id, base, labels, props, *indexed): the columns of `nodes`, in _UPSERT_NODE's order.
    columns: tuple[Any, ...]
    vector: bytes | None
    label_set: frozenset[str]
    #: (label, id) rows of `node_labels`.
    label_rows: tuple[tuple[str, str], ...]
    fulltext: dict[Label, tuple[str | None, ...]]

    @property
    def id(self) -> str:
        node_id: str = self.columns[0]
        return node_id

    @property
    def labels(self) -> str:
        labels: str = self.columns[2]
        return labels


@dataclass(frozen=True, slots=True)
class _LabelInfo:
    base: str
    text: str
    names: frozenset[str]
    searchable: bool


_LABEL_INFO: dict[tuple[Label, ...], _LabelInfo] = {}
_NO_FULLTEXT: dict[Label, tuple[str | None, ...]] = {}


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
    """Encode one node. Bulk writes spend most of their Python time here, so the common case
    (no None values, no embedding, plain indexed values) takes the shortest path."""
    node_id = node.id
    info = _label_info(node_id, node.labels)
    properties = node.properties
    if EMBEDDING_PROPERTY in properties or None in properties.values():
        props, vector = split_properties(node_id, properties)
    else:
        props, vector = properties, None
    indexed = tuple(map(props.get, INDEXED_PROPERTIES))
    if not _PLAIN_TYPES.issuperset(map(type, indexed)):
        indexed = tuple([_column_value(v) for v in indexed])
    return NodeRow(
        columns=(node_id, info.base, info.text, encode_properties(node_id, props), *indexed),
        vector=vector,
        label_set=info.names,
        label_rows=tuple([(label, node_id) for label in info.names]),
        fulltext=fulltext_values(info.names, props) if info.searchable else _NO_FULLTEXT,
    )


def indexed_values(props: Mapping[str, Any]) -> tuple[Any, ...]:
    """The indexed columns: a value only when SQL equality means the same as Python's."""
    return tuple([_column_value(v) for v in map(props.get, INDEXED_PROPERTIES)])


_PLAIN_TYPES = frozenset({str, int, float, type(None)})


def _column_value(value: Any) -> Any:
    """Subclasses (a StrEnum member, say) as their plain value; anything else not indexed."""
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return None


def edge_rows(edges: Iterable[Edge]) -> list[tuple[str, str, str, str]]:
    """(type, source, target, props) per edge, in batch order.

    Duplicates stay: the upsert applies them in order, so the last one wins, as it should.
    """
    type_names = _TYPE_NAMES
    return [
        (
            type_names[edge.type],
            edge.source,
            edge.target,
            _edge_properties(edge) if edge.properties else EMPTY_JSON,
        )
        for edge in edges
    ]


def _edge_properties(edge: Edge) -> str:
    props = edge.properties
    if None in props.values():
        props = {k: v for k, v in props.items() if v is not None}
    try:
        return _encode(props)
    except (TypeError, ValueError) as e:
        owner = f"{edge.type.value} edge {edge.source} -> {edge.target}"
        raise _bad_properties(owner, e) from e


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
        return _encode(props)
    except (TypeError, ValueError) as e:
        raise _bad_properties(owner, e) from e


def _encode(props: Mapping[str, Any]) -> str:
    if _c_encode is not None:
        return "".join(_c_encode(props, 0))
    return _encoder.encode(props)


def _bad_properties(owner: str, error: Exception) -> UsageError:
    return UsageError(
        f"{owner}: properties must be strings, finite numbers, booleans or lists of them ({error})"
    )


def decode_properties(text: str) -> dict[str, Any]:
    if text == EMPTY_JSON:
        return {}
    result: dict[str, Any] = _decode(text)[0]  # written by encode_properties: no padding
    return result


def encode_vector(owner: str, value: Any) -> bytes:
    """A float32 blob; the embedding must be a non-empty list of finite numbers."""
    if hasattr(value, "tolist"):  # a numpy array
        value = value.tolist()
    if not isinstance(value, list | tuple) or not value or not _finite_numbers(value):
        raise UsageError(
            f"{owner}: {EMBEDDING_PROPERTY} must be a non-empty list of finite numbers"
        )
    try:
        return array("f", value).tobytes()
    except OverflowError as e:
        raise UsageError(f"{owner}: {EMBEDDING_PROPERTY} has a value beyond float32 range") from e


def _finite_numbers(values: list[Any] | tuple[Any, ...]) -> bool:
    """Whether every value is a finite int or float (not a bool). The usual embedding, plain
    floats, is checked by one pass over the types and one sum: 15 us for 384 floats, where a
    test per item took 75 us."""
    if set(map(type, values)) <= {float, int}:
        try:
            return math.isfinite(math.fsum(values))
        except (OverflowError, ValueError):  # beyond float64 on the way, or inf - inf
            return False
    return all(
        isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in values
    )


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
    """A stored label list as a Node's labels: sorted and unique, as Node validation makes them."""
    labels = _LABELS.get(text)
    if labels is None:
        labels = _LABELS[text] = tuple(sorted({Label(x) for x in text.split(",")}))
    return labels


# Rows were checked as Nodes and Edges when written, so reading builds them with
# `Record.stored`, without sorting and checking each node's labels again.


def make_node(node_id: str, labels: str, props: str, vector: bytes | None) -> Node:
    properties = decode_properties(props)
    if vector is not None:
        properties[EMBEDDING_PROPERTY] = decode_vector(vector)
    return Node.stored({"id": node_id, "labels": labels_of(labels), "properties": properties})


def make_edge(rel_type: str, source: str, target: str, props: str) -> Edge:
    properties = decode_properties(props)
    return Edge.stored(
        {"type": _TYPES[rel_type], "source": source, "target": target, "properties": properties}
    )
