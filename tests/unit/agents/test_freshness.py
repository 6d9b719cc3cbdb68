"""Freshness: how far the graph lags the working tree, as a value and as one line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from graphmem.agents.freshness import Freshness, freshness_of
from graphmem.api import GraphMem
from graphmem.cli.main import main
from graphmem.ingest.report import IndexStatus

PYREPO = Path(__file__).parents[2] / "fixtures" / "pyrepo"


def test_up_to_date_says_nothing() -> None:
    fresh = Freshness(indexed=True, indexed_commit="a" * 40, head="a" * 40, files_changed=0)
    assert not fresh.behind and fresh.notice() == ""


def test_behind_says_by_how_much_and_what_to_do() -> None:
    status = IndexStatus(
        repo="r", indexed=True, indexed_commit="1234567aaa", head="89abcdefbbb", changed=["a.py"]
    )
    fresh = freshness_of(status)
    assert fresh.behind and fresh.commit_behind and fresh.files_changed == 1
    assert fresh.notice() == (
        "The code graph is behind the working tree (indexed at 1234567, HEAD is 89abcde; "
        "1 source file changed since the last ingest): run `graphmem ingest`, or keep "
        "`graphmem watch` running."
    )
    never = freshness_of(IndexStatus(repo="r", indexed=False))
    assert never.behind and "has not been built yet" in never.notice()


def test_status_carries_freshness(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "shop"
    shutil.copytree(PYREPO, root)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    with GraphMem(repo_root=root) as gm:
        gm.ingest(history=0)
    assert main(["--repo", str(root), "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["freshness"]["behind"] is False
    (root / "src" / "shop" / "util.py").write_text("def log(m):\n    return m\n")
    assert main(["--repo", str(root), "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["freshness"]
    assert data["behind"] is True and data["files_changed"] == 1
    assert main(["--repo", str(root), "status"]) == 0
    assert "behind the working tree" in capsys.readouterr().out
