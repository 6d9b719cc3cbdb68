// GraphReads.governance in one statement. {{above}} and {{below}} bind the CONTAINS walks from
// the start nodes (or empty lists); {{orphans}} the repository's orphaned memories (or an empty
// list); {{links}} binds every GOVERNS edge of the memories and the entities their anchors
// name (for a brief read, the edges found and no entities). Returns one row, or none
// when nothing was found.
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
  WITH DISTINCT anchor
  MATCH (m)-[g:GOVERNS]->(anchor)
  RETURN collect(DISTINCT m) AS governing, collect(g) AS direct
}
{{orphans}}
WITH above, below, tree, direct, governing + orphans AS memories
{{links}}
WITH above, below, links,
     tree + memories + named + [r IN links | endNode(r)] AS ends
{{result}}
