"""The hook path on a real Neo4j store: the same answers as on the embedded store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphmem.api import GraphMem
from graphmem.embed import Embedder
from graphmem.settings import Settings
from tests.e2e.test_hooks import HookRepo, build_repo, context_of, payload, run_hook

pytestmark = pytest.mark.neo4j


@pytest.fixture
def neo4j_repo(tmp_path: Path, embedder: Embedder) -> HookRepo:
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but NEO4J_URI is not set")
        pytest.skip("NEO4J_URI is not set")
    root = tmp_path / "shop-neo4j-hooks"
    settings = Settings.from_env(store=uri)
    with GraphMem(settings, repo_root=tmp_path) as gm:
        gm.store.cypher("MATCH (n {repo: $repo}) DETACH DELETE n", {"repo": root.name}, write=True)
    return HookRepo(root, build_repo(root, embedder, store=uri))


def neo4j_env() -> dict[str, str]:
    keys = ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE")
    env = {k: os.environ[k] for k in keys if k in os.environ}
    env["GRAPHMEM_STORE"] = os.environ["NEO4J_URI"]
    return env


def test_before_and_after_an_edit_on_neo4j(neo4j_repo: HookRepo) -> None:
    repo, env = neo4j_repo, neo4j_env()
    data = payload("claude-code", "pre_tool_use_edit", repo.root)
    text = context_of(run_hook("claude-code", data, repo, **env), "claude-code")
    assert repo.ids["send"] in text and repo.ids["billing"] in text
    assert text.index(repo.ids["send"]) < text.index(repo.ids["billing"])
    assert repo.ids["old"] not in text and repo.ids["gone"] not in text
    assert run_hook("claude-code", data, repo, **env).out == ""
    invoices = repo.root / "src" / "shop" / "billing" / "invoices.py"
    invoices.write_text(invoices.read_text().replace('u.log("sending")', 'u.log("sending it")'))
    after = payload("claude-code", "post_tool_use_edit", repo.root)
    notice = context_of(run_hook("claude-code", after, repo, **env), "claude-code")
    assert repo.ids["send"] in notice and "graphmem acknowledge" in notice
    briefing = payload("claude-code", "session_start", repo.root, session_id="n-2")
    assert repo.ids["global"] in context_of(
        run_hook("claude-code", briefing, repo, **env), "claude-code"
    )
