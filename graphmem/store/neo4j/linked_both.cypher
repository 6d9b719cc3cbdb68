// edges_both with both ends' ids, labels and properties (embeddings left out), as linked_out.
UNWIND $ids AS node_id
{{find_node}}
MATCH (n)-[r{{types}}]-()
WITH r, startNode(r) AS s, endNode(r) AS e
RETURN type(r) AS type, properties(r) AS props,
       s.id AS source, labels(s) AS source_labels, s {.*, {{property}}: null} AS source_props,
       e.id AS target, labels(e) AS target_labels, e {.*, {{property}}: null} AS target_props
