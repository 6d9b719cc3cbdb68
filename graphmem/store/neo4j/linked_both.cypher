// edges_both with both ends' ids, labels and properties (embeddings left out), as linked_out.
UNWIND $ids AS node_id
{{find_node}}
MATCH (n)-[r{{types}}]-(m)
WITH n, collect({type: type(r), props: properties(r), id: m.id, labels: labels(m),
                 node: m {.*, {{property}}: null}, outgoing: startNode(r) = n}) AS links
RETURN n.id AS id, labels(n) AS labels, n {.*, {{property}}: null} AS props, links
