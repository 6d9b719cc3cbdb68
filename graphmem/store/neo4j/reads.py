"""The read statements of the Neo4j store, written once for two ways of running them.

`Neo4jReads` holds the GraphReads `_impl` methods; each runs its statements through `_read`.
The store's `_read` opens a session and a managed read transaction per call (retried by the
driver); a snapshot's `_read` runs them all in the one explicit read transaction it holds, so
an answer's read steps see one committed state and pay the session set-up once.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

import neo4j

from graphmem.errors import StoreError
from graphmem.model.graph import CODE_LABELS, MEMORY_LABELS, Edge, Label, Node, RelType
from graphmem.store.base import (
    BASE_LABELS,
    EMBEDDING_PROPERTY,
    Around,
    Direction,
    GraphReads,
    Linked,
    PlannedSearch,
    Review,
    SearchHit,
)
from graphmem.store.neo4j import lucene, schema, values
from graphmem.store.neo4j import statements as st
from graphmem.store.neo4j.driver_errors import translated

P = ParamSpec("P")
T = TypeVar("T")

#: A transaction statements run in: managed (store calls) or explicit (a snapshot).
Tx = neo4j.ManagedTransaction | neo4j.Transaction

#: The sub-labels whose nodes always also carry a given base label.
BASE_OF: dict[Label, Label] = {
    **{label: Label.CODE_ENTITY for label in CODE_LABELS},
    **{label: Label.MEMORY for label in MEMORY_LABELS},
}


class Neo4jReads(GraphReads):
    """GraphReads on Neo4j, for the store and its snapshots (see the module docstring)."""

    url: str
    _database: str | None
    _rows: int
    _schema: schema.Schema

    @abc.abstractmethod
    def _read(
        self,
        doing: str,
        work: Callable[Concatenate[Tx, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run `work(tx, ...)` in a read transaction, driver errors translated."""

    def _get_nodes_impl(self, ids: list[str], embeddings: bool) -> dict[str, Node]:
        return self._read("reading nodes", self._get_nodes, ids, embeddings)

    def _get_nodes(self, tx: Tx, ids: list[str], embeddings: bool) -> dict[str, Node]:
        if embeddings:
            text = st.render("get_nodes", find_node=st.find_node())
        else:
            text = st.render(
                "get_nodes_lean",
                find_node=st.find_node(),
                property=st.identifier(EMBEDDING_PROPERTY),
            )
        found: dict[str, Node] = {}
        for chunk in chunks(ids, self._rows):
            for record in tx.run(text, ids=chunk):
                node = (
                    values.to_node(record["n"])
                    if embeddings
                    else values.node_from_parts(record["id"], record["labels"], record["props"])
                )
                if node is not None:
                    found[node.id] = node
        return found

    def _find_nodes_impl(
        self, label: Label | None, where: dict[str, Any], limit: int | None, embeddings: bool
    ) -> list[Node]:
        conditions: list[str] = []
        params: dict[str, Any] = {}
        for i, (key, value) in enumerate(sorted(where.items())):
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
        columns = st.node_columns(embeddings)
        if label is None:
            branches = " UNION ALL ".join(
                f"MATCH (n{pattern.text}) WHERE {condition.text} RETURN n"
                for pattern in label_patterns(None)
            )
            text = st.render(
                "find_nodes_any_label",
                branches=st.Fragment(branches),
                limit=limit_clause,
                columns=columns,
            )
        else:
            text = st.render(
                "find_nodes",
                labels=label_patterns(label)[0],
                conditions=condition,
                limit=limit_clause,
                columns=columns,
            )
        return self._read("finding nodes", _find_nodes, text, params)

    def _edges_impl(
        self, ids: list[str], types: tuple[RelType, ...] | None, direction: Direction
    ) -> list[Edge]:
        name = {Direction.OUT: "edges_out", Direction.IN: "edges_in", Direction.BOTH: "edges_both"}
        text = st.render(
            name[direction],
            find_node=st.find_node(),
            types=st.rel_types(list(types) if types is not None else sorted(RelType)),
        )
        return self._read("reading edges", self._edges, text, ids)

    def _reachable_impl(
        self, ids: list[str], types: tuple[RelType, ...], direction: Direction, max_depth: int
    ) -> list[Edge] | None:
        """The whole walk in one variable-length match per chunk of start ids."""
        text = st.render(
            "reachable_in" if direction == Direction.IN else "reachable_out",
            find_node=st.find_node(),
            types=st.rel_types(types),
            depth=st.Fragment(str(int(max_depth))),
        )
        return self._read("walking the graph", self._edges, text, ids)

    def _linked_impl(
        self, ids: list[str], types: tuple[RelType, ...] | None, direction: Direction
    ) -> Linked:
        name = {
            Direction.OUT: "linked_out",
            Direction.IN: "linked_in",
            Direction.BOTH: "linked_both",
        }
        text = st.render(
            name[direction],
            find_node=st.find_node(),
            types=st.rel_types(list(types) if types is not None else sorted(RelType)),
            property=st.identifier(EMBEDDING_PROPERTY),
        )
        return self._read("reading edges and their nodes", self._linked, text, ids)

    def _around_impl(
        self,
        ids: list[str],
        up: bool,
        down: bool,
        types: tuple[RelType, ...],
        direction: Direction,
        depth: int,
    ) -> Around:
        if types:
            near, far = _ARROWS[direction]
            reach = (
                st.Fragment(
                    st.render(
                        "around_reach",
                        near=near,
                        far=far,
                        types=st.rel_types(types),
                        hops=st.Fragment(str(int(depth) - 1)),
                    )
                )
                if depth > 1
                else st.Fragment("WITH x AS z")
            )
            links = st.Fragment(
                st.render(
                    "around_links", reach=reach, near=near, far=far, types=st.rel_types(types)
                )
            )
        else:
            links = st.Fragment("WITH *, [] AS links")
        text = st.render("around", find_node=_FIND_CODE, links=links, **_walk_fragments(up, down))
        return self._read("reading around entities", _around, text, {"ids": ids})

    def _governance_impl(
        self,
        ids: list[str],
        up: bool,
        down: bool,
        near: list[str],
        orphans_of: str | None,
        brief: tuple[str, ...] | None,
    ) -> Around:
        orphans = (
            st.Fragment(st.render("governance_orphans", memory=st.labels(Label.MEMORY)))
            if orphans_of is not None
            else st.Fragment("WITH *, [] AS orphans")
        )
        links = (
            st.Fragment(st.render("governance_links", entity=st.labels(Label.CODE_ENTITY)))
            if brief is None
            else st.Fragment("WITH *, direct AS links, [] AS named")
        )
        text = st.render(
            "governance",
            find_node=_FIND_CODE,
            orphans=orphans,
            links=links,
            **_walk_fragments(up, down, brief),
        )
        params = {"ids": ids, "near": near, "repo": orphans_of}
        return self._read("reading what governs entities", _around, text, params)

    def _review_impl(self, repo: str) -> Review:
        text = st.render(
            "memories_to_review",
            memory=st.labels(Label.MEMORY),
            property=st.identifier(EMBEDDING_PROPERTY),
        )
        return self._read("reading memories to review", _review, text, {"repo": repo})

    def _linked(self, tx: Tx, text: str, ids: list[str]) -> Linked:
        found: dict[tuple[str, str, str], Edge] = {}
        nodes: dict[str, Node] = {}
        for chunk in chunks(ids, self._rows):
            for record in tx.run(text, ids=chunk):
                start = values.node_from_parts(record["id"], record["labels"], record["props"])
                if start is None:
                    continue
                nodes[start.id] = start
                for link in record["links"]:
                    source, target = (
                        (start.id, link["id"]) if link["outgoing"] else (link["id"], start.id)
                    )
                    edge = to_edge(link["type"], source, target, link["props"])
                    if edge is None:
                        continue
                    found[edge.key] = edge
                    if link["id"] not in nodes:
                        other = values.node_from_parts(link["id"], link["labels"], link["node"])
                        if other is not None:
                            nodes[other.id] = other
        return Linked([found[key] for key in sorted(found)], nodes)

    def _edges(self, tx: Tx, text: str, ids: list[str]) -> list[Edge]:
        found: dict[tuple[str, str, str], Edge] = {}
        for chunk in chunks(ids, self._rows):
            for record in tx.run(text, ids=chunk):
                edge = to_edge(record["type"], record["source"], record["target"], record["props"])
                if edge is not None:
                    found[edge.key] = edge
        return [found[key] for key in sorted(found)]

    def _counts_impl(self, repo: str | None) -> dict[str, int]:
        return self._read("counting", _counts, repo)

    def _vector_dimensions_impl(self, label: Label) -> frozenset[int]:
        indexed = label if label == schema.VECTOR_LABEL else BASE_OF.get(label)
        dimensions = self._schema.vector_dimensions
        if indexed == schema.VECTOR_LABEL and dimensions is not None:
            return frozenset({dimensions})  # a memory kind: the index fixes the dimension
        text = st.render(
            "vector_dimensions",
            labels=label_patterns(label)[0],
            property=st.identifier(EMBEDDING_PROPERTY),
        )
        rows = self._read("reading embedding dimensions", fetch_rows, text, {})
        return frozenset(int(d) for d in rows[0]["dimensions"]) if rows else frozenset()

    def _fulltext_search_impl(
        self, query: str, indexed: Label, narrow: Label | None, limit: int
    ) -> list[SearchHit]:
        return self._search_all_impl([PlannedSearch(indexed, limit, text=query, narrow=narrow)])[0]

    def _vector_search_impl(self, query: list[float], label: Label, limit: int) -> list[SearchHit]:
        return self._search_all_impl([PlannedSearch(label, limit, vector=query)])[0]

    def _search_all_impl(self, searches: list[PlannedSearch]) -> list[list[SearchHit]]:
        """All searches in one statement, each part a subquery collecting its hits, its
        `$names` prefixed so they cannot collide. Vector searches over the memory index with one
        limit share one part that walks their vectors, so the statement's text (and its cached
        plan) does not grow with their number: remember --batch asks for 256 at once."""
        parts: list[str] = []
        columns: list[str] = []
        params: dict[str, Any] = {}
        groups: dict[tuple[int, float], list[int]] = {}
        for i, search in enumerate(searches):
            if search.vector is not None and search.label == schema.VECTOR_LABEL:
                floor = -1.0 if search.floor is None else search.floor
                groups.setdefault((search.limit, floor), []).append(i)
                continue
            statement = self._search_statement(search)
            if statement is not None:
                text, own = statement
                text = _PARAM.sub(rf"$s{i}_\1", text)
                parts.append(f"CALL {{ CALL {{ {text} }} RETURN collect([id, score]) AS s{i} }}")
                columns.append(f"s{i}")
                params |= {f"s{i}_{key}": value for key, value in own.items()}
        ordered_groups = sorted(groups.items())
        if ordered_groups:
            index = self._index_name(self._schema.vector, f"{schema.VECTOR_LABEL} vector")
        for g, ((limit, floor), members) in enumerate(ordered_groups):
            text = st.render(
                "vector_search_many",
                property=st.identifier(EMBEDDING_PROPERTY),
                column=st.Fragment(f"g{g}"),
            )
            prefixed = _PARAM.sub(rf"$g{g}_\1", text)
            parts.append(f"CALL {{ {prefixed} }}")
            columns.append(f"g{g}")
            params |= {
                f"g{g}_index": index,
                f"g{g}_vectors": [searches[i].vector for i in members],
                f"g{g}_limit": limit,
                f"g{g}_candidates": limit * 2 + 10,  # re-ranked exactly: extra ones buy recall
                # Neo4j's similarity is (1 + cos) / 2; a little below, as search_all compares
                # the cosines given back exactly.
                f"g{g}_floor": (1.0 + floor) / 2.0 - 1e-6,
            }
        if not parts:
            return [[] for _ in searches]
        text = " ".join([*parts, "RETURN", ", ".join(columns)])
        rows = self._read("searching", fetch_rows, text, params)
        row = rows[0] if rows else {}
        found: dict[int, list[Any]] = {
            i: row.get(f"s{i}") or [] for i in range(len(searches)) if f"s{i}" in row
        }
        for g, (_limit, members) in enumerate(ordered_groups):
            for position, hits in row.get(f"g{g}") or []:
                found[members[position]] = hits
        out = []
        for i, search in enumerate(searches):
            # Neo4j reports cosine similarity as (1 + cos) / 2; give back cos, in [-1, 1].
            hits = [
                SearchHit(node_id, 2.0 * float(score) - 1.0 if search.vector else float(score))
                for node_id, score in found.get(i, [])
            ]
            out.append(sorted(hits, key=lambda h: (-h.score, h.node_id)))
        return out

    def _search_statement(self, search: PlannedSearch) -> tuple[str, dict[str, Any]] | None:
        """One search's statement and parameters, or None when its words make no query."""
        if search.vector is not None:  # a label without its own vector index (memory index: above)
            text = st.render(
                "vector_scan",
                labels=label_patterns(search.label)[0],
                property=st.identifier(EMBEDDING_PROPERTY),
            )
            return text, {"vector": search.vector, "limit": search.limit}
        lucene_query = lucene.keyword_query(str(search.text))
        if lucene_query is None:
            return None
        narrow = search.narrow
        narrowing = (
            st.EMPTY if narrow is None else st.Fragment("WHERE node" + st.labels(narrow).text)
        )
        index = self._schema.fulltext.get(search.label)
        return st.render("fulltext_search", filter=narrowing), {
            "index": self._index_name(index, f"{search.label} full-text"),
            "query": lucene_query,
            "limit": search.limit,
        }

    def _index_name(self, name: str | None, role: str) -> str:
        if name is None:  # dropped by hand since this store opened
            raise StoreError(f"the {role} index is missing in Neo4j; reopen the store to create it")
        return name


