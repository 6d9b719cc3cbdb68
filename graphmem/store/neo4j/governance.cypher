// GraphReads.governance in one statement. {{above}} and {{below}} bind the CONTAINS walks from
// the start nodes (or empty lists); {{orphans}} the repository's orphaned memories (or an empty
// list). Returns one row, or none when nothing was found.
UNWIND $ids AS node_id
{{find_node}}
WITH collect(n) AS starts
{{above}}
{{below}}
CALL {
  UNWIND $near AS node_id
  {{find_node}}
  RETURN collect(n) AS near
}
WITH above, below,
     starts + near + [r IN above | startNode(r)] + [r IN below | endNode(r)] AS tree
CALL {
  WITH tree
  UNWIND tree AS anchor
  MATCH (m)-[:GOVERNS]->(anchor)
  RETURN collect(DISTINCT m) AS governing
}
{{orphans}}
WITH above, below, tree, governing + orphans AS memories
CALL {
  WITH memories
  UNWIND memories AS m
  WITH DISTINCT m
  MATCH (m)-[g:GOVERNS]->()
  RETURN collect(g) AS links
}
CALL {
  WITH memories
  UNWIND memories AS m
  UNWIND coalesce(m.anchor_ids, []) AS anchor_id
  MATCH (named{{entity}} {id: anchor_id})
  RETURN collect(DISTINCT named) AS named
}
WITH above, below, links,
     tree + memories + named + [r IN links | endNode(r)] AS ends
{{result}}
