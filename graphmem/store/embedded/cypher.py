"""Read-only Cypher for the embedded store, on grand-cypher over a networkx snapshot of the graph.

Why grand-cypher: it is a maintained Cypher interpreter over networkx, so the embedded store can
answer the same ad-hoc and named queries as Neo4j without a server. It covers a subset of Cypher
(MATCH with labels, types, directions and variable-length paths, inline property maps, WHERE with
comparisons, IN, CONTAINS / STARTS WITH, EXISTS { } sub-queries, aggregations, ORDER BY, SKIP,
LIMIT; `labels(n)` is read from the snapshot's own copy of a node's labels). Anything else is
refused with a UsageError that says to run the query on Neo4j.

What this module adds around it:
- `$params` are substituted as literals, escaped so that no value can change the query's shape;
- single-quoted strings (which grand-cypher rejects) are rewritten as double-quoted ones;
- write clauses are refused before anything runs: writes need `--write` and a Neo4j store;
- results come back as rows (one dict per row, columns in RETURN order), like the Neo4j store.

The snapshot is rebuilt when the store's contents change (see `GraphSnapshotCache`).
"""

from __future__ import annotations

import json
import math
import re
import threading
import weakref
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx

from graphmem.errors import UsageError
from graphmem.store.base import EMBEDDING_PROPERTY
from graphmem.store.cypher_text import CypherSegment, find_write_clause, scan

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = [
    "CypherSegment",
    "find_write_clause",
    "graph_snapshot",
    "render_literal",
    "run_readonly_cypher",
    "substitute_params",
]

_PARAM = re.compile(r"\$(?:(\w+)|`([^`]+)`|\{(\w+)\})")
_RETURN = re.compile(r"(?<![\w.])RETURN(?![\w])", re.IGNORECASE)
_RETURN_END = re.compile(r"(?<![\w.])(ORDER\s+BY|SKIP|LIMIT)(?![\w])", re.IGNORECASE)
_LOWER_AGGREGATE = re.compile(r"(?<![\w.])(count|sum|avg|max|min|collect)\s*\(", re.IGNORECASE)
_ALIAS = re.compile(r"\s+AS\s+`?(\w+)`?\s*$", re.IGNORECASE)
_UNSUPPORTED_HINT = "run it on a Neo4j store (--store bolt://...)"


