"""The memory commands end to end through `graphmem.cli.main.main`, on an embedded store:
--json everywhere, one-line errors with their exit codes, redaction warnings, help texts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graphmem.api import GraphMem
from graphmem.cli import memory_commands
from graphmem.cli.main import build_parser, main
from graphmem.model import CodeEntity, Edge, Label, RelType
from graphmem.settings import Settings
from graphmem.store import WriteBatch, open_store

COMMANDS = (
    "remember", "show", "history", "supersede", "retract", "revert", "purge",
    "acknowledge", "stale", "log", "export", "import",
)  # fmt: skip


@pytest.fixture
def cli(tmp_path: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    root = tmp_path / "shop"
    root.mkdir()
    db = str(tmp_path / "graph.db")
    store = open_store(db)
    repo = CodeEntity.new(Label.REPOSITORY, "shop", "", "", name="shop").to_node()
    api = CodeEntity.new(Label.DIRECTORY, "shop", "src/api", "src/api").to_node()
    store.write(
        WriteBatch(
            upsert_nodes=[repo, api],
            upsert_edges=[Edge(type=RelType.CONTAINS, source=repo.id, target=api.id)],
        )
    )
    store.close()

    def open_graphmem(args: Any) -> GraphMem:
        settings = Settings(store=db, author="ana", user="ana", branch="main")
        return GraphMem(settings, repo_root=root, embedder=embedder)

    monkeypatch.setattr(memory_commands, "open_graphmem", open_graphmem)

    def run(*argv: str, expect: int = 0) -> Any:
        code = main(list(argv))
        assert code == expect
        return code

    return run


def last_json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_remember_show_history_revert_json(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cli(
        "remember",
        "decision",
        "Invoices are immutable once sent",
        "--governs",
        "src/api/",
        "--json",
    )
    first = last_json(capsys)
    assert first["created"] and first["memory"]["id"].startswith("d-")
    old = first["memory"]["id"]
    cli("remember", "decision", "Credit notes correct invoices", "--governs", "src/api",
        "--supersedes", old, "--json")  # fmt: skip
    new = last_json(capsys)["memory"]["id"]
    cli("show", old, "--json")
    assert last_json(capsys)["superseded_by"] == [new]
    cli("history", new, "--json")
    assert [e["memory"]["id"] for e in last_json(capsys)] == [old, new]
    cli("revert", old, "--json")
    assert last_json(capsys)["active"] == [old]
    cli("log", "--memory", old, "--json")
    assert [e["action"] for e in last_json(capsys)] == ["revert", "supersede", "remember"]


def test_remember_warns_about_redacted_secrets(
    cli: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(
        "remember", "fact", "Deploy with token ghp_1234567890abcdefghijklmnopqrstuvwxyz12", "--json"
    )
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["redactions"] == [{"type": "github-token", "count": 1}]
    assert "ghp_" not in captured.out
    assert "warning: secrets redacted before storing: github-token" in captured.err


def test_conflict_hint_is_printed(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cli("remember", "decision", "Invoices are immutable once sent", "--governs", "src/api/")
    capsys.readouterr()
    cli("remember", "decision", "Invoices can be changed after sending", "--governs", "src/api/")
    out = capsys.readouterr().out
    assert "possible conflicts" in out and "graphmem supersede d-" in out


def test_errors_are_one_line_with_exit_codes(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cli("show", "d-00000000", expect=3)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no memory 'd-00000000'" in err
    cli("remember", "decision", "x", "--governs", "src/apx/", expect=3)
    assert "did you mean: src/api/" in capsys.readouterr().err
    cli("purge", "d-00000000", expect=2)  # refuses without --yes
    cli("remember", "decision", "x", "--symptom", "y", expect=2)


def test_purge_export_import(cli: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cli("remember", "fact", "Quokka facts are private", "--json")
    mid = last_json(capsys)["memory"]["id"]
    cli("purge", mid, "--yes", "--json")
    assert last_json(capsys)["inactive"] == [mid]
    out = tmp_path / "export.jsonl"
    cli("export", "--output", str(out), "--json")
    assert last_json(capsys)["records"] > 0
    assert "Quokka" not in out.read_text()
    cli("export", "--format", "markdown")
    assert capsys.readouterr().out.startswith("# What to know about shop")
    cli("import", str(out), "--json")
    assert last_json(capsys)["memories"] == 1
    cli("stale", "--json")
    assert last_json(capsys)["memories"] == []


def test_every_memory_command_has_help_with_an_example() -> None:
    parser = build_parser()
    actions = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in COMMANDS:
        sub = actions.choices[name]  # type: ignore[attr-defined]
        assert sub.description and "graphmem " + name in sub.description, name
        assert any(a.help for a in sub._actions if a.dest not in ("help",)), name


def test_remember_batch_records_each_line_by_the_rules_of_one(
    cli: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = [
        {"kind": "decision", "text": "API responses are paginated", "governs": "src/api/"},
        {"kind": "constraint", "text": "Page size is at most 100", "governs": ["src/api/"]},
        {"kind": "decision", "text": "API responses are paginated.", "governs": ["src/api/"]},
        {"kind": "preference", "text": "Small diffs", "tags": ["review"]},
        {"kind": "fact", "text": "token is AKIAIOSFODNN7EXAMPLE here"},
    ]
    batch = tmp_path / "memories.jsonl"
    batch.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    cli("remember", "--batch", str(batch), "--json")
    results = last_json(capsys)
    assert [r["created"] for r in results] == [True, True, False, True, True]
    assert results[2]["duplicate_of"] == results[0]["memory"]["id"]  # within the batch
    assert results[3]["memory"]["user"] == "ana" and results[3]["memory"]["tags"] == ["review"]
    assert "AKIA" not in json.dumps(results) and results[4]["redactions"]
    cli("stale", "--json")
    capsys.readouterr()
    cli("remember", "--batch", str(batch))
    assert "remembered 0 of 5 memories (5 already known)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"kind": "decision"}', 'line 2 needs a "kind" and a "text"'),
        ('{"kind": "decision", "text": "x", "colour": "red"}', "line 2: unknown key(s) colour"),
        ("[1, 2]", "line 2 is not a JSON object"),
        ("{not json", "line 2 is not JSON"),
        ('{"kind": "decision", "text": "x", "governs": ["nowhere/"]}', "memory 2: no code entity"),
        ('{"kind": "opinion", "text": "x"}', "memory 2: unknown memory kind"),
    ],
)
def test_remember_batch_with_a_bad_line_stores_nothing(
    cli: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path, line: str, message: str
) -> None:
    batch = tmp_path / "memories.jsonl"
    good = json.dumps({"kind": "decision", "text": "API responses are paginated"})
    batch.write_text(f"{good}\n{line}\n", encoding="utf-8")
    cli("remember", "--batch", str(batch), expect=2 if "no code entity" not in message else 3)
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    cli("log", "--json")
    assert last_json(capsys) == []


def test_remember_takes_a_memory_or_a_batch(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cli("remember", expect=2)
    assert "remember needs a kind and a text (or --batch FILE)" in capsys.readouterr().err
    cli("remember", "fact", "x", "--batch", "-", expect=2)
    assert "give no other memory" in capsys.readouterr().err
    cli("remember", "--batch", "missing.jsonl", expect=2)
    assert "no such file: missing.jsonl" in capsys.readouterr().err
