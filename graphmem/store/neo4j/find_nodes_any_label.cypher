// find_nodes without a label: {{branches}} is one `MATCH (n:Base) WHERE ... RETURN n` per base
// label joined by UNION ALL, so each branch seeks its own indexes, in one round trip.
CALL {
  {{branches}}
}
RETURN {{columns}}
ORDER BY n.id
{{limit}}
