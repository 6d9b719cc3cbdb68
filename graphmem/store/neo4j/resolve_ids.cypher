// The labels of the nodes that exist among $ids (to pick the index each edge endpoint is in).
UNWIND $ids AS node_id
{{find_node}}
RETURN n.id AS id, labels(n) AS labels
