UNWIND $ids AS node_id
{{find_node}}
RETURN n
