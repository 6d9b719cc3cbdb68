// name: services
// description: Deployable services (compose services, package manifests) and the services each depends on.
MATCH (s:Service)
WHERE s.repo = $repo
OPTIONAL MATCH (s)-[:DEPENDS_ON]->(d:Service)
WITH s, d ORDER BY d.name
RETURN s.name AS service, s.path AS path, collect(d.name) AS depends_on
ORDER BY service, path
