"""The Neo4j backend's Cypher: named `.cypher` files next to this module, and safe fragments.

A statement file may hold placeholders such as `{{labels}}`. They are filled only with `Fragment`s,
which the functions below build from the closed `Label` / `RelType` enums or from names fixed in
this package, escaped by `escape_identifier`. Values never go into the text: they travel as
`$params`. So no user input can change the shape of a statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from graphmem.model.graph import Label, RelType
from graphmem.store.base import BASE_LABELS, EMBEDDING_PROPERTY

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_VARIABLE = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class Fragment:
    """A piece of Cypher text built by this module only (identifiers escaped, no values)."""

    text: str


EMPTY = Fragment("")


def escape_identifier(name: str) -> str:
    """Quote a label, type, property or index name for Cypher: backticks, inner ones doubled."""
    if not name:
        raise ValueError("an identifier cannot be empty")
    return "`" + name.replace("`", "``") + "`"


def identifier(name: str) -> Fragment:
    """A property key or schema name as an escaped identifier."""
    return Fragment(escape_identifier(name))


def labels(*given: Label) -> Fragment:
    """`:A:B` for a node pattern; only members of the Label enum are accepted."""
    return Fragment("".join(":" + escape_identifier(Label(label).value) for label in given))


def rel_types(given: Iterable[RelType]) -> Fragment:
    """`:A|B` for a relationship pattern; only members of the RelType enum are accepted."""
    names = [escape_identifier(RelType(t).value) for t in given]
    if not names:
        raise ValueError("a relationship pattern needs at least one type")
    return Fragment(":" + "|".join(names))


def set_labels(variable: str, given: Iterable[Label]) -> Fragment:
    """`SET n:A:B REMOVE n:C:...`: the node ends up with exactly `given` among graphmem's labels."""
    _check_variable(variable)
    keep = sorted({Label(label) for label in given})
    stale = sorted(set(Label) - set(keep))
    text = f"SET {variable}{labels(*keep).text}"
    if stale:
        text += f" REMOVE {variable}{labels(*stale).text}"
    return Fragment(text)


def node_columns(embeddings: bool) -> Fragment:
    """What a read returns of node `n`: the node, or its id, labels and properties without the
    embedding (most readers never look at it, and it is most of the bytes on the wire)."""
    if embeddings:
        return Fragment("n")
    embedding = escape_identifier(EMBEDDING_PROPERTY)
    return Fragment(f"n.id AS id, labels(n) AS labels, n {{.*, {embedding}: null}} AS props")


def find_node(variable: str = "node_id", bind: str = "n", base: Label | None = None) -> Fragment:
    """A subquery binding `bind` to the node whose id is in `variable`, whatever its base label
    (or among nodes of the base label `base` only).

    Each branch seeks the uniqueness-constraint index of one base label, so the lookup stays
    indexed even though the caller does not know the node's label. One branch instead of five
    also plans in half the time, which a long statement pays again whenever Neo4j replans it.
    """
    _check_variable(variable)
    _check_variable(bind)
    branches = [
        f"WITH {variable} MATCH ({bind}{labels(label).text} {{id: {variable}}}) RETURN {bind}"
        for label in (BASE_LABELS if base is None else (base,))
    ]
    return Fragment("CALL { " + " UNION ".join(branches) + " }")


def render(statement: str, /, **fragments: Fragment) -> str:
    """The named statement with its placeholders filled; every placeholder must be given."""
    template = load(statement)
    wanted = set(_PLACEHOLDER.findall(template))
    if wanted != set(fragments):
        raise ValueError(f"statement {statement!r} takes {sorted(wanted)}, got {sorted(fragments)}")
    for value in fragments.values():
        if not isinstance(value, Fragment):
            raise TypeError("placeholders take Fragments only, never raw strings")
    return _PLACEHOLDER.sub(lambda m: fragments[m.group(1)].text, template)


@cache
def load(name: str) -> str:
    """The text of `<name>.cypher`, comment lines removed."""
    text = resources.files(__package__).joinpath(f"{name}.cypher").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return "\n".join(lines).strip()


def _check_variable(name: str) -> None:
    if not _VARIABLE.fullmatch(name):
        raise ValueError(f"not a plain Cypher variable: {name!r}")