def render_literal(value: Any) -> str:
    """A Cypher literal for `value` that grand-cypher reads back as exactly `value`.

    Strings are JSON-escaped, which is also valid for the interpreter's string reader, so a quote
    or backslash in a value can never end the literal early.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UsageError(f"parameter value {value} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_literal(v) for v in value if not isinstance(v, list)) + "]"
    raise UsageError(
        f"parameter values must be strings, numbers, booleans, null or lists; got {type(value)}"
    )


def substitute_params(query: str, params: Mapping[str, Any] | None) -> str:
    """Replace each `$name` in code (never inside strings) with its value as a literal.

    Single-quoted strings become double-quoted, the only kind the interpreter reads.
    """
    params = params or {}
    out: list[str] = []
    for segment in scan(query):
        if segment.kind == "code":

            def literal(match: re.Match[str]) -> str:
                name = match.group(1) or match.group(2) or match.group(3)
                if name not in params:
                    raise UsageError(f"the query uses ${name} but no value was given (--param)")
                return render_literal(params[name])

            # The interpreter only knows upper-case aggregate names; Cypher ignores their case.
            code = _LOWER_AGGREGATE.sub(lambda m: m.group(1).upper() + "(", segment.text)
            out.append(_PARAM.sub(literal, code))
        elif segment.kind == "string" and segment.text.startswith("'"):
            out.append(json.dumps(_unescape_cypher(segment.text[1:-1]), ensure_ascii=False))
        elif segment.kind == "comment":
            out.append(" ")
        else:
            out.append(segment.text)
    return "".join(out)


_CYPHER_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
}


def _unescape_cypher(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in ("u", "U"):
                width = 4 if nxt == "u" else 8
                try:
                    out.append(chr(int(body[i + 2 : i + 2 + width], 16)))
                except ValueError as e:
                    raise UsageError(f"bad escape \\{nxt} in a Cypher string") from e
                i += 2 + width
                continue
            out.append(_CYPHER_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


# -- the graph snapshot ----------------------------------------------------------------------


def build_graph(store: GraphStore) -> nx.MultiDiGraph:
    """A networkx copy of the store: labels and types in `__labels__`, embeddings left out."""
    graph = nx.MultiDiGraph()
    for node in store.iter_nodes():
        attrs = {k: v for k, v in node.properties.items() if k != EMBEDDING_PROPERTY}
        attrs["id"] = node.id
        # frozen: a RETURN that groups by labels(n) hashes them
        attrs["__labels__"] = frozenset(label.value for label in node.labels)
        graph.add_node(node.id, **attrs)
    for edge in store.iter_edges():
        # No key: with the type as the key, the interpreter answered nothing to a WHERE that
        # joins conditions on both ends with AND (`f.name = .. AND t.name = ..`).
        graph.add_edge(
            edge.source,
            edge.target,
            __labels__=frozenset({edge.type.value}),
            __type__=edge.type.value,
            __source__=edge.source,
            __target__=edge.target,
            **edge.properties,
        )
    return graph


class GraphSnapshotCache:
    """One snapshot per store, rebuilt when its data version changes (always, without one).

    Keyed by the store object itself (weakly): a closed and collected store takes its snapshot
    with it, and a new store can never be served another one's graph.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshots: weakref.WeakKeyDictionary[GraphStore, tuple[Hashable, nx.MultiDiGraph]]
        self._snapshots = weakref.WeakKeyDictionary()

    def get(self, store: GraphStore) -> nx.MultiDiGraph:
        # Read before the graph: a write in between only makes the next query rebuild again.
        current = store.data_version()
        if current is None:
            return build_graph(store)
        with self._lock:
            cached = self._snapshots.get(store)
            if cached is not None and cached[0] == current:
                return cached[1]
        graph = build_graph(store)
        with self._lock:
            self._snapshots[store] = (current, graph)
        return graph

    def forget(self, store: GraphStore) -> None:
        with self._lock:
            self._snapshots.pop(store, None)


_CACHE = GraphSnapshotCache()


def graph_snapshot(store: GraphStore) -> nx.MultiDiGraph:
    """The store as a networkx graph, kept while the store's declared data version holds."""
    return _CACHE.get(store)


# -- running ---------------------------------------------------------------------------------


def run_readonly_cypher(
    store: GraphStore,
    query: str,
    params: Mapping[str, Any] | None = None,
    write: bool = False,
) -> list[dict[str, Any]]:
    """Run a read-only Cypher query on the embedded store; one dict per row."""
    clause = find_write_clause(query)
    if write or clause:
        what = f"{clause} changes the graph" if clause else "writing Cypher"
        raise UsageError(
            f"{what}: the embedded store runs read-only Cypher; "
            "writes need --write and a Neo4j store (--store bolt://...)"
        )
    text = substitute_params(query, params)
    graph = graph_snapshot(store)
    return run_on_graph(graph, text, written=query)


