"""The code lines of `context` as a reader sees them: real callers first, a sample of the
tests, and a Go package named once however many files it has."""

from __future__ import annotations

from pathlib import Path

from graphmem.api import GraphMem
from graphmem.queries.context import render_context
from graphmem.settings import Settings


def context_text(root: Path, store: Path, target: str) -> str:
    with GraphMem(Settings(store=str(store)), repo_root=root) as gm:
        gm.ingest()
        return render_context(gm.context(target))


def test_tests_are_sampled_even_when_production_callers_fill_the_list(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    callers = "".join(f"def use_{i:02}():\n    return target()\n\n\n" for i in range(25))
    tests = "".join(f"def test_{i}():\n    assert target() == 1\n\n\n" for i in range(4))
    (root / "lib.py").write_text("def target():\n    return 1\n\n\n" + callers)
    (root / "test_lib.py").write_text("from lib import target\n\n\n" + tests)
    text = context_text(root, tmp_path / "g.db", "lib.target")
    called_by = next(line for line in text.splitlines() if "called by" in line)
    assert "lib.use_00" in called_by
    assert called_by.endswith("4 tests (test_0, test_1, test_2, ...)")


def test_a_go_package_imported_is_named_once_with_its_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/m\n\ngo 1.22\n")
    for name in ("a", "b", "c"):
        (root / "pkg" / f"{name}.go").write_text(f"package pkg\n\nfunc {name.upper()}() {{}}\n")
    (root / "main.go").write_text(
        'package main\n\nimport "example.com/m/pkg"\n\nfunc main() {\n\tpkg.A()\n}\n'
    )
    text = context_text(root, tmp_path / "g.db", "main.go")
    assert "  imports example.com/m/pkg (3 files)" in text.splitlines()


def test_a_java_file_imported_is_named_by_its_path_not_its_package(tmp_path: Path) -> None:
    """javapoet: `imports com.squareup.javapoet` read as if CodeWriter imported itself."""
    root = tmp_path / "repo"
    src = root / "src" / "main" / "java" / "com" / "acme"
    src.mkdir(parents=True)
    (src / "Util.java").write_text(
        'package com.acme;\n\nfinal class Util {\n  static String join() { return ""; }\n}\n'
    )
    (src / "Writer.java").write_text(
        "package com.acme;\n\nimport static com.acme.Util.join;\n\n"
        "final class Writer {\n  String emit() { return join(); }\n}\n"
    )
    text = context_text(root, tmp_path / "g.db", "src/main/java/com/acme/Writer.java")
    assert "  imports src/main/java/com/acme/Util.java" in text.splitlines()
