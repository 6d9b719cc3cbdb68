// name: failure-history
// description: Failures recorded against a module or anything in it, newest first, including superseded and retracted ones.
// param: path string required - repository-relative path of the module, e.g. src/billing/invoices.py
MATCH (f:Failure)-[:GOVERNS]->(c:CodeEntity)
WHERE c.path = $path AND c.repo = $repo
RETURN DISTINCT f.id AS id, f.status AS status, f.text AS text, f.symptom AS symptom,
       f.cause AS cause, f.fix AS fix, f.created_at AS created_at
ORDER BY created_at DESC, id
