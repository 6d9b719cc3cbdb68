"""Retrieval receipts for hook injections, written after the hook has answered.

A receipt goes through `GraphMem.record_receipt`, which redacts its query with the full secret
detector; loading that detector costs more than a hook's whole latency budget. So the hook hands
the receipt to a detached child process (`python -m graphmem.agents.receipts`, the receipt as
JSON on stdin) and exits; the agent does not wait for it. A receipt the child cannot write
(the store busy past its timeout, say) leaves one line in .graphmem/hooks.log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def record_later(repo_root: Path, operation: str, query: str, memory_ids: Sequence[str]) -> None:
    """Start the detached writer of one receipt (same environment, so the same store)."""
    receipt = {
        "repo_root": str(repo_root),
        "operation": operation,
        "query": query,
        "memory_ids": list(memory_ids),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "graphmem.agents.receipts"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=dict(os.environ),
    )
    assert child.stdin is not None
    child.stdin.write(json.dumps(receipt).encode())
    child.stdin.close()


def main() -> int:
    from graphmem.agents.hook import log_failure
    from graphmem.api import GraphMem
    from graphmem.settings import Settings

    receipt = json.loads(sys.stdin.read())
    root = Path(receipt["repo_root"])
    try:
        with GraphMem(Settings.from_env(), repo_root=root) as gm:
            gm.record_receipt(receipt["operation"], receipt["query"], receipt["memory_ids"])
    except Exception as error:  # noqa: BLE001 - nobody is left to tell but the log
        log_failure(root, "receipt", None, error, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
