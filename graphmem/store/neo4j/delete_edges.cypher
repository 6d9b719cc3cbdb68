// Edges of one type, as (source, target) rows; an edge that does not exist is not an error.
UNWIND $rows AS row
WITH row, row.source AS node_id
{{find_node}}
MATCH (n)-[r{{type}}]->(m)
WHERE m.id = row.target
DELETE r
