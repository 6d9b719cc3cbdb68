// An index of graphmem's own made with another configuration, dropped to be made again.
DROP INDEX {{name}} IF EXISTS
