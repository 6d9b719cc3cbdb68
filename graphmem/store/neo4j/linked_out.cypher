// edges_out with both ends' ids, labels and properties (embeddings left out): one round trip
// for a step that would otherwise read the edges, then the nodes on them. Each start node comes
// once, with its edges and the nodes at their other ends.
UNWIND $ids AS node_id
{{find_node}}
MATCH (n)-[r{{types}}]->(m)
WITH n, collect({type: type(r), props: properties(r), id: m.id, labels: labels(m),
                 node: m {.*, {{property}}: null}, outgoing: true}) AS links
RETURN n.id AS id, labels(n) AS labels, n {.*, {{property}}: null} AS props, links
