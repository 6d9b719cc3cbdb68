"""The GitHub Action's shell steps (action.yml), run as a runner runs them, on a real repository,
with the comment posted to a local stand-in of the GitHub API (no network).

The `uses:` step (setup-python) and the pip install are the runner's business and are left
out; graphmem comes from this checkout's environment instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from graphmem.api import GraphMem
from graphmem.embed import Embedder
from graphmem.settings import Settings
from tests.e2e.conftest import child_env
from tests.unit.review.review_repo import build_shop_repo, git
from tests.unit.review.test_review_comment import FakeGitHub, github  # noqa: F401 (fixture)

ROOT = Path(__file__).parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def evaluate(expression: str, context: dict[str, str]) -> str:
    """`${{ a || b }}` as the runner evaluates it for these simple cases: the first non-empty."""

    def one(match: re.Match[str]) -> str:
        for name in match.group(1).split("||"):
            value = context.get(name.strip(), "")
            if value:
                return value
        return ""

    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", one, expression)


def run_step(step: dict[str, Any], context: dict[str, str], env: dict[str, str]) -> int:
    step_env = {k: evaluate(str(v), context) for k, v in (step.get("env") or {}).items()}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],  # as runners do
        env={**env, **step_env},
        cwd=env["GITHUB_WORKSPACE"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.mark.parametrize("fail_on", ["constraint", ""])
def test_the_action_ingests_reviews_comments_and_gates(
    tmp_path: Path,
    embedder: Embedder,
    github: FakeGitHub,  # noqa: F811 (the imported fixture)
    fail_on: str,
) -> None:
    repo = build_shop_repo(tmp_path / "work")
    git(repo.root, "checkout", "-q", "feature")
    # the team's memories, exported from another store
    team = GraphMem(Settings(store=str(tmp_path / "team.db")), repo.root, embedder=embedder)
    team.ingest()
    team.remember("constraint", "charge must be idempotent", ["shop.payments.charge"])
    memories = tmp_path / "memories.jsonl"
    with memories.open("w") as fp:
        team.export_jsonl(fp)
    team.close()

    runner_temp, output, summary = tmp_path / "runner", tmp_path / "out", tmp_path / "summary"
    runner_temp.mkdir()
    env = child_env(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        RUNNER_TEMP=str(runner_temp),
        GITHUB_WORKSPACE=str(repo.root),
        GITHUB_OUTPUT=str(output),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_ACTION_PATH=str(ROOT),
        GITHUB_REPOSITORY="o/r",
        GITHUB_API_URL=github.url,
        GITHUB_TOKEN="ghs_standin_token",
    )
    context = {
        "inputs.base": repo.base,
        "inputs.head": repo.head,
        "inputs.depth": "3",
        "inputs.fail-on": fail_on,
        "inputs.memories": str(memories),
        "inputs.always-comment": "false",
        "inputs.github-token": "ghs_standin_token",
        "github.event.pull_request.number": "7",
    }
    steps = {step.get("id") or step.get("name"): step for step in ACTION["runs"]["steps"]}
    assert run_step(steps["ingest"], context, env) == 0
    context["steps.ingest.outputs.store"] = outputs(output)["store"]
    assert run_step(steps["review"], context, env) == 0
    result = outputs(output)
    assert result["exit-code"] == ("8" if fail_on else "0")
    review = Path(result["review-file"]).read_text()
    assert review.startswith("<!-- graphmem-review -->\n<!-- graphmem-review at-stake=1 -->")
    assert "charge must be idempotent" in review and summary.read_text() == review
    context["steps.review.outputs.review-file"] = result["review-file"]
    assert run_step(steps["Comment on the pull request"], context, env) == 0
    assert [c["body"] for c in github.comments] == [review]
    assert run_step(steps["Gate"], context, env) == 8  # the runner skips it unless code 8
