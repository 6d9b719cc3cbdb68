"""Rust: module paths from Cargo.toml and the file tree, a tree-sitter parse, and a resolver.

Naming. A Module is one ``.rs`` file, named by its module path with the crate's name first
(the target's name from ``Cargo.toml`` with ``-`` as ``_``: ``[lib]`` and ``[[bin]]`` names and
paths, else the package's name): ``src/lib.rs`` and ``src/main.rs`` are the crate
(``grep_searcher``), ``src/sink.rs`` and ``src/sink/mod.rs`` are ``grep_searcher::sink``,
``src/bin/rg.rs`` is the crate ``rg``, and so is a ``[[bin]] name = "rg"`` at
``crates/core/main.rs``, whose ``crates/core/flags/mod.rs`` is ``rg::flags``. Items are named
by their path: ``grep_searcher::sink::Sink``, a method
``grep_searcher::sink::SinkError::error_message`` (``<module of the impl>::<Self
type>::<method>``), an inline ``mod tests { .. }`` adds its name.

Kinds. Structs, enums and unions are Classes, traits are Interfaces, free functions are
Functions, functions of an ``impl`` or a ``trait`` are Methods (the type's Class CONTAINS them
when the type is declared in the same file, else the file's Module does). Items inside function
bodies are not modelled, and neither is anything a macro expands to (tree-sitter does not
expand macros): the arguments of the standard expression macros (``assert_eq!``, ``vec!``,
``println!``, ``write!``...) are read as code, and a ``macro_rules!`` of the same file is
expanded where it is invoked (`rust_macros`); other macros are not read.

Edges. ``use`` IMPORTS the files of the modules it names (or that declare the items it names),
``mod x;`` IMPORTS the file of ``x``. ``impl Trait for Type`` is IMPLEMENTS (Type → Trait) and a
supertrait (``trait A: B``) INHERITS. Calls: a path (``f()``, ``module::f()``, ``Type::new()``,
``Self::f()``, ``crate::a::f()``), ``self.m()``, and ``x.m()`` where ``x`` is a parameter or a
``let`` of a declared type, a struct literal, a field of ``self`` of a declared type, or what a
function declared to return a type returned (``let s = Store::open(); s.save()``), are exact:
Rust infers no function's type, so each of them is what the compiler picks. An element of a
declared sequence (``Vec<T>``, a slice, ``impl Iterator<Item = T>``) is a ``T`` in a ``for``
loop, at an index, in an iterator's closure and after ``first()``/``next()``...; ``?``,
``unwrap()`` and ``expect()`` take the ``T`` out of an ``Option<T>`` or ``Result<T, E>``, and
so do ``Some(x)`` and ``Ok(x)`` in a ``match`` arm or an ``if let``; a tuple variant's pattern
(``Literal(ref s)``) binds its fields' declared types.
Methods are found in the ``impl`` blocks of the type's modules in its crate (inherent first,
then its trait impls, then the traits' provided methods); a value of a type parameter
(``m: &M`` with ``M: Matcher``) calls its first bound's methods. Calls whose receiver type is
not declared are left out.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphmem.ingest.language import (
    CLASS,
    EXACT,
    FUNCTION,
    HEURISTIC,
    INTERFACE,
    METHOD,
    Binding,
    CallSite,
    FileResolver,
    ParsedFile,
    Ref,
    RepoIndex,
    RepoLayout,
    ResolvedEdge,
    unique_edges,
)
from graphmem.ingest.rust_macros import MacroRule, expand, invocation_tokens, macro_rules
from graphmem.ingest.syntax import (
    Scope,
    SourceParse,
    grammar,
    in_source_order,
    line,
    parser_for,
    tree_root,
)
from graphmem.model import RelType

if TYPE_CHECKING:
    from tree_sitter import Node

_PATH = re.compile(r"[A-Za-z_]\w*(?:::[A-Za-z_]\w*)*")
_WRAPPERS = frozenset({"Box", "Rc", "Arc", "RefCell", "Cell", "Mutex", "RwLock"})
#: Collections whose elements a loop, an index or an iterator's closure gets (``T[]``).
_SEQUENCES = frozenset({"Vec", "VecDeque", "LinkedList", "BinaryHeap", "BTreeSet", "HashSet"})
_ITERATOR_TRAITS = frozenset(
    {"Iterator", "IntoIterator", "DoubleEndedIterator", "ExactSizeIterator"}
)
#: What ``?``, ``unwrap()`` and ``expect()`` take the value out of (``T?``).
_FALLIBLE = frozenset({"Option", "Result"})
#: Calls on a sequence that give a sequence of the same elements.
_SAME_ELEMENTS = frozenset(
    {
        "iter", "iter_mut", "into_iter", "rev", "skip", "take", "filter", "cloned", "copied",
        "by_ref", "peekable", "step_by", "chain", "skip_while", "take_while", "inspect", "drain",
        "as_slice", "as_mut_slice", "to_vec", "clone", "as_ref", "as_mut",
    }
)  # fmt: skip
#: Calls on a sequence that give an Option of one element.
_ONE_ELEMENT = frozenset(
    {
        "first", "last", "get", "get_mut", "first_mut", "last_mut", "next", "next_back", "pop",
        "pop_front", "pop_back", "front", "back", "find", "nth", "max_by_key", "min_by_key",
        "max_by", "min_by", "peek",
    }
)  # fmt: skip
#: Calls that take the value out of an Option or a Result; and those that keep it wrapped.
_UNWRAPS = frozenset({"unwrap", "expect", "unwrap_or_default", "unwrap_unchecked"})
_STILL_WRAPPED = frozenset({"as_ref", "as_mut", "as_deref", "as_deref_mut", "cloned", "copied"})
#: Iterator and slice methods whose closure's first parameter is an element (both of
#: `_PAIRWISE`'s are).
_ELEMENT_CLOSURES = frozenset(
    {
        "map", "filter", "for_each", "any", "all", "find", "filter_map", "flat_map", "inspect",
        "position", "take_while", "skip_while", "map_while", "find_map", "partition",
        "max_by_key", "min_by_key", "sort_by_key", "sort_unstable_by_key", "sort_by_cached_key",
        "retain", "try_for_each", "dedup_by_key",
    }
)  # fmt: skip
#: Methods of the standard traits that every repository type gets (``Clone``, ``Borrow``,
#: ``RefCell``'s, which `_WRAPPERS` sees through) and that give a value of the same type, when
#: the type declares no method of that name.
_SAME_VALUE = frozenset({"clone", "borrow", "borrow_mut"})
#: A field's name: a struct's, or a place of a tuple or tuple struct (``self.0``).
_FIELD_NAMES = frozenset({"field_identifier", "integer_literal"})
#: What an argument list holds besides the arguments.
_NOT_ARGUMENTS = frozenset({"line_comment", "block_comment", "attribute_item"})
_PAIRWISE = frozenset({"sort_by", "sort_unstable_by", "max_by", "min_by", "dedup_by"})
#: A step of an expression as `chain` writes it: a name, then calls ``()``, ``?`` and
#: indexing ``[]`` in order.
_STEP = re.compile(r"(.*?)((?:\(\)|\?|\[\])*)")
_OPERATIONS = re.compile(r"\(\)|\?|\[\]")
_FUNCTIONS = frozenset({FUNCTION, METHOD})
_MAX_DEPTH = 12
#: How deep macros expanding to macros are followed.
_MAX_EXPANSIONS = 4
#: Standard macros whose arguments are expressions (read as a call's arguments).
_EXPRESSION_MACROS = frozenset(
    {"assert", "assert_eq", "assert_ne", "debug_assert", "debug_assert_eq", "debug_assert_ne"}
    | {"vec", "format", "format_args", "print", "println", "eprint", "eprintln", "write"}
    | {"writeln", "panic", "dbg", "unreachable", "todo", "unimplemented"}
)
#: Crates whose macros are read as `_EXPRESSION_MACROS` when named by path (``std::write!``,
#: ``log::debug!``, ``anyhow::bail!``): each of these takes expressions, or format arguments.
_EXPRESSION_MACRO_CRATES = {
    "std": _EXPRESSION_MACROS,
    "core": _EXPRESSION_MACROS,
    "alloc": _EXPRESSION_MACROS,
    "log": frozenset({"log", "trace", "debug", "info", "warn", "error"}),
    "anyhow": frozenset({"anyhow", "bail", "ensure", "format_err"}),
}


@cache
def _crate_roots(cargo_toml: Path, mtime_ns: int) -> tuple[tuple[str, str], ...]:
    """(root file relative to the manifest, crate name) of a package's targets: the library
    first (``[lib]``'s ``path`` and ``name``, else ``src/lib.rs``), then ``[[bin]]`` targets and
    ``src/main.rs``. Empty for a virtual workspace manifest or an unreadable one."""
    try:
        data = tomllib.loads(cargo_toml.read_text(encoding="utf-8", errors="replace"))
    except (OSError, tomllib.TOMLDecodeError):
        return ()
    package = data.get("package")
    name = package.get("name") if isinstance(package, dict) else None
    if not isinstance(name, str) or not name:
        return ()
    lib = data.get("lib")
    lib = lib if isinstance(lib, dict) else {}
    roots = [(str(lib.get("path", "src/lib.rs")), str(lib.get("name", name)))]
    for binary in data.get("bin", []) if isinstance(data.get("bin"), list) else []:
        if isinstance(binary, dict) and isinstance(binary.get("name"), str):
            default = "src/main.rs" if binary["name"] == name else f"src/bin/{binary['name']}.rs"
            roots.append((str(binary.get("path", default)), binary["name"]))
    roots.append(("src/main.rs", name))
    return tuple((posixpath.normpath(root), crate.replace("-", "_")) for root, crate in roots)


def rust_module_path(path: str, layout: RepoLayout) -> str:
    """The module path of a ``.rs`` file (see the module docstring)."""
    probe = posixpath.dirname(path)
    while True:
        manifest = f"{probe}/Cargo.toml" if probe else "Cargo.toml"
        if manifest in layout.files:
            file = layout.root / manifest
            try:
                mtime = file.stat().st_mtime_ns
            except OSError:
                mtime = 0
            roots = _crate_roots(file, mtime)
            if roots:
                relative = posixpath.relpath(path, probe or ".")
                present = [
                    (root, crate)
                    for root, crate in roots
                    if posixpath.join(probe, root) in layout.files
                ]
                return _in_target(relative, present) or _within_crate(roots[0][1], relative)
        if not probe:
            break
        probe = posixpath.dirname(probe)
    top = path.split("/", 1)[0] if "/" in path else "crate"
    return _within_crate(top.replace("-", "_"), path.split("/", 1)[-1])


def _in_target(relative: str, roots: list[tuple[str, str]]) -> str | None:
    """The module path of a file under one of the targets' root folders (the deepest; the
    library when a library and a binary share a folder)."""
    best: tuple[int, str, str] | None = None
    for root, crate in roots:
        if relative == root:
            return crate
        folder = posixpath.dirname(root)
        inside = not folder or relative.startswith(folder + "/")
        if (
            inside
            and not relative.startswith("src/bin/")
            and (best is None or len(folder) > best[0])
        ):
            best = (len(folder), folder, crate)
    if best is None:
        return None
    _, folder, crate = best
    inner = relative[len(folder) + 1 :] if folder else relative
    parts = inner[:-3].split("/") if inner.endswith(".rs") else inner.split("/")
    if parts and parts[-1] == "mod":
        parts = parts[:-1]
    return "::".join([crate, *parts])


def _within_crate(crate: str, relative: str) -> str:
    parts = relative[:-3].split("/") if relative.endswith(".rs") else relative.split("/")
    if parts and parts[0] == "src":
        parts = parts[1:]
        if parts[:1] == ["bin"] and len(parts) >= 2:
            return parts[1]  # src/bin/x.rs and src/bin/x/main.rs are the binary crate x
    if parts and parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return "::".join([crate, *parts])


def _bare(text: str) -> str:
    """A type without lifetimes, without the references, pointers, ``dyn`` and ``impl`` around
    it, and without the bounds after its first (``+ Send``)."""
    text = re.sub(r"'\w+\s*", "", text).strip()
    text = re.sub(r"^(&\s*(mut\s+)?|\*(const|mut)\s+|dyn\s+|impl\s+)+", "", text).strip()
    return re.sub(r"\s*\+[^<>]*$", "", text)  # `dyn Sink + Send`: the first bound


def _first_argument(arguments: str) -> str:
    """The first of a generic's comma-separated arguments (``Store, Error`` -> ``Store``)."""
    depth = 0
    for position, char in enumerate(arguments):
        if char in "<([":
            depth += 1
        elif char in ">)]":
            depth -= 1
        elif char == "," and depth == 0:
            return arguments[:position].strip()
    return arguments.strip()


