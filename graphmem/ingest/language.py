"""The interface a language module implements, and the registry the ingest pipeline reads.

Ingest runs in two steps per language, so that parsing can be cached per file and resolution
can be redone for just the files a change affects:

1. ``parse(path, source, module) -> ParsedFile``: one file, no knowledge of the rest of the
   repository. The result is plain data (definitions, imports, call sites, name bindings) that
   the pipeline serialises with ``ParsedFile.to_json`` and stores, so an unchanged file is never
   parsed again.
2. ``resolver(index).resolve(parsed) -> list[ResolvedEdge]``: turns one parsed file into
   IMPORTS / CALLS / INHERITS edges, looking other files up through the ``RepoIndex``. Every
   lookup is recorded as a dependency of the file being resolved; when a file changes, the
   pipeline re-resolves exactly the files whose recorded dependencies include it. A resolver
   therefore never needs to report its dependencies itself: it only has to look things up
   through the index (and wrap any cross-file memoisation in ``RepoIndex.memo``).

Adding a language is one module with a class implementing ``LanguageSupport``, its queries in
``queries/<language>.scm``, and one line in ``_LANGUAGE_MODULES`` below (its name, file
endings, module and class). A tree-sitter parser builds on ``graphmem.ingest.syntax`` (grammar
and query loading, the capture sweep, recording definitions, calls, imports and bindings), so
the module holds only the language's own rules.
Entities are derived by the pipeline from ``ParsedFile.definitions``: a language module never
builds ``CodeEntity`` objects or ids itself.

The two non-language contributors are plain functions the pipeline calls:
``graphmem.ingest.services.discover`` and ``graphmem.ingest.history.collect``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from graphmem.model import Edge, Label, RelType, entity_id

#: Bump when ParsedFile's shape or any parser's output changes: cached parses are then redone.
PARSE_FORMAT = 47

#: Definition kinds a parser may emit (values of the corresponding Labels).
CLASS = Label.CLASS.value
FUNCTION = Label.FUNCTION.value
METHOD = Label.METHOD.value
#: module- and package-level constants and variables, class attributes: governable, never called
VARIABLE = Label.VARIABLE.value
INTERFACE = Label.INTERFACE.value

EXACT = "exact"
HEURISTIC = "heuristic"
#: A call through an interface method links (heuristically) to each implementation only up to
#: this many: beyond it the guesses are noise, and the interface's own method is what is certain.
MAX_DISPATCH_TARGETS = 20

T = TypeVar("T")


def content_hash(data: bytes) -> str:
    """The hash stored as `content_hash` on entities and FileState (short, stable sha1)."""
    return hashlib.sha1(data).hexdigest()[:16]


_COMMENT_OR_UNCLOSED = re.compile(rb"/\*.*?\*/|//[^\n]*|(/\*.*)", re.DOTALL)
_LINE_COMMENT = re.compile(rb"//[^\n]*")


def blank_comments(source: bytes) -> bytes:
    """C-style source (C, C++, Java) with each ``/* */`` and ``//`` comment made one space.

    A ``/*`` that never closes takes the rest of the file in one step, where only ``//``
    comments are blanked, as before: rescanning to the end from every such ``/*`` (globs such
    as ``"src/*.c"`` in strings) took quadratic time."""
    return _COMMENT_OR_UNCLOSED.sub(
        lambda m: b" " if m[1] is None else _LINE_COMMENT.sub(b" ", m[1]), source
    )


# -- what a parser produces -----------------------------------------------------------------


@dataclass(slots=True)
class Definition:
    """A class, function or method found in one file.

    `qualified_name` is the full name (``pkg.mod.Class.method``); `parent` is the qualified name
    of the enclosing definition, or the module's for a top-level one. The pipeline turns each
    definition into a CodeEntity with a CONTAINS edge from its parent.
    """

    kind: str  # CLASS | FUNCTION | METHOD | VARIABLE (| INTERFACE)
    name: str
    qualified_name: str
    parent: str
    start_line: int  # 1-based, inclusive
    end_line: int
    content_hash: str
    #: classes: base-class expressions as written (``models.Model``, ``Base``)
    bases: list[str] = field(default_factory=list)
    #: functions: parameter names in order (``self`` included), for receiver inference
    params: list[str] = field(default_factory=list)
    decorators: list[str] = field(default_factory=list)
    #: functions: the return annotation as written, if any
    returns: str | None = None
    #: the content hash with the definition's own name blanked out: what a rename leaves as
    #: it was ('' where not computed)
    shape: str = ""


@dataclass(slots=True)
class ImportSpec:
    """One imported module or name, as written; resolution decides what it points at.

    Python ``import a.b as c`` is ``module="a.b", alias="c"``; ``from .x import y as z`` is
    ``module=".x", name="y", alias="z"``. Other languages use `module` for the specifier
    (``./util``, ``fmt``) and `name`/`alias` for named imports.
    """

    module: str
    name: str | None = None
    alias: str | None = None
    line: int = 0
    #: qualified name of the definition the import sits in (the module's for a top-level one)
    scope: str = ""


@dataclass(slots=True)
class CallSite:
    """A call as written: `callee` is a dotted expression (``f``, ``self.m``, ``mod.f``), with
    ``()`` marking a call result (``Foo().m``, ``super().m``)."""

    caller: str  # qualified name of the innermost enclosing definition (or the module)
    callee: str
    line: int


@dataclass(slots=True)
class Binding:
    """A name bound in a scope to something a resolver can follow.

    `value` is a dotted expression; ``Foo()`` means "the result of calling Foo" (an instance);
    `annotation` marks a declared type (``x: Foo``, a typed parameter) rather than an assignment.
    Names may be dotted (``self.client``) for attribute assignments.
    """

    scope: str
    name: str
    value: str
    line: int
    annotation: bool = False


#: `extra` entries only resolving the file itself reads, by position: Go's block scopes and
#: where its calls start, Java's overload spans and argument counts, Rust's count of macro calls
#: left unread, Python's isinstance narrowings, ECMAScript's module-level local scopes and
#: callbacks' typed parameters.
_OWN_EXTRAS = frozenset(
    {"binding_spans", "call_offsets", "overloads", "macro_calls", "call_arity", "narrowed",
     "lexical", "callback_params"}
)  # fmt: skip


@dataclass(slots=True)
class ParsedFile:
    """Everything the resolver needs from one file. Plain data: cached as JSON in the store."""

    path: str  # repo-relative POSIX
    language: str
    module: (
        str  # the module's qualified name (``pkg.mod``; a Python package's ``__init__`` is ``pkg``)
    )
    content_hash: str
    line_count: int
    definitions: list[Definition] = field(default_factory=list)
    imports: list[ImportSpec] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    #: names the module declares public (Python ``__all__``, JS ``export``), if it says
    exports: list[str] | None = None
    #: problems that left the graph partial (syntax errors, undecodable bytes)
    warnings: list[str] = field(default_factory=list)
    #: anything else a language needs (kept JSON-able)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(_to_plain(self), separators=(",", ":"))

    def interface(self) -> str:
        """What resolving other files can read of this one: its module, definitions, imports,
        bindings, exports and extra, without lines, hashes, its own calls or the plain locals
        of its functions (only resolving this file reads those; `self.x = ...` in a method
        is an attribute and stays). An edit that leaves it as it was (a function body, a
        comment) leaves every other file's edges as they were."""
        functions = {d.qualified_name for d in self.definitions if d.kind in (FUNCTION, METHOD)}
        shared = [b for b in self.bindings if b.scope not in functions or "." in b.name]
        extra = {k: v for k, v in self.extra.items() if k not in _OWN_EXTRAS}
        return json.dumps(
            [
                self.module,
                self.language,
                [
                    (d.kind, d.name, d.qualified_name, d.parent, d.bases, d.params, d.decorators,
                     d.returns)
                    for d in self.definitions
                ],
                [(i.module, i.name, i.alias, i.scope) for i in self.imports],
                [(b.scope, b.name, b.value, b.annotation) for b in shared],
                self.exports,
                extra,
            ],
            sort_keys=True,
            default=str,
        )  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> ParsedFile:
        data = json.loads(text)
        # The scope names repeat across a file's records (every call and binding names its
        # scope); JSON gives each occurrence its own string, so they are shared again here,
        # as the parser had them: 60 MB on sympy.
        names: dict[str, str] = {}
        share = names.setdefault
        return cls(
            path=data["path"],
            language=data["language"],
            module=data["module"],
            content_hash=data["content_hash"],
            line_count=data["line_count"],
            definitions=[Definition(*row) for row in data["definitions"]],
            imports=[ImportSpec(*row) for row in data["imports"]],
            calls=[CallSite(share(a, a), b, c) for a, b, c in data["calls"]],
            bindings=[Binding(share(a, a), *rest) for a, *rest in data["bindings"]],
            exports=data["exports"],
            warnings=data["warnings"],
            extra=data["extra"],
        )


#: Each record type's fields in order, read in one call (JSON writes the tuples as lists).
_FIELD_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _to_plain(parsed: ParsedFile) -> dict[str, Any]:
    """Compact form: nested records as positional lists (caches stay small and load fast)."""

    def rows(items: Sequence[Any]) -> list[tuple[Any, ...]]:
        if not items:
            return []
        getter = _FIELD_GETTERS.get(type(items[0]))
        if getter is None:
            names = [f.name for f in fields(items[0])]
            getter = _FIELD_GETTERS[type(items[0])] = attrgetter(*names)
        return list(map(getter, items))

    return {
        "path": parsed.path,
        "language": parsed.language,
        "module": parsed.module,
        "content_hash": parsed.content_hash,
        "line_count": parsed.line_count,
        "definitions": rows(parsed.definitions),
        "imports": rows(parsed.imports),
        "calls": rows(parsed.calls),
        "bindings": rows(parsed.bindings),
        "exports": parsed.exports,
        "warnings": parsed.warnings,
        "extra": parsed.extra,
    }


# -- what a resolver produces ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A code entity named by where it lives: (path, qualified_name) gives its id."""

    path: str
    qualified_name: str

    def id(self, repo: str) -> str:
        return entity_id(repo, self.path, self.qualified_name)


@dataclass(frozen=True, slots=True)
class ResolvedEdge:
    """An IMPORTS, CALLS or INHERITS edge between entities of the repository.

    The source always lies in the file being resolved (edges are owned by their source file and
    replaced when it is re-resolved). CALLS carry `resolution`: EXACT when the target is certain,
    HEURISTIC for a guess; a call that cannot be resolved is better left out than guessed wrong.
    """

    type: RelType
    source: Ref
    target: Ref
    resolution: str | None = None

    def to_edge(self, repo: str) -> Edge:
        props = {"resolution": self.resolution} if self.resolution else {}
        return Edge(
            type=self.type,
            source=self.source.id(repo),
            target=self.target.id(repo),
            properties=props,
        )


def unique_edges(edges: Iterable[ResolvedEdge]) -> list[ResolvedEdge]:
    """Each (type, source, target) once, in the order first found; an exact resolution found
    later replaces a heuristic one (a call resolved twice is as certain as its best reading)."""
    kept: dict[tuple[RelType, Ref, Ref], ResolvedEdge] = {}
    for edge in edges:
        key = (edge.type, edge.source, edge.target)
        previous = kept.get(key)
        if previous is None or (previous.resolution == HEURISTIC and edge.resolution == EXACT):
            kept[key] = edge
    return list(kept.values())


# -- the repository as a resolver sees it ---------------------------------------------------


@dataclass(slots=True)
class Dependencies:
    """What resolving one file looked up: its own lookups, and the shared sets of the
    cross-file tables it read.

    A shared set is one object for every file that read the table: each file of a C++
    repository reads the name table of all of them, so a flat list per file was the number
    of files squared (79 MB of JSON for rocksdb), where sharing keeps it once.
    """

    own: frozenset[str] = frozenset()
    shared: tuple[frozenset[str], ...] = ()

    def __contains__(self, key: object) -> bool:
        return key in self.own or any(key in part for part in self.shared)

    def __bool__(self) -> bool:
        return bool(self.own) or any(self.shared)

    def touches(self, keys: set[str], seen: dict[int, bool]) -> bool:
        """Whether any of `keys` was looked up; `seen` caches the answer per shared set
        across the files of one run."""
        if not self.own.isdisjoint(keys):
            return True
        for part in self.shared:
            hit = seen.get(id(part))
            if hit is None:
                hit = seen[id(part)] = not part.isdisjoint(keys)
            if hit:
                return True
        return False


class RepoIndex:
    """Every parsed file of the repository, looked up by path or module name.

    Lookups are recorded as dependencies of the file being resolved (see `tracking`), as
    ``"p:<path>"`` and ``"m:<module>"``, including lookups that found nothing: a file added
    later under that name then triggers re-resolution of the files that looked for it.
    Parsed files may be loaded lazily through `loader` (incremental ingest loads only what the
    affected files touch).
    """

    def __init__(
        self,
        paths_by_module: Mapping[str, Sequence[str]],
        loader: Callable[[str], ParsedFile | None],
    ) -> None:
        self._paths_by_module = paths_by_module
        self._loader = loader
        self._files: dict[str, ParsedFile | None] = {}
        # The open scope (a file being resolved, or a memoised table being computed): its
        # own lookups, and the shared sets of the tables it read, by identity.
        self._deps: set[str] | None = None
        self._shared: dict[int, frozenset[str]] | None = None
        self._memo: dict[Any, tuple[Any, tuple[frozenset[str], ...]]] = {}

    @classmethod
    def from_files(cls, files: Sequence[ParsedFile]) -> RepoIndex:
        by_module: dict[str, list[str]] = {}
        for parsed in files:
            by_module.setdefault(parsed.module, []).append(parsed.path)
        by_path = {parsed.path: parsed for parsed in files}
        return cls(by_module, by_path.get)

    def _touch(self, key: str) -> None:
        if self._deps is not None:
            self._deps.add(key)

    def has_module(self, module: str) -> bool:
        self._touch("m:" + module)
        return module in self._paths_by_module

    def module_paths(self, module: str) -> Sequence[str]:
        """Paths of the files defining `module` (several when names collide, e.g. examples)."""
        self._touch("m:" + module)
        return self._paths_by_module.get(module, ())

    def file(self, path: str) -> ParsedFile | None:
        self._touch("p:" + path)
        if path not in self._files:
            self._files[path] = self._loader(path)
        return self._files[path]

    def modules(self) -> Iterator[str]:
        """Every module name (not recorded as a dependency: use it for listings only)."""
        return iter(self._paths_by_module)

    @contextmanager
    def tracking(self) -> Iterator[Dependencies]:
        """Record every lookup made inside the block into the yielded Dependencies (filled on
        exit)."""
        found = Dependencies()
        with self._scope(merge=True) as (deps, shared):
            yield found
        found.own, found.shared = frozenset(deps), tuple(shared.values())

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """Memoise a cross-file computation (a module's symbol table, a class's MRO) so that a
        later hit still records the dependencies the first computation made: the table's own
        lookups become one shared set, and the tables it read theirs."""
        hit = self._memo.get(key)
        if hit is None:
            with self._scope(merge=False) as (deps, shared):
                result = compute()
            own = frozenset(deps)
            parts = {id(own): own, **shared} if own else shared
            hit = self._memo[key] = (result, tuple(parts.values()))
        if self._shared is not None:
            for part in hit[1]:
                self._shared[id(part)] = part
        value: T = hit[0]
        return value

    @contextmanager
    def _scope(self, merge: bool) -> Iterator[tuple[set[str], dict[int, frozenset[str]]]]:
        """A new scope of lookups; with `merge`, what it found also counts for the one
        around it."""
        outer_deps, outer_shared = self._deps, self._shared
        deps: set[str] = set()
        shared: dict[int, frozenset[str]] = {}
        self._deps, self._shared = deps, shared
        try:
            yield deps, shared
        finally:
            self._deps, self._shared = outer_deps, outer_shared
            if merge and outer_deps is not None and outer_shared is not None:
                outer_deps |= deps
                outer_shared.update(shared)


# -- the interfaces -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepoLayout:
    """What a language needs to know about the repository to name modules.

    `files` are every kept, repo-relative POSIX path (source or not), so a language can look for
    its markers: Python's ``__init__.py`` and ``src/``, a Go ``go.mod``, a ``tsconfig.json``.
    """

    root: Path
    files: frozenset[str]

    @property
    def directories(self) -> frozenset[str]:
        dirs = set()
        for path in self.files:
            while "/" in path:
                path = path.rsplit("/", 1)[0]
                if path in dirs:
                    break
                dirs.add(path)
        return frozenset(dirs)


class FileResolver(Protocol):
    """Resolves one parsed file at a time against a RepoIndex (created once per ingest run)."""

    def resolve(self, parsed: ParsedFile) -> list[ResolvedEdge]: ...


@runtime_checkable
class LanguageSupport(Protocol):
    """One language. Implementations are stateless; see the module docstring for the flow."""

    #: the `language` property of its entities: "python", "javascript", "typescript", "go"
    name: str
    #: file name endings it parses, with the dot: (".py", ".pyi")
    extensions: tuple[str, ...]

    def module_name(self, path: str, layout: RepoLayout) -> str:
        """The module's qualified name for a file (Python: ``pkg.mod``; JS: its path)."""
        ...

    def parse(self, path: str, source: bytes, module: str) -> ParsedFile:
        """Parse one file. Never raises on bad input: syntax errors go to `warnings` and what
        could be parsed is kept."""
        ...

    def resolver(self, index: RepoIndex) -> FileResolver:
        """A resolver for one ingest run (it may memoise through `index.memo`)."""
        ...


# -- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LanguageEntry:
    """One registered language: its name and file endings, and where its support class lives.

    The endings are written here, not only on the class, so that deciding which files are
    source (every diff, `status`, `watch`) imports no language module: a re-ingest of a Python
    repository loads the Python support and nothing else. A test checks both lists agree.
    """

    name: str
    extensions: tuple[str, ...]
    module: str
    class_name: str


#: One line per language. Where two languages claim an ending, the first listed wins.
_LANGUAGE_MODULES: tuple[LanguageEntry, ...] = (
    LanguageEntry("python", (".py", ".pyi"), "graphmem.ingest.python", "PythonSupport"),
    LanguageEntry(
        "javascript",
        (".js", ".jsx", ".mjs", ".cjs"),
        "graphmem.ingest.javascript",
        "JavaScriptSupport",
    ),
    LanguageEntry(
        "typescript",
        (".ts", ".tsx", ".mts", ".cts", ".d.ts"),
        "graphmem.ingest.typescript",
        "TypeScriptSupport",
    ),
    LanguageEntry("go", (".go",), "graphmem.ingest.go", "GoSupport"),
    LanguageEntry("java", (".java",), "graphmem.ingest.java", "JavaSupport"),
    LanguageEntry("rust", (".rs",), "graphmem.ingest.rust", "RustSupport"),
    LanguageEntry("c", (".c", ".h"), "graphmem.ingest.c_family", "CSupport"),
    LanguageEntry(
        "cpp",
        (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"),
        "graphmem.ingest.c_family",
        "CppSupport",
    ),
)

#: Loaded supports by name; None marks a language whose module is not there.
_loaded: dict[str, LanguageSupport | None] = {}


def _load(entry: LanguageEntry) -> LanguageSupport | None:
    if entry.name not in _loaded:
        try:
            module = importlib.import_module(entry.module)
        except ImportError as error:
            if error.name != entry.module:
                raise
            _loaded[entry.name] = None
        else:
            _loaded[entry.name] = getattr(module, entry.class_name)()
    return _loaded[entry.name]


def language_named(name: str) -> LanguageSupport | None:
    """The support for one language, importing only its module."""
    for entry in _LANGUAGE_MODULES:
        if entry.name == name:
            return _load(entry)
    return None


def languages() -> dict[str, LanguageSupport]:
    """Every available language by name (a module not written yet is simply absent).

    This imports every language module; to find the one for a file, use `language_for`."""
    found = {entry.name: _load(entry) for entry in _LANGUAGE_MODULES}
    return {name: support for name, support in found.items() if support is not None}


def _endings() -> tuple[tuple[str, LanguageEntry], ...]:
    """(ending, entry), longest ending first (``.d.ts`` before ``.ts``), then as listed."""
    pairs = [(ext, entry) for entry in _LANGUAGE_MODULES for ext in entry.extensions]
    pairs.sort(key=lambda pair: -len(pair[0]))  # stable: registry order within a length
    return tuple(pairs)


_ENDINGS = _endings()


def is_source(path: str) -> bool:
    """Whether some language claims `path` by its ending, without importing that language (a
    freshness check asks it of every file of the repository)."""
    return any(path.endswith(ext) for ext, _ in _ENDINGS)


def language_for(path: str) -> LanguageSupport | None:
    """The language that parses `path`, by its ending (longest ending wins: ``.d.ts``)."""
    for ext, entry in _ENDINGS:
        if path.endswith(ext):
            support = _load(entry)
            if support is not None:
                return support
    return None


# -- directories ----------------------------------------------------------------------------


def directory_qualified_name(dir_path: str) -> str:
    """A Directory's qualified name is its path; the Repository's is ``""`` (its path too)."""
    return dir_path
