"""How ADRs and rules files are read, on the shapes real repositories have (no store): adr-tools'
own spelling, Cursor's own front matter, MADR's "because" lists, log4brains packages and test
projects, rules under headings, code blocks and tables, the other agents' files."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.knowledge.adr import adr_directory, adr_scopes, find_adrs, parse_adr
from graphmem.knowledge.markdown import front_matter, plain
from graphmem.knowledge.rules import find_rules_files, parse_rules, rule_kind, rules_format
from graphmem.model import MemoryKind

FIXTURES = Path(__file__).parents[2] / "fixtures" / "knowledge"


def files_of(name: str) -> list[str]:
    root = FIXTURES / name
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def rules_of(name: str, rel: str) -> list[tuple[MemoryKind, str]]:
    doc = parse_rules(rel, (FIXTURES / name / rel).read_text())
    assert doc.warnings == []
    return [(e.kind, e.text) for e in doc.entries]


# -- ADRs ------------------------------------------------------------------------------------


def test_adr_tools_own_spelling_superceded_and_its_other_links() -> None:
    """`adr new -s` writes "Superceded by [...]" / "Supercedes [...]" (src/adr-new), and
    `adr link` lines such as "Amends [...]" into the status section."""
    root = FIXTURES / "adr-tools"
    found = {}
    for rel in find_adrs(files_of("adr-tools")):
        doc = parse_adr(rel, (root / rel).read_text())
        assert doc.warnings == [], doc.warnings
        found[Path(rel).name[:4]] = doc.entries[0]
    assert found["0002"].status == "superseded"
    assert found["0002"].superseded_by == ["0003-store-amounts-as-decimals.md"]
    assert (found["0003"].status, found["0003"].supersedes) == (
        "accepted",
        ["0002-store-amounts-as-floats.md"],
    )
    assert found["0004"].status == "accepted"  # only "Amends [...]": it holds


def test_a_warning_never_cuts_a_markdown_link() -> None:
    text = (
        "# 4. Markdown\n\n## Status\n\nReconsidered after [10. AsciiDoc format]"
        "(0010-asciidoc-format.md) and more words after it\n\n## Decision\n\nUse Markdown.\n"
    )
    [warning] = parse_adr("doc/adr/0004-markdown.md", text).warnings
    assert "[10. AsciiDoc format](0010-asciidoc-format.md)" in warning
    assert warning.startswith("doc/adr/0004-markdown.md:3: unknown ADR status 'Reconsidered")


def test_madr_because_and_its_list_of_reasons_are_the_decision() -> None:
    root = FIXTURES / "madr-reasons" / "docs/decisions"
    rel = "docs/decisions/0002-do-not-use-numbers-in-headings.md"
    [entry] = parse_adr(rel, (root / Path(rel).name).read_text()).entries
    assert entry.text == (
        'Do Not Use Numbers in Headings: Chosen option: "Use the title only", because This is'
        " common in other markdown files, too. One does not add numbering manually; Enables"
        " renaming of ADRs (before publication) easily; Allows copy'n'paste of ADRs from other"
        " repositories."
    )
    assert (entry.date, entry.deciders) == ("2017-12-02", "Oliver Kopp, Olaf Zimmermann")


def test_a_decision_that_introduces_commands_keeps_them() -> None:
    """log4brains' 20210113-distribute-...: "...will be the following:" and a code block."""
    root = FIXTURES / "madr-reasons" / "docs/decisions"
    rel = "docs/decisions/0003-distribute-as-a-global-package.md"
    [entry] = parse_adr(rel, (root / Path(rel).name).read_text()).entries
    assert entry.text.endswith("will be the following: `npm install -g shop-cli`; `shop-cli init`.")
    assert (entry.date, entry.deciders) == ("2021-01-13", "Thomas Vaillant")


def test_a_long_decision_is_clipped_between_words_and_kept_whole_in_the_rationale() -> None:
    reasons = "".join(f"* Reason number {i} is a long sentence about it.\n" for i in range(30))
    text = f'# Use X\n\n## Decision Outcome\n\nChosen option: "X", because\n\n{reasons}'
    [entry] = parse_adr("docs/decisions/0001-use-x.md", text).entries
    assert len(entry.text) <= 600 and entry.text.endswith("…")
    assert not entry.text.endswith(" …")
    assert entry.rationale is not None and "Reason number 29" in entry.rationale


