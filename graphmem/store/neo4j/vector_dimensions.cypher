// The dimensions of the embeddings nodes of a label without a vector index have, so a query
// vector of another dimension is refused as it is for the indexed label.
MATCH (n{{labels}})
WHERE n.{{property}} IS NOT NULL
RETURN collect(DISTINCT size(n.{{property}})) AS dimensions
