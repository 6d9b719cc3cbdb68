// The repository's memories flagged orphaned, as `orphans`.
CALL {
  MATCH (m{{memory}} {repo: $repo, orphaned: true})
  RETURN collect(m) AS orphans
}