def declared_type(text: str) -> str | None:
    """What a declared type says a value is, as the resolver reads it: a type's path
    (`type_path`), a sequence of one (``Vec<Entry>``, ``&[Entry]``, ``impl Iterator<Item =
    Entry>``: ``Entry[]``), or an ``Option`` or ``Result`` of one (``Result<Store, E>``:
    ``Store?``)."""
    text = _bare(text)
    array = re.fullmatch(r"\[(.*?)(?:;.*)?\]", text, re.DOTALL)
    if array is not None:
        item = type_path(array.group(1))
        return f"{item}[]" if item is not None else None
    generic = re.fullmatch(r"([A-Za-z_][\w:]*)\s*<(.*)>", text, re.DOTALL)
    if generic is not None:
        head = generic.group(1).rsplit("::", 1)[-1]
        first = _first_argument(generic.group(2))
        if head in _WRAPPERS:
            return declared_type(first)
        if head in _ITERATOR_TRAITS and first.startswith("Item") and "=" in first:
            first, suffix = first.split("=", 1)[1], "[]"
        elif head in _SEQUENCES:
            suffix = "[]"
        elif head in _FALLIBLE:
            suffix = "?"
        else:
            return type_path(text)
        item = type_path(first)
        return f"{item}{suffix}" if item is not None else None
    return type_path(text)


def type_path(text: str) -> str | None:
    """``&mut Box<a::Store<T>>`` -> ``a::Store``; None for tuples, slices, fn types."""
    text = _bare(text)
    while True:
        match = re.fullmatch(r"([A-Za-z_][\w:]*)\s*<(.*)>", text, re.DOTALL)
        if match is None:
            break
        head = match.group(1).rsplit("::", 1)[-1]
        if head in _WRAPPERS:
            text = match.group(2).strip()
            text = re.sub(r"^(&\s*(mut\s+)?|dyn\s+)+", "", text).strip()
        else:
            text = match.group(1)
    return text if _PATH.fullmatch(text) else None


class RustSupport:
    """LanguageSupport for Rust."""

    name = "rust"
    extensions = (".rs",)

    def module_name(self, path: str, layout: RepoLayout) -> str:
        return rust_module_path(path, layout)

    def parse(self, path: str, source: bytes, module: str) -> ParsedFile:
        return _RustParse(path, source, module).run()

    def resolver(self, index: RepoIndex) -> FileResolver:
        return RustResolver(index)


# -- parsing --------------------------------------------------------------------------------


@dataclass(slots=True)
class _ImplScope(Scope):
    """An ``impl`` block: [prefix, self type, trait, method names], as `extra["impls"]` keeps
    it."""

    impl: list[Any] = field(default_factory=list)
    #: the impl's type parameters' trait bounds (`generic_bounds`)
    bounds: dict[str, str] = field(default_factory=dict)
    #: the self type's generic arguments as written, lifetimes left out (``Chain<T, U>``)
    arguments: list[str] = field(default_factory=list)
    #: the impl's own type parameters
    parameters: frozenset[str] = frozenset()


