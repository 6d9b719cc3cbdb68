"""Hostile and broken input: ingest completes with warnings; bad requests fail with one line.

- A repository full of traps (binary and non-UTF-8 sources, a 20 MB file, 5,000-deep nesting,
  syntax errors, a symlink loop, odd names) ingests without error, keeps the good code, and
  reports what it skipped.
- Malformed imports, unknown ids and absurd arguments give one `graphmem: error:` line on stderr,
  a non-zero exit and no traceback, and write nothing.

CLI calls run in-process through `graphmem.cli.main.main` (fast) and, for a sample, as real
`python -m graphmem.cli.main` processes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli.main import main
from graphmem.model.graph import Label
from graphmem.store import GraphStore, open_store

BIG_FILE_BYTES = 20 * 1024 * 1024
DEPTH = 5000


def _counts_without_receipts(store: GraphStore) -> dict[str, int]:
    return {k: v for k, v in store.counts().items() if k != Label.RECEIPT.value}


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in-process; an exception escaping main() is a test failure (a traceback)."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assert_one_line(code: int, err: str) -> None:
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("graphmem: error: "), err
    assert "Traceback" not in err


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHMEM_AUTHOR", "reliability")
    monkeypatch.setenv("GRAPHMEM_USER", "reliability")
    monkeypatch.delenv("GRAPHMEM_STORE", raising=False)


def _hostile_repo(root: Path, big: bool) -> dict[str, str]:
    """Write the trap repository; returns a few paths that must be ingested."""
    src = root / "src" / "app"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("")
    (src / "good.py").write_text(
        "def fine():\n    return helper()\n\n\ndef helper():\n    return 1\n"
    )
    # binary data with a source suffix, and a real binary
    (src / "blob.py").write_bytes(b"\x00\x01\x02\xff" * 4096)
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
    # not UTF-8: latin-1 text in a comment and a string
    (src / "latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\n# caf\xe9\ndef latin():\n    return '\xe9t\xe9'\n"
    )
    (src / "broken_utf8.py").write_bytes(b"def broken():\n    return '\xc3\x28 \xa0\xa1'\n")
    # syntax errors
    (src / "syntax_error.py").write_text("def oops(:\n    return )\nclass\n")
    (src / "half.py").write_text("def ok():\n    return 1\n\ndef cut(a, b\n")
    # 5,000-deep nesting: brackets, and nested functions
    (src / "deep_brackets.py").write_text("x = " + "[" * DEPTH + "]" * DEPTH + "\n")
    nested = "".join("    " * i + f"def f{i}():\n" for i in range(300))
    (src / "deep_defs.py").write_text(nested + "    " * 300 + "return 1\n")
    (src / "deep_calls.py").write_text("y = " + "f(" * DEPTH + ")" * DEPTH + "\n")
    # a 20 MB source file (skipped as too large by default)
    if big:
        line = "def generated_{0}():\n    return {0}\n\n"
        with (src / "huge.py").open("w") as fp:
            i = 0
            while fp.tell() < BIG_FILE_BYTES:
                fp.write(line.format(i))
                i += 1
    # a symlink loop, a dangling link, and a link out of the repository
    (root / "loop").symlink_to(root, target_is_directory=True)
    (src / "self_link.py").symlink_to(src / "self_link.py")
    (src / "dangling.py").symlink_to(root / "does-not-exist.py")
    (root / "outside").symlink_to("/etc", target_is_directory=True)
    # odd names: spaces, unicode, quotes, leading dashes, newline-free but shell-hostile
    odd = root / "odd dir" / "ünïcødé"
    odd.mkdir(parents=True)
    (odd / "with space.py").write_text("def spaced():\n    return 1\n")
    (odd / "naïve_módulo.py").write_text("def naive():\n    return 1\n")
    (odd / 'it\'s "quoted".py').write_text("def quoted():\n    return 1\n")
    (odd / "-rf.py").write_text("def dashed():\n    return 1\n")
    (odd / "--help.py").write_text("def helpful():\n    return 1\n")
    (odd / "$(touch pwned).py").write_text("def subst():\n    return 1\n")
    (odd / "emoji_🚀.py").write_text("def rocket():\n    return 1\n")
    return {
        "good": "src/app/good.py",
        "space": "odd dir/ünïcødé/with space.py",
        "dash": "odd dir/ünïcødé/-rf.py",
    }


@pytest.mark.slow
@pytest.mark.parametrize("as_git", [False, True], ids=["plain", "git"])
def test_ingest_of_a_hostile_repository_completes_with_warnings(
    tmp_path: Path,
    as_git: bool,
    capsys: pytest.CaptureFixture[str],
    cli_env: None,
    check_integrity: Callable[[GraphStore], Any],
) -> None:
    root = tmp_path / "hostile"
    expected = _hostile_repo(root, big=not as_git)
    if as_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
        subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "-c",
                "user.email=t@t",
                "-c",
                "user.name=t",
                "commit",
                "-qm",
                "traps",
            ],
            check=True,
        )
    db = tmp_path / "graph.db"
    code, out, err = _cli(
        capsys, "ingest", str(root), "--json", "--store", str(db), "--history", "5"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["warnings"], report  # the syntax errors, at least
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped.get("src/app/blob.py") == "binary"
    if not as_git:
        assert skipped.get("src/app/huge.py") == "too_large"
    assert not (Path.cwd() / "pwned").exists() and not (root / "pwned").exists()
    with open_store(str(db)) as store:
        modules = {n.get("path") for n in store.iter_nodes(Label.MODULE)}
        for path in expected.values():
            assert path in modules, (path, sorted(modules))
        assert store.find_nodes(Label.FUNCTION, {"qualified_name": "app.good.fine"})
        # nothing from outside the repository, nothing twice through the loop
        assert not any(str(p).startswith(("loop/", "outside/")) for p in modules)
        report_check = check_integrity(store)
    print(
        f"\n[hostile/ingest/{'git' if as_git else 'plain'}] {report['files_parsed']} parsed, "
        f"skipped {report['skipped_by_reason']}, {len(report['warnings'])} warnings, "
        f"{report_check.nodes} nodes, {report['seconds']:.1f}s"
    )


@pytest.mark.slow
def test_a_20_mb_source_file_can_be_ingested_when_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_env: None
) -> None:
    root = tmp_path / "big"
    (root / "pkg").mkdir(parents=True)
    # 20 MB in a few hundred functions with long bodies: the parser reads all of it, while the
    # graph stays small enough for a test
    with (root / "pkg" / "huge.py").open("w") as fp:
        i = 0
        body = "".join(f"    total = total + {j}  # keep adding, line {j}\n" for j in range(1500))
        while fp.tell() < BIG_FILE_BYTES:
            fp.write(
                f"def generated_{i}(total):\n{body}    return generated_{max(i - 1, 0)}(total)\n\n"
            )
            i += 1
    db = tmp_path / "graph.db"
    code, out, err = _cli(
        capsys,
        "ingest",
        str(root),
        "--json",
        "--store",
        str(db),
        "--max-file-size",
        str(BIG_FILE_BYTES * 2),
    )
    assert code == 0, err
    report = json.loads(out)
    with open_store(str(db)) as store:
        functions = store.counts().get("Function", 0)
    assert functions == i
    print(f"\n[hostile/20MB] {i} functions parsed in {report['seconds']:.1f}s")


def test_ingest_of_an_empty_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_env: None
) -> None:
    for name, git in (("empty", False), ("empty-git", True)):
        root = tmp_path / name
        root.mkdir()
        if git:
            subprocess.run(["git", "init", "-q", str(root)], check=True)
        db = tmp_path / f"{name}.db"
        code, out, err = _cli(capsys, "ingest", str(root), "--json", "--store", str(db))
        assert code == 0, err
        assert json.loads(out)["files_parsed"] == 0
        code, out, err = _cli(capsys, "status", "--json", "--store", str(db), "--repo", str(root))
        assert code == 0, err


# -- bad requests ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An ingested small repository with two memories (one superseding the other), built once."""
    from graphmem.api import GraphMem
    from graphmem.embed import default_embedder
    from graphmem.settings import Settings

    base = tmp_path_factory.mktemp("shop-template")
    root = base / "shop"
    (root / "src" / "shop").mkdir(parents=True)
    (root / "src" / "shop" / "__init__.py").write_text("")
    (root / "src" / "shop" / "tax.py").write_text("def compute(x):\n    return x * 2\n")
    db = base / "graph.db"
    embedder = default_embedder("all-MiniLM-L6-v2")
    settings = Settings(store=str(db), author="reliability", user="reliability")
    with GraphMem(settings, repo_root=root, embedder=embedder) as gm:
        gm.ingest(history=0)
        first = gm.remember("decision", "Tax is doubled", governs=["src/shop/tax.py"])
        second = gm.remember("decision", "Tax is tripled", supersedes=[first.memory.id])
    return {"db": str(db), "root": str(root), "old": first.memory.id, "new": second.memory.id}


