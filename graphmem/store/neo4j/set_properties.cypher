// Merge properties into existing nodes; a null value removes the property.
UNWIND $rows AS row
WITH row, row.id AS node_id
{{find_node}}
SET n += row.props
RETURN count(n) AS written