def test_test_projects_are_not_the_teams_adrs_and_their_config_is_not_read() -> None:
    """log4brains' packages/core/integration-tests/ro-project: a .log4brains.yml and 20
    "Lorem ipsum" ADRs, inputs of its tests."""
    root = FIXTURES / "l4b-packages"
    files = files_of("l4b-packages")
    scopes = adr_scopes(root, files)
    assert scopes == {"docs/adr": "", "src/shop/api/docs/adr": "src/shop/api"}
    assert find_adrs(files, sorted(scopes)) == [
        "docs/adr/20240105-use-http.md",
        "src/shop/api/docs/adr/20240106-return-plain-dicts.md",
    ]
    # a rules file for the tests is still the team's
    assert find_rules_files(["e2e/AGENTS.md", "tests/integration-tests/AGENTS.md"]) == [
        "e2e/AGENTS.md",
        "tests/integration-tests/AGENTS.md",
    ]
    assert find_adrs(["e2e/docs/adr/0001-a.md", "docs/adr/0001-b.md"]) == ["docs/adr/0001-b.md"]


def test_a_packages_adrs_govern_the_package() -> None:
    files = {"packages/core/package.json", "docs/site/docs/adr/0001-a.md"}
    scopes = {"src/shop/api/docs/adr": "src/shop/api"}
    assert adr_directory("src/shop/api/docs/adr/2024-x.md", scopes, files) == "src/shop/api"
    assert adr_directory("packages/core/docs/adr/0001-a.md", {}, files) == "packages/core"
    assert adr_directory("docs/site/docs/adr/0001-a.md", {}, files) == ""  # not a package
    assert adr_directory("docs/adr/0001-a.md", {}, files) == ""


# -- Markdown ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Use `__slots__` for speed", "Use `__slots__` for speed"),
        ("Keep `__all__` in `__init__.py`", "Keep `__all__` in `__init__.py`"),
        (
            "[fast_flights/__init__.py](mdc:fast_flights/__init__.py) - API",
            "fast_flights/__init__.py - API",
        ),
        ("Call __init__ and snake_case_name", "Call __init__ and snake_case_name"),
        ("**ESM imports**: Always use `.js`", "ESM imports: Always use `.js`"),
        ("a __very important__ and *light* rule", "a very important and light rule"),
        ("***both***", "both"),
        ("src/*.py and lib/*.py", "src/*.py and lib/*.py"),
        ("2 * 3 * 4", "2 * 3 * 4"),
    ],
)
def test_plain_drops_emphasis_but_never_touches_code_or_identifiers(
    written: str, read: str
) -> None:
    assert plain(written) == read


def test_cursor_front_matter_is_read_as_cursor_writes_it() -> None:
    lines = ["---", "description: Protobuf", "globs: *.proto,*_pb2.py", "alwaysApply: false"]
    lines.append("---")
    meta = front_matter(lines, plain_keys=True)
    assert meta.error is None
    assert meta.data == {
        "description": "Protobuf",
        "globs": "*.proto,*_pb2.py",
        "alwaysapply": False,
    }
    assert meta.lines["globs"] == 3
    assert front_matter(lines).error is not None  # YAML it is not


# -- rules files -------------------------------------------------------------------------------