@pytest.fixture
def shop(shop_template: dict[str, str], tmp_path: Path, cli_env: None) -> dict[str, str]:
    """A private copy of the template store (the closed store is one file)."""
    db = tmp_path / "graph.db"
    shutil.copy(shop_template["db"], db)
    return {**shop_template, "db": str(db)}


MALFORMED_IMPORTS: dict[str, bytes] = {
    "not json": b'{"kind": "node", "id": "x", "labels": ["Memory"]\n',
    "json but not an object": b"[1, 2, 3]\n",
    "unknown kind": b'{"kind": "vertex", "id": "x"}\n',
    "unknown label": b'{"kind": "node", "id": "x", "labels": ["Memory", "Evil`) DETACH DELETE n //"], "properties": {}}\n',  # noqa: E501
    "no base label": b'{"kind": "node", "id": "x", "labels": ["Decision"], "properties": {}}\n',
    "unknown edge type": b'{"kind": "edge", "type": "OWNS", "source": "a", "target": "b", "properties": {}}\n',  # noqa: E501
    "edge to nowhere": b'{"kind": "edge", "type": "CALLS", "source": "nope", "target": "nada", "properties": {}}\n',  # noqa: E501
    "nested property": b'{"kind": "node", "id": "x", "labels": ["Event"], "properties": {"a": {"b": 1}}}\n',  # noqa: E501
    "empty id": b'{"kind": "node", "id": "", "labels": ["Event"], "properties": {}}\n',
    "extra field": b'{"kind": "node", "id": "x", "labels": ["Event"], "properties": {}, "x": 1}\n',
    "binary": b"\x00\xff\xfe\x89PNG\r\n" * 10,
    "latin-1": b'{"kind": "node", "id": "caf\xe9", "labels": ["Event"], "properties": {}}\n',
    "good line then bad": (
        b'{"kind": "node", "id": "ev-ok", "labels": ["Event"], "properties": {}}\n'
        b'{"kind": "node", "id": "ev-bad", "labels": [], "properties": {}}\n'
    ),
    "nan": b'{"kind": "node", "id": "x", "labels": ["Event"], "properties": {"v": NaN}}\n',
}


