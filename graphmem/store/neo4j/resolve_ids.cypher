// Which of $ids are nodes with this base label (to pick the index each edge endpoint is in).
MATCH (n{{label}})
WHERE n.id IN $ids
RETURN collect(n.id) AS found
