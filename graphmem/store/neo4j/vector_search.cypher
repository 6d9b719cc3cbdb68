// The index proposes $candidates nodes; each is re-scored exactly, so scores do not depend on how
// the index approximates (quantization). Neo4j scores cosine as (1 + cos) / 2; the caller converts
// back to cos.
CALL db.index.vector.queryNodes($index, $candidates, $vector) YIELD node
WITH node, vector.similarity.cosine(node.{{property}}, $vector) AS score
WHERE score IS NOT NULL
RETURN node.id AS id, score
ORDER BY score DESC, id
LIMIT $limit
