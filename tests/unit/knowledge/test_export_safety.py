"""`graphmem export` into the repository never loses what a person wrote, end to end through the
CLI (`graphmem.cli.main.main`) on a real embedded store with the real model, on small
repositories written here: an ADR edited in review, a managed block missing its end marker, a
hand-written rules file of graphmem's name, folder memories and the AGENTS.md above them,
the ADR folder's own format, and --json for every format."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli.main import main
from graphmem.knowledge.documents import BLOCK_BEGIN, BLOCK_END

MADR = """\
---
status: accepted
date: 2024-01-10
---

# Store money in PostgreSQL numeric columns

## Context and Problem Statement

Floats lose cents.

## Decision Outcome

Chosen option: numeric(12, 2), because it is exact.
"""

NYGARD = """\
# 1. Record architecture decisions

Date: 2024-01-10

## Status

Accepted

## Context

We need to record the architectural decisions made on this project.

## Decision

We will use Architecture Decision Records.

## Consequences

See Michael Nygard's article.
"""


@pytest.fixture
def repo(cli_repo: Callable[..., Path]) -> Path:
    """The shop code base (no ADRs or rules files yet), with the CLI on a store of its own."""
    return cli_repo()


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def remember(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = cli(capsys, "remember", *argv, "--json")
    assert code == 0, err
    return str(json.loads(out)["memory"]["id"])


def ingest(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = cli(capsys, "ingest", "--history", "0", "--json")
    assert code == 0, err
    return dict(json.loads(out)["documents"])


def export(capsys: pytest.CaptureFixture[str], fmt: str, *flags: str) -> tuple[int, Any, str]:
    code, out, err = cli(capsys, "export", "--format", fmt, "--json", *flags)
    return code, json.loads(out), err


def warnings_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("graphmem: warning: ")]


# -- 1. an exported ADR edited in review -------------------------------------------------------


def test_an_exported_adr_edited_in_review_keeps_the_edit_through_every_export(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "docs/decisions/0001-store-money-in-numeric-columns.md", MADR)
    ingest(capsys)
    old = remember(
        capsys, "decision", "Invoices are immutable once sent.", "--rationale", "Auditors."
    )
    code, result, _ = export(capsys, "adr")
    assert code == 0
    [rel] = result["written"]
    assert rel == "docs/decisions/0002-invoices-are-immutable-once-sent.md"
    path = repo / rel
    # the reviewer adds consequences in the pull request, as MADR's template has them
    reviewed = path.read_text() + "\n### Consequences\n\n* Good, because audits pass.\n"
    path.write_text(reviewed)
    ingest(capsys)

    code, result, err = export(capsys, "adr")
    assert (code, result["written"], result["unchanged"], err) == (0, [], [rel], "")
    assert path.read_text() == reviewed

    # The decision is superseded: the status line changes, and nothing else.
    new = remember(
        capsys, "decision", "Sent invoices are corrected by credit notes.", "--supersedes", old
    )
    code, result, _ = export(capsys, "adr")
    assert code == 0
    newer = "docs/decisions/0003-sent-invoices-are-corrected-by-credit-notes.md"
    assert sorted(result["written"]) == [rel, newer]
    after = path.read_text()
    assert "### Consequences\n\n* Good, because audits pass.\n" in after
    changed = [(a, b) for a, b in zip(reviewed.splitlines(), after.splitlines(), strict=True)]
    assert [(a, b) for a, b in changed if a != b] == [
        ("status: accepted", "status: superseded by ADR-0003")  # as MADR's template says
    ]

    report = ingest(capsys)
    assert (report["created"], report["retracted"], report["warnings"]) == (0, 0, [])
    code, out, _ = cli(capsys, "show", old, "--json")
    assert json.loads(out)["superseded_by"] == [new]


def test_a_status_edited_in_review_is_not_overwritten_before_ingest(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    memory = remember(capsys, "decision", "Refunds need a second approver.")
    [rel] = export(capsys, "adr")[1]["written"]
    ingest(capsys)
    path = repo / rel
    rejected = path.read_text().replace("status: accepted", "status: rejected")
    path.write_text(rejected)

    code, result, err = export(capsys, "adr")  # before the edit reached the memory
    assert code == 4 and result["skipped"] == [rel] and result["written"] == []
    [warning] = warnings_of(err)
    assert warning.startswith(f"graphmem: warning: {rel}:2: says 'rejected'")
    assert "run `graphmem ingest`" in warning and "--force" in warning
    assert path.read_text() == rejected

    ingest(capsys)  # the memory follows its file: retracted
    code, out, _ = cli(capsys, "show", memory, "--json")
    assert json.loads(out)["memory"]["status"] == "retracted"
    code, result, err = export(capsys, "adr")
    assert (code, result["unchanged"], err) == (0, [rel], "")
    assert path.read_text() == rejected  # "rejected" is kept, not made "deprecated"


def test_a_superseded_adr_names_a_successor_exported_in_the_same_run_as_madr_does(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "docs/decisions/0001-store-money-in-numeric-columns.md", MADR)
    ingest(capsys)
    old = remember(capsys, "decision", "Taxes are rounded per line.")
    remember(capsys, "decision", "Taxes are rounded per invoice.", "--supersedes", old)
    code, result, _ = export(capsys, "adr")
    assert code == 0 and len(result["written"]) == 2
    text = (repo / "docs/decisions/0002-taxes-are-rounded-per-line.md").read_text()
    assert "\nstatus: superseded by ADR-0003\n" in text
    # superseded again with no ingest in between: the file still says what graphmem wrote
    per_invoice = "docs/decisions/0003-taxes-are-rounded-per-invoice.md"
    [newer] = re.findall(r"id: (d-\w+)", (repo / per_invoice).read_text())
    remember(capsys, "decision", "Taxes are rounded per order.", "--supersedes", newer)
    code, result, _ = export(capsys, "adr")
    assert code == 0 and per_invoice in result["written"]
    assert "\nstatus: superseded by ADR-0004\n" in (repo / per_invoice).read_text()
    report = ingest(capsys)
    assert (report["created"], report["warnings"]) == (0, [])


# -- 2. a managed block missing its end marker ------------------------------------------------


def test_a_block_missing_its_end_marker_swallows_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rel = "src/shop/billing/AGENTS.md"
    path = write(repo, rel, "# Billing\n\n- Money is always stored as integer cents.\n")
    ingest(capsys)
    remember(
        capsys, "constraint", "Never import the api package here.", "--governs", "src/shop/billing/"
    )
    code, result, _ = export(capsys, "agents-md")
    assert code == 0 and result["written"] == [rel]
    # someone deletes the end marker and writes a section below the block
    text = path.read_text().replace(BLOCK_END + "\n", "")
    text += "\n## TESTING\n\n- Always run `pytest -q tests` before committing.\n"
    path.write_text(text)
    begin = text.splitlines().index(BLOCK_BEGIN) + 1

    report = ingest(capsys)
    assert report["created"] == 1  # the new rule, and not graphmem's own line
    [warning] = report["warnings"]
    assert warning.startswith(f"{rel}:{begin}: graphmem's block is never closed")
    assert f"put `{BLOCK_END}` back" in warning

    code, result, err = export(capsys, "agents-md")
    assert code == 4 and result["skipped"] == [rel] and result["written"] == []
    [line] = warnings_of(err)
    assert line.startswith(f"graphmem: warning: {rel}:{begin}: graphmem's block is never closed")
    assert "--force" in line
    assert path.read_text() == text  # not one byte changed

    code, result, _ = export(capsys, "agents-md", "--force")
    assert code == 0 and result["written"] == [rel]
    repaired = path.read_text()
    assert repaired.count(BLOCK_BEGIN) == repaired.count(BLOCK_END) == 1
    assert repaired.index(BLOCK_END) < repaired.index("## TESTING")
    assert repaired.endswith("## TESTING\n\n- Always run `pytest -q tests` before committing.\n")
    assert ingest(capsys)["warnings"] == []


def test_a_line_written_inside_the_block_is_not_dropped(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remember(capsys, "constraint", "Never log card numbers.")
    export(capsys, "agents-md")
    path = repo / "AGENTS.md"
    text = path.read_text().replace(BLOCK_END, "- Always pin dependencies.\n" + BLOCK_END)
    path.write_text(text)
    remember(capsys, "constraint", "Never log customer emails.")
    code, result, err = export(capsys, "agents-md")
    assert code == 4 and result["skipped"] == ["AGENTS.md"]
    line = text.splitlines().index("- Always pin dependencies.") + 1
    assert warnings_of(err)[0].startswith(f"graphmem: warning: AGENTS.md:{line}: a line inside")
    assert path.read_text() == text


# -- 3. whole files of graphmem's name that graphmem did not write ----------------------------


def test_a_hand_written_rules_file_of_graphmems_name_is_not_overwritten(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rel = ".cursor/rules/graphmem-repository.mdc"
    mine = "---\nalwaysApply: true\n---\n\n- Never call Google endpoints without a User-Agent.\n"
    path = write(repo, rel, mine)
    ingest(capsys)
    remember(capsys, "decision", "Fetch through primp by default.")

    code, result, err = export(capsys, "cursor-rules")
    assert code == 4 and result["skipped"] == [rel] and result["written"] == []
    [warning] = warnings_of(err)
    assert warning.startswith(f"graphmem: warning: {rel}:1: not written by graphmem")
    assert "rename it" in warning and "--force" in warning
    assert path.read_text() == mine

    code, result, _ = export(capsys, "cursor-rules", "--force")
    assert code == 0 and result["written"] == [rel]
    assert "Fetch through primp by default." in path.read_text()


def test_a_line_added_to_graphmems_rules_file_is_not_dropped(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remember(capsys, "constraint", "Never log card numbers.")
    [rel] = export(capsys, "claude-rules")[1]["written"]
    path = repo / rel
    text = path.read_text() + "- Always ask before deleting fixtures.\n"
    path.write_text(text)
    remember(capsys, "constraint", "Never log customer emails.")
    code, result, err = export(capsys, "claude-rules")
    assert code == 4 and result["skipped"] == [rel]
    assert re.match(rf"graphmem: warning: {re.escape(rel)}:\d+: a line graphmem did not", err)
    assert path.read_text() == text


def test_an_adr_file_claiming_another_memory_is_not_overwritten(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    memory = remember(capsys, "decision", "Sessions expire after one idle hour.")
    [rel] = export(capsys, "adr")[1]["written"]
    ingest(capsys)
    path = repo / rel
    theirs = path.read_text().replace(memory, "d-00000000")  # someone reused the file
    path.write_text(theirs)
    code, result, err = export(capsys, "adr")
    assert code == 4 and result["skipped"] == [rel]
    assert warnings_of(err)[0].startswith(f"graphmem: warning: {rel}:1: holds `graphmem.id:")
    assert path.read_text() == theirs


# -- 4. folder memories and the AGENTS.md above them ------------------------------------------


def test_folder_memories_go_into_the_nearest_agents_md_and_hide_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "AGENTS.md", "# Shop\n\n- Run `pytest -q` before every commit.\n")
    billing = write(repo, "src/shop/billing/AGENTS.md", "# Billing\n\n- Money is cents.\n")
    ingest(capsys)
    api = remember(
        capsys, "constraint", "Never hard-code host names.", "--governs", "src/shop/api/"
    )
    tax = remember(
        capsys, "decision", "Tax is rounded half to even.",
        "--governs", "src/shop/billing/tax.py::compute_tax",
    )  # fmt: skip

    code, result, _ = export(capsys, "agents-md")
    assert code == 0 and sorted(result["written"]) == ["AGENTS.md", "src/shop/billing/AGENTS.md"]
    assert not (repo / "src/shop/api/AGENTS.md").exists()  # it would hide the root's rules
    root_text = (repo / "AGENTS.md").read_text()
    assert root_text.startswith("# Shop\n\n- Run `pytest -q` before every commit.\n")
    section = root_text[root_text.index("### In `src/shop/api/`") :]
    assert f"`{api}`: Never hard-code host names." in section
    assert f"`{tax}`" in billing.read_text() and tax not in root_text
    assert ingest(capsys)["created"] == 0  # graphmem's block is not read back
    assert export(capsys, "agents-md")[1]["written"] == []  # idempotent

    code, result, _ = export(capsys, "agents-md", "--nested")  # asked for: a file per folder
    assert "src/shop/api/AGENTS.md" in result["written"]
    assert api not in (repo / "AGENTS.md").read_text()
    code, result, _ = export(capsys, "agents-md")  # and back: the file held only the block
    assert result["removed"] == ["src/shop/api/AGENTS.md"]
    assert f"`{api}`" in (repo / "AGENTS.md").read_text()


# -- 5. the ADR folder's own format ------------------------------------------------------------


def test_an_adr_tools_folder_gets_nygard_adrs_that_round_trip(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, ".adr-dir", "doc/adr\n")
    write(repo, "doc/adr/0001-record-architecture-decisions.md", NYGARD)
    ingest(capsys)
    old = remember(
        capsys, "decision", "Help text lives in the scripts.", "--rationale", "One place."
    )
    [rel] = export(capsys, "adr")[1]["written"]
    assert rel == "doc/adr/0002-help-text-lives-in-the-scripts.md"
    text = (repo / rel).read_text()
    body = text[text.index("# 2.") :]
    assert re.fullmatch(
        r"# 2\. Help text lives in the scripts\.\n\nDate: \d{4}-\d\d-\d\d\n\n"
        r"## Status\n\nAccepted\n\n## Context\n\nOne place\.\n\n"
        r"## Decision\n\nHelp text lives in the scripts\.\n\n## Consequences\n",
        body,
    ), body
    assert ingest(capsys)["created"] == 0  # the same memory, by the id in its front matter

    new = remember(capsys, "decision", "Help text lives in man pages.", "--supersedes", old)
    code, result, _ = export(capsys, "adr")
    assert code == 0
    newer = "doc/adr/0003-help-text-lives-in-man-pages.md"
    assert sorted(result["written"]) == [rel, newer]
    status = (repo / rel).read_text().split("## Status\n\n")[1].split("\n\n## Context")[0]
    link = "[3. Help text lives in man pages.](0003-help-text-lives-in-man-pages.md)"
    assert status == f"Superseded by {link}"  # where `adr new -s` / `adr link` look
    assert (
        "Supersedes [2. Help text lives in the scripts.](0002-help-text-lives-in-the-scripts.md)"
        in (repo / newer).read_text()
    )
    report = ingest(capsys)
    assert (report["created"], report["retracted"], report["warnings"]) == (0, 0, [])
    code, out, _ = cli(capsys, "show", old, "--json")
    assert json.loads(out)["superseded_by"] == [new]


# -- 6. --json -----------------------------------------------------------------------------------


def test_every_export_format_answers_json_under_json(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    memory = remember(capsys, "constraint", "Never log card numbers.")
    code, out, _ = cli(capsys, "export", "--format", "markdown", "--json")
    data = json.loads(out)
    assert code == 0 and data["format"] == "markdown" and data["memories"] == 1
    assert memory in data["text"] and data["text"].startswith("#")
    for fmt in ("agents-md", "claude-rules", "cursor-rules", "adr"):
        code, result, _ = export(capsys, fmt)
        assert code == 0 and result["format"] == fmt
        assert {"written", "removed", "unchanged", "skipped", "warnings"} <= set(result)
