"""Knowledge that governs code: remember, supersede, retract, revert, purge; scope, conflicts,
staleness, redaction and the audit trail.

The functions here take a store and a repository name and do one thing each; `graphmem.api`
wires them to settings. Shared with other packages:

- `graphmem.memory.targets.resolve_target`: a TARGET string to a code entity node.
- `graphmem.memory.governance.governing`: the memories that apply to a set of entities, and how.
- `graphmem.memory.staleness.refresh_anchors`: run it after every ingest.
- `graphmem.memory.audit.record_receipt`: record what a retrieval returned.

Nothing here imports torch: `remember` takes an embedder, and detect-secrets is imported only
when something is redacted for storage.
"""
