// name: hotspots-called
// description: The most called functions, methods and classes (by number of distinct callers, recursion not counted).
// param: limit int 10 - how many to list
MATCH (caller:CodeEntity)-[:CALLS]->(f:CodeEntity)
WHERE f.repo = $repo AND caller.id <> f.id
RETURN f.qualified_name AS name, f.path AS path, COUNT(caller) AS callers
ORDER BY callers DESC, name
LIMIT $limit
