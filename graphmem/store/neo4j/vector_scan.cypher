// Exact nearest neighbours for labels without their own vector index (e.g. a memory kind).
MATCH (n{{labels}})
WHERE n.{{property}} IS NOT NULL AND size(n.{{property}}) = size($vector)
WITH n, vector.similarity.cosine(n.{{property}}, $vector) AS score
WHERE score IS NOT NULL
RETURN n.id AS id, score
ORDER BY score DESC, id
LIMIT $limit
