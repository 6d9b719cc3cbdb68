"""Rules-file discovery and parsing on the fixture repository (no store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.knowledge.rules import MAX_RULES_BYTES, find_rules_files, parse_rules, rules_format
from graphmem.knowledge.scoping import glob_regex
from graphmem.model import MemoryKind

ROOT = Path(__file__).parents[2] / "fixtures" / "knowledge" / "rules"


def parsed(rel: str) -> list[tuple[MemoryKind, str]]:
    doc = parse_rules(rel, (ROOT / rel).read_text())
    assert not doc.warnings
    return [(e.kind, e.text) for e in doc.entries]


def test_every_kind_of_rules_file_is_found() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file())
    found = {f: rules_format(f) for f in find_rules_files(files)}
    assert found == {
        ".claude/rules/money.md": "claude-rules",
        ".cursor/rules/api.mdc": "cursor",
        ".github/copilot-instructions.md": "copilot",
        ".github/instructions/tests.instructions.md": "copilot-instructions",
        "AGENTS.md": "agents-md",
        "CLAUDE.md": "claude-md",
        "CONVENTIONS.md": "conventions",
        "src/shop/billing/AGENTS.md": "agents-md",
    }


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        (".roo/rules/01-general.md", "roo"),
        (".roo/rules/style/02-python.txt", "roo"),  # Roo reads its folder recursively
        (".roorules", "roorules"),
        (".kiro/steering/tech.md", "kiro"),
        (".continue/rules/typescript.md", "continue"),
        (".amazonq/rules/security.md", "amazonq"),
        (".junie/guidelines.md", "junie"),
        (".rules", "zed"),
        ("web/.kiro/steering/api.md", "kiro"),
        ("src/.rules", None),  # Zed reads it at the root only
        (".kiro/specs/login/design.md", None),  # specs are plans, not rules
    ],
)
def test_each_agents_own_rules_files_are_found(path: str, fmt: str | None) -> None:
    assert rules_format(path) == fmt


def test_kiro_and_continue_front_matter_scope_their_rules() -> None:
    def globs(path: str, meta: str) -> list[str]:
        return parse_rules(path, f"---\n{meta}\n---\n- Validate input first.\n").entries[0].globs

    kiro = ".kiro/steering/api.md"
    assert globs(kiro, 'inclusion: fileMatch\nfileMatchPattern: "src/api/**/*.ts"') == [
        "src/api/**/*.ts"
    ]
    assert globs(kiro, "inclusion: always") == []
    assert globs(kiro, 'inclusion: manual\nfileMatchPattern: "src/**"') == []
    cont = ".continue/rules/ts.md"
    assert globs(cont, 'name: TS\nglobs: ["**/*.ts", "**/*.tsx"]') == ["**/*.ts", "**/*.tsx"]
    assert globs(cont, 'name: TS\nglobs: "**/*.ts"\nalwaysApply: true') == []


def test_rules_files_inside_test_fixtures_are_samples() -> None:
    files = [
        "AGENTS.md",
        "tests/AGENTS.md",
        "tests/fixtures/repo/AGENTS.md",
        "x/testdata/CLAUDE.md",
    ]
    assert find_rules_files(files) == ["AGENTS.md", "tests/AGENTS.md"]


def test_agents_md_bullets_and_short_sections_are_rules_and_the_rest_is_not() -> None:
    rules = parsed("AGENTS.md")
    texts = [t for _, t in rules]
    assert texts == [
        "Commands: Run the tests with `pytest -q` before every commit.",
        "Commands: Format with `ruff format`; lint with `ruff check`.",
        "Style: Never commit credentials; read them from the environment.",
        "Style: Public functions are fully typed.",
        "Style: We use pydantic models at the edges of the system and plain dataclasses inside it.",
        "Release: Releases are cut from main by the release manager on Thursdays.",
    ]  # no code block, no introduction, nothing from graphmem's own block
    kinds = dict((t, k) for k, t in rules)
    assert (
        kinds["Style: Never commit credentials; read them from the environment."]
        == MemoryKind.CONSTRAINT
    )
    assert kinds["Commands: Format with `ruff format`; lint with `ruff check`."] == (
        MemoryKind.CONSTRAINT  # an imperative
    )
    assert kinds["Style: Public functions are fully typed."] == MemoryKind.FACT


def test_scope_follows_each_files_convention() -> None:
    def scope(rel: str) -> tuple[str, list[str]]:
        entry = parse_rules(rel, (ROOT / rel).read_text()).entries[0]
        return entry.directory, entry.globs

    assert scope("AGENTS.md") == ("", [])
    assert scope("src/shop/billing/AGENTS.md") == ("src/shop/billing", [])
    assert scope(".cursor/rules/api.mdc") == ("", ["src/shop/api/**"])
    assert scope(".github/instructions/tests.instructions.md") == ("", ["tests/**/*.py"])
    assert scope(".claude/rules/money.md") == ("", ["src/shop/billing/tax.py"])
    assert scope(".github/copilot-instructions.md") == ("", [])


def test_a_rule_names_the_code_it_is_about_unless_its_file_has_globs() -> None:
    text = "- Keep `src/agents/run.py` thin: logic goes in `src/agents/run_internal/`.\n"
    [entry] = parse_rules("AGENTS.md", text).entries
    assert entry.governs == ["src/agents/run.py", "src/agents/run_internal/"]
    [command] = parse_rules("AGENTS.md", "- Run `make lint` before a commit.\n").entries
    assert command.governs == []  # a command, not a name of code
    globbed = "---\nglobs: src/**\n---\n- Keep `src/agents/run.py` thin.\n"
    assert parse_rules(".cursor/rules/run.mdc", globbed).entries[0].governs == []


def test_a_file_graphmem_wrote_is_not_read_back() -> None:
    text = "---\ngraphmem:\n  generated: true\npaths:\n- src/**\n---\n\n- **constraint** `c-1`: x\n"
    assert parse_rules(".claude/rules/graphmem-src.md", text).entries == []


def test_an_oversized_rules_file_is_reported_not_read() -> None:
    doc = parse_rules("AGENTS.md", "", size=5 * 1024 * 1024)
    assert doc.entries == []
    assert doc.warnings == [
        f"AGENTS.md:1: 5242880 bytes is over the {MAX_RULES_BYTES}-byte limit for a rules file;"
        " not read"
    ]


def test_malformed_front_matter_is_reported_and_the_rules_still_read() -> None:
    doc = parse_rules(
        ".cursor/rules/x.mdc", "---\nglobs: [src/**\n---\n- Never use eval in handlers.\n"
    )
    assert doc.warnings and doc.warnings[0].startswith(
        ".cursor/rules/x.mdc:2: malformed front matter"
    )
    assert [e.text for e in doc.entries] == ["Never use eval in handlers."]


def test_repeated_rules_in_one_file_are_one_entry() -> None:
    doc = parse_rules(
        "AGENTS.md", "## A\n\n- Always run the tests first.\n- always run  the tests first.\n"
    )
    assert len(doc.entries) == 1


def test_a_code_block_inside_a_list_item_is_part_of_that_rule() -> None:
    """openai-agents-python's AGENTS.md gives each command under its bullet: the rule was
    "Fix snapshots:", and the list ended at the first block."""
    text = (
        "## Snapshot tests\n\n"
        "- Fix snapshots:\n  ```bash\n  make snapshots-fix\n  ```\n"
        "- Set up:\n\n  ```bash\n  # once\n  uv sync\n  make hooks\n  ```\n"
        "- Regenerate the fixtures after a schema change.\n"
        "  ```python\n  a = 1\n  b = 2\n  c = 3\n  d = 4\n  ```\n"
        "\n```bash\nmake all\n```\n"
    )
    doc = parse_rules("AGENTS.md", text)
    assert [(e.kind, e.text) for e in doc.entries] == [
        (MemoryKind.CONSTRAINT, "Snapshot tests: Fix snapshots: `make snapshots-fix`"),
        (MemoryKind.CONSTRAINT, "Snapshot tests: Set up: `uv sync`; `make hooks`"),
        (MemoryKind.CONSTRAINT, "Snapshot tests: Regenerate the fixtures after a schema change."),
    ]  # a long block is left out, and an unindented one is no rule


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("tests/**/*.py", "tests/test_tax.py", True),
        ("tests/**/*.py", "tests/unit/test_tax.py", True),
        ("tests/**/*.py", "src/tests.py", False),
        ("src/*.py", "src/a/b.py", False),
        ("src/{api,billing}/*.py", "src/billing/tax.py", True),
        ("**/*.ts", "web/app/main.ts", True),
    ],
)
def test_glob_regex(glob: str, path: str, matches: bool) -> None:
    import re

    assert bool(re.match(glob_regex(glob), path)) is matches
