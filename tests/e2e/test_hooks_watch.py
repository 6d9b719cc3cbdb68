"""`graphmem watch` in a real process: a change is ingested, .gitignore is honoured, and Ctrl-C
(SIGINT) stops it cleanly."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from graphmem.api import GraphMem
from tests.conftest import git_checkout

CHECKOUT = Path(__file__).resolve().parents[2]
GRAPHMEM = Path(sys.executable).with_name("graphmem")


def lines_of(stream: object) -> queue.Queue[str]:
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            found.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return found


def wait_for(lines: queue.Queue[str], text: str, timeout: float = 60) -> str:
    while True:
        line = lines.get(timeout=timeout)
        if text in line:
            return line


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_watch_ingests_changes_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    git_checkout(CHECKOUT / "tests" / "fixtures" / "pyrepo", root)
    (root / ".gitignore").write_text("build/\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(CHECKOUT)}
    env.pop("GRAPHMEM_STORE", None)
    subprocess.run([str(GRAPHMEM), "ingest"], cwd=root, env=env, check=True, capture_output=True)

    watcher = subprocess.Popen(
        [str(GRAPHMEM), "watch", "--debounce", "200"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as at a terminal: a suite started in the background (`make test &`) has SIGINT
        # ignored, which its children inherit, and Python then installs no handler for it.
        preexec_fn=_default_sigint,
    )
    try:
        lines = lines_of(watcher.stdout)
        wait_for(lines, "watching")
        (root / "build").mkdir()
        (root / "build" / "generated.py").write_text("def generated():\n    return 1\n")
        util = root / "src" / "shop" / "util.py"
        util.write_text(util.read_text() + "\n\ndef added_by_watch() -> int:\n    return 1\n")
        line = wait_for(lines, "ingested")
        assert "src/shop/util.py" in line and "build/" not in line
        watcher.send_signal(signal.SIGINT)
        code = watcher.wait(timeout=30)
        assert "stopped" in wait_for(lines, "stopped", timeout=5)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert code == 0
    err = watcher.stderr.read() if watcher.stderr else ""
    assert "Traceback" not in err
    with GraphMem(repo_root=root) as gm:
        names = {
            n.get("qualified_name")
            for n in gm.store.find_nodes(None, {"repo": gm.repo, "path": "src/shop/util.py"})
        }
        assert "shop.util.added_by_watch" in names
        assert not gm.store.find_nodes(None, {"repo": gm.repo, "path": "build/generated.py"})
