"""ADR discovery and parsing on the fixture repositories, one per format (no store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.knowledge.adr import adr_dirs, find_adrs, parse_adr, resolve_reference
from graphmem.knowledge.documents import Entry

FIXTURES = Path(__file__).parents[2] / "fixtures" / "knowledge"


def files_of(name: str) -> list[str]:
    root = FIXTURES / name
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def entries_of(name: str) -> dict[str, Entry]:
    root = FIXTURES / name
    files = files_of(name)
    found = {}
    for rel in find_adrs(files, adr_dirs(root, files)):
        doc = parse_adr(rel, (root / rel).read_text())
        assert not doc.warnings, doc.warnings
        [entry] = doc.entries
        found[Path(rel).name] = entry
    return found


def test_adr_tools_folder_comes_from_adr_dir_and_nygard_sections_are_read() -> None:
    entries = entries_of("nygard")
    assert sorted(entries) == [
        "0001-record-architecture-decisions.md",
        "0002-store-money-as-integer-cents.md",
        "0003-store-money-as-decimal.md",
        "0004-send-invoice-emails-with-celery.md",
    ]
    first = entries["0001-record-architecture-decisions.md"]
    assert first.format == "nygard"
    assert first.text.startswith("Record architecture decisions: We will use Architecture")
    assert first.date == "2024-01-08"
    assert first.rationale is not None and first.rationale.startswith("Context: We need")
    assert "Consequences: Decisions are reviewed" in first.rationale
    cents = entries["0002-store-money-as-integer-cents.md"]
    assert cents.status == "superseded"
    assert cents.superseded_by == ["0003-store-money-as-decimal.md"]
    assert cents.governs == ["src/shop/billing/"]
    decimal = entries["0003-store-money-as-decimal.md"]
    assert (decimal.status, decimal.supersedes) == (
        "accepted",
        ["0002-store-money-as-integer-cents.md"],
    )
    assert "shop.billing.tax.compute_tax" in decimal.governs
    assert entries["0004-send-invoice-emails-with-celery.md"].status == "rejected"


def test_madr2_bullets_give_status_deciders_date_and_linked_code() -> None:
    entries = entries_of("madr2")
    http = entries["0001-expose-invoices-over-http.md"]
    assert (http.format, http.status, http.date) == ("madr", "accepted", "2024-03-02")
    assert http.deciders == "Ana Lima, Bo Chen"
    assert http.text.startswith(
        'Expose invoices over HTTP with plain functions: Chosen option: "Plain'
    )
    assert http.governs == ["src/shop/api/routes.py"]
    cache = entries["0002-cache-tax-rates.md"]
    assert cache.status == "proposed" and "proposed" in cache.tags
    assert cache.governs == ["src/shop/billing/tax.py"]  # a relative link, resolved from docs/adr
    assert entries["0003-number-invoices-per-year.md"].status == "deprecated"


def test_madr3_front_matter_and_a_status_link() -> None:
    entries = entries_of("madr3")
    void = entries["0001-void-invoices-instead-of-deleting.md"]
    assert (void.status, void.deciders, void.date) == ("accepted", "Ana Lima", "2024-05-06")
    assert void.governs == ["shop.billing.invoices.InvoiceService.void"]
    half_up = entries["0002-round-half-up.md"]
    assert half_up.status == "superseded"
    assert half_up.superseded_by == ["0003-round-half-even.md"]


def test_madr4_template_is_not_a_decision_and_a_bare_number_is_a_reference() -> None:
    entries = entries_of("madr4")
    assert sorted(entries) == [
        "0001-keep-invoice-totals-in-memory.md",
        "0002-persist-invoice-totals.md",
    ]
    old = entries["0001-keep-invoice-totals-in-memory.md"]
    assert old.superseded_by == ["ADR-0002"]
    assert old.deciders == "Ana Lima"
    paths = [f"docs/decisions/{name}" for name in entries]
    assert resolve_reference("ADR-0002", paths[0], paths) == paths[1]


def test_log4brains_folder_comes_from_its_config_and_links_section_supersedes() -> None:
    root = FIXTURES / "log4brains"
    assert adr_dirs(root, files_of("log4brains")) == ["docs/architecture-log"]
    entries = entries_of("log4brains")
    assert sorted(entries) == [
        "20240105-keep-sessions-in-redis.md",
        "20240301-keep-sessions-in-postgres.md",
        "20240402-draft-rate-limits.md",
    ]  # README.md and template.md are left out
    postgres = entries["20240301-keep-sessions-in-postgres.md"]
    assert postgres.supersedes == ["20240105-keep-sessions-in-redis.md"]
    assert {"api", "sessions"} <= set(postgres.tags)
    assert entries["20240402-draft-rate-limits.md"].status == "proposed"  # draft
    # a date-named file is never mistaken for a number
    paths = [f"docs/architecture-log/{name}" for name in entries]
    assert resolve_reference("20240105-keep-sessions-in-redis", paths[1], paths) == paths[0]


def test_bad_input_gives_warnings_with_file_and_line_and_still_an_entry() -> None:
    root = FIXTURES / "bad"
    malformed = parse_adr(
        "docs/adr/0001-malformed-front-matter.md",
        (root / "docs/adr/0001-malformed-front-matter.md").read_text(),
    )
    assert malformed.warnings[0].startswith("docs/adr/0001-malformed-front-matter.md:3: malformed")
    assert malformed.entries[0].text.startswith("Log every refund")
    unknown = parse_adr(
        "docs/adr/0007-unknown-status.md", (root / "docs/adr/0007-unknown-status.md").read_text()
    )
    assert unknown.warnings == [
        "docs/adr/0007-unknown-status.md:3: unknown ADR status 'Maybe next year'; read as proposed"
    ]
    assert unknown.entries[0].status == "proposed"


def test_graphmem_front_matter_keeps_text_verbatim() -> None:
    text = """---
