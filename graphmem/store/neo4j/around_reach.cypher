// Every node fewer than the walk's depth hops from `x` (x included), as `z`.
OPTIONAL MATCH (x){{near}}[{{types}}*1..{{hops}}]{{far}}(y)
WITH collect(DISTINCT x) + collect(DISTINCT y) AS reached
UNWIND reached AS z
WITH DISTINCT z
