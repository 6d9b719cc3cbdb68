"""Changed entities from both sides of a real git diff, parsed by the ingest languages."""

from __future__ import annotations

from pathlib import Path

from graphmem.ingest.language import RepoLayout
from graphmem.review.changes import Side, changed_entities
from graphmem.review.diff import changed_files, files_at, read_new, read_old, resolve_range
from graphmem.review.report import ChangedEntity, SkippedFile
from tests.unit.review.review_repo import git, write


def diff(
    tmp_path: Path, before: dict[str, str], after: dict[str, str | None]
) -> list[ChangedEntity | SkippedFile]:
    """Commit `before`, then `after` (None deletes a file), and return what changed."""
    root = tmp_path / "app"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, before)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "before")
    for path, text in after.items():
        if text is None:
            (root / path).unlink()
        else:
            write(root, {path: text})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "after")
    rng = resolve_range(root, "HEAD~1", "HEAD")
    old = Side(lambda p: read_old(root, rng, p), RepoLayout(root, files_at(root, rng, old=True)))
    new = Side(lambda p: read_new(root, rng, p), RepoLayout(root, files_at(root, rng, old=False)))
    out: list[ChangedEntity | SkippedFile] = []
    for change in changed_files(root, rng):
        entities, skipped = changed_entities("app", change, old, new)
        out.extend(entities)
        if skipped:
            out.append(skipped)
    return out


def named(found: list[ChangedEntity | SkippedFile]) -> set[tuple[str, str, str]]:
    return {
        (f.status, f.kind, f.qualified_name)
        if isinstance(f, ChangedEntity)
        else ("skipped", f.reason, f.path)
        for f in found
    }


SERVICE = """import os


class Service:
    def start(self):
        return 1

    def stop(self):
        return 2


def helper():
    return os.sep
"""


def test_a_method_change_names_the_method_not_its_class(tmp_path: Path) -> None:
    after = SERVICE.replace("return 1", "return 10")
    assert named(diff(tmp_path, {"svc.py": SERVICE}, {"svc.py": after})) == {
        ("modified", "Method", "svc.Service.start")
    }


def test_own_lines_of_a_module_name_it(tmp_path: Path) -> None:
    after = SERVICE.replace("import os", "import os\nimport sys").replace(
        "class Service:", "class Service:\n    retries = 3\n"
    )
    found = diff(tmp_path, {"svc.py": SERVICE}, {"svc.py": after})
    assert named(found) == {
        ("modified", "Module", "svc"),  # the import
        ("added", "Variable", "svc.Service.retries"),  # a class attribute is its own entity
    }


def test_blank_lines_and_moves_of_unchanged_code_are_not_changes(tmp_path: Path) -> None:
    after = SERVICE.replace("\n\ndef helper", "\n\n\n\ndef helper")
    assert diff(tmp_path, {"svc.py": SERVICE}, {"svc.py": after}) == []


def test_added_deleted_and_renamed_definitions(tmp_path: Path) -> None:
    after = SERVICE.replace(
        "def stop(self):\n        return 2\n", "def halt(self):\n        return 2\n"
    ).replace("def helper():\n    return os.sep\n", "def other():\n    return 'x'\n")
    found = diff(tmp_path, {"svc.py": SERVICE}, {"svc.py": after})
    assert named(found) == {
        ("renamed", "Method", "svc.Service.halt"),
        ("added", "Function", "svc.other"),
        ("deleted", "Function", "svc.helper"),
    }
    renamed = next(f for f in found if isinstance(f, ChangedEntity) and f.status == "renamed")
    assert (renamed.old_qualified_name, renamed.body_changed) == ("svc.Service.stop", False)
    assert renamed.old_id and renamed.old_id != renamed.id


def test_a_moved_file_renames_its_module_and_definitions(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "", "pkg/svc.py": SERVICE}
    found = diff(
        tmp_path,
        files,
        {"pkg/svc.py": None, "pkg/service.py": SERVICE.replace("return 2", "return 3")},
    )
    assert named(found) == {
        ("renamed", "Module", "pkg.service"),
        ("renamed", "Class", "pkg.service.Service"),
        ("renamed", "Method", "pkg.service.Service.start"),
        ("renamed", "Method", "pkg.service.Service.stop"),
        ("renamed", "Function", "pkg.service.helper"),
    }
    by_name = {f.qualified_name: f for f in found if isinstance(f, ChangedEntity)}
    stop = by_name["pkg.service.Service.stop"]
    assert (stop.old_qualified_name, stop.old_path, stop.body_changed) == (
        "pkg.svc.Service.stop",
        "pkg/svc.py",
        True,
    )
    assert not by_name["pkg.service.Service.start"].body_changed


def test_a_deleted_file_deletes_everything_in_it_and_other_languages_work(
    tmp_path: Path,
) -> None:
    js = "export function price(a) {\n  return a * 2;\n}\n"
    found = diff(
        tmp_path,
        {"svc.py": SERVICE, "web/price.js": js},
        {"svc.py": None, "web/price.js": js.replace("a * 2", "a * 3")},
    )
    statuses = named(found)
    assert ("deleted", "Module", "svc") in statuses
    assert ("deleted", "Method", "svc.Service.stop") in statuses
    assert any(s[0] == "modified" and s[2].endswith("price") for s in statuses), statuses


def test_generated_and_minified_sources_are_skipped_with_the_reason(tmp_path: Path) -> None:
    generated = "# Code generated by protoc. DO NOT EDIT.\ndef f():\n    return 1\n"
    found = diff(tmp_path, {"a_pb2.py": generated}, {"a_pb2.py": generated.replace("1", "2")})
    assert named(found) == {("skipped", "generated", "a_pb2.py")}
