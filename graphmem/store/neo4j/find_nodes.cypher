// {{conditions}} compares escaped property keys with $where0, $where1, ... parameters;
// {{columns}} is `n`, or its parts without the embedding (see get_nodes_lean).
MATCH (n{{labels}})
WHERE {{conditions}}
RETURN {{columns}}
ORDER BY n.id
{{limit}}
