"""`graphmem review` as users and CI run it: a child process, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import CliRun
from tests.unit.review.review_repo import ShopRepo, build_shop_repo

Run = Callable[..., CliRun]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> ShopRepo:
    """The shop repository ingested at its base, with a constraint and a failure recorded."""
    from tests.e2e.conftest import child_env

    repo = build_shop_repo(tmp_path_factory.mktemp("review"))
    store = str(repo.root.parent / "graph.db")

    def cli(*args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "graphmem.cli.main", "--store", store, *args],
            cwd=repo.root,
            env=child_env(),
            check=True,
            capture_output=True,
        )

    cli("ingest")
    cli("remember", "constraint", "charge must be idempotent", "--governs", "shop.payments.charge")
    cli("remember", "failure", "zero refunds crashed", "--governs", "shop.payments.refund",
        "--fix", "reject them")  # fmt: skip
    return repo


def review(run_cli: Run, shop: ShopRepo, *args: str) -> CliRun:
    store = str(shop.root.parent / "graph.db")
    result: CliRun = run_cli("--store", store, "review", *args, cwd=shop.root)
    return result


def test_json_has_the_whole_report(run_cli: Run, shop: ShopRepo) -> None:
    done = review(run_cli, shop, shop.base, "--head", shop.head, "--json")
    assert done.code == 0, done.err
    report = json.loads(done.out)
    assert report["counts"]["entities"] == 8 and report["counts"]["constraints"] == 1
    assert report["receipt_id"]
    assert {m["kind"] for m in report["at_stake"]} == {"constraint", "failure"}


def test_markdown_and_text(run_cli: Run, shop: ShopRepo) -> None:
    markdown = review(run_cli, shop, shop.base, "--head", shop.head, "--format", "markdown")
    assert markdown.code == 0
    assert markdown.out.startswith("<!-- graphmem-review -->\n<!-- graphmem-review at-stake=2 -->")
    assert "<details>" in markdown.out
    text = review(run_cli, shop, shop.base, "--head", shop.head)
    assert text.out.startswith(f"Review of {shop.head} against {shop.base}")
    assert "renamed  Function shop.payments.double" in text.out


@pytest.mark.parametrize(
    ("gates", "code"),
    [
        (["--fail-on", "constraint"], 8),
        (["--fail-on", "failure"], 8),
        (["--fail-on", "stale"], 8),
        (["--fail-on", "constraint,stale"], 8),
        ([], 0),
    ],
)
def test_fail_on_gates_exit_8_when_tripped(
    run_cli: Run, shop: ShopRepo, gates: list[str], code: int
) -> None:
    done = review(run_cli, shop, shop.base, "--head", shop.head, "--json", *gates)
    assert done.code == code, done.err
    json.loads(done.out)  # the report is printed whatever the gate says
    if code:
        assert done.err.startswith("graphmem: review: ")


def test_a_change_with_nothing_at_stake_passes_every_gate(run_cli: Run, shop: ShopRepo) -> None:
    done = review(
        run_cli, shop, shop.head, "--head", shop.head, "--fail-on", "constraint,failure,stale"
    )
    assert done.code == 0, done.err
    assert "0 changed entities in 0 files" in done.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-ref"], "unknown revision 'no-such-ref'"),
        (["main", "--head", "nope"], "unknown revision 'nope'"),
        (["main", "--fail-on", "typo"], "unknown --fail-on 'typo'"),
        (["main", "--depth", "0"], "depth must be at least 1"),
    ],
)
def test_bad_input_is_one_line(
    run_cli: Run,
    shop: ShopRepo,
    one_line_error: Callable[[CliRun], None],
    args: list[str],
    message: str,
) -> None:
    done = review(run_cli, shop, *args)
    one_line_error(done)
    assert message in done.err


def test_a_shallow_clone_without_the_base_says_how_to_fix_it(
    run_cli: Run, shop: ShopRepo, tmp_path: Path, one_line_error: Callable[[CliRun], None]
) -> None:
    clone = tmp_path / "shop"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--branch", "feature",
         f"file://{shop.root}", str(clone)],
        check=True,
    )  # fmt: skip
    assert run_cli("--store", str(tmp_path / "g.db"), "ingest", cwd=clone).code == 0
    done = run_cli("--store", str(tmp_path / "g.db"), "review", shop.base, cwd=clone)
    one_line_error(done)
    assert "shallow clone: fetch more history" in done.err


def test_a_read_command_on_a_store_that_does_not_exist_says_so_and_creates_nothing(
    run_cli: Run, shop: ShopRepo, tmp_path: Path, one_line_error: Callable[[CliRun], None]
) -> None:
    """A mistyped --store used to answer "not indexed yet" and leave an empty store there."""
    missing = tmp_path / "typo" / "g.db"
    for command in (["status"], ["review", shop.base], ["search", "invoices"], ["stale"]):
        done = run_cli("--store", str(missing), *command, cwd=shop.root)
        one_line_error(done)
        assert done.code == 5 and "no graphmem store at" in done.err
    assert not missing.parent.exists()
