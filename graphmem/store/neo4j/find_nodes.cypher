// {{conditions}} compares escaped property keys with $where0, $where1, ... parameters.
MATCH (n{{labels}})
WHERE {{conditions}}
RETURN n
ORDER BY n.id
{{limit}}
