"""The nodes and edges an ingest builds without validation are the validated models."""

from __future__ import annotations

import pickle

from graphmem.ingest.entities import EntityIds, file_nodes
from graphmem.ingest.python import PythonSupport
from graphmem.model import Edge, Node

SOURCE = b"""
LIMIT = 3


class Cart:
    def total(self):
        return helper(self)


def helper(cart):
    return LIMIT
"""


def test_unvalidated_nodes_and_edges_equal_validated_ones() -> None:
    parsed = PythonSupport().parse("shop/cart.py", SOURCE, "shop.cart")
    nodes, edges = file_nodes(EntityIds("shop"), parsed)
    assert {n.get("qualified_name") for n in nodes} == {
        "shop.cart",
        "shop.cart.LIMIT",
        "shop.cart.Cart",
        "shop.cart.Cart.total",
        "shop.cart.helper",
    }
    assert len(edges) == 4
    for node in nodes:
        validated = Node(id=node.id, labels=node.labels, properties=dict(node.properties))
        assert node == validated
        assert node.model_dump() == validated.model_dump()
        assert pickle.loads(pickle.dumps(node)) == validated
    for edge in edges:
        validated_edge = Edge(type=edge.type, source=edge.source, target=edge.target)
        assert edge == validated_edge
        assert edge.key == validated_edge.key
        assert edge.model_dump() == validated_edge.model_dump()
