// GraphReads.around in one statement. {{above}} and {{below}} bind the CONTAINS walks from the
// start nodes (or empty lists); {{links}} binds the edges found from the inside nodes (the
// starts and everything below them). Returns one row, or none when no start node exists.
UNWIND $ids AS node_id
{{find_node}}
WITH collect(n) AS starts
{{above}}
{{below}}
WITH starts, above, below, starts + [r IN below | endNode(r)] AS inside
{{links}}
WITH starts, above, below, links, above + below + links AS walked
WITH above, below, links,
     starts + [r IN walked | startNode(r)] + [r IN walked | endNode(r)] AS ends
{{result}}
