// name: hotspots-changed
// description: The modules changed by the most commits (from the ingested git history).
// param: limit int 10 - how many to list
MATCH (c:Commit)-[:MODIFIES]->(m:Module)
WHERE m.repo = $repo
RETURN m.path AS path, COUNT(c) AS commits
ORDER BY commits DESC, path
LIMIT $limit
