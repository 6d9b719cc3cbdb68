"""What a diff changes, read from git: the two revisions, the files, and the changed lines.

A review compares a *base* (a commit) with a *head*: another commit, the index (`--staged`) or
the working tree (the default, untracked files included). The default base is the merge base of
HEAD with the default branch, so a feature branch is reviewed against where it left ``main``.

Lines come from ``git diff --unified=0``: each hunk names the lines it removed from the old
side and added to the new side, which is all that is needed to tell which definitions a change
touches. File contents come from git too (``git show BASE:path``), so deleted and renamed code
is read as it was, whatever the working tree holds now.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from graphmem.errors import UsageError
from graphmem.ingest.file_walk import looks_binary
from graphmem.review.report import ChangeStatus


class HeadMode(StrEnum):
    """Which new side a review reads."""

    COMMIT = "commit"
    STAGED = "staged"
    WORKING_TREE = "working-tree"


#: Branches tried, in order, when the remote does not say which one is the default.
_DEFAULT_BRANCHES = ("origin/HEAD", "main", "master", "origin/main", "origin/master", "trunk")

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class DiffRange:
    """The two sides of a review: `base` is always a commit; `head` one when mode is COMMIT."""

    base: str
    base_sha: str
    mode: HeadMode
    head: str | None = None
    head_sha: str | None = None

    @property
    def head_label(self) -> str:
        if self.mode is HeadMode.COMMIT:
            return self.head or "HEAD"
        return "the index" if self.mode is HeadMode.STAGED else "the working tree"


@dataclass
class FileChange:
    """One changed file: its status, paths, and the changed line ranges on each side."""

    status: ChangeStatus
    path: str
    old_path: str | None = None
    binary: bool = False
    #: (start, end) 1-based inclusive ranges of lines removed from the old side
    old_lines: list[tuple[int, int]] = field(default_factory=list)
    #: (start, end) ranges of lines added on the new side
    new_lines: list[tuple[int, int]] = field(default_factory=list)


def git(root: Path, *args: str, check: bool = True) -> str:
    """Run git in `root`; a failure becomes a UsageError with git's own first line."""
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=root,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise UsageError("git is not installed: review reads the diff with git") from error
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {message[0] if message else 'no output'}")
    return done.stdout.decode("utf-8", "replace")


def git_bytes(root: Path, *args: str) -> bytes | None:
    """git's raw output (a file's content), or None when git cannot give it."""
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    return done.stdout if done.returncode == 0 else None


def resolve_range(
    root: Path,
    base: str | None = None,
    head: str | None = None,
    *,
    staged: bool = False,
    working_tree: bool = False,
) -> DiffRange:
    """Check the revisions and pin them to commit ids; say what to do when one is missing.

    `base` may be a range as git diff reads one: `A..B` compares A with B, `A...B` the merge
    base of A and B with B (a pull request's own changes); an empty side is HEAD.
    """
    merge = False
    if base is not None and ".." in base:
        if head is not None or staged or working_tree:
            raise UsageError(
                f"{base!r} already names both sides: drop --head, --staged or --working-tree"
            )
        merge = "..." in base
        base, _, head = base.partition("..." if merge else "..")
        base, head = base or "HEAD", head or "HEAD"
    if sum((head is not None, staged, working_tree)) > 1:
        raise UsageError("choose one new side: --head REF, --staged or --working-tree")
    if git(root, "rev-parse", "--is-inside-work-tree", check=False).strip() != "true":
        raise UsageError(f"{root} is not a git work tree: review compares git revisions")
    head_sha = _commit(root, head) if head is not None else None
    if base is None:
        base, base_sha = _default_base(root, head or "HEAD")
    elif merge:
        base_sha = _merge_base(root, base, head or "HEAD")
        base = f"merge-base({base})"
    else:
        base_sha = _commit(root, base)
    if head is not None:
        mode = HeadMode.COMMIT
    else:
        mode = HeadMode.STAGED if staged else HeadMode.WORKING_TREE
    return DiffRange(base=base, base_sha=base_sha, mode=mode, head=head, head_sha=head_sha)


