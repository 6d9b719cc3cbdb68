// One page of edges of one type whose source has one base label, in (source, target) order,
// after the last (source, target) seen. The source id index gives the order; targets of one
// source are sorted per source only.
MATCH (a{{source_label}})-[r{{type}}]->(b)
WHERE a.id >= $after_source AND (a.id > $after_source OR b.id > $after_target)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
LIMIT $page_size