@pytest.mark.parametrize("case", sorted(MALFORMED_IMPORTS))
def test_malformed_import_is_one_line_and_writes_nothing(
    case: str, shop: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(MALFORMED_IMPORTS[case])
    with open_store(shop["db"]) as store:
        before = store.counts()
    code, _, err = _cli(capsys, "import", str(path), "--store", shop["db"], "--repo", shop["root"])
    _assert_one_line(code, err)
    with open_store(shop["db"]) as store:
        assert store.counts() == before
        assert store.get_node("ev-ok") is None


def test_import_of_a_missing_file_or_directory(
    shop: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--store", shop["db"], "--repo", shop["root"]]
    for target in (tmp_path / "missing.jsonl", tmp_path):
        code, _, err = _cli(capsys, "import", str(target), *common)
        _assert_one_line(code, err)


UNKNOWN_ID_COMMANDS = [
    ("show", "d-00000000"),
    ("history", "d-00000000"),
    ("retract", "d-00000000"),
    ("revert", "d-00000000"),
    ("purge", "d-00000000"),
    ("acknowledge", "d-00000000"),
    ("supersede", "d-00000000", "--by", "{new}"),
    ("remember", "decision", "x", "--supersedes", "d-00000000"),
    ("remember", "decision", "x", "--governs", "no/such/file.py"),
    ("context", "no.such.symbol"),
    ("impact", "no/such/dir/"),
    ("search", "tax", "--near", "nowhere::nothing"),
    ("show", "'; DROP TABLE nodes; --"),
    ("show", ""),
]


@pytest.mark.parametrize("args", UNKNOWN_ID_COMMANDS, ids=lambda a: " ".join(a)[:40])
def test_unknown_ids_are_one_line_and_write_nothing(
    args: tuple[str, ...], shop: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(shop["db"]) as store:
        before = _counts_without_receipts(store)
    argv = [a.format(**shop) for a in args]
    code, _, err = _cli(capsys, *argv, "--store", shop["db"], "--repo", shop["root"])
    _assert_one_line(code, err)
    with open_store(shop["db"]) as store:
        assert _counts_without_receipts(store) == before


ABSURD = [
    ("impact", "src/shop/tax.py", "--depth", "-1"),
    ("impact", "src/shop/tax.py", "--depth", "abc"),
    ("prompt", "--task", "fix tax", "--budget", "-5"),
    ("prompt", "--task", "fix tax", "--budget", "0"),
    ("prompt", "--task", "", "--budget", "100"),
    ("remember", "decision", ""),
    ("remember", "decision", "   \n\t "),
    ("remember", "nonsense-kind", "text"),
    ("search", ""),
    ("search", "   "),
    ("search", "tax", "--limit", "-3"),
    ("log", "--limit", "-1"),
    ("log", "--receipts", "--limit", "0"),
    ("search", "tax", "--since", "not-a-date"),
    ("search", "tax", "--kind", "nonsense"),
    ("context", ""),
    ("cypher", ""),
    ("cypher", "MATCH (n RETURN n"),
    ("query", "no-such-query"),
    ("export", "--format", "xml"),
    ("ingest", "/no/such/dir"),
]

#: Accepted when they succeed (a large value is not an error), but never a traceback.
LARGE = [
    ("impact", "src/shop/tax.py", "--depth", "1000000"),
    ("prompt", "--task", "fix tax", "--budget", "1000000000000"),
    ("search", "tax", "--limit", "100000000"),
    ("search", "tax " * 5000),
    ("remember", "fact", "long " * 20000),
]


@pytest.mark.parametrize("args", ABSURD, ids=lambda a: " ".join(a)[:40])
def test_absurd_arguments_are_one_line_and_write_nothing(
    args: tuple[str, ...], shop: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(shop["db"]) as store:
        before = _counts_without_receipts(store)
    try:
        code, _, err = _cli(capsys, *args, "--store", shop["db"], "--repo", shop["root"])
    except SystemExit as e:  # argparse's own error: one line too, naming the --help to read
        code, err = int(e.code or 0), capsys.readouterr().err
        assert code == 2 and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and err.startswith("graphmem"), err
        assert "--help" in err
    else:
        _assert_one_line(code, err)
    with open_store(shop["db"]) as store:
        assert _counts_without_receipts(store) == before


@pytest.mark.parametrize("args", LARGE, ids=lambda a: " ".join(a)[:40])
def test_large_arguments_work_or_fail_cleanly(
    args: tuple[str, ...], shop: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(capsys, *args, "--store", shop["db"], "--repo", shop["root"])
    if code:
        _assert_one_line(code, err)


def test_errors_from_a_real_process(
    shop: dict[str, str],
    run_cli: Callable[..., Any],
    one_line_error: Callable[[Any], None],
    tmp_path: Path,
) -> None:
    """A sample of the above as real processes: exit code, one stderr line, no traceback."""
    common = ("--store", shop["db"], "--repo", shop["root"])
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(MALFORMED_IMPORTS["edge to nowhere"])
    for args in (
        ("show", "d-00000000"),
        ("import", str(bad)),
        ("remember", "decision", ""),
        ("impact", "src/shop/tax.py", "--depth", "-1"),
    ):
        result = run_cli(*args, *common)
        one_line_error(result)
    result = run_cli("status", "--store", str(tmp_path), "--repo", shop["root"])
    one_line_error(result)  # a directory is not a store
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello\n" * 100)
    result = run_cli("status", "--store", str(not_a_db), "--repo", shop["root"])
    one_line_error(result)
    assert not_a_db.read_text() == "hello\n" * 100
