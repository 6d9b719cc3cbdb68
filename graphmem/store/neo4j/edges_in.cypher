UNWIND $ids AS node_id
{{find_node}}
MATCH (n)<-[r{{types}}]-(m)
RETURN type(r) AS type, m.id AS source, n.id AS target, properties(r) AS props
