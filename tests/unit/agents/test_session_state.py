"""The per-session ledger: each memory once per session, caps held, even when hook processes
race for the same session."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from graphmem.agents.budget import Block
from graphmem.agents.session_state import SessionLedger


def blocks(*sizes: int) -> list[Block]:
    return [Block(f"m-{i}", f"memory {i}", size) for i, size in enumerate(sizes)]


def test_a_memory_is_claimed_once_per_session(tmp_path: Path) -> None:
    ledger = SessionLedger(tmp_path)
    first, left = ledger.claim("s1", blocks(10, 10), 600, 6000)
    assert [b.key for b in first] == ["m-0", "m-1"] and left == 0
    again, _ = ledger.claim("s1", blocks(10, 10), 600, 6000)
    assert again == []
    other, _ = ledger.claim("s2", blocks(10, 10), 600, 6000)
    assert len(other) == 2


def test_both_caps_hold_and_what_did_not_fit_is_counted(tmp_path: Path) -> None:
    ledger = SessionLedger(tmp_path)
    claimed, left = ledger.claim("s", blocks(40, 40, 40), 100, 1000, overhead=15)
    assert [b.key for b in claimed] == ["m-0", "m-1"] and left == 1
    assert ledger.spent("s") == 95
    # Order is kept: nothing after a block that did not fit jumps the queue.
    claimed, left = ledger.claim("t", blocks(10, 500, 10), 100, 1000)
    assert [b.key for b in claimed] == ["m-0"] and left == 2
    claimed, _ = ledger.claim("s", [Block("m-9", "x", 30)], 100, 120)
    assert claimed == []  # 95 spent + 30 > 120


def test_a_released_claim_can_be_made_again(tmp_path: Path) -> None:
    ledger = SessionLedger(tmp_path)
    ledger.claim("s", blocks(5), 100, 100)
    ledger.release("s", ["m-0"])
    assert [b.key for b in ledger.claim("s", blocks(5), 100, 100)[0]] == ["m-0"]


def _claim(state_dir: str, queue: multiprocessing.Queue[list[str]]) -> None:
    ledger = SessionLedger(Path(state_dir), busy_timeout=30)
    claimed, _ = ledger.claim("race", blocks(*[1] * 20), 600, 6000)
    queue.put([b.key for b in claimed])


def test_racing_processes_never_inject_a_memory_twice(tmp_path: Path) -> None:
    SessionLedger(tmp_path).close()
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[str]] = context.Queue()
    workers = [context.Process(target=_claim, args=(str(tmp_path), queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    claimed = [key for result in results for key in result]
    assert sorted(claimed) == sorted(f"m-{i}" for i in range(20))
