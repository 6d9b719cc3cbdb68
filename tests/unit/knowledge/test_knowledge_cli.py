"""`graphmem ingest` reports the documents it read, `graphmem export --format agents-md|...`
writes them, end to end through `graphmem.cli.main.main` on an embedded store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from graphmem.cli.main import main


@pytest.fixture
def repo(cli_repo: Callable[..., Path]) -> Path:
    return cli_repo("nygard", "rules")


def test_ingest_reports_documents_and_export_writes_files(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--history", "0"]) == 0
    text = capsys.readouterr().out
    assert "documents: 4 ADRs and 8 rules files, 22 memories (22 created, 0 updated, " in text
    assert "1 superseded, 1 retracted" in text

    assert main(["ingest", "--history", "0", "--json"]) == 0
    documents = json.loads(capsys.readouterr().out)["documents"]
    assert (documents["created"], documents["unchanged"], documents["entries"]) == (0, 22, 22)

    assert main(["remember", "decision", "Refunds need a second approver.", "--json"]) == 0
    capsys.readouterr()
    assert main(["export", "--format", "adr", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    [written] = result["written"]
    assert written.startswith("doc/architecture/decisions/0005-refunds-need-a-second-approver")
    assert (repo / written).read_text().count("Refunds need a second approver.") == 2
    assert main(["export", "--format", "agents-md"]) == 0
    assert "files written" in capsys.readouterr().out


def test_file_formats_refuse_an_output_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "claude-rules", "--output", "x.md"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "writes into the repository: drop --output" in err