class Neo4jSnapshot(Neo4jReads):
    """A store's reads inside one explicit read transaction (see GraphStore.snapshot)."""

    def __init__(self, store: Neo4jReads, tx: neo4j.Transaction) -> None:
        self.url = store.url
        self._database = store._database
        self._rows = store._rows
        self._schema = store._schema
        self._tx = tx

    def __repr__(self) -> str:
        return f"snapshot of Neo4j at {self.url!r}"

    def _read(
        self,
        doing: str,
        work: Callable[Concatenate[Tx, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        with translated(self.url, doing, self._database):
            return work(self._tx, *args, **kwargs)


def label_patterns(label: Label | None) -> list[st.Fragment]:
    """Node patterns that find `label` through an indexed base label (one per base if None)."""
    if label is None:
        return [st.labels(base) for base in BASE_LABELS]
    base = BASE_OF.get(label)
    return [st.labels(label, base) if base is not None else st.labels(label)]


def fetch_rows(tx: Tx, text: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [record.data() for record in tx.run(text, dict(params))]


def to_edge(rel_type: str, source: Any, target: Any, props: Mapping[str, Any]) -> Edge | None:
    """An edge as graphmem's Edge, or None when it is not graphmem's (unknown type, no ids)."""
    if rel_type not in _REL_VALUES or not isinstance(source, str) or not isinstance(target, str):
        return None
    if not source or not target:
        return None
    properties = {key: values.plain(value) for key, value in props.items()}
    return Edge.stored(
        {"type": RelType(rel_type), "source": source, "target": target, "properties": properties}
    )


def single_int(result: neo4j.Result, key: str) -> int:
    record = result.single()
    return int(record[key]) if record is not None else 0


def chunks(items: Sequence[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


_REL_VALUES = frozenset(t.value for t in RelType)


#: `around` and `governance` start from code entities: only code has CONTAINS and the links.
_FIND_CODE = st.find_node(base=Label.CODE_ENTITY)

#: A `$parameter` in a statement's text.
_PARAM = re.compile(r"\$(\w+)")

#: (near, far) ends of a relationship pattern read from the node walked from
_ARROWS = {
    Direction.IN: (st.Fragment("<-"), st.Fragment("-")),
    Direction.OUT: (st.Fragment("-"), st.Fragment("->")),
    Direction.BOTH: (st.Fragment("-"), st.Fragment("-")),
}


def _walk_fragments(
    up: bool, down: bool, brief: tuple[str, ...] | None = None
) -> dict[str, st.Fragment]:
    """The CONTAINS walk fragments of `around` and `governance`, and their result: memories
    with only the `brief` properties when given."""
    full = f"m {{.*, {st.escape_identifier(EMBEDDING_PROPERTY)}: null}}"
    if brief is None:
        props = full
    else:
        picked = ", ".join("." + st.escape_identifier(name) for name in brief)
        props = f"CASE WHEN m{st.labels(Label.MEMORY).text} THEN m {{{picked}}} ELSE {full} END"
    return {
        "above": st.Fragment(st.load("contains_above") if up else "WITH *, [] AS above"),
        "below": st.Fragment(st.load("contains_below") if down else "WITH *, [] AS below"),
        "result": st.Fragment(st.render("around_result", props=st.Fragment(props))),
    }


def _around(tx: Tx, text: str, params: dict[str, Any]) -> Around:
    record = tx.run(text, params).single()
    if record is None:
        return Around([], [], [], {})

    def edges(column: str) -> list[Edge]:
        found = (to_edge(r["type"], r["source"], r["target"], r["props"]) for r in record[column])
        unique = {e.key: e for e in found if e is not None}
        return [unique[key] for key in sorted(unique)]

    nodes = (values.node_from_parts(n["id"], n["labels"], n["props"]) for n in record["nodes"])
    return Around(
        edges("above"),
        edges("below"),
        edges("links"),
        {node.id: node for node in nodes if node is not None},
    )


def _review(tx: Tx, text: str, params: dict[str, Any]) -> Review:
    record = tx.run(text, params).single()
    if record is None:
        return Review(0, [])
    nodes = (values.node_from_parts(n["id"], n["labels"], n["props"]) for n in record["flagged"])
    return Review(record["total"], [node for node in nodes if node is not None])


def _find_nodes(tx: Tx, text: str, params: dict[str, Any]) -> list[Node]:
    nodes = (_record_node(record) for record in tx.run(text, params))
    return [node for node in nodes if node is not None]


def _record_node(record: neo4j.Record) -> Node | None:
    if "n" in record.keys():  # noqa: SIM118 - `in record` tests its values
        return values.to_node(record["n"])
    return values.node_from_parts(record["id"], record["labels"], record["props"])


def _counts(tx: Tx, repo: str | None) -> dict[str, int]:
    """Per label and per type, each one count (a statement apiece: counts from the store's
    statistics when the whole store is counted)."""
    out: dict[str, int] = {}
    of_repo = "" if repo is None else "_in_repo"
    for label in Label:
        text = st.render(f"count_label{of_repo}", label=st.labels(label))
        n = single_int(tx.run(text, repo=repo), "count")
        if n:
            out[label.value] = n
    for rel_type in RelType:
        text = st.render(f"count_type{of_repo}", type=st.rel_types([rel_type]))
        n = single_int(tx.run(text, repo=repo), "count")
        if n:
            out[rel_type.value] = n
    return out
