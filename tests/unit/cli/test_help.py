"""Every command teaches: it has a summary, a description with an example, --json, and a README
mention. A new command without them fails here."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from graphmem.cli.main import build_parser, main

README = (Path(__file__).parents[3] / "README.md").read_text()


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


COMMANDS = _commands()


def test_the_documented_commands_all_exist() -> None:
    expected = {
        "ingest", "status", "remember", "show", "history", "retract", "revert", "purge",
        "context", "impact", "search", "prompt", "stale", "log", "cypher", "query",
        "export", "import", "mcp",
    }  # fmt: skip
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help_an_example_and_json(name: str) -> None:
    parser = COMMANDS[name]
    help_text = parser.format_help()
    assert parser.description and len(parser.description) > 30, f"{name} needs a description"
    assert "example" in help_text.lower(), f"`graphmem {name} --help` should show an example"
    assert "--json" in help_text, f"{name} must accept --json"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_mentioned_in_the_readme(name: str) -> None:
    assert f"graphmem {name}" in README, f"README.md should show `graphmem {name}`"


def test_no_command_prints_the_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "graphmem ingest" in capsys.readouterr().out


def test_a_user_error_is_one_line_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--store", str(tmp_path / "g.db"), "show", "d-00000000"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.startswith("graphmem: error: ")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
