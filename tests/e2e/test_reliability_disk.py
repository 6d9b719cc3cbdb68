"""A full disk and a read-only store: one clear error, no corruption, nothing acknowledged lost.

The disk is made full two ways: a 1 MB tmpfs (the real thing; needs root and mount, which CI
containers may refuse, then skipped with the reason) and a file-size limit (RLIMIT_FSIZE) on the
writing process, which works everywhere. A read-only store is a read-only mount as root (root
ignores permission bits) and a chmod otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.api import GraphMem
from graphmem.errors import StoreError
from graphmem.model.graph import Label
from graphmem.settings import Settings
from graphmem.store import open_store

FILLER = textwrap.dedent(
    """
    import json, os, resource, signal, sys
    from graphmem.api import GraphMem
    from graphmem.errors import GraphMemError
    from graphmem.settings import Settings

    store, root, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    gm = GraphMem(Settings.from_env(store=store), repo_root=root)
    gm.embedder.embed(["warm up"])
    gm.store.counts()
    if limit:
        # no file this process writes may grow past `limit` bytes: a full disk, for it
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    padding = " ".join(f"word{n}" for n in range(300))
    for i in range(5000):
        text = f"filler note {i}: {padding}"
        try:
            result = gm.remember("fact", text, rationale=padding, tags=["filler"])
        except GraphMemError as e:
            print(json.dumps({"op": "error", "type": type(e).__name__, "message": str(e),
                              "text": text}), flush=True)
            break
        print(json.dumps({"op": "remember", "id": result.memory.id, "text": text}), flush=True)
    """
)


def _fill(env: dict[str, str], store: Path, root: Path, limit: int = 0) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-c", FILLER, str(store), str(root), str(limit)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _check_after_full(
    store_path: Path, records: list[dict[str, Any]], check_integrity: Callable[..., Any]
) -> tuple[int, str]:
    error = records[-1]
    assert error["op"] == "error", records[-3:]
    assert error["type"] == "StoreError", error
    assert "\n" not in error["message"], error
    after_path = error["message"].split(str(store_path))[-1]
    assert error["message"].startswith("cannot") and "disk" in after_path, error
    with open_store(str(store_path)) as store:
        check_integrity(store)
        texts = {n.get("text") for n in store.iter_nodes(Label.MEMORY)}
        acked = [r for r in records if r["op"] == "remember"]
        for record in acked:
            assert record["text"] in texts, record
    return len(acked), error["message"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "src" / "shop").mkdir(parents=True)
    (root / "src" / "shop" / "__init__.py").write_text("")
    (root / "src" / "shop" / "tax.py").write_text("def compute(x):\n    return x * 2\n")
    return root


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "small-disk"
    if not _mount_tmpfs(where, "1m"):
        pytest.skip("cannot mount a tmpfs here (needs root and mount permission)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.slow
def test_full_disk_tmpfs(
    small_disk: Path,
    repo: Path,
    graphmem_env: dict[str, str],
    check_integrity: Callable[..., Any],
    run_cli: Callable[..., Any],
    one_line_error: Callable[[Any], None],
) -> None:
    store_path = small_disk / "graph.db"
    records = _fill(graphmem_env, store_path, repo)
    acked, message = _check_after_full(store_path, records, check_integrity)
    # other commands on the full disk: one line, exit 5; reads still work
    result = run_cli(
        "remember", "fact", "one more", "--store", str(store_path), "--repo", str(repo)
    )
    one_line_error(result)
    assert result.code == 5
    result = run_cli("status", "--store", str(store_path), "--repo", str(repo))
    assert result.code == 0 or (result.code == 5 and result.err.count("\n") == 1), result.err
    # more space: the same command succeeds, and the store is whole
    subprocess.run(["mount", "-o", "remount,size=16m", str(small_disk)], check=True)
    result = run_cli(
        "remember", "fact", "one more", "--store", str(store_path), "--repo", str(repo)
    )
    assert result.code == 0, result.err
    with open_store(str(store_path)) as store:
        check_integrity(store)
    print(f"\n[disk-full/tmpfs 1 MB] {acked} remembers acknowledged, then: {message}")


def test_full_disk_file_size_limit(
    tmp_path: Path,
    repo: Path,
    graphmem_env: dict[str, str],
    check_integrity: Callable[..., Any],
    embedder: Any,
) -> None:
    store_path = tmp_path / "graph.db"
    with GraphMem(Settings(store=str(store_path)), repo_root=repo, embedder=embedder) as gm:
        gm.ingest(history=0)
        gm.remember("decision", "Tax is doubled", governs=["src/shop/tax.py"])
    size = max(p.stat().st_size for p in tmp_path.glob("graph.db*"))
    records = _fill(graphmem_env, store_path, repo, limit=size + 64 * 1024)
    acked, message = _check_after_full(store_path, records, check_integrity)
    # without the limit the same work goes on
    with GraphMem(Settings(store=str(store_path)), repo_root=repo, embedder=embedder) as gm:
        assert gm.remember("fact", "after the disk was freed").created
        check_integrity(gm.store)
    print(f"\n[disk-full/RLIMIT_FSIZE] {acked} remembers acknowledged, then: {message}")


def _digest(paths: list[Path]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        if path.exists():
            sha.update(path.read_bytes())
    return sha.hexdigest()


@pytest.fixture
def read_only_store(tmp_path: Path, repo: Path, embedder: Any) -> Iterator[Path]:
    """A store with content, then made read-only: a ro mount as root, chmod otherwise."""
    if os.geteuid() == 0:
        where = tmp_path / "ro-disk"
        if not _mount_tmpfs(where, "16m"):
            pytest.skip("running as root, and cannot mount a tmpfs to make read-only")
    else:
        where = tmp_path / "ro-dir"
        where.mkdir()
    store_path = where / "graph.db"
    with GraphMem(Settings(store=str(store_path)), repo_root=repo, embedder=embedder) as gm:
        gm.ingest(history=0)
        gm.remember("decision", "Tax is doubled", governs=["src/shop/tax.py"])
    try:
        if os.geteuid() == 0:
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        else:
            store_path.chmod(0o444)
            where.chmod(0o555)
        yield store_path
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(where)], check=False)
        else:
            where.chmod(0o755)
            store_path.chmod(0o644)


def test_read_only_store(
    read_only_store: Path,
    repo: Path,
    run_cli: Callable[..., Any],
    one_line_error: Callable[[Any], None],
) -> None:
    files = sorted(read_only_store.parent.glob("graph.db*"))
    before = _digest(files)
    common = ("--store", str(read_only_store), "--repo", str(repo))
    for args in (
        ("remember", "fact", "cannot be written"),
        ("ingest", str(repo)),
        ("status",),
        ("context", "src/shop/tax.py"),
    ):
        result = run_cli(*args, *common)
        if result.code == 0:
            assert args[0] in ("status", "context"), args  # reads may work; writes never
            continue
        one_line_error(result)
        assert "read-only" in result.err, result.err
    with pytest.raises(StoreError):
        open_store(str(read_only_store)).write  # noqa: B018 - opening is what fails
    assert _digest(files) == before
    print("\n[read-only] writes refused with one line; the file is unchanged")
