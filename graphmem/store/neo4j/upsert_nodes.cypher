// Nodes sharing one label set: MERGE on the base label's unique id, then make the labels and the
// properties exactly those given (`SET n = ...` replaces every property, `id` included in props).
UNWIND $rows AS row
MERGE (n{{base_label}} {id: row.id})
SET n = row.props
{{set_labels}}
RETURN count(n) AS written
