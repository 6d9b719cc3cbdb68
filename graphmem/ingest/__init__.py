"""Tree-sitter ingester: walks a repository and writes its code graph.

`pipeline.py` runs an ingest in typed phases (diff, parse, resolve, plan, write) over:
`file_walk.py` (which files), `language.py` (the interface each language module implements),
`file_index.py` (what a run remembers for the next), `entities.py` (ids, nodes, CONTAINS),
`services.py` and `history.py` (manifests and commits), and `git.py` (every git call).
`status.py` compares the index with the work tree without ingesting. Importing this package is
cheap: parsers load only when a language is first used.
"""

#: How many recent commits an ingest records by default (Commit nodes with MODIFIES edges).
DEFAULT_HISTORY = 100
