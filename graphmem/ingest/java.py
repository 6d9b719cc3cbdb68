"""Java: module names from ``package`` declarations, a tree-sitter parse, and a resolver.

Naming. A Module entity is one ``.java`` file and its qualified name is the file's *package*
(``com.google.gson``), shared by the package's files (their paths tell them apart), as Go's
are. Types are named as Java names them: ``com.google.gson.Gson``, a nested type
``com.google.gson.Gson.Builder``, a method ``com.google.gson.Gson.toJson`` (overloads share one
entity), a constructor ``com.google.gson.Gson.Gson``.

Kinds. Classes, enums and records are Classes; interfaces and annotation types are Interfaces.
Annotation type elements are Methods. Types and methods declared inside a method body or an
anonymous class body (local and anonymous classes, enum constants with a body) are not
modelled: what they call is attributed to the enclosing method.

Edges. ``import a.b.C`` IMPORTS the file declaring ``C``; ``import a.b.*`` every file of package
``a.b``; ``import static a.b.C.m`` the file declaring ``C``. ``extends`` is INHERITS (class to
class, interface to interface), ``implements`` is IMPLEMENTS (class to interface). Calls are
resolved the way ``javac`` chooses a declaration: ``m()`` through the enclosing classes, their
supertypes and static imports; ``this.m()``, ``super.m()``, ``Type.m()`` (a static call),
``new T()`` (to the class), ``this(...)`` / ``super(...)`` (to the constructor), and ``x.m()``
where ``x`` is a parameter, local variable, try-with-resources variable or field of a declared
type (a type variable ``<T extends Node>`` read as its first bound), or ``var x = new T()``,
``new T().m()``, and a receiver typed by what a method is declared to return (``a.b().c()``,
``new T().a().b()``, ``var x = f()``, ``new T() {...}.m()`` where the anonymous class does not
declare ``m``) are exact; through an overloaded method whose overloads
(sharing one entity) are not all declared to return the same type, or that a supertype
overloads with another return type, it is heuristic. An element of a
declared array, collection, stream or Optional (``List<Option> options``) is of its type
argument: a lambda's parameter (``options.forEach(o -> o.getOpt())``), a ``for (var o :
options)`` variable, and what ``get()`` or ``orElse()`` give. Calls on expressions graphmem
cannot type are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphmem.ingest.language import (
    CLASS,
    EXACT,
    HEURISTIC,
    INTERFACE,
    METHOD,
    Binding,
    CallSite,
    Definition,
    FileResolver,
    ParsedFile,
    Ref,
    RepoIndex,
    RepoLayout,
    ResolvedEdge,
    blank_comments,
    unique_edges,
)
from graphmem.ingest.syntax import Scope, SourceParse, grammar, in_source_order, line
from graphmem.model import RelType

if TYPE_CHECKING:
    from tree_sitter import Node

_PACKAGE = re.compile(rb"\bpackage\s+([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)\s*;")
_GENERIC_ARGS = re.compile(r"<[^<>]*>")
#: a type annotation written in a type (``@Nullable String``)
_TYPE_ANNOTATION = re.compile(r"@[\w.]+(\([^)]*\))?\s*")
_DOTTED = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
_TYPES = frozenset({CLASS, INTERFACE})
_DECLARATIONS = frozenset(
    {
        "class_declaration",
        "interface_declaration",
        "enum_declaration",
        "record_declaration",
        "annotation_type_declaration",
    }
)
_MAX_DEPTH = 12
_COMMENTS = frozenset({"line_comment", "block_comment"})
#: How much of a file is read to find its package declaration (licence headers come first).
_HEADER_BYTES = 65536


@cache
def _package_of(file: Path, mtime_ns: int) -> str:
    try:
        with file.open("rb") as handle:
            header = handle.read(_HEADER_BYTES)
    except OSError:
        return ""
    found = _PACKAGE.search(blank_comments(header))
    return re.sub(r"\s+", "", found.group(1).decode("ascii", "replace")) if found else ""


def java_package(path: str, layout: RepoLayout) -> str:
    """The package a ``.java`` file declares ("" for the default package)."""
    file = layout.root / path
    try:
        mtime = file.stat().st_mtime_ns
    except OSError:
        mtime = 0
    return _package_of(file, mtime)


def type_name(text: str) -> str | None:
    """``java.util.List<Foo>`` -> ``java.util.List``; None for arrays and primitives."""
    text = _TYPE_ANNOTATION.sub("", text).strip()
    while "<" in text:
        stripped = _GENERIC_ARGS.sub("", text)
        if stripped == text:
            return None
        text = stripped
    text = re.sub(r"\s+", "", text)
    if not _DOTTED.fullmatch(text) or text in _PRIMITIVES:
        return None
    return text


_PRIMITIVES = frozenset(
    {"int", "long", "short", "byte", "char", "boolean", "float", "double", "void", "var"}
)
#: Types whose values hold elements of their first type argument, read as ``T[]``: the
#: collections, streams and Optional (one element or none).
_CONTAINERS = frozenset(
    {
        "Collection", "List", "ArrayList", "LinkedList", "Set", "HashSet", "LinkedHashSet",
        "TreeSet", "SortedSet", "NavigableSet", "Queue", "Deque", "ArrayDeque", "PriorityQueue",
        "Iterable", "Iterator", "ListIterator", "Stream", "Optional", "SequencedCollection",
        "CopyOnWriteArrayList", "Vector", "Stack",
    }
)  # fmt: skip
#: Calls on such a value that give the same elements; and those that give one element.
_SAME_ELEMENTS = frozenset(
    {
        "stream", "parallelStream", "filter", "sorted", "distinct", "limit", "skip", "peek",
        "findFirst", "findAny", "max", "min", "iterator", "listIterator", "reversed",
        "subList", "toList", "takeWhile", "dropWhile", "descendingIterator", "unmodifiableList",
    }
)  # fmt: skip
_ONE_ELEMENT = frozenset(
    {
        "get", "orElse", "orElseThrow", "orElseGet", "next", "previous", "getFirst", "getLast",
        "poll", "pop", "element", "first", "last", "peekFirst", "peekLast", "pollFirst",
        "pollLast", "removeFirst", "removeLast",
    }
)  # fmt: skip
#: Methods whose lambda's first parameter is an element of the receiver (both for comparators).
_ELEMENT_LAMBDAS = frozenset(
    {
        "forEach", "filter", "map", "flatMap", "anyMatch", "allMatch", "noneMatch", "removeIf",
        "peek", "takeWhile", "dropWhile", "ifPresent", "ifPresentOrElse", "mapToInt",
        "mapToLong", "mapToDouble", "forEachOrdered", "forEachRemaining",
    }
)  # fmt: skip
_COMPARATORS = frozenset({"sort", "sorted", "max", "min"})


def declared_type(text: str) -> str | None:
    """What a declared type says a value is: a type (`type_name`), or the elements of an
    array, a collection, a stream or an Optional, ``T[]`` (``List<Option>``: ``Option[]``)."""
    text = _TYPE_ANNOTATION.sub("", text).strip()
    if text.endswith("[]"):
        item = type_name(text[:-2])
        return f"{item}[]" if item is not None and not text[:-2].endswith("]") else None
    generic = re.fullmatch(r"([\w.$]+)\s*<\s*(?:\?\s*extends\s+)?([\w.$]+)\s*(?:<.*>)?\s*>", text)
    if generic is not None and generic.group(1).rsplit(".", 1)[-1] in _CONTAINERS:
        item = type_name(generic.group(2))
        return f"{item}[]" if item is not None else None
    return type_name(text)


class JavaSupport:
    """LanguageSupport for Java."""

    name = "java"
    extensions = (".java",)

    def module_name(self, path: str, layout: RepoLayout) -> str:
        return java_package(path, layout)

    def parse(self, path: str, source: bytes, module: str) -> ParsedFile:
        return _JavaParse(path, source, module).run()

    def resolver(self, index: RepoIndex) -> FileResolver:
        return JavaResolver(index)


# -- parsing --------------------------------------------------------------------------------


class _JavaParse(SourceParse):
    """Records types, methods, calls, imports and declared types of names.

    `extra["implements"]` maps a class to the interfaces it implements (its `bases` are what it
    extends); `extra["static_imports"]` lists ``import static`` members as (type, member);
    bindings at a class's scope are its fields.
    """

    def __init__(self, path: str, source: bytes, module: str) -> None:
        super().__init__("java", path, source, module)
        self.implements: dict[str, list[str]] = {}
        self.overloads: dict[str, list[list[int]]] = {}
        #: type variables a class or method declares, by its qualified name: their first bound
        #: (None for an unbounded one, whose members are Object's)
        self.type_vars: dict[str, dict[str, str | None]] = {}
        #: overloaded methods whose declarations do not all return the same type
        self.mixed_returns: set[str] = set()
        #: per method, each declaration's [parameter count, takes varargs, declared return]
        self.signatures: dict[str, list[list[Any]]] = {}
        #: how many arguments each call passes, by its place in `parsed.calls`
        self.call_arity: list[int | None] = []

    def run(self) -> ParsedFile:
        found = self.captures(grammar("tree_sitter_java"), "java")
        first = ("class", "interface", "method", "constructor")
        self.sweep(in_source_order(found, first), Scope(self.module, len(self.source) + 1, None))
        if self.implements:
            self.parsed.extra["implements"] = self.implements
        overloaded = {name: spans for name, spans in self.overloads.items() if len(spans) > 1}
        if overloaded:
            self.parsed.extra["overloads"] = overloaded
        if self.mixed_returns:
            self.parsed.extra["mixed_returns"] = sorted(self.mixed_returns)
        if self.signatures:
            self.parsed.extra["signatures"] = self.signatures
        if any(n is not None for n in self.call_arity):
            self.parsed.extra["call_arity"] = self.call_arity
        return self.parsed

    def add_call(self, caller: str, callee: str, node: Node) -> None:
        super().add_call(caller, callee, node)
        self.call_arity.append(_arity(node))

    def prefix(self, scope: Scope) -> str:
        if scope.definition is not None:
            return scope.qualified_name
        return f"{self.module}." if self.module else ""

    @staticmethod
    def in_type(node: Node, scope: Scope) -> bool:
        """A definition opens here: at the top level, or directly in the body of a declared type
        (not of an anonymous class or an enum constant's body, which are left out)."""
        if scope.definition is not None and scope.definition.kind not in _TYPES:
            return False
        body = node.parent
        if body is not None and body.type == "program":
            return True
        if body is not None and body.type == "enum_body_declarations":
            body = body.parent
        owner = body.parent if body is not None else None
        return owner is not None and owner.type in _DECLARATIONS

    @staticmethod
    def in_method(scope: Scope) -> bool:
        return scope.definition is not None and scope.definition.kind == METHOD

    # -- definitions ----------------------------------------------------------------------

    def on_class(self, node: Node, scope: Scope) -> Scope | None:
        return self.open_type(CLASS, node, scope)

    def on_interface(self, node: Node, scope: Scope) -> Scope | None:
        return self.open_type(INTERFACE, node, scope)

    def open_type(self, kind: str, node: Node, scope: Scope) -> Scope | None:
        name_node = node.child_by_field_name("name")
        if name_node is None or not self.in_type(node, scope):
            return None
        name = self.text(name_node)
        qualified = scope.qualified_name + "." + name if scope.definition else self.top(name)
        definition = self.add_definition(kind, name, qualified, scope.qualified_name, node)
        self.declare_type_vars(qualified, node)
        superclass = node.child_by_field_name("superclass")
        if superclass is not None:
            definition.bases = self.type_list(superclass)
        for child in node.named_children:
            if child.type == "super_interfaces":
                self.implements.setdefault(qualified, []).extend(self.type_list(child))
            elif child.type == "extends_interfaces":
                definition.bases.extend(self.type_list(child))
        return Scope(qualified, node.end_byte, definition)

    def declare_type_vars(self, qualified: str, node: Node) -> None:
        """``<T extends Node>`` on a class or method: within it, a T is a Node (its first
        bound, which is what javac binds a call on a T to)."""
        self.type_vars.pop(qualified, None)  # an earlier overload's are not this one's
        parameters = node.child_by_field_name("type_parameters")
        if parameters is None:
            return
        found: dict[str, str | None] = {}
        for parameter in parameters.named_children:
            if parameter.type != "type_parameter":
                continue
            name = next((c for c in parameter.named_children if c.type == "type_identifier"), None)
            bound = next((c for c in parameter.named_children if c.type == "type_bound"), None)
            first = bound.named_children[0] if bound is not None and bound.named_children else None
            if name is not None:
                found[self.text(name)] = type_name(self.text(first)) if first is not None else None
        if found:
            self.type_vars[qualified] = found

    def declared(self, text: str, scope: str) -> str | None:
        """`declared_type` of `text` written in `scope`, a type variable read as its bound."""
        declared = declared_type(text)
        if declared is None:
            return None
        base, array = (declared[:-2], "[]") if declared.endswith("[]") else (declared, "")
        owner = scope
        while owner:
            variables = self.type_vars.get(owner)
            if variables is not None and base in variables:
                bound = variables[base]
                return f"{bound}{array}" if bound is not None else None
            owner = owner.rpartition(".")[0]
        return declared

    def top(self, name: str) -> str:
        return f"{self.module}.{name}" if self.module else name

    def type_list(self, node: Node) -> list[str]:
        names = []
        for child in node.named_children:
            if child.type == "type_list":
                names.extend(self.type_list(child))
                continue
            declared = type_name(self.text(child))
            if declared is not None:
                names.append(declared)
        return names

    def on_method(self, node: Node, scope: Scope) -> Scope | None:
        name_node = node.child_by_field_name("name")
        if name_node is None or scope.definition is None or not self.in_type(node, scope):
            return None
        return self.open_method(self.text(name_node), node, scope)

    def on_constructor(self, node: Node, scope: Scope) -> Scope | None:
        if scope.definition is None or not self.in_type(node, scope):
            return None
        return self.open_method(scope.definition.name, node, scope)

    def open_method(self, name: str, node: Node, scope: Scope) -> Scope:
        qualified = f"{scope.qualified_name}.{name}"
        definition = self.add_definition(METHOD, name, qualified, scope.qualified_name, node)
        self.declare_type_vars(qualified, node)
        self.overloads.setdefault(qualified, []).append([line(node), node.end_point[0] + 1])
        result = node.child_by_field_name("type")
        returns = self.declared(self.text(result), qualified) if result else None
        parameters = node.child_by_field_name("parameters")
        declared = [c.type for c in parameters.named_children] if parameters is not None else []
        self.signatures.setdefault(qualified, []).append(
            [
                sum(t in ("formal_parameter", "spread_parameter") for t in declared),
                "spread_parameter" in declared,
                returns,
            ]
        )
        if self.parsed.definitions[-1] is definition:  # the first overload names the entity
            definition.returns = returns
        else:
            definition = next(d for d in self.parsed.definitions if d.qualified_name == qualified)
            if returns != definition.returns:
                self.mixed_returns.add(qualified)
        return Scope(qualified, node.end_byte, definition)

    # -- declared names -------------------------------------------------------------------

    def on_field(self, node: Node, scope: Scope) -> None:
        self.declare(node, scope)

    def on_local(self, node: Node, scope: Scope) -> None:
        self.declare(node, scope)

    def declare(self, node: Node, scope: Scope) -> None:
        if scope.definition is None:
            return
        type_node = node.child_by_field_name("type")
        declared = self.declared(self.text(type_node), scope.qualified_name) if type_node else None
        for declarator in node.children_by_field_name("declarator"):
            name_node = declarator.child_by_field_name("name")
            if name_node is None:
                continue
            name = self.text(name_node)
            if declarator.child_by_field_name("dimensions") is not None:
                self.bind(scope.qualified_name, name, "?", declarator)
            elif declared is not None:
                self.bind(scope.qualified_name, name, declared, declarator, annotation=True)
            elif type_node is not None and self.text(type_node) == "var":
                self.bind_inferred(scope, name, declarator.child_by_field_name("value"))
            else:
                self.bind(scope.qualified_name, name, "?", declarator)

    def bind_inferred(self, scope: Scope, name: str, value: Node | None) -> None:
        """``var x = new T()`` and ``var x = (T) y`` declare a T; ``var x = f()`` whatever f
        returns."""
        if value is not None and value.type in ("object_creation_expression", "cast_expression"):
            type_node = value.child_by_field_name("type")
            declared = type_name(self.text(type_node)) if type_node is not None else None
            if declared is not None:
                self.bind(scope.qualified_name, name, declared, value, annotation=True)
                return
        if value is None:
            return
        expression = self.chain(value) if value.type == "method_invocation" else None
        self.bind(scope.qualified_name, name, expression or "?", value)

    def on_resource(self, node: Node, scope: Scope) -> None:
        """``try (Reader r = open())``: a local of its declared type (or ``var``'s value)."""
        name_node = node.child_by_field_name("name")
        type_node = node.child_by_field_name("type")
        if scope.definition is None or name_node is None or type_node is None:
            return
        name = self.text(name_node)
        declared = self.declared(self.text(type_node), scope.qualified_name)
        if declared is not None:
            self.bind(scope.qualified_name, name, declared, node, annotation=True)
        elif self.text(type_node) == "var":
            self.bind_inferred(scope, name, node.child_by_field_name("value"))
        else:
            self.bind(scope.qualified_name, name, "?", node)

    def on_param(self, node: Node, scope: Scope) -> None:
        if scope.definition is None:
            return
        name_node = node.child_by_field_name("name")
        if name_node is None:
            declarator = next(
                (c for c in node.named_children if c.type == "variable_declarator"), None
            )
            name_node = declarator.child_by_field_name("name") if declarator else None
        if name_node is None:
            return
        type_node = node.child_by_field_name("type")
        if type_node is None:
            type_node = next(
                (c for c in node.named_children if c.type not in ("modifiers", "identifier")), None
            )
        declared = self.declared(self.text(type_node), scope.qualified_name) if type_node else None
        name = self.text(name_node)
        if node.child_by_field_name("dimensions") is not None:
            declared = None  # `Option opts[]`
        elif node.type == "spread_parameter" and declared is not None:
            declared = None if declared.endswith("[]") else f"{declared}[]"  # `Option... opts`
        if declared is None:
            self.bind(scope.qualified_name, name, "?", node)
        else:
            self.bind(scope.qualified_name, name, declared, node, annotation=True)
        if scope.definition.kind == METHOD and node.parent is not None:
            owner = node.parent.parent
            if owner is not None and owner.type in (
                "method_declaration",
                "constructor_declaration",
            ):
                scope.definition.params.append(name)

    def on_for_each(self, node: Node, scope: Scope) -> None:
        if scope.definition is None:
            return
        name_node = node.child_by_field_name("name")
        type_node = node.child_by_field_name("type")
        if name_node is None:
            return
        declared = self.declared(self.text(type_node), scope.qualified_name) if type_node else None
        written = type_node is not None and self.text(type_node) != "var"
        value = node.child_by_field_name("value")
        held = self.chain(value) if value is not None and not written else None
        if declared is not None and declared.endswith("[]"):  # `for (Row[] row : rows)`
            self.bind(scope.qualified_name, self.text(name_node), "?", node)
        elif declared is not None:
            self.bind(scope.qualified_name, self.text(name_node), declared, node, annotation=True)
        else:  # `for (var option : options)`: an element of what the loop walks
            self.bind(
                scope.qualified_name, self.text(name_node), f"{held}[]" if held else "?", node
            )

    def on_lambda(self, node: Node, scope: Scope) -> None:
        """Untyped lambda parameters hide fields of the same name. Given to a method of a
        collection, a stream or an Optional (``options.forEach(o -> o.getOpt())``), the first
        is an element of the receiver (both are, of a comparator); the others are unknown."""
        if scope.definition is None:
            return
        parameters = node.child_by_field_name("parameters")
        if parameters is None:
            return
        names = (
            [parameters]
            if parameters.type == "identifier"
            else [c for c in parameters.named_children if c.type == "identifier"]
        )
        arguments = node.parent
        call = arguments.parent if arguments is not None else None
        method = call.child_by_field_name("name") if call is not None else None
        receiver = call.child_by_field_name("object") if call is not None else None
        held = self.chain(receiver) if receiver is not None else None
        elements = 0
        if held is not None and method is not None and call is not None:
            called = self.text(method)
            elements = 2 if called in _COMPARATORS else 1 if called in _ELEMENT_LAMBDAS else 0
        for position, name in enumerate(names):
            value = f"{held}[]" if position < elements else "?"
            self.bind(scope.qualified_name, self.text(name), value, name)

    # -- calls and imports ----------------------------------------------------------------

    def chain(self, node: Node) -> str | None:
        """A receiver as a dotted expression: ``this.store``, ``a.b().c``, ``(T).m()`` for a
        cast or a ``new T()``; None if untypable."""
        if node.type in ("identifier", "this", "super"):
            return self.text(node)
        if node.type == "field_access":
            obj = node.child_by_field_name("object")
            attribute = node.child_by_field_name("field")
            inner = self.chain(obj) if obj is not None else None
            if inner is None or attribute is None or attribute.type not in ("identifier", "this"):
                return None
            return f"{inner}.{self.text(attribute)}"
        if node.type == "method_invocation":
            name = node.child_by_field_name("name")
            obj = node.child_by_field_name("object")
            if name is None:
                return None
            called = f"{self.text(name)}({_arity(node) or ''})"  # `m()`, `m(2)`: its arguments
            if obj is None:
                return called
            inner = self.chain(obj)
            return f"{inner}.{called}" if inner is not None else None
        if node.type == "parenthesized_expression" and node.named_child_count == 1:
            return self.chain(node.named_children[0])
        if node.type == "cast_expression":
            type_node = node.child_by_field_name("type")
            declared = type_name(self.text(type_node)) if type_node is not None else None
            return f"({declared})" if declared is not None else None
        if node.type == "object_creation_expression" and not any(
            c.type == "class_body" for c in node.named_children
        ):  # `new T()` holds a T for certain, as a cast does (an anonymous class may override)
            created = self.created_type(node)
            return f"({created})" if created is not None else None
        return None

    def created_type(self, node: Node) -> str | None:
        """The class `new T(..)` builds; None for `outer.new Inner()`, arrays, primitives."""
        if node.child_by_field_name("object") is not None:
            return None
        type_node = node.child_by_field_name("type")
        return type_name(self.text(type_node)) if type_node is not None else None

    def on_call(self, node: Node, scope: Scope) -> None:
        if not self.in_method(scope):
            return
        name = node.child_by_field_name("name")
        if name is None:
            return
        obj = node.child_by_field_name("object")
        if obj is None:
            self.add_call(scope.qualified_name, self.text(name), node)
            return
        receiver = self.chain(obj)
        if receiver is None and obj.type == "object_creation_expression":
            receiver = self.anonymous_receiver(obj, self.text(name))
        if receiver is not None:
            self.add_call(scope.qualified_name, f"{receiver}.{self.text(name)}", node)

    def anonymous_receiver(self, node: Node, method: str) -> str | None:
        """``new T() {...}.m()`` where the anonymous class does not declare ``m``: javac binds
        it to T's ``m``, as on a ``(T)`` value."""
        body = next((c for c in node.named_children if c.type == "class_body"), None)
        created = self.created_type(node)
        if body is None or created is None:
            return None
        overridden = any(
            member.type == "method_declaration"
            and (name := member.child_by_field_name("name")) is not None
            and self.text(name) == method
            for member in body.named_children
        )
        return None if overridden else f"({created})"

    def on_new(self, node: Node, scope: Scope) -> None:
        if not self.in_method(scope):
            return
        declared = self.created_type(node)
        if declared is not None:
            self.add_call(scope.qualified_name, f"new {declared}", node)

    def on_this_call(self, node: Node, scope: Scope) -> None:
        """``this(...)`` / ``super(...)`` in a constructor: callee ``this`` or ``super``."""
        constructor = node.child_by_field_name("constructor")
        if constructor is not None and self.in_method(scope):
            self.add_call(scope.qualified_name, self.text(constructor), node)

    def on_import(self, node: Node, scope: Scope) -> None:
        is_static = any(c.type == "static" for c in node.children)
        wildcard = any(c.type == "asterisk" for c in node.children)
        target = next(
            (c for c in node.named_children if c.type in ("scoped_identifier", "identifier")), None
        )
        if target is None:
            return
        name = self.text(target).replace(" ", "")
        if is_static:
            owner, _, member = name.rpartition(".")
            if wildcard:
                owner, member = name, "*"
            self.parsed.extra.setdefault("static_imports", []).append([owner, member])
            self.add_import(owner, member, "static", node, self.module)
        elif wildcard:
            self.add_import(name, "*", None, node, self.module)
        else:
            package, _, simple = name.rpartition(".")
            self.add_import(package, simple, None, node, self.module)


# -- resolution -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Def:
    path: str
    qualified_name: str
    kind: str


@dataclass(frozen=True, slots=True)
class _Instance:
    """A value of a repository type; `exact` when its type was declared, not inferred."""

    cls: _Def
    exact: bool


@dataclass(frozen=True, slots=True)
class _Elements:
    """An array, collection, stream or Optional of a repository type (``T[]``)."""

    cls: _Def
    exact: bool


_Value = _Def | _Instance | _Elements


@dataclass
class _TypeInfo:
    """One type: what it extends and implements (as written), its members, its file."""

    definition: _Def
    parsed: ParsedFile
    outer: str | None
    bases: list[str]
    interfaces: list[str]
    methods: dict[str, _Def] = field(default_factory=dict)
    nested: dict[str, _Def] = field(default_factory=dict)
    fields: dict[str, Binding] = field(default_factory=dict)


class JavaResolver:
    """Resolves one Java file's imports, supertypes and calls (see the module docstring)."""

    def __init__(self, index: RepoIndex) -> None:
        self.index = index

    # -- tables ---------------------------------------------------------------------------

    def package_types(self, package: str) -> dict[str, list[_Def]]:
        """Top-level types of a package by simple name (over all its files)."""

        def build() -> dict[str, list[_Def]]:
            names: dict[str, list[_Def]] = {}
            for path in self.index.module_paths(package):
                parsed = self.index.file(path)
                if parsed is None or parsed.language != "java":
                    continue
                for d in parsed.definitions:
                    if d.kind in _TYPES and d.parent == parsed.module:
                        names.setdefault(d.name, []).append(_Def(path, d.qualified_name, d.kind))
            return names

        return self.index.memo(("java-package", package), build)

    def file_types(self, parsed: ParsedFile) -> dict[str, _TypeInfo]:
        def build() -> dict[str, _TypeInfo]:
            implements: dict[str, list[str]] = parsed.extra.get("implements", {})
            types: dict[str, _TypeInfo] = {}
            for d in parsed.definitions:
                if d.kind in _TYPES:
                    outer = d.parent if d.parent in types else None
                    types[d.qualified_name] = _TypeInfo(
                        _Def(parsed.path, d.qualified_name, d.kind),
                        parsed,
                        outer,
                        list(d.bases),
                        list(implements.get(d.qualified_name, [])),
                    )
                    if outer is not None:
                        types[outer].nested[d.name] = types[d.qualified_name].definition
                elif d.kind == METHOD and d.parent in types:
                    types[d.parent].methods.setdefault(
                        d.name, _Def(parsed.path, d.qualified_name, d.kind)
                    )
            for binding in parsed.bindings:
                info = types.get(binding.scope)
                if info is not None:
                    info.fields.setdefault(binding.name, binding)
            return types

        return self.index.memo(("java-file-types", parsed.path, parsed.content_hash), build)

    def bindings(self, parsed: ParsedFile) -> dict[tuple[str, str], list[Binding]]:
        """One file's bindings by (scope, name)."""

        def build() -> dict[tuple[str, str], list[Binding]]:
            table: dict[tuple[str, str], list[Binding]] = {}
            for binding in parsed.bindings:
                table.setdefault((binding.scope, binding.name), []).append(binding)
            return table

        return self.index.memo(("java-bindings", parsed.path, parsed.content_hash), build)

    def info(self, cls: _Def) -> _TypeInfo | None:
        parsed = self.index.file(cls.path)
        return self.file_types(parsed).get(cls.qualified_name) if parsed is not None else None

    # -- type names -----------------------------------------------------------------------

    def resolve_type(self, parsed: ParsedFile, name: str, context: str | None) -> list[_Def]:
        """The repository types `name`, written in `parsed` inside type `context`, names."""
        head, _, rest = name.partition(".")
        found = self.simple_type(parsed, head, context)
        if found is None:
            return self.qualified_type(name)
        for part in rest.split(".") if rest else []:
            found = self.member_type(found, part)
            if found is None:
                return self.qualified_type(name)
        return [found]

    def simple_type(self, parsed: ParsedFile, name: str, context: str | None) -> _Def | None:
        types = self.file_types(parsed)
        scope = context
        while scope is not None and scope in types:
            info = types[scope]
            if info.definition.qualified_name.rsplit(".", 1)[-1] == name:
                return info.definition
            nested = self.member_type(info.definition, name)
            if nested is not None:
                return nested
            scope = info.outer
        for spec in parsed.imports:
            if spec.alias is None and spec.name == name:
                found = self.qualified_type(f"{spec.module}.{name}" if spec.module else name)
                if found:
                    return found[0]
        local = self.package_types(parsed.module).get(name)
        if local:
            return local[0]
        for spec in parsed.imports:
            if spec.alias is None and spec.name == "*":
                on_demand = self.package_types(spec.module).get(name)
                if on_demand:
                    return on_demand[0]
                owners = self.qualified_type(spec.module)
                nested = self.member_type(owners[0], name) if owners else None
                if nested is not None:
                    return nested
        return None

    def member_type(self, cls: _Def, name: str, depth: int = 0) -> _Def | None:
        """A type nested in `cls` or inherited from its supertypes."""
        info = self.info(cls)
        if info is None or depth > _MAX_DEPTH:
            return None
        if name in info.nested:
            return info.nested[name]
        for parent in self.supertypes(info):
            found = self.member_type(parent, name, depth + 1)
            if found is not None:
                return found
        return None

    def qualified_type(self, name: str) -> list[_Def]:
        """A fully qualified name: the longest package prefix, then nested types."""
        parts = name.split(".")
        for cut in range(len(parts) - 1, -1, -1):
            package = ".".join(parts[:cut])
            if not self.index.has_module(package):
                continue
            found = self.package_types(package).get(parts[cut])
            if not found:
                continue
            current: _Def | None = found[0]
            for part in parts[cut + 1 :]:
                current = self.member_type(current, part) if current is not None else None
            if current is not None:
                return [current]
        return []

    def supertypes(self, info: _TypeInfo) -> list[_Def]:
        def build() -> list[_Def]:
            context = info.outer
            return [
                t
                for written in info.bases + info.interfaces
                for t in self.resolve_type(info.parsed, written, context)
            ]

        return self.index.memo(("java-supertypes", info.definition), build)

    # -- edges ----------------------------------------------------------------------------

    def resolve(self, parsed: ParsedFile) -> list[ResolvedEdge]:
        edges: list[ResolvedEdge] = []
        module_ref = Ref(parsed.path, parsed.module)
        for spec in parsed.imports:
            for target in self.import_targets(spec.module, spec.name, spec.alias):
                if target.path != parsed.path:
                    module = self.index.file(target.path)
                    if module is not None:
                        edges.append(
                            ResolvedEdge(
                                RelType.IMPORTS, module_ref, Ref(target.path, module.module)
                            )
                        )
        implements: dict[str, list[str]] = parsed.extra.get("implements", {})
        for definition in parsed.definitions:
            if definition.kind not in _TYPES:
                continue
            source = Ref(parsed.path, definition.qualified_name)
            context = definition.parent if definition.parent != parsed.module else None
            for written in definition.bases:
                for target in self.resolve_type(parsed, written, context):
                    edges.append(ResolvedEdge(RelType.INHERITS, source, self.ref(target)))
            for written in implements.get(definition.qualified_name, []):
                for target in self.resolve_type(parsed, written, context):
                    edges.append(ResolvedEdge(RelType.IMPLEMENTS, source, self.ref(target)))
        owners = {d.qualified_name: d for d in parsed.definitions}
        arities: list[int | None] = parsed.extra.get("call_arity", [])
        for i, call in enumerate(parsed.calls):
            caller = owners.get(call.caller)
            if caller is None:
                continue
            arity = arities[i] if i < len(arities) else None
            for target, resolution in self.resolve_call(parsed, caller, call, arity):
                edges.append(
                    ResolvedEdge(
                        RelType.CALLS,
                        Ref(parsed.path, call.caller),
                        self.ref(target),
                        resolution,
                    )
                )
        return unique_edges(edges)

    @staticmethod
    def ref(target: _Def) -> Ref:
        return Ref(target.path, target.qualified_name)

    def import_targets(self, module: str, name: str | None, alias: str | None) -> list[_Def]:
        if name == "*" and alias is None:
            found = [d for defs in self.package_types(module).values() for d in defs]
            return found or self.qualified_type(module)
        if alias == "static":
            return self.qualified_type(module)
        return self.qualified_type(f"{module}.{name}" if module else str(name))

    # -- calls ----------------------------------------------------------------------------

    def resolve_call(
        self, parsed: ParsedFile, caller: Definition, call: CallSite, arity: int | None = None
    ) -> list[tuple[_Def, str]]:
        cls_name = caller.parent
        types = self.file_types(parsed)
        if cls_name not in types:
            return []
        current = types[cls_name]
        callee = call.callee
        if callee.startswith("new "):
            found = self.resolve_type(parsed, callee[4:], cls_name)
            # `new I() {...}` of an interface makes an anonymous class: nothing to call
            return [(found[0], EXACT)] if found and found[0].kind == CLASS else []
        if callee in ("this", "super"):
            owners = [current.definition] if callee == "this" else self.superclass(current)
            return [
                (method, EXACT)
                for owner in owners
                if (method := self.own_method(owner, owner.qualified_name.rsplit(".", 1)[-1]))
            ]
        receiver, _, method_name = callee.rpartition(".")
        if not receiver:
            return self.unqualified(parsed, current, method_name, arity)
        values, exact = self.evaluate(parsed, caller, current, receiver, call.line, 0)
        targets = []
        for value in values:
            if isinstance(value, _Elements):
                continue
            if isinstance(value, _Instance):
                exact = exact and value.exact
                cls = value.cls
            else:
                cls = value
            method = self.find_method(cls, method_name, 0, arity)
            if method is not None:
                targets.append(method)
        if len(targets) != 1:
            return [(t, HEURISTIC) for t in targets]
        return [(targets[0], EXACT if exact else HEURISTIC)]

    def superclass(self, info: _TypeInfo) -> list[_Def]:
        return [
            t for written in info.bases for t in self.resolve_type(info.parsed, written, info.outer)
        ][:1]

    def own_method(self, cls: _Def, name: str) -> _Def | None:
        info = self.info(cls)
        return info.methods.get(name) if info is not None else None

    def find_method(
        self, cls: _Def, name: str, depth: int, arity: int | None = None
    ) -> _Def | None:
        """`name` declared on `cls` or inherited: superclass chain first, then interfaces.
        Given the call's argument count, the first type that declares an overload taking it
        (``el.attr("k")`` is Node's ``attr(String)`` when Element declares only
        ``attr(String, String)``), else the first that declares the name."""
        if arity is not None:
            fits = self.find_method_where(cls, name, depth, arity)
            if fits is not None:
                return fits
        return self.find_method_where(cls, name, depth, None)

    def find_method_where(self, cls: _Def, name: str, depth: int, arity: int | None) -> _Def | None:
        info = self.info(cls)
        if info is None or depth > _MAX_DEPTH:
            return None
        method = info.methods.get(name)
        if method is not None and (arity is None or self.accepts(method, arity)):
            return method
        for parent in self.supertypes(info):
            found = self.find_method_where(parent, name, depth + 1, arity)
            if found is not None:
                return found
        return None

    def signatures(self, method: _Def, arity: int | None) -> list[list[Any]]:
        """The declarations of `method` a call with `arity` arguments can bind (all of them
        when the count is unknown): [parameter count, varargs, declared return]."""
        owner = self.index.file(method.path)
        declared = owner.extra.get("signatures", {}).get(method.qualified_name, []) if owner else []
        if arity is None:
            return list(declared)
        return [s for s in declared if s[0] == arity or (s[1] and arity >= s[0] - 1)]

    def accepts(self, method: _Def, arity: int) -> bool:
        """Whether an overload of `method` takes `arity` arguments (yes when unrecorded)."""
        owner = self.index.file(method.path)
        if owner is None or method.qualified_name not in owner.extra.get("signatures", {}):
            return True
        return bool(self.signatures(method, arity))

    def unqualified(
        self, parsed: ParsedFile, current: _TypeInfo, name: str, arity: int | None = None
    ) -> list[tuple[_Def, str]]:
        """``m()``: the innermost enclosing type that has `m`, then static imports."""
        info: _TypeInfo | None = current
        types = self.file_types(parsed)
        while info is not None:
            found = self.find_method(info.definition, name, 0, arity)
            if found is not None:
                return [(found, EXACT)]
            info = types.get(info.outer) if info.outer else None
        for owner, member in parsed.extra.get("static_imports", []):
            if member in (name, "*"):
                for cls in self.qualified_type(owner):
                    found = self.find_method(cls, name, 0, arity)
                    if found is not None:
                        return [(found, EXACT)]
        return []

    def evaluate(
        self,
        parsed: ParsedFile,
        caller: Definition,
        current: _TypeInfo,
        expression: str,
        at: int,
        depth: int,
    ) -> tuple[list[_Value], bool]:
        """What a receiver expression on line `at` holds, and whether that is certain."""
        if expression.startswith("("):  # a cast: ((T) x).m()
            cast, _, rest = expression[1:].partition(")")
            context = current.definition.qualified_name
            values: list[_Value] = [
                _Instance(t, True) for t in self.resolve_type(parsed, cast, context)
            ]
            exact, parts = True, ["", *rest[1:].split(".")] if rest else [""]
        else:
            parts = expression.split(".")
            head, element = _element_of(parts[0])
            values, exact = self.head(parsed, caller, current, head, at, depth)
            values = _elements(values) if element else values
        for written in parts[1:]:
            part, element = _element_of(written)
            next_values: list[_Value] = []
            for value in values:
                if isinstance(value, _Elements):
                    next_values += _adapted(value, part)
                elif part == "this" and isinstance(value, _Def):  # Outer.this
                    next_values.append(_Instance(value, True))
                elif (step := _call_step(part)) is not None:
                    cls = value.cls if isinstance(value, _Instance) else value
                    method = self.find_method(cls, step[0], 0, step[1])
                    if method is not None:
                        next_values += self.returned(method, step[1])
                        exact = exact and not self.returns_vary(method, step[1])
                elif isinstance(value, _Instance):
                    next_values += self.field_value(value.cls, part, depth)
                else:
                    nested = self.member_type(value, part)
                    if nested is not None:
                        next_values.append(nested)
                    else:
                        next_values += self.field_value(value, part, depth)
            values = _elements(next_values) if element else next_values
        return values, exact

    def head(
        self,
        parsed: ParsedFile,
        caller: Definition,
        current: _TypeInfo,
        name: str,
        at: int,
        depth: int,
    ) -> tuple[list[_Value], bool]:
        if depth > _MAX_DEPTH:
            return [], False
        if name == "this":
            return [_Instance(current.definition, True)], True
        if name == "super":
            return [_Instance(t, True) for t in self.superclass(current)], True
        if (step := _call_step(name)) is not None:
            methods = self.unqualified(parsed, current, step[0], step[1])
            values = [v for method, _ in methods for v in self.returned(method, step[1])]
            return values, not any(self.returns_vary(method, step[1]) for method, _ in methods)
        local = self.bindings(parsed).get((caller.qualified_name, name))
        spans = parsed.extra.get("overloads", {}).get(caller.qualified_name)
        if local and spans:  # overloads share a name: read the bindings of this one
            span = next(((a, b) for a, b in spans if a <= at <= b), None)
            local = [b for b in local if span is not None and span[0] <= b.line <= span[1]]
        if local:
            if len({(b.value, b.annotation) for b in local}) != 1:
                return [], False
            binding = local[0]
            if binding.annotation:
                return self.declared_values(parsed, binding.value, caller.parent, True), True
            if binding.value == "?":
                return [], False
            values, exact = self.evaluate(parsed, caller, current, binding.value, at, depth + 1)
            # an element is of the declared type of what holds it; other values are inferred
            return values, exact
        info: _TypeInfo | None = current
        types = self.file_types(parsed)
        while info is not None:
            found = self.field_value(info.definition, name, depth)
            if found:
                return found, True
            info = types.get(info.outer) if info.outer else None
        return list(self.resolve_type(parsed, name, current.definition.qualified_name)), True

    def field_value(self, cls: _Def, name: str, depth: int) -> list[_Value]:
        """An instance of the declared type of field `name` of `cls` (or a supertype's)."""
        info = self.info(cls)
        if info is None or depth > _MAX_DEPTH:
            return []
        binding = info.fields.get(name)
        if binding is not None:
            if not binding.annotation:
                return []
            context = info.definition.qualified_name
            return self.declared_values(info.parsed, binding.value, context, True)
        for parent in self.supertypes(info):
            found = self.field_value(parent, name, depth + 1)
            if found:
                return found
        return []

    def returned(self, method: _Def, arity: int | None = None) -> list[_Value]:
        """Instances of what `method` is declared to return (by the overloads a call with
        `arity` arguments can bind): certain, as javac binds a call on it, unless overloads
        that call could bind return other types."""
        owner = self.index.file(method.path)
        if owner is None:
            return []
        definition = next(
            (d for d in owner.definitions if d.qualified_name == method.qualified_name), None
        )
        if definition is None:
            return []
        written = {s[2] for s in self.signatures(method, arity)} if arity is not None else set()
        declared = written.pop() if len(written) == 1 else definition.returns
        if declared is None:
            return []
        exact = not self.returns_vary(method, arity)
        return self.declared_values(owner, declared, definition.parent, exact)

    def returns_vary(self, method: _Def, arity: int | None = None) -> bool:
        """Whether a call of `method` (with `arity` arguments) may bind a declaration, of its
        own type or of a supertype, that returns another type than the others."""

        def build() -> bool:
            owner = self.index.file(method.path)
            if owner is None:
                return True
            cls, _, name = method.qualified_name.rpartition(".")
            info = self.info(_Def(method.path, cls, CLASS))
            found = [method]
            seen: set[_Def] = set()
            pending = list(self.supertypes(info)) if info is not None else []
            while pending and len(seen) <= 4 * _MAX_DEPTH:
                parent = pending.pop()
                parent_info = self.info(parent) if parent not in seen else None
                seen.add(parent)
                if parent_info is None:
                    continue
                if name in parent_info.methods:
                    found.append(parent_info.methods[name])
                pending.extend(self.supertypes(parent_info))
            if arity is not None and all(self.is_recorded(d) for d in found):
                returns = {r for d in found for r in self.declared_returns(d, arity)}
                if returns:
                    return len(returns) > 1
            if method.qualified_name in owner.extra.get("mixed_returns", []):
                return True
            if len(found) == 1:
                return False
            overloaded = any(
                d.qualified_name in (self.index.file(d.path) or owner).extra.get("overloads", {})
                for d in found
            )
            return overloaded and len({self.declared_return(d) for d in found}) > 1

        return self.index.memo(("java-returns-vary", method, arity), build)

    def is_recorded(self, method: _Def) -> bool:
        owner = self.index.file(method.path)
        return owner is not None and method.qualified_name in owner.extra.get("signatures", {})

    def declared_returns(self, method: _Def, arity: int) -> set[tuple[str, ...]]:
        """The types the overloads of `method` that take `arity` arguments return."""
        owner = self.index.file(method.path)
        definition = (
            next((d for d in owner.definitions if d.qualified_name == method.qualified_name), None)
            if owner is not None
            else None
        )
        if definition is None or owner is None:
            return set()
        found = set()
        for _, _, written in self.signatures(method, arity):
            values = (
                self.declared_values(owner, written, definition.parent, True) if written else []
            )
            found.add(tuple(sorted(repr(v) for v in values)) or (written or "",))
        return found

    def declared_return(self, method: _Def) -> tuple[str, ...]:
        """The repository types (or the written type) `method` is declared to return."""
        owner = self.index.file(method.path)
        definition = (
            next((d for d in owner.definitions if d.qualified_name == method.qualified_name), None)
            if owner is not None
            else None
        )
        if definition is None or definition.returns is None or owner is None:
            return ()
        values = self.declared_values(owner, definition.returns, definition.parent, True)
        return tuple(sorted(repr(v) for v in values)) or (definition.returns,)

    def declared_values(
        self, parsed: ParsedFile, declared: str, context: str | None, exact: bool
    ) -> list[_Value]:
        """What a value of a `declared_type` written in `parsed` (inside `context`) holds."""
        if declared.endswith("[]"):
            return [_Elements(t, exact) for t in self.resolve_type(parsed, declared[:-2], context)]
        return [_Instance(t, exact) for t in self.resolve_type(parsed, declared, context)]


def _arity(node: Node) -> int | None:
    """How many arguments a call passes (None for what is no call with an argument list)."""
    arguments = node.child_by_field_name("arguments")
    if arguments is None:
        return None
    return sum(1 for c in arguments.named_children if c.type not in _COMMENTS)


def _call_step(part: str) -> tuple[str, int] | None:
    """``m()`` -> (``m``, 0), ``m(2)`` -> (``m``, 2): a call step of a receiver chain."""
    name, paren, rest = part.partition("(")
    count = rest[:-1]
    if not name or not paren or not rest.endswith(")") or not (count == "" or count.isdigit()):
        return None
    return name, int(count or 0)


def _element_of(part: str) -> tuple[str, bool]:
    """``opts[]`` -> (``opts``, True): a step, and whether an element of it is meant."""
    return (part[:-2], True) if part.endswith("[]") else (part, False)


def _elements(values: list[_Value]) -> list[_Value]:
    """An element of each array, collection, stream or Optional among `values`."""
    return [_Instance(v.cls, v.exact) for v in values if isinstance(v, _Elements)]


def _adapted(value: _Elements, step: str) -> list[_Value]:
    """What a standard method of a collection, stream or Optional gives: the same elements
    (``stream()``, ``filter()``), one of them (``get()``, ``orElse()``), or nothing followed."""
    call = _call_step(step)
    if call is None:
        return []
    name = call[0]
    if name in _SAME_ELEMENTS:
        return [value]
    return [_Instance(value.cls, value.exact)] if name in _ONE_ELEMENT else []
