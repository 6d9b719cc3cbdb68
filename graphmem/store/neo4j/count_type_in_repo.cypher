MATCH (n)-[r{{type}}]->()
WHERE n.repo = $repo
RETURN count(r) AS count