def run_on_graph(
    graph: nx.MultiDiGraph, query: str, written: str | None = None
) -> list[dict[str, Any]]:
    """Run an already-substituted query on `graph` and return rows; columns are named as in
    `written`, the query as the user wrote it (`count(n)`, `$limit`), as Neo4j names them."""
    from grandcypher import GrandCypher
    from lark.exceptions import LarkError, UnexpectedInput

    items = _return_items(written or query)
    order = [name for name, _ in items]
    text, labels_renames = _labels_as_property(query)
    text, count_renames = _count_star(text)
    text, renames = _unalias_distinct(text)
    renames = {**labels_renames, **count_renames, **renames}
    try:
        columns = GrandCypher(graph).run(text)
    except UnexpectedInput as e:
        line, column = getattr(e, "line", -1), getattr(e, "column", -1)
        where = f"at line {line}, column {column}" if line > 0 else "at its end (unfinished?)"
        raise UsageError(f"cannot parse this query {where}: {_parse_hint(query)}") from e
    except LarkError as e:
        raise UsageError(
            f"the embedded store's Cypher cannot run this query ({_first_line(e)}); "
            f"{_UNSUPPORTED_HINT}"
        ) from e
    except (
        NotImplementedError,
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        AssertionError,
        IndexError,
    ) as e:
        ordered = _ordered_here(graph, query, written, items) if _unorderable(e) else None
        if ordered is not None:
            return ordered
        undefined = _UNDEFINED.search(str(e))
        if undefined:
            raise UsageError(f"variable {undefined.group(1)} is not defined in this query") from e
        raise UsageError(
            f"the embedded store's Cypher cannot run this query ({type(e).__name__}: "
            f"{_first_line(e)}); {_UNSUPPORTED_HINT}"
        ) from e
    if renames:
        columns = {renames.get(_squash(str(k)), str(k)): v for k, v in columns.items()}
    return _rows(columns, order) or _aggregates_of_nothing(items)


#: The interpreter's words for a variable no pattern binds (`RETURN type(r)` without `r`).
_UNDEFINED = re.compile(r"Unknown entity name: (\w+)")
_CLAUSES_NOT_READ = re.compile(r"(?<![\w.])(WITH|OPTIONAL\s+MATCH|UNWIND|CALL)(?![\w])", re.I)


def _parse_hint(query: str) -> str:
    """What to do about a query the interpreter cannot parse: its clauses, if it has ones the
    embedded store does not read; else a syntax error or an expression it lacks."""
    code = "".join(s.text for s in scan(query) if s.kind == "code")
    clause = _CLAUSES_NOT_READ.search(code)
    if clause:
        name = " ".join(clause.group(1).upper().split())
        return f"the embedded store does not read {name}; {_UNSUPPORTED_HINT}"
    return (
        "check the syntax there; if it is right, the embedded store lacks that expression "
        f"(docs/queries.md lists what it reads); {_UNSUPPORTED_HINT}"
    )


