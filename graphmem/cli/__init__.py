"""The `graphmem` command: argument parsing and output only; the work happens in graphmem.api."""
