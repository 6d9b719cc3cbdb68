#!/usr/bin/env bash
# Demo: graphmem on its own source. Builds the code graph in a temporary store, records two
# memories, and asks what an agent would ask before changing the store code.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
graphmem="$here/.venv/bin/graphmem"
if [[ ! -x "$graphmem" ]]; then
  echo "demo: $graphmem is missing; run 'make install' first" >&2
  exit 1
fi

workdir="$(mktemp -d "${TMPDIR:-/tmp}/graphmem-demo.XXXXXX")"
trap 'rm -rf "$workdir"' EXIT
export GRAPHMEM_STORE="$workdir/graph.db"
cd "$here"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$graphmem" ingest
step "$graphmem" status
step "$graphmem" remember decision "Each GraphStore.write call is one transaction: changes that must land together go in one WriteBatch" \
  --governs graphmem/store/ --rationale "atomicity is stated once, for every backend" --source README.md
step "$graphmem" remember constraint "Labels and relationship types come only from the Label and RelType enums, never from user text" \
  --governs graphmem/model/graph.py
step "$graphmem" context graphmem/store/embedded/store.py
step "$graphmem" impact graphmem.settings.find_repo_root --depth 2
step "$graphmem" search "is a write atomic?"
step "$graphmem" query --list
