// Neo4j scores cosine as (1 + cos) / 2; the caller converts back to cos.
CALL db.index.vector.queryNodes($index, $limit, $vector) YIELD node, score
RETURN node.id AS id, score
ORDER BY score DESC, id