def _commit(root: Path, ref: str) -> str:
    if ref.startswith("-"):
        raise UsageError(f"{ref!r} is not a revision (it starts with '-')")
    sha = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip()
    if sha:
        return sha
    if _is_shallow(root):
        raise UsageError(
            f"{ref!r} is not in this shallow clone: fetch more history "
            "(git fetch --deepen=100, or fetch-depth: 0 in actions/checkout)"
        )
    raise UsageError(f"unknown revision {ref!r}: name a commit, branch or tag (git log shows them)")


def _merge_base(root: Path, base: str, head: str) -> str:
    _commit(root, base)
    found = git(root, "merge-base", base, head, check=False).strip()
    if found:
        return found
    if _is_shallow(root):
        raise UsageError(
            f"no merge base of {base!r} and {head!r} in this shallow clone: fetch more history "
            "(fetch-depth: 0 in actions/checkout)"
        )
    raise UsageError(f"{base!r} and {head!r} have no common ancestor: name BASE..HEAD instead")


def _is_shallow(root: Path) -> bool:
    return git(root, "rev-parse", "--is-shallow-repository", check=False).strip() == "true"


def _default_base(root: Path, head: str) -> tuple[str, str]:
    """The merge base of `head` with the default branch."""
    for branch in _DEFAULT_BRANCHES:
        if git(root, "rev-parse", "--verify", "--quiet", branch, check=False).strip():
            merge_base = git(root, "merge-base", branch, head, check=False).strip()
            if merge_base:
                name = branch.removeprefix("origin/") if branch != "origin/HEAD" else branch
                return (f"merge-base({name})", merge_base)
            if _is_shallow(root):
                raise UsageError(
                    f"no merge base with {branch} in this shallow clone: fetch more history "
                    "(fetch-depth: 0 in actions/checkout) or name BASE"
                )
    if _is_shallow(root):
        raise UsageError(
            "no default branch (main or master) in this shallow clone: fetch it "
            "(git fetch origin main) or name BASE"
        )
    raise UsageError("no default branch (main or master) to compare with: name BASE explicitly")


def changed_files(root: Path, rng: DiffRange) -> list[FileChange]:
    """Every file the diff touches, with its changed lines, ordered by path."""
    sides = _diff_args(rng)
    changes = _name_status(git(root, "diff", "--name-status", "-z", "-M", *sides))
    if rng.mode is HeadMode.WORKING_TREE:
        untracked = git(root, "ls-files", "-z", "--others", "--exclude-standard")
        for path in filter(None, untracked.split("\0")):
            changes.setdefault(path, FileChange("added", path))
    patch = git(root, "diff", "--unified=0", "--no-color", "--no-ext-diff", "-M", *sides)
    _read_hunks(patch, changes)
    for change in changes.values():
        if change.status == "added" and not change.new_lines and not change.binary:
            data = read_new(root, rng, change.path)  # an untracked file: every line is new
            if data is not None and looks_binary(data):
                change.binary = True
            elif data:
                change.new_lines = [(1, data.count(b"\n") + (0 if data.endswith(b"\n") else 1))]
    return sorted(changes.values(), key=lambda c: c.path)


