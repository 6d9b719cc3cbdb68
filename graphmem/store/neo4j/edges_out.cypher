UNWIND $ids AS node_id
{{find_node}}
MATCH (n)-[r{{types}}]->(m)
RETURN type(r) AS type, n.id AS source, m.id AS target, properties(r) AS props
