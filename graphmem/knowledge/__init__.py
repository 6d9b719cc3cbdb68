"""Knowledge teams already keep in files: ADRs and agent rules files, read in and written out.

`sync` reads them into memories on every ingest; `writers` writes memories back out as
AGENTS.md blocks, Claude / Cursor rules and MADR files. See docs/memory.md.
"""
