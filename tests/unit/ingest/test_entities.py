"""The nodes and edges an ingest builds without validation are the validated models."""

from __future__ import annotations

import pickle

from graphmem.ingest.entities import EntityIds, file_nodes
from graphmem.ingest.language import ParsedFile
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


def module_node_name(language: str, path: str, module: str) -> str | None:
    parsed = ParsedFile(path=path, module=module, language=language, content_hash="0", line_count=1)
    nodes, _ = file_nodes(EntityIds("repo"), parsed)
    return nodes[0].get("name")


def test_a_module_is_named_by_the_last_segment_its_language_writes() -> None:
    assert module_node_name("go", "doc/md_docs.go", "example.com/tool/doc") == "doc"
    assert module_node_name("go", "main.go", "gopkg.in/thing.v3") == "thing.v3"
    assert module_node_name("c", "src/list.c", "src/list.c") == "list.c"
    assert module_node_name("cpp", "lib/vec.hpp", "lib/vec.hpp") == "vec.hpp"
    assert module_node_name("typescript", "src/cart.test.ts", "src/cart.test") == "cart.test"
    assert module_node_name("javascript", "src/api/index.js", "src/api") == "api"
    assert module_node_name("python", "shop/cart.py", "shop.cart") == "cart"
    assert module_node_name("java", "src/com/acme/A.java", "com.acme") == "acme"
    assert module_node_name("java", "A.java", "") == "A.java"  # the default package
    assert module_node_name("rust", "src/sink.rs", "grep_searcher::sink") == "sink"
