#!/usr/bin/env bash
# Every benchmark, one after another: `make bench` runs this with the dev Neo4j started and
# NEO4J_URI set, so each figure is printed for both backends where the benchmark has two.
#
#   BENCH_REPO=/path/to/checkout          a real repository for ingest, queries and review
#   BENCH_RETRIEVAL="/p/flask /p/click /p/requests"   checkouts named in benchmarks/retrieval_cases/
#
# Benchmarks that need a checkout are skipped, with a line saying so, when none is given.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
status=0

run() {
    echo
    echo "== $*"
    "$PY" "$@" || status=1
}

run benchmarks/store.py
run benchmarks/store_calls.py
[[ -n "${NEO4J_URI:-}" ]] && run benchmarks/store_calls.py --backend neo4j
run benchmarks/memory.py
run benchmarks/hooks.py
[[ -n "${NEO4J_URI:-}" ]] && run benchmarks/hooks.py --backend neo4j
run benchmarks/knowledge.py
run benchmarks/trust.py
if [[ -n "${BENCH_REPO:-}" ]]; then
    run benchmarks/ingest.py "$BENCH_REPO"
    run benchmarks/queries.py "$BENCH_REPO" --memories 10000 --runs 100
    run benchmarks/review.py "$BENCH_REPO"
else
    echo; echo "== ingest, queries, review: skipped (set BENCH_REPO to a checkout)"
fi
if [[ -n "${BENCH_RETRIEVAL:-}" ]]; then
    # shellcheck disable=SC2086  # a list of paths
    run benchmarks/retrieval.py $BENCH_RETRIEVAL
else
    echo; echo "== retrieval: skipped (set BENCH_RETRIEVAL to checkouts of flask, click, requests)"
fi
exit $status
