// The row `around` and `governance` return: edges as maps, nodes without their embeddings
// ({{props}}: the properties of node `m` to return).
UNWIND ends AS node
WITH above, below, links, collect(DISTINCT node) AS nodes
RETURN
  [r IN above | {type: type(r), source: startNode(r).id, target: endNode(r).id,
                 props: properties(r)}] AS above,
  [r IN below | {type: type(r), source: startNode(r).id, target: endNode(r).id,
                 props: properties(r)}] AS below,
  [r IN links | {type: type(r), source: startNode(r).id, target: endNode(r).id,
                 props: properties(r)}] AS links,
  [m IN nodes | {id: m.id, labels: labels(m), props: {{props}}}] AS nodes
