"""Least privilege on Neo4j: a second Neo4j user, created on the dev server, runs every read
command through a read-only graphmem connection (GRAPHMEM_READ_ONLY=1), and every write through
it fails with one line naming the missing privilege, writing nothing.

Neo4j 5 Community has users but no roles (GRANT, DENY and SHOW ROLES are Enterprise commands,
checked below): any user may write. What it does enforce is a transaction's access mode, so a
read-only connection sends everything as read transactions and the server refuses the writes.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.settings import Settings
from graphmem.store import GraphStore, open_store

pytestmark = pytest.mark.neo4j

FIXTURE_REPO = Path(__file__).resolve().parents[1] / "fixtures" / "pyrepo"


def _admin() -> Settings:
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but NEO4J_URI is not set")
        pytest.skip("NEO4J_URI is not set (run `make neo4j` or use `make test`)")
    return Settings.from_env(store=uri)


@pytest.fixture(scope="module")
def reader() -> Iterator[tuple[str, str]]:
    """A Neo4j user of its own (name, password), dropped afterwards."""
    import neo4j

    admin = _admin()
    name, password = f"reader_{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    driver = neo4j.GraphDatabase.driver(
        admin.store or "", auth=(admin.neo4j_username, admin.neo4j_password or "")
    )
    try:
        with driver.session(database="system") as session:
            session.run(
                "CREATE USER $name SET PLAINTEXT PASSWORD $password CHANGE NOT REQUIRED",
                name=name,
                password=password,
            ).consume()
            edition = session.run("CALL dbms.components() YIELD edition RETURN edition").single()
            if edition and edition["edition"] == "community":
                with pytest.raises(neo4j.exceptions.ClientError, match="Unsupported"):
                    session.run("DENY WRITE ON GRAPH * TO PUBLIC").consume()
        yield name, password
    finally:
        with driver.session(database="system") as session:
            session.run("DROP USER $name IF EXISTS", name=name).consume()
        driver.close()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, GraphStore, str]]:
    """The fixture repository ingested (with history) into Neo4j by the admin user, with a
    superseded decision and a failure."""
    from graphmem.api import GraphMem
    from graphmem.embed import default_embedder

    admin = _admin()
    root = tmp_path_factory.mktemp("read-only") / "shop"
    shutil.copytree(FIXTURE_REPO, root)
    for args in (("init", "-q", "-b", "main"), ("add", "."), ("commit", "-q", "-m", "Add shop")):
        subprocess.run(
            ["git", "-c", "user.name=Ana", "-c", "user.email=ana@example.com", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )
    store = open_store(admin.store or "", admin)
    store.cypher("MATCH (n) DETACH DELETE n", write=True)
    gm = GraphMem(admin, repo_root=root, store=store, embedder=default_embedder("all-MiniLM-L6-v2"))
    gm.ingest(history=5)
    old = gm.remember("decision", "Tax is computed per line", governs=["src/shop/billing/"])
    new = gm.remember(
        "decision",
        "Tax is computed per invoice",
        governs=["src/shop/billing/"],
        supersedes=[old.memory.id],
    )
    gm.remember("failure", "Rounding drifted by a cent", governs=["src/shop/billing/tax.py"])
    yield root, store, new.memory.id
    store.close()


def _snapshot(store: GraphStore) -> dict[str, int]:
    return dict(store.counts())


def test_a_read_only_user_runs_every_read_command(
    reader: tuple[str, str],
    filled: tuple[Path, GraphStore, str],
    run_cli: Callable[..., Any],
    one_line_error: Callable[[Any], None],
) -> None:
    root, store, memory_id = filled
    name, password = reader
    env = {
        "NEO4J_USERNAME": name,
        "NEO4J_PASSWORD": password,
        "GRAPHMEM_READ_ONLY": "1",
        "GRAPHMEM_STORE": _admin().store or "",
    }
    before = _snapshot(store)
    reads = [
        ("status",),
        ("show", memory_id),
        ("history", memory_id),
        ("log",),
        ("log", "--receipts"),
        ("context", "src/shop/billing/tax.py"),
        ("context", "src/shop/billing/", "--history"),
        ("impact", "src/shop/billing/tax.py"),
        ("search", "how is tax computed"),
        ("prompt", "--task", "change the tax rounding", "--files", "src/shop/billing/tax.py"),
        ("cypher", "MATCH (m:Memory) RETURN count(m) AS n"),
        ("query", "--list"),
        ("query", "decisions", "--param", "path=src/shop/billing/tax.py"),
        ("export", "--format", "jsonl"),
        ("export", "--format", "markdown"),
    ]
    for args in reads:
        result = run_cli(*args, "--repo", str(root), cwd=root, **env)
        assert result.code == 0, (args, result.err)
    assert (
        "Tax is computed per invoice"
        in run_cli("context", "src/shop/billing/tax.py", "--repo", str(root), cwd=root, **env).out
    )

    writes = [
        ("remember", "fact", "Written by the reader"),
        ("retract", memory_id),
        ("cypher", "CREATE (n:Evil {id: 'x'})", "--write"),
        ("ingest", "--full"),
    ]
    for args in writes:
        result = run_cli(*args, "--repo", str(root), cwd=root, **env)
        one_line_error(result)
        assert "read-only" in result.err and "WRITE privilege" in result.err, (args, result.err)
    assert _snapshot(store) == before, "a read-only connection changed the store"
    print(
        f"\n[neo4j/read-only] user {name}: {len(reads)} read commands run, "
        f"{len(writes)} writes refused by the server, store unchanged"
    )


def test_without_the_setting_community_lets_that_user_write(
    reader: tuple[str, str], filled: tuple[Path, GraphStore, str]
) -> None:
    """What Community cannot do, stated by a test: the user alone is not a boundary."""
    name, password = reader
    admin = _admin()
    settings = dataclasses.replace(admin, neo4j_username=name, neo4j_password=password)
    store = open_store(admin.store or "", settings)
    try:
        rows = store.cypher("MATCH (c:Commit) RETURN count(c) AS n")
        assert rows[0]["n"] >= 1
        edition = store.cypher("CALL dbms.components() YIELD edition RETURN edition")[0]
        if edition["edition"] != "community":
            pytest.skip("an Enterprise server can give this user the reader role instead")
        store.cypher("CREATE (n:Probe {id: 'probe'})", write=True)
        store.cypher("MATCH (n:Probe) DELETE n", write=True)
    finally:
        store.close()