status: accepted
tags:
- billing
graphmem:
  id: d-12345678
  kind: decision
  governs:
  - src/shop/billing/
  supersedes:
  - d-87654321
---

# Credit notes correct sent invoices

## Context and Problem Statement

Auditors require it.

## Decision Outcome

Credit notes correct sent invoices.
They never edit them.
"""
    [entry] = parse_adr("docs/decisions/0001-credit-notes.md", text).entries
    assert entry.memory_id == "d-12345678"
    assert entry.text == "Credit notes correct sent invoices.\nThey never edit them."
    assert entry.rationale == "Auditors require it."
    assert entry.tags == ["billing"]
    assert entry.governs == ["src/shop/billing/"]
    assert entry.supersedes == ["d-87654321"]
    # a reviewer adds MADR's Consequences to the exported file: the memory follows its file
    reviewed = text + "\n### Consequences\n\n* Good, because refunds stay traceable.\n"
    [entry] = parse_adr("docs/decisions/0001-credit-notes.md", reviewed).entries
    assert entry.text == "Credit notes correct sent invoices.\nThey never edit them."
    assert entry.rationale == (
        "Auditors require it.\n\nConsequences: * Good, because refunds stay traceable."
    )


@pytest.mark.parametrize(
    "name", ["README.md", "index.md", "template.md", "adr-template.md", "notes.txt"]
)
def test_non_decisions_in_an_adr_folder_are_skipped(name: str) -> None:
    assert find_adrs([f"docs/adr/{name}", "docs/adr/0001-x.md"]) == ["docs/adr/0001-x.md"]


def test_nested_conventional_folders_are_found() -> None:
    files = ["packages/core/docs/adr/0001-a.md", "src/adr.md", "docs/adrs/0001-b.md"]
    assert find_adrs(files) == ["packages/core/docs/adr/0001-a.md"]
    assert find_adrs(files, ["docs/adrs"]) == [
        "docs/adrs/0001-b.md",
        "packages/core/docs/adr/0001-a.md",
    ]


def test_adr_folders_inside_test_fixtures_are_samples_unless_configured() -> None:
    files = [
        "docs/adr/0001-a.md",
        "tests/fixtures/madr/docs/adr/0001-b.md",
        "pkg/testdata/adr/1.md",
    ]
    assert find_adrs(files) == ["docs/adr/0001-a.md"]
    assert find_adrs(files, ["tests/fixtures/madr/docs/adr"]) == files[:2]


def test_a_configured_folder_is_read(tmp_path: Path) -> None:
    from graphmem.knowledge.sync import read_documents
    from graphmem.settings import Settings

    settings = Settings.from_env({"GRAPHMEM_ADR_DIRS": "architecture/records, rfcs/"})
    assert settings.adr_dirs == ["architecture/records", "rfcs/"]
    (tmp_path / "architecture/records").mkdir(parents=True)
    (tmp_path / "architecture/records/001-queue.md").write_text(
        "# 1. Use a queue\n\n## Status\n\nAccepted\n\n## Decision\n\nJobs go through a queue.\n"
    )
    files = ["architecture/records/001-queue.md"]
    assert read_documents(tmp_path, files) == []
    [doc] = read_documents(tmp_path, files, settings.adr_dirs)
    assert doc.entries[0].text == "Use a queue: Jobs go through a queue."


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("Pending", "proposed"),
        ("On hold", "proposed"),
        ("In review", "proposed"),
        ("Status: Approved", "accepted"),
        ("Adopted", "accepted"),
        ("Partly superseded", "accepted"),  # the rest of it still holds
        ("Declined", "rejected"),
        ("Obsolete", "deprecated"),
        ("Superseded by [3. Queue](0003-queue.md)", "superseded"),
    ],
)
def test_the_words_teams_write_for_a_status(written: str, status: str) -> None:
    """govuk-aws writes Pending and Partly superseded; MADR's own repository, on hold."""
    text = f"# 2. Use a queue\n\n## Status\n\n{written}\n\n## Decision\n\nUse a queue.\n"
    doc = parse_adr("docs/adr/0002-use-a-queue.md", text)
    assert [e.status for e in doc.entries] == [status] and doc.warnings == []
