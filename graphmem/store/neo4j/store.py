"""GraphStore on a Neo4j 5 server over Bolt, with the official driver.

Guarantees, as base.py states them: each `write` is one explicit write transaction (retried by the
driver on transient errors, rolled back on any failure, so a lost server leaves nothing half
written); reads run in read transactions and see only committed data; `snapshot()` runs several
reads in one (see reads.py). Iteration pages through separate read transactions, so it is not one
snapshot. One database may hold many repositories:
nothing here filters by, or assumes, a repository.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

import neo4j
from neo4j import ManagedTransaction
from neo4j import exceptions as neo4j_errors

from graphmem.errors import ConflictError, ReadOnlyStoreError, StoreError, UsageError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.store.base import (
    BASE_LABELS,
    Capability,
    CypherDialect,
    GraphReads,
    GraphStore,
    WriteBatch,
    base_label,
    unmet_expectations,
)
from graphmem.store.cypher_text import find_write_clause
from graphmem.store.neo4j import schema, values
from graphmem.store.neo4j import statements as st
from graphmem.store.neo4j.driver_errors import (
    ACCESS_MODE,
    READ_ONLY_REFUSED,
    translated,
    translated_user_query,
    unreachable,
)
from graphmem.store.neo4j.reads import (
    Neo4jReads,
    Neo4jSnapshot,
    Tx,
    chunks,
    fetch_rows,
    label_patterns,
    single_int,
    to_edge,
)

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_VECTOR_DIMENSIONS = 384
#: Node ids whose base label is remembered (so edges need no lookup); cleared when exceeded.
_BASE_CACHE_LIMIT = 2_000_000
#: Rows per UNWIND statement: 5k, 10k and 20k wrote equally fast here (server-bound).
DEFAULT_ROWS_PER_STATEMENT = 10_000
#: Connections per server the driver may open: one per thread at work (an MCP server's), so the
#: driver's own default (100) only matters to programs that share one store widely.
DEFAULT_POOL_SIZE = 100

# The driver logs routing and connection trouble as warnings; graphmem reports them as one
# error line instead, so Python's last-resort handler must not print them to stderr too.
logging.getLogger("neo4j").addHandler(logging.NullHandler())


class Neo4jStore(Neo4jReads, GraphStore):
    """A graphmem graph in one Neo4j database (the server's default unless `database` is given)."""

    name = "neo4j"
    capabilities = frozenset(
        {Capability.CYPHER_READ, Capability.CYPHER_WRITE, Capability.VECTOR_INDEX}
    )
    cypher_dialect = CypherDialect.NEO4J

    def __init__(
        self,
        url: str,
        username: str = "neo4j",
        password: str | None = None,
        database: str | None = None,
        *,
        vector_dimensions: int = DEFAULT_VECTOR_DIMENSIONS,
        connection_timeout: float = 5.0,
        max_retry_seconds: float = 10.0,
        rows_per_statement: int = DEFAULT_ROWS_PER_STATEMENT,
        max_connection_pool_size: int = DEFAULT_POOL_SIZE,
        read_only: bool = False,
    ) -> None:
        if vector_dimensions < 1:
            raise UsageError(f"vector_dimensions must be positive, not {vector_dimensions}")
        self.url = url
        #: every transaction in read access mode: the server itself refuses any write
        self.read_only = read_only
        self._database = database or None
        self._rows = max(1, rows_per_statement)
        self._vector_dimensions = vector_dimensions
        self._bases: dict[str, Label] = {}
        auth = (username, password) if password is not None else None
        try:
            self._driver = neo4j.GraphDatabase.driver(
                url,
                auth=auth,
                connection_timeout=connection_timeout,
                connection_acquisition_timeout=connection_timeout * 2,
                max_transaction_retry_time=max_retry_seconds,
                max_connection_pool_size=max_connection_pool_size,
                liveness_check_timeout=30.0,
                # warnings such as "unknown label" on an empty database are noise to users
                notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF,
            )
        except (ValueError, neo4j_errors.ConfigurationError) as e:
            raise UsageError(f"invalid Neo4j URL {url!r}: {e}") from e
        try:
            self._open()
        except StoreError as e:
            self._driver.close()
            if auth is None and isinstance(e.__cause__, neo4j_errors.AuthError):
                raise StoreError(
                    f"Neo4j at {url} needs a password and none was given: set NEO4J_PASSWORD "
                    "(and NEO4J_USERNAME if it is not neo4j)"
                ) from e
            raise
        except BaseException:
            self._driver.close()
            raise

    def _open(self) -> None:
        with self._translated("opening the store"):
            try:
                self._driver.verify_connectivity()
            except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as e:
                raise unreachable(self.url) from e
            self._schema = schema.ensure(
                self._driver, self._database, self._vector_dimensions, create=not self.read_only
            )

    def close(self) -> None:
        self._driver.close()

    def __repr__(self) -> str:
        return f"Neo4jStore({self.url!r}, database={self._database!r})"

    # -- transactions ---------------------------------------------------------------------

    def _translated(self, doing: str) -> AbstractContextManager[None]:
        return translated(self.url, doing, self._database)

    def _session(self, mode: str) -> neo4j.Session:
        mode = neo4j.READ_ACCESS if self.read_only else mode
        return self._driver.session(database=self._database, default_access_mode=mode)

    def _read(
        self,
        doing: str,
        work: Callable[Concatenate[Tx, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        with self._translated(doing), self._session(neo4j.READ_ACCESS) as session:
            return session.execute_read(work, *args, **kwargs)

    def _write(
        self,
        doing: str,
        work: Callable[Concatenate[ManagedTransaction, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        if self.read_only:  # sent as a read transaction, so that Neo4j refuses it
            with self._translated(doing), self._session(neo4j.READ_ACCESS) as session:
                try:
                    return session.execute_read(work, *args, **kwargs)
                except neo4j_errors.ClientError as e:
                    if e.code == ACCESS_MODE:
                        raise ReadOnlyStoreError(READ_ONLY_REFUSED) from e
                    raise
        with self._translated(doing), self._session(neo4j.WRITE_ACCESS) as session:
            return session.execute_write(work, *args, **kwargs)

    @contextmanager
    def _snapshot_impl(self) -> Iterator[GraphReads]:
        """One explicit read transaction on one session (routed to a reader on a cluster).

        Unlike single calls it is not retried on a transient error: the answer fails instead,
        with StoreUnavailableError, and may be asked again."""
        with self._translated("opening a read snapshot"):
            session = self._session(neo4j.READ_ACCESS)
        try:
            with self._translated("opening a read snapshot"):
                tx = session.begin_transaction()
            try:
                yield Neo4jSnapshot(self, tx)
            finally:
                with contextlib.suppress(neo4j_errors.Neo4jError, neo4j_errors.DriverError):
                    tx.close()  # it only read: rolling back is all there is to do
        finally:
            with contextlib.suppress(neo4j_errors.Neo4jError, neo4j_errors.DriverError):
                session.close()

    def write_clause(self, query: str) -> str | None:
        """CALL is not counted: a read transaction refuses writing procedures itself."""
        return find_write_clause(query, include_call=False)

    # -- writes ---------------------------------------------------------------------------

    def _write_impl(self, batch: WriteBatch) -> None:
        plan = _WritePlan.of(batch)
        resolved = self._write("writing", self._apply, plan)
        # Only committed facts enter the cache of base labels.
        if len(self._bases) > _BASE_CACHE_LIMIT:
            self._bases.clear()
        for node_id in plan.delete_nodes:
            self._bases.pop(node_id, None)
        self._bases.update(resolved)
        self._bases.update(plan.upserted_bases)

    def _apply(self, tx: ManagedTransaction, plan: _WritePlan) -> dict[str, Label]:
        """The unit of work: run in one transaction, and re-run whole if the driver retries.

        Returns the base labels it had to look up, for the cache once the transaction commits.
        """
        if plan.expect:
            self._check_expectations(tx, plan.expect)
        for rel_type, pairs in plan.delete_edges.items():
            text = st.render(
                "delete_edges", find_node=st.find_node(), type=st.rel_types([rel_type])
            )
            for pair_chunk in chunks(pairs, self._rows):
                tx.run(text, rows=pair_chunk).consume()
        if plan.delete_nodes:
            text = st.render("delete_nodes", find_node=st.find_node())
            for id_chunk in chunks(plan.delete_nodes, self._rows):
                tx.run(text, ids=id_chunk).consume()
        for label_set, rows in plan.upsert_nodes.items():
            text = st.render(
                "upsert_nodes",
                base_label=st.labels(base_label(label_set)),
                set_labels=st.set_labels("n", label_set),
            )
            for chunk in chunks(rows, self._rows):
                tx.run(text, rows=chunk).consume()
        if plan.set_properties:
            text = st.render("set_properties", find_node=st.find_node())
            for chunk in chunks(plan.set_properties, self._rows):
                written = single_int(tx.run(text, rows=chunk), "written")
                if written != len(chunk):
                    ids = [row["id"] for row in chunk]
                    missing = sorted(set(ids) - set(self._resolve_bases(tx, ids)))
                    raise StoreError(
                        f"cannot set properties of missing node(s): {_some(missing)}; "
                        "nothing was written"
                    )
        if not plan.upsert_edges:
            return {}
        return self._upsert_edges(tx, plan)

    def _upsert_edges(self, tx: ManagedTransaction, plan: _WritePlan) -> dict[str, Label]:
        """MERGE the edges, each endpoint found through the index of its base label.

        Base labels come from the batch, then the cache, then one lookup. A cached label can be
        stale (another process deleted the node): then fewer edges are written than asked, and
        the edges are written again with every label looked up afresh (MERGE is idempotent).
        """
        endpoints = sorted(
            {e.source for e in plan.upsert_edges} | {e.target for e in plan.upsert_edges}
        )
        deleted = set(plan.delete_nodes)
        bases: dict[str, Label] = {}
        for node_id in endpoints:
            known = plan.upserted_bases.get(node_id)
            if known is None and node_id not in deleted:
                known = self._bases.get(node_id)
            if known is not None:
                bases[node_id] = known
        resolved = self._resolve_bases(tx, [i for i in endpoints if i not in bases])
        bases.update(resolved)
        for attempt in range(2):
            missing = [node_id for node_id in endpoints if node_id not in bases]
            if missing:
                raise StoreError(
                    f"edge endpoint(s) do not exist: {_some(missing)}; nothing was written"
                )
            if self._merge_edges(tx, plan.upsert_edges, bases):
                return resolved
            if attempt == 0:
                resolved = self._resolve_bases(tx, endpoints)
                bases = dict(resolved)
        raise StoreError(
            "edge endpoints vanished while writing (a concurrent delete?); nothing was written"
        )

    def _merge_edges(
        self, tx: ManagedTransaction, edges: list[Edge], bases: Mapping[str, Label]
    ) -> bool:
        """MERGE edges grouped by (type, source base, target base); False if any went unwritten."""
        groups: dict[tuple[RelType, Label, Label], list[Edge]] = defaultdict(list)
        for edge in edges:
            groups[(RelType(edge.type), bases[edge.source], bases[edge.target])].append(edge)
        complete = True
        for (rel_type, source_base, target_base), group in groups.items():
            text = st.render(
                "upsert_edges",
                source_label=st.labels(source_base),
                target_label=st.labels(target_base),
                type=st.rel_types([rel_type]),
            )
            for chunk in chunks(group, self._rows):
                params = {
                    "sources": [e.source for e in chunk],
                    "targets": [e.target for e in chunk],
                    "props": [e.properties for e in chunk],
                }
                written = single_int(tx.run(text, params), "written")
                complete = complete and written == len(chunk)
        return complete

    def _resolve_bases(self, tx: ManagedTransaction, ids: Sequence[str]) -> dict[str, Label]:
        """The base label of each existing node among `ids` (absent ids are left out)."""
        found: dict[str, Label] = {}
        remaining = list(dict.fromkeys(ids))
        for base in BASE_LABELS:
            if not remaining:
                break
            text = st.render("resolve_ids", label=st.labels(base))
            for chunk in chunks(remaining, self._rows):
                for node_id in _single_list(tx.run(text, ids=chunk), "found"):
                    found[node_id] = base
            remaining = [node_id for node_id in remaining if node_id not in found]
        return found

    # -- point reads ----------------------------------------------------------------------

    def _check_expectations(
        self, tx: ManagedTransaction, expect: dict[str, dict[str, Any]]
    ) -> None:
        """The batch's preconditions, read under write locks taken in id order (no deadlock)."""
        text = st.render("lock_nodes", find_node=st.find_node())
        current: dict[str, dict[str, Any]] = {}
        for record in tx.run(text, ids=sorted(expect)):
            node = values.to_node(record["n"])
            if node is not None:
                current[node.id] = node.properties
        problem = unmet_expectations(expect, current)
        if problem is not None:
            raise ConflictError(problem)

    def _iter_nodes_impl(self, label: Label | None, batch_size: int) -> Iterator[Node]:
        size = batch_size
        streams = [self._node_pages(pattern, size) for pattern in label_patterns(label)]
        if len(streams) == 1:
            return streams[0]
        return heapq.merge(*streams, key=lambda node: node.id)

    def _node_pages(self, pattern: st.Fragment, size: int) -> Iterator[Node]:
        text = st.render("node_page", labels=pattern)
        after = ""
        while True:
            page = self._read("reading nodes", _node_page, text, after, size)
            yield from (node for node in page.nodes if node is not None)
            if page.count < size or page.last_id is None:
                return
            after = page.last_id

    def _iter_edges_impl(self, batch_size: int) -> Iterator[Edge]:
        size = batch_size
        for rel_type in sorted(RelType, key=lambda t: t.value):
            streams = [self._edge_pages(rel_type, base, size) for base in BASE_LABELS]
            yield from heapq.merge(*streams, key=lambda edge: (edge.source, edge.target))

    def _edge_pages(self, rel_type: RelType, source_base: Label, size: int) -> Iterator[Edge]:
        text = st.render(
            "edge_page", source_label=st.labels(source_base), type=st.rel_types([rel_type])
        )
        after = ("", "")
        while True:
            rows = self._read("reading edges", fetch_rows, text, _edge_page_params(after, size))
            for row in rows:
                edge = to_edge(rel_type.value, row["source"], row["target"], row["props"])
                if edge is not None:
                    yield edge
            if len(rows) < size:
                return
            after = (rows[-1]["source"], rows[-1]["target"])

    # -- search ---------------------------------------------------------------------------

    # -- cypher ---------------------------------------------------------------------------

    def _cypher_impl(self, query: str, params: dict[str, Any], write: bool) -> list[dict[str, Any]]:
        """Run user Cypher: in a read transaction (the server refuses writes) unless `write`."""
        if write and self.read_only:
            raise ReadOnlyStoreError(READ_ONLY_REFUSED)
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        args = params
        with (
            translated_user_query(self.url, self._database),
            self._session(mode) as session,
        ):
            run = session.execute_write if write else session.execute_read
            try:
                return run(_user_query, query, args)
            except neo4j_errors.Neo4jError as e:
                if not _needs_implicit_transaction(e):
                    raise
            # `CALL { ... } IN TRANSACTIONS` commits batches itself, so it cannot run inside a
            # managed transaction; the session's access mode still keeps a read-only run read-only.
            return _user_query(session, query, args)


class _WritePlan:
    """A WriteBatch validated and grouped for UNWIND statements (values stay as parameters)."""

    def __init__(self) -> None:
        self.delete_edges: dict[RelType, list[dict[str, str]]] = defaultdict(list)
        self.delete_nodes: list[str] = []
        self.upsert_nodes: dict[tuple[Label, ...], list[dict[str, Any]]] = defaultdict(list)
        self.upserted_bases: dict[str, Label] = {}
        self.set_properties: list[dict[str, Any]] = []
        self.upsert_edges: list[Edge] = []
        self.expect: dict[str, dict[str, Any]] = {}

    @classmethod
    def of(cls, batch: WriteBatch) -> _WritePlan:
        """`batch` is normalised (GraphStore.write): labels and types checked, no duplicates."""
        plan = cls()
        for rel_type, source, target in batch.delete_edges:
            plan.delete_edges[rel_type].append({"source": source, "target": target})
        plan.delete_nodes = batch.delete_nodes
        for node in batch.upsert_nodes:
            plan.upserted_bases[node.id] = base_label(node.labels)
            plan.upsert_nodes[node.labels].append({**node.properties, "id": node.id})
        plan.set_properties = [
            {"id": node_id, "props": props} for node_id, props in batch.set_properties.items()
        ]
        plan.upsert_edges = batch.upsert_edges
        plan.expect = batch.expect
        return plan


class _NodePage:
    def __init__(self, nodes: list[Node | None], last_id: str | None) -> None:
        self.nodes = nodes
        self.count = len(nodes)
        self.last_id = last_id


_BASE_VALUES = frozenset(label.value for label in BASE_LABELS)


def _node_page(tx: Tx, text: str, after: str, size: int) -> _NodePage:
    records = list(tx.run(text, after=after, page_size=size))
    last = records[-1]["n"].get("id") if records else None
    return _NodePage([values.to_node(record["n"]) for record in records], last)


def _edge_page_params(after: tuple[str, str], size: int) -> dict[str, Any]:
    return {"after_source": after[0], "after_target": after[1], "page_size": size}


def _user_query(
    tx: ManagedTransaction | neo4j.Session, query: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    records = list(tx.run(query, params))
    stubs: set[str] = set()
    for record in records:
        stubs |= values.endpoint_element_ids(list(record.values()))
    ids: dict[str, Any] = {}
    if stubs:
        text = st.render("resolve_element_ids")
        for row in tx.run(text, element_ids=sorted(stubs)):
            if row["id"] is not None:
                ids[row["element_id"]] = row["id"]

    def node_key(node: neo4j.graph.Node) -> Any:
        if "id" in node:
            return node["id"]
        return ids.get(node.element_id, node.element_id)

    return [
        {
            key: values.plain(value, node_key)
            for key, value in zip(record.keys(), record.values(), strict=True)
        }
        for record in records
    ]


def _needs_implicit_transaction(error: neo4j_errors.Neo4jError) -> bool:
    return (
        error.code == "Neo.DatabaseError.Transaction.TransactionStartFailed"
        and "implicit transaction" in (error.message or "")
    )


def _single_list(result: neo4j.Result, key: str) -> list[Any]:
    record = result.single()
    return list(record[key]) if record is not None else []


def _some(ids: Sequence[str], shown: int = 5) -> str:
    more = f" (+{len(ids) - shown} more)" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more