def test_rules_carry_their_heading_and_code_blocks_and_tables_are_not_rules() -> None:
    rules = rules_of("rules-shapes", "AGENTS.md")
    texts = [t for _, t in rules]
    assert texts == [
        "OVERVIEW: The shop sells things and sends invoices.",
        "CONVENTIONS: In Python code: Keep Python lines at 79 characters",
        "CONVENTIONS: In Python code: Run tests and linting through Pixi",
        "CONVENTIONS: In Python code: Adhere to `ruff format`",
        "CONVENTIONS: In Python code: Prefer `Optional[T]` over `T | None`",
        "CONVENTIONS: In Python code: Public functions are fully typed.",
        "CONVENTIONS: In Python code: Use `__slots__` for value classes; keep `__all__` in"
        " `__init__.py` files",
        "CONVENTIONS: In Python code: See shop/__init__.py for the public API",
        "ERROR HANDLING: Use the `Result` pattern for expected failures (example follows)",
        "ERROR HANDLING: Error classes live in `src/shop/errors.py`: `PaymentDeclined` - the card"
        " was declined",
        "ANTI-PATTERNS: avoid `as any` to bypass type checks",
        "ANTI-PATTERNS: Never call the payment API from a test",
        "RELEASES: Do NOT: add the `v` prefix to the `VERSION` file",
        "规则: 提交前必须运行测试",
    ]  # no STRUCTURE or COMMANDS code, no WHERE TO LOOK table; a list's introduction leads
    kinds = {t: k for k, t in rules}
    facts = {t for t, k in kinds.items() if k == MemoryKind.FACT}
    assert facts == {
        "OVERVIEW: The shop sells things and sends invoices.",
        "CONVENTIONS: In Python code: Public functions are fully typed.",
        "CONVENTIONS: In Python code: See shop/__init__.py for the public API",
        "ERROR HANDLING: Error classes live in `src/shop/errors.py`: `PaymentDeclined` - the card"
        " was declined",
    }


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Keep Python lines at 79 characters", "constraint"),
        ("Run tests and linting through Pixi", "constraint"),
        ("Adhere to `ruff format`", "constraint"),
        ("Prefer `Optional[T]`", "constraint"),
        ("Export types explicitly for tree-shaking", "constraint"),
        ("Test the parser with fuzzed input", "constraint"),
        ("❌ `eval` in handlers", "constraint"),
        ("提交前必须运行测试", "constraint"),
        ("Test files live in `tests/`", "fact"),
        ("Build output goes to `dist/`", "fact"),
        ("Fetch Strategies `primp` Client (default)", "fact"),
        ("Public functions are fully typed.", "fact"),
        ("The project uses Bun", "fact"),
    ],
)
def test_imperatives_are_constraints_and_statements_facts(text: str, kind: str) -> None:
    assert rule_kind(text).value == kind


def test_a_negative_heading_makes_its_rules_constraints_that_say_so() -> None:
    text = (
        "## Don'ts\n\n- Use `var`\n\n### Testing\n\n- Mock the clock\n\n"
        "## Pitfalls\n\n- Global state\n"
    )
    doc = parse_rules("AGENTS.md", text)
    assert [(e.kind.value, e.text) for e in doc.entries] == [
        ("constraint", "Don'ts: Use `var`"),
        ("constraint", "Don'ts › Testing: Mock the clock"),
        ("constraint", "Pitfalls: avoid Global state"),
    ]


def test_cursor_globs_as_cursor_writes_them_scope_the_rules() -> None:
    doc = parse_rules(
        ".cursor/rules/protobuf.mdc",
        (FIXTURES / "rules-shapes/.cursor/rules/protobuf.mdc").read_text(),
    )
    assert doc.warnings == []
    [entry] = doc.entries
    assert (entry.globs, entry.globs_line) == (["*.proto", "src/shop/billing/*.py"], 3)
    always = parse_rules(
        ".cursor/rules/a.mdc", "---\nglobs: *.py\nalwaysApply: true\n---\n- Use tabs.\n"
    )
    assert always.warnings == [] and always.entries[0].globs == []


