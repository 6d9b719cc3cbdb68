// name: impact
// description: Code that calls, imports or subclasses the named entity within 3 hops (the `impact` command also follows what the entity contains and separates heuristic calls).
// param: name string required - qualified name of a function, method, class or module, e.g. billing.invoices.send
MATCH (d:CodeEntity)-[:CALLS|IMPORTS|INHERITS*1..3]->(t:CodeEntity {qualified_name: $name})
WHERE t.repo = $repo AND d.id <> t.id
RETURN DISTINCT d.qualified_name AS dependent, d.kind AS kind, d.path AS path
ORDER BY path, dependent