class _RustParse(SourceParse):
    """Records items, impls, uses, calls and declared types.

    `extra["impls"]`: one ``[prefix, self type, trait or None, [method names]]`` per impl
    block; `extra["uses"]`: ``[prefix, path, alias]`` per imported name (alias ``*`` for a glob,
    a fourth item ``"body"`` for a use in a function body);
    `extra["mods"]`: child module names declared with ``mod x;``; `extra["inline_mods"]`: the
    qualified names of ``mod x { .. }`` blocks. Bindings at a struct's scope
    are its fields' types.
    """

    def __init__(
        self,
        path: str,
        source: bytes,
        module: str,
        macros: dict[str, list[MacroRule]] | None = None,
        depth: int = 0,
    ) -> None:
        super().__init__("rust", path, source, module)
        #: the ``macro_rules!`` defined so far (a macro is visible after its definition)
        self.macros: dict[str, list[MacroRule]] = dict(macros or {})
        #: how many macro expansions this parse is inside of
        self.depth = depth
        self.impls: list[list[Any]] = []
        self.uses: list[list[str]] = []
        self.mods: list[str] = []
        self.inline_mods: list[str] = []
        self.local_types: set[str] = set()
        #: struct -> its type parameters (lifetimes left out), and its fields of a declared type
        self.type_parameters: dict[str, list[str]] = {}
        #: ``[module, name, type path]`` of each ``type Range = Match;`` of a module
        self.type_aliases: list[list[str]] = []
        self.fields: dict[str, dict[str, str]] = {}
        #: function -> the trait bound of each of its (and its impl's) type parameters
        self.bounds: dict[str, dict[str, str]] = {}
        #: name -> (start byte, end byte, alias) of the patterns that bind it (`bind_pattern`)
        self.aliases: dict[str, list[tuple[int, int, str]]] = {}

    def run(self) -> ParsedFile:
        found = self.captures(grammar("tree_sitter_rust"), "rust")
        first = ("type", "trait", "impl", "mod", "function")
        self.sweep(in_source_order(found, first), Scope(self.module, len(self.source) + 1, None))
        self.parsed.extra["impls"] = self.impls
        self.parsed.extra["uses"] = self.uses
        self.parsed.extra["mods"] = self.mods
        if self.inline_mods:
            self.parsed.extra["inline_mods"] = self.inline_mods
        root = tree_root(found)
        if root is None:  # nothing captured: grep's lib.rs is only `extern crate`s
            root = parser_for(grammar("tree_sitter_rust")).parse(self.source).root_node
        constants = self.constants(root, self.module) if not self.depth else []
        if constants:
            self.parsed.extra["constants"] = constants
        if self.type_aliases:
            self.parsed.extra["type_aliases"] = self.type_aliases
        return self.parsed

    def constants(self, holder: Node, prefix: str) -> list[list[str]]:
        """``[module, name, declared type]`` of the ``const`` and ``static`` items of a module
        and of its inline modules (ripgrep's ``const FLAGS: &[&dyn Flag]``): values of what
        they declare, wherever they are named; a ``type Range = Match;`` names what it
        aliases (`type_aliases`). ``extern crate grep_cli as cli;`` is read as
        a `use` of the crate there (grep's ``grep::cli::..``), which IMPORTS nothing; one
        behind a ``#[cfg(..)]`` is not (grep's ``pcre2`` is a feature that is off by
        default, and the code that names it is built with it only)."""
        found: list[list[str]] = []
        for item in holder.named_children:
            name = item.child_by_field_name("name")
            if name is None:
                continue
            alias = item.child_by_field_name("alias")
            extern = item.type == "extern_crate_declaration" and alias is not None
            if extern and alias is not None and not _configured(item):
                self.uses.append([prefix, self.text(name), self.text(alias)])
            type_node = item.child_by_field_name("type")
            body = item.child_by_field_name("body")
            if item.type in ("const_item", "static_item") and type_node is not None:
                declared = declared_type(self.text(type_node))
                if declared is not None:
                    found.append([prefix, self.text(name), declared])
            elif item.type == "type_item" and type_node is not None:
                aliased = type_path(self.text(type_node))
                if aliased is not None:
                    self.type_aliases.append([prefix, self.text(name), aliased])
            elif item.type == "mod_item" and body is not None:
                found += self.constants(body, f"{prefix}::{self.text(name)}")
        return found

    def item_scope(self, scope: Scope) -> bool:
        """Items are modelled at module level (and in inline modules), not inside bodies."""
        return scope.definition is None and not isinstance(scope, _ImplScope)

    # -- items ----------------------------------------------------------------------------

    def on_mod(self, node: Node, scope: Scope) -> Scope | None:
        name_node = node.child_by_field_name("name")
        if name_node is None or not self.item_scope(scope):
            return None
        name = self.text(name_node)
        if node.child_by_field_name("body") is None:
            if scope.qualified_name == self.module:
                self.mods.append(name)
            return None
        self.inline_mods.append(f"{scope.qualified_name}::{name}")
        return Scope(f"{scope.qualified_name}::{name}", node.end_byte, None)

    def on_type(self, node: Node, scope: Scope) -> Scope | None:
        name_node = node.child_by_field_name("name")
        if name_node is None or not self.item_scope(scope):
            return None
        name = self.text(name_node)
        qualified = f"{scope.qualified_name}::{name}"
        self.local_types.add(qualified)
        definition = self.add_definition(CLASS, name, qualified, self.module, node)
        self.type_parameters[qualified] = self.type_parameter_names(node)
        body = node.child_by_field_name("body")
        if node.type == "enum_item" and body is not None:
            variants = [
                self.text(variant_name)
                for variant in body.named_children
                if variant.type == "enum_variant"
                and (variant_name := variant.child_by_field_name("name")) is not None
            ]
            self.parsed.extra.setdefault("variants", {})[qualified] = variants
            for variant in body.named_children:
                self.bind_variant_fields(qualified, variant)
        elif body is not None and body.type == "ordered_field_declaration_list":
            self.bind_tuple_fields(qualified, body)
        return Scope(qualified, node.end_byte, definition)

    def bind_tuple_fields(self, struct: str, fields: Node) -> None:
        """``struct Override(Gitignore)``: ``self.0`` is a ``Gitignore``."""
        for position, type_node, declared in self.tuple_fields(fields):
            self.bind(struct, str(position), declared, type_node, annotation=True)
            self.fields.setdefault(struct, {})[str(position)] = declared

    def tuple_fields(self, fields: Node) -> list[tuple[int, Node, str]]:
        """The place, type node and declared type of each typed field of a tuple struct or
        variant."""
        types = [
            c
            for c in fields.named_children
            if c.type not in ("attribute_item", "visibility_modifier")
        ]
        found = []
        for position, type_node in enumerate(types):
            declared = declared_type(self.text(type_node))
            if declared is not None:
                found.append((position, type_node, declared))
        return found

    def bind_variant_fields(self, enum: str, variant: Node) -> None:
        """``Literal(LiteralStrategy)``: the fields of a tuple variant, as fields of the enum
        named ``Literal(0)``, what a pattern ``Literal(ref s)`` binds `s` to."""
        name = variant.child_by_field_name("name")
        fields = next(
            (c for c in variant.named_children if c.type == "ordered_field_declaration_list"), None
        )
        if variant.type != "enum_variant" or name is None or fields is None:
            return
        for position, type_node, declared in self.tuple_fields(fields):
            field_name = f"{self.text(name)}({position})"
            self.bind(enum, field_name, declared, type_node, annotation=True)

    def on_trait(self, node: Node, scope: Scope) -> Scope | None:
        name_node = node.child_by_field_name("name")
        if name_node is None or not self.item_scope(scope):
            return None
        name = self.text(name_node)
        qualified = f"{scope.qualified_name}::{name}"
        definition = self.add_definition(INTERFACE, name, qualified, self.module, node)
        bounds = node.child_by_field_name("bounds")
        for bound in bounds.named_children if bounds is not None else []:
            written = type_path(self.text(bound))
            if written is not None:
                definition.bases.append(written)
        return Scope(qualified, node.end_byte, definition)

    def on_impl(self, node: Node, scope: Scope) -> Scope | None:
        type_node = node.child_by_field_name("type")
        if type_node is None or not self.item_scope(scope):
            return None
        self_type = type_path(self.text(type_node))
        if self_type is None:
            # `impl Buf for &[u8]`, `impl T for (A, B)`: no type of the graph owns the methods,
            # which must not become the module's functions (they took a real `fn` of the same
            # name); their calls count for the module.
            return _ImplScope(scope.qualified_name, node.end_byte, None)
        trait_node = node.child_by_field_name("trait")
        trait = type_path(self.text(trait_node)) if trait_node is not None else None
        arguments = next((c for c in type_node.named_children if c.type == "type_arguments"), None)
        opened = _ImplScope(
            f"{scope.qualified_name}::{self_type.rsplit('::', 1)[-1]}",
            node.end_byte,
            None,
            [scope.qualified_name, self_type, trait, []],
            self.generic_bounds(node),
            [
                self.text(argument)
                for argument in (arguments.named_children if arguments is not None else [])
                if argument.type != "lifetime"
            ],
            frozenset(self.type_parameter_names(node)),
        )
        self.impls.append(opened.impl)
        return opened

    def type_parameter_names(self, node: Node) -> list[str]:
        """An item's type and const parameters in order, lifetimes left out."""
        parameters = node.child_by_field_name("type_parameters")
        return [
            self.text(named[0])
            for parameter in (parameters.named_children if parameters is not None else [])
            if parameter.type != "lifetime_parameter" and (named := parameter.named_children)
        ]

    def generic_bounds(self, node: Node) -> dict[str, str]:
        """``<M: Matcher>`` and ``where M: Matcher``: the first trait bound of each type
        parameter of an item. A method called on an `M` is that trait's (rustc looks a method
        of a type parameter up in its bounds only, and two bounds with the method are an
        error)."""
        bounds: dict[str, str | None] = {}
        for name, bound in self.trait_bounds(node):
            if bound.type in ("type_identifier", "scoped_type_identifier", "generic_type"):
                bounds.setdefault(name, type_path(self.text(bound)))
        return {name: bound for name, bound in bounds.items() if bound is not None}

    def trait_bounds(self, node: Node) -> Iterator[tuple[str, Node]]:
        """Each bound of each type parameter of an item, in ``<..>`` and ``where``, in order."""
        for holder in node.named_children:
            if holder.type not in ("type_parameters", "where_clause"):
                continue
            for parameter in holder.named_children:
                named = parameter.named_children
                bounds = next((c for c in named if c.type == "trait_bounds"), None)
                if named and named[0].type == "type_identifier" and bounds is not None:
                    for bound in bounds.named_children:
                        yield self.text(named[0]), bound

    def on_function(self, node: Node, scope: Scope) -> Scope | None:
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return None
        name = self.text(name_node)
        impl = scope.impl if isinstance(scope, _ImplScope) else None
        if impl == []:
            return None  # a method of an impl for a slice, tuple or other unnamed type
        if impl is not None:
            impl[3].append(name)
            parent = scope.qualified_name
            if parent not in self.local_types:
                parent = self.module
            kind = METHOD
        elif scope.definition is not None and scope.definition.kind == INTERFACE:
            kind, parent = METHOD, scope.qualified_name
        elif self.item_scope(scope):
            kind, parent = FUNCTION, self.module
        else:
            return None  # a function inside a body: its calls belong to the outer one
        qualified = f"{scope.qualified_name}::{name}"
        definition = self.add_definition(kind, name, qualified, parent, node)
        result = node.child_by_field_name("return_type")
        if result is not None and result.type == "tuple_type":
            places = [declared_type(self.text(part)) or "?" for part in result.named_children]
            definition.returns = f"({','.join(places)})"
        elif result is not None:
            definition.returns = declared_type(self.text(result))
        impl_bounds = scope.bounds if isinstance(scope, _ImplScope) else {}
        self.bounds[qualified] = {**impl_bounds, **self.generic_bounds(node)}
        closures = self.closure_parameters(node, qualified)
        if closures:
            self.parsed.extra.setdefault("closures", {})[qualified] = closures
        if impl is not None and impl[1] in impl_bounds:
            self.bind_deref_self(qualified, impl_bounds[impl[1]], node, scope)
        if isinstance(scope, _ImplScope):
            self.bind_generic_fields(qualified, scope, node)
        return Scope(qualified, node.end_byte, definition)

    def bind_generic_fields(self, qualified: str, impl: _ImplScope, node: Node) -> None:
        """``struct Chain<T, U> { a: T }`` in ``impl<T: Buf, U> Buf for Chain<T, U>``: in the
        impl's methods ``self.a`` is what the impl says `T` is, its bound (a ``Buf``) or the
        type written there (``impl Iterator for FilterEntry<IntoIter, P>``: an ``IntoIter``).
        Bound as ``self.a``; the struct must be declared earlier in the file."""
        parameters = self.type_parameters.get(impl.qualified_name, [])
        if len(parameters) != len(impl.arguments):
            return
        given = dict(zip(parameters, impl.arguments, strict=True))
        for name, declared in self.fields.get(impl.qualified_name, {}).items():
            base = declared.rstrip("[]?")
            argument = given.get(base)
            if argument is None:
                continue
            if argument in impl.bounds:
                actual: str | None = impl.bounds[argument]
            elif argument in impl.parameters:
                continue  # a parameter of the impl without a bound
            else:
                actual = declared_type(argument)
            if actual is not None and not actual.endswith(("[]", "?")):
                self.bind(qualified, f"self.{name}", declared.replace(base, actual, 1), node, True)

    def bind_deref_self(self, qualified: str, bound: str, node: Node, scope: Scope) -> None:
        """``impl<M: Matcher> Matcher for &M { fn find(&self) { (*self).find() } }``: `*self`
        is an `&M`, whose methods are `M`'s, so the bound's; `self` itself is an `&&M`, whose
        methods are this impl's, and is not bound."""
        impl_node = node.parent.parent if node.parent is not None else None
        type_node = impl_node.child_by_field_name("type") if impl_node is not None else None
        if type_node is not None and type_node.type == "reference_type":
            self.bind(qualified, "*self", bound, node, annotation=True)

    def declared(self, type_node: Node, scope: Scope) -> str | None:
        """`declared_type` of a type written in a function, its type parameters read as their
        trait bounds (``matcher: &M`` with ``M: Matcher`` is a ``Matcher``)."""
        return self.declared_in(self.text(type_node), scope.qualified_name)

    def declared_in(self, text: str, function: str) -> str | None:
        declared = declared_type(text)
        if declared is None:
            return None
        base = declared.rstrip("[]?")
        bound = self.bounds.get(function, {}).get(base)
        return declared.replace(base, bound, 1) if bound is not None else declared

    # -- declared names -------------------------------------------------------------------

    def in_function(self, scope: Scope) -> bool:
        return scope.definition is not None and scope.definition.kind in _FUNCTIONS

    def on_param(self, node: Node, scope: Scope) -> None:
        pattern = node.child_by_field_name("pattern")
        type_node = node.child_by_field_name("type")
        if not self.in_function(scope) or pattern is None or type_node is None:
            return
        name = self.binding_name(pattern)
        if name is None:
            return
        declared = self.declared(type_node, scope)
        self.bind(scope.qualified_name, name, declared or "?", node, annotation=bool(declared))

    def on_field(self, node: Node, scope: Scope) -> None:
        name_node = node.child_by_field_name("name")
        type_node = node.child_by_field_name("type")
        if scope.definition is None or scope.definition.kind != CLASS:
            return
        if name_node is not None and type_node is not None:
            declared = declared_type(self.text(type_node))
            if declared is not None:
                self.bind(scope.qualified_name, self.text(name_node), declared, node, True)
                self.fields.setdefault(scope.qualified_name, {})[self.text(name_node)] = declared

    def on_let(self, node: Node, scope: Scope) -> None:
        pattern = node.child_by_field_name("pattern")
        if not self.in_function(scope) or pattern is None:
            return
        name = self.binding_name(pattern) if pattern.type != "tuple_pattern" else ""
        if name is None:
            return
        type_node = node.child_by_field_name("type")
        value = node.child_by_field_name("value")
        if pattern.type == "tuple_pattern":
            self.bind_tuple(pattern, value if type_node is None else None, scope)
        elif type_node is not None:
            declared = self.declared(type_node, scope)
            self.bind(scope.qualified_name, name, declared or "?", node, bool(declared))
        elif value is not None and value.type == "struct_expression":
            type_name = value.child_by_field_name("name")
            declared = type_path(self.text(type_name)) if type_name is not None else None
            self.bind(scope.qualified_name, name, declared or "?", node, bool(declared))
        elif value is not None:
            expression = self.chain(value)
            self.bind(scope.qualified_name, name, expression or "?", node)
        else:
            self.bind(scope.qualified_name, name, "?", node)

    def bind_tuple(self, pattern: Node, value: Node | None, scope: Scope) -> None:
        """``let (src, link) = (&ents[1], &ents[2])``: each name is what the tuple holds at its
        place; the names of any other tuple pattern are bound to nothing known, so that they
        hide the function's other bindings of them."""
        parts = [c for c in pattern.named_children if c.type != "attribute_item"]
        values = (
            value.named_children if value is not None and value.type == "tuple_expression" else []
        )
        whole = self.chain(value) if value is not None and not values else None
        for position, part in enumerate(parts):
            held = self.chain(values[position]) if len(values) == len(parts) else None
            held = f"{whole}.{position}" if whole is not None else held
            name = self.binding_name(part)
            if name is not None:
                self.bind(scope.qualified_name, name, held or "?", part)
            else:
                for other, node in self.pattern_names(part):
                    self.bind(scope.qualified_name, self.alias(other, node.start_byte), "?", node)

    def binding_name(self, pattern: Node) -> str | None:
        """The name a simple pattern binds (``x``, ``mut x``, ``&x``, ``ref x``), as the
        bindings know it there (`alias`)."""
        if pattern.type == "identifier":
            return self.alias(self.text(pattern), pattern.start_byte)
        if (
            pattern.type in ("mut_pattern", "reference_pattern", "ref_pattern")
            and pattern.named_child_count
        ):
            return self.binding_name(pattern.named_children[-1])
        return None

    def alias(self, name: str, at: int) -> str:
        """`name` at byte `at`: a match arm's or an ``if let``'s binding of it where that is
        in force (``s@1234``), else `name` itself. The arms of one match bind one name to a
        value of each variant; each is its own binding."""
        spans = [span for span in self.aliases.get(name, []) if span[0] <= at < span[1]]
        return max(spans)[2] if spans else name

    def on_let_condition(self, node: Node, scope: Scope) -> None:
        """``if let Some(entry) = self.next()`` (and ``while let``): `entry` is what the value
        wraps, in the block the condition opens."""
        pattern = node.child_by_field_name("pattern")
        value = node.child_by_field_name("value")
        holder = node.parent
        while holder is not None and holder.type == "let_chain":
            holder = holder.parent
        block = None
        if holder is not None and holder.type in ("if_expression", "while_expression"):
            block = holder.child_by_field_name(
                "consequence" if holder.type == "if_expression" else "body"
            )
        if (
            self.in_function(scope)
            and pattern is not None
            and value is not None
            and block is not None
        ):
            self.bind_pattern(pattern, value, (value.end_byte, block.end_byte), scope)

    def on_arm(self, node: Node, scope: Scope) -> None:
        """``match self.next() { Some(entry) => .., }``, ``match *self { Literal(ref s) => ..
        }``: what the arm's pattern binds, in the arm."""
        block = node.parent
        match = block.parent if block is not None else None
        value = match.child_by_field_name("value") if match is not None else None
        pattern = node.child_by_field_name("pattern")
        inner = (
            pattern.named_children[0] if pattern is not None and pattern.named_children else None
        )
        if self.in_function(scope) and value is not None and inner is not None:
            self.bind_pattern(inner, value, (node.start_byte, node.end_byte), scope)

    def bind_pattern(self, pattern: Node, value: Node, span: tuple[int, int], scope: Scope) -> None:
        """``Some(x)`` and ``Ok(x)`` bind `x` to what an Option or a Result holds, an enum's
        ``Variant(a, b)`` its fields (`bind_variant_fields`); every other name the pattern
        binds is bound to nothing known, so that it hides the function's other bindings of
        that name in `span` (``Error::WithDepth { ref err, .. } => err.fmt(f)``)."""
        typed = self.typed_pattern_names(pattern, self.chain(value))
        for name, node in self.pattern_names(pattern):
            alias = f"{name}@{span[0]}"
            self.aliases.setdefault(name, []).append((span[0], span[1], alias))
            self.bind(scope.qualified_name, alias, typed.get(node.start_byte, "?"), node)

    def typed_pattern_names(self, pattern: Node, held: str | None) -> dict[int, str]:
        """Start byte of a name in ``Some(x)``, ``Ok(x)`` or ``Variant(.., x, ..)`` -> what it
        is, from the value `held` matched."""
        if held is None or pattern.type != "tuple_struct_pattern" or not pattern.named_children:
            return {}
        head = pattern.named_children[0]
        variant = self.text(head).rsplit("::", 1)[-1]
        parts = [c for c in pattern.children[1:] if c.type not in ("(", ")", ",") and c != head]
        typed: dict[int, str] = {}
        for position, part in enumerate(parts):
            if part.type == "remaining_field_pattern" or variant in ("None", "Err"):
                break
            names = self.pattern_names(part) if self.simple_pattern(part) else []
            for _name, node in names:
                if variant not in ("Some", "Ok"):
                    typed[node.start_byte] = f"{held}.{variant}({position})"
                elif len(parts) == 1:
                    typed[node.start_byte] = f"{held}?"
        return typed

    @staticmethod
    def simple_pattern(pattern: Node) -> bool:
        while pattern.type in ("mut_pattern", "reference_pattern", "ref_pattern"):
            if not pattern.named_child_count:
                return False
            pattern = pattern.named_children[-1]
        return pattern.type == "identifier"

    def pattern_names(self, pattern: Node) -> list[tuple[str, Node]]:
        """(name, node) of the names a pattern binds: its identifiers, but for the paths of
        the variants and structs it names (a unit variant or a constant written alone is
        taken for a name too, which only hides that name there)."""
        if pattern.type == "identifier":
            return [(self.text(pattern), pattern)]
        children = pattern.named_children
        if pattern.type in ("tuple_struct_pattern", "struct_pattern") and children:
            children = children[1:]
        if pattern.type == "field_pattern":  # `ref err`, or `glob: Some(ref g)`
            shorthand = [c for c in children if c.type == "shorthand_field_identifier"]
            if shorthand:
                return [(self.text(shorthand[0]), shorthand[0])]
            children = [c for c in children if c.type != "field_identifier"]
        if pattern.type in ("scoped_identifier", "scoped_type_identifier"):
            return []
        return [found for child in children for found in self.pattern_names(child)]

    def on_for(self, node: Node, scope: Scope) -> None:
        """``for entry in &self.entries``: `entry` is an element of what the loop walks."""
        pattern = node.child_by_field_name("pattern")
        value = node.child_by_field_name("value")
        if self.in_function(scope) and pattern is not None and value is not None:
            self.bind_element(pattern, value, scope)

    def on_closure(self, node: Node, scope: Scope) -> None:
        """``self.entries.iter().map(|e| e.path())``: an iterator's or a slice's closure gets
        its elements (both parameters of a comparison such as ``sort_by``), and a closure
        passed to a function of the repository what that function's ``Fn`` bound declares
        (walkdir's ``filter_entry(|ent| ..)``, ``P: FnMut(&DirEntry) -> bool``), bound as
        ``callee=>argument.parameter`` and read by the resolver, which tries the function
        first; a parameter with a declared type is `on_param`'s."""
        arguments = node.parent
        call = arguments.parent if arguments is not None else None
        params = node.child_by_field_name("parameters")
        if not self.in_function(scope) or call is None or call.type != "call_expression":
            return
        function = call.child_by_field_name("function")
        callee = self.chain(function) if function is not None else None
        if callee is None or params is None or arguments is None:
            return
        argument = [c for c in arguments.named_children if c.type not in _NOT_ARGUMENTS].index(node)
        method = function.child_by_field_name("field") if function is not None else None
        receiver = function.child_by_field_name("value") if function is not None else None
        for position, param in enumerate(params.named_children):
            name = self.binding_name(param)
            if name is not None:
                self.bind(scope.qualified_name, name, f"{callee}=>{argument}.{position}", param)
            elif (
                method is not None
                and receiver is not None
                and self.text(method) in _ELEMENT_CLOSURES
            ):
                self.bind_element(param, receiver, scope)  # `.enumerate().map(|(i, e)| ..)`

    def closure_parameters(self, node: Node, qualified: str) -> list[list[Any]]:
        """``[argument, [declared types]]`` of a function's arguments that are closures of a
        declared ``Fn`` type (``cmp: F`` with ``F: FnMut(&DirEntry, &DirEntry) -> Ordering``,
        or ``impl Fn(&Entry)``), counted without ``self``: what the parameters of a closure
        passed there are (`on_closure`)."""
        bounds: dict[str, Node] = {}
        for name, bound in self.trait_bounds(node):
            if bound.type == "function_type":
                bounds.setdefault(name, bound)
        parameters = node.child_by_field_name("parameters")
        found: list[list[Any]] = []
        listed = [
            c for c in (parameters.named_children if parameters is not None else [])
            if c.type == "parameter"
        ]  # fmt: skip
        for position, parameter in enumerate(listed):
            type_node = parameter.child_by_field_name("type")
            if type_node is not None and type_node.type == "abstract_type":
                type_node = type_node.named_children[0] if type_node.named_children else None
            elif type_node is not None:
                type_node = bounds.get(self.text(type_node))
            inputs = type_node.child_by_field_name("parameters") if type_node is not None else None
            if type_node is None or type_node.type != "function_type" or inputs is None:
                continue
            declared = [
                self.declared_in(self.text(t), qualified) or "?" for t in inputs.named_children
            ]
            found.append([position, declared])
        return found

    def bind_element(self, pattern: Node, sequence: Node, scope: Scope) -> None:
        """`pattern` is an element of `sequence`; ``(i, entry)`` is the index and an element
        of ``entries.iter().enumerate()``."""
        if pattern.type == "tuple_pattern" and len(pattern.named_children) == 2:
            function = sequence.child_by_field_name("function")
            method = function.child_by_field_name("field") if function is not None else None
            inner = function.child_by_field_name("value") if function is not None else None
            if method is None or inner is None or self.text(method) != "enumerate":
                return
            pattern, sequence = pattern.named_children[1], inner
        name = self.binding_name(pattern)
        held = self.chain(sequence)
        if name is not None and held is not None:
            self.bind(scope.qualified_name, name, f"{held}[]", pattern)

    # -- calls and uses -------------------------------------------------------------------

    def chain(self, node: Node) -> str | None:
        """A receiver as ``a.b().c`` (steps by ``.``, paths by ``::``); None if untypable."""
        if node.type == "identifier":
            return self.alias(self.text(node), node.start_byte)
        if node.type == "self":
            return "self"
        if node.type in ("scoped_identifier", "generic_function"):
            return self.path_text(node)
        if node.type == "field_expression":
            value = node.child_by_field_name("value")
            name = node.child_by_field_name("field")
            inner = self.chain(value) if value is not None else None
            if inner is None or name is None or name.type not in _FIELD_NAMES:
                return None
            return f"{inner}.{self.text(name)}"
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            inner = self.chain(function) if function is not None else None
            return f"{inner}()" if inner is not None else None
        if node.type in ("index_expression", "try_expression"):
            first = node.named_children[0] if node.named_children else None
            inner = self.chain(first) if first is not None else None
            suffix = "[]" if node.type == "index_expression" else "?"
            return f"{inner}{suffix}" if inner is not None else None
        if node.type == "unary_expression" and self.text(node).startswith("*"):
            operand = node.named_children[0] if node.named_children else None
            inner = self.chain(operand) if operand is not None else None
            return "*self" if inner == "self" else inner
        if node.type in ("reference_expression", "parenthesized_expression"):
            inner_node = node.child_by_field_name("value") or (
                node.named_children[0] if node.named_children else None
            )
            return self.chain(inner_node) if inner_node is not None else None
        return None

    def path_text(self, node: Node) -> str | None:
        if node.type == "generic_function":
            function = node.child_by_field_name("function")
            return self.path_text(function) if function is not None else None
        if node.type == "scoped_identifier":
            path = node.child_by_field_name("path")
            name = node.child_by_field_name("name")
            if name is None:
                return None
            if path is None:
                return f"::{self.text(name)}"
            inner = self.path_text(path) if path.type != "generic_type" else None
            if inner is None and path.type == "generic_type":
                inner = type_path(self.text(path))
            return f"{inner}::{self.text(name)}" if inner is not None else None
        if node.type in ("identifier", "self", "super", "crate", "type_identifier"):
            return self.text(node)
        return None

    def on_call(self, node: Node, scope: Scope) -> None:
        if not self.in_function(scope):
            return
        function = node.child_by_field_name("function")
        callee = self.chain(function) if function is not None else None
        if callee is not None:
            self.add_call(scope.qualified_name, callee, node)

    def on_macro_rules(self, node: Node, scope: Scope) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            self.macros[self.text(name)] = macro_rules(node, self.source)

    def on_macro(self, node: Node, scope: Scope) -> None:
        """A macro's arguments are tokens, not code. A ``macro_rules!`` of this file is
        expanded (`rust_macros`) and its body read where it is invoked; the arguments of the
        standard macros whose arguments are expressions (``assert_eq!(a, f(b))``,
        ``vec![..]``, ``println!("{}", f())``) are read as the argument list of a call; any
        other macro invocation is counted and not read."""
        if not self.in_function(scope):
            return
        name_node = node.child_by_field_name("macro")
        tokens = next((c for c in node.named_children if c.type == "token_tree"), None)
        name = self.text(name_node) if name_node is not None else ""
        read = False
        if tokens is not None and name in self.macros and self.depth < _MAX_EXPANSIONS:
            body = expand(self.macros[name], invocation_tokens(tokens, self.source), self.source)
            if body is not None:
                read = self.read_as_code(body.encode(), scope, node, lambda _line: line(node))
        elif tokens is not None and _takes_expressions(name):
            inner = self.source[tokens.start_byte + 1 : tokens.end_byte - 1]
            offset = line(tokens) - 1
            code = b"__arguments(" + inner + b");"
            read = self.read_as_code(code, scope, node, lambda at: at + offset)
        if not read:
            self.parsed.extra["macro_calls"] = self.parsed.extra.get("macro_calls", 0) + 1

    def read_as_code(
        self, code: bytes, scope: Scope, invocation: Node, line_of: Callable[[int], int]
    ) -> bool:
        """Parse `code` as the body of a function and record its calls and bindings as
        `scope`'s (its bindings too, so that a name bound both there and in `scope` is seen as
        shadowed and not followed); False, recording nothing, if it is not code."""
        wrapper = b"fn __macro_arguments() { " + code + b"\n}"
        nested = _RustParse(self.path, wrapper, self.module, self.macros, self.depth + 1)
        for name in self.aliases:  # the pattern bindings in force where the macro is invoked
            alias = self.alias(name, invocation.start_byte)
            if alias != name:
                nested.aliases[name] = [(0, len(wrapper), alias)]
        found = nested.captures(grammar("tree_sitter_rust"), "rust")
        if nested.parsed.warnings:  # not expressions after all: not guessed at
            return False
        nested.sweep(
            in_source_order(found, ("function",)), Scope(self.module, len(wrapper) + 1, None)
        )
        inner = f"{self.module}::__macro_arguments"
        for call in nested.parsed.calls:
            if call.caller == inner and call.callee != "__arguments":
                self.parsed.calls.append(
                    CallSite(scope.qualified_name, call.callee, line_of(call.line))
                )
        for binding in nested.parsed.bindings:
            if binding.scope == inner:
                self.parsed.bindings.append(
                    Binding(
                        scope.qualified_name,
                        binding.name,
                        binding.value,
                        line_of(binding.line),
                        binding.annotation,
                    )
                )
        unread = nested.parsed.extra.get("macro_calls", 0)
        if unread:
            self.parsed.extra["macro_calls"] = self.parsed.extra.get("macro_calls", 0) + unread
        return True

    def on_use(self, node: Node, scope: Scope) -> None:
        """A `use` in a module, or in a function body, where its paths are read from the
        function's module (it is then taken as visible in the whole module)."""
        argument = node.child_by_field_name("argument")
        if argument is None:
            return
        if self.in_function(scope) and scope.definition is not None:
            levels = 2 if scope.definition.kind == METHOD else 1
            prefix = scope.qualified_name.rsplit("::", levels)[0]
        elif self.item_scope(scope):
            prefix = scope.qualified_name
        else:
            return
        for path, alias in self.use_paths(argument, ""):
            self.uses.append([prefix, path, alias, *(["body"] if self.in_function(scope) else [])])
            self.add_import(path, None, alias, node, prefix)

    def use_paths(self, node: Node, prefix: str) -> list[tuple[str, str]]:
        def join(tail: str) -> str:
            return f"{prefix}::{tail}" if prefix else tail

        if node.type in ("identifier", "scoped_identifier", "crate", "super", "self"):
            path = self.path_text(node)
            if path is None:
                return []
            if node.type == "self" and prefix:
                return [(prefix, prefix.rsplit("::", 1)[-1])]
            full = join(path)
            return [(full, full.rsplit("::", 1)[-1])]
        if node.type == "use_as_clause":
            path_node = node.child_by_field_name("path")
            alias = node.child_by_field_name("alias")
            path = self.path_text(path_node) if path_node is not None else None
            if path is None or alias is None:
                return []
            return [(join(path), self.text(alias))]
        if node.type == "use_wildcard":
            inner = node.named_children[0] if node.named_children else None
            path = self.path_text(inner) if inner is not None else None
            return [(join(path), "*")] if path is not None else []
        if node.type == "scoped_use_list":
            path_node = node.child_by_field_name("path")
            listed = node.child_by_field_name("list")
            path = self.path_text(path_node) if path_node is not None else None
            base = join(path) if path is not None else prefix
            return self.use_paths(listed, base) if listed is not None else []
        if node.type == "use_list":
            return [pair for child in node.named_children for pair in self.use_paths(child, prefix)]
        return []


