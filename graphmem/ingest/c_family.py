"""C and C++: files as modules, a tree-sitter parse per dialect, and one resolver for both.

Naming. A Module entity is one file, named by its path. A C function is named as the linker
names it (``list_push``); C++ names are qualified by namespace and class (``shop::Cart::add``).
Structs, unions, enums and C++ classes are Classes; functions are Functions; a function
defined in a class body or out of it (``void Cart::add() {}``) is a Method. Prototypes are
not definitions: what a file declares is kept to tell which functions its includes make
visible. Inline namespaces are not in names (``fmt::detail::buffer``, not
``fmt::v12::detail::buffer``); a template specialisation is named as its template (its bases
are the template's); a ``friend`` defined in a class is a function of its namespace; a
namespace-level function with no return type is a macro use, ``TEST(suite,name)``.

Macros. Before parsing, the macros that would break it (attribute macros, namespace and
brace statement macros, defaulted template parameters), include guards and ``#if``
conditions are made plain by ``graphmem.ingest.c_macros``, and functional casts to sized types
(`plain_casts`), every line kept in place. A file with syntax errors is parsed again with its
conditional groups of unbalanced braces or split statements read as one configuration
(``one_configuration``), then, if errors remain, every group in a function or class body; the
parse whose errors cover the fewest lines is kept, with what the other branches define,
include and call.

Dialects. ``.c`` and ``.h`` files are C; ``.cc``, ``.cpp``, ``.cxx``, ``.hpp`` and ``.hh`` are
C++. A ``.h`` header that uses C++ (``class``, ``namespace``, ``template``, ``::``) is parsed
with the C++ grammar, so C++ projects keeping ``.h`` headers are read whole.

Edges. ``#include "x.h"`` IMPORTS the repository file it names, looked up next to the including
file, then in the repository's ``include/`` and ``src/`` directories and its root; ``<x.h>``
headers are the system's and left out. C++ base classes are INHERITS. A call is exact when its
target is determined: a function defined in the file, or declared through its includes and
defined once in the repository; ``this->m()`` and ``m()`` in a method (through the class and
its bases); ``x.m()`` / ``x->m()`` on a receiver of a declared type; qualified calls
``ns::f()``; constructors ``Foo(...)`` and ``new Foo``; template arguments written in a call
(``copy<Char>(..)``) name the same entity, and ``using ns::Name;`` makes ``Name`` the other's
name, as an alias does. A name defined several times (static functions of
the same name in several files) or not declared through the includes is heuristic, and so
are a call in the arguments of a macro that renames it (``FMT_POSIX_CALL(close(fd))`` is
``::close``) and building a specialised class template (``is_named_arg<T>()``). Calls
through function pointers, of parameters and locals (lambdas), and on receivers of unknown
type are left out; an enum's ``E(..)`` and ``new T*[n]`` construct nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from graphmem.ingest.c_macros import (
    MacroTable,
    apply,
    one_configuration,
    plain_conditions,
    repository_macros,
    unguard,
)
from graphmem.ingest.language import (
    CLASS,
    EXACT,
    FUNCTION,
    HEURISTIC,
    METHOD,
    Definition,
    FileResolver,
    ParsedFile,
    Ref,
    RepoIndex,
    RepoLayout,
    ResolvedEdge,
    blank_comments,
    content_hash,
    unique_edges,
)
from graphmem.ingest.syntax import Scope, SourceParse, grammar, parser_for
from graphmem.ingest.syntax import in_source_order as ordered
from graphmem.model import RelType

if TYPE_CHECKING:
    from tree_sitter import Node

C_EXTENSIONS = (".c", ".h")
CPP_EXTENSIONS = (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx")
_LANGUAGES = frozenset({"c", "cpp"})
# Blanks within the line only: `\s*` ran on across every blank line below each line start.
_CPP_MARKERS = re.compile(rb"^[ \t\r\f\v]*(class|namespace|template)\b|::|\bpublic:", re.MULTILINE)
_TEMPLATE_ARGS = re.compile(r"<[^<>]*>")
_QUALIFIERS = re.compile(r"\b(const|volatile|struct|class|union|enum|typename|mutable|static)\b")
_SMART_POINTERS = re.compile(r"^(?:std::)?(?:unique_ptr|shared_ptr|weak_ptr)<(.+)>$")
_MAKERS = re.compile(r"^(?:std::)?make_(?:unique|shared)<([^<>]+)>$")
_NAME = re.compile(r"[A-Za-z_]\w*(?:::[A-Za-z_]\w*)*")
#: ``unsigned(x)``: a functional cast, not ``unsigned (*f)(int)`` nor ``operator unsigned()``
_SIZED_CAST = re.compile(rb"\b(?:unsigned|signed|short|long)(?=\([^*&)])")
_WRAPPERS = frozenset(
    {"pointer_declarator", "reference_declarator", "parenthesized_declarator", "init_declarator"}
)
_INCLUDE_DIRS = frozenset({"include", "inc", "src"})
#: How many same-named definitions a heuristic call may point at before it is left out.
_MAX_GUESSES = 3


def is_cpp_header(source: bytes) -> bool:
    """Whether a ``.h`` header uses C++ (its comments aside)."""
    return _CPP_MARKERS.search(blank_comments(source)) is not None


def type_name(text: str) -> str | None:
    """``const shop::Cart&`` -> ``shop::Cart``; ``std::unique_ptr<Cart>`` -> ``Cart``; None
    for what is not a plain (possibly qualified) type name."""
    text = _QUALIFIERS.sub(" ", text).replace("*", " ").replace("&", " ")
    text = re.sub(r"\s+", "", text)
    smart = _SMART_POINTERS.match(text)
    if smart:
        text = smart.group(1)
    while "<" in text:
        stripped = _TEMPLATE_ARGS.sub("", text)
        if stripped == text:
            return None
        text = stripped
    text = text.removeprefix("::")
    return text if _NAME.fullmatch(text) else None


def without_template_arguments(written: str) -> str | None:
    """``formatter<std::tm, Char>`` -> ``formatter``: a specialisation is named as its template
    (``fmt::formatter::format``); None when the brackets do not balance (a parse error)."""
    text = re.sub(r"\s+", "", written)
    while "<" in text or ">" in text:
        stripped = _TEMPLATE_ARGS.sub("", text)
        if stripped == text:
            return None
        text = stripped
    return text


def syntax_errors(source: bytes, cpp: bool) -> int:
    """How many lines of `source` tree-sitter's errors and missing tokens cover: the count of
    errors would prefer one error that swallows a thousand lines (zlib's zip.c, one function
    lost) to twenty that each skip an unknown word."""
    language = grammar("tree_sitter_cpp" if cpp else "tree_sitter_c")
    pending = [parser_for(language).parse(source).root_node]
    lines: set[int] = set()
    while pending:
        node = pending.pop()
        if node.is_error or node.is_missing:
            lines.update(range(node.start_point[0], node.end_point[0] + 1))
        elif node.has_error:
            pending.extend(node.children)
    return len(lines)


def blanked_lines(before: bytes, after: bytes) -> set[int]:
    """The 1-based lines `after` made blank (it keeps `before`'s lines)."""
    lines = zip(before.split(b"\n"), after.split(b"\n"), strict=True)
    return {number for number, (old, new) in enumerate(lines, 1) if old != new and not new.strip()}


def with_unread_code(one: ParsedFile, both: ParsedFile, unread: set[int]) -> ParsedFile:
    """`one` (the parse of one configuration) with what `both` (the parse of every branch)
    read on the lines `one` left out. The definitions that start there, with their calls and
    bindings: jq's ``#ifdef WIN32 int umain(..) { #else int main(..) { #endif`` keeps
    ``umain`` in the one configuration, ``main`` is the other's head of the same body. The
    calls there of a function both parses read alike (same lines), and the includes there:
    zlib's ``inflate.c`` includes ``inffixed.h`` in the ``#else`` of a group in a function."""
    known = {d.qualified_name: (d.start_line, d.end_line) for d in one.definitions}
    added = {
        d.qualified_name: d
        for d in both.definitions
        if d.start_line in unread and d.qualified_name not in known
    }
    alike = {
        d.qualified_name
        for d in both.definitions
        if known.get(d.qualified_name) == (d.start_line, d.end_line)
    }
    one.definitions.extend(added.values())
    one.calls.extend(
        c for c in both.calls if c.caller in added or (c.caller in alike and c.line in unread)
    )
    one.bindings.extend(b for b in both.bindings if b.scope in added)
    one.imports.extend(i for i in both.imports if i.line in unread)
    for key in ("declared", "static"):
        names = set(one.extra.get(key, [])) | (set(both.extra.get(key, [])) & set(added))
        if names:
            one.extra[key] = sorted(names)
    return one


def plain_casts(source: bytes) -> bytes:
    """`source` with the type of each functional cast to a sized integer type blanked:
    tree-sitter reads ``unsigned(id) < unsigned(size())`` as an error that can swallow the
    rest of a class (fmt's ``basic_format_args``); ``(id) < (size())`` keeps the value and
    the calls. Lines and columns stay where they are."""
    if b"(" not in source:
        return source
    return _SIZED_CAST.sub(lambda m: b" " * len(m.group(0)), source)


class _CFamilySupport:
    """Naming a file reads the repository's header macros (graphmem.ingest.c_macros) once per
    layout, in the process that names the files, before any is parsed; its parse workers start
    from that process and see the same table."""

    name = "c"
    extensions: tuple[str, ...] = C_EXTENSIONS

    def __init__(self) -> None:
        self.macros = MacroTable()
        self._layout: RepoLayout | None = None

    def module_name(self, path: str, layout: RepoLayout) -> str:
        if layout is not self._layout:
            self._layout = layout
            self.macros = repository_macros(layout.root, layout.files)
        return path

    def parse(self, path: str, source: bytes, module: str) -> ParsedFile:
        cpp = self.name == "cpp" or (path.endswith(".h") and is_cpp_header(source))
        expanded = unguard(plain_conditions(apply(source, self.macros.with_file(source))))
        if cpp:
            expanded = plain_casts(expanded)
        rewriting = self.macros.rewriting
        parsed = _CFamilyParse(self.name, cpp, path, expanded, module, rewriting).run()
        if parsed.warnings:
            # braces split across conditionals (an `} else {` in one #ifdef closed in
            # another) and statements split by them are errors that can swallow the rest of
            # the file: read those groups as one configuration, then, if errors remain, every
            # group in a body, and keep the parse with the fewest errors
            best, errors = expanded, syntax_errors(expanded, cpp)
            for every in (False, True):
                configured = one_configuration(expanded, every)
                if configured == best or errors == 0:
                    continue
                found = syntax_errors(configured, cpp)
                if found < errors:
                    best, errors = configured, found
            if best is not expanded:
                one = _CFamilyParse(self.name, cpp, path, best, module, rewriting).run()
                parsed = with_unread_code(one, parsed, blanked_lines(expanded, best))
                expanded = best
        if expanded is not source:
            parsed.content_hash = content_hash(source)
        return parsed

    def resolver(self, index: RepoIndex) -> FileResolver:
        return CFamilyResolver(index)


class CSupport(_CFamilySupport):
    """LanguageSupport for C (and ``.h`` headers, C or C++)."""

    name = "c"
    extensions = C_EXTENSIONS


class CppSupport(_CFamilySupport):
    """LanguageSupport for C++."""

    name = "cpp"
    extensions = CPP_EXTENSIONS


# -- parsing --------------------------------------------------------------------------------


class _CFamilyParse(SourceParse):
    """Records definitions, includes, calls and declared types of names.

    Scopes: the file's is ``""``; a namespace's is its qualified name with no definition.
    `extra["declared"]` lists functions the file declares (prototypes and definitions);
    `extra["static"]` the functions it defines ``static``; `extra["using"]` the namespaces of
    its ``using namespace`` directives.
    """

    def __init__(
        self,
        language: str,
        cpp: bool,
        path: str,
        source: bytes,
        module: str,
        rewriting: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(language, path, source, module)
        self.cpp = cpp
        #: macros that rename the call in their argument (c_macros.rewriting)
        self.rewriting = rewriting
        self.declared: set[str] = set()
        self.static: set[str] = set()
        #: the parameters and locals of each function (C++), whose calls are not resolved
        self.variables: dict[str, set[str]] = {}
        #: the classes defined so far, each the first definition of its name
        self.classes: dict[str, Definition] = {}

    def run(self) -> ParsedFile:
        if self.cpp:
            found = self.captures(grammar("tree_sitter_cpp"), "c", "cpp")
        else:
            found = self.captures(grammar("tree_sitter_c"), "c")
        first = ("namespace", "type", "function")
        self.sweep(ordered(found, first), Scope("", len(self.source) + 1, None))
        self.parsed.extra["declared"] = sorted(self.declared)
        if self.static:
            self.parsed.extra["static"] = sorted(self.static)
        return self.parsed

    @staticmethod
    def join(prefix: str, name: str) -> str:
        return f"{prefix}::{name}" if prefix else name

    @staticmethod
    def in_function(scope: Scope) -> bool:
        return scope.definition is not None and scope.definition.kind in (FUNCTION, METHOD)

    def parent(self, scope: Scope) -> str:
        return scope.qualified_name if scope.definition is not None else self.module

    # -- definitions ----------------------------------------------------------------------

    def on_namespace(self, node: Node, scope: Scope) -> Scope | None:
        if self.in_function(scope):
            return None
        name = node.child_by_field_name("name")
        if name is None:
            return Scope(scope.qualified_name, node.end_byte, None)
        if any(child.type == "inline" for child in node.children):
            # inline namespaces (fmt's versioned ``v12``) are not in names; a name written
            # through one (``fmt::v12::format``) is read without it
            inline = self.parsed.extra.setdefault("inline", [])
            if self.text(name) not in inline:
                inline.append(self.text(name))
            return Scope(scope.qualified_name, node.end_byte, None)
        return Scope(self.join(scope.qualified_name, self.text(name)), node.end_byte, None)

    def on_type(self, node: Node, scope: Scope) -> Scope | None:
        if self.in_function(scope):
            return None
        name_node = node.child_by_field_name("name")
        if name_node is not None:
            name = self.text(name_node)
        elif node.parent is not None and node.parent.type == "type_definition":
            declarator = node.parent.child_by_field_name("declarator")
            if declarator is None or declarator.type not in ("type_identifier", "identifier"):
                return None
            name = self.text(declarator)
        else:
            return None
        template = without_template_arguments(name)
        if template is None:
            return None
        specialisation = template != re.sub(r"\s+", "", name)
        # ``class Block::Iter {..}`` defines the class nested in Block, out of its body
        owner, _, name = template.removeprefix("::").rpartition("::")
        outer = self.join(scope.qualified_name, owner) if owner else scope.qualified_name
        qualified = self.join(outer, name)
        parent = outer if outer in self.seen else self.parent(scope)
        definition = self.add_definition(CLASS, name, qualified, parent, node)
        # a specialisation is the entity of its template: its bases are that entity's too
        # (``struct is_named_arg<const T> : is_named_arg<T>``)
        recorded = self.classes.setdefault(qualified, definition)
        if node.type == "enum_specifier":
            self.parsed.extra.setdefault("enums", []).append(qualified)
        if specialisation and qualified not in self.parsed.extra.get("specialised", ()):
            self.parsed.extra.setdefault("specialised", []).append(qualified)
        for child in node.named_children:
            if child.type == "base_class_clause":
                for base in child.named_children:
                    written = type_name(self.text(base))
                    if base.type == "access_specifier" or written is None:
                        continue
                    if written not in recorded.bases:
                        recorded.bases.append(written)
        return Scope(qualified, node.end_byte, definition)

    def declarator_name(self, declarator: Node | None) -> Node | None:
        """The name a (function) declarator declares, through pointers and references, and
        through the parentheses that keep ``min`` and ``max`` from expanding as macros:
        ``int (max)()``, and ``result_type (max)()``, which tree-sitter reads as a function
        ``result_type`` of a parameter of type ``max``, returning a function (which C++ has
        not)."""
        while declarator is not None and declarator.type in _WRAPPERS:
            declarator = declarator.child_by_field_name("declarator") or (
                declarator.named_children[-1] if declarator.named_children else None
            )
        if declarator is None or declarator.type != "function_declarator":
            return None
        name = declarator.child_by_field_name("declarator")
        if name is not None and name.type == "function_declarator":
            parameters = name.child_by_field_name("parameters")
            written = parameters.named_children if parameters is not None else []
            if len(written) != 1 or written[0].type != "parameter_declaration":
                return None
            if written[0].child_by_field_name("declarator") is not None:
                return None
            return written[0].child_by_field_name("type")
        while name is not None and name.type == "parenthesized_declarator":
            name = name.named_children[0] if name.named_child_count == 1 else None
        return name

    def on_function(self, node: Node, scope: Scope) -> Scope | None:
        if self.in_function(scope):
            return None
        name_node = self.declarator_name(node.child_by_field_name("declarator"))
        if name_node is None:
            return None
        written = without_template_arguments(self.text(name_node)) or ""
        if not re.fullmatch(r"~?[A-Za-z_]\w*(?:::~?[A-Za-z_]\w*)*", written):
            return None  # operators are not modelled
        in_class = scope.definition is not None and scope.definition.kind == CLASS
        if in_class and node.parent is not None and node.parent.type == "friend_declaration":
            # a friend defined in a class body is a function of the class's namespace
            return self.on_friend(node, written, scope)
        macro_use = self.macro_use(node, name_node, written, in_class)
        qualified = self.join(scope.qualified_name, macro_use or written)
        owner, _, name = (
            (scope.qualified_name, "", macro_use) if macro_use else qualified.rpartition("::")
        )
        kind = METHOD if in_class or "::" in written else FUNCTION
        parent = owner if owner in self.seen else self.module
        if kind == FUNCTION and not macro_use:
            self.declared.add(qualified)
            if any(self.text(c) == "static" for c in node.children if c.type.endswith("specifier")):
                self.static.add(qualified)
        definition = self.add_definition(kind, name, qualified, parent, node)
        if self.parsed.definitions[-1] is not definition:
            definition = next(d for d in self.parsed.definitions if d.qualified_name == qualified)
        return Scope(qualified, node.end_byte, definition)

    def on_friend(self, node: Node, written: str, scope: Scope) -> Scope:
        """``friend auto compare(const bigint&, const bigint&) -> int { .. }`` in a class of
        ``fmt::detail`` is the Function ``fmt::detail::compare`` (found by argument-dependent
        lookup, as clang names it)."""
        namespace = scope.qualified_name
        while namespace in self.classes:
            namespace = namespace.rpartition("::")[0]
        qualified = self.join(namespace, written)
        self.declared.add(qualified)
        definition = self.add_definition(FUNCTION, written, qualified, self.module, node)
        if self.parsed.definitions[-1] is not definition:
            definition = next(d for d in self.parsed.definitions if d.qualified_name == qualified)
        return Scope(qualified, node.end_byte, definition)

    def macro_use(self, node: Node, name_node: Node, written: str, in_class: bool) -> str | None:
        """``TEST(printf_test, positional) { .. }``: C++ has no implicit return type, so a
        function with none at namespace level is a macro use (googletest's TEST). It is named
        as written, ``TEST(printf_test,positional)``, one entity per test."""
        if not self.cpp or in_class or "::" in written or written.startswith("~"):
            return None
        if node.child_by_field_name("type") is not None or name_node.parent is None:
            return None
        parameters = name_node.parent.child_by_field_name("parameters")
        if parameters is None:
            return None
        return written + re.sub(r"\s+", "", self.text(parameters))

    # -- declared names -------------------------------------------------------------------

    def on_declaration(self, node: Node, scope: Scope) -> None:
        """A prototype outside functions; a local variable's type inside one."""
        if not self.in_function(scope):
            for declarator in node.children_by_field_name("declarator"):
                name_node = self.declarator_name(declarator)
                if name_node is not None:
                    self.declared.add(self.join(scope.qualified_name, self.text(name_node)))
            return
        if self.cpp:
            self.declare(node, scope)

    def on_field(self, node: Node, scope: Scope) -> None:
        if scope.definition is not None and scope.definition.kind == CLASS:
            self.declare(node, scope)

    def on_initializer(self, node: Node, scope: Scope) -> None:
        """``: buffer(x)`` in a constructor constructs the base class it names (``year_(y)``
        initialises a field: which of its type's constructors runs, a copy or another, the
        code does not write)."""
        name = node.named_children[0] if node.named_children else None
        if name is not None and self.in_function(scope):
            written = without_template_arguments(self.text(name)) or ""
            if _NAME.fullmatch(written.removeprefix("::")):
                self.add_call(scope.qualified_name, f"init {written.removeprefix('::')}", node)

    def on_param(self, node: Node, scope: Scope) -> None:
        if self.cpp and self.in_function(scope):
            self.declare(node, scope)

    def declare(self, node: Node, scope: Scope) -> None:
        type_node = node.child_by_field_name("type")
        declared = type_name(self.text(type_node)) if type_node is not None else None
        for declarator in node.children_by_field_name("declarator"):
            value = declarator.child_by_field_name("value")
            while declarator.type in _WRAPPERS and declarator.named_children:
                inner = declarator.child_by_field_name("declarator")
                declarator = inner if inner is not None else declarator.named_children[-1]
            if declarator.type not in ("identifier", "field_identifier"):
                continue
            name = self.text(declarator)
            if self.in_function(scope):
                self.variables.setdefault(scope.qualified_name, set()).add(name)
            if declared == "auto":
                inferred = self.inferred(value)
                if inferred is not None:
                    self.bind(scope.qualified_name, name, inferred, declarator, annotation=True)
            elif declared is not None:
                self.bind(scope.qualified_name, name, declared, declarator, annotation=True)

    def inferred(self, value: Node | None) -> str | None:
        """``auto x = new T``, ``T(...)``, ``std::make_unique<T>(...)`` declare a T."""
        if value is None:
            return None
        if value.type == "new_expression":
            type_node = value.child_by_field_name("type")
            return type_name(self.text(type_node)) if type_node is not None else None
        if value.type == "call_expression":
            function = value.child_by_field_name("function")
            if function is None:
                return None
            written = re.sub(r"\s+", "", self.text(function))
            maker = _MAKERS.match(written)
            return maker.group(1) if maker else f"{written}()"
        return None

    # -- calls and includes ---------------------------------------------------------------

    def on_call(self, node: Node, scope: Scope) -> None:
        function = node.child_by_field_name("function")
        if function is None or not self.in_function(scope):
            return
        while function.type == "parenthesized_expression" and function.named_child_count == 1:
            function = function.named_children[0]  # (max)(), kept from a max macro
        if function.type == "field_expression":
            receiver = self.receiver(function.child_by_field_name("argument"))
            member = function.child_by_field_name("field")
            if member is not None and member.type == "template_method":  # loc.get<T>()
                member = member.child_by_field_name("name")
            if receiver is not None and member is not None:
                self.add_macro_call(scope, f"{receiver}.{self.text(member)}", node)
        elif function.type in ("identifier", "qualified_identifier", "template_function"):
            # explicit template arguments name the same entity: copy<Char>(..) calls copy
            written = (without_template_arguments(self.text(function)) or "").removeprefix("::")
            if written in self.variables.get(scope.qualified_name, ()):
                return  # a local or parameter called: a lambda, a function pointer, a functor
            if _NAME.fullmatch(written):
                self.add_macro_call(scope, written, node)

    def add_macro_call(self, scope: Scope, callee: str, node: Node) -> None:
        """A call written in the arguments of a macro that renames it is marked ``macro ``:
        ``FMT_POSIX_CALL(close(fd))`` calls ``::close``, or ``_close`` on Windows, not what
        ``close`` names where it is written, so its target is a guess."""
        marked = f"macro {callee}" if self.in_rewriting_macro(node) else callee
        self.add_call(scope.qualified_name, marked, node)

    def in_rewriting_macro(self, node: Node) -> bool:
        """Whether `node` lies in the arguments of a use of a rewriting macro, inside the
        same function."""
        if not self.rewriting:
            return False
        current = node.parent
        while current is not None and current.type != "function_definition":
            if current.type == "argument_list" and current.parent is not None:
                function = current.parent.child_by_field_name("function")
                if function is not None and self.text(function) in self.rewriting:
                    return True
            current = current.parent
        return False

    def receiver(self, node: Node | None) -> str | None:
        """``this``, ``x``, ``this->x`` and ``(*x)`` as a dotted receiver; None otherwise."""
        if node is None:
            return None
        if node.type in ("this", "identifier"):
            return self.text(node)
        if node.type == "field_expression":
            inner = self.receiver(node.child_by_field_name("argument"))
            member = node.child_by_field_name("field")
            return f"{inner}.{self.text(member)}" if inner and member else None
        if node.type in ("parenthesized_expression", "pointer_expression") and node.named_children:
            return self.receiver(node.named_children[-1])
        return None

    def on_alias(self, node: Node, scope: Scope) -> None:
        """``using string_view = basic_string_view<char>;``: a receiver of type string_view
        has basic_string_view's members."""
        name, target = node.child_by_field_name("name"), node.child_by_field_name("type")
        if name is not None and target is not None:
            self.alias(self.text(name), target, scope)

    def on_typedef(self, node: Node, scope: Scope) -> None:
        """``typedef basic_memory_buffer<char> memory_buffer;`` (a typedef of a struct with a
        body names the struct: `on_type`)."""
        target, name = node.child_by_field_name("type"), node.child_by_field_name("declarator")
        if target is None or name is None or name.type != "type_identifier":
            return
        if target.child_by_field_name("body") is None:
            self.alias(self.text(name), target, scope)

    def alias(self, name: str, target: Node, scope: Scope) -> None:
        written = type_name(self.text(target))
        if written is not None and written != name and not self.in_function(scope):
            aliases = self.parsed.extra.setdefault("aliases", {})
            aliases.setdefault(self.join(scope.qualified_name, name), written)

    def on_using(self, node: Node, scope: Scope) -> None:
        """``using namespace ns;`` makes ns's names visible unqualified; ``using ns::Name;``
        makes one name another's, as an alias does (catch's ``using
        Matchers::Impl::MatcherBase;`` names the base of its matchers)."""
        if not node.named_children:
            return
        target = node.named_children[-1]
        if any(child.type == "namespace" for child in node.children):
            written = re.sub(r"\s+", "", self.text(target)).removeprefix("::")
            self.parsed.extra.setdefault("using", []).append(written)
        elif target.type == "qualified_identifier":
            name = re.sub(r"\s+", "", self.text(target)).rpartition("::")[2]
            if _NAME.fullmatch(name):
                self.alias(name, target, scope)

    def on_new(self, node: Node, scope: Scope) -> None:
        type_node = node.child_by_field_name("type")
        after = self.source[type_node.end_byte : type_node.end_byte + 32] if type_node else b""
        if type_node is None or after.lstrip().startswith(b"*"):
            return  # new T*[n] allocates pointers and constructs no T
        declared = type_name(self.text(type_node))
        if declared is not None and self.in_function(scope):
            self.add_macro_call(scope, f"new {declared}", node)

    def on_include(self, node: Node, scope: Scope) -> None:
        """``"x.h"`` is kept as ``x.h``, ``<x.h>`` with its brackets (looked up only on the
        include path, where the compiler looks)."""
        path = node.child_by_field_name("path")
        if path is not None and path.type == "string_literal":
            self.add_import(self.text(path).strip('"'), None, None, node, self.module)
        elif path is not None and path.type == "system_lib_string":
            self.add_import(self.text(path), None, None, node, self.module)


# -- resolution -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Def:
    path: str
    qualified_name: str
    kind: str
    static: bool = False


@dataclass
class _Repo:
    """Every C-family definition of the repository, by qualified name, and what classes hold."""

    paths: frozenset[str]
    include_dirs: tuple[str, ...]
    by_name: dict[str, list[_Def]] = field(default_factory=dict)
    bases: dict[str, list[str]] = field(default_factory=dict)
    members: dict[str, dict[str, _Def]] = field(default_factory=dict)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    inline: set[str] = field(default_factory=set)
    #: enums, which ``E(..)`` converts to and does not construct
    enums: set[str] = field(default_factory=set)
    #: class templates with specialisations, which ``T<..>()`` picks among by arguments
    specialised: set[str] = field(default_factory=set)
    #: type aliases (``using``, ``typedef``): qualified alias -> the type as written
    aliases: dict[str, str] = field(default_factory=dict)


class CFamilyResolver:
    """Resolves one C or C++ file's includes, base classes and calls (see the module
    docstring)."""

    def __init__(self, index: RepoIndex) -> None:
        self.index = index

    def repo(self) -> _Repo:
        def build() -> _Repo:
            paths = frozenset(
                m for m in self.index.modules() if m.endswith(C_EXTENSIONS + CPP_EXTENSIONS)
            )
            dirs = {str(d) for p in paths for d in PurePosixPath(p).parents}
            include_dirs = tuple(
                sorted(d for d in dirs if PurePosixPath(d).name in _INCLUDE_DIRS)
            ) + ("",)
            repo = _Repo(paths, include_dirs)
            for path in sorted(paths):
                parsed = self.index.file(path)
                if parsed is None or parsed.language not in _LANGUAGES:
                    continue
                repo.inline.update(parsed.extra.get("inline", ()))
                repo.enums.update(parsed.extra.get("enums", ()))
                repo.specialised.update(parsed.extra.get("specialised", ()))
                for alias, written in parsed.extra.get("aliases", {}).items():
                    repo.aliases.setdefault(alias, written)
                static = set(parsed.extra.get("static", ()))
                for d in parsed.definitions:
                    found = _Def(path, d.qualified_name, d.kind, d.qualified_name in static)
                    repo.by_name.setdefault(d.qualified_name, []).append(found)
                    if d.kind == CLASS and d.bases:
                        repo.bases.setdefault(d.qualified_name, list(d.bases))
                    if d.kind == METHOD and "::" in d.qualified_name:
                        owner = d.qualified_name.rpartition("::")[0]
                        repo.members.setdefault(owner, {}).setdefault(d.name, found)
                for binding in parsed.bindings:
                    repo.fields.setdefault(binding.scope, {}).setdefault(
                        binding.name, binding.value
                    )
            return repo

        return self.index.memo(("c-family-repo",), build)

    # -- includes -------------------------------------------------------------------------

    def include_target(self, parsed: ParsedFile, written: str) -> str | None:
        repo = self.repo()
        here = str(PurePosixPath(parsed.path).parent)
        bases: tuple[str, ...] = ("" if here == "." else here, *repo.include_dirs)
        if written.startswith("<"):
            written, bases = written.strip("<>"), repo.include_dirs
        for base in bases:
            candidate = _normalise(f"{base}/{written}" if base and base != "." else written)
            if candidate is not None and candidate in repo.paths:
                return candidate
        return None

    def visible(self, parsed: ParsedFile) -> tuple[frozenset[str], frozenset[str]]:
        """Names declared by the file and everything it includes, transitively, and the
        paths of those files."""

        def build() -> tuple[frozenset[str], frozenset[str]]:
            names: set[str] = set()
            seen = {parsed.path}
            pending = [parsed]
            while pending:
                current = pending.pop()
                names.update(current.extra.get("declared", ()))
                for spec in current.imports:
                    target = self.include_target(current, spec.module)
                    if target is not None and target not in seen:
                        seen.add(target)
                        loaded = self.index.file(target)
                        if loaded is not None:
                            pending.append(loaded)
            return frozenset(names), frozenset(seen)

        return self.index.memo(("c-family-visible", parsed.path, parsed.content_hash), build)

    # -- names ----------------------------------------------------------------------------

    @staticmethod
    def join(scope: str, name: str) -> str:
        return f"{scope}::{name}" if scope else name

    @staticmethod
    def contexts(qualified: str) -> list[str]:
        """Enclosing scopes of a name, innermost first: ``a::B::f`` -> a::B::f, a::B, a, ''."""
        parts = qualified.split("::") if qualified else []
        return ["::".join(parts[:n]) for n in range(len(parts), -1, -1)]

    def lookup(self, written: str, context: str, using: list[str], depth: int = 0) -> list[_Def]:
        """What a written name means from `context`: the innermost scope defining it, or
        making it another name (``using impl::helper;``, ``using Base = impl::Base;``)."""
        repo = self.repo()
        for scope in [*self.contexts(context), *using]:
            qualified = self.join(scope, written)
            found = repo.by_name.get(qualified)
            if found:
                return found
            target = repo.aliases.get(qualified)
            if target is not None and depth < 4:
                found = self.lookup(target, qualified.rpartition("::")[0], using, depth + 1)
                if found:
                    return found
        return []

    def cls(self, written: str, context: str, using: list[str], depth: int = 0) -> _Def | None:
        """The class a written type name means from `context`, through type aliases."""
        found = [d for d in self.lookup(written, context, using) if d.kind == CLASS]
        if found or depth > 4:
            return found[0] if found else None
        aliases = self.repo().aliases
        for scope in [*self.contexts(context), *using]:
            alias = self.join(scope, written)
            if alias in aliases:
                return self.cls(aliases[alias], alias.rpartition("::")[0], using, depth + 1)
        return None

    def member(self, owner: str, name: str, depth: int = 0) -> _Def | None:
        """A method of a class or of its bases (first found, depth-first in declared order)."""
        repo = self.repo()
        found = repo.members.get(owner, {}).get(name)
        if found is not None or depth > 8:
            return found
        for base in repo.bases.get(owner, ()):
            base_cls = self.cls(base, owner.rpartition("::")[0], [])
            if base_cls is not None:
                found = self.member(base_cls.qualified_name, name, depth + 1)
                if found is not None:
                    return found
        return None

    def field_type(self, owner: str, name: str, depth: int = 0) -> str | None:
        repo = self.repo()
        found = repo.fields.get(owner, {}).get(name)
        if found is not None or depth > 8:
            return found
        for base in repo.bases.get(owner, ()):
            base_cls = self.cls(base, owner.rpartition("::")[0], [])
            if base_cls is not None:
                found = self.field_type(base_cls.qualified_name, name, depth + 1)
                if found is not None:
                    return found
        return None

    # -- the file -------------------------------------------------------------------------

    def resolve(self, parsed: ParsedFile) -> list[ResolvedEdge]:
        edges: list[ResolvedEdge] = []
        module = Ref(parsed.path, parsed.module)
        for spec in parsed.imports:
            target = self.include_target(parsed, spec.module)
            if target is not None and target != parsed.path:
                edges.append(ResolvedEdge(RelType.IMPORTS, module, Ref(target, target)))
        definitions = {d.qualified_name: d for d in parsed.definitions}
        for d in parsed.definitions:
            for base in d.bases:
                found = self.cls(base, d.qualified_name.rpartition("::")[0], [])
                if found is not None:
                    edges.append(
                        ResolvedEdge(
                            RelType.INHERITS,
                            Ref(parsed.path, d.qualified_name),
                            Ref(found.path, found.qualified_name),
                        )
                    )
        locals_ = {(b.scope, b.name): b.value for b in parsed.bindings}
        visible = self.visible(parsed)
        for call in parsed.calls:
            if call.caller not in definitions:
                continue
            source = Ref(parsed.path, call.caller)
            targets = self.call_targets(parsed, call.caller, call.callee, locals_, visible)
            for callee, resolution in targets:
                found_ref = Ref(callee.path, callee.qualified_name)
                edges.append(ResolvedEdge(RelType.CALLS, source, found_ref, resolution))
        return unique_edges(edges)

    def call_targets(
        self,
        parsed: ParsedFile,
        caller: str,
        callee: str,
        locals_: dict[tuple[str, str], str],
        visible: tuple[frozenset[str], frozenset[str]],
    ) -> list[tuple[_Def, str]]:
        using: list[str] = list(parsed.extra.get("using", ()))
        owner = self.owner_class(caller)
        if callee.startswith("macro "):
            guessed = self.call_targets(parsed, caller, callee[6:], locals_, visible)
            return [(d, HEURISTIC) for d, _ in guessed]
        inline = self.repo().inline
        if inline and "::" in callee:
            parts = callee.split("::")
            callee = "::".join([p for p in parts[:-1] if p not in inline] + parts[-1:])
        if callee.startswith("new "):
            return self.construct(callee[4:], caller, using)
        if callee.startswith("init "):
            return self.initialise(callee[5:], caller, owner, using)
        if "." in callee:
            receiver, _, name = callee.rpartition(".")
            receiver_type = self.receiver_type(receiver, caller, owner, locals_, using)
            if receiver_type is None:
                return []
            found = self.member(receiver_type, name)
            return [(found, EXACT)] if found is not None else []
        if owner is not None and "::" not in callee:
            found = self.member(owner, callee)
            if found is not None:
                return [(found, EXACT)]
        candidates = self.lookup(callee, caller.rpartition("::")[0], using)
        if not candidates:
            return []
        if any(d.kind == CLASS for d in candidates):
            return self.construct(callee, caller, using)
        names, included = visible
        own = [d for d in candidates if d.path == parsed.path]
        if len(own) == 1:
            return [(own[0], EXACT)]
        # a definition in an included file (a header's static inline function, an included
        # .c file) is the one the compiler sees
        through_includes = [d for d in candidates if d.path in included]
        if not own and len(through_includes) == 1:
            return [(through_includes[0], EXACT)]
        public = [d for d in candidates if not d.static]
        if len(public) == 1 and (public[0].qualified_name in names or "::" in callee):
            return [(public[0], EXACT)]
        guesses = public or candidates
        if len(guesses) > _MAX_GUESSES:
            return []
        return [(d, HEURISTIC) for d in guesses]

    def initialise(
        self, written: str, caller: str, owner: str | None, using: list[str]
    ) -> list[tuple[_Def, str]]:
        """A constructor's initialiser that names a base class (not one of the fields)."""
        if owner is None or ("::" not in written and self.field_type(owner, written)):
            return []
        return self.construct(written, caller, using)

    def owner_class(self, caller: str) -> str | None:
        """The class a method belongs to (``a::B`` for ``a::B::f``), if it is one."""
        owner = caller.rpartition("::")[0]
        if not owner:
            return None
        found = self.repo().by_name.get(owner, [])
        return owner if any(d.kind == CLASS for d in found) else None

    def construct(self, written: str, caller: str, using: list[str]) -> list[tuple[_Def, str]]:
        """``new T`` / ``T(...)``: T's constructor when it defines one, else the class. A
        class template with specialisations (``is_named_arg<T>()``), or a class defined in
        several files, is a guess: which one is built depends on template arguments or on
        the translation unit."""
        repo = self.repo()
        found = self.cls(written, caller.rpartition("::")[0], using)
        if found is None or found.qualified_name in repo.enums:
            return []
        simple = found.qualified_name.rpartition("::")[2]
        constructor = repo.members.get(found.qualified_name, {}).get(simple)
        classes = [d for d in repo.by_name.get(found.qualified_name, ()) if d.kind == CLASS]
        guess = len(classes) > 1 or found.qualified_name in repo.specialised
        return [(constructor or found, HEURISTIC if guess else EXACT)]

    def receiver_type(
        self,
        receiver: str,
        caller: str,
        owner: str | None,
        locals_: dict[tuple[str, str], str],
        using: list[str],
    ) -> str | None:
        """The class a receiver expression has, when declared."""
        parts = receiver.split(".")
        context = caller.rpartition("::")[0]
        if parts[0] == "this":
            current = owner
            parts = parts[1:]
        else:
            written = locals_.get((caller, parts[0]))
            if written is None and owner is not None:
                written = self.field_type(owner, parts[0])
            current = self.type_of(written, context, using)
            parts = parts[1:]
        for part in parts:
            if current is None:
                return None
            current = self.type_of(self.field_type(current, part), current, using)
        return current

    def type_of(self, written: str | None, context: str, using: list[str]) -> str | None:
        if written is None:
            return None
        found = self.cls(written.removesuffix("()"), context, using)
        return found.qualified_name if found is not None else None


def _normalise(path: str) -> str | None:
    """``src/../include/x.h`` -> ``include/x.h``; None when it leaves the repository."""
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)
