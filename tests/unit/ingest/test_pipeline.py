"""The ingest pipeline on awkward repositories: nothing here may crash an ingest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from graphmem.api import GraphMem
from graphmem.ingest.file_index import deps_node_id, load_index
from graphmem.model import Label, RelType
from graphmem.settings import Settings
from graphmem.store import WriteBatch
from tests.conftest import git_checkout

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def ingest(root: Path, store: Path, **kwargs: object) -> tuple[GraphMem, object]:
    gm = GraphMem(Settings(store=str(store)), repo_root=root)
    return gm, gm.ingest(**kwargs)  # type: ignore[arg-type]


def qualified_names(gm: GraphMem) -> set[str]:
    return {n.get("qualified_name") for n in gm.store.iter_nodes(Label.CODE_ENTITY)}


def test_bad_files_give_warnings_and_skips_not_crashes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "good.py").write_text("def ok():\n    return 1\n")
    (root / "broken.py").write_text("def fine():\n    pass\n\ndef bad(:\n")
    (root / "latin.py").write_bytes(
        "def caf\xe9():\n    pass\n\ndef plain():\n    pass\n".encode("latin-1")
    )
    (root / "blob.py").write_bytes(b"\x00\x01\x02binary")
    (root / "big.py").write_text("x = 1\n" * 300_000)
    os.symlink(root, root / "loop")
    gm, report = ingest(root, tmp_path / "g.db")
    with gm:
        names = qualified_names(gm)
        assert {"good.ok", "broken.fine", "latin.plain"} <= names
        assert report.skipped_by_reason == {"binary": 1, "too_large": 1}  # type: ignore[attr-defined]
        warnings = " ".join(report.warnings)  # type: ignore[attr-defined]
        assert "broken.py: syntax errors" in warnings
        assert "latin.py: not valid UTF-8" in warnings


def test_reingest_of_unchanged_tree_writes_nothing_new(tmp_path: Path) -> None:
    root = tmp_path / "pyrepo"
    shutil.copytree(FIXTURES / "pyrepo", root)
    gm, first = ingest(root, tmp_path / "g.db")
    with gm:
        second = gm.ingest()
        assert second.files_parsed == 0 and second.files_unchanged == first.files_parsed  # type: ignore[attr-defined]
        assert second.entities_deleted == 0 and second.edges_deleted == 0
        # only the repository, for the time and commit it was indexed at
        assert (second.entities_written, second.edges_written) == (1, 0)  # type: ignore[attr-defined]
        status = gm.index_status()
        assert status.indexed and not (status.changed or status.added or status.removed)
        (root / "src/shop/util.py").write_text("def log(message):\n    pass\n")
        (root / "src/shop/new.py").write_text("")
        status = gm.index_status()
        assert status.changed == ["src/shop/util.py"] and status.added == ["src/shop/new.py"]


def _c_repo(root: Path, files: int) -> None:
    """C files that all read the repository's name table, so each depends on every other."""
    root.mkdir()
    for i in range(files):
        (root / f"unit{i}.c").write_text(f"int f{i}(void) {{ return f{(i + 1) % files}(); }}\n")


def _deps_size(root: Path, store: Path) -> int:
    gm, _ = ingest(root, store)
    with gm:
        node = gm.store.get_node(deps_node_id(gm.repo))
        assert node is not None
        return len(node.get("deps"))


def test_dependencies_shared_by_every_file_are_kept_once(tmp_path: Path) -> None:
    """rocksdb's 1,372 C++ files each read the name table of all of them: stored per file,
    that was the number of files squared (79 MB)."""
    _c_repo(tmp_path / "small", 40)
    _c_repo(tmp_path / "large", 160)
    small = _deps_size(tmp_path / "small", tmp_path / "s.db")
    large = _deps_size(tmp_path / "large", tmp_path / "l.db")
    assert large < 6 * small  # linear is 4x (four times the files); squared would be 16x


def test_a_body_edit_re_resolves_that_file_alone_and_keeps_the_calls_into_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    _c_repo(root, 5)
    gm, _ = ingest(root, tmp_path / "g.db")
    with gm:
        (root / "unit2.c").write_text("int f2(void) { /* edited */ return f3(); }\n")
        report = gm.ingest()
        assert report.files_resolved == 1
        callers = gm.cypher(
            "MATCH (a:Function)-[:CALLS]->(b:Function {name: 'f2'}) RETURN a.name AS a"
        )
        assert [row["a"] for row in callers] == ["f1"]
        record = load_index(gm.store, gm.repo).records["unit1.c"]
        assert "p:unit2.c" in record.deps  # unit1 still depends on unit2, through the table
        (root / "unit2.c").write_text("int g2(void) { return f3(); }\n")  # its interface
        assert gm.ingest().files_resolved == 5


def test_src_layout_without_packages_drops_src(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "tool.py").write_text("def main():\n    pass\n")
    gm, _ = ingest(root, tmp_path / "g.db")
    with gm:
        assert "tool.main" in qualified_names(gm)


def test_status_reads_the_index_without_the_dependencies(tmp_path: Path) -> None:
    """What each file was resolved against is only an ingest's to read (79 MB on rocksdb)."""
    root = tmp_path / "pyrepo"
    shutil.copytree(FIXTURES / "pyrepo", root)
    gm, _ = ingest(root, tmp_path / "g.db")
    with gm:
        full = load_index(gm.store, gm.repo)
        assert any(record.deps for record in full.records.values())
        light = load_index(gm.store, gm.repo, deps=False)
        assert light.records.keys() == full.records.keys()
        assert not any(record.deps for record in light.records.values())
        gm.store.write(WriteBatch(delete_nodes=[deps_node_id(gm.repo)]))
        assert not gm.index_status().changed  # status never needed them
        assert load_index(gm.store, gm.repo).records == {}  # an ingest redoes all without them
        assert gm.ingest().files_resolved == len(full.records)


def test_an_uncommitted_rename_keeps_the_commits_that_modified_the_code(tmp_path: Path) -> None:
    """History is not read again for an uncommitted edit: a renamed function lost its MODIFIES
    edges with its old id, where a fresh ingest of the same tree gives them to the new one."""
    root = git_checkout(FIXTURES / "pyrepo", tmp_path / "shop")
    util = root / "src/shop/util.py"
    gm, _ = ingest(root, tmp_path / "g.db")
    with gm:
        util.write_text(util.read_text().replace("def log(", "def write_log("))
        report = gm.ingest()
        assert report.renamed  # type: ignore[attr-defined]
        incremental = modifies(gm)
    fresh, _ = ingest(root, tmp_path / "fresh.db")
    with fresh:
        assert incremental == modifies(fresh)
    assert "shop.util.write_log" in {target for _, target in incremental}


def modifies(gm: GraphMem) -> set[tuple[str, str]]:
    names = {n.id: n.get("qualified_name") for n in gm.store.iter_nodes(Label.CODE_ENTITY)}
    return {
        (names[e.source], names[e.target])
        for e in gm.store.iter_edges()
        if e.type == RelType.MODIFIES
    }
