"""The language registry knows file endings without importing the language modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from graphmem.ingest import language
from graphmem.ingest.language import language_for, language_named, languages

LANGUAGE_MODULES = sorted({entry.module for entry in language._LANGUAGE_MODULES})


def test_registry_endings_match_each_support_class() -> None:
    supports = languages()
    for entry in language._LANGUAGE_MODULES:
        support = supports[entry.name]
        assert support.name == entry.name
        assert tuple(support.extensions) == entry.extensions
        assert type(support).__name__ == entry.class_name


def test_language_for_picks_the_longest_ending() -> None:
    cases = {
        "pkg/mod.py": "python",
        "stubs/mod.pyi": "python",
        "web/types.d.ts": "typescript",
        "web/app.tsx": "typescript",
        "web/app.mjs": "javascript",
        "cmd/main.go": "go",
        "src/lib.rs": "rust",
        "include/util.h": "c",
        "src/util.hpp": "cpp",
    }
    found = {path: getattr(language_for(path), "name", None) for path in cases}
    assert found == cases
    assert language_for("README.md") is None
    assert language_for("Makefile") is None
    assert language_named("python") is language_for("a.py")
    assert language_named("cobol") is None


def _modules_loaded_after(code: str, tmp_path: Path) -> set[str]:
    script = tmp_path / "probe.py"
    script.write_text(code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_finding_source_files_imports_no_language_module(tmp_path: Path) -> None:
    loaded = _modules_loaded_after(
        "from graphmem.ingest.language import language_for\n"
        "assert all(language_for(p) is None for p in ('a.txt', 'b.md', 'Makefile'))\n",
        tmp_path,
    )
    assert loaded.isdisjoint(LANGUAGE_MODULES)
    assert "tree_sitter" not in loaded


def test_telling_source_files_by_their_ending_imports_no_language_module(tmp_path: Path) -> None:
    loaded = _modules_loaded_after(
        "from graphmem.ingest.language import is_source\n"
        "assert all(is_source(p) for p in ('a.py', 'web/types.d.ts', 'app.js', 'x.cc'))\n"
        "assert not any(is_source(p) for p in ('a.txt', 'b.md', 'Makefile'))\n",
        tmp_path,
    )
    assert loaded.isdisjoint(LANGUAGE_MODULES)


def test_a_python_file_imports_only_the_python_support(tmp_path: Path) -> None:
    loaded = _modules_loaded_after(
        "from graphmem.ingest.language import language_for\n"
        "assert language_for('pkg/mod.py').name == 'python'\n",
        tmp_path,
    )
    assert "graphmem.ingest.python" in loaded
    assert loaded.isdisjoint(set(LANGUAGE_MODULES) - {"graphmem.ingest.python"})
