// Edges of one type whose endpoints have known base labels, sent as columns (cheaper to encode
// than one map per row). Every row must produce one edge: the caller compares `written` with the
// number of rows and fails the batch otherwise.
UNWIND range(0, size($sources) - 1) AS i
MATCH (a{{source_label}} {id: $sources[i]})
MATCH (b{{target_label}} {id: $targets[i]})
MERGE (a)-[r{{type}}]->(b)
SET r = $props[i]
RETURN count(r) AS written
