// The nearest nodes to each of $vectors, each found as vector_search finds them for one vector,
// those scoring at least $floor: their hits by the vector's position in the list, as
// {{column}}. The text is the same for any number of vectors, so its plan is made once.
UNWIND range(0, size($vectors) - 1) AS j
CALL {
  WITH j
  CALL db.index.vector.queryNodes($index, $candidates, $vectors[j]) YIELD node
  WITH node, vector.similarity.cosine(node.{{property}}, $vectors[j]) AS score
  WHERE score >= $floor
  RETURN node.id AS id, score
  ORDER BY score DESC, id
  LIMIT $limit
}
WITH j, collect([id, score]) AS hits
RETURN collect([j, hits]) AS {{column}}
