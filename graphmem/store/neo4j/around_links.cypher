// The edges of {{types}} leaving ({{near}}...{{far}}) every node less than {{depth}} hops from
// the `inside` nodes, as `links`. {{reach}} adds the nodes at 1 to depth - 1 hops, or nothing.
CALL {
  WITH inside
  UNWIND inside AS x
  WITH DISTINCT x
  {{reach}}
  MATCH (z){{near}}[r{{types}}]{{far}}()
  RETURN collect(DISTINCT r) AS links
}
