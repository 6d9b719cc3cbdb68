// Cosine similarity, as the embedded store computes it; dimensions come from the embedder.
// Unquantized: memories are few, and quantized scores were far off for some vectors.
CREATE VECTOR INDEX {{name}} IF NOT EXISTS
FOR (n{{label}}) ON (n.{{property}})
OPTIONS {indexConfig: {
  `vector.dimensions`: $dimensions,
  `vector.similarity_function`: 'cosine',
  `vector.quantization.enabled`: false
}}
