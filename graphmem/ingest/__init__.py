"""Tree-sitter ingester: walks a repository and writes its code graph.

`language.py` is the interface each language module implements; `pipeline.py` runs an ingest.
Importing this package is cheap: parsers load only when a language is first used.
"""

#: How many recent commits an ingest records by default (Commit nodes with MODIFIES edges).
DEFAULT_HISTORY = 100
