"""Cypher as text, read the same way for every backend: where code, strings and comments are,
and which clause of a query would change the graph.

Above the backends, so the domain's read-only check (`graphmem cypher` without `--write`) and the
embedded interpreter's own guard share one lexer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from graphmem.errors import UsageError

#: Clauses that change the graph. `CALL` is listed because a procedure may write (the embedded
#: engine runs no procedures at all; Neo4j refuses writing ones in a read transaction).
_WRITE_CLAUSE = re.compile(
    r"(?<![\w.:$`])(CREATE|MERGE|SET|DELETE|DETACH\s+DELETE|REMOVE|DROP|FOREACH|LOAD\s+CSV|CALL)(?![\w`])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CypherSegment:
    """A piece of query text: code, a string literal (quote kept), a `name`, or a comment."""

    kind: str  # "code" | "string" | "identifier" | "comment"
    text: str


def scan(query: str) -> Iterator[CypherSegment]:
    """Split `query` so that keywords and $params are only ever looked for in code."""
    i, n, start = 0, len(query), 0
    while i < n:
        ch = query[i]
        if ch in "'\"`":
            end = _closing_quote(query, i)
            if start < i:
                yield CypherSegment("code", query[start:i])
            yield CypherSegment("identifier" if ch == "`" else "string", query[i : end + 1])
            i = start = end + 1
        elif query.startswith("//", i) or query.startswith("/*", i):
            end = query.find("\n", i) if query[i + 1] == "/" else query.find("*/", i + 2)
            end = n if end < 0 else (end if query[i + 1] == "/" else end + 2)
            if start < i:
                yield CypherSegment("code", query[start:i])
            yield CypherSegment("comment", query[i:end])
            i = start = end
        else:
            i += 1
    if start < n:
        yield CypherSegment("code", query[start:])


def _closing_quote(query: str, open_at: int) -> int:
    quote = query[open_at]
    i = open_at + 1
    while i < len(query):
        if query[i] == "\\" and quote != "`":
            i += 2
            continue
        if query[i] == quote:
            if quote == "`" and query.startswith("``", i):
                i += 2
                continue
            return i
        i += 1
    raise UsageError(f"unterminated {quote}-quoted text in the Cypher query")


def find_write_clause(query: str, include_call: bool = True) -> str | None:
    """The first clause of `query` that would change the graph (CREATE, SET, ...), if any.

    `include_call`: count CALL as a write (a procedure may write; Neo4j itself refuses writing
    procedures in a read transaction, so its store can leave CALL out).
    """
    for segment in scan(query):
        if segment.kind == "code":
            for match in _WRITE_CLAUSE.finditer(segment.text):
                clause = " ".join(match.group(1).upper().split())
                if clause != "CALL" or include_call:
                    return clause
    return None
