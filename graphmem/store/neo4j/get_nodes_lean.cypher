// get_nodes without the embedding: most readers never look at it, and it is most of the bytes.
UNWIND $ids AS node_id
{{find_node}}
RETURN n.id AS id, labels(n) AS labels, n {.*, {{property}}: null} AS props
