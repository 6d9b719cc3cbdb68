"""Opening the embedded store on bad files: every failure is one clear StoreError line."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from graphmem.errors import StoreError
from graphmem.model.graph import Label, Node
from graphmem.store import open_store
from graphmem.store.base import WriteBatch
from graphmem.store.embedded import EmbeddedStore
from graphmem.store.embedded.schema import SCHEMA_VERSION


def _one_line(error: pytest.ExceptionInfo[StoreError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` unwritable, even for root (which ignores permission bits) where possible."""
    mode = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    immutable = False
    try:
        if os.access(path, os.W_OK):  # root: fall back to the immutable attribute
            chattr = shutil.which("chattr")
            done = chattr and subprocess.run([chattr, "+i", str(path)], capture_output=True)
            if not done or done.returncode != 0 or os.access(path, os.W_OK):
                pytest.skip("cannot make a file read-only for this user here")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


def test_a_text_file_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError) as error:
        EmbeddedStore(path)
    assert "not a graphmem store" in _one_line(error)
    assert path.read_text().startswith("these are my notes")  # untouched


def test_a_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.close()
    with pytest.raises(StoreError) as error:
        EmbeddedStore(path)
    assert "not a graphmem store" in _one_line(error)
    assert "customers" in str(error.value)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    EmbeddedStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as error:
        EmbeddedStore(path)
    assert "newer graphmem" in _one_line(error)


def test_a_corrupt_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    store = EmbeddedStore(path)
    nodes = [
        Node(id=f"n{i:05d}", labels=(Label.EVENT,), properties={"text": "x" * 200})
        for i in range(2000)
    ]
    store.write(WriteBatch(upsert_nodes=nodes))
    store.close()
    size = path.stat().st_size
    with path.open("r+b") as fp:  # keep the header page, scramble everything after it
        fp.seek(4096)
        fp.write(bytes((i * 7 + 13) % 256 for i in range(size - 4096)))
    with pytest.raises(StoreError) as error:
        reopened = EmbeddedStore(path)
        try:
            list(reopened.iter_nodes())
        finally:
            reopened.close()
    assert "corrupt" in _one_line(error) or "not a graphmem store" in str(error.value)


def test_a_read_only_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    EmbeddedStore(path).close()
    with read_only(path), pytest.raises(StoreError) as error:
        EmbeddedStore(path)
    assert "read-only" in _one_line(error)


def test_a_read_only_directory_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder), pytest.raises(StoreError) as error:
        EmbeddedStore(folder / "graph.db")
    assert "read-only" in _one_line(error)


def test_a_missing_parent_directory_is_created(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "a" / "b" / "graph.db"))
    store.close()
    assert (tmp_path / "a" / "b" / "graph.db").is_file()


def test_a_parent_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as error:
        EmbeddedStore(blocker / "sub" / "graph.db")
    assert "cannot create the directory" in _one_line(error)


def test_a_directory_is_not_a_store_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as error:
        EmbeddedStore(tmp_path)
    assert "is a directory" in _one_line(error)


def test_sqlite_urls_open_the_embedded_store(tmp_path: Path) -> None:
    store = open_store(f"sqlite://{tmp_path / 'graph.db'}")
    assert store.name == "embedded"
    store.close()


def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "graph.db")
    store.close()
    store.close()  # closing twice is fine
    with pytest.raises(StoreError, match="closed"):
        store.get_node("x")


def test_the_file_uses_wal_and_records_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    EmbeddedStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    EmbeddedStore(path).close()  # reopening an existing store works


def test_an_older_development_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    EmbeddedStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as error:
        EmbeddedStore(path)
    assert "pre-release" in _one_line(error)
