// Cosine similarity, as the embedded store computes it; dimensions come from the embedder.
CREATE VECTOR INDEX {{name}} IF NOT EXISTS
FOR (n{{label}}) ON (n.{{property}})
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}
