// One page of nodes in id order, after the last id seen (keyset pagination on the id index).
MATCH (n{{labels}})
WHERE n.id > $after
RETURN n
ORDER BY n.id
LIMIT $page_size
