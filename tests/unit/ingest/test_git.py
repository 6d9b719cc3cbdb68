"""The one git helper, against a real temporary repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from graphmem.errors import GraphMemError
from graphmem.ingest.git import (
    GitError,
    changed_files,
    current_branch,
    head_commit,
    is_work_tree,
    run_git,
    show_file,
    stream_git,
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

ENV = {
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **ENV}, check=True, capture_output=True
    )
    return done.stdout.decode().strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "pkg" / "a.py").write_text("A = 1\n")
    (root / "pkg" / "b.py").write_text("B = 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    return root


def test_head_and_branch_of_a_checkout(repo: Path) -> None:
    assert head_commit(repo) == git(repo, "rev-parse", "HEAD")
    assert current_branch(repo) == "main"
    assert is_work_tree(repo) and is_work_tree(repo / "pkg")
    git(repo, "checkout", "-q", "--detach")
    assert current_branch(repo) is None  # detached: no branch to record memories on


def test_a_plain_folder_has_no_head_branch_or_work_tree(tmp_path: Path) -> None:
    assert head_commit(tmp_path) is None
    assert current_branch(tmp_path) is None
    assert not is_work_tree(tmp_path)


def test_a_repository_before_its_first_commit_has_no_head(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "trunk")
    assert head_commit(tmp_path) is None
    assert current_branch(tmp_path) == "trunk"


def test_changed_files_and_old_contents(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    (repo / "pkg" / "a.py").write_text("A = 2\n")
    (repo / "pkg" / "b.py").unlink()
    (repo / "pkg" / "c.py").write_text("C = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")
    (repo / "pkg" / "a.py").write_text("A = 3\n")  # uncommitted: the work tree counts
    assert changed_files(repo, first) == ["pkg/a.py", "pkg/b.py", "pkg/c.py"]
    assert changed_files(repo / "pkg", "HEAD") == ["a.py"]  # relative to the folder asked
    assert show_file(repo, first, "pkg/a.py") == b"A = 1\n"
    assert show_file(repo / "pkg", "HEAD", "a.py") == b"A = 2\n"
    assert show_file(repo, first, "pkg/c.py") is None
    assert show_file(repo, "no-such-revision", "pkg/a.py") is None


def test_input_goes_to_gits_stdin(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.log\n")
    ignored = run_git(repo, "check-ignore", "--stdin", input=b"pkg/a.py\nbuild.log\n")
    assert ignored.split() == ["build.log"]


def test_a_failing_command_is_one_line_error_in_gits_words(repo: Path) -> None:
    with pytest.raises(GitError) as raised:
        changed_files(repo, "no-such-base")
    message = str(raised.value)
    assert isinstance(raised.value, GraphMemError)
    assert message.startswith("git diff failed: ") and "no-such-base" in message
    assert "\n" not in message


def test_a_command_that_outlives_the_timeout_is_stopped(repo: Path) -> None:
    slow = ("-c", "alias.slow=!sleep 1", "slow")  # a git command that takes a second
    with pytest.raises(GitError, match="no answer within 0.2 s"):
        run_git(repo, *slow, timeout=0.2)
    with pytest.raises(GitError, match="no answer within 0.2 s"):
        list(stream_git(repo, *slow, timeout=0.2))


def test_stream_gives_lines_as_written_and_fails_after_them(repo: Path) -> None:
    lines = list(stream_git(repo, "log", "--format=%s"))
    assert lines == [b"first\n"]
    with pytest.raises(GitError, match="git log failed: "):
        list(stream_git(repo, "log", "no-such-revision"))
    stopped = stream_git(repo, "log", "--format=%H", "-n1000")
    assert next(stopped)
    stopped.close()  # a reader that stops early leaves no git process behind
