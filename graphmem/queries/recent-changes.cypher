// name: recent-changes
// description: The latest commits that touched a module or anything in it.
// param: path string required - repository-relative path of the module
// param: limit int 10 - how many commits to list
MATCH (c:Commit)-[:MODIFIES]->(e:CodeEntity)
WHERE e.path = $path AND e.repo = $repo
RETURN DISTINCT c.sha AS sha, c.date AS date, c.author AS author, c.message AS message
ORDER BY date DESC, sha
LIMIT $limit
