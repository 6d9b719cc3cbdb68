// edges_out with both ends' ids, labels and properties (embeddings left out): one round trip
// for a step that would otherwise read the edges, then the nodes on them.
UNWIND $ids AS node_id
{{find_node}}
MATCH (n)-[r{{types}}]->(m)
RETURN type(r) AS type, properties(r) AS props,
       n.id AS source, labels(n) AS source_labels, n {.*, {{property}}: null} AS source_props,
       m.id AS target, labels(m) AS target_labels, m {.*, {{property}}: null} AS target_props
