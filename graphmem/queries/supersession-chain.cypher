// name: supersession-chain
// description: Every version of a memory, oldest first: what it superseded and what superseded it (up to 10 steps either way).
// param: id string required - id of any memory in the chain, e.g. d-3f9a1c2b
MATCH (root:Memory)-[:SUPERSEDED_BY*0..10]->(x:Memory {id: $id})
MATCH (root)-[:SUPERSEDED_BY*0..10]->(m:Memory)
RETURN DISTINCT m.id AS id, m.status AS status, m.text AS text, m.created_at AS created_at,
       m.valid_to AS valid_to
ORDER BY created_at, id
