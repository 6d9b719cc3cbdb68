"""A build file the ingest reads services from is a service change in a review, and the
memories on its folder are at stake (javapoet's pom.xml bump was "no code entity changed")."""

from __future__ import annotations

from pathlib import Path

from graphmem.api import GraphMem
from graphmem.embed import Embedder
from graphmem.settings import Settings
from tests.unit.review.review_repo import git, write

POM = """<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme</groupId>
  <artifactId>core</artifactId>
  <version>{version}</version>
</project>
"""


def test_a_changed_pom_is_a_service_change_with_its_folders_memories_at_stake(
    tmp_path: Path, embedder: Embedder
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(
        root,
        {
            "core/pom.xml": POM.format(version="1.0"),
            "core/src/main/java/com/acme/App.java": "package com.acme;\n\nclass App {}\n",
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    base = git(root, "rev-parse", "HEAD")
    with GraphMem(Settings(store=str(tmp_path / "g.db")), repo_root=root, embedder=embedder) as gm:
        gm.ingest(history=0)
        pinned = gm.remember("constraint", "core's dependencies are pinned", ["core/"])
        write(root, {"core/pom.xml": POM.format(version="1.1")})
        report = gm.review(base)
    [service] = report.services
    assert service.path == "core/pom.xml" and service.status == "modified"
    assert [s.qualified_name for s in service.services] == ["service:core"]
    assert pinned.memory.id in {m.id for m in report.at_stake}
