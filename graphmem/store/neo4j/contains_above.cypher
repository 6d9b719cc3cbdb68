// The CONTAINS edges on the walks up from `starts`, as `above`.
CALL {
  WITH starts
  UNWIND starts AS n
  MATCH walk = (n)<-[:CONTAINS*1..64]-()
  UNWIND relationships(walk) AS r
  RETURN collect(DISTINCT r) AS above
}
