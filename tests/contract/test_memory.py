"""Contract: remember, scope, conflicts, duplicates, branch and user scoping, atomicity.

Every test runs on both backends (the `store` fixture) with the real embedding model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_memory_support import REPO, build_code_graph, make_gm

from graphmem.api import GraphMem
from graphmem.errors import ConflictError, NotFoundError, StoreError, UsageError
from graphmem.memory.governance import ReadScope, governing
from graphmem.memory.targets import lookup_target, resolve_for_reading, resolve_target
from graphmem.model import CodeEntity, Label, MemoryStatus, Node, RelType
from graphmem.store import Direction, GraphStore, WriteBatch

Graph = dict[str, Node]


@pytest.fixture
def graph(store: GraphStore) -> Graph:
    return build_code_graph(store)


def served_ids(gm: GraphMem, target: str) -> list[str]:
    return [g.memory.id for g in gm.governing(target)]


# -- targets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("src/api/invoices.py", "invoices"),
        ("./src/api/invoices.py", "invoices"),
        ("src/api/", "api_dir"),
        ("src/api", "api_dir"),
        ("api.invoices.InvoiceService.create", "create"),
        ("src/api/invoices.py::InvoiceService.create", "create"),
        ("src/api/invoices.py::api.invoices.InvoiceService", "service_cls"),
        ("service:api", "service"),
        (".", "repo"),
        ("api.users", "users"),
    ],
)
def test_targets_resolve(store: GraphStore, graph: Graph, text: str, key: str) -> None:
    assert resolve_target(store, REPO, text).id == graph[key].id


def test_targets_written_with_double_colons(store: GraphStore) -> None:
    """C++ and Rust qualified names contain `::`, which also separates a path from a symbol."""
    module = CodeEntity.new(Label.MODULE, REPO, "src/db.cc", "src/db").to_node()
    method = CodeEntity.new(
        Label.METHOD, REPO, "src/db.cc", "storage::DB::Write", name="Write"
    ).to_node()
    store.write(WriteBatch(upsert_nodes=[module, method]))
    for text in (
        "storage::DB::Write",
        "src/db.cc::storage::DB::Write",
        "src/db.cc::DB::Write",
        "DB::Write",
    ):
        assert resolve_target(store, REPO, text).id == method.id, text
    assert resolve_target(store, REPO, "src/db.cc::").id == module.id


def test_the_end_of_a_qualified_name_resolves_when_only_one_entity_ends_so(
    store: GraphStore, graph: Graph
) -> None:
    """Go qualifies by import path: `gin.Context.Next` for `github.com/acme/gin.Context.Next`."""
    go = CodeEntity.new(Label.METHOD, REPO, "context.go", "github.com/acme/gin.Context.Next")
    store.write(WriteBatch(upsert_nodes=[go.to_node()]))
    assert resolve_target(store, REPO, "gin.Context.Next").id == go.id
    assert resolve_target(store, REPO, "InvoiceService.create").id == graph["create"].id
    with pytest.raises(NotFoundError):
        resolve_target(store, REPO, "Next")  # a bare name is left out: too easily another's
    twin = CodeEntity.new(Label.METHOD, REPO, "other.go", "github.com/acme/other.Context.Next")
    store.write(WriteBatch(upsert_nodes=[twin.to_node()]))
    with pytest.raises(NotFoundError):
        resolve_target(store, REPO, "Context.Next")  # two entities end so: name one


def test_target_by_entity_id(store: GraphStore, graph: Graph) -> None:
    assert resolve_target(store, REPO, graph["tax"].id).id == graph["tax"].id


def test_unknown_target_suggests_close_names(store: GraphStore, graph: Graph) -> None:
    with pytest.raises(NotFoundError) as info:
        resolve_target(store, REPO, "src/api/invoice.py")
    assert "src/api/invoices.py" in info.value.suggestions
    with pytest.raises(NotFoundError) as info:
        resolve_target(store, REPO, "api.invoices.InvoiceService.craete")
    assert "api.invoices.InvoiceService.create" in info.value.suggestions
    assert "did you mean" in str(info.value)


def test_a_lookup_that_misses_reads_no_suggestions(
    store: GraphStore, graph: Graph, tmp_path: Path
) -> None:
    """A hook guesses at names in every prompt and may touch a file not yet ingested; the
    suggestions read every entity (0.9 s at 30k), which took it past its deadline."""
    assert lookup_target(store, REPO, "src/api/invoice.py") is None
    assert lookup_target(store, REPO, "  ") is None
    assert lookup_target(store, REPO, graph["tax"].id) == resolve_target(
        store, REPO, graph["tax"].id
    )
    with pytest.raises(NotFoundError) as info:
        resolve_for_reading(store, REPO, "src/api/invoice.py", tmp_path, suggest=False)
    assert info.value.suggestions == []
    with pytest.raises(NotFoundError) as info:
        resolve_for_reading(store, REPO, "src/api/invoice.py", tmp_path)
    assert "src/api/invoices.py" in info.value.suggestions


def test_target_in_another_repository_is_not_found(store: GraphStore, graph: Graph) -> None:
    build_code_graph(store, repo="other")
    with pytest.raises(NotFoundError):
        resolve_target(store, "other", graph["tax"].id)


# -- remember and scope -------------------------------------------------------------------


def test_a_file_that_is_not_code_is_read_as_its_folder_alone(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    (gm.repo_root / "src/api").mkdir(parents=True)
    (gm.repo_root / "src/api/schema.sql").write_text("CREATE TABLE invoices (id INTEGER);\n")
    (gm.repo_root / "src/api/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    folder = gm.remember("constraint", "Migrations are never edited once shipped", ["src/api/"])
    gm.remember("decision", "Invoices are created by the service only", ["src/api/invoices.py"])
    served = [g.memory.id for g in gm.governing("src/api/schema.sql")]
    assert served == [folder.memory.id]  # the folder's own, not those of its other files
    read = gm.context("./src/api/schema.sql")
    assert (read.file, read.target.path) == ("src/api/schema.sql", "src/api")
    assert [(m.id, m.why) for m in read.memories] == [(folder.memory.id, ["governs its folder"])]
    for unknown in ("src/api/missing.sql", "src/api/logo.png", "../outside.sql"):
        with pytest.raises(NotFoundError):
            gm.governing(unknown)
    with pytest.raises(NotFoundError):  # a memory is anchored to what it names, never broader
        gm.remember("fact", "The schema has one table", ["src/api/schema.sql"])


def test_decision_on_directory_reaches_function_inside(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    result = gm.remember("decision", "Invoices are immutable once sent", ["src/api/"])
    assert result.created
    assert result.memory.id.startswith("d-")
    served = gm.governing("api.invoices.InvoiceService.create")
    assert [s.memory.id for s in served] == [result.memory.id]
    [application] = served[0].applies
    assert application.relation == "ancestor"
    assert application.entity == "src/api/"
    assert application.path == [
        graph[k].id for k in ("api_dir", "invoices", "service_cls", "create")
    ]
    assert application.distance == 3
    # ...but not a function in an unrelated directory
    assert served_ids(gm, "billing.tax.compute_tax") == []


def test_governs_edge_records_hash_and_time(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    result = gm.remember(
        "constraint", "create() must be idempotent", ["api.invoices.InvoiceService.create"]
    )
    [edge] = store.edges([result.memory.id], [RelType.GOVERNS], Direction.OUT)
    assert edge.target == graph["create"].id
    assert edge.properties["content_hash"] == "h-create"
    assert edge.properties["created_at"] == result.memory.created_at


def test_context_of_module_includes_decisions_on_its_functions(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    on_method = gm.remember(
        "constraint", "void() keeps the invoice row", ["api.invoices.InvoiceService.void"]
    )
    on_repo = gm.remember("fact", "The shop runs on Python 3.12")
    served = gm.governing("src/api/invoices.py")
    relations = {s.memory.id: s.applies[0].relation for s in served}
    assert relations == {on_method.memory.id: "descendant", on_repo.memory.id: "ancestor"}


def test_no_target_governs_the_repository(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    result = gm.remember("fact", "All amounts are in cents")
    assert [a.entity_id for a in result.anchors] == [graph["repo"].id]
    assert result.memory.id in served_ids(gm, "billing.tax.compute_tax")
    assert result.memory.id in served_ids(gm, "service:api")


def test_remember_before_any_ingest_creates_the_repository_node(
    store: GraphStore, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    result = gm.remember("fact", "We deploy on Fridays only with approval")
    [repo_node] = store.find_nodes(Label.REPOSITORY, {"repo": REPO})
    assert result.anchors[0].entity_id == repo_node.id
    assert served_ids(gm, ".") == [result.memory.id]


def test_unknown_target_fails_and_writes_nothing(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    with pytest.raises(NotFoundError):
        gm.remember("decision", "Something", ["src/nope.py"])
    assert store.find_nodes(Label.MEMORY) == []
    assert store.find_nodes(Label.EVENT) == []


def test_kind_and_fields_are_validated(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    with pytest.raises(UsageError):
        gm.remember("opinion", "tabs")
    with pytest.raises(UsageError):
        gm.remember("decision", "   ")
    with pytest.raises(UsageError):
        gm.remember("decision", "x", symptom="crash")


def test_failure_details_are_kept(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    result = gm.remember(
        "failure",
        "Rounding error in tax for negative amounts",
        ["billing.tax.compute_tax"],
        symptom="test_negative_tax fails by one cent",
        cause="float arithmetic",
        fix="use Decimal with ROUND_HALF_EVEN",
        test="tests/test_tax.py::test_negative_tax",
        commit="3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345",
    )
    shown = gm.show(result.memory.id).memory
    assert result.memory.id.startswith("f-")
    assert shown.fix == "use Decimal with ROUND_HALF_EVEN"
    assert shown.commit == "3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345"


# -- duplicates and conflicts -------------------------------------------------------------


def test_exact_duplicate_is_not_stored_twice(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    first = gm.remember("decision", "Invoices are immutable once sent", ["src/api/"])
    again = gm.remember("decision", "  invoices are immutable   once sent. ", ["src/api"])
    assert not again.created
    assert again.duplicate_of == first.memory.id
    assert len(store.find_nodes(Label.MEMORY)) == 1
    # a different target, kind or branch is a different memory
    assert gm.remember("decision", "Invoices are immutable once sent", ["src/billing/"]).created
    assert gm.remember("constraint", "Invoices are immutable once sent", ["src/api/"]).created
    assert gm.remember(
        "decision", "Invoices are immutable once sent", ["src/api/"], branch="x"
    ).created
    assert len(store.find_nodes(Label.MEMORY)) == 4


def test_conflict_on_overlapping_scope_is_reported_not_acted_on(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    old = gm.remember("decision", "Invoices are immutable once sent", ["src/api/"])
    new = gm.remember(
        "decision", "Sent invoices can be changed after sending", ["api.invoices.InvoiceService"]
    )
    [conflict] = new.conflicts
    assert conflict.memory_id == old.memory.id
    assert conflict.relation == "ancestor"
    assert conflict.score >= 0.5
    assert conflict.hint == f"graphmem supersede {old.memory.id} --by {new.memory.id}"
    assert gm.show(old.memory.id).memory.status == MemoryStatus.ACTIVE
    # and from the other side: the directory memory sees the class one as a descendant
    third = gm.remember("decision", "Invoices may be changed after they are sent", ["src/api/"])
    relations = {c.memory_id: c.relation for c in third.conflicts}
    assert relations[new.memory.id] == "descendant"
    assert relations[old.memory.id] == "same"


def test_no_conflict_across_unrelated_modules(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    gm.remember("decision", "Use Decimal for money amounts", ["src/api/users.py"])
    result = gm.remember("decision", "Use float for money amounts", ["src/billing/tax.py"])
    assert result.conflicts == []


def test_unrelated_text_on_same_target_is_no_conflict(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    gm.remember("decision", "Invoices are immutable once sent", ["src/api/"])
    result = gm.remember("fact", "Logging uses structlog", ["src/api/"])
    assert result.conflicts == []


# -- branch and user scoping --------------------------------------------------------------


def test_branch_scoped_memory_is_served_only_on_its_branch(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    main = make_gm(store, embedder, tmp_path, branch="main")
    feature = make_gm(store, embedder, tmp_path, branch="feature-x")
    everywhere = main.remember("decision", "Invoices are immutable once sent", ["src/api/"])
    only_feature = feature.remember(
        "decision", "Invoice numbers get a prefix on this branch", ["src/api/"], branch="feature-x"
    )
    assert served_ids(main, "src/api/") == [everywhere.memory.id]
    assert set(served_ids(feature, "src/api/")) == {everywhere.memory.id, only_feature.memory.id}
    unscoped = ReadScope(store, repo=REPO)
    assert governing(unscoped, [graph["api_dir"].id], down=True) and all(
        g.memory.branch is None for g in governing(unscoped, [graph["api_dir"].id], down=True)
    )


def test_preferences_are_per_user(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    ana = make_gm(store, embedder, tmp_path, user="ana")
    bob = make_gm(store, embedder, tmp_path, user="bob")
    mine = ana.remember("preference", "Explain changes in short bullet points")
    assert mine.memory.user == "ana"
    assert mine.memory.id.startswith("p-")
    assert served_ids(ana, "src/api/") == [mine.memory.id]
    assert served_ids(bob, "src/api/") == []
    # bob's own identical preference is his, not a duplicate of ana's
    theirs = bob.remember("preference", "Explain changes in short bullet points")
    assert theirs.created and theirs.conflicts == []
    # a preference needs a user; other kinds carry none
    with pytest.raises(UsageError):
        make_gm(store, embedder, tmp_path, user="").remember("preference", "x")
    assert ana.remember("fact", "CI runs on every push").memory.user is None


# -- atomicity -----------------------------------------------------------------------------


class _FailingWrites:
    """A store proxy whose writes fail: nothing of a remember may be half-written."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def write(self, batch: WriteBatch) -> None:
        raise StoreError("disk full")


