// edges_in with both ends' ids, labels and properties (embeddings left out), as linked_out.
UNWIND $ids AS node_id
{{find_node}}
MATCH (n)<-[r{{types}}]-(m)
RETURN type(r) AS type, properties(r) AS props,
       m.id AS source, labels(m) AS source_labels, m {.*, {{property}}: null} AS source_props,
       n.id AS target, labels(n) AS target_labels, n {.*, {{property}}: null} AS target_props
