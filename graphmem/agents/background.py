"""Work a hook hands off so that it can answer at once, or so that it is never cut off.

- A retrieval receipt goes through `GraphMem.record_receipt`, which redacts its query with the
  full secret detector; loading that detector costs more than a hook's whole latency budget.
- The session briefing says how many memories are possibly stale or orphaned; counting them
  means reading every memory's anchors, seconds on a large store.
- The re-ingest after an edit may outlast the hook's deadline on a large repository; killed
  with the hook, it would be redone from the start by the next one.

So the hook starts a detached child (`python -m graphmem.agents.background`, the job as JSON on
stdin) and exits (for the ingest it waits, up to its deadline); the agent never waits for the
child. Review counts land in the session ledger and the next briefing shows them. A job that
fails leaves one line in .graphmem/hooks.log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: Review counts younger than this are shown as they are; older ones are recounted.
REVIEW_COUNTS_MAX_AGE = 600.0
REVIEW_COUNTS_KEY = "review_counts"


def record_later(repo_root: Path, operation: str, query: str, memory_ids: Sequence[str]) -> None:
    """Record one retrieval receipt after the hook has answered."""
    _start(
        {
            "job": "receipt",
            "repo_root": str(repo_root),
            "operation": operation,
            "query": query,
            "memory_ids": list(memory_ids),
        }
    )


def count_later(repo_root: Path) -> None:
    """Recount possibly stale and orphaned memories into the session ledger."""
    _start({"job": "review_counts", "repo_root": str(repo_root)})


def ingest_now(repo_root: Path, started: Callable[[], None] | None = None) -> None:
    """Re-ingest incrementally in a detached child, and wait for it (a hook that runs out of
    time leaves; the child carries on, so an ingest is never cut off half-way)."""
    child = _start({"job": "ingest", "repo_root": str(repo_root)})
    if started is not None:
        started()
    child.wait()


def ingest_later(repo_root: Path) -> None:
    """Re-ingest incrementally in a detached child, without waiting."""
    _start({"job": "ingest", "repo_root": str(repo_root)})


def _start(job: dict[str, Any]) -> subprocess.Popen[bytes]:
    # -P: the hook runs in the user's repository, whose own `graphmem/` folder (graphmem's
    # source, or a package of that name) `-m` would otherwise import instead of this one.
    child = subprocess.Popen(
        [sys.executable, "-P", "-m", "graphmem.agents.background"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=dict(os.environ),
    )
    assert child.stdin is not None
    child.stdin.write(json.dumps(job).encode())
    child.stdin.close()
    return child


def main() -> int:
    from graphmem.agents.hook import check_store, log_failure
    from graphmem.agents.session_state import SessionLedger
    from graphmem.api import GraphMem
    from graphmem.settings import DEFAULT_STORE_DIR, Settings

    job = json.loads(sys.stdin.read())
    root = Path(job["repo_root"])
    try:
        settings = Settings.from_env()
        check_store(settings, root)
        with GraphMem(settings, repo_root=root) as gm:
            if job["job"] == "ingest":
                gm.ingest(history=0)
            elif job["job"] == "receipt":
                gm.record_receipt(job["operation"], job["query"], job["memory_ids"])
            elif job["job"] == "review_counts":
                repository = gm.resolve_target(".")
                served = gm.governing_many([repository.id], down=True)
                counts = {
                    "stale": sum(
                        1 for m in served if m.staleness.possibly_stale and not m.staleness.orphaned
                    ),
                    "orphaned": sum(1 for m in served if m.staleness.orphaned),
                    "at": time.time(),
                }
                ledger = SessionLedger(root / DEFAULT_STORE_DIR, busy_timeout=10)
                try:
                    ledger.set_note(REVIEW_COUNTS_KEY, json.dumps(counts))
                finally:
                    ledger.close()
    except Exception as error:  # noqa: BLE001 - nobody is left to tell but the log
        log_failure(root, "background", None, error, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
