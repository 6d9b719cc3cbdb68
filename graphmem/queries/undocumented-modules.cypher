// name: undocumented-modules
// description: Modules no active memory governs: none on the module, on anything in it, or on a directory above it (repository-wide memories do not count).
MATCH (m:Module)
WHERE m.repo = $repo
  AND NOT EXISTS {
        MATCH (mem:Memory)-[:GOVERNS]->(x:CodeEntity)-[:CONTAINS*0..]->(m)
        WHERE mem.status = "active" AND NOT x:Repository
      }
  AND NOT EXISTS {
        MATCH (m)-[:CONTAINS*0..]->(y:CodeEntity)<-[:GOVERNS]-(mem:Memory)
        WHERE mem.status = "active"
      }
RETURN m.path AS path, m.qualified_name AS module
ORDER BY path
