"""GraphStore on a Neo4j 5 server over Bolt, with the official driver.

Guarantees, as base.py states them: each `write` is one explicit write transaction (retried by the
driver on transient errors, rolled back on any failure, so a lost server leaves nothing half
written); reads run in read transactions and see only committed data. Iteration pages through
separate read transactions, so it is not one snapshot. One database may hold many repositories:
nothing here filters by, or assumes, a repository.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Concatenate, ParamSpec, TypeVar

import neo4j
from neo4j import ManagedTransaction
from neo4j import exceptions as neo4j_errors

from graphmem.errors import ConflictError, StoreError, UsageError
from graphmem.model.graph import CODE_LABELS, MEMORY_LABELS, Edge, Label, Node, RelType
from graphmem.store.base import (
    BASE_LABELS,
    EMBEDDING_PROPERTY,
    FULLTEXT_FIELDS,
    Capability,
    Direction,
    GraphStore,
    SearchHit,
    WriteBatch,
    base_label,
    unmet_expectations,
)
from graphmem.store.neo4j import lucene, schema, values
from graphmem.store.neo4j import statements as st
from graphmem.store.neo4j.driver_errors import translated, translated_user_query, unreachable

P = ParamSpec("P")
T = TypeVar("T")

#: The sub-labels whose nodes always also carry a given base label.
_BASE_OF: dict[Label, Label] = {
    **{label: Label.CODE_ENTITY for label in CODE_LABELS},
    **{label: Label.MEMORY for label in MEMORY_LABELS},
}

DEFAULT_VECTOR_DIMENSIONS = 384
#: Node ids whose base label is remembered (so edges need no lookup); cleared when exceeded.
_BASE_CACHE_LIMIT = 2_000_000
#: Rows per UNWIND statement: 5k, 10k and 20k wrote equally fast here (server-bound).
DEFAULT_ROWS_PER_STATEMENT = 10_000


class Neo4jStore(GraphStore):
    """A graphmem graph in one Neo4j database (the server's default unless `database` is given)."""

    name = "neo4j"
    capabilities = frozenset(
        {Capability.CYPHER_READ, Capability.CYPHER_WRITE, Capability.VECTOR_INDEX}
    )

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
    ) -> None:
        if vector_dimensions < 1:
            raise UsageError(f"vector_dimensions must be positive, not {vector_dimensions}")
        self.url = url
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
                liveness_check_timeout=30.0,
                # warnings such as "unknown label" on an empty database are noise to users
                notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF,
            )
        except (ValueError, neo4j_errors.ConfigurationError) as e:
            raise UsageError(f"invalid Neo4j URL {url!r}: {e}") from e
        try:
            self._open()
        except BaseException:
            self._driver.close()
            raise

    def _open(self) -> None:
        with self._translated("opening the store"):
            try:
                self._driver.verify_connectivity()
            except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as e:
                raise unreachable(self.url) from e
            self._schema = schema.ensure(self._driver, self._database, self._vector_dimensions)

    def close(self) -> None:
        self._driver.close()

    def __repr__(self) -> str:
        return f"Neo4jStore({self.url!r}, database={self._database!r})"

    # -- transactions ---------------------------------------------------------------------

    def _translated(self, doing: str) -> AbstractContextManager[None]:
        return translated(self.url, doing, self._database)

    def _session(self, mode: str) -> neo4j.Session:
        return self._driver.session(database=self._database, default_access_mode=mode)

    def _read(
        self,
        doing: str,
        work: Callable[Concatenate[ManagedTransaction, P], T],
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
        with self._translated(doing), self._session(neo4j.WRITE_ACCESS) as session:
            return session.execute_write(work, *args, **kwargs)

    # -- writes ---------------------------------------------------------------------------

    def write(self, batch: WriteBatch) -> None:
        if not len(batch):
            return
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
            for pair_chunk in _chunks(pairs, self._rows):
                tx.run(text, rows=pair_chunk).consume()
        if plan.delete_nodes:
            text = st.render("delete_nodes", find_node=st.find_node())
            for id_chunk in _chunks(plan.delete_nodes, self._rows):
                tx.run(text, ids=id_chunk).consume()
        for label_set, rows in plan.upsert_nodes.items():
            text = st.render(
                "upsert_nodes",
                base_label=st.labels(base_label(label_set)),
                set_labels=st.set_labels("n", label_set),
            )
            for chunk in _chunks(rows, self._rows):
                tx.run(text, rows=chunk).consume()
        if plan.set_properties:
            text = st.render("set_properties", find_node=st.find_node())
            for chunk in _chunks(plan.set_properties, self._rows):
                written = _single_int(tx.run(text, rows=chunk), "written")
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
            for chunk in _chunks(group, self._rows):
                params = {
                    "sources": [e.source for e in chunk],
                    "targets": [e.target for e in chunk],
                    "props": [e.properties for e in chunk],
                }
                written = _single_int(tx.run(text, params), "written")
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
            for chunk in _chunks(remaining, self._rows):
                for node_id in _single_list(tx.run(text, ids=chunk), "found"):
                    found[node_id] = base
            remaining = [node_id for node_id in remaining if node_id not in found]
        return found

    # -- point reads ----------------------------------------------------------------------

    def get_nodes(self, ids: Sequence[str]) -> dict[str, Node]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        return self._read("reading nodes", self._get_nodes, wanted)

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

    def _get_nodes(self, tx: ManagedTransaction, ids: list[str]) -> dict[str, Node]:
        text = st.render("get_nodes", find_node=st.find_node())
        found: dict[str, Node] = {}
        for chunk in _chunks(ids, self._rows):
            for record in tx.run(text, ids=chunk):
                node = values.to_node(record["n"])
                if node is not None:
                    found[node.id] = node
        return found

    def find_nodes(
        self,
        label: Label | None = None,
        where: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> list[Node]:
        if limit is not None and limit <= 0:
            return []
        conditions: list[str] = []
        params: dict[str, Any] = {}
        for i, (key, value) in enumerate(sorted((where or {}).items())):
            prop = "n." + st.escape_identifier(key)
            if value is None:
                conditions.append(f"{prop} IS NULL")
            else:
                conditions.append(f"{prop} = $where{i}")
                params[f"where{i}"] = value
        condition = st.Fragment(" AND ".join(conditions) or "true")
        limit_clause = st.Fragment("LIMIT $limit") if limit is not None else st.EMPTY
        if limit is not None:
            params["limit"] = limit
        if label is None:
            branches = " UNION ALL ".join(
                f"MATCH (n{pattern.text}) WHERE {condition.text} RETURN n"
                for pattern in _label_patterns(None)
            )
            text = st.render(
                "find_nodes_any_label", branches=st.Fragment(branches), limit=limit_clause
            )
        else:
            text = st.render(
                "find_nodes",
                labels=_label_patterns(label)[0],
                conditions=condition,
                limit=limit_clause,
            )
        return self._read("finding nodes", _find_nodes, text, params)

    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[RelType] | None = None,
        direction: Direction = Direction.OUT,
    ) -> list[Edge]:
        ids = list(dict.fromkeys(node_ids))
        if not ids or (types is not None and not types):
            return []
        name = {Direction.OUT: "edges_out", Direction.IN: "edges_in", Direction.BOTH: "edges_both"}
        text = st.render(
            name[Direction(direction)],
            find_node=st.find_node(),
            types=st.rel_types(sorted(set(types) if types is not None else set(RelType))),
        )
        return self._read("reading edges", self._edges, text, ids)

    def _edges(self, tx: ManagedTransaction, text: str, ids: list[str]) -> list[Edge]:
        found: dict[tuple[str, str, str], Edge] = {}
        for chunk in _chunks(ids, self._rows):
            for record in tx.run(text, ids=chunk):
                edge = _edge(record["type"], record["source"], record["target"], record["props"])
                if edge is not None:
                    found[edge.key] = edge
        return [found[key] for key in sorted(found)]

    def iter_nodes(self, label: Label | None = None, batch_size: int = 5000) -> Iterator[Node]:
        size = max(1, batch_size)
        streams = [self._node_pages(pattern, size) for pattern in _label_patterns(label)]
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

    def iter_edges(self, batch_size: int = 5000) -> Iterator[Edge]:
        size = max(1, batch_size)
        for rel_type in sorted(RelType, key=lambda t: t.value):
            streams = [self._edge_pages(rel_type, base, size) for base in BASE_LABELS]
            yield from heapq.merge(*streams, key=lambda edge: (edge.source, edge.target))

    def _edge_pages(self, rel_type: RelType, source_base: Label, size: int) -> Iterator[Edge]:
        text = st.render(
            "edge_page", source_label=st.labels(source_base), type=st.rel_types([rel_type])
        )
        after = ("", "")
        while True:
            rows = self._read("reading edges", _fetch_rows, text, _edge_page_params(after, size))
            for row in rows:
                edge = _edge(rel_type.value, row["source"], row["target"], row["props"])
                if edge is not None:
                    yield edge
            if len(rows) < size:
                return
            after = (rows[-1]["source"], rows[-1]["target"])

    def counts(self) -> dict[str, int]:
        return self._read("counting", _counts)

    # -- search ---------------------------------------------------------------------------

    def fulltext_search(self, query: str, label: Label, limit: int = 20) -> list[SearchHit]:
        label = Label(label)
        if label in FULLTEXT_FIELDS:
            indexed, narrow = label, st.EMPTY
        elif _BASE_OF.get(label) in FULLTEXT_FIELDS:
            indexed = _BASE_OF[label]
            narrow = st.Fragment("WHERE node" + st.labels(label).text)
        else:
            raise UsageError(
                f"no full-text index on {label.value}; searchable: "
                + ", ".join(sorted(FULLTEXT_FIELDS))
            )
        lucene_query = lucene.keyword_query(query)
        if lucene_query is None or limit <= 0:
            return []
        text = st.render("fulltext_search", filter=narrow)
        params = {
            "index": self._index_name(self._schema.fulltext.get(indexed), f"{indexed} full-text"),
            "query": lucene_query,
            "limit": limit,
        }
        rows = self._read("searching", _fetch_rows, text, params)
        return [SearchHit(row["id"], float(row["score"])) for row in rows]

    def vector_search(
        self, vector: Sequence[float], label: Label = Label.MEMORY, limit: int = 20
    ) -> list[SearchHit]:
        label = Label(label)
        query = [float(x) for x in vector]
        if limit <= 0 or not any(query):  # cosine is undefined for a zero vector
            return []
        if label == schema.VECTOR_LABEL:
            dimensions = self._schema.vector_dimensions
            if dimensions is not None and len(query) != dimensions:
                raise UsageError(
                    f"the query vector has {len(query)} dimensions but the Neo4j vector index "
                    f"has {dimensions}"
                )
            text = st.render("vector_search", property=st.identifier(EMBEDDING_PROPERTY))
            params: dict[str, Any] = {
                "index": self._index_name(self._schema.vector, f"{label} vector"),
                "vector": query,
                "limit": limit,
                "candidates": limit * 2 + 10,  # re-ranked exactly; extra ones buy recall
            }
        else:
            patterns = _label_patterns(label)
            text = st.render(
                "vector_scan", labels=patterns[0], property=st.identifier(EMBEDDING_PROPERTY)
            )
            params = {"vector": query, "limit": limit}
        rows = self._read("searching", _fetch_rows, text, params)
        # Neo4j reports cosine similarity as (1 + cos) / 2; give back cos itself, in [-1, 1].
        return [SearchHit(row["id"], 2.0 * float(row["score"]) - 1.0) for row in rows]

    def _index_name(self, name: str | None, role: str) -> str:
        if name is None:  # dropped by hand since this store opened
            raise StoreError(f"the {role} index is missing in Neo4j; reopen the store to create it")
        return name

    # -- cypher ---------------------------------------------------------------------------

    def cypher(
        self, query: str, params: Mapping[str, Any] | None = None, write: bool = False
    ) -> list[dict[str, Any]]:
        """Run user Cypher: in a read transaction (the server refuses writes) unless `write`."""
        if not query.strip():
            raise UsageError("empty Cypher query")
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        args = dict(params or {})
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
        plan = cls()
        try:
            for rel_type, source, target in batch.delete_edges:
                plan.delete_edges[RelType(rel_type)].append({"source": source, "target": target})
            plan.delete_nodes = list(dict.fromkeys(batch.delete_nodes))
            last = {node.id: node for node in batch.upsert_nodes}  # a later upsert wins
            for node in last.values():
                label_set = tuple(sorted({Label(label) for label in node.labels}))
                plan.upserted_bases[node.id] = base_label(label_set)
                plan.upsert_nodes[label_set].append({**node.properties, "id": node.id})
            plan.set_properties = [
                {"id": node_id, "props": dict(props)}
                for node_id, props in batch.set_properties.items()
            ]
            # a later upsert wins; RelType() also refuses an Edge built without validation
            edges = {(RelType(e.type), e.source, e.target): e for e in batch.upsert_edges}
            plan.upsert_edges = list(edges.values())
            plan.expect = batch.expect
        except ValueError as e:
            raise UsageError(f"invalid write batch: {e}") from e
        return plan


class _NodePage:
    def __init__(self, nodes: list[Node | None], last_id: str | None) -> None:
        self.nodes = nodes
        self.count = len(nodes)
        self.last_id = last_id


_BASE_VALUES = frozenset(label.value for label in BASE_LABELS)


def _label_patterns(label: Label | None) -> list[st.Fragment]:
    """Node patterns that find `label` through an indexed base label (one per base if None)."""
    if label is None:
        return [st.labels(base) for base in BASE_LABELS]
    label = Label(label)
    base = _BASE_OF.get(label)
    return [st.labels(label, base) if base is not None else st.labels(label)]


def _find_nodes(tx: ManagedTransaction, text: str, params: dict[str, Any]) -> list[Node]:
    nodes = (values.to_node(record["n"]) for record in tx.run(text, params))
    return [node for node in nodes if node is not None]


def _node_page(tx: ManagedTransaction, text: str, after: str, size: int) -> _NodePage:
    records = list(tx.run(text, after=after, page_size=size))
    last = records[-1]["n"].get("id") if records else None
    return _NodePage([values.to_node(record["n"]) for record in records], last)


def _edge_page_params(after: tuple[str, str], size: int) -> dict[str, Any]:
    return {"after_source": after[0], "after_target": after[1], "page_size": size}


def _fetch_rows(
    tx: ManagedTransaction, text: str, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    return [record.data() for record in tx.run(text, dict(params))]


def _counts(tx: ManagedTransaction) -> dict[str, int]:
    out: dict[str, int] = {}
    for label in Label:
        n = _single_int(tx.run(st.render("count_label", label=st.labels(label))), "count")
        if n:
            out[label.value] = n
    for rel_type in RelType:
        text = st.render("count_type", type=st.rel_types([rel_type]))
        n = _single_int(tx.run(text), "count")
        if n:
            out[rel_type.value] = n
    return out


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


def _edge(rel_type: str, source: Any, target: Any, props: Mapping[str, Any]) -> Edge | None:
    """An edge as graphmem's Edge, or None when it is not graphmem's (unknown type, no ids)."""
    if rel_type not in _REL_VALUES or not isinstance(source, str) or not isinstance(target, str):
        return None
    if not source or not target:
        return None
    return Edge(
        type=RelType(rel_type),
        source=source,
        target=target,
        properties={key: values.plain(value) for key, value in props.items()},
    )


_REL_VALUES = frozenset(t.value for t in RelType)


def _single_list(result: neo4j.Result, key: str) -> list[Any]:
    record = result.single()
    return list(record[key]) if record is not None else []


def _single_int(result: neo4j.Result, key: str) -> int:
    record = result.single()
    return int(record[key]) if record is not None else 0


def _chunks(items: Sequence[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _some(ids: Sequence[str], shown: int = 5) -> str:
    more = f" (+{len(ids) - shown} more)" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more
