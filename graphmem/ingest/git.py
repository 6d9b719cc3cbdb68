"""The one way graphmem asks git: a subprocess with one timeout policy and one error type.

Every call runs ``git -C ROOT ...`` (paths unquoted, no signature checks) and is killed after
`GIT_TIMEOUT_SECONDS` (a hung credential helper or a huge repository must not stall a command);
any failure (git missing, not a repository, a failing command, too slow) raises `GitError`
with git's own last line. git never reads the caller's stdin (a hook's stdin is its payload).
Helpers for what is optional (the checked-out commit or branch) return None instead, since a
folder outside git is an ordinary case.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from graphmem.errors import GraphMemError

#: How long any one git command may run before it is killed.
GIT_TIMEOUT_SECONDS = 120.0


class GitError(GraphMemError):
    """A git command could not run or failed; the message is git's own reason."""


def _command(root: Path, args: tuple[str, ...]) -> list[str]:
    settings = ["-c", "core.quotePath=false", "-c", "log.showSignature=false"]
    return ["git", "-C", str(root), *settings, *args]


def _failure(args: tuple[str, ...], stderr: bytes, returncode: int) -> GitError:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    reason = lines[-1] if lines else f"exit status {returncode}"
    return GitError(f"git {args[0] if args else ''} failed: {reason}")


def run_git_bytes(
    root: Path, *args: str, timeout: float = GIT_TIMEOUT_SECONDS, input: bytes | None = None
) -> bytes:
    """git's stdout as bytes (file contents, NUL-separated listings); `input` goes to its stdin
    (``check-ignore --stdin``, ``cat-file --batch``)."""
    try:
        done = subprocess.run(
            _command(root, args),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise GitError(f"git {args[0]} failed: no answer within {timeout:g} s") from error
    except OSError as error:
        raise GitError(f"git could not run: {error.strerror or error}") from error
    if done.returncode != 0:
        raise _failure(args, done.stderr, done.returncode)
    return done.stdout


def run_git(
    root: Path, *args: str, timeout: float = GIT_TIMEOUT_SECONDS, input: bytes | None = None
) -> str:
    """git's stdout as text (undecodable bytes of odd paths kept as surrogate escapes)."""
    out = run_git_bytes(root, *args, timeout=timeout, input=input)
    return out.decode("utf-8", "surrogateescape")


def stream_git(root: Path, *args: str, timeout: float = GIT_TIMEOUT_SECONDS) -> Iterator[bytes]:
    """git's stdout line by line as it is written (a long `git log` is never held whole).

    Raises GitError after the last line when git failed, or was killed at the timeout.
    """
    with tempfile.TemporaryFile() as stderr:
        try:
            process = subprocess.Popen(
                _command(root, args),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        except OSError as error:
            raise GitError(f"git could not run: {error.strerror or error}") from error
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            process.kill()

        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            assert process.stdout is not None
            yield from process.stdout
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()  # the reader stopped early
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if expired.is_set():
            raise GitError(f"git {args[0]} failed: no answer within {timeout:g} s")
        if process.returncode != 0:
            stderr.seek(0)
            raise _failure(args, stderr.read(), process.returncode)


def is_work_tree(root: Path) -> bool:
    """Whether `root` lies inside a git work tree."""
    try:
        return run_git(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitError:
        return False


def head_commit(root: Path) -> str | None:
    """The commit checked out at `root`; None outside git or before the first commit."""
    if not (root / ".git").exists():
        return None  # no process for the common case of a plain folder
    try:
        return run_git(root, "rev-parse", "--verify", "-q", "HEAD").strip() or None
    except GitError:
        return None


def current_branch(root: Path) -> str | None:
    """The checked-out branch; None when detached, outside git, or git is missing."""
    try:
        name = run_git(root, "symbolic-ref", "--quiet", "--short", "HEAD").strip()
    except GitError:
        return None
    return name or None


def checked_out_branch(root: Path) -> str | None:
    """The checked-out branch read straight from .git/HEAD, without starting git: every query
    asks it (memories are served per branch), and a hook has no time for a process. None when
    detached or outside a repository; `current_branch` asks git itself."""
    git = root / ".git"
    try:
        if git.is_file():  # a worktree: "gitdir: /path/to/.git/worktrees/name"
            pointer = git.read_text(encoding="utf-8").strip()
            if pointer.startswith("gitdir:"):
                git = (root / pointer.removeprefix("gitdir:").strip()).resolve()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    prefix = "ref: refs/heads/"
    return head.removeprefix(prefix) if head.startswith(prefix) else None


def changed_files(root: Path, base: str) -> list[str]:
    """Paths (relative to `root`) that differ between `base` and the work tree, renames as
    their new name. Raises GitError for an unknown `base`."""
    out = run_git(root, "diff", "--name-only", "-z", "--relative", base, "--")
    return sorted({path for path in out.split("\0") if path})


def show_file(root: Path, rev: str, path: str) -> bytes | None:
    """The content of `path` (relative to `root`) at revision `rev`; None if it did not exist
    there (or `rev` names no commit)."""
    try:
        return run_git_bytes(root, "show", f"{rev}:./{path}")
    except GitError:
        return None
