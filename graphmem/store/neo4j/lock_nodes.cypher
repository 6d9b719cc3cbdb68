// The nodes a conditional batch depends on, write-locked before they are read: a second
// transaction checking the same node waits here until the first one commits, then sees its result.
UNWIND $ids AS node_id
{{find_node}}
SET n.graphmem_lock = true
REMOVE n.graphmem_lock
RETURN n
