"""Shared by the memory contract tests (no tests here): a small code graph and a GraphMem on it.

shop/                      Repository
  src/                     Directory
    api/                   Directory
      invoices.py          Module   api.invoices
        InvoiceService     Class    api.invoices.InvoiceService
          create           Method   api.invoices.InvoiceService.create
          void             Method   api.invoices.InvoiceService.void
      users.py             Module   api.users
        get_user           Function api.users.get_user
    billing/               Directory
      tax.py               Module   billing.tax
        compute_tax        Function billing.tax.compute_tax
  service:api              Service  (contains src/api)
"""

from __future__ import annotations

from pathlib import Path

from graphmem.api import GraphMem
from graphmem.model import CodeEntity, Edge, Label, Node, RelType
from graphmem.settings import Settings
from graphmem.store import GraphStore, WriteBatch

REPO = "shop"

_ENTITIES: list[tuple[str, Label, str, str]] = [
    ("repo", Label.REPOSITORY, "", ""),
    ("src", Label.DIRECTORY, "src", "src"),
    ("api_dir", Label.DIRECTORY, "src/api", "src/api"),
    ("invoices", Label.MODULE, "src/api/invoices.py", "api.invoices"),
    ("service_cls", Label.CLASS, "src/api/invoices.py", "api.invoices.InvoiceService"),
    ("create", Label.METHOD, "src/api/invoices.py", "api.invoices.InvoiceService.create"),
    ("void", Label.METHOD, "src/api/invoices.py", "api.invoices.InvoiceService.void"),
    ("users", Label.MODULE, "src/api/users.py", "api.users"),
    ("get_user", Label.FUNCTION, "src/api/users.py", "api.users.get_user"),
    ("billing_dir", Label.DIRECTORY, "src/billing", "src/billing"),
    ("tax", Label.MODULE, "src/billing/tax.py", "billing.tax"),
    ("compute_tax", Label.FUNCTION, "src/billing/tax.py", "billing.tax.compute_tax"),
    ("service", Label.SERVICE, "pyproject.toml", "service:api"),
]
_CONTAINS = [
    ("repo", "src"),
    ("src", "api_dir"),
    ("api_dir", "invoices"),
    ("invoices", "service_cls"),
    ("service_cls", "create"),
    ("service_cls", "void"),
    ("api_dir", "users"),
    ("users", "get_user"),
    ("src", "billing_dir"),
    ("billing_dir", "tax"),
    ("tax", "compute_tax"),
    ("service", "api_dir"),
    ("repo", "service"),
]


def build_code_graph(store: GraphStore, repo: str = REPO) -> dict[str, Node]:
    """Write the graph above; returns its nodes by short name."""
    nodes: dict[str, Node] = {}
    for key, label, path, qualified in _ENTITIES:
        extra = {"name": "api"} if label == Label.SERVICE else {}
        if label == Label.REPOSITORY:
            extra = {"name": repo}
        entity = CodeEntity.new(label, repo, path, qualified, content_hash=f"h-{key}", **extra)
        nodes[key] = entity.to_node()
    edges = [
        Edge(type=RelType.CONTAINS, source=nodes[a].id, target=nodes[b].id) for a, b in _CONTAINS
    ]
    store.write(WriteBatch(upsert_nodes=list(nodes.values()), upsert_edges=edges))
    return nodes


def make_gm(
    store: GraphStore,
    embedder: object,
    tmp_path: Path,
    user: str = "ana",
    branch: str | None = "main",
    repo: str = REPO,
) -> GraphMem:
    """A GraphMem on `store` for repository `repo`, as `user` on `branch`."""
    root = tmp_path / repo
    root.mkdir(exist_ok=True)
    settings = Settings(author=user, user=user, branch=branch)
    return GraphMem(settings, repo_root=root, store=store, embedder=embedder)  # type: ignore[arg-type]
