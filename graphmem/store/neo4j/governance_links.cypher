// Every GOVERNS edge of `memories` as `links`, and the existing entities their anchors name as
// `named`.
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
