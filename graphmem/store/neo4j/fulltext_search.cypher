// $query is already escaped for Lucene. {{filter}} narrows to a sub-label when the index is the
// base label's; the limit is applied after it.
CALL db.index.fulltext.queryNodes($index, $query) YIELD node, score
{{filter}}
RETURN node.id AS id, score
ORDER BY score DESC, id
LIMIT $limit
