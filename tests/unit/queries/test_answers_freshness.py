"""Every answer of the CLI says when the graph is behind the working tree."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from graphmem.api import GraphMem
from graphmem.cli.main import main

PYREPO = Path(__file__).parents[2] / "fixtures" / "pyrepo"


@pytest.mark.parametrize(
    "command",
    [
        ["context", "src/shop/util.py"],
        ["impact", "src/shop/util.py"],
        ["search", "logging"],
        ["prompt", "--task", "change logging", "--files", "src/shop/util.py"],
    ],
)
def test_answers_carry_freshness(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "shop"
    shutil.copytree(PYREPO, root)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    with GraphMem(repo_root=root) as gm:
        gm.ingest(history=0)
    base = ["--repo", str(root), *command]
    assert main([*base, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["freshness"]["behind"] is False
    assert main(base) == 0
    assert "behind the working tree" not in capsys.readouterr().err

    (root / "src" / "shop" / "util.py").write_text("def log(m):\n    return m\n")
    assert main([*base, "--json"]) == 0
    fresh = json.loads(capsys.readouterr().out)["freshness"]
    assert fresh["behind"] is True and fresh["files_changed"] == 1
    assert main(base) == 0
    err = capsys.readouterr().err
    assert "1 source file changed since the last ingest" in err and "graphmem ingest" in err
