"""Which files get ingested: .gitignore, vendored trees, symlinks and content checks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from graphmem.ingest.file_walk import (
    classify_source,
    gitignore_rules,
    is_ignored,
    licensed_folders,
    vendored_folder,
    walk_repository,
)


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def test_gitignore_patterns() -> None:
    rules = gitignore_rules("", "build/\n*.gen.py\n/top.py\n!keep.gen.py\ndocs/**/*.txt\n")
    assert is_ignored("build", True, rules)
    assert not is_ignored("build", False, rules)  # directory-only pattern
    assert is_ignored("a/b/x.gen.py", False, rules)
    assert not is_ignored("a/keep.gen.py", False, rules)  # negation wins when later
    assert is_ignored("top.py", False, rules)
    assert not is_ignored("sub/top.py", False, rules)  # anchored
    assert is_ignored("docs/a/b/c.txt", False, rules)


def test_nested_gitignore_applies_below_its_folder() -> None:
    rules = gitignore_rules("pkg", "*.tmp.py\n")
    assert is_ignored("pkg/a/x.tmp.py", False, rules)
    assert not is_ignored("other/x.tmp.py", False, rules)


def test_fallback_walker_honours_gitignore_and_skips_vendored(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".gitignore": "build/\n*.gen.py\n",
            "app.py": "",
            "build/out.py": "",
            "x.gen.py": "",
            "node_modules/lib/index.js": "",
            ".venv/lib/site.py": "",
            "pkg/mod.py": "",
        },
    )
    result = walk_repository(tmp_path)
    assert result.files == [".gitignore", "app.py", "pkg/mod.py"]
    assert not result.used_git


def work_tree(root: Path, *added: str) -> None:
    """`root` as a git work tree with `added` staged (skips the test without git)."""
    try:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", *added], check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available")


def test_git_listing_is_used_in_a_work_tree(tmp_path: Path) -> None:
    write(tmp_path, {".gitignore": "ignored.py\n", "a.py": "", "ignored.py": "", "new.py": ""})
    work_tree(tmp_path, "a.py")
    result = walk_repository(tmp_path)
    assert result.used_git
    assert result.files == [".gitignore", "a.py", "new.py"]  # untracked but not ignored: kept


BUNDLED_TREE: dict[str, str | bytes] = {
    "src/lib.cc": "",
    # a release copy of another project: a release-like name and its own license
    "test/googletest-1.16.0/LICENSE": "",
    "test/googletest-1.16.0/googletest/src/gtest.cc": "",
    "libs/zlib-1.3.1/COPYING.txt": "",
    "libs/zlib-1.3.1/inflate.c": "",
    # a fused test framework copy: the framework's own name, no license of its own
    "test/gtest/gtest.h": "",
    "test/catch2/catch.hpp": "",
    # bundled dependencies at the top
    "external/json/json.hpp": "",
    "deps/lua/lapi.c": "",
    "3rdparty/stb/stb_image.h": "",
    # the project's own code, though it looks alike
    "tools/mytool-2.0/main.c": "",  # a version in the name, but no license
    "packages/web/LICENSE": "",  # a monorepo package with its own license
    "packages/web/index.js": "",
    "src/main/java/com/acme/external/Client.java": "",  # a package named external
    "lib/deps/graph.py": "",
    "test/unit/gtest_printer_test.cc": "",
}
OWN_FILES = [
    "lib/deps/graph.py",
    "packages/web/LICENSE",
    "packages/web/index.js",
    "src/lib.cc",
    "src/main/java/com/acme/external/Client.java",
    "test/unit/gtest_printer_test.cc",
    "tools/mytool-2.0/main.c",
]


def test_bundled_copies_of_other_projects_are_vendored(tmp_path: Path) -> None:
    write(tmp_path, BUNDLED_TREE)
    assert walk_repository(tmp_path).files == OWN_FILES


def test_bundled_copies_are_vendored_in_a_work_tree_too(tmp_path: Path) -> None:
    write(tmp_path, BUNDLED_TREE)
    work_tree(tmp_path, ".")
    result = walk_repository(tmp_path)
    assert result.used_git
    assert result.files == OWN_FILES
    vendored = sorted(path for path, reason in result.skipped if reason == "vendored")
    assert vendored == sorted(set(BUNDLED_TREE) - set(OWN_FILES))


def test_vendored_folder_names_the_folder() -> None:
    licensed = licensed_folders(["third/zlib-1.3.1/LICENSE", "pkg/LICENSE.md"])
    assert licensed == {"third/zlib-1.3.1", "pkg"}
    assert vendored_folder("third/zlib-1.3.1/src/inflate.c", licensed) == "third/zlib-1.3.1"
    assert vendored_folder("a/node_modules/x/index.js") == "a/node_modules"
    assert vendored_folder("test/googletest-1.16.0/x.cc") == "test/googletest-1.16.0"
    assert vendored_folder("external/x.h") == "external"
    assert vendored_folder("src/external/x.h") is None
    assert vendored_folder("pkg/mod.py", licensed) is None
    assert vendored_folder("gtest_main.cc") is None  # a file is not a folder


def test_symlink_loops_are_not_followed(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/mod.py": "x = 1\n"})
    os.symlink(tmp_path, tmp_path / "pkg" / "loop")
    os.symlink(tmp_path / "pkg" / "mod.py", tmp_path / "alias.py")
    result = walk_repository(tmp_path)
    assert result.files == ["pkg/mod.py"]


def test_content_checks() -> None:
    assert classify_source("a.py", b"x = 1\n") is None
    assert classify_source("a.py", b"x = 1\0\0") == "binary"
    assert classify_source("a.py", b"# Generated by the protocol buffer compiler.  DO NOT EDIT!\n")
    # a generated Go file is part of its package (fiber's Ctx interface, testify's wrappers)
    generated_go = b"// Code generated by ifacemaker; DO NOT EDIT.\n\npackage fiber\n"
    assert classify_source("ctx_interface_gen.go", generated_go) is None
    assert classify_source("big_gen.go", generated_go * 10, max_bytes=20) == "too_large"
    assert classify_source("a.min.js", b"var a=1;") == "minified"
    assert classify_source("a.js", b"var a=1;" * 2000) == "minified"  # one very long line
    assert classify_source("dist/esm/axios.js", b"class Axios {}\n") == "generated"  # a build
    assert classify_source("packages/ui/dist/index.d.ts", b"export {};\n") == "generated"
    assert classify_source("src/dist.js", b"class Axios {}\n") is None
    assert classify_source("dist/setup.py", b"x = 1\n") is None
    assert classify_source("a.py", b"x = 1\n" * 10, max_bytes=20) == "too_large"
