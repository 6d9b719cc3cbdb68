// A repository's memories that are not purged, counted, and those that may need a look
// (memories_to_review in store/base.py): flagged orphaned, without an anchor list, with an
// anchor that has no GOVERNS edge, or with an edge that records another content hash than its
// target's. {{property}} is the embedding, left out.
MATCH (m{{memory}} {repo: $repo})
WHERE coalesce(m.status, '') <> 'purged'
WITH m, m.anchor_ids AS named,
     [(m)-[g:GOVERNS]->(t) | [t.id, coalesce(g.content_hash, '') = coalesce(t.content_hash, '')]]
       AS live
WITH m, coalesce(m.orphaned, false) = true OR named IS NULL OR size(named) = 0
        OR any(a IN named WHERE NOT a IN [x IN live | x[0]]) OR any(x IN live WHERE NOT x[1])
        AS review
ORDER BY m.id
RETURN count(m) AS total,
       collect(CASE WHEN review THEN {id: m.id, labels: labels(m), props: m {.*, {{property}}: null}} END)
         AS flagged
