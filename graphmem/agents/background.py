"""Work a hook hands off so that it can answer at once, or so that it is never cut off.

- A retrieval receipt goes through `GraphMem.record_receipt`, which redacts its query with the
  full secret detector; loading that detector costs more than a hook's whole latency budget.
- The session briefing says how many memories are possibly stale or orphaned; counting them
  means reading every memory's anchors, seconds on a large store.
- The re-ingest after an edit may outlast the hook's deadline on a large repository; killed
  with the hook, it would be redone from the start by the next one.

So the hook starts a detached child (`python -m graphmem.agents.background`, the job as JSON on
stdin) and exits (for the ingest it waits, up to its deadline); the agent never waits for the
child. Review counts land in the session ledger and the next briefing shows them; the
staleness notice of an edit lands there too, for the session's next hook when this one ran
out of time. A job that fails leaves one line in .graphmem/hooks.log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphmem.api import GraphMem

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


def ingest_now(
    repo_root: Path,
    started: Callable[[], None] | None = None,
    notice: dict[str, Any] | None = None,
) -> None:
    """Re-ingest incrementally in a detached child, and wait for it (a hook that runs out of
    time leaves; the child carries on, so an ingest is never cut off half-way).

    `notice` ({"session", "paths"}: see hook._after_edit): the child reads what governs the
    paths before the ingest and after it, and leaves the staleness notice for that session in
    the ledger, where this hook takes it if it is still waiting, and the session's next hook
    does if not."""
    child = _start({"job": "ingest", "repo_root": str(repo_root), "notice": notice})
    if started is not None:
        started()
    child.wait()


def ingest_later(repo_root: Path, notice: dict[str, Any] | None = None) -> None:
    """Re-ingest incrementally in a detached child, without waiting (`notice`: as for
    ingest_now)."""
    _start({"job": "ingest", "repo_root": str(repo_root), "notice": notice})


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
                _ingest(gm, root, job.get("notice"))
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


def notice_key(session: str) -> str:
    return f"after_edit:{session}"


def _ingest(gm: GraphMem, root: Path, notice: dict[str, Any] | None) -> None:
    """The re-ingest after an edit, and the notice of what it made stale (see ingest_now)."""
    from graphmem.agents.hook import staleness_notices, staleness_states
    from graphmem.agents.session_state import SessionLedger
    from graphmem.settings import DEFAULT_STORE_DIR

    if not notice or not notice["paths"]:
        gm.ingest(history=0)
        return
    before = staleness_states(gm, notice["paths"])
    gm.ingest(history=0)
    text = staleness_notices(gm, notice["paths"], before)
    if not text:
        return
    ledger = SessionLedger(root / DEFAULT_STORE_DIR, busy_timeout=10)
    try:
        key = notice_key(notice["session"])
        earlier = ledger.take_note(key)  # an edit whose notice nobody has taken yet
        ledger.set_note(key, f"{earlier}\n\n{text}" if earlier else text)
    finally:
        ledger.close()


if __name__ == "__main__":
    sys.exit(main())
