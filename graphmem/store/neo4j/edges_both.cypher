UNWIND $ids AS node_id
{{find_node}}
MATCH (n)-[r{{types}}]-()
RETURN type(r) AS type, startNode(r).id AS source, endNode(r).id AS target,
       properties(r) AS props
