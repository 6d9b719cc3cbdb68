"""Reading a diff from git: revisions, changed files and changed lines, on real repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from graphmem.errors import UsageError
from graphmem.review.diff import HeadMode, changed_files, read_new, read_old, resolve_range
from tests.unit.review.review_repo import build_shop_repo, git, write


def test_a_commit_range_lists_each_file_with_its_status_and_lines(tmp_path: Path) -> None:
    repo = build_shop_repo(tmp_path)
    rng = resolve_range(repo.root, repo.base, repo.head)
    assert (rng.base_sha, rng.head_sha, rng.mode) == (repo.base, repo.head, HeadMode.COMMIT)
    files = {c.path: c for c in changed_files(repo.root, rng)}
    assert {p: c.status for p, c in files.items()} == {
        "assets/logo.png": "added",
        "docker-compose.yml": "modified",
        "shop/orders.py": "modified",
        "shop/payments.py": "modified",
        "vendor/lib.py": "added",
    }
    assert files["assets/logo.png"].binary
    payments = files["shop/payments.py"]
    # refund gained two lines (9-10 new); old_name/legacy (old 13-20) became double (new 15-17)
    assert (9, 10) in payments.new_lines
    assert any(start <= 18 <= end for start, end in payments.old_lines)
    assert read_old(repo.root, rng, "shop/payments.py") != read_new(
        repo.root, rng, "shop/payments.py"
    )
    assert read_new(repo.root, rng, "shop/api.py") == read_old(repo.root, rng, "shop/api.py")


def test_the_default_base_is_the_merge_base_with_the_default_branch(tmp_path: Path) -> None:
    repo = build_shop_repo(tmp_path)
    git(repo.root, "checkout", "-q", "feature")
    write(repo.root, {"shop/api.py": "def handle(request):\n    return None\n"})
    rng = resolve_range(repo.root)
    assert rng.base_sha == repo.base and rng.mode is HeadMode.WORKING_TREE
    assert rng.base == "merge-base(main)"
    paths = [c.path for c in changed_files(repo.root, rng)]
    assert "shop/api.py" in paths and "shop/payments.py" in paths  # committed and uncommitted


def test_ranges_read_as_git_diff_reads_them(tmp_path: Path) -> None:
    repo = build_shop_repo(tmp_path)
    two_dots = resolve_range(repo.root, "main..feature")
    assert (two_dots.base, two_dots.base_sha) == ("main", repo.base)
    assert (two_dots.head, two_dots.head_sha, two_dots.mode) == (
        "feature",
        repo.head,
        HeadMode.COMMIT,
    )
    # main moves on after feature left it: three dots still compare from where feature began
    write(repo.root, {"shop/api.py": "def handle(request):\n    return 1\n"})
    git(repo.root, "commit", "-qam", "main moves on")
    three_dots = resolve_range(repo.root, "main...feature")
    assert (three_dots.base, three_dots.base_sha, three_dots.head_sha) == (
        "merge-base(main)",
        repo.base,
        repo.head,
    )
    assert "shop/api.py" not in [c.path for c in changed_files(repo.root, three_dots)]
    assert "shop/api.py" in [
        c.path for c in changed_files(repo.root, resolve_range(repo.root, "feature..main"))
    ]
    git(repo.root, "checkout", "-q", "feature")
    assert resolve_range(repo.root, "main..").head_sha == repo.head  # an empty side is HEAD
    with pytest.raises(UsageError, match="already names both sides"):
        resolve_range(repo.root, "main..feature", staged=True)
    with pytest.raises(UsageError, match="unknown revision 'nope'"):
        resolve_range(repo.root, "nope...feature")


def test_renames_untracked_files_and_odd_names(tmp_path: Path) -> None:
    repo = build_shop_repo(tmp_path)
    git(repo.root, "mv", "shop/api.py", "shop/web api ü.py")
    (repo.root / "shop/brand_new.py").write_text("def new():\n    return 1\n")
    rng = resolve_range(repo.root, "main")
    files = {c.path: c for c in changed_files(repo.root, rng)}
    renamed = files["shop/web api ü.py"]
    assert (renamed.status, renamed.old_path) == ("renamed", "shop/api.py")
    assert (files["shop/brand_new.py"].status, files["shop/brand_new.py"].new_lines) == (
        "added",
        [(1, 2)],
    )
    staged = resolve_range(repo.root, "main", staged=True)
    assert [c.path for c in changed_files(repo.root, staged)] == ["shop/web api ü.py"]


@pytest.mark.parametrize("ref", ["no-such-branch", "v9.9", "0" * 40])
def test_an_unknown_revision_is_one_clear_error(tmp_path: Path, ref: str) -> None:
    repo = build_shop_repo(tmp_path)
    with pytest.raises(UsageError, match=r"unknown revision .*: name a commit, branch or tag"):
        resolve_range(repo.root, ref)


def test_a_base_missing_from_a_shallow_clone_says_to_fetch_more(tmp_path: Path) -> None:
    repo = build_shop_repo(tmp_path)
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--branch", "feature",
         f"file://{repo.root}", str(shallow)],
        check=True,
    )  # fmt: skip
    with pytest.raises(UsageError, match="not in this shallow clone: fetch more history"):
        resolve_range(shallow, repo.base)
    with pytest.raises(UsageError, match="shallow clone"):
        resolve_range(shallow)  # no merge base with the default branch either


def test_options_that_contradict_or_a_folder_outside_git_are_refused(tmp_path: Path) -> None:
    repo = build_shop_repo(tmp_path)
    with pytest.raises(UsageError, match="choose one new side"):
        resolve_range(repo.root, "main", "feature", staged=True)
    with pytest.raises(UsageError, match="is not a revision"):
        resolve_range(repo.root, "--output=/tmp/x")
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(UsageError, match="not a git work tree"):
        resolve_range(outside)