_ORDER_TAIL = re.compile(
    r"^\s*ORDER\s+BY\s+(?P<keys>.+?)(?:\s+SKIP\s+(?P<skip>\d+))?(?:\s+LIMIT\s+(?P<limit>\d+))?"
    r"\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_DIRECTION = re.compile(r"\s+(ASC|ASCENDING|DESC|DESCENDING)\s*$", re.IGNORECASE)


def _unorderable(error: BaseException) -> bool:
    return isinstance(error, TypeError) and "not supported between instances" in str(error)


def _ordered_here(
    graph: nx.MultiDiGraph, query: str, written: str | None, items: list[tuple[str, str]]
) -> list[dict[str, Any]] | None:
    """The rows of a query whose ORDER BY the interpreter cannot sort (a property some rows
    lack: it compares null with a string), sorted here as Neo4j sorts: null after every value
    ascending, before them descending. Only for keys that are RETURN columns; else None."""
    code = _without_comments(query)
    starts = list(_RETURN.finditer(code))
    end = _RETURN_END.search(code, starts[-1].end()) if starts else None
    tail = _ORDER_TAIL.match(code[end.start() :]) if end else None
    if end is None or tail is None:
        return None
    columns = {name: name for name, _ in items} | {_squash(expr): name for name, expr in items}
    keys: list[tuple[str, bool]] = []
    for key in _split_top_level(tail.group("keys")):
        direction = _DIRECTION.search(key)
        expr = _squash(key[: direction.start()] if direction else key)
        if expr not in columns:
            return None
        keys.append((columns[expr], bool(direction and direction.group(1)[0] in "dD")))
    rows = run_on_graph(graph, code[: end.start()], written=written)
    for column, descending in reversed(keys):
        rows.sort(key=lambda row: _sort_key(row.get(column)), reverse=descending)
    skip = int(tail.group("skip") or 0)
    limit = tail.group("limit")
    return rows[skip : skip + int(limit)] if limit is not None else rows[skip:]


def _sort_key(value: Any) -> tuple[bool, int, Any]:
    """Neo4j's order: values by type (numbers, then strings, then booleans), null last."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (True, 0, 0)
    if isinstance(value, bool):
        return (False, 2, value)
    if isinstance(value, int | float):
        return (False, 0, value)
    if isinstance(value, str):
        return (False, 1, value)
    return (False, 3, json.dumps(value, sort_keys=True, default=str))


_AS_PROPERTY = re.compile(r"(?<![\w.])(labels|type)\s*\(\s*(\w+)\s*\)", re.IGNORECASE)


def _labels_as_property(query: str) -> tuple[str, dict[str, str]]:
    """`labels(n)` as `n.__labels__` and `type(r)` as `r.__type__`, where the snapshot keeps
    a node's labels and a relationship's type (the interpreter has no labels(), and its type()
    gives a set); returns the rewritten query and each column's name back."""
    renames: dict[str, str] = {}

    def rewrite(match: re.Match[str]) -> str:
        field = "__labels__" if match.group(1).lower() == "labels" else "__type__"
        renames[f"{match.group(2)}.{field}"] = _squash(match.group(0))
        return f"{match.group(2)}.{field}"

    text = "".join(
        _AS_PROPERTY.sub(rewrite, s.text) if s.kind == "code" else s.text for s in scan(query)
    )
    return text, renames


_COUNT_STAR = re.compile(r"(?<![\w.])count\s*\(\s*\*\s*\)", re.IGNORECASE)
_FIRST_NODE = re.compile(r"\bMATCH\s*\(\s*([A-Za-z_]\w*)", re.IGNORECASE)


def _count_star(query: str) -> tuple[str, dict[str, str]]:
    """`count(*)` as `count(n)`, n the first node the MATCH names (every row binds it, so the
    counts agree); the interpreter has no `*`. Returns the query and the column name back."""
    code = "".join(s.text for s in scan(query) if s.kind == "code")
    first = _FIRST_NODE.search(code)
    if first is None or not _COUNT_STAR.search(code):
        return query, {}
    counted = f"COUNT({first.group(1)})"  # the interpreter reads aggregates upper-case
    text = "".join(
        _COUNT_STAR.sub(counted, s.text) if s.kind == "code" else s.text for s in scan(query)
    )
    return text, {counted: "count(*)"}


def _squash(text: str) -> str:
    return "".join(text.split())


def _unalias_distinct(query: str) -> tuple[str, dict[str, str]]:
    """`RETURN DISTINCT x.a AS a ... ORDER BY a` as `RETURN DISTINCT x.a ... ORDER BY x.a`.

    The interpreter refuses aliases in ORDER BY after DISTINCT; Cypher allows them. Returns the
    rewritten query and, per expression, the alias its column is renamed back to.
    """
    code = _without_comments(query)
    starts = list(_RETURN.finditer(code))
    if not starts:
        return query, {}
    head, body = code[: starts[-1].end()], code[starts[-1].end() :]
    distinct = re.match(r"^\s*DISTINCT\s", body, flags=re.IGNORECASE)
    end = _RETURN_END.search(body)
    if not distinct or not end or not end.group(1).upper().startswith("ORDER"):
        return query, {}
    items = _split_top_level(body[distinct.end() : end.start()])
    tail = body[end.start() :]
    renames: dict[str, str] = {}
    exprs: list[str] = []
    for item in items:
        alias = _ALIAS.search(item)
        expr = item[: alias.start()].strip() if alias else item.strip()
        exprs.append(expr)
        if alias:
            renames[_squash(expr)] = alias.group(1)
            tail = re.sub(rf"(?<![\w.]){re.escape(alias.group(1))}(?![\w.])", expr, tail)
    return f"{head} DISTINCT {', '.join(exprs)} {tail}", renames


def _without_comments(query: str) -> str:
    """`query` with each comment a space, so clause searches see code and strings only."""
    return "".join(s.text if s.kind != "comment" else " " for s in scan(query))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _return_items(query: str) -> list[tuple[str, str]]:
    """(column name, expression) of each item of the last RETURN clause, in order; the name is
    the alias where one is given."""
    code = _without_comments(query)
    starts = list(_RETURN.finditer(code))
    if not starts:
        return []
    body = code[starts[-1].end() :]
    end = _RETURN_END.search(body)
    body = body[: end.start()] if end else body
    body = re.sub(r"^\s*DISTINCT\s", " ", body, flags=re.IGNORECASE)
    items = []
    for item in _split_top_level(body):
        alias = _ALIAS.search(item)
        expr = item[: alias.start()] if alias else item
        items.append((alias.group(1) if alias else "".join(item.split()), expr.strip()))
    return items


#: What an aggregate over no rows is, as Cypher defines it (count 0, collect [], others null).
_EMPTY_AGGREGATES: dict[str, Any] = {
    "count": 0, "sum": 0, "collect": [], "avg": None, "min": None, "max": None
}  # fmt: skip
_AGGREGATE_CALL = re.compile(r"^(\w+)\s*\(.*\)$", re.DOTALL)


def _aggregates_of_nothing(items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The one row Cypher returns when every RETURN item aggregates and nothing matched
    (`RETURN count(n)` gives 0, not no row); [] when any item is a grouping key."""
    row: dict[str, Any] = {}
    for name, expr in items:
        call = _AGGREGATE_CALL.match(expr)
        function = call.group(1).lower() if call else ""
        if function not in _EMPTY_AGGREGATES:
            return []
        row[name] = [] if function == "collect" else _EMPTY_AGGREGATES[function]
    return [row] if row else []


def _split_top_level(text: str) -> list[str]:
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        items.append("".join(current))
    return items


def _rows(columns: Mapping[Any, list[Any]], order: list[str]) -> list[dict[str, Any]]:
    """Rows in RETURN order, each column named as the query wrote it (`count(n)`, where the
    interpreter, given `COUNT(n)`, names it so), as Neo4j names it."""
    by_name = {str(key): values for key, values in columns.items()}
    normalised = {_column_key(name): name for name in by_name}
    shown = {normalised[_column_key(n)]: n for n in order if _column_key(n) in normalised}
    names = [*shown, *(n for n in by_name if n not in shown)]
    length = max((len(v) for v in by_name.values()), default=0)
    return [
        {
            shown.get(name, name): _plain(by_name[name][i]) if i < len(by_name[name]) else None
            for name in names
        }
        for i in range(length)
    ]


def _column_key(name: str) -> str:
    return _LOWER_AGGREGATE.sub(lambda m: m.group(1).upper() + "(", "".join(name.split()))


def _plain(value: Any) -> Any:
    """Values as the Neo4j store returns them: nodes as {id, labels, properties}, relationships
    as {type, source, target, properties}, sets as sorted lists."""
    if isinstance(value, dict):
        labels = value.get("__labels__")
        if labels is not None and "__source__" in value:
            props = {k: _plain(v) for k, v in value.items() if not k.startswith("__")}
            return {
                "type": next(iter(sorted(labels)), None),
                "source": value["__source__"],
                "target": value["__target__"],
                "properties": props,
            }
        if labels is not None:
            props = {k: _plain(v) for k, v in value.items() if k not in ("__labels__", "id")}
            return {"id": value.get("id"), "labels": sorted(labels), "properties": props}
        if len(value) == 1 and next(iter(value)) in (0, "0"):
            return _plain(next(iter(value.values())))
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