# -- resolution -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Def:
    path: str
    qualified_name: str
    kind: str


@dataclass(frozen=True, slots=True)
class _Module:
    qualified_name: str


@dataclass(frozen=True, slots=True)
class _Instance:
    cls: _Def
    exact: bool


@dataclass(frozen=True, slots=True)
class _Elements:
    """A sequence of `cls` (a ``Vec``, a slice, an iterator over them)."""

    cls: _Def
    exact: bool


@dataclass(frozen=True, slots=True)
class _Wrapped:
    """An ``Option`` or a ``Result`` of a `cls`."""

    cls: _Def
    exact: bool


@dataclass(frozen=True, slots=True)
class _Tuple:
    """What a function declared to return a tuple returns: the values of each place
    (``(Ignore, Option<Error>)``)."""

    parts: tuple[tuple[_Value, ...], ...]
    exact: bool = True


_Held = _Instance | _Elements | _Wrapped
_Value = _Def | _Module | _Held | _Tuple


@dataclass
class _ModuleTable:
    """One module's names: its items, its `use`s, its child modules, and the impls in it."""

    items: dict[str, _Def] = field(default_factory=dict)
    uses: dict[str, str] = field(default_factory=dict)
    globs: list[str] = field(default_factory=list)
    children: set[str] = field(default_factory=set)
    #: (prefix, self type as written, trait as written, path, method names)
    impls: list[tuple[str, str, str | None, str, list[str]]] = field(default_factory=list)
    #: struct qualified name -> field -> declared type (written in this module)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    #: const or static -> its declared type
    constants: dict[str, str] = field(default_factory=dict)
    #: type alias -> the path of the type it aliases, as written
    aliases: dict[str, str] = field(default_factory=dict)


