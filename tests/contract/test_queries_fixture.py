"""A small, hand-built graph with known answers, shared by the query contract tests.

It mirrors tests/fixtures/query_repo (a shop with billing, orders, an API and tests) but is
written straight into the store, so every answer below is exact, including which calls are
heuristic, which memory is stale and which was superseded, independently of the ingester.

    src/shop/billing/invoices.py  Invoice (class), Invoice.total (method), send_invoice
    src/shop/billing/tax.py       compute_tax        (recursive; changed since c-tax was written)
    src/shop/orders.py            checkout, SpecialInvoice(Invoice)
    src/shop/api.py               post_checkout
    src/shop/util.py              fmt                (no memory governs it)
    tests/test_orders.py          test_checkout

    CALLS  total -> compute_tax (exact), send_invoice -> total (heuristic),
           checkout -> Invoice, checkout -> send_invoice, post_checkout -> checkout,
           test_checkout -> checkout, compute_tax -> compute_tax (all exact)
    IMPORTS invoices -> tax, orders -> invoices, api -> orders, test_orders -> orders
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from graphmem.embed import Embedder
from graphmem.memory.results import Anchor, anchor_properties
from graphmem.memory.staleness import governs_edge
from graphmem.model import CodeEntity, Edge, Label, Memory, MemoryKind, MemoryStatus, RelType
from graphmem.store import GraphStore, WriteBatch

REPO = "shop"


@dataclass
class KnownGraph:
    ids: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.ids[key]


def _entity(kind: Label, path: str, qname: str, **extra: object) -> CodeEntity:
    content_hash = extra.pop("content_hash", f"h-{qname}")
    return CodeEntity.new(
        kind,
        REPO,
        path,
        qname,
        language="python" if kind not in (Label.DIRECTORY, Label.REPOSITORY) else None,
        content_hash=content_hash,
        start_line=1 if kind not in (Label.DIRECTORY, Label.REPOSITORY) else None,
        extra=dict(extra),
    )


def build_known_graph(store: GraphStore, embedder: Embedder | None = None) -> KnownGraph:
    """Write the graph described in the module docstring; returns its ids by short name."""
    e = {
        "repo": _entity(Label.REPOSITORY, "", "", name=REPO),
        "src": _entity(Label.DIRECTORY, "src", "src"),
        "shop": _entity(Label.DIRECTORY, "src/shop", "src/shop"),
        "billing": _entity(Label.DIRECTORY, "src/shop/billing", "src/shop/billing"),
        "testsdir": _entity(Label.DIRECTORY, "tests", "tests"),
        "invoices": _entity(Label.MODULE, "src/shop/billing/invoices.py", "shop.billing.invoices"),
        "tax": _entity(Label.MODULE, "src/shop/billing/tax.py", "shop.billing.tax"),
        "orders": _entity(Label.MODULE, "src/shop/orders.py", "shop.orders"),
        "api": _entity(Label.MODULE, "src/shop/api.py", "shop.api"),
        "util": _entity(Label.MODULE, "src/shop/util.py", "shop.util"),
        "test_orders": _entity(Label.MODULE, "tests/test_orders.py", "tests.test_orders"),
        "Invoice": _entity(
            Label.CLASS, "src/shop/billing/invoices.py", "shop.billing.invoices.Invoice"
        ),
        "total": _entity(
            Label.METHOD, "src/shop/billing/invoices.py", "shop.billing.invoices.Invoice.total"
        ),
        "send_invoice": _entity(
            Label.FUNCTION, "src/shop/billing/invoices.py", "shop.billing.invoices.send_invoice"
        ),
        "compute_tax": _entity(
            Label.FUNCTION,
            "src/shop/billing/tax.py",
            "shop.billing.tax.compute_tax",
            content_hash="tax-v2",
        ),
        "checkout": _entity(Label.FUNCTION, "src/shop/orders.py", "shop.orders.checkout"),
        "SpecialInvoice": _entity(Label.CLASS, "src/shop/orders.py", "shop.orders.SpecialInvoice"),
        "post_checkout": _entity(Label.FUNCTION, "src/shop/api.py", "shop.api.post_checkout"),
        "fmt": _entity(Label.FUNCTION, "src/shop/util.py", "shop.util.fmt"),
        "test_checkout": _entity(
            Label.FUNCTION, "tests/test_orders.py", "tests.test_orders.test_checkout"
        ),
        "svc_api": _entity(Label.SERVICE, "docker-compose.yml", "service:api", name="api"),
        "svc_db": _entity(Label.SERVICE, "docker-compose.yml", "service:db", name="db"),
        "svc_worker": _entity(Label.SERVICE, "docker-compose.yml", "service:worker", name="worker"),
    }
    commits = {
        f"c{i}": _entity(
            Label.COMMIT,
            "",
            f"commit:{sha}",
            name=sha[:12],
            sha=sha,
            message=message,
            author="Ana",
            date=date,
            content_hash=None,
        )
        for i, (sha, message, date) in enumerate(
            [
                ("a" * 40, "Add invoices and tax", "2026-01-01T10:00:00+00:00"),
                ("b" * 40, "Fix rounding of invoice totals", "2026-02-01T10:00:00+00:00"),
                ("c" * 40, "Retry checkout once", "2026-03-01T10:00:00+00:00"),
            ],
            start=1,
        )
    }
    e.update(commits)

    def edge(kind: RelType, a: str, b: str, **props: object) -> Edge:
        return Edge(type=kind, source=e[a].id, target=e[b].id, properties=dict(props))

    contains = [
        ("repo", "src"),
        ("src", "shop"),
        ("shop", "billing"),
        ("repo", "testsdir"),
        ("billing", "invoices"),
        ("billing", "tax"),
        ("shop", "orders"),
        ("shop", "api"),
        ("shop", "util"),
        ("testsdir", "test_orders"),
        ("invoices", "Invoice"),
        ("Invoice", "total"),
        ("invoices", "send_invoice"),
        ("tax", "compute_tax"),
        ("orders", "checkout"),
        ("orders", "SpecialInvoice"),
        ("api", "post_checkout"),
        ("util", "fmt"),
        ("test_orders", "test_checkout"),
    ]
    edges = [edge(RelType.CONTAINS, a, b) for a, b in contains]
    edges += [
        edge(RelType.IMPORTS, "invoices", "tax"),
        edge(RelType.IMPORTS, "orders", "invoices"),
        edge(RelType.IMPORTS, "api", "orders"),
        edge(RelType.IMPORTS, "test_orders", "orders"),
        edge(RelType.CALLS, "total", "compute_tax", resolution="exact"),
        edge(RelType.CALLS, "send_invoice", "total", resolution="heuristic"),
        edge(RelType.CALLS, "checkout", "Invoice", resolution="exact"),
        edge(RelType.CALLS, "checkout", "send_invoice", resolution="exact"),
        edge(RelType.CALLS, "post_checkout", "checkout", resolution="exact"),
        edge(RelType.CALLS, "test_checkout", "checkout", resolution="exact"),
        edge(RelType.CALLS, "compute_tax", "compute_tax", resolution="exact"),
        edge(RelType.INHERITS, "SpecialInvoice", "Invoice"),
        edge(RelType.DEPENDS_ON, "svc_api", "svc_db"),
        edge(RelType.DEPENDS_ON, "svc_worker", "svc_api"),
        edge(RelType.DEPENDS_ON, "svc_worker", "svc_db"),
        edge(RelType.MODIFIES, "c1", "invoices"),
        edge(RelType.MODIFIES, "c1", "tax"),
        edge(RelType.MODIFIES, "c2", "invoices"),
        edge(RelType.MODIFIES, "c2", "total"),
        edge(RelType.MODIFIES, "c3", "orders"),
        edge(RelType.MODIFIES, "c3", "checkout"),
    ]

    memories: list[tuple[str, Memory, list[str], dict[str, str]]] = []

    def memory(
        key: str,
        kind: MemoryKind,
        text: str,
        governs: list[str],
        day: int,
        status: MemoryStatus = MemoryStatus.ACTIVE,
        hashes: dict[str, str] | None = None,
        **fields: object,
    ) -> None:
        at = f"2026-04-{day:02d}T10:00:00.000000+00:00"
        m = Memory(
            id=f"{kind.id_prefix}-{key}",
            kind=kind,
            text=text,
            status=status,
            created_at=at,
            valid_from=at,
            repo=REPO,
            author="ana",
            **fields,  # type: ignore[arg-type]
        )
        memories.append((key, m, governs, hashes or {}))

    memory(
        "old",
        MemoryKind.DECISION,
        "Invoices may be edited after sending",
        ["billing"],
        1,
        status=MemoryStatus.SUPERSEDED,
        valid_to="2026-04-02T10:00:00.000000+00:00",
    )
    memory(
        "immut",
        MemoryKind.DECISION,
        "Invoices are immutable once sent; corrections are credit notes",
        ["billing"],
        2,
        rationale="Auditors require an unchanged trail",
    )
    memory(
        "tax",
        MemoryKind.CONSTRAINT,
        "Tax rates come from the tax service, never hard-coded",
        ["compute_tax"],
        3,
        hashes={"compute_tax": "tax-v1"},
    )
    memory(
        "retry",
        MemoryKind.FAILURE,
        "Checkout double-charged customers when a payment retry timed out",
        ["checkout"],
        4,
        symptom="two charges for one order",
        cause="retry without idempotency key",
        fix="send an idempotency key with every payment call",
    )
    memory(
        "oldfail",
        MemoryKind.FAILURE,
        "Orders module crashed on empty carts",
        ["orders"],
        1,
        status=MemoryStatus.RETRACTED,
    )
    memory(
        "fixtures",
        MemoryKind.PREFERENCE,
        "Use pytest fixtures, not setUp methods",
        ["testsdir"],
        5,
        user="alice",
    )
    memory("thin", MemoryKind.FACT, "The API layer is a thin adapter over orders", ["api"], 6)
    memory("cents", MemoryKind.FACT, "All money amounts are integer cents", ["repo"], 7)
    memory(
        "async",
        MemoryKind.DECISION,
        "Checkout runs asynchronously on the feature-x branch",
        ["checkout"],
        8,
        branch="feature-x",
    )

    batch = WriteBatch(upsert_nodes=[x.to_node() for x in e.values()], upsert_edges=edges)
    ids = {k: v.id for k, v in e.items()}
    vectors = embedder.embed([m.text for _, m, _, _ in memories]) if embedder else None
    for i, (key, m, governs, hashes) in enumerate(memories):
        anchors = [
            Anchor.of(e[g].to_node()).model_copy(
                update={"content_hash": hashes.get(g, e[g].content_hash or "")}
            )
            for g in governs
        ]
        node = m.to_node(vectors[i] if vectors else None)
        node = node.model_copy(
            update={"properties": {**node.properties, **anchor_properties(anchors)}}
        )
        batch.upsert_nodes.append(node)
        batch.upsert_edges.extend(governs_edge(m.id, a, m.created_at) for a in anchors)
        ids[f"m:{key}"] = m.id
    batch.upsert_edges.append(
        Edge(type=RelType.SUPERSEDED_BY, source=ids["m:old"], target=ids["m:immut"])
    )
    store.write(batch)
    return KnownGraph(ids)


class CachingEmbedder:
    """Wraps the session embedder so the same fixture texts are embedded once per test run."""

    _vectors: dict[str, list[float]] = {}

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimensions = inner.dimensions

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.inner.embed(missing), strict=True))
        return [self._vectors[t] for t in texts]
