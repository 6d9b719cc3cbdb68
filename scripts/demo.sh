#!/usr/bin/env bash
# Demo: build the code graph of this repository in a temporary store, then show what it holds.
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

echo "== graphmem ingest $here"
"$graphmem" --repo "$here" ingest "$here"
echo
echo "== graphmem status"
"$graphmem" --repo "$here" status
echo
echo "== re-ingest (nothing changed: nothing is parsed again)"
"$graphmem" --repo "$here" ingest "$here"
