UNWIND $ids AS node_id
{{find_node}}
MATCH walk = (n)<-[{{types}}*1..{{depth}}]-()
UNWIND relationships(walk) AS r
WITH DISTINCT r
RETURN type(r) AS type, startNode(r).id AS source, endNode(r).id AS target, properties(r) AS props
