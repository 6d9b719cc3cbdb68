// The CONTAINS edges on the walks down from `starts`, as `below`.
CALL {
  WITH starts
  UNWIND starts AS n
  MATCH walk = (n)-[:CONTAINS*1..64]->()
  UNWIND relationships(walk) AS r
  RETURN collect(DISTINCT r) AS below
}
