"""Driver values to plain Python: what graphmem's models, JSON export and CLI output can hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from neo4j import graph as neo4j_graph
from neo4j import spatial as neo4j_spatial
from neo4j import time as neo4j_time

from graphmem.model.graph import Label, Node

_KNOWN_LABELS = frozenset(label.value for label in Label)
_SCALARS = frozenset({str, int, float, bool})
_TEMPORAL = (
    neo4j_time.Date,
    neo4j_time.Time,
    neo4j_time.DateTime,
    neo4j_time.Duration,
)


def plain(value: Any, node_id: Callable[[neo4j_graph.Node], Any] | None = None) -> Any:
    """Convert one driver value. Nodes and relationships become dicts, paths lists of them.

    Temporal values become ISO-8601 strings (graphmem stores time that way), points dicts.
    `node_id` names a relationship's endpoints; by default their `id` property.
    """
    if value is None or type(value) in _SCALARS:
        return value
    if type(value) is list:  # most lists are of strings (anchor ids, names)
        return [v if type(v) in _SCALARS else plain(v, node_id) for v in value]
    name = node_id or _node_key
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, neo4j_graph.Node):
        return node_dict(value)
    if isinstance(value, neo4j_graph.Relationship):
        return {
            "type": value.type,
            "source": name(_endpoint(value.start_node)),
            "target": name(_endpoint(value.end_node)),
            "properties": properties(value.items()),
        }
    if isinstance(value, neo4j_graph.Path):
        return _path_items(value, name)
    if isinstance(value, _TEMPORAL):
        return value.iso_format()
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, neo4j_spatial.Point):
        return {"srid": value.srid, "coordinates": [float(c) for c in value]}
    if isinstance(value, Mapping):
        return {str(k): plain(v, node_id) for k, v in value.items()}
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, Iterable):
        return [plain(v, node_id) for v in value]
    return value


def properties(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    return {key: plain(value) for key, value in items}


def node_dict(node: neo4j_graph.Node) -> dict[str, Any]:
    """A node returned by user Cypher: graphmem id (or Neo4j's element id), labels, properties."""
    props = properties(node.items())
    node_id = props.pop("id", None)
    return {
        "id": node_id if node_id is not None else node.element_id,
        "labels": sorted(node.labels),
        "properties": props,
    }


def to_node(node: neo4j_graph.Node) -> Node | None:
    """A stored node as graphmem's Node, or None when it is not graphmem's (no id, no label)."""
    node_id = node.get("id")
    known = [Label(label) for label in node.labels if label in _KNOWN_LABELS]
    if not isinstance(node_id, str) or not node_id or not known:
        return None
    props = {key: plain(value) for key, value in node.items() if key != "id"}
    return Node(id=node_id, labels=tuple(known), properties=props)


def node_from_parts(node_id: Any, labels: Iterable[str], props: Mapping[str, Any]) -> Node | None:
    """A node returned as id, labels and a property map (nulls dropped), as `to_node` builds it."""
    known = _labels(labels)
    if not isinstance(node_id, str) or not node_id or not known:
        return None
    kept = {key: plain(value) for key, value in props.items() if key != "id" and value is not None}
    return Node.stored({"id": node_id, "labels": known, "properties": kept})


def _labels(labels: Iterable[str]) -> tuple[Label, ...]:
    """graphmem's labels among a stored node's, sorted as a Node sorts them (a stored node was
    checked when written, so it is read back with `Record.stored`)."""
    key = tuple(labels)
    known = _LABEL_SETS.get(key)
    if known is None:
        known = _LABEL_SETS[key] = tuple(sorted({Label(x) for x in key if x in _KNOWN_LABELS}))
    return known


_LABEL_SETS: dict[tuple[str, ...], tuple[Label, ...]] = {}


def endpoint_element_ids(value: Any) -> set[str]:
    """Element ids of relationship endpoints whose properties the driver did not receive."""
    found: set[str] = set()
    if isinstance(value, neo4j_graph.Relationship):
        for end in (value.start_node, value.end_node):
            if end is not None and "id" not in end:
                found.add(end.element_id)
    elif isinstance(value, neo4j_graph.Path):
        for rel in value.relationships:
            found |= endpoint_element_ids(rel)
    elif isinstance(value, Mapping):
        for item in value.values():
            found |= endpoint_element_ids(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found |= endpoint_element_ids(item)
    return found


def _endpoint(node: neo4j_graph.Node | None) -> neo4j_graph.Node:
    if node is None:  # the driver always hydrates endpoints; this keeps the types honest
        raise ValueError("relationship without an endpoint")
    return node


def _node_key(node: neo4j_graph.Node) -> Any:
    node_id = node.get("id")
    return node_id if node_id is not None else node.element_id


def _path_items(path: neo4j_graph.Path, name: Callable[[neo4j_graph.Node], Any]) -> list[Any]:
    """A path as [node, relationship, node, ...] in walking order."""
    nodes = list(path.nodes)
    items: list[Any] = [plain(nodes[0], name)]
    for rel, node in zip(path.relationships, nodes[1:], strict=True):
        items.append(plain(rel, name))
        items.append(plain(node, name))
    return items