class RustResolver:
    """Resolves one Rust file's uses, impls and calls (see the module docstring)."""

    def __init__(self, index: RepoIndex) -> None:
        self.index = index
        #: (module, name) lookups under way: a glob that leads back to itself ends there
        self._looking: set[tuple[str, str]] = set()
        #: (path, function, name) of names bound more than once being read (`agreed_value`)
        self._binding_values: set[tuple[str, str, str]] = set()

    # -- tables ---------------------------------------------------------------------------

    def table(self, module: str) -> _ModuleTable:
        """The names of `module` (a file's module or an inline module in it)."""

        def build() -> _ModuleTable:
            table = _ModuleTable()
            file_module, paths = self.files_of(module)
            for path in paths:
                parsed = self.index.file(path)
                if parsed is None or parsed.language != "rust":
                    continue
                for d in parsed.definitions:
                    owner, _, name = d.qualified_name.rpartition("::")
                    if owner == module and d.kind != METHOD:
                        table.items.setdefault(name, _Def(path, d.qualified_name, d.kind))
                # a module's own uses first, then those of its functions' bodies
                uses = sorted(parsed.extra.get("uses", []), key=lambda use: len(use) > 3)
                for prefix, used, alias, *_in_body in uses:
                    if prefix == module:
                        if alias == "*":
                            table.globs.append(used)
                        else:
                            table.uses.setdefault(alias, used)
                if file_module == module:
                    table.children.update(parsed.extra.get("mods", []))
                for inline in parsed.extra.get("inline_mods", []):
                    owner, _, name = inline.rpartition("::")
                    if owner == module:
                        table.children.add(name)
                for prefix, self_type, trait, names in parsed.extra.get("impls", []):
                    if prefix == module:
                        table.impls.append((prefix, self_type, trait, path, names))
                for prefix, name, declared in parsed.extra.get("constants", []):
                    if prefix == module:
                        table.constants.setdefault(name, declared)
                for prefix, name, aliased in parsed.extra.get("type_aliases", []):
                    if prefix == module:
                        table.aliases.setdefault(name, aliased)
                for binding in parsed.bindings:
                    if binding.annotation and binding.scope.rpartition("::")[0] == module:
                        table.fields.setdefault(binding.scope, {})[binding.name] = binding.value
            return table

        return self.index.memo(("rust-module", module), build)

    def files_of(self, module: str) -> tuple[str, list[str]]:
        """The file module holding `module` (itself, or the file of an inline module)."""
        probe = module
        while True:
            paths = self.index.module_paths(probe)
            if paths:
                return probe, list(paths)
            if "::" not in probe:
                return module, []
            probe = probe.rsplit("::", 1)[0]

    def is_module(self, module: str) -> bool:
        if self.index.has_module(module):
            return True
        parent, _, name = module.rpartition("::")
        return bool(parent) and name in self.table(parent).children

    # -- paths ----------------------------------------------------------------------------

    def resolve_path(
        self, module: str, path: str, self_type: _Def | None, depth: int = 0
    ) -> list[_Value]:
        """What a path written in `module` names."""
        if depth > _MAX_DEPTH:
            return []
        head, *rest = path.split("::")
        values: list[_Value]
        if head == "":  # ::crate_name::x
            values = [_Module(rest[0])] if rest and self.index.has_module(rest[0]) else []
            rest = rest[1:]
        elif head == "crate":
            values = [_Module(module.split("::", 1)[0])]
        elif head == "self":
            values = [_Module(module)]
        elif head == "super":
            values = [_Module(module.rsplit("::", 1)[0])] if "::" in module else []
        elif head == "Self":
            values = [self_type] if self_type is not None else []
        else:
            values = self.name_in(module, head, depth)
        for part in rest:
            values = [v for value in values for v in self.member(value, part, depth)]
        return values

    def name_in(self, module: str, name: str, depth: int) -> list[_Value]:
        """What `name` means in `module`, looked up once per run: each failed lookup used to
        walk every glob again, and serde's body-level `use E::*` made that exponential."""
        key = (module, name)
        if key in self._looking:
            return []
        self._looking.add(key)
        try:
            return self.index.memo(("rust-name", module, name), lambda: self._name_in(*key, depth))
        finally:
            self._looking.discard(key)

    def _name_in(self, module: str, name: str, depth: int) -> list[_Value]:
        table = self.table(module)
        if name in table.items:
            return [table.items[name]]
        if name in table.constants:
            return self.declared_values(module, table.constants[name], None)
        if name in table.aliases and table.aliases[name] != name:
            return self.resolve_path(module, table.aliases[name], None, depth + 1)
        if name in table.children:
            return [_Module(f"{module}::{name}")]
        if name in table.uses:
            return self.resolve_path(module, table.uses[name], None, depth + 1)
        for glob in table.globs:
            for value in self.resolve_path(module, glob, None, depth + 1):
                if isinstance(value, _Module):
                    found = self.member(value, name, depth + 1)
                    if found:
                        return found
        if self.index.has_module(name):  # another crate of the workspace
            return [_Module(name)]
        return []

    def member(self, value: _Value, name: str, depth: int) -> list[_Value]:
        if depth > _MAX_DEPTH:
            return []
        if isinstance(value, _Module):
            if not self.is_module(value.qualified_name):
                return []
            return self.name_in(value.qualified_name, name, depth + 1)
        if isinstance(value, _Def) and value.kind in (CLASS, INTERFACE):
            method = self.find_method(value, name)
            if method is not None:
                return [method]
            if name in self.variants(value):  # `Level::Info` is a Level
                return [_Instance(value, True)]
        return []

    def variants(self, enum: _Def) -> list[str]:
        parsed = self.index.file(enum.path)
        found = parsed.extra.get("variants", {}) if parsed is not None else {}
        return list(found.get(enum.qualified_name, []))

    # -- methods --------------------------------------------------------------------------

    def impls_of(self, cls: _Def) -> list[tuple[str, str | None, str, list[str]]]:
        """(impl prefix, trait as written, path, methods) of the impls of `cls`: those in its
        module, and those anywhere else in its crate (anyhow's `Error` is declared in lib.rs
        and implemented in error.rs)."""
        module = cls.qualified_name.rsplit("::", 1)[0]

        def build() -> list[tuple[str, str | None, str, list[str]]]:
            found = []
            for prefix, self_type, trait, path, names in self.table(module).impls:
                targets = self.resolve_path(prefix, self_type, None)
                if cls in targets:
                    found.append((prefix, trait, path, names))
            found += self.crate_impls(module.split("::", 1)[0]).get(cls, [])
            return found

        return self.index.memo(("rust-impls", cls), build)

    def crate_impls(self, crate: str) -> dict[_Def, list[tuple[str, str | None, str, list[str]]]]:
        """The impls of each type of `crate` written in another module than the type's own,
        by the type they resolve to (read once per run: every module's impls)."""

        def build() -> dict[_Def, list[tuple[str, str | None, str, list[str]]]]:
            found: dict[_Def, list[tuple[str, str | None, str, list[str]]]] = {}
            modules = sorted(m for m in self.index.modules() if m.split("::", 1)[0] == crate)
            for module in modules:
                for prefix, self_type, trait, path, names in self.table(module).impls:
                    if "::" not in self_type and self_type in self.table(prefix).items:
                        continue  # the type is this module's own: impls_of reads it there
                    for target in self.resolve_path(prefix, self_type, None):
                        if isinstance(target, _Def) and target.kind == CLASS:
                            owner = target.qualified_name.rsplit("::", 1)[0]
                            if owner != prefix:
                                found.setdefault(target, []).append((prefix, trait, path, names))
            return found

        return self.index.memo(("rust-crate-impls", crate), build)

    def find_method(self, cls: _Def, name: str) -> _Def | None:
        """`name` on `cls`: its inherent impls, its trait impls, then the traits' own methods."""
        if cls.kind == INTERFACE:
            return self.trait_method(cls, name, 0)
        type_name = cls.qualified_name.rsplit("::", 1)[-1]
        impls = sorted(self.impls_of(cls), key=lambda impl: impl[1] is not None)
        for prefix, _trait, path, names in impls:
            if name in names:
                return _Def(path, f"{prefix}::{type_name}::{name}", METHOD)
        for prefix, trait, _path, _names in impls:
            if trait is None:
                continue
            for target in self.resolve_path(prefix, trait, None):
                if isinstance(target, _Def) and target.kind == INTERFACE:
                    found = self.trait_method(target, name, 0)
                    if found is not None:
                        return found
        return None

    def trait_method(self, trait: _Def, name: str, depth: int) -> _Def | None:
        if depth > _MAX_DEPTH:
            return None
        parsed = self.index.file(trait.path)
        if parsed is None:
            return None
        wanted = f"{trait.qualified_name}::{name}"
        for d in parsed.definitions:
            if d.qualified_name == wanted:
                return _Def(trait.path, wanted, METHOD)
        definition = next(
            (d for d in parsed.definitions if d.qualified_name == trait.qualified_name), None
        )
        module = trait.qualified_name.rsplit("::", 1)[0]
        for base in definition.bases if definition is not None else []:
            for target in self.resolve_path(module, base, None):
                if isinstance(target, _Def) and target.kind == INTERFACE:
                    found = self.trait_method(target, name, depth + 1)
                    if found is not None:
                        return found
        return None

    # -- edges ----------------------------------------------------------------------------

    def resolve(self, parsed: ParsedFile) -> list[ResolvedEdge]:
        edges: list[ResolvedEdge] = []
        module_ref = Ref(parsed.path, parsed.module)
        for spec in parsed.imports:
            for value in self.resolve_path(spec.scope, spec.module, None):
                for imported in self.files_for(value):
                    if imported.path != parsed.path:
                        edges.append(ResolvedEdge(RelType.IMPORTS, module_ref, imported))
        for child in parsed.extra.get("mods", []):
            for path in self.index.module_paths(f"{parsed.module}::{child}"):
                edges.append(
                    ResolvedEdge(
                        RelType.IMPORTS, module_ref, Ref(path, f"{parsed.module}::{child}")
                    )
                )
        for definition in parsed.definitions:
            source = Ref(parsed.path, definition.qualified_name)
            module = definition.qualified_name.rsplit("::", 1)[0]
            own = _Def(parsed.path, definition.qualified_name, definition.kind)
            if definition.kind == INTERFACE:
                for base in definition.bases:
                    for base_value in self.resolve_path(module, base, None):
                        if isinstance(base_value, _Def) and base_value.kind == INTERFACE:
                            edges.append(
                                ResolvedEdge(RelType.INHERITS, source, self.ref(base_value))
                            )
            elif definition.kind == CLASS:
                for prefix, trait, _path, _names in self.impls_of(own):
                    for trait_value in self.resolve_path(prefix, trait, None) if trait else []:
                        if isinstance(trait_value, _Def) and trait_value.kind == INTERFACE:
                            edges.append(
                                ResolvedEdge(RelType.IMPLEMENTS, source, self.ref(trait_value))
                            )
        owners = {d.qualified_name: d for d in parsed.definitions}
        for call in parsed.calls:
            caller = owners.get(call.caller)
            if caller is None:
                continue
            for callee, resolution in self.resolve_call(parsed, call):
                edges.append(
                    ResolvedEdge(
                        RelType.CALLS, Ref(parsed.path, call.caller), self.ref(callee), resolution
                    )
                )
        return unique_edges(edges)

    @staticmethod
    def ref(target: _Def) -> Ref:
        return Ref(target.path, target.qualified_name)

    def files_for(self, value: _Value) -> list[Ref]:
        if isinstance(value, _Def):
            parsed = self.index.file(value.path)
            return [Ref(value.path, parsed.module)] if parsed is not None else []
        if isinstance(value, _Module):
            file_module, paths = self.files_of(value.qualified_name)
            return [Ref(path, file_module) for path in paths]
        return []

    # -- calls ----------------------------------------------------------------------------

    def context(self, parsed: ParsedFile, caller: str) -> tuple[str, _Def | None]:
        """The module a function is written in, and its impl's Self type (for methods)."""
        definition = next(d for d in parsed.definitions if d.qualified_name == caller)
        owner = caller.rsplit("::", 1)[0]
        if definition.kind != METHOD:
            return owner, None
        module, _, type_name = owner.rpartition("::")
        for prefix, self_type, _trait, _names in parsed.extra.get("impls", []):
            if prefix == module and self_type.rsplit("::", 1)[-1] == type_name:
                for value in self.resolve_path(module, self_type, None):
                    if isinstance(value, _Def):
                        return module, value
        trait = next((d for d in parsed.definitions if d.qualified_name == owner), None)
        if trait is not None and trait.kind == INTERFACE:
            return module, _Def(parsed.path, owner, INTERFACE)
        return module, None

    def resolve_call(self, parsed: ParsedFile, call: CallSite) -> list[tuple[_Def, str]]:
        module, self_type = self.context(parsed, call.caller)
        values, exact = self.evaluate(parsed, call.caller, module, self_type, call.callee, True, 0)
        targets = list(
            dict.fromkeys(v for v in values if isinstance(v, _Def) and v.kind in _FUNCTIONS)
        )
        if len(targets) != 1:
            return []
        return [(targets[0], EXACT if exact else HEURISTIC)]

    def evaluate(
        self,
        parsed: ParsedFile,
        scope: str,
        module: str,
        self_type: _Def | None,
        expression: str,
        callee: bool,
        depth: int,
        unbound: str = "",
    ) -> tuple[list[_Value], bool]:
        """What an expression names (a `callee`: its last step is a method) or holds (a
        receiver: its last step is a field), and whether that is certain; a head named
        `unbound` is read as an item's path, not as a local binding."""
        if depth > _MAX_DEPTH:
            return [], False
        steps = expression.split(".")
        if steps[0] == "self" and len(steps) > (2 if callee else 1):
            field_name, field_operations = _split_step(steps[1])
            generic_field = self.bindings(parsed).get((scope, f"self.{field_name}"))
            if generic_field and field_operations[:1] != ["()"]:  # `bind_generic_fields`
                steps = [f"self.{steps[1]}", *steps[2:]]
        head, operations = _split_step(steps[0])
        exact = True
        values: list[_Value]
        if "::" not in head and head != unbound and self.bindings(parsed).get((scope, head)):
            values, exact = self.binding_value(parsed, scope, module, self_type, head, depth)
            if callee and len(steps) == 1 and values and all(_uncallable(v) for v in values):
                # `let ov = ov()`: a value of a struct is not called; the function is
                values, exact = self.resolve_path(module, head, self_type), True
        elif head in ("self", "*self"):
            values = [_Instance(self_type, True)] if self_type is not None else []
        else:
            values = self.resolve_path(module, head, self_type)
        if operations and operations[0] == "()" and not values and head.endswith("::default"):
            values = self.defaulted(module, head.removesuffix("::default"), self_type)
            operations = operations[1:]
        elif operations and operations[0] == "()":
            values = self.returned(values)
            exact = exact and all(isinstance(v, _Held | _Tuple) and v.exact for v in values)
            operations = operations[1:]
        values = _operated(values, operations)
        for position, step in enumerate(steps[1:], 1):
            name, operations = _split_step(step)
            call = bool(operations) and operations[0] == "()"
            next_values: list[_Value] = []
            for value in values:
                if isinstance(value, _Elements | _Wrapped):
                    next_values += _adapted(value, name) if call else []
                    continue
                if isinstance(value, _Tuple):  # `let (ig, err) = ig.add_child(..)`: `.0`
                    place = int(name) if name.isdigit() and not call else len(value.parts)
                    next_values += value.parts[place] if place < len(value.parts) else ()
                    continue
                if not isinstance(value, _Instance):
                    continue
                if call or (callee and position == len(steps) - 1):
                    method = self.find_method(value.cls, name)
                    if method is not None:
                        next_values.append(method)
                        exact = exact and value.exact
                    elif call and name in _SAME_VALUE:
                        next_values.append(value)
                else:
                    next_values += self.field_value(value.cls, name)
                    exact = exact and value.exact
            if call:
                called: list[_Value] = [v for v in next_values if isinstance(v, _Def)]
                next_values = [v for v in next_values if not isinstance(v, _Def)]
                next_values += self.returned(called)
                operations = operations[1:]
            values = _operated(next_values, operations)
        return values, exact

    def defaulted(self, module: str, path: str, self_type: _Def | None) -> list[_Value]:
        """``PartialErrorBuilder::default()`` of a type that declares no ``default``: the
        ``Default`` trait's (a ``#[derive]``), whose ``default()`` is a ``Self``."""
        return [
            _Instance(value, True)
            for value in self.resolve_path(module, path, self_type)
            if isinstance(value, _Def) and value.kind == CLASS
        ]

    def bindings(self, parsed: ParsedFile) -> dict[tuple[str, str], list[Binding]]:
        def build() -> dict[tuple[str, str], list[Binding]]:
            table: dict[tuple[str, str], list[Binding]] = {}
            for binding in parsed.bindings:
                table.setdefault((binding.scope, binding.name), []).append(binding)
            return table

        return self.index.memo(("rust-bindings", parsed.path, parsed.content_hash), build)

    def binding_value(
        self,
        parsed: ParsedFile,
        scope: str,
        module: str,
        self_type: _Def | None,
        name: str,
        depth: int,
    ) -> tuple[list[_Value], bool]:
        found = self.bindings(parsed)[(scope, name)]
        kinds = list(dict.fromkeys((b.value, b.annotation) for b in found))
        if len(kinds) == 1 and _split_step(kinds[0][0].split(".", 1)[0])[0] == name:
            # `let ov = ov(&["*.rs"])`: the name the value starts with is not yet this one
            value = kinds[0][0]
            return self.evaluate(parsed, scope, module, self_type, value, False, depth + 1, name)
        if len(kinds) == 1:
            return self.one_binding_value(parsed, scope, module, self_type, kinds[0], depth)
        return self.agreed_value(parsed, scope, module, self_type, name, kinds, depth)

    def agreed_value(
        self,
        parsed: ParsedFile,
        scope: str,
        module: str,
        self_type: _Def | None,
        name: str,
        kinds: list[tuple[str, bool]],
        depth: int,
    ) -> tuple[list[_Value], bool]:
        """A name bound more than once in a function (``let mut m = Match::new(..)`` and a
        closure's ``|m|`` of a ``FnMut(Match)``): followed when every binding gives the same
        one type, whichever is in force where it is used. A binding that reads the name
        itself (``let x = x.parse()``), or a name already being read, is not followed."""
        key = (parsed.path, scope, name)
        if key in self._binding_values or any(
            _split_step(value.split(".", 1)[0])[0] == name for value, _annotation in kinds
        ):
            return [], False
        self._binding_values.add(key)
        try:
            agreed: list[_Value] | None = None
            exact = True
            for kind in kinds:
                values, certain = self.one_binding_value(
                    parsed, scope, module, self_type, kind, depth
                )
                if len(values) != 1 or (agreed is not None and values != agreed):
                    return [], False
                agreed, exact = values, exact and certain
            return agreed or [], exact
        finally:
            self._binding_values.discard(key)

    def one_binding_value(
        self,
        parsed: ParsedFile,
        scope: str,
        module: str,
        self_type: _Def | None,
        binding: tuple[str, bool],
        depth: int,
    ) -> tuple[list[_Value], bool]:
        """What one binding (its value and whether that is a declared type) gives."""
        value, annotation = binding
        if value == "?":
            return [], False
        if "=>" in value:
            return self.closure_value(parsed, scope, module, self_type, value, depth)
        if annotation:
            return self.declared_values(module, value, self_type), True
        return self.evaluate(parsed, scope, module, self_type, value, False, depth + 1)

    def closure_value(
        self,
        parsed: ParsedFile,
        scope: str,
        module: str,
        self_type: _Def | None,
        value: str,
        depth: int,
    ) -> tuple[list[_Value], bool]:
        """A closure's parameter, ``callee=>argument.parameter`` (`_RustParse.on_closure`):
        what the called function of the repository declares it (its ``Fn`` bound), else an
        element of the receiver when the callee is an iterator's or a slice's method."""
        callee, _, place = value.rpartition("=>")
        position, index = (int(part) for part in place.split("."))
        called, exact = self.evaluate(parsed, scope, module, self_type, callee, True, depth + 1)
        functions = list(
            dict.fromkeys(v for v in called if isinstance(v, _Def) and v.kind in _FUNCTIONS)
        )
        if len(functions) == 1 and ("." in callee or functions[0].kind == FUNCTION):
            declared = self.closure_parameter(functions[0], position, index)
            if declared is not None:
                owner = functions[0].qualified_name.rsplit("::", 1)[0]
                home = owner.rsplit("::", 1)[0] if functions[0].kind == METHOD else owner
                return self.declared_values(home, declared, None), exact
            return [], False
        receiver, _, method = callee.rpartition(".")
        count = 2 if method in _PAIRWISE else 1 if method in _ELEMENT_CLOSURES else 0
        if not receiver or index >= count:
            return [], False
        return self.evaluate(parsed, scope, module, self_type, f"{receiver}[]", False, depth + 1)

    def closure_parameter(self, function: _Def, argument: int, parameter: int) -> str | None:
        """The declared type of `parameter` of the closure a function takes as `argument`."""
        owner = self.index.file(function.path)
        closures = owner.extra.get("closures", {}) if owner is not None else {}
        for position, declared in closures.get(function.qualified_name, []):
            if position == argument and parameter < len(declared) and declared[parameter] != "?":
                return str(declared[parameter])
        return None

    def declared_values(self, module: str, declared: str, self_type: _Def | None) -> list[_Value]:
        """What a value of a `declared_type` written in `module` holds."""
        shape: type[_Held] = _Instance
        if declared.endswith("[]"):
            shape, declared = _Elements, declared[:-2]
        elif declared.endswith("?"):
            shape, declared = _Wrapped, declared[:-1]
        return [
            shape(t, True)
            for t in self.resolve_path(module, declared, self_type)
            if isinstance(t, _Def) and t.kind in (CLASS, INTERFACE)
        ]

    def field_value(self, cls: _Def, name: str) -> list[_Value]:
        module = cls.qualified_name.rsplit("::", 1)[0]
        declared = self.table(module).fields.get(cls.qualified_name, {}).get(name)
        return self.declared_values(module, declared, None) if declared is not None else []

    def returned(self, values: list[_Value]) -> list[_Value]:
        """Instances of what the functions in `values` are declared to return (``Self`` is the
        impl's type). Rust infers no return type, so a plain declared one is certain; a
        generic one (``T``, ``Result<Self>``) names no type of the repository and gives none."""
        results: list[_Value] = []
        for value in values:
            if not isinstance(value, _Def):
                continue
            if value.kind == CLASS:  # a tuple struct's constructor
                results.append(_Instance(value, True))
                continue
            owner = self.index.file(value.path)
            definition = (
                next(
                    (d for d in owner.definitions if d.qualified_name == value.qualified_name), None
                )
                if owner is not None
                else None
            )
            if definition is None or definition.returns is None:
                continue
            module = value.qualified_name.rsplit("::", 2 if definition.kind == METHOD else 1)[0]
            self_type = None
            if definition.kind == METHOD:
                type_qname = value.qualified_name.rsplit("::", 1)[0]
                self_type = next(
                    (
                        v
                        for v in self.resolve_path(module, type_qname.rsplit("::", 1)[-1], None)
                        if isinstance(v, _Def)
                    ),
                    None,
                )
            if definition.returns.startswith("("):
                results.append(
                    _Tuple(
                        tuple(
                            tuple(self.declared_values(module, part, self_type))
                            for part in definition.returns[1:-1].split(",")
                        )
                    )
                )
            else:
                results += self.declared_values(module, definition.returns, self_type)
        return results


