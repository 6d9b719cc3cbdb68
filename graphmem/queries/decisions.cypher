// name: decisions
// description: Active decisions about a module: on the module, on anything in it, or on a directory above it.
// param: path string required - repository-relative path of the module, e.g. src/billing/invoices.py
MATCH (m:Decision)-[:GOVERNS]->(c:CodeEntity)
WHERE m.status = "active" AND c.repo = $repo AND (c.path = $path OR $path STARTS WITH (c.path + "/"))
RETURN m.id AS id, m.text AS text, c.qualified_name AS governs, c.kind AS governs_kind,
       m.created_at AS created_at
ORDER BY created_at, id
