// Edges of one type whose endpoints have known base labels. Every row must produce one edge:
// the caller compares `written` with the number of rows and fails the batch otherwise.
UNWIND $rows AS row
MATCH (a{{source_label}} {id: row.source})
MATCH (b{{target_label}} {id: row.target})
MERGE (a)-[r{{type}}]->(b)
SET r = row.props
RETURN count(r) AS written