def test_the_other_agents_files_are_found_and_scoped_as_their_tools_read_them() -> None:
    files = files_of("rules-shapes") + [".clinerules", "web/.cursor/rules/ui.mdc"]
    found = {f: rules_format(f) for f in find_rules_files(files)}
    assert found == {
        ".clinerules": "clinerules",
        ".clinerules/01-style.md": "cline",  # not .clinerules/workflows/: Cline's workflows
        ".cursor/rules/docs.mdc": "cursor",
        ".cursor/rules/protobuf.mdc": "cursor",
        ".github/instructions/python/style.instructions.md": "copilot-instructions",
        ".windsurf/rules/always.md": "windsurf",
        ".windsurf/rules/api.md": "windsurf",
        ".windsurfrules": "windsurfrules",
        "AGENTS.md": "agents-md",
        "CLAUDE.md": "claude-md",
        "GEMINI.md": "gemini-md",
        "src/shop/billing/GEMINI.md": "gemini-md",
        "web/.cursor/rules/ui.mdc": "cursor",
    }

    def scope(rel: str) -> tuple[str, list[str]]:
        [entry] = parse_rules(rel, (FIXTURES / "rules-shapes" / rel).read_text()).entries
        return entry.directory, entry.globs

    assert scope("src/shop/billing/GEMINI.md") == ("src/shop/billing", [])
    assert scope(".windsurf/rules/api.md") == ("", ["src/shop/api/*.py"])
    assert scope(".windsurf/rules/always.md") == ("", [])  # trigger: always_on
    assert scope(".clinerules/01-style.md") == ("", ["src/shop/billing/**"])
    assert scope(".github/instructions/python/style.instructions.md") == ("", ["**/*.py"])
    nested = parse_rules("web/.cursor/rules/ui.mdc", "- Use the design tokens.\n").entries[0]
    assert nested.directory == "web"


def test_imports_in_claude_and_gemini_files_are_not_rules() -> None:
    assert rules_of("rules-shapes", "CLAUDE.md") == [
        (MemoryKind.CONSTRAINT, "Git: Squash commits before merging.")
    ]
    assert rules_of("rules-shapes", "GEMINI.md") == [
        (MemoryKind.CONSTRAINT, "Answer in British English.")
    ]


def test_under_a_noun_heading_an_imperative_reads_as_dont() -> None:
    doc = parse_rules("AGENTS.md", "## Anti-patterns\n\n- Use `var` for locals\n")
    assert [e.text for e in doc.entries] == ["Anti-patterns: don't use `var` for locals"]


def test_claude_md_imports_on_lines_of_their_own_are_followed(tmp_path: Path) -> None:
    from graphmem.knowledge.rules import imports
    from graphmem.knowledge.sync import read_documents

    text = (FIXTURES / "rules-shapes/CLAUDE.md").read_text()
    assert imports("CLAUDE.md", text) == ["AGENTS.md", "docs/conventions.md"]
    assert imports("web/CLAUDE.md", "@../AGENTS.md\n@./style.md\n") == [
        "AGENTS.md",
        "web/style.md",
    ]
    assert imports("AGENTS.md", "@docs/x.md\n") == []  # AGENTS.md imports nothing
    root = FIXTURES / "rules-shapes"
    docs = {d.path: d for d in read_documents(root, files_of("rules-shapes"))}
    [entry] = docs["docs/conventions.md"].entries  # imported: read as CLAUDE.md's rules
    assert (entry.text, entry.format, entry.directory) == (
        "Money: Never round money before the invoice total.",
        "claude-md",
        "",
    )
    assert len(docs["AGENTS.md"].entries) == 14  # read once, as itself


def test_unclosed_emphasis_brackets_and_long_blank_runs_are_read_in_linear_time() -> None:
    """Each shape at a size an unbounded pattern would still be working on when the suite's
    timeout ends it."""
    assert plain("*a " * 50_000).startswith("*a *a")
    assert plain("[" * 100_000 + "x") == "[" * 100_000 + "x"
    assert plain("**x " * 50_000).startswith("**x **x")
    doc = parse_rules("AGENTS.md", "## H\n\n" + " " * 100_000 + "x\n\n- " + "| " * 50_000 + "\n")
    assert doc.entries and doc.entries[0].text == "H: x"
    [warning] = parse_adr("docs/adr/0001-a.md", "# A\n\n## Status\n\n" + "[" * 100_000).warnings
    assert "unknown ADR status" in warning


def test_several_top_level_headings_are_sections_not_a_title() -> None:
    text = "# Testing\n\n- Mock the clock.\n\n# Style\n\nTabs, never spaces.\n"
    assert [e.text for e in parse_rules("AGENTS.md", text).entries] == [
        "Testing: Mock the clock.",
        "Style: Tabs, never spaces.",
    ]
