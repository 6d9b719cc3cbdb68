// Nodes sharing one label set, each row the node's whole property map (`id` included): MERGE on
// the base label's unique id, then make labels and properties exactly those given (`SET n = row`
// replaces every property).
UNWIND $rows AS row
MERGE (n{{base_label}} {id: row.id})
SET n = row
{{set_labels}}
RETURN count(n) AS written
