"""Resolve what a user names (a TARGET) to the code entity it means, in one repository.

A TARGET is, in the order tried:

- an entity id: `e-3f9a1c2b7d4e5f60`
- the repository itself: `.` or `/` (also what a memory with no target governs)
- a service: `service:api`
- a qualified name written with `::` (C++, Rust): `storage::DB::Write`
- a symbol in a file: `src/api/invoices.py::InvoiceService.create`, `src/db.cc::DB::Write`
- a path: `src/api/invoices.py` (a module), `src/api/` or `src/api` (a directory)
- a qualified name: `api.invoices.InvoiceService.create`, `api.invoices`
- the end of one, when only one entity's qualified name ends so: `InvoiceService.create`,
  `gin.Context.Next` (Go's `github.com/gin-gonic/gin.Context.Next`)

Example (an unknown target suggests close names)::

    node = resolve_target(store, "shop", "src/api/invoices.py::InvoiceService.create")
    node.get("qualified_name")   # 'api.invoices.InvoiceService.create'

Shared by `remember --governs`, `context`, `impact`: keep this module's API small. Reads of a
file (`context`, the hooks) also take a file the graph has no entity for (`resolve_for_reading`).
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path, PurePosixPath

from graphmem.errors import NotFoundError
from graphmem.model import CodeEntity, Label, Node
from graphmem.store.base import GraphReads

__all__ = [
    "nearest_directory",
    "repository_node",
    "resolve_for_reading",
    "resolve_target",
    "resolve_targets",
]

_ENTITY_ID = re.compile(r"^e-[0-9a-f]{16}$")

#: When several entities share a path or qualified name, the one a user most likely means.
_PREFERENCE = (
    Label.DIRECTORY,
    Label.MODULE,
    Label.SERVICE,
    Label.CLASS,
    Label.INTERFACE,
    Label.FUNCTION,
    Label.METHOD,
    Label.VARIABLE,
    Label.REPOSITORY,
    Label.COMMIT,
)


def resolve_target(store: GraphReads, repo: str, text: str) -> Node:
    """The CodeEntity node `text` names in `repo`.

    Raises NotFoundError, with the closest names, paths and qualified names of the repository as
    suggestions, when nothing matches.
    """
    target = _stripped(text)
    found = _lookup(store, repo, target)
    if found is None:
        raise _not_found(store, repo, target, suggest=True)
    return found


def _stripped(text: str) -> str:
    """`text` without surrounding spaces; an empty target is refused."""
    target = text.strip()
    if not target:
        raise NotFoundError(
            "empty target: name a path, a directory, a qualified name or service:NAME"
        )
    return target


def _not_found(store: GraphReads, repo: str, target: str, suggest: bool) -> NotFoundError:
    close = _suggestions(store, repo, target) if suggest else []
    return NotFoundError(f"no code entity {target!r} in repository {repo!r}", close)


def lookup_target(store: GraphReads, repo: str, text: str) -> Node | None:
    """As `resolve_target`, but None when nothing matches: the suggestions read every entity
    of the repository (0.9 s at 30k entities), which a hook guessing at names cannot afford."""
    target = text.strip()
    return _lookup(store, repo, target) if target else None


def resolve_for_reading(
    store: GraphReads, repo: str, text: str, root: Path, suggest: bool = True
) -> tuple[Node, bool]:
    """What to read the memories of for `text`: (node, whether what lies inside it counts).

    As `resolve_target`, except that a file of the work tree `root` the graph has no entity for
    (a SQL migration, a CI workflow, a Dockerfile) stands for the folder holding it, without the
    folder's other contents. Only reads use this: a memory is anchored to what it names.
    `suggest=False`: the NotFoundError names no close matches (see `lookup_target`).
    """
    target = _stripped(text)
    found = _lookup(store, repo, target)
    if found is not None:
        return found, True
    folder = _folder_of_file(root, target)
    if folder is None:
        raise _not_found(store, repo, target, suggest)
    return nearest_directory(store, repo, folder), False


def resolve_targets(store: GraphReads, repo: str, texts: list[str]) -> list[Node]:
    """Each target resolved, duplicates dropped (first occurrence kept)."""
    nodes: dict[str, Node] = {}
    for text in texts:
        node = resolve_target(store, repo, text)
        nodes.setdefault(node.id, node)
    return list(nodes.values())


def repository_node(store: GraphReads, repo: str) -> Node:
    """The Repository node of `repo`, as the ingester writes it (path '' and qualified name '').

    When the repository was never ingested the node is returned unsaved: the caller writes it in
    the same batch as whatever needs it (a repository-wide memory can be recorded before ingest).
    """
    found = store.find_nodes(Label.REPOSITORY, {"repo": repo}, limit=1)
    if found:
        return found[0]
    return CodeEntity.new(Label.REPOSITORY, repo, "", "", name=repo).to_node()


#: A file name's ending (`.py`, `.tsx`, `.h`): what tells `src/app.py` from `shop.billing`.
_FILE_ENDING = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def _lookup(store: GraphReads, repo: str, target: str) -> Node | None:
    if _ENTITY_ID.match(target):
        node = store.get_node(target)
        if node is not None and node.has(Label.CODE_ENTITY) and node.get("repo") == repo:
            return node
        return None
    if target in (".", "/", "./"):
        return repository_node(store, repo)
    if target.startswith("service:"):
        name = target.removeprefix("service:")
        return _best(
            store.find_nodes(Label.SERVICE, {"repo": repo, "name": name})
            or store.find_nodes(Label.SERVICE, {"repo": repo, "qualified_name": target})
        )
    if "::" in target:
        # C++, Rust and PHP names are written with `::` themselves (`ns::Class::method`).
        by_name = store.find_nodes(Label.CODE_ENTITY, {"repo": repo, "qualified_name": target})
        if by_name:
            return _named(store, repo, target, by_name)
        path, _, symbol = target.partition("::")
        in_file = _symbol_in_file(store, repo, _clean_path(path), symbol.strip())
        return in_file or _by_qualified_tail(store, repo, target)
    path = _clean_path(target)
    last = target.rstrip("/").rsplit("/", 1)[-1]
    has_ending = bool(_FILE_ENDING.search(last))
    # Ask first for what the text looks like (one query in the usual case): a file or folder by
    # label, so the entities inside a file are not all read; else a qualified name.
    looks_like_path = "/" in target or has_ending
    file_label = Label.MODULE if has_ending and not target.endswith("/") else Label.DIRECTORY
    if path and looks_like_path:
        files = store.find_nodes(file_label, {"repo": repo, "path": path})
        if files:
            return _best(files)
    by_name = store.find_nodes(Label.CODE_ENTITY, {"repo": repo, "qualified_name": target})
    if by_name:
        return _named(store, repo, target, by_name)
    if path and not looks_like_path:
        files = store.find_nodes(Label.DIRECTORY, {"repo": repo, "path": path})
        if files:
            return _best(files)
    if path and ("/" in target or "." in last):
        by_path = store.find_nodes(Label.CODE_ENTITY, {"repo": repo, "path": path})
        if by_path:
            return _best(by_path)
    return _by_qualified_tail(store, repo, target)


_NAME_TAIL = re.compile(r"(?:\.|/|::)([^./:]+)$")


def _by_qualified_tail(store: GraphReads, repo: str, target: str) -> Node | None:
    """A qualified name without its leading part: `gin.Context.Next` for Go's
    `github.com/gin-gonic/gin.Context.Next`, `Gson.toJson`, `DBImpl::Write`. The entity whose
    qualified name ends so, found through its (indexed) name; None if none or several do."""
    tail = _NAME_TAIL.search(target)
    if tail is None:  # a bare name is too easily someone else's
        return None
    ends = ("." + target, "/" + target, "::" + target)
    found = [
        n
        for n in store.find_nodes(Label.CODE_ENTITY, {"repo": repo, "name": tail.group(1)})
        if str(n.get("qualified_name") or "").endswith(ends)
    ]
    return _one(found)


_DEFINITIONS = (Label.CLASS, Label.INTERFACE, Label.FUNCTION, Label.METHOD, Label.VARIABLE)


def lookup_definition(store: GraphReads, repo: str, name: str, folder: str = "") -> Node | None:
    """The one class, function, method or variable named `name` (the one inside `folder`
    first), None if none or several are. Never part of `lookup_target`, where a bare name is
    a user's guess and may be anyone's: a reviewed document that writes a compound name
    (`createSessionRequest`) means that definition."""
    found = [
        n
        for n in store.find_nodes(Label.CODE_ENTITY, {"repo": repo, "name": name})
        if any(n.has(label) for label in _DEFINITIONS)
    ]
    inside = [n for n in found if str(n.get("path") or "").startswith(f"{folder}/")]
    return (_one(inside) if folder else None) or _one(found)


def _one(nodes: list[Node]) -> Node | None:
    """The entity `nodes` are, when they all have one qualified name (a Go package's files
    share theirs); None for none or several."""
    return _best(nodes) if len({n.get("qualified_name") for n in nodes}) == 1 else None


def _folder_of_file(root: Path, target: str) -> str | None:
    """The folder (repo-relative, '' for the root) of the work tree's text file `target`, if it
    is one; None for anything else, or for a path that leads out of the work tree."""
    if "::" in target or target.startswith("service:"):
        return None
    path = _clean_path(target)
    try:
        full = (root / path).resolve()
        full.relative_to(root.resolve())
        if not path or not full.is_file() or _binary(full):
            return None
    except (OSError, ValueError):  # a name too long for the file system, a path out of root
        return None
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _binary(file: Path) -> bool:
    """A NUL byte near the start, as git tells binary files: an image governs nothing."""
    from graphmem.ingest.file_walk import BINARY_SNIFF_BYTES, looks_binary  # only when needed

    try:
        with file.open("rb") as handle:
            return looks_binary(handle.read(BINARY_SNIFF_BYTES))
    except OSError:
        return True


def nearest_directory(store: GraphReads, repo: str, folder: str) -> Node:
    """The Directory node of `folder`, else of the nearest folder above it, else the repository."""
    current = PurePosixPath(folder) if folder else None
    while current is not None and str(current) not in ("", "."):
        found = store.find_nodes(Label.DIRECTORY, {"repo": repo, "path": str(current)}, limit=1)
        if found:
            return found[0]
        current = current.parent
    return repository_node(store, repo)


def _symbol_in_file(store: GraphReads, repo: str, path: str, symbol: str) -> Node | None:
    in_file = store.find_nodes(Label.CODE_ENTITY, {"repo": repo, "path": path})
    if not symbol:
        return _best([n for n in in_file if n.has(Label.MODULE)] or in_file)
    exact = [n for n in in_file if n.get("qualified_name") == symbol]
    ends = ("." + symbol, "::" + symbol)
    suffix = [n for n in in_file if str(n.get("qualified_name") or "").endswith(ends)]
    return _best(exact or suffix)


def _clean_path(text: str) -> str:
    path = text.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.rstrip("/")


def _named(store: GraphReads, repo: str, target: str, nodes: list[Node]) -> Node:
    """The one entity a qualified name names. Several of the same kind: the files of one Go
    package are its folder; anything else (a function defined per build tag in two files) is
    ambiguous, and the error lists each as PATH::NAME, which names one."""
    best = _best(nodes)
    assert best is not None
    rivals = [n for n in nodes if _rank(n)[0] == _rank(best)[0]]
    if len(rivals) == 1:
        return best
    folders = {str(PurePosixPath(str(n.get("path") or "")).parent) for n in rivals}
    if best.has(Label.MODULE) and len(folders) == 1:
        folder = next(iter(folders))
        found = store.find_nodes(Label.DIRECTORY, {"repo": repo, "path": folder})
        if found:
            return found[0]
    named = sorted(f"{n.get('path')}::{n.get('qualified_name')}" for n in rivals)
    raise NotFoundError(
        f"{target!r} names {len(rivals)} entities in repository {repo!r}: name one as PATH::NAME",
        named[:5],
    )


def _best(nodes: list[Node]) -> Node | None:
    if not nodes:
        return None

    return min(nodes, key=_rank)


def _rank(node: Node) -> tuple[int, int, str]:
    kinds = [i for i, label in enumerate(_PREFERENCE) if node.has(label)]
    qualified = str(node.get("qualified_name") or "")
    return (min(kinds) if kinds else len(_PREFERENCE), qualified.count("."), node.id)


def _suggestions(store: GraphReads, repo: str, target: str, n: int = 5) -> list[str]:
    """Close paths, qualified names and names of the repository (difflib ratio >= 0.6)."""
    names: set[str] = set()
    for node in store.find_nodes(Label.CODE_ENTITY, {"repo": repo}):
        if node.has(Label.COMMIT):
            continue
        for key in ("path", "qualified_name"):
            value = node.get(key)
            if value:
                names.add(str(value) + ("/" if key == "path" and node.has(Label.DIRECTORY) else ""))
    close = difflib.get_close_matches(target, sorted(names), n=n, cutoff=0.6)
    if len(close) < n:
        tail = target.rsplit("/", 1)[-1].rsplit(".", 1)[-1].rsplit("::", 1)[-1]
        by_tail = [x for x in sorted(names) if x.endswith(tail) and tail and x not in close]
        close += by_tail[: n - len(close)]
    return close
