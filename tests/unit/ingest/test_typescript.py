"""TypeScript and TSX: the shared ECMAScript support with TypeScript's grammar and additions."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.ingest.language import ParsedFile, RepoIndex, RepoLayout, language_for
from graphmem.ingest.typescript import TypeScriptSupport

FIXTURE = Path(__file__).parents[2] / "fixtures" / "ts_app"
SUPPORT = TypeScriptSupport()

Graph = tuple[dict[str, ParsedFile], set[tuple[str, str, str, str | None]]]


def ingest(root: Path) -> Graph:
    """Parse and resolve every TS file: edges as (type, source qname, target qname, resolution)."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    layout = RepoLayout(root, frozenset(files))
    parsed = {
        path: SUPPORT.parse(path, (root / path).read_bytes(), SUPPORT.module_name(path, layout))
        for path in files
        if path.endswith(SUPPORT.extensions)
    }
    resolver = SUPPORT.resolver(RepoIndex.from_files(list(parsed.values())))
    edges = set()
    for file in parsed.values():
        for edge in resolver.resolve(file):
            edges.add(
                (
                    edge.type.value,
                    edge.source.qualified_name,
                    edge.target.qualified_name,
                    edge.resolution,
                )
            )
    return parsed, edges


@pytest.fixture(scope="module")
def graph() -> Graph:
    return ingest(FIXTURE)


def test_registered_for_typescript_endings() -> None:
    for path in ("a.ts", "b.tsx", "c.d.ts", "d.mts"):
        support = language_for(path)
        assert support is not None and support.name == "typescript"
    js = language_for("e.jsx")
    assert js is not None and js.name == "javascript"


def test_definitions(graph: Graph) -> None:
    parsed, _ = graph
    billing = {
        d.qualified_name: (d.kind, d.start_line, d.end_line)
        for d in parsed["src/services/billing.ts"].definitions
    }
    assert billing == {
        "src/services/billing.BillingService": ("Class", 5, 15),
        "src/services/billing.BillingService.handle": (
            "Method",
            6,
            9,
        ),  # a field holding a function
        "src/services/billing.BillingService.run": ("Method", 11, 14),
    }
    base = {d.qualified_name: d.kind for d in parsed["src/services/base.ts"].definitions}
    assert base == {
        "src/services/base.Service": "Class",  # abstract
        "src/services/base.Service.log": "Method",
        "src/services/base.Service.run": "Method",
    }
    app = parsed["src/ui/App.tsx"]
    assert not app.warnings  # JSX parses with the TSX grammar
    assert [d.qualified_name for d in app.definitions] == ["src/ui/App.App"]
    assert parsed["src/types/index.ts"].module == "src/types"


def test_imports(graph: Graph) -> None:
    _, edges = graph
    assert {e[1:3] for e in edges if e[0] == "IMPORTS"} == {
        ("src/services/billing", "src/services/base"),
        ("src/services/billing", "src/models/invoice"),
        ("src/services/billing", "src/types"),  # the @/ alias for src/
        ("src/main", "src/services/billing"),  # ./billing.js is compiled from billing.ts
        ("src/ui/App", "src/models/invoice"),
    }


def test_inheritance_and_calls(graph: Graph) -> None:
    _, edges = graph
    assert {e[1:3] for e in edges if e[0] == "INHERITS"} == {
        ("src/services/billing.BillingService", "src/services/base.Service")
    }
    assert {e[1:] for e in edges if e[0] == "CALLS"} == {
        ("src/services/billing.BillingService.handle", "src/services/base.Service.log", "exact"),
        # a parameter typed Invoice: a subclass might be passed
        (
            "src/services/billing.BillingService.handle",
            "src/models/invoice.Invoice.total",
            "heuristic",
        ),
        ("src/services/billing.BillingService.run", "src/models/invoice.Invoice", "exact"),
        (
            "src/services/billing.BillingService.run",
            "src/services/billing.BillingService.handle",
            "exact",
        ),
        ("src/models/invoice.Invoice.total", "src/models/invoice.sum", "exact"),
        ("src/main.main", "src/services/billing.BillingService", "exact"),
        ("src/main.main", "src/services/billing.BillingService.run", "heuristic"),
        ("src/ui/App.App", "src/models/invoice.sum", "exact"),
    }
