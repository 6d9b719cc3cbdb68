"""Python resolution: IMPORTS, INHERITS and CALLS that follow the code, not names.

A small abstract interpreter over ParsedFile data. A name is looked up the way Python does it
(function scope, enclosing functions, module globals; class bodies are not enclosing scopes), and
the value it finds is one of:

- `ModuleValue`: a module of the repository (``import pkg.mod as m``, a submodule attribute);
- `DefValue`: a class, function or method of the repository (a class also for ``type[Foo]``);
- `InstanceValue`: an instance of a repository class (``x = Foo()``, ``x: Foo``, ``self``,
  ``x = t.cast(Foo, y)``, ``with Foo() as x`` through ``__enter__``);
- `ElementsValue`: a sequence of instances (``x: list[Foo]``, ``-> Iterator[Foo]``,
  ``*args: Foo``), whose element a ``for`` loop or a comprehension over it binds;
- `MappingValue`: a mapping of instances (``x: dict[str, Foo]``), whose ``.items()`` a loop
  unpacks into key and value, and whose ``x[k]``, ``.get()``, ``.values()``, ``.keys()`` hold
  them;
- `TupleValue`: a tuple of instances by position (``-> tuple[BaseLoader, str]``), which
  ``loader, name = ...`` unpacks;
- `NarrowedValue`: an instance of a class or of builtins (``value: ContentRange | str``),
  whose attributes no builtin has are the class's;
- `UnionValue`: an instance of one of several classes (``x: Headers | MultiDict``, or inside
  ``if isinstance(x, (Headers, MultiDict)):``), whose method is each class's that has one;
- `AliasValue`: a module's type alias (``TextType = Union[str, "Text"]``), which an
  annotation naming it reads as what it names.

Attributes follow modules (their own definitions, imports and re-exports, ``__all__`` and star
imports, then submodules) and classes (their MRO, class-body assignments, and ``self.x = ...``
assignments in methods). A call is an edge only when the callee evaluates to a definition;
anything uncertain (a name bound twice to different things, an unknown base, a builtin)
evaluates to nothing, so such calls are left out rather than guessed: every CALLS edge written
here is ``exact``.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TypeVar

from graphmem.ingest.language import (
    CLASS,
    EXACT,
    FUNCTION,
    HEURISTIC,
    METHOD,
    VARIABLE,
    Binding,
    Definition,
    ImportSpec,
    ParsedFile,
    Ref,
    RepoIndex,
    ResolvedEdge,
    unique_edges,
)
from graphmem.model import RelType

T = TypeVar("T")
_MAX_DEPTH = 40
UNKNOWN = "?"


@dataclass(frozen=True, slots=True)
class ModuleValue:
    path: str
    module: str


@dataclass(frozen=True, slots=True)
class DefValue:
    path: str
    qualified_name: str
    kind: str

    @property
    def ref(self) -> Ref:
        return Ref(self.path, self.qualified_name)


@dataclass(frozen=True, slots=True)
class InstanceValue:
    cls: DefValue


@dataclass(frozen=True, slots=True)
class ElementsValue:
    """A list, tuple, set or iterator of instances of `cls` (``list[P]``), or of one of `cls`
    and `others` (httpx's ``list[DataField | FileField]``): what a loop over it, or a
    comprehension, gets."""

    cls: DefValue
    others: tuple[DefValue, ...] = ()

    def element(self) -> InstanceValue | UnionValue:
        """What one element is."""
        return UnionValue((self.cls, *self.others)) if self.others else InstanceValue(self.cls)

    def method(self, name: str) -> Value | None:
        """What calling the sequence or iterator method `name` returns: an element for
        ``pop``, ``popleft``, ``x[i]`` and ``__next__`` (jinja's ``self._pushed.popleft()``
        of a ``deque[Token]``), the same elements for ``__iter__`` (``list(x)``, ``iter(x)``)."""
        if name in ("pop", "popleft", "__getitem__", "__next__"):
            return self.element()
        return self if name == "__iter__" else None


@dataclass(frozen=True, slots=True)
class DispatchValue:
    """A dict literal whose values are functions or classes (httpx's ``SUPPORTED_DECODERS =
    {"gzip": GZipDecoder, ...}``): ``d[k]`` and ``d.get(k)`` are one of them, which a
    call may run (heuristic); ``d["gzip"]`` is the one under that key (`keys`, in order)."""

    options: tuple[DefValue, ...]
    keys: tuple[str, ...]

    def method(self, name: str) -> Value | None:
        method, _, key = name.partition(":")
        if key and key in self.keys:
            return self.options[self.keys.index(key)]
        return (
            ChoiceValue(tuple(dict.fromkeys(self.options)))
            if method in ("__getitem__", "get")
            else None
        )


@dataclass(frozen=True, slots=True)
class MappingValue:
    """A dict or Mapping whose keys are instances of `key` and values of `value`, either None
    when the annotation names no one class (``dict[str, Command]``: no key class); each value
    is a sequence of `value` instances when `many` (werkzeug's ``dict[t.Any, list[Rule]]``),
    and `value` itself or a subclass when `of_class` (werkzeug's ``dict[str,
    type[ReloaderLoop]]``: calling one is a heuristic call of the class)."""

    key: DefValue | None
    value: DefValue | None
    many: bool = False
    of_class: bool = False

    def held(self, which: DefValue | None) -> InstanceValue | None:
        return InstanceValue(which) if which is not None else None

    def held_value(self) -> InstanceValue | ElementsValue | ChoiceValue | None:
        if self.of_class:
            return ChoiceValue((self.value,)) if self.value is not None else None
        if self.many and self.value is not None:
            return ElementsValue(self.value)
        return self.held(self.value)

    def method(self, name: str) -> Value | None:
        """What calling the mapping method `name` returns, when it is one of its keys or
        values (``get`` may also return its default, which adds no callee here)."""
        if name in ("get", "__getitem__", "pop", "setdefault"):
            return self.held_value()
        if name == "values" and self.value is not None and not (self.many or self.of_class):
            return ElementsValue(self.value)
        if name in ("keys", "__iter__") and self.key is not None:
            return ElementsValue(self.key)
        return None


@dataclass(frozen=True, slots=True)
class NarrowedValue:
    """An instance of `cls` or of one of the builtin types `beside` (``value: ContentRange
    | str``): an attribute no such builtin has is the class's, as nothing else could answer."""

    cls: DefValue
    beside: tuple[str, ...]

    def answers(self, name: str) -> bool:
        return not any(hasattr(getattr(builtins, each), name) for each in self.beside)


@dataclass(frozen=True, slots=True)
class UnionValue:
    """An instance of one of `classes`: ``x.m()`` may run any of their ``m``s, and each is a
    certain target (the value is one of them), not a guess."""

    classes: tuple[DefValue, ...]


@dataclass(frozen=True, slots=True)
class AliasValue:
    """A module's name for a type (``TextType = Union[str, "Text"]``): an annotation naming
    it means `annotation`, read in the module (`path`, `scope`) that declares it."""

    path: str
    scope: str
    annotation: str


@dataclass(frozen=True, slots=True)
class TupleValue:
    """A tuple of a known length whose items hold `items`, None where the annotation names
    nothing followed (``tuple[BaseLoader, str]``, ``tuple[str, dict[str, Convertor]]``): what
    unpacking it binds."""

    items: tuple[Value | None, ...]

    def item(self, index: int) -> Value | None:
        return self.items[index] if index < len(self.items) else None


def _parts(held: str) -> list[str]:
    """The items of a tuple ``(A,{str,B})`` or mapping ``{K,V}`` annotation value, nested
    ones kept whole."""
    parts: list[str] = []
    depth = start = 0
    for position, char in enumerate(held[1:-1], 1):
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(held[start + 1 : position])
            start = position
    parts.append(held[start + 1 : -1])
    return parts


@dataclass(frozen=True, slots=True)
class SuperValue:
    """``super()`` inside a method of `cls`: attribute lookup starts after `cls` in its MRO."""

    cls: DefValue


@dataclass(frozen=True, slots=True)
class ChoiceValue:
    """One of several functions, methods or classes, depending on a branch the resolver
    cannot decide (``self.f = self._safe`` or ``self._unsafe``; ``X = wrap(X)``): a call
    through it may reach each of them, so each edge is heuristic; `exact` when it is the
    method of each class of a `UnionValue`, all of them real targets."""

    options: tuple[DefValue, ...]
    exact: bool = False


Value = (
    ModuleValue
    | DefValue
    | InstanceValue
    | ElementsValue
    | MappingValue
    | TupleValue
    | NarrowedValue
    | UnionValue
    | SuperValue
    | ChoiceValue
    | AliasValue
    | DispatchValue
)


@dataclass(frozen=True, slots=True)
class NoneValue:
    """``x = None``, one of a name's bindings: a call through the name reaches only what its
    other bindings hold (`_agree` drops it)."""


NONE = NoneValue()


@dataclass
class FileTables:
    """Per-file lookups built once from a ParsedFile."""

    parsed: ParsedFile
    definitions: dict[str, Definition] = field(default_factory=dict)
    bindings: dict[tuple[str, str], list[Binding]] = field(default_factory=dict)
    imports: dict[tuple[str, str], list[ImportSpec]] = field(default_factory=dict)
    star_imports: dict[str, list[ImportSpec]] = field(default_factory=dict)
    #: class qualified name -> attribute name -> bindings of ``self.<name>`` in its methods
    self_attributes: dict[str, dict[str, list[tuple[str, Binding]]]] = field(default_factory=dict)
    #: (scope, name) -> (first line, last line, annotation) where an isinstance test types it
    narrowed: dict[tuple[str, str], list[tuple[int, int, str]]] = field(default_factory=dict)
    is_package: bool = False

    @classmethod
    def build(cls, parsed: ParsedFile) -> FileTables:
        tables = cls(parsed, is_package=parsed.path.rsplit("/", 1)[-1].startswith("__init__."))
        for definition in parsed.definitions:
            if definition.kind != VARIABLE:  # a Variable is followed through its binding
                tables.definitions[definition.qualified_name] = definition
        bindings, definitions = tables.bindings, tables.definitions
        for binding in parsed.bindings:
            # get-then-append: setdefault would build a list for every binding (tens of
            # thousands a large repository), most of them thrown away
            key = (binding.scope, binding.name)
            found = bindings.get(key)
            if found is None:
                bindings[key] = [binding]
            else:
                found.append(binding)
            if "." in binding.name and binding.name.count(".") == 1:
                receiver, attr = binding.name.split(".")
                method = definitions.get(binding.scope)
                if (
                    method is not None
                    and method.kind == METHOD
                    and method.params
                    and method.params[0] == receiver
                ):
                    tables.self_attributes.setdefault(method.parent, {}).setdefault(
                        attr, []
                    ).append((binding.scope, binding))
        for scope, name, annotation, first, last in parsed.extra.get("narrowed", ()):
            tables.narrowed.setdefault((scope, name), []).append((first, last, annotation))
        for spec in parsed.imports:
            if spec.name == "*":
                tables.star_imports.setdefault(spec.scope, []).append(spec)
            elif spec.name is not None:
                tables.imports.setdefault((spec.scope, spec.alias or spec.name), []).append(spec)
            else:
                bound = spec.alias or spec.module.split(".", 1)[0]
                tables.imports.setdefault((spec.scope, bound), []).append(spec)
        return tables


class PythonResolver:
    """FileResolver for Python; one per ingest run, sharing memoised tables through the index."""

    def __init__(self, index: RepoIndex) -> None:
        self.index = index
        self._depth = 0
        self._in_progress: set[object] = set()

    def memo(self, key: tuple[object, ...], compute: Callable[[], T], cycle: T) -> T:
        """`RepoIndex.memo`, and `cycle` for a computation that comes back to its own key
        (``a = b`` in one module and ``b = a`` in another, a class among its own bases)."""
        if key in self._in_progress:
            return cycle
        self._in_progress.add(key)
        try:
            return self.index.memo(key, compute)
        finally:
            self._in_progress.discard(key)

    # -- entry point ----------------------------------------------------------------------

    def resolve(self, parsed: ParsedFile) -> list[ResolvedEdge]:
        tables = self.tables(parsed.path)
        if tables is None:
            return []
        edges: list[ResolvedEdge] = []
        add = edges.append
        module_ref = Ref(parsed.path, parsed.module)

        for spec in parsed.imports:
            for target in self.imported_modules(tables, spec):
                if target.path != parsed.path:
                    add(ResolvedEdge(RelType.IMPORTS, module_ref, Ref(target.path, target.module)))
        for definition in parsed.definitions:
            if definition.kind != CLASS:
                continue
            for base in self.bases(tables, definition):
                add(
                    ResolvedEdge(
                        RelType.INHERITS, Ref(parsed.path, definition.qualified_name), base.ref
                    )
                )
        for call in parsed.calls:
            caller = tables.definitions.get(call.caller)
            if caller is None or caller.kind == CLASS:
                continue
            value = self.evaluate(tables, call.caller, call.callee, call.line)
            if isinstance(value, DefValue):
                add(ResolvedEdge(RelType.CALLS, Ref(parsed.path, call.caller), value.ref, EXACT))
            elif isinstance(value, ChoiceValue):
                for option in value.options:
                    source = Ref(parsed.path, call.caller)
                    resolution = EXACT if value.exact else HEURISTIC
                    add(ResolvedEdge(RelType.CALLS, source, option.ref, resolution))
        return unique_edges(edges)

    # -- files and modules ----------------------------------------------------------------

    def tables(self, path: str) -> FileTables | None:
        def build() -> FileTables | None:
            parsed = self.index.file(path)
            return FileTables.build(parsed) if parsed is not None else None

        return self.index.memo(("tables", path), build)

    def find_module(self, module: str, near: str) -> ModuleValue | None:
        """The repository module `module`, nearest to the path `near` when names collide."""
        paths = self.index.module_paths(module)
        if not paths:
            return None
        if len(paths) == 1:
            return ModuleValue(paths[0], module)
        best = max(paths, key=lambda p: (_common_prefix(p, near), -len(p)))
        return ModuleValue(best, module)

    def absolute_module(self, tables: FileTables, module: str) -> str | None:
        """`module` as written in an import of this file, made absolute."""
        if not module.startswith("."):
            return module
        level = len(module) - len(module.lstrip("."))
        rest = module[level:]
        package = (
            tables.parsed.module if tables.is_package else tables.parsed.module.rpartition(".")[0]
        )
        parts = package.split(".") if package else []
        if level - 1 > len(parts):
            return None
        if level > 1:
            parts = parts[: len(parts) - (level - 1)]
        if rest:
            parts.append(rest)
        return ".".join(parts) if parts else None

    def import_module(self, tables: FileTables, module: str) -> ModuleValue | None:
        absolute = self.absolute_module(tables, module)
        if absolute is None:
            return None
        found = self.find_module(absolute, tables.parsed.path)
        if found is not None and not module.startswith(".") and _shadows_stdlib(found):
            return None
        if (
            found is None
            and not module.startswith(".")
            and "." in tables.parsed.module
            and not tables.is_package
        ):
            # Script directories and test folders (not packages) import siblings by bare name.
            folder = tables.parsed.module.rpartition(".")[0]
            folder_paths = self.index.module_paths(folder)
            if not any(p.rsplit("/", 1)[-1].startswith("__init__.") for p in folder_paths):
                found = self.find_module(f"{folder}.{absolute}", tables.parsed.path)
        return found

    def imported_modules(self, tables: FileTables, spec: ImportSpec) -> Iterator[ModuleValue]:
        """Repository modules an import statement makes the importer depend on."""
        if spec.name is None or spec.name == "*":
            found = self.import_module(tables, spec.module)
            if found is not None:
                yield found
            return
        base = self.import_module(tables, spec.module)
        if base is None:
            return
        sub = self.find_module(f"{base.module}.{spec.name}", tables.parsed.path)
        yield sub if sub is not None else base

    def import_value(self, tables: FileTables, spec: ImportSpec) -> Value | None:
        """What the name bound by `spec` refers to."""
        if spec.name is None:
            if spec.alias:
                return self.import_module(tables, spec.module)
            return self.import_module(tables, spec.module.split(".", 1)[0])
        base = self.import_module(tables, spec.module)
        if base is None:
            return None
        value = self.module_attribute(base, spec.name)
        if value is None:
            return self.find_module(f"{base.module}.{spec.name}", tables.parsed.path)
        return value

    # -- module attributes ----------------------------------------------------------------

    def module_attribute(self, module: ModuleValue, name: str) -> Value | None:
        key = ("attr", module.path, name)
        return self.memo(key, lambda: self._module_attribute(module, name), cycle=None)

    def _module_attribute(self, module: ModuleValue, name: str) -> Value | None:
        tables = self.tables(module.path)
        if tables is None:
            return None
        scope = tables.parsed.module
        value = self.lookup_in_scope(tables, scope, name)
        if value is not None:
            return value
        if (scope, name) in tables.bindings or (scope, name) in tables.imports:
            return None  # bound, but to something we cannot follow
        for spec in tables.star_imports.get(scope, []):
            source = self.import_module(tables, spec.module)
            if source is None:
                continue
            source_tables = self.tables(source.path)
            exports = source_tables.parsed.exports if source_tables is not None else None
            if (exports is not None and name not in exports) or (
                exports is None and name.startswith("_")
            ):
                continue
            value = self.module_attribute(source, name)
            if value is not None:
                return value
        return self.find_module(f"{module.module}.{name}", module.path)

    # -- scopes ---------------------------------------------------------------------------

    def lookup(self, tables: FileTables, scope: str, name: str) -> Value | None:
        """`name` as seen from code in `scope` (a function, class or the module)."""
        current: str | None = scope
        first = True
        while current is not None:
            definition = tables.definitions.get(current)
            # Class bodies are not enclosing scopes for the functions inside them.
            if definition is None or definition.kind != CLASS or first:
                if definition is None:
                    return self.module_attribute(
                        ModuleValue(tables.parsed.path, tables.parsed.module), name
                    )
                if (
                    name in definition.params
                    or (current, name) in tables.imports
                    or self.binds(tables, current, name)
                ):
                    return self.lookup_in_scope(tables, current, name)
            first = False
            current = definition.parent if definition is not None else None
        return None

    def binds(self, tables: FileTables, scope: str, name: str) -> bool:
        """Whether `name` is bound in `scope` for the code there: a comprehension's variable
        that is not followed is not (it lives in its comprehension)."""
        bindings = tables.bindings.get((scope, name))
        if not bindings:
            return False
        if any(not binding.value.startswith("each:") for binding in bindings):
            return True
        return self.lookup_in_scope(tables, scope, name) is not None

    def lookup_in_scope(self, tables: FileTables, scope: str, name: str) -> Value | None:
        """`name` bound directly in `scope`; None when unbound, unknown or ambiguous."""
        key = ("scope", tables.parsed.path, scope, name)
        return self.memo(key, lambda: self._lookup_in_scope(tables, scope, name), cycle=None)

    def _lookup_in_scope(self, tables: FileTables, scope: str, name: str) -> Value | None:
        definition = tables.definitions.get(scope)
        if definition is not None and name in definition.params:
            return self.parameter(tables, definition, name)
        candidates: list[Value | NoneValue | None] = []
        specs = tables.imports.get((scope, name), [])
        bindings = tables.bindings.get((scope, name), [])
        type_only = set(tables.parsed.extra.get("type_only", ()))
        if bindings or any(spec.line not in type_only for spec in specs):
            # what runs wins over what only a type checker reads
            specs = [spec for spec in specs if spec.line not in type_only]
        for spec in specs:
            candidates.append(self.import_value(tables, spec))
        if not specs:
            bindings = _declared_bindings(tables, bindings)
        for binding in bindings:
            if binding.value.startswith("wrap:"):  # X = wrap(X): probably still the def
                target, _, callees = binding.value[5:].partition(":")
                found = tables.definitions.get(target)
                if found is not None:
                    wrapped = DefValue(tables.parsed.path, target, found.kind)
                    same = all(self.gives_back(tables, scope, c) for c in callees.split(","))
                    candidates.append(wrapped if same else ChoiceValue((wrapped,)))
                    continue
            if binding.value.startswith("def:"):
                qname = binding.value[4:]
                found = tables.definitions.get(qname)
                if found is not None:
                    candidates.append(DefValue(tables.parsed.path, qname, found.kind))
                continue
            if binding.value.startswith("each:"):  # a comprehension's variable
                each = self.bound_value(tables, scope, replace(binding, value=binding.value[5:]))
                if each is not None:  # else a name outside the comprehension
                    candidates.append(each)
                continue
            if _rebinds_itself(binding, name):
                continue
            candidates.append(self.bound_value(tables, scope, binding))
        return self.rebinding_agrees(tables, scope, name, bindings, _agree(candidates))

    def gives_back(self, tables: FileTables, scope: str, callee: str) -> bool:
        """Whether `callee` (read in `scope`) is a function that returns its first argument
        unchanged (`extra["identity"]` of its file): ``X = f(X)`` is then still X, exactly. Not
        a method: a bound one's first parameter is not its first argument."""
        found = self.evaluate(tables, scope, callee) if callee != UNKNOWN else None
        if not isinstance(found, DefValue) or found.kind != FUNCTION:
            return False
        where = self.tables(found.path)
        return where is not None and found.qualified_name in where.parsed.extra.get("identity", ())

    def rebinding_agrees(
        self,
        tables: FileTables,
        scope: str,
        name: str,
        bindings: Sequence[Binding],
        agreed: Value | None,
    ) -> Value | None:
        """`agreed`, what a name's other bindings hold, when each ``x = x.m()`` among
        `bindings` gives it back (httpx's ``url = url.copy_with(...)``, declared ``-> URL``);
        None when one gives anything else (``x = x.strip()``)."""
        for binding in bindings:
            if not _rebinds_itself(binding, name):
                continue
            if agreed is None:
                return None
            head, _, tail = binding.value.partition(".")
            value = self.call_result(agreed) if head.endswith("()") else agreed
            if value is None or self.follow(value, tail.split(".") if tail else []) != agreed:
                return None
        return agreed

    def lookup_at(self, tables: FileTables, scope: str, name: str, line: int) -> Value | None:
        """`name` read at `line` of `scope`. A parameter its function assigns again (``def
        f(url): url = URL(url)``) holds, after the first assignment, what all of them agree
        on, unless its annotation names one class; before it, the parameter. Inside an
        isinstance test's lines the name is an instance of what it tests, unless the scope
        binds it again there."""
        narrowed = self.narrowed_at(tables, scope, name, line)
        if narrowed is not None:
            return narrowed
        definition = tables.definitions.get(scope)
        if definition is not None and name in definition.params:
            rebound = self.reassigned(tables, definition, name)
            if rebound is not None and line > rebound[0]:
                return rebound[1]
        return self.lookup(tables, scope, name)

    def narrowed_at(self, tables: FileTables, scope: str, name: str, line: int) -> Value | None:
        """What an isinstance test makes `name` (``x`` or ``self.x``) at `line`, if one does
        there and the scope does not bind the name again in its lines."""
        for first, last, annotation in tables.narrowed.get((scope, name), ()):
            if first <= line <= last and not any(
                first <= binding.line <= last for binding in tables.bindings.get((scope, name), ())
            ):
                narrowed = self.declared(tables, scope, annotation)
                if narrowed is not None:
                    return narrowed
        return None

    def reassigned(
        self, tables: FileTables, function: Definition, name: str
    ) -> tuple[int, Value] | None:
        """The first line assigning the parameter `name` in `function`'s body, and the one
        value every assignment there agrees on; None when there is none, or the parameter's
        annotation already types it."""
        key = ("reassigned", tables.parsed.path, function.qualified_name, name)
        return self.memo(key, lambda: self._reassigned(tables, function, name), cycle=None)

    def _reassigned(
        self, tables: FileTables, function: Definition, name: str
    ) -> tuple[int, Value] | None:
        scope = function.qualified_name
        bindings = tables.bindings.get((scope, name), [])
        body = [binding for binding in bindings if not binding.annotation]
        declared = self.parameter(tables, function, name)
        if not body or (declared is not None and not isinstance(declared, NarrowedValue)):
            return None  # an annotation that types it (`url: URL`) holds throughout
        if any(binding.value.startswith(("each:", "def:", "wrap:")) for binding in body):
            return None  # a comprehension's own variable, or a def: not a plain assignment
        candidates = [
            self.bound_value(tables, scope, binding)
            for binding in body
            if not _rebinds_itself(binding, name)
        ]
        agreed = self.rebinding_agrees(tables, scope, name, body, _agree(candidates))
        if agreed is None or isinstance(agreed, ChoiceValue):
            return None
        return min(binding.line for binding in body), agreed

    def bound_value(
        self, tables: FileTables, scope: str, binding: Binding
    ) -> Value | NoneValue | None:
        """What `binding` holds, read in `scope`; an annotation means an instance of its class."""
        if binding.value == UNKNOWN:
            return None
        if binding.value == "None" and not binding.annotation:
            return NONE
        if binding.value.endswith("[]") and not binding.annotation:  # an element
            held = self.evaluate(tables, scope, binding.value[:-2], binding.line)
            if isinstance(held, MappingValue):  # iterating a dict walks its keys
                return held.held(held.key)
            if isinstance(held, InstanceValue):  # a class of its own: what its __iter__ gives
                held = self.follow(held, ["__iter__()"])
            return held.element() if isinstance(held, ElementsValue) else None
        if binding.value.startswith("elements:") and not binding.annotation:
            item = self.evaluate(tables, scope, binding.value[9:], binding.line)
            return ElementsValue(item.cls) if isinstance(item, InstanceValue) else None
        if binding.value.endswith((".items()[0]", ".items()[1]")) and not binding.annotation:
            held = self.evaluate(tables, scope, binding.value[:-11], binding.line)
            if not isinstance(held, MappingValue):
                return None
            return held.held(held.key) if binding.value.endswith("[0]") else held.held_value()
        if binding.value.startswith("unpack:") and not binding.annotation:
            _, index, expression = binding.value.split(":", 2)
            held = self.evaluate(tables, scope, expression, binding.line)
            if isinstance(held, ElementsValue):  # `a, b = pair` of a `list[Foo]`
                return held.element()
            return held.item(int(index)) if isinstance(held, TupleValue) else None
        if binding.annotation:
            return self.declared(tables, scope, binding.value)
        if binding.value.startswith("alias:"):
            return AliasValue(tables.parsed.path, scope, binding.value[6:])
        if binding.value.startswith("dict:") and not binding.annotation:
            entries = [entry.partition("=") for entry in binding.value[5:].split(",")]
            table = [self.evaluate(tables, scope, name) for _, _, name in entries]
            defs = [v for v in table if isinstance(v, DefValue) and v.kind != METHOD]
            keys = tuple(key for key, _, _ in entries)
            return DispatchValue(tuple(defs), keys) if len(defs) == len(table) else None
        return self.evaluate(tables, scope, binding.value, binding.line)

    def declared(self, tables: FileTables, scope: str, annotation: str) -> Value | None:
        """What a value annotated `annotation` (as `annotation_value` reads it) holds; the
        class itself for ``type:C`` (``response_class: type[Response]``)."""
        if annotation.startswith("("):
            items = [
                self.declared(tables, scope, part) if part else None for part in _parts(annotation)
            ]
            return TupleValue(tuple(items))
        if annotation.startswith("{"):
            key, value = (
                self.declared(tables, scope, part) if part else None for part in _parts(annotation)
            )
            classes_held = isinstance(value, DefValue) and value.kind == CLASS
            if (
                not isinstance(key, InstanceValue)
                and not isinstance(value, InstanceValue | ElementsValue)
                and not classes_held
            ):
                return None
            held_cls = value.cls if isinstance(value, InstanceValue | ElementsValue) else None
            return MappingValue(
                key.cls if isinstance(key, InstanceValue) else None,
                value if isinstance(value, DefValue) and classes_held else held_cls,
                many=isinstance(value, ElementsValue),
                of_class=classes_held,
            )
        if "|" in annotation:
            held, *others = annotation.split("|")
            if all(hasattr(builtins, other) for other in others):
                instance = self.declared(tables, scope, held)
                if not isinstance(instance, InstanceValue):
                    return None
                return NarrowedValue(instance.cls, tuple(others))
            instances = [self.declared(tables, scope, part) for part in (held, *others)]
            sequences = [i.cls for i in instances if isinstance(i, ElementsValue)]
            if len(sequences) == len(instances):  # `A[]|B[]`: `list[A | B]`
                return ElementsValue(sequences[0], tuple(sequences[1:]))
            classes = [i.cls for i in instances if isinstance(i, InstanceValue)]
            return UnionValue(tuple(classes)) if len(classes) == len(instances) else None
        elements = annotation.endswith("[]")
        name = annotation.removesuffix("[]")
        of_class = name.startswith("type:")
        cls = self.evaluate(tables, scope, name.removeprefix("type:"))
        if isinstance(cls, AliasValue) and not elements and not of_class:
            return self.aliased(cls)
        if not isinstance(cls, DefValue) or cls.kind != CLASS:
            return None
        if of_class:
            return None if elements else cls
        return ElementsValue(cls) if elements else InstanceValue(cls)

    def aliased(self, alias: AliasValue) -> Value | None:
        """What an annotation naming a type alias holds: what the alias's own annotation does,
        read where it is declared (an alias of an alias too, to a bounded depth)."""
        tables = self.tables(alias.path)
        if tables is None or self._depth > _MAX_DEPTH:
            return None
        self._depth += 1
        try:
            return self.declared(tables, alias.scope, alias.annotation)
        finally:
            self._depth -= 1

    def parameter(self, tables: FileTables, function: Definition, name: str) -> Value | None:
        annotated = [
            b for b in tables.bindings.get((function.qualified_name, name), []) if b.annotation
        ]
        if function.kind == METHOD and function.params and function.params[0] == name:
            decorators = set(function.decorators)
            if "staticmethod" in decorators:
                pass
            else:
                owner = tables.definitions.get(function.parent)
                if owner is None:
                    return None
                cls = DefValue(tables.parsed.path, owner.qualified_name, CLASS)
                return cls if "classmethod" in decorators else InstanceValue(cls)
        if len({binding.value for binding in annotated}) == 1:  # overloads may repeat it
            scope = _parent(tables, function.qualified_name) or tables.parsed.module
            value = self.declared(tables, scope, annotated[0].value)
            if isinstance(value, DefValue):  # `tag_class: type[JSONTag]`: any subclass of it
                return ChoiceValue((value,))
            return value
        return None

    # -- expressions ----------------------------------------------------------------------

    def evaluate(
        self, tables: FileTables, scope: str, expression: str, line: int | None = None
    ) -> Value | None:
        """A dotted expression such as ``mod.Cls().method`` evaluated in `scope`, at `line`
        when known (a parameter assigned again holds the new value after it)."""
        if self._depth > _MAX_DEPTH:
            return None
        self._depth += 1
        try:
            return self._evaluate(tables, scope, expression, line)
        finally:
            self._depth -= 1

    def _evaluate(
        self, tables: FileTables, scope: str, expression: str, line: int | None
    ) -> Value | None:
        parts = expression.split(".")
        head = parts[0]
        called = head.endswith("()")
        name = head[:-2] if called else head
        value: Value | None
        if line is not None and not called and len(parts) > 1:
            narrowed = self.narrowed_chain(tables, scope, parts, line)
            if narrowed is not None:
                return narrowed
        if name == "super" and called:
            value = self.super_value(tables, scope)
            called = False
        elif line is not None:
            value = self.lookup_at(tables, scope, name, line)
        else:
            value = self.lookup(tables, scope, name)
        if value is not None and called:
            value = self.call_result(value)
        return self.follow(value, parts[1:])

    def narrowed_chain(
        self, tables: FileTables, scope: str, parts: Sequence[str], line: int
    ) -> Value | None:
        """``self.x.m()`` inside ``if isinstance(self.x, C):``: the longest dotted prefix an
        isinstance test narrows at `line`, followed through the rest of the chain."""
        for length in range(len(parts), 1, -1):
            prefix = parts[:length]
            if any(part.endswith("()") for part in prefix):
                continue
            value = self.narrowed_at(tables, scope, ".".join(prefix), line)
            if value is not None:
                return self.follow(value, parts[length:])
        return None

    def follow(self, value: Value | None, parts: Sequence[str]) -> Value | None:
        """`value` followed through the attributes and calls `parts` (``["m()", "x"]``)."""
        for part in parts:
            if value is None:
                return None
            called = part.endswith("()")
            attr = part[:-2] if called else part
            if attr == "#call":  # `loops[kind](...)`: calling what the chain gave
                value = self.call_result(value)
                continue
            if attr.startswith("__getitem__:") and not isinstance(value, DispatchValue):
                attr = "__getitem__"  # a key only a dict literal's table reads
            if isinstance(value, MappingValue | DispatchValue):
                value = value.method(attr) if called else None
                continue
            if isinstance(value, ElementsValue):
                value = value.method(attr) if called else None
                continue
            if attr == "__getitem__" and not isinstance(value, InstanceValue):
                return None  # `Foo[int]` on a class is `__class_getitem__`
            receiver, value = value, self.attribute(value, attr)
            if value is not None and called:
                value = self.call_result(value, receiver)
        return value

    def super_value(self, tables: FileTables, scope: str) -> Value | None:
        current = tables.definitions.get(scope)
        while current is not None and current.kind != METHOD:
            current = tables.definitions.get(current.parent)
        if current is None:
            return None
        owner = tables.definitions.get(current.parent)
        if owner is None:
            return None
        return SuperValue(DefValue(tables.parsed.path, owner.qualified_name, CLASS))

    def call_result(self, value: Value, receiver: Value | None = None) -> Value | None:
        """What calling `value` returns; `receiver` is what it was looked up on, which a
        method declared ``-> Self`` returns (an instance of the class it was called on)."""
        if isinstance(value, DefValue):
            if value.kind == CLASS:
                return InstanceValue(value)
            tables = self.tables(value.path)
            definition = tables.definitions.get(value.qualified_name) if tables else None
            if tables is None or definition is None or not definition.returns:
                return None
            if definition.kind == METHOD and _returns_receiver(tables, definition):
                return _self_of(receiver)
            return self.declared(tables, definition.parent, definition.returns)
        if isinstance(value, ChoiceValue) and all(o.kind == CLASS for o in value.options):
            classes = value.options  # one of these classes, or a subclass: an instance of it
            return InstanceValue(classes[0]) if len(classes) == 1 else UnionValue(classes)
        return None

    def attribute(self, value: Value, name: str) -> Value | None:
        if isinstance(value, ModuleValue):
            return self.module_attribute(value, name)
        if isinstance(value, DefValue):
            if value.kind != CLASS:
                return None
            return self.class_attribute(value, name, instance=False)
        if isinstance(value, InstanceValue):
            return self.class_attribute(value.cls, name, instance=True)
        if isinstance(value, NarrowedValue):
            return self.class_attribute(value.cls, name, True) if value.answers(name) else None
        if isinstance(value, UnionValue):
            return _either(self.class_attribute(cls, name, True) for cls in value.classes)
        if isinstance(
            value,
            ChoiceValue | ElementsValue | MappingValue | TupleValue | AliasValue | DispatchValue,
        ):
            return None
        mro = self.mro(value.cls)
        for cls in mro[1:]:
            found = self.own_attribute(cls, name, instance=True)
            if found is not None:
                return found
        return None

    # -- classes --------------------------------------------------------------------------

    def bases(self, tables: FileTables, definition: Definition) -> list[DefValue]:
        found: list[DefValue] = []
        scope = definition.parent
        for base in definition.bases:
            if base == UNKNOWN:
                continue
            value = self.evaluate(tables, scope, base)
            if isinstance(value, DefValue) and value.kind == CLASS:
                found.append(value)
        return found

    def mro(self, cls: DefValue) -> list[DefValue]:
        key = ("mro", cls.path, cls.qualified_name)
        return self.memo(key, lambda: self._mro(cls), cycle=[cls])

    def _mro(self, cls: DefValue) -> list[DefValue]:
        tables = self.tables(cls.path)
        definition = tables.definitions.get(cls.qualified_name) if tables else None
        if tables is None or definition is None:
            return [cls]
        order = [cls]
        for base in self.bases(tables, definition):
            for item in self.mro(base):
                if item not in order:
                    order.append(item)
        return order

    def class_attribute(self, cls: DefValue, name: str, instance: bool) -> Value | None:
        for owner in self.mro(cls):
            found = self.own_attribute(owner, name, instance)
            if found is not None:
                return found
        return None

    def own_attribute(self, cls: DefValue, name: str, instance: bool) -> Value | None:
        key = ("member", cls.path, cls.qualified_name, name, instance)
        return self.memo(key, lambda: self._own_attribute(cls, name, instance), cycle=None)

    def _own_attribute(self, cls: DefValue, name: str, instance: bool) -> Value | None:
        tables = self.tables(cls.path)
        if tables is None:
            return None
        qname = f"{cls.qualified_name}.{name}"
        member = tables.definitions.get(qname)
        if member is not None and member.parent == cls.qualified_name:
            if member.kind == METHOD and any(map(_is_property, member.decorators)):
                return (
                    self.call_result(DefValue(cls.path, qname, member.kind)) if instance else None
                )
            return DefValue(cls.path, qname, member.kind)
        if (cls.qualified_name, name) in tables.bindings:
            return self.lookup_in_scope(tables, cls.qualified_name, name)
        if instance:
            assigned = tables.self_attributes.get(cls.qualified_name, {}).get(name)
            if assigned:
                kept = _declared_bindings(tables, [binding for _, binding in assigned])
                assigned = [(method, binding) for method, binding in assigned if binding in kept]
                return _agree(
                    [self.bound_value(tables, method, binding) for method, binding in assigned]
                )
        return None


def _agree(candidates: Sequence[Value | NoneValue | None]) -> Value | None:
    """The one value every candidate agrees on; None if they differ, except that functions,
    methods and classes are a `ChoiceValue` of all of them, beside values not followed too
    (jinja's ``func = make_attrgetter(...)`` or else ``def func``: calling it may run the
    def). A `NoneValue` agrees with anything (calling None runs nothing)."""
    values = [c for c in candidates if not isinstance(c, NoneValue)]
    if not values:
        return None
    first = values[0]
    if all(other == first for other in values[1:]):
        return first
    options: dict[DefValue, None] = {}
    for candidate in values:
        if isinstance(candidate, DefValue) and candidate.kind in (CLASS, FUNCTION, METHOD):
            options[candidate] = None
        elif isinstance(candidate, ChoiceValue):
            options.update(dict.fromkeys(candidate.options))
        elif candidate is not None:
            return None
    return ChoiceValue(tuple(options)) if options else None


def _rebinds_itself(binding: Binding, name: str) -> bool:
    """``x = x.m()``: the new value is read from the old one."""
    return binding.value.split(".", 1)[0].removesuffix("()") == name


def _declared_bindings(tables: FileTables, bindings: list[Binding]) -> list[Binding]:
    """The one annotation of a name when it has one (``cap: _FDCapture | None = None``, then
    ``cap = _FDCapture(1)``; ``self.field: Field = String()``): a declared type holds for
    every assignment, as a type checker reads it. A name an ``except`` clause binds keeps all
    its bindings, each lives in its clause only."""
    declared = [binding for binding in bindings if binding.annotation]
    if not declared or len(declared) == len(bindings):
        return bindings
    if len({binding.value for binding in declared}) != 1:
        return bindings
    caught = tables.parsed.extra.get("caught", ())
    if any(binding.line in caught for binding in bindings):
        return bindings
    return declared[:1]


def _is_property(decorator: str) -> bool:
    """``@property``, or a cached one (``functools.cached_property``, werkzeug's and
    Django's ``cached_property``): reading the attribute runs the method."""
    return decorator == "property" or decorator.rsplit(".", 1)[-1] == "cached_property"


def _either(found: Iterable[Value | None]) -> Value | None:
    """What an attribute of a `UnionValue` is: the one value its classes agree on, or all
    their methods (the classes that lack it are not what the value is)."""
    options = list(dict.fromkeys(value for value in found if value is not None))
    if len(options) == 1:
        return options[0]
    methods = [option for option in options if isinstance(option, DefValue)]
    return ChoiceValue(tuple(methods), exact=True) if methods and methods == options else None


def _returns_receiver(tables: FileTables, method: Definition) -> bool:
    """``-> Self``, or ``def __enter__(self: T) -> T`` (httpx's ``T = TypeVar("T",
    bound="Client")``): the method returns what it was called on. Also ``cls: type[T]``."""
    returns = str(method.returns)
    if returns.rsplit(".", 1)[-1] == "Self":
        return True
    if not method.params:
        return False
    first = tables.bindings.get((method.qualified_name, method.params[0]), [])
    return any(b.annotation and b.value in (returns, f"type[{returns}]") for b in first)


def _self_of(receiver: Value | None) -> Value | None:
    """What ``Self`` is for a method called on `receiver` (an instance, or a class)."""
    if isinstance(receiver, InstanceValue):
        return receiver
    if isinstance(receiver, NarrowedValue):
        return InstanceValue(receiver.cls)
    if isinstance(receiver, DefValue) and receiver.kind == CLASS:
        return InstanceValue(receiver)
    return None


def _parent(tables: FileTables, scope: str) -> str | None:
    definition = tables.definitions.get(scope)
    return definition.parent if definition is not None else None


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        count += 1
    return count


#: Folders a package can be imported from as a top-level name: the repository's root, and the
#: usual source roots (cpython's own `Lib/`).
_IMPORT_ROOTS = frozenset({"", "src", "lib", "Lib"})
#: The standard library's top-level names, less `test` (CPython's own suite, which no code
#: imports, where projects' test packages go by that name).
_STDLIB = sys.stdlib_module_names - {"test"}


def _shadows_stdlib(found: ModuleValue) -> bool:
    """A repository package named like a standard-library module (typer's documentation
    examples have `docs_src/parameter_types/enum/`) is not what `import enum` imports, unless it
    sits where imports start (the repository's root, `src/`): every `from enum import Enum` was
    an exact IMPORTS edge to an empty example."""
    top = found.module.split(".", 1)[0]
    if top not in _STDLIB:
        return False
    depth = found.module.count(".") + 1
    parts = PurePosixPath(found.path).parts
    is_package = parts[-1].startswith("__init__.")
    root = parts[: len(parts) - depth - (1 if is_package else 0)]
    return "/".join(root) not in _IMPORT_ROOTS
