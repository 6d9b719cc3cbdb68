// graphmem ids of nodes a user query returned only as relationship endpoints.
UNWIND $element_ids AS element_id
MATCH (n) WHERE elementId(n) = element_id
RETURN element_id, n.id AS id
