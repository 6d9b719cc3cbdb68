// name: stale-memories
// description: Active memories whose code changed since they were anchored to it (possibly stale) or vanished (orphaned): review, re-anchor, acknowledge or supersede them.
MATCH (m:Memory)
WHERE m.status = "active" AND m.repo = $repo
OPTIONAL MATCH (m)-[g:GOVERNS]->(c:CodeEntity)
WITH m,
     collect(c.id) AS live,
     collect(CASE WHEN g.content_hash <> "" AND c.content_hash <> ""
                   AND g.content_hash <> c.content_hash THEN c.id END) AS changed
WITH m, size(changed) > 0 AS possibly_stale,
     size([a IN coalesce(m.anchor_ids, []) WHERE NOT a IN live]) > 0 AS orphaned
WHERE possibly_stale OR orphaned
RETURN m.id AS id, m.kind AS kind, m.text AS text, orphaned, possibly_stale
ORDER BY id