def read_sides(
    root: Path, rng: DiffRange, old_paths: Sequence[str], new_paths: Sequence[str]
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Many files of both sides at once: one `git cat-file --batch` instead of a `git show`
    per file (a process each costs ~10 ms). A path missing on its side is left out."""
    old_specs = {f"{rng.base_sha}:{p}": p for p in old_paths}
    if rng.mode is HeadMode.WORKING_TREE:
        new_specs: dict[str, str] = {}
        new = {p: data for p in new_paths if (data := read_new(root, rng, p)) is not None}
    else:
        prefix = f"{rng.head_sha}:" if rng.mode is HeadMode.COMMIT else ":"
        new_specs = {f"{prefix}{p}": p for p in new_paths}
        new = {}
    blobs = _cat_files(root, [*old_specs, *new_specs])
    old = {old_specs[spec]: data for spec, data in blobs.items() if spec in old_specs}
    new.update({new_specs[spec]: data for spec, data in blobs.items() if spec in new_specs})
    return old, new


def _cat_files(root: Path, specs: Sequence[str]) -> dict[str, bytes]:
    """`REV:PATH` -> content, for the specs git has (a path with a newline is read alone)."""
    batch = [s for s in specs if "\n" not in s]
    out = {s: data for s in specs if "\n" in s and (data := git_bytes(root, "show", s))}
    if not batch:
        return out
    done = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=root,
        input="".join(f"{s}\n" for s in batch).encode(),
        capture_output=True,
        check=False,
    )
    raw, pos = done.stdout, 0
    for spec in batch:
        end = raw.find(b"\n", pos)
        if end < 0:
            break
        header = raw[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[1] != b"blob":
            continue  # "<spec> missing", or a submodule or tree
        size = int(header[2])
        out[spec] = raw[pos : pos + size]
        pos += size + 1
    return out


def read_old(root: Path, rng: DiffRange, path: str) -> bytes | None:
    """A file as it was at the base, or None if it did not exist there."""
    return git_bytes(root, "show", f"{rng.base_sha}:{path}")


def read_new(root: Path, rng: DiffRange, path: str) -> bytes | None:
    """A file as the new side has it, or None if it does not exist there."""
    if rng.mode is HeadMode.COMMIT:
        return git_bytes(root, "show", f"{rng.head_sha}:{path}")
    if rng.mode is HeadMode.STAGED:
        return git_bytes(root, "show", f":{path}")
    full = root / path
    try:
        return full.read_bytes() if full.is_file() and not full.is_symlink() else None
    except OSError:
        return None


def files_at(root: Path, rng: DiffRange, old: bool) -> frozenset[str]:
    """Every path of one side (to name modules: Python packages, src/ layouts, go.mod)."""
    if old or rng.mode is HeadMode.COMMIT:
        sha = rng.base_sha if old else rng.head_sha
        listing = git(root, "ls-tree", "-r", "-z", "--name-only", str(sha))
    elif rng.mode is HeadMode.STAGED:
        listing = git(root, "ls-files", "-z")
    else:
        listing = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return frozenset(filter(None, listing.split("\0")))


def _diff_args(rng: DiffRange) -> list[str]:
    if rng.mode is HeadMode.COMMIT:
        return [rng.base_sha, str(rng.head_sha), "--"]
    if rng.mode is HeadMode.STAGED:
        return ["--cached", rng.base_sha, "--"]
    return [rng.base_sha, "--"]


_STATUS: dict[str, ChangeStatus] = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "C": "added",
    "T": "modified",
}


def _name_status(output: str) -> dict[str, FileChange]:
    """`git diff --name-status -z`: status, then one path (two for a rename or copy)."""
    fields = output.split("\0")
    changes: dict[str, FileChange] = {}
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i][0]
        status = _STATUS.get(code, "modified")
        if code in "RC":
            old, new = fields[i + 1], fields[i + 2]
            changes[new] = FileChange(status, new, old_path=old if code == "R" else None)
            i += 3
        else:
            changes[fields[i + 1]] = FileChange(status, fields[i + 1])
            i += 2
    return changes


def _read_hunks(patch: str, changes: dict[str, FileChange]) -> None:
    """Attach each hunk's line ranges, and the binary flag, to the file it belongs to."""
    current: FileChange | None = None
    old_path: str | None = None
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            current, old_path = None, None
        elif line.startswith("--- "):
            old_path = _patch_path(line[4:])
        elif line.startswith("+++ "):
            new_path = _patch_path(line[4:])
            current = changes.get(new_path or old_path or "")
        elif line.startswith("Binary files "):
            match = re.match(r"Binary files (?:a/)?(.+?) and (?:b/)?(.+?) differ$", line)
            if match:
                for name in (match.group(2), match.group(1)):
                    if name in changes:
                        changes[name].binary = True
        elif current is not None and line.startswith("@@"):
            hunk = _HUNK.match(line)
            if hunk is None:
                continue
            old_start, old_count = int(hunk.group(1)), int(hunk.group(2) or "1")
            new_start, new_count = int(hunk.group(3)), int(hunk.group(4) or "1")
            if old_count:
                current.old_lines.append((old_start, old_start + old_count - 1))
            if new_count:
                current.new_lines.append((new_start, new_start + new_count - 1))


def _patch_path(text: str) -> str | None:
    """`a/src/x.py` -> `src/x.py`; `/dev/null` -> None; C-quoted names are unquoted."""
    text = text.rstrip("\t")
    if text == "/dev/null":
        return None
    if text.startswith('"') and text.endswith('"'):
        text = text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        text = text.encode("latin-1", "replace").decode("utf-8", "replace")
    return text[2:] if text[:2] in ("a/", "b/") else text