def _takes_expressions(macro: str) -> bool:
    """Whether a macro not defined in the file takes expressions (see `_EXPRESSION_MACROS`)."""
    crate, _, name = macro.removeprefix("::").rpartition("::")
    if not crate:
        return name in _EXPRESSION_MACROS
    return name in _EXPRESSION_MACRO_CRATES.get(crate, ())


def _split_step(step: str) -> tuple[str, list[str]]:
    """``ents()[]`` -> (``ents``, [``()``, ``[]``]): a step's name and what is done to it."""
    match = _STEP.fullmatch(step)
    assert match is not None  # the pattern matches every string
    return match.group(1), _OPERATIONS.findall(match.group(2))


def _operated(values: list[_Value], operations: list[str]) -> list[_Value]:
    """`values` after ``?`` (out of an Option or a Result) and ``[]`` (an element), in order;
    a call left among `operations` gives nothing that is followed."""
    for operation in operations:
        if operation == "?":
            values = [_Instance(v.cls, v.exact) for v in values if isinstance(v, _Wrapped)]
        elif operation == "[]":
            values = [_Instance(v.cls, v.exact) for v in values if isinstance(v, _Elements)]
        else:
            return []
    return values


def _adapted(value: _Elements | _Wrapped, method: str) -> list[_Value]:
    """What a standard method called on a sequence or on an Option or Result gives."""
    if isinstance(value, _Elements):
        if method in _SAME_ELEMENTS:
            return [value]
        return [_Wrapped(value.cls, value.exact)] if method in _ONE_ELEMENT else []
    if method in _UNWRAPS:
        return [_Instance(value.cls, value.exact)]
    return [value] if method in _STILL_WRAPPED else []


def _uncallable(value: _Value) -> bool:
    """Whether a local's value cannot be what a call ``name()`` calls: a struct's value, a
    sequence, an Option or Result, a tuple (closures and ``Fn`` values are none of these)."""
    if isinstance(value, _Instance):
        return value.cls.kind == CLASS
    return isinstance(value, _Elements | _Wrapped | _Tuple)


def _configured(item: Node) -> bool:
    """Whether an item has a ``#[cfg(..)]`` attribute (the attributes before it)."""
    attribute = item.prev_named_sibling
    while attribute is not None and attribute.type in ("attribute_item", "line_comment"):
        text = attribute.text.decode("utf-8", "replace") if attribute.text is not None else ""
        if re.match(r"#\s*\[\s*cfg\s*\(", text):
            return True
        attribute = attribute.prev_named_sibling
    return False
