"""The reader's branch: memories recorded on a branch are served only there.

Which memories apply to a piece of code is `graphmem.memory.governance`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["detect_branch"]


def detect_branch(repo_root: Path) -> str | None:
    """The checked-out git branch, read from .git/HEAD (no git process); None when detached."""
    git = repo_root / ".git"
    try:
        if git.is_file():  # a worktree: "gitdir: /path/to/.git/worktrees/name"
            pointer = git.read_text(encoding="utf-8").strip()
            if pointer.startswith("gitdir:"):
                git = (repo_root / pointer.removeprefix("gitdir:").strip()).resolve()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    prefix = "ref: refs/heads/"
    return head.removeprefix(prefix) if head.startswith(prefix) else None