def test_remember_is_one_batch(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    old = gm.remember("decision", "Invoices are immutable once sent", ["src/api/"])
    writes = []
    original = store.write

    def spy(batch: WriteBatch) -> None:
        writes.append(batch)
        original(batch)

    store.write = spy  # type: ignore[method-assign]
    try:
        gm.remember(
            "decision",
            "Credit notes correct sent invoices",
            ["src/api/"],
            supersedes=[old.memory.id],
        )
    finally:
        store.write = original  # type: ignore[method-assign]
    [batch] = writes
    types = sorted({e.type for e in batch.upsert_edges})
    assert types == [RelType.GOVERNS, RelType.SUPERSEDED_BY]
    assert (
        sorted(n.labels[0] for n in batch.upsert_nodes if n.has(Label.EVENT)) == [Label.EVENT] * 2
    )
    assert old.memory.id in batch.set_properties


def test_failed_write_leaves_no_trace(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    old = gm.remember("decision", "Invoices are immutable once sent", ["src/api/"])
    broken = make_gm(_FailingWrites(store), embedder, tmp_path)  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        broken.remember("decision", "Credit notes only", ["src/api/"], supersedes=[old.memory.id])
    assert [m.id for m in store.find_nodes(Label.MEMORY)] == [old.memory.id]
    assert gm.show(old.memory.id).memory.status == MemoryStatus.ACTIVE
    assert len(store.find_nodes(Label.EVENT)) == 1


def test_superseding_a_missing_memory_writes_nothing(
    store: GraphStore, graph: Graph, embedder: Any, tmp_path: Path
) -> None:
    gm = make_gm(store, embedder, tmp_path)
    with pytest.raises(NotFoundError):
        gm.remember("decision", "x y z", supersedes=["d-00000000"])
    assert store.find_nodes(Label.MEMORY) == []
    retracted = gm.remember("decision", "Old rule")
    gm.retract(retracted.memory.id)
    with pytest.raises(ConflictError):
        gm.remember("decision", "New rule", supersedes=[retracted.memory.id])
    assert len(store.find_nodes(Label.MEMORY)) == 1
