// Nodes with all their edges; an id that does not exist is not an error.
UNWIND $ids AS node_id
{{find_node}}
DETACH DELETE n
