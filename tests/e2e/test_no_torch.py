"""The default install runs every command without torch: the default model is a numpy forward
pass. sentence-transformers (and with it torch) is installed in the dev environment, so an
import of it anywhere on these paths would show up here."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.conftest import git_checkout, run_clean_python

PYREPO = Path(__file__).parents[1] / "fixtures" / "pyrepo"

SCRIPT = textwrap.dedent(
    """
    import contextlib, io, sys
    from graphmem.cli.main import main

    repo = sys.argv[1]
    commands = [
        ["ingest"],
        ["status"],
        ["remember", "decision", "Totals are computed in cents", "--governs", "src/shop/util.py"],
        ["context", "src/shop/util.py"],
        ["impact", "src/shop/util.py"],
        ["search", "totals in cents"],
        ["prompt", "--task", "change how totals are computed", "--files", "src/shop/util.py"],
        ["stale"],
        ["log"],
        ["export", "--format", "markdown"],
        ["review", "--working-tree"],
    ]
    for command in commands:
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["--repo", repo, *command])
        assert code in (0, 8), (command, code)
    heavy = sorted(m for m in ("torch", "sentence_transformers") if m in sys.modules)
    print("heavy:", ",".join(heavy) or "none")
    """
)


def test_no_command_imports_torch(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    git_checkout(PYREPO, root)
    done = run_clean_python(SCRIPT, str(root), home=tmp_path)
    assert done.stdout.strip().splitlines()[-1] == "heavy: none"
