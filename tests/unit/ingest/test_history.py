"""Git history: Commit nodes and MODIFIES edges, against a real temporary repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from graphmem.ingest.history import (
    CommitRecord,
    FileChange,
    Hunk,
    build_graph,
    collect,
    parse_log,
)
from graphmem.model import CodeEntity, Edge, Label, RelType

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

REPO = "demo"

V1 = """class User:
    def __init__(self, name):
        self.name = name

    def greet(self):
        return "hi " + self.name


def helper(x):
    return x * 2
"""
# commit 2: only helper's body changes (line 10)
V2 = V1.replace("x * 2", "x * 3")
# commit 3: three lines inserted on top, greet's body changes
V3 = "import os\n\n\n" + V2.replace('"hi " + self.name', '"hello " + self.name + os.sep')


def _git(root: Path, *args: str, date: str = "2024-01-01T00:00:00+00:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ada Lovelace",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": "Ada Lovelace",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def _commit(root: Path, files: Mapping[str, str], message: str, date: str) -> str:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message, date=date)
    return _git(root, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("history") / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    shas = [
        _commit(
            root,
            {"app/models.py": V1, "README.md": "demo\n"},
            "Add user model\n\nWith a helper.",
            "2024-01-01T10:00:00+00:00",
        ),
        _commit(root, {"app/models.py": V2}, "Triple in helper", "2024-01-02T10:00:00+00:00"),
        _commit(root, {"app/models.py": V3}, "Greet politely", "2024-01-03T10:00:00+00:00"),
    ]
    return root, shas


def _entities(path: str = "app/models.py") -> list[CodeEntity]:
    """The module and its definitions as they are now (V3), module first."""

    def make(kind: Label, qname: str, start: int, end: int) -> CodeEntity:
        return CodeEntity.new(kind, REPO, path, qname, start_line=start, end_line=end)

    return [
        make(Label.MODULE, "app.models", 1, 13),
        make(Label.CLASS, "app.models.User", 4, 9),
        make(Label.METHOD, "app.models.User.__init__", 5, 6),
        make(Label.METHOD, "app.models.User.greet", 8, 9),
        make(Label.FUNCTION, "app.models.helper", 12, 13),
    ]


def _touched(commits: list[CodeEntity], edges: list[Edge]) -> dict[str, set[str]]:
    names = {e.id: e.qualified_name for e in _entities()}
    by_sha = {c.id: str(c.extra["sha"]) for c in commits}
    touched: dict[str, set[str]] = {sha: set() for sha in by_sha.values()}
    for edge in edges:
        assert edge.type == RelType.MODIFIES
        touched[by_sha[edge.source]].add(names[edge.target])
    return touched


def test_commits_become_nodes_with_their_metadata(history_repo: tuple[Path, list[str]]) -> None:
    root, shas = history_repo
    commits, _ = collect(root, REPO, 10, {"app/models.py": _entities()})
    assert [c.extra["sha"] for c in commits] == list(reversed(shas))
    first = commits[-1]
    assert first.kind is Label.COMMIT
    assert first.qualified_name == f"commit:{shas[0]}"
    assert first.path == ""
    assert first.extra["author"] == "Ada Lovelace"
    assert first.extra["author_email"] == "ada@example.com"
    assert first.extra["date"] == "2024-01-01T10:00:00+00:00"
    assert first.extra["message"] == "Add user model\n\nWith a helper."
    assert commits[0].extra["parents"] == [shas[1]]


def test_modifies_modules_and_the_definitions_hunks_fall_in(
    history_repo: tuple[Path, list[str]],
) -> None:
    root, shas = history_repo
    commits, edges = collect(root, REPO, 10, {"app/models.py": _entities()})
    touched = _touched(commits, edges)
    assert touched[shas[2]] == {"app.models", "app.models.User", "app.models.User.greet"}
    # Commit 2 changed line 10 of its version; three lines were inserted above it since, so it
    # is helper (today's lines 12-13) that it modified, not whatever sits on line 10 now.
    assert touched[shas[1]] == {"app.models", "app.models.helper"}
    assert touched[shas[0]] == {e.qualified_name for e in _entities()}


def test_module_edges_count_lines(history_repo: tuple[Path, list[str]]) -> None:
    root, shas = history_repo
    commits, edges = collect(root, REPO, 10, {"app/models.py": _entities()})
    module_id = _entities()[0].id
    newest = next(c for c in commits if c.extra["sha"] == shas[2])
    edge = next(e for e in edges if e.source == newest.id and e.target == module_id)
    assert edge.properties == {"added": 4, "removed": 1}


def test_limit_keeps_the_newest_commits(history_repo: tuple[Path, list[str]]) -> None:
    root, shas = history_repo
    commits, edges = collect(root, REPO, 2, {"app/models.py": _entities()})
    assert [c.extra["sha"] for c in commits] == [shas[2], shas[1]]
    assert {e.source for e in edges} <= {c.id for c in commits}
    assert collect(root, REPO, 0, {}) == ([], [])


def test_ids_are_stable(history_repo: tuple[Path, list[str]]) -> None:
    root, _ = history_repo
    first = collect(root, REPO, 10, {"app/models.py": _entities()})
    second = collect(root, REPO, 10, {"app/models.py": _entities()})
    assert [c.id for c in first[0]] == [c.id for c in second[0]]
    assert sorted(e.key for e in first[1]) == sorted(e.key for e in second[1])


def test_edges_only_point_at_given_entities(history_repo: tuple[Path, list[str]]) -> None:
    root, _ = history_repo
    commits, edges = collect(root, REPO, 10, {})
    assert len(commits) == 3
    assert edges == []


def test_not_a_repository_warns_and_returns_nothing(tmp_path: Path) -> None:
    warnings: list[str] = []
    assert collect(tmp_path, REPO, 10, {}, warn=warnings.append) == ([], [])
    assert warnings and "not inside a git work tree" in warnings[0]


def test_repository_without_commits_warns(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    warnings: list[str] = []
    assert collect(tmp_path, REPO, 10, {}, warn=warnings.append) == ([], [])
    assert warnings and "no commits" in warnings[0]


def test_shallow_clone_keeps_boundary_without_modifies(
    history_repo: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, shas = history_repo
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{root}", str(clone))
    warnings: list[str] = []
    commits, edges = collect(clone, REPO, 10, {"app/models.py": _entities()}, warn=warnings.append)
    assert [c.extra["sha"] for c in commits] == [shas[2]]
    assert edges == []
    assert any("shallow" in w for w in warnings)


def test_subdirectory_ingest_uses_paths_relative_to_it(
    history_repo: tuple[Path, list[str]],
) -> None:
    root, shas = history_repo
    entities = _entities("models.py")
    commits, edges = collect(root / "app", REPO, 10, {"models.py": entities})
    assert len(commits) == 3
    assert any(e.target == entities[0].id for e in edges)


def test_parse_log_reads_renames_quoting_and_binary() -> None:
    output = [
        b"\x1eabc\x00Bob\x00b@x\x002024-01-01T00:00:00+00:00\x00p1 p2\x00Subject\n",
        b"\n",
        b"Body line\n",
        b"\x00\n",
        b"diff --git a/old.py b/new.py\n",
        b"similarity index 90%\n",
        b"rename from old.py\n",
        b"rename to new.py\n",
        b"--- a/old.py\n",
        b"+++ b/new.py\n",
        b"@@ -3 +3,2 @@ def f():\n",
        b"-    return 1\n",
        b"+++   weird added line that looks like a header\n",
        b"+    return 2\n",
        b'diff --git "a/d\\303\\251j\\303\\240.py" "b/d\\303\\251j\\303\\240.py"\n',
        b"new file mode 100644\n",
        b"--- /dev/null\n",
        b'+++ "b/d\\303\\251j\\303\\240.py"\n',
        b"@@ -0,0 +1 @@\n",
        b"+x = 1\n",
        b"diff --git a/logo with space.png b/logo with space.png\n",
        b"Binary files a/logo with space.png and b/logo with space.png differ\n",
    ]
    (record,) = parse_log(output)
    assert record.sha == "abc"
    assert record.parents == ["p1", "p2"]
    assert record.message == "Subject\n\nBody line"
    rename, added, binary = record.changes
    assert (rename.old_path, rename.new_path) == ("old.py", "new.py")
    assert rename.hunks == [Hunk(3, 1, 3, 2)]
    assert (added.old_path, added.new_path) == (None, "déjà.py")
    assert added.hunks == [Hunk(0, 0, 1, 1)]
    assert (binary.old_path, binary.new_path) == ("logo with space.png", "logo with space.png")
    assert binary.hunks == []


def _record(sha: str, *changes: FileChange) -> CommitRecord:
    return CommitRecord(sha, "a", "a@x", "2024-01-01T00:00:00+00:00", [], sha, list(changes))


def test_renames_carry_older_commits_to_todays_path() -> None:
    entities = {"new.py": _entities("new.py")}
    records = [  # newest first
        _record("c3", FileChange("old.py", "new.py")),  # pure rename
        _record("c2", FileChange("old.py", "old.py", [Hunk(12, 1, 12, 1)])),
        _record("c1", FileChange(None, "gone.py", [Hunk(0, 0, 1, 5)])),
    ]
    commits, edges = build_graph(REPO, records, entities)
    names = {e.id: e.qualified_name for e in entities["new.py"]}
    by_commit = {c.id: c.extra["sha"] for c in commits}
    got = {(by_commit[e.source], names[e.target]) for e in edges}
    assert got == {
        ("c3", "app.models"),
        ("c2", "app.models"),
        ("c2", "app.models.helper"),
    }


def test_deleted_file_is_not_attributed_to_a_newer_file_of_that_name() -> None:
    entities = {"a.py": _entities("a.py")}
    records = [
        _record("c3", FileChange(None, "a.py", [Hunk(0, 0, 1, 13)])),  # recreated
        _record("c2", FileChange("a.py", None, [Hunk(1, 4, 0, 0)])),  # deleted
        _record("c1", FileChange("a.py", "a.py", [Hunk(2, 1, 2, 1)])),  # the old a.py
    ]
    commits, edges = build_graph(REPO, records, entities)
    sources = {e.source for e in edges}
    assert sources == {commits[0].id}


def test_pure_deletion_inside_a_definition_only() -> None:
    entities = {"m.py": _entities("m.py")}
    # lines deleted between today's 12 and 13: inside helper; between 9 and 10: after User
    records = [
        _record("inside", FileChange("m.py", "m.py", [Hunk(13, 2, 12, 0)])),
        _record("between", FileChange("m.py", "m.py", [Hunk(10, 1, 9, 0)])),
    ]
    commits, edges = build_graph(REPO, records[:1], entities)
    names = {e.id: e.qualified_name for e in entities["m.py"]}
    assert {names[e.target] for e in edges} == {"app.models", "app.models.helper"}
    commits, edges = build_graph(REPO, records[1:], entities)
    assert {names[e.target] for e in edges} == {"app.models"}
