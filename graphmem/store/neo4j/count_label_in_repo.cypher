MATCH (n{{label}})
WHERE n.repo = $repo
RETURN count(n) AS count
