"""What a file-backed entry governs in the code graph.

- names an ADR or a rule mentions (``src/billing/``, ``billing.invoices.InvoiceService``, an
  ADR's links to code): each resolved like a ``--governs`` TARGET, first inside the folder the
  entry's file governs (``run.py`` in ``src/agents/AGENTS.md``), else as the name of a service
  (a package such as ``@acme/web``; a manifest's path, ``pyproject.toml``, names the file,
  not the package); a bare compound identifier (``createSessionRequest``, ``make_payment``)
  is the one definition of that name, if only one has it; names that match nothing are
  dropped;
- a nested AGENTS.md / CLAUDE.md / CONVENTIONS.md (or rules folder, ``web/.cursor/rules``),
  an ADR of a package (a log4brains package's ``adrFolder``, ``packages/core/docs/adr``): its
  folder (or the nearest folder above it that the graph knows), unless the ADR names code;
- ``globs`` / ``applyTo`` / ``paths``: ``dir/**`` is the folder ``dir``; any other glob is the
  modules it matches, up to `MAX_GLOB_MODULES` (beyond that, the folder the glob starts in); a
  glob with no ``/`` (``*.proto``) matches file names in every folder, as Cursor reads it.

Nothing at all: the repository (what `remember` does with no target).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from graphmem.knowledge.documents import Entry
from graphmem.knowledge.markdown import is_compound_identifier
from graphmem.memory.targets import lookup_definition, lookup_target, repository_node
from graphmem.model import Label, Node
from graphmem.store import GraphStore

__all__ = ["MAX_GLOB_MODULES", "EntryScope", "glob_regex"]

MAX_GLOB_MODULES = 50
_WILD = re.compile(r"[*?\[{]")


class EntryScope:
    """Resolves entries of one repository, reading its modules and folders once."""

    def __init__(self, store: GraphStore, repo: str, files: Sequence[str] = ()) -> None:
        """`files`: the repository's files (repo-relative), for globs that match files that
        are not code (``*.proto``, generated ``*_pb2.py``)."""
        self.store = store
        self.repo = repo
        self.files = sorted(files)
        self._modules: dict[str, Node] | None = None
        self._dirs: dict[str, Node] | None = None
        self._names: dict[tuple[str, str], Node | None] = {}
        self._warned: set[tuple[str, str]] = set()

    def targets(self, entry: Entry, warnings: list[str]) -> list[Node]:
        """The code `entry` governs; [] for the repository."""
        found: dict[str, Node] = {}
        for name in entry.governs:
            node = self._named(name, entry.directory)
            if node is not None and not node.has(Label.REPOSITORY) and not node.has(Label.COMMIT):
                found.setdefault(node.id, node)
        for glob in entry.globs:
            matched = self._glob(glob)
            if matched is None:
                folders = self._file_folders(glob)
                if (entry.path, glob) not in self._warned:  # once per file, not per rule
                    self._warned.add((entry.path, glob))
                    line = entry.globs_line or entry.line  # the front matter's `globs:` line
                    where = "the folders of the files it matches" if folders else "its folder"
                    warnings.append(
                        f"{entry.path}:{line}: {glob!r} matches no code; scoped to {where}"
                    )
                matched = folders or self._nearest_dir(_static_prefix(glob))
            for node in matched:
                found.setdefault(node.id, node)
        if entry.directory and not entry.globs and not found:
            for node in self._nearest_dir(entry.directory):
                found.setdefault(node.id, node)
        return list(found.values())

    def _named(self, name: str, folder: str = "") -> Node | None:
        """A TARGET in `folder`, else in the repository, else a service of that name (ADRs
        name packages: `@acme/web`); each is looked up once per sync, however many entries
        name it."""
        key = (name, folder)
        if key not in self._names:
            self._names[key] = None
            inside = [f"{folder}/{name.lstrip('/')}"] if folder else []
            for target in (*inside, name, f"service:{name}"):
                # No suggestions for a miss: they read every entity, per name named.
                node = lookup_target(self.store, self.repo, target)
                if node is None or (node.has(Label.SERVICE) and target != f"service:{name}"):
                    continue  # `pyproject.toml` names that file, not the whole package
                self._names[key] = node
                break
            if self._names[key] is None and is_compound_identifier(name):
                # a reviewed document's `createSessionRequest` is that definition
                self._names[key] = lookup_definition(self.store, self.repo, name, folder)
        return self._names[key]

    def repository(self) -> Node:
        return repository_node(self.store, self.repo)

    @property
    def modules(self) -> dict[str, Node]:
        if self._modules is None:
            nodes = self.store.find_nodes(Label.MODULE, {"repo": self.repo})
            self._modules = {str(n.get("path")): n for n in nodes}
        return self._modules

    @property
    def dirs(self) -> dict[str, Node]:
        if self._dirs is None:
            nodes = self.store.find_nodes(Label.DIRECTORY, {"repo": self.repo})
            self._dirs = {str(n.get("path")): n for n in nodes}
        return self._dirs

    def _glob(self, glob: str) -> list[Node] | None:
        """What `glob` covers: modules, or the folder above too many of them ([] = the
        repository); None when it matches no module."""
        clean = glob.strip().removeprefix("./")
        if "/" not in clean:
            clean = "**/" + clean  # a file name pattern: in any folder
        clean = clean.lstrip("/")
        prefix = _static_prefix(clean)
        rest = clean[len(prefix) :].strip("/")
        if prefix and rest in ("", "**", "**/*") and prefix in self.dirs:
            return [self.dirs[prefix]]
        if not rest and prefix in self.modules:
            return [self.modules[prefix]]
        pattern = re.compile(glob_regex(clean))
        matched = [node for path, node in sorted(self.modules.items()) if pattern.match(path)]
        if len(matched) > MAX_GLOB_MODULES:
            return self._nearest_dir(prefix)
        return matched or None

    def _file_folders(self, glob: str) -> list[Node]:
        """The folders (that the graph knows) of the files, not code, that `glob` matches;
        [] when it matches none or only files in folders without code."""
        clean = glob.strip().removeprefix("./")
        clean = ("**/" + clean if "/" not in clean else clean).lstrip("/")
        pattern = re.compile(glob_regex(clean))
        parents = sorted({str(PurePosixPath(f).parent) for f in self.files if pattern.match(f)})
        found: dict[str, Node] = {}
        for parent in parents[:MAX_GLOB_MODULES]:
            for node in self._nearest_dir(parent if parent != "." else ""):
                found.setdefault(node.id, node)
        return list(found.values())

    def _nearest_dir(self, path: str) -> list[Node]:
        """The folder `path`, or the nearest one above it the graph has; [] = the repository."""
        current = PurePosixPath(path.strip("/")) if path.strip("/") else None
        while current is not None and str(current) not in (".", ""):
            if str(current) in self.dirs:
                return [self.dirs[str(current)]]
            current = current.parent
        return []


def glob_regex(glob: str) -> str:
    """A path glob (``**``, ``*``, ``?``, ``{a,b}``, ``[...]``) as an anchored regex."""
    out = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "{" and "}" in glob[i:]:
            end = glob.index("}", i)
            out.append("(?:" + "|".join(re.escape(x) for x in glob[i + 1 : end].split(",")) + ")")
            i = end + 1
            continue
        elif c == "[" and "]" in glob[i:]:
            end = glob.index("]", i)
            out.append("[" + glob[i + 1 : end].replace("!", "^", 1) + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return "^" + "".join(out) + "$"


def _static_prefix(glob: str) -> str:
    """The folder part of a glob before its first wildcard: ``src/api`` of ``src/api/**/*.py``."""
    parts = []
    for part in glob.strip().lstrip("/").removeprefix("./").split("/"):
        if _WILD.search(part):
            break
        parts.append(part)
    return "/".join(parts)
