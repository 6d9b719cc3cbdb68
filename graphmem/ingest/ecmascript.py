"""JavaScript and TypeScript: one parser and resolver for both (ES modules and CommonJS).

Naming. A module's qualified name is its repo-relative path without the extension
(``src/api/client.ts`` is ``src/api/client``); an ``index`` file names its directory
(``src/api/index.ts`` is ``src/api``), as that is how it is imported. Definitions hang off the
module with dots: ``src/api/client.ApiClient.get``.

Definitions: classes (declarations, ``const A = class {}``, ``export default class {}``),
functions (declarations, ``const f = () => {}`` and function expressions bound to a name,
``exports.f = function () {}``, ``export default function () {}`` named ``default``, named
function expressions at module level) and methods (class-body methods, and class fields holding
a function). A test runner's block at module level, ``it('doubles', () => {...})``, is a
Function named ``it("doubles")``; other module-level callbacks (and object literals' methods)
are local scopes whose calls count for nobody and whose locals the functions declared inside
them see. Top-level bindings of literal values (``export const MAX_ATTEMPTS = 5``) are
Variables.

Imports (``import``, ``export ... from``, ``require('./x')``, ``import('./x')`` with a literal)
resolve relative specifiers to files of the repository: ``./x`` tries ``x.ts``, ``x.tsx``,
``x.js``, ... then ``x/index.*``; a ``.js`` specifier also finds the ``.ts`` file it compiles
from. ``@/x`` and ``~/x`` are read as ``src/x`` (the usual bundler alias); other bare specifiers
are packages and are not followed.

Calls are resolved, never guessed by name alone: ``f()`` to an imported or local function,
``new Foo()`` to the class, ``ns.f()`` through a namespace import or ``require``, ``Foo.s()`` to a
static method, ``this.m()`` / ``super.m()`` through ``extends``, ``super(...)`` to the base class,
``obj.f()`` through a module-level object literal's keys and spreads, and ``x.m()`` where ``x``
holds ``new Foo()``, is typed ``Foo`` (TypeScript, or JSDoc in JavaScript) or holds what a
function declares it returns (``f().m()``), as the type checker binds it (all ``exact``). An
element of an array typed ``Foo[]`` (``Array<Foo>``, JSDoc ``@type {Foo[]}``)
is a ``Foo``: in a callback of an array method (``xs.forEach((x) => x.m())``), in ``for (const
x of xs)``, as ``xs[i]`` and from ``xs.pop()``; a ``Record<K, Foo>``'s or ``Map<K, Foo>``'s
values likewise (``routes[k]``, ``map.get(k)``). ``const {options} = this`` holds
``this.options``, and a getter holds what it returns (``c.req.header()``). TypeScript also
declares types with ``const x: Foo = ...``, an interface's ``parent: Foo`` property, a
destructured parameter's type (``({gen}: Cxt)``), a returned type literal (``(): { status: S
}``), a ``this: Foo`` parameter, a function type alias for the parameters of a function typed
with it (``const h: Handler = (c) => ...``), and ``x instanceof Foo`` narrows `x` in the branch
it guards. A namespace's members
are named under it (``helpers/util.util.assertNever``) and called through it. When the type is
a TypeScript interface, the call is ``exact`` to the interface's method and ``heuristic`` to
that method of each class implementing it (typescript.py). Parameters and locals hide the outer
names they shadow. Anything else (``obj.m()`` on an unknown object) is left out.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from graphmem.ingest.language import (
    CLASS,
    EXACT,
    FUNCTION,
    HEURISTIC,
    INTERFACE,
    MAX_DISPATCH_TARGETS,
    METHOD,
    VARIABLE,
    Binding,
    CallSite,
    Definition,
    FileResolver,
    ImportSpec,
    ParsedFile,
    Ref,
    RepoIndex,
    RepoLayout,
    ResolvedEdge,
    unique_edges,
)
from graphmem.ingest.syntax import (
    Scope,
    SourceParse,
    in_source_order,
    line,
    parser_for,
    tree_root,
)
from graphmem.model import RelType

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Query

#: Extensions tried, in order, when a specifier names no file exactly.
RESOLVE_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_JS_OUTPUT = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
_SOURCE_ALIASES = ("@/", "~/")

_DOTTED = re.compile(r"[A-Za-z_$#][\w$]*(?:\.[A-Za-z_$#][\w$]*)*")
_IDENTIFIER = re.compile(r"[A-Za-z_$#][\w$]*")
#: ``owner.name`` or ``Owner.prototype.name``: a member a module-level function is set to
_MEMBER_FUNCTION = re.compile(r"([A-Za-z_$][\w$]*)(\.prototype)?\.([A-Za-z_$][\w$]*)")
_WHITESPACE = re.compile(r"\s+")
_FUNCTION_VALUES = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)
_CLASS_VALUES = frozenset({"class"})
_FUNCTION_NODES = frozenset(
    {"function_declaration", "generator_function_declaration", "method_definition"}
)
#: branches a test guards: (the node's field holding the test, the field of the branch)
_GUARDED_BRANCHES = {
    "if_statement": ("condition", "consequence"),
    "ternary_expression": ("condition", "consequence"),
    "binary_expression": ("left", "right"),
}
_TYPESCRIPT = (".ts", ".tsx", ".mts", ".cts")
#: what a class body, or an interface's, holds: members, not a scope of their own
_TYPES = frozenset({CLASS, INTERFACE})
_PROPERTY_NAMES = frozenset({"property_identifier", "private_property_identifier"})
#: values that make a top-level binding a Variable: the constants and settings decisions are
#: about (``const MAX_ATTEMPTS = 5``), not objects built at load time (``const app = express()``)
_LITERALS = frozenset(
    {
        "number",
        "string",
        "template_string",
        "true",
        "false",
        "null",
        "regex",
        "array",
        "object",
        "unary_expression",
        "binary_expression",
        "as_expression",
        "satisfies_expression",
    }
)
#: JSDoc a JavaScript file declares types with: ``@param {Command} cmd``, ``@returns {Help}``,
#: ``@type {Option[]}`` (what the braces hold is read by `_jsdoc_type`)
_JSDOC_PARAM = re.compile(r"@param\s+\{([^{}]*)\}\s+\[?([A-Za-z_$][\w$]*)")
_JSDOC_RETURNS = re.compile(r"@returns?\s+\{([^{}]*)\}")
_JSDOC_TYPE = re.compile(r"@type\s+\{([^{}]*)\}")
_JSDOC_NAMED = re.compile(r"[?!]?([A-Za-z_$][\w$.]*)(\[\])?")
_JSDOC_ARRAY = re.compile(r"(?:Array|ReadonlyArray)<\s*([A-Za-z_$][\w$.]*)\s*>")
#: array methods whose callback's first parameter is an element of the array
_ELEMENT_CALLBACKS = frozenset(
    {
        "forEach", "map", "flatMap", "filter", "find", "findLast", "findIndex",
        "findLastIndex", "some", "every",
    }
)  # fmt: skip
_REDUCERS = frozenset({"reduce", "reduceRight"})
_ARRAY_TYPES = frozenset({"Array", "ReadonlyArray", "Set", "ReadonlySet", "Iterable"})
#: types whose values are read by key (``routes[k]``, ``map.get(k)``): a `Record<K, V>`'s,
#: a `Map<K, V>`'s, held like an array's elements
_MAPPING_TYPES = frozenset({"Record", "Map", "ReadonlyMap", "WeakMap"})
#: methods of an array, map or set that return one of its elements, or some of them
_ELEMENT_METHODS = frozenset({"at", "get", "pop", "shift", "find", "findLast"})
_SUBSET_METHODS = frozenset({"filter", "slice", "sort", "reverse", "concat", "values", "toSorted"})
#: how many different expressions one name may be bound to and still be read as one value
_FEW_FORMS = 2
#: nodes whose parameters are a type's, not a function's: they bind no names
_SIGNATURES = frozenset(
    {"function_type", "constructor_type", "call_signature", "construct_signature"}
)
#: what a union may add to a type without making it another (``Command | undefined``)
_NOTHING = frozenset({"undefined", "null", "void"})
_JSDOC_TYPEDEF_IMPORT = re.compile(
    r"@typedef\s+\{\s*import\(\s*['\"]([^'\"]+)['\"]\s*\)\.([A-Za-z_$][\w$]*)\s*\}"
    r"\s+([A-Za-z_$][\w$]*)"
)
#: statements a definition's leading comment sits before
_DECLARATION_WRAPPERS = frozenset(
    {"export_statement", "lexical_declaration", "variable_declaration", "variable_declarator"}
)
UNKNOWN = "?"
#: What a function returns when it is declared to return an object type literal: the members'
#: types are bound in the scope ``<function>{}``.
SHAPE = "{}"
#: What a method returns when each of its ``return``s gives ``this``: what it was called on.
THIS = "this"
#: A return type ``Promise<Foo>`` (or an async function's ``return new Foo()``), written
#: ``promise:Foo``: awaiting the call (``await f()``, read as ``f().#await``) gives a Foo.
PROMISE = "promise:"
AWAIT = "#await"
#: A property declared with a function type (``code: (cxt: KeywordCxt) => void`` in an
#: interface), written ``signature:I.code``: ``#0`` of it is a KeywordCxt, as of a type alias.
SIGNATURE = "signature:"
#: ``xs.map((m) => m.observer)``, written ``mapped:m.observer``: an array of what the callback
#: gives, its parameter an element of ``xs`` (bound by `element_parameter`).
MAPPED = "mapped:"
#: The scope a class's fields are bound in (``Registry.#fields``): not a scope its methods'
#: bare names see (a field is only ever ``this.reg``), which `attribute` reads.
FIELDS = ".#fields"
#: The test runners' block functions (Jest, Vitest, Mocha, Jasmine, ava, node:test, tap, Deno):
#: a block at module level, ``test('retries', async t => {...})``, is a Function named by its
#: title, so the calls a test makes reach the code it tests (impact and review list it).
_TEST_BLOCKS = frozenset(
    {
        "describe", "context", "suite", "it", "test", "specify", "bench",
        "beforeEach", "afterEach", "beforeAll", "afterAll", "before", "after",
        "fdescribe", "xdescribe", "fit", "xit", "Deno.test",
    }
)  # fmt: skip
_TEST_MODIFIERS = re.compile(r"(?:\.(?:only|skip|todo|concurrent|serial|failing|each\b.*))*$")
_TITLE_LIMIT = 80


def _jsdoc_type(braces: str) -> str | None:
    """A JSDoc type naming one type, ``Help``, or an array of one, ``Option[]`` (also
    ``Array<Option>``), maybe ``| undefined``, as the resolver reads types; None for anything
    else (``string|T``)."""
    kinds = [t.strip() for t in braces.split("|") if t.strip() not in _NOTHING]
    text = kinds[0] if len(kinds) == 1 else ""
    array = _JSDOC_ARRAY.fullmatch(text)
    if array is not None:
        return f"{array.group(1)}[]"
    named = _JSDOC_NAMED.fullmatch(text)
    return named.group(1) + (named.group(2) or "") if named is not None else None


def ecmascript_module_name(path: str) -> str:
    """``src/a/b.ts`` is ``src/a/b``; ``src/a/index.tsx`` is ``src/a``; ``index.js`` stays."""
    stem = path
    for ext in (".d.ts", ".d.mts", ".d.cts"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    else:
        stem = stem.rsplit(".", 1)[0] if "." in posixpath.basename(stem) else stem
    directory, _, base = stem.rpartition("/")
    if base == "index" and directory:
        return directory
    return stem


class EcmaScriptSupport:
    """Shared LanguageSupport; `JavaScriptSupport` and `TypeScriptSupport` configure it."""

    name = "ecmascript"
    extensions: tuple[str, ...] = ()
    #: query files (without .scm) run by this language
    query_files: tuple[str, ...] = ("ecmascript",)

    def module_name(self, path: str, layout: RepoLayout) -> str:
        return ecmascript_module_name(path)

    def parse(self, path: str, source: bytes, module: str) -> ParsedFile:
        return _EcmaParse(self, path, source, module).run()

    def resolver(self, index: RepoIndex) -> FileResolver:
        return EcmaScriptResolver(index)

    def grammar(self, path: str) -> Language:
        raise NotImplementedError


# -- parsing --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Scope(Scope):
    #: an anonymous class expression: its members are not modelled, and calls inside belong to
    #: the enclosing definition
    opaque: bool = False
    #: inside an anonymous function at module level (a callback, an IIFE, an object literal's
    #: method): the scope its locals are bound in (``module#<offset>``), not the module's, seen
    #: by the functions it declares; its own calls count for nobody
    local: str | None = None


#: captures that may open a scope
_OPENERS = (
    "class", "interface", "function", "method", "field_function", "var", "export", "lambda",
    "namespace", "signature",
)  # fmt: skip


#: A line that starts with a name like `in_progress` or `in2`: tree-sitter's JavaScript and
#: TypeScript scanners take its `in` for the operator and insert no semicolon before it, so an
#: interface member or type literal field of that name (`in_progress_tasks: number`) is a
#: syntax error that breaks the rest of the declaration.
_IN_NAME = re.compile(rb"(?m)^([ \t]*i)n(?=[_$0-9])")


#: ``export type * from "./x"`` (TypeScript 5.0), which the grammar predates
_TYPE_STAR = re.compile(rb"(\bexport\s+)type(?=\s+\*)")
#: a type parameter's variance (``interface Check<in T>``, ``<out O = unknown>``), which the
#: grammar predates
_VARIANCE = re.compile(rb"([<,](?:\s|/\*(?:[^*]|\*(?!/))*\*/)*)(in|out)(?=\s+[A-Za-z_$])")


_NAMESPACE_WORDS = re.compile(rb"\b(?:namespace|module)\s+[A-Za-z_$]")


@cache
def _namespace_query(language: Language) -> Query:
    from tree_sitter import Query

    return Query(language, "(internal_module) @namespace (module) @namespace")


def _namespace_nodes(language: Language, found: dict[str, list[Node]]) -> list[Node]:
    """The TypeScript namespaces of the tree the captures in `found` are from."""
    from tree_sitter import QueryCursor

    root = tree_root(found)
    if root is None:
        return []
    return QueryCursor(_namespace_query(language)).captures(root).get("namespace", [])


def _function_around(node: Node) -> Node | None:
    """The innermost function (a declaration, a method, or a function value) `node` is in."""
    owner = node.parent
    while owner is not None and owner.type not in _FUNCTION_VALUES | _FUNCTION_NODES:
        owner = owner.parent
    return owner


def _called(call: Node) -> tuple[Node | None, bool]:
    """What a call calls, and whether it is awaited: the grammar reads ``await f<T>(x)`` as a
    call of ``await f``, so the function is the awaited expression and the call's result is
    what is awaited."""
    function = call.child_by_field_name("function")
    if function is not None and function.type == "await_expression" and function.named_children:
        return function.named_children[0], True
    return function, False


def _unstuck(source: bytes) -> bytes:
    """`source` with each such name's `n` upper-cased, for the grammar only: the same length,
    and still a name (definitions and calls are read from the source itself)."""
    return _IN_NAME.sub(rb"\1N", source) if b"in" in source else source


#: what may end a member of an interface or type literal that has no separator after it
_MEMBER_ENDS = frozenset(b")]>}'\"_$0123456789")


def _repaired(source: bytes, tsx: bool) -> bytes:
    """`source` as the grammar can read newer forms of TypeScript, the same length and the
    same lines: ``export type *`` read as ``export *`` (got's index), variance keywords
    blanked (zod's ``$ZodCheck<in T>``), a tagged template's type arguments blanked
    (styled-components' ``styled.div<{ $size: Size }>`...```), and, outside TSX (where a line
    may open an element), a ``;`` (in place of the last space of its indentation) before each
    indented line that starts with ``<`` after a line ending a member. tree-sitter inserts no
    semicolon before ``<``, so hono's overloaded call signatures (``interface Get { <K
    extends A>(key: K): V`` then ``<K extends B>(key: K): W }``) run together into a syntax
    error that breaks the rest of the file."""
    source = _VARIANCE.sub(lambda m: m.group(1) + b" " * len(m.group(2)), source)
    source = _TYPE_STAR.sub(rb"\1    ", source)
    source = _untyped_tags(source)
    if tsx:
        return source
    lines = source.split(b"\n")
    last = b""
    for number, text in enumerate(lines):
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        ends_member = last[-1:].isalpha() or (last[-1:] and last[-1] in _MEMBER_ENDS)
        if stripped.startswith(b"<") and indent and ends_member:
            lines[number] = text[: indent - 1] + b";" + stripped
        if stripped and not stripped.startswith((b"//", b"*", b"/*")):
            last = text.rstrip()
    return b"\n".join(lines)


#: how far back a tagged template's type arguments may start (``styled.div<{ ... }>```)
_TAG_TYPE_LIMIT = 2000


def _untyped_tags(source: bytes) -> bytes:
    """`source` with the type arguments of each tagged template (``tag<T>`...```) blanked,
    newlines kept: the ``<`` matching the ``>`` just before the backtick, when a name or a
    call closes before it."""
    out = bytearray(source)
    end = source.find(b">`")
    while end != -1:
        start = _opening_angle(source, end)
        before = source[start - 1 : start] if start else b""
        if start and (before.isalnum() or before in (b")", b"_", b"$", b"]")):
            for index in range(start, end + 1):
                if out[index] not in (0x0A, 0x0D):
                    out[index] = 0x20
        end = source.find(b">`", end + 2)
    return bytes(out)


def _opening_angle(source: bytes, end: int) -> int | None:
    """Where the ``<`` matching the ``>`` at `end` is, looking back at most `_TAG_TYPE_LIMIT`
    bytes and not past another template; None if it is not found."""
    depth = 0
    for position in range(end, max(end - _TAG_TYPE_LIMIT, 0) - 1, -1):
        char = source[position : position + 1]
        if char == b">" and source[position - 1 : position] != b"=":
            depth += 1
        elif char == b"<":
            depth -= 1
            if depth == 0:
                return position
        elif char == b"`":
            return None
    return None


@cache
def _error_query(language: Language) -> Query:
    from tree_sitter import Query

    return Query(language, "(ERROR) @error")


def _error_count(language: Language, root: Node) -> int:
    """How many syntax errors the tree under `root` holds."""
    from tree_sitter import QueryCursor

    if not root.has_error:
        return 0
    errors = QueryCursor(_error_query(language)).captures(root).get("error", [])
    return max(len(errors), 1)  # a tree may hold only missing nodes


class _EcmaParse(SourceParse):
    def __init__(self, support: EcmaScriptSupport, path: str, source: bytes, module: str) -> None:
        super().__init__(support.name, path, source, module)
        self.support = support
        self.exports: list[str] = []
        #: exported name -> local name (``export {a as b}``, ``export default X``)
        self.export_aliases: dict[str, str] = {}
        #: [specifier, imported name or "*", exported name or None]
        self.reexports: list[list[str | None]] = []
        #: node ids already turned into a definition (an export's anonymous default value)
        self.claimed: set[int] = set()
        #: top-level bindings that are not functions or classes: (name, scope, declaration),
        #: made Variables after the sweep so that a function or class of the same name wins
        self.variables: list[tuple[str, str, Node]] = []
        #: each TypeScript namespace (``module.util``) -> the scope it is declared in
        self.namespaces: dict[str, str] = {}
        #: a module-level local scope -> the module; a definition inside one -> that scope
        self.lexical: dict[str, str] = {}
        #: each definition with no declared return -> what its ``return``s give, as written
        self.returns_given: dict[str, set[str]] = {}
        #: each generic class -> its type parameters and what bounds them, for its methods
        self.class_type_params: dict[str, list[tuple[str, str]]] = {}

    def run(self) -> ParsedFile:
        grammar = self.support.grammar(self.path)
        found = self.parse_tree(grammar)
        if self.support.name == "typescript" and _NAMESPACE_WORDS.search(self.source):
            found["namespace"] = _namespace_nodes(grammar, found)
        ordered = in_source_order(found, _OPENERS)
        self.sweep(ordered, _Scope(self.module, len(self.source) + 1, None))
        for name, scope, declaration in self.variables:
            qualified_name = f"{scope}.{name}"
            if qualified_name not in self.seen:
                self.add_definition(VARIABLE, name, qualified_name, self.entity(scope), declaration)
        if self.namespaces:
            self.parsed.extra["namespaces"] = self.namespaces
        if self.lexical:
            self.parsed.extra["lexical"] = self.lexical
        self.infer_returns()
        if self.exports or self.export_aliases:
            self.parsed.exports = sorted(set(self.exports) | set(self.export_aliases))
        self.parsed.extra.update(export_aliases=self.export_aliases, reexports=self.reexports)
        if self.support.name == "javascript" and b"@typedef" in self.source:
            text = self.source.decode("utf-8", errors="replace")
            type_imports = {
                alias: [specifier, name]
                for specifier, name, alias in _JSDOC_TYPEDEF_IMPORT.findall(text)
            }
            if type_imports:  # names JSDoc types may use: `@typedef {import("./x").T} T`
                self.parsed.extra["type_imports"] = type_imports
        return self.parsed

    def parse_tree(self, grammar: Language) -> dict[str, list[Node]]:
        """The captures of the bytes the grammar reads: `_unstuck`, and in a TypeScript file
        with syntax errors, `_repaired` too when that parses with fewer of them."""
        parsed = _unstuck(self.source)
        found = self.captures(grammar, *self.support.query_files, parsed=parsed)
        if not self.parsed.warnings or self.support.name != "typescript":
            return found
        repaired = _repaired(parsed, tsx=self.path.endswith(".tsx"))
        root = tree_root(found)
        fixed = parser_for(grammar).parse(repaired).root_node
        if root is None or _error_count(grammar, fixed) >= _error_count(grammar, root):
            return found
        self.parsed.warnings.clear()
        return self.captures(grammar, *self.support.query_files, parsed=repaired)

    # -- definitions ----------------------------------------------------------------------

    def define(
        self, kind: str, name: str, node: Node, scope: _Scope, span: Node | None = None
    ) -> _Scope:
        span = span or node
        qname = f"{scope.qualified_name}.{name}"
        definition = self.add_definition(kind, name, qname, self.entity(scope.qualified_name), span)
        if scope.local:
            self.lexical[qname] = scope.local
        type_params = self.type_params(node)
        if kind == METHOD and scope.definition is not None:
            type_params = self.class_type_params.get(scope.qualified_name, []) + type_params
        for type_param, bound in type_params:
            self.bind(qname, type_param, bound, node)
        if kind == CLASS:
            self.class_type_params[qname] = type_params
            if type_params:
                names = [type_param for type_param, _ in type_params]
                self.parsed.extra.setdefault("type_param_names", {})[qname] = names
            definition.bases = self.bases(node)
            base_arguments = self.base_arguments(node)
            if base_arguments:
                self.parsed.extra.setdefault("base_arguments", {})[qname] = base_arguments
            implemented = self.implemented(node)
            if implemented:
                self.parsed.extra.setdefault("implements", {})[qname] = implemented
        elif kind == INTERFACE:
            definition.bases = self.heritage_types(node, "extends_type_clause")
        else:
            definition.params = self.params(node)
            definition.returns = self.return_type(node) or self.returned_shape(node, qname)
            body = node.child_by_field_name("body") if node.type == "arrow_function" else None
            if body is not None and body.type != "statement_block":  # `() => new Foo()`
                self.note_return(qname, node, body)
            self.destructured_params(node, qname)
            if self.support.name == "javascript":
                self.jsdoc_types(span, definition)
        self.claimed.add(node.id)
        return _Scope(qname, span.end_byte, definition)

    def type_params(self, node: Node) -> list[tuple[str, str]]:
        """``<T extends Node, U>``: each type parameter and what stands for it inside (the
        class its constraint names, so ``n: T`` is a Node; an unbounded one hides any outer
        name of its name)."""
        params = node.child_by_field_name("type_parameters")
        found = []
        for param in params.named_children if params is not None else []:
            name = param.child_by_field_name("name")
            constraint = param.child_by_field_name("constraint")
            bound_node = constraint.named_children[0] if constraint is not None else None
            bound = self.type_name(bound_node) if bound_node is not None else None
            if name is not None:
                held = bound if bound is not None and not bound.endswith("[]") else UNKNOWN
                found.append((self.text(name), held))
        return found

    def entity(self, scope: str) -> str:
        """The entity that holds what `scope` declares: a namespace is none, so its members
        hang off the module (or the definition) the namespace is declared in."""
        while scope in self.namespaces:
            scope = self.namespaces[scope]
        return scope

    def on_namespace(self, node: Node, scope: _Scope) -> _Scope | None:
        """``namespace util { export function f() {} }`` (TypeScript, also ``namespace a.b``
        and ``module m``): its members are named under it, ``helpers/util.util.f``, as
        ``util.f()`` reaches them; declarations of one name merge, as the checker merges them."""
        name_node = node.child_by_field_name("name")
        names = _WHITESPACE.sub("", self.text(name_node)) if name_node is not None else ""
        if not _DOTTED.fullmatch(names) or scope.definition is not None or scope.local:
            return None  # `declare module "x"`, or one inside a function
        qualified_name = scope.qualified_name
        for name in names.split("."):
            self.namespaces.setdefault(f"{qualified_name}.{name}", qualified_name)
            qualified_name = f"{qualified_name}.{name}"
        return _Scope(qualified_name, node.end_byte, None)

    def return_type(self, node: Node) -> str | None:
        """A TypeScript return annotation naming one type or an array of one (``): Help``,
        ``): Option[]``), as `declared_type` reads it; a ``Promise<T>`` is not a T but
        ``promise:T``, what awaiting it gives."""
        annotation = node.child_by_field_name("return_type")
        named = annotation.named_children if annotation is not None else []
        if len(named) != 1:
            return None
        name = named[0].child_by_field_name("name") if named[0].type == "generic_type" else None
        if name is not None and self.text(name) == "Promise":
            arguments = named[0].child_by_field_name("type_arguments")
            awaited = arguments.named_children if arguments is not None else []
            item = self.type_name(awaited[0]) if len(awaited) == 1 else None
            return PROMISE + item if item is not None else None
        return self.type_name(named[0])

    def returned_shape(self, node: Node, qualified_name: str) -> str | None:
        """``_processInputParams(): { status: ParseStatus; ctx: Context }``: the function returns
        an object whose members are of those types (bound under ``<function>{}``), as
        ``const { status } = this._processInputParams(input); status.dirty()`` reads them."""
        annotation = node.child_by_field_name("return_type")
        named = annotation.named_children if annotation is not None else []
        if len(named) != 1 or named[0].type != "object_type":
            return None
        self.property_types(named[0], qualified_name + SHAPE)
        return SHAPE

    def jsdoc_types(self, span: Node, definition: Definition) -> None:
        """The types a JavaScript function's JSDoc declares: parameters (read as annotations)
        and the result. The TypeScript checker reads them the same way in JS files."""
        node = span
        while node.parent is not None and node.parent.type in _DECLARATION_WRAPPERS:
            node = node.parent
        comment = node.prev_named_sibling
        if comment is None or comment.type != "comment":
            return
        text = self.text(comment)
        if not text.startswith("/**"):
            return
        for braces, name in _JSDOC_PARAM.findall(text):
            declared = _jsdoc_type(braces)
            if declared is not None and name in definition.params:
                self.bind(definition.qualified_name, name, declared, comment, annotation=True)
        returns = _JSDOC_RETURNS.search(text)
        if returns is not None and definition.returns is None:
            definition.returns = _jsdoc_type(returns.group(1))

    def jsdoc_declared(self, statement: Node | None) -> str | None:
        """The type a JSDoc ``/** @type {Option[]} */`` comment just before `statement`
        declares (JavaScript)."""
        comment = statement.prev_named_sibling if statement is not None else None
        if self.support.name != "javascript" or comment is None or comment.type != "comment":
            return None
        found = _JSDOC_TYPE.search(self.text(comment))
        return _jsdoc_type(found.group(1)) if found is not None else None

    def bases(self, node: Node) -> list[str]:
        for child in node.named_children:
            if child.type != "class_heritage":
                continue
            for part in child.named_children:
                if part.type == "extends_clause":  # TypeScript
                    value = part.child_by_field_name("value")
                    return [self.dotted(value) or "?"] if value is not None else []
                if part.type != "implements_clause":  # JavaScript: the expression itself
                    return [self.dotted(part) or "?"]
        return []

    def base_arguments(self, node: Node) -> list[str | None]:
        """``class ZodOptional<T> extends ZodType<T["_output"], ZodOptionalDef<T>>``: the type
        arguments the base is given, as `type_name` reads each (None for another form), which
        stand for the base's type parameters in what the subclass inherits."""
        for child in node.named_children:
            if child.type != "class_heritage":
                continue
            for part in child.named_children:
                arguments = part.child_by_field_name("type_arguments")
                if part.type == "extends_clause" and arguments is not None:
                    return [self.type_name(argument) for argument in arguments.named_children]
        return []

    def implemented(self, node: Node) -> list[str]:
        """What ``class C implements A, B`` names (TypeScript), as written."""
        heritage = next((c for c in node.named_children if c.type == "class_heritage"), None)
        return self.heritage_types(heritage, "implements_clause") if heritage is not None else []

    def heritage_types(self, node: Node, clause_type: str) -> list[str]:
        """The types of `node`'s ``implements`` or ``extends`` clause (``C.D<T>`` is ``C.D``)."""
        names = []
        for clause in node.named_children:
            if clause.type != clause_type:
                continue
            for type_node in clause.named_children:
                if type_node.type == "generic_type":
                    type_node = type_node.child_by_field_name("name") or type_node
                named = self.dotted(type_node)
                if named is not None:
                    names.append(named)
        return names

    def destructured_params(
        self, node: Node, qualified_name: str, member: str | None = None
    ) -> None:
        """``function serialize({gen, data}: SerializeCxt)``: `gen` holds the member `gen` of a
        `SerializeCxt` (the parameter is bound as ``#0``, a name no code can use); the names
        an untyped or nested pattern declares are locals whose values are not followed, unless
        the function is a `typed_member` (`member`), whose type gives the parameter's."""
        params = node.child_by_field_name("parameters")
        for position, child in enumerate(params.named_children if params is not None else []):
            pattern = child.child_by_field_name("pattern") or child
            declared = self.declared_type(child.child_by_field_name("type"))
            if pattern.type == "this" and declared is not None:  # `function f(this: Ajv)`
                self.bind(qualified_name, "this", declared, child, annotation=True)
            if pattern.type != "object_pattern":
                continue
            scope = _Scope(qualified_name, node.end_byte, None)
            held = f"#{position}"
            if declared is not None:
                self.bind(qualified_name, held, declared, child, annotation=True)
            elif member is not None:
                self.bind(qualified_name, held, f"{member}.{held}", child)
            else:
                self.unknown_names(pattern, scope)
                continue
            self.destructured_names(pattern, held, scope)

    def params(self, node: Node) -> list[str]:
        params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
        if params is None:
            return []
        if params.type == "identifier":
            return [self.text(params)]
        names = []
        for child in params.named_children:
            target = child.child_by_field_name("pattern") or child
            if target.type == "identifier":
                names.append(self.text(target))
        return names

    def in_function(self, scope: _Scope) -> bool:
        return scope.definition is not None and scope.definition.kind not in _TYPES

    def on_class(self, node: Node, scope: _Scope) -> _Scope | None:
        if node.id in self.claimed:
            return None
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return _Scope(scope.qualified_name, node.end_byte, scope.definition, opaque=True)
        return self.define(CLASS, self.text(name_node), node, scope)

    def on_interface(self, node: Node, scope: _Scope) -> _Scope | None:
        """``interface I extends J { m(): T }``: an Interface, its method signatures Methods."""
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return None
        opened = self.define(INTERFACE, self.text(name_node), node, scope)
        body = node.child_by_field_name("body")
        if body is not None:
            self.property_types(body, opened.qualified_name + FIELDS)
        return opened

    def property_types(self, body: Node, scope: str) -> None:
        """``interface Ctx { parent: Ctx; registry: Registry }``: each property declared with
        a type is a field of that type, as a class's ``reg: Registry`` is (``ctx.parent.m()``),
        bound in `scope`."""
        for member in body.named_children:
            name_node = member.child_by_field_name("name")
            if member.type != "property_signature" or name_node is None:
                continue
            if name_node.type != "property_identifier":
                continue
            name = self.text(name_node)
            annotation = member.child_by_field_name("type")
            written = annotation.named_children if annotation is not None else []
            if written and written[0].type == "function_type":
                owner = scope.removesuffix(FIELDS).removesuffix(SHAPE)
                owner = owner.removeprefix(self.module + ".")
                self.signature(f"{owner}.{name}", written[0])
                self.bind(scope, name, f"{SIGNATURE}{owner}.{name}", member, annotation=True)
                continue
            declared = self.declared_type(annotation)
            if declared is not None:
                self.bind(scope, name, declared, member, annotation=True)

    def on_function(self, node: Node, scope: _Scope) -> _Scope | None:
        name_node = node.child_by_field_name("name")
        if name_node is None or node.id in self.claimed:
            return None
        return self.define(FUNCTION, self.text(name_node), node, scope)

    def on_lambda(self, node: Node, scope: _Scope) -> _Scope | None:
        """A function expression or arrow function no declaration named, at module level: a
        named one is a Function (``export default ok && function httpAdapter() {}``), so is a
        test block, and any other callback is a local scope. Inside a definition they are
        part of it."""
        if scope.definition is not None and not scope.local:
            self.element_parameter(node, scope)
            if self.is_returned(node):
                self.contextual_params(node, scope.definition.returns, scope.qualified_name)
        if node.id in self.claimed or scope.definition is not None or scope.local:
            return None  # inside a definition: its calls are that definition's
        name_node = node.child_by_field_name("name")
        if name_node is not None:
            return self.define(FUNCTION, self.text(name_node), node, scope)
        block = self.test_block(node)
        if block is not None:
            title, call = block
            return self.define(FUNCTION, title, node, scope, span=call)
        return self.local_scope(node, scope)

    def on_return(self, node: Node, scope: _Scope) -> _Scope | None:
        """Note what a definition's own ``return`` gives (not one of a callback inside it);
        a bare ``return`` gives nothing to note."""
        owner = _function_around(node)
        value = node.named_children[0] if node.named_children else None
        if owner is None or owner.id not in self.claimed or scope.definition is None:
            return None
        if value is not None and value.type != "comment":
            self.note_return(scope.qualified_name, owner, value)
        return None

    def note_return(self, qualified_name: str, function: Node, value: Node) -> None:
        """Record what `function` returns; an async function returns a promise of it, a
        generator an iterator (noted as unknown)."""
        generator = function.type in ("generator_function", "generator_function_declaration")
        generator = generator or any(child.type == "*" for child in function.children)
        given = None if generator else self.returned_value(value)
        if given is not None and any(child.type == "async" for child in function.children):
            given = PROMISE + given if given != THIS else None
        self.returns_given.setdefault(qualified_name, set()).add(given or UNKNOWN)

    def returned_value(self, value: Node) -> str | None:
        """``new Foo(...)`` gives ``Foo``, ``this`` gives `THIS`; anything else is unknown."""
        while (
            value.type in ("parenthesized_expression", "await_expression") and value.named_children
        ):
            value = value.named_children[0]
        if value.type == "this":
            return THIS
        constructor = (
            value.child_by_field_name("constructor") if value.type == "new_expression" else None
        )
        return self.dotted(constructor) if constructor is not None else None

    def infer_returns(self) -> None:
        """A function or method with no declared return type whose ``return``s all give
        ``new Foo()`` returns a Foo, and one whose ``return``s all give ``this`` returns what it
        was called on (fastify's ``reply.code(404).send()``), as the checker infers them."""
        for definition in self.parsed.definitions:
            given = self.returns_given.get(definition.qualified_name, set())
            if definition.returns is None and len(given) == 1 and UNKNOWN not in given:
                definition.returns = given.pop()

    def on_signature(self, node: Node, scope: _Scope) -> _Scope | None:
        """``type MiddlewareHandler = (c: Context, next: Next) => Promise<void>`` at module
        level: the types of its parameters, by position, for the functions it types. ``type
        Match = { observer: QueryObserver }``: an object of that type holds its members, as
        an interface's instance does (bound under ``Match{}``, read in the module)."""
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is None or value is None or scope.definition is not None or scope.local:
            return None
        if value.type == "function_type":
            self.signature(self.text(name), value)
            return None
        if value.type != "object_type":  # `type ZodTypeAny = ZodType<any, any, any>`
            named = self.type_name(value)
            if named is not None and not named.endswith("[]"):
                self.parsed.extra.setdefault("type_aliases", {})[self.text(name)] = named
            return None
        shape = f"{self.module}.{self.text(name)}"
        self.lexical[shape] = self.module
        self.property_types(value, shape + SHAPE)
        self.parsed.extra.setdefault("shapes", []).append(self.text(name))
        return None

    def signature(self, name: str, function: Node) -> None:
        """Record the types a function type declares its parameters with, by position, as
        the signature `name` (a module-relative name)."""
        params = function.child_by_field_name("parameters")
        if params is None:
            return
        types = [self.declared_type(p.child_by_field_name("type")) for p in params.named_children]
        self.parsed.extra.setdefault("signatures", {})[name] = types

    def contextual_params(self, function: Node, declared: str | None, scope: str) -> None:
        """``const getConnInfo: GetConnInfo = (c) => ...``: an untyped parameter is what the
        function type the value is declared with gives at its position (``GetConnInfo.#0``),
        as the checker types it from context."""
        if declared is None or declared.endswith("[]"):
            return
        params = function.child_by_field_name("parameters")
        count = len(params.named_children) if params is not None else 1
        for position in range(count):
            param = self.parameter(function, position)
            if param is not None:
                self.bind(scope, self.text(param), f"{declared}.#{position}", param)

    def is_returned(self, function: Node) -> bool:
        """Whether the function value `function` is what the definition around it returns
        (``return async (c, next) => {...}``, or an arrow's body), so typed by its return."""
        parent = function.parent
        if parent is not None and parent.type == "return_statement":
            parent = _function_around(parent)
        elif parent is None or parent.child_by_field_name("body") != function:
            return False
        return parent is not None and parent.id in self.claimed

    def element_parameter(self, node: Node, scope: _Scope) -> None:
        """``this.options.forEach((option) => option.name())``: a callback of an array method
        gets an element of the array, bound as ``this.options[]`` (an untyped first parameter
        only, the second of ``reduce``'s, and not one that hides a parameter of the
        definition)."""
        arguments = node.parent
        call = arguments.parent if arguments is not None else None
        if arguments is None or call is None or call.type != "call_expression":
            return
        if not arguments.named_children or arguments.named_children[0].id != node.id:
            return
        function = call.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            return
        method = function.child_by_field_name("property")
        receiver = function.child_by_field_name("object")
        called = self.text(method) if method is not None else ""
        if receiver is None or called not in _ELEMENT_CALLBACKS | _REDUCERS:
            return
        position = 1 if called in _REDUCERS else 0  # reduce((total, item) => ...)
        self.bind_element(self.parameter(node, position), receiver, scope)

    def parameter(self, function: Node, position: int) -> Node | None:
        """A parameter of a function value when it is a plain, untyped identifier."""
        single = function.child_by_field_name("parameter")  # `x => ...`
        if single is not None:
            return single if single.type == "identifier" and position == 0 else None
        params = function.child_by_field_name("parameters")
        named = params.named_children if params is not None else []
        found = named[position] if position < len(named) else None
        if found is not None and found.type == "required_parameter":  # TypeScript's wrapper
            if found.child_by_field_name("type") is not None:
                return None  # `(o: Other) => ...`: its own annotation says what it is
            found = found.child_by_field_name("pattern")
        return found if found is not None and found.type == "identifier" else None

    def bind_element(self, name_node: Node | None, array: Node, scope: _Scope) -> None:
        """Bind `name_node` in `scope` to an element of what the expression `array` holds."""
        held = self.value_expression(array)
        owner = scope.definition
        if name_node is None or held is None or owner is None:
            return
        name = self.text(name_node)
        if name not in owner.params:
            self.bind(scope.qualified_name, name, f"{held}[]", name_node)

    def on_for_of(self, node: Node, scope: _Scope) -> _Scope | None:
        """``for (const option of this.options)``: `option` is an element of the array."""
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if (
            right is not None
            and left is not None
            and left.type == "identifier"
            and self.in_function(scope)
            and any(child.type == "of" for child in node.children)
        ):
            self.bind_element(left, right, scope)
        return None

    def local_scope(self, node: Node, scope: _Scope) -> _Scope | None:
        """A scope for an anonymous function at module level. Its locals and parameters are
        bound under a name of its own, which the functions declared inside it look through
        before the module (ajv's ``code(cxt) { const {gen} = cxt; function loop() { gen.if()
        } }``), as `extra["lexical"]` records."""
        if scope.definition is not None or scope.local:
            return None
        local = f"{scope.qualified_name}#{node.start_byte}"
        self.lexical[local] = scope.qualified_name
        member = self.typed_member(node)
        params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
        for position, child in enumerate(params.named_children if params is not None else []):
            pattern = child.child_by_field_name("pattern") or child
            declared = self.declared_type(child.child_by_field_name("type"))
            if pattern.type == "identifier":
                held = declared or (f"{member}.#{position}" if member else UNKNOWN)
                self.bind(local, self.text(pattern), held, child, annotation=declared is not None)
        if params is not None and params.type == "identifier":
            self.bind(local, self.text(params), f"{member}.#0" if member else UNKNOWN, params)
        self.destructured_params(node, local, member)
        return _Scope(scope.qualified_name, node.end_byte, None, local=local)

    def typed_member(self, function: Node) -> str | None:
        """``const def: CodeKeywordDefinition = { code(cxt) {...} }`` (or ``{...} as T``):
        ``def.code``, the member whose declared type types the function's untyped parameters
        (``def.code.#0``), as the checker types them from context. None for a function that
        is not a member of an object literal held by a variable declared with one type."""
        if function.type == "method_definition":
            key, literal = function.child_by_field_name("name"), function.parent
        elif function.parent is not None and function.parent.type == "pair":
            key, literal = function.parent.child_by_field_name("key"), function.parent.parent
        else:
            return None
        if key is None or key.type != "property_identifier" or literal is None:
            return None
        holder = literal.parent
        if literal.type != "object" or holder is None:
            return None
        cast = self.cast_type(holder)
        if cast is not None:
            holder = holder.parent
        name = holder.child_by_field_name("name") if holder is not None else None
        if holder is None or holder.type != "variable_declarator" or name is None:
            return None
        declared = cast or self.declared_type(holder.child_by_field_name("type"))
        if declared is None or declared.endswith("[]") or name.type != "identifier":
            return None
        return f"{self.text(name)}.{self.text(key)}"

    def test_block(self, node: Node) -> tuple[str, Node] | None:
        """``it("keeps order", () => ...)``'s name, `it("keeps order")`, and the call, when
        `node` is a test runner block's function argument."""
        arguments = node.parent
        call = arguments.parent if arguments is not None else None
        if arguments is None or call is None or call.type != "call_expression":
            return None
        function = call.child_by_field_name("function")
        if function is None:
            return None
        runner = _TEST_MODIFIERS.sub("", _WHITESPACE.sub("", self.text(function)))
        runner = runner.split("(", 1)[0]
        if runner not in _TEST_BLOCKS:
            return None
        short = runner.rsplit(".", 1)[-1]  # Deno.test: test
        first = arguments.named_children[0] if arguments.named_children else None
        if first is None or first.id == node.id:
            return short, call  # beforeEach(() => ...)
        title = self.text(first).strip("'\"`").replace(".", " ")
        title = _WHITESPACE.sub(" ", title).strip()
        if len(title) > _TITLE_LIMIT:
            title = title[: _TITLE_LIMIT - 1] + "\u2026"
        return f'{short}("{title}")', call

    def on_method(self, node: Node, scope: _Scope) -> _Scope | None:
        name_node = node.child_by_field_name("name")
        if name_node is None or not self.is_class_scope(scope):
            # an object literal's method: like a callback, a local scope at module level
            return self.local_scope(node, scope)
        if node.type == "method_signature" and (
            node.parent is None or node.parent.type != "interface_body"
        ):
            return None  # a method of an object type written inside the interface
        opened = self.define(METHOD, self.text(name_node), node, scope)
        if any(child.type == "get" for child in node.children):
            # `c.req` reads what `get req(): HonoRequest` returns, as a call would
            self.parsed.extra.setdefault("getters", []).append(opened.qualified_name)
        return opened

    def on_field_function(self, node: Node, scope: _Scope) -> _Scope | None:
        name_node = node.child_by_field_name("property") or node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name_node is None or value is None or not self.is_class_scope(scope):
            return None
        self.claimed.add(value.id)
        return self.define(METHOD, self.text(name_node), value, scope, span=node)

    def on_field(self, node: Node, scope: _Scope) -> _Scope | None:
        """A class field's type, for ``this.reg.get()``: what it is set to (``reg = new
        Registry()``) or, in TypeScript, what it is declared as (``reg: Registry``)."""
        name_node = node.child_by_field_name("property") or node.child_by_field_name("name")
        if name_node is None or not self.is_class_scope(scope):
            return None
        field_scope = scope.qualified_name + FIELDS
        declared = self.declared_type(node.child_by_field_name("type"))
        if declared is not None:  # `routes: Route[] = []`: the declared type, as the checker
            self.bind(field_scope, self.text(name_node), declared, node, annotation=True)
            return None
        value = node.child_by_field_name("value")
        if value is not None and value.id not in self.claimed:
            bound = self.value_expression(value)
            if bound is not None:
                self.bind(field_scope, self.text(name_node), bound, node)
        return None

    def declared_type(self, annotation: Node | None) -> str | None:
        """What a TypeScript annotation declares, as `type_name` reads it."""
        type_node = (
            annotation.named_children[0] if annotation and annotation.named_children else None
        )
        return self.type_name(type_node) if type_node is not None else None

    def type_name(self, node: Node) -> str | None:
        """One type (``Query<T>`` counts as Query) or an array of one (``Option[]``,
        ``readonly Option[]``, ``Array<Option>``, ``Set<Option>``: ``Option[]``), maybe ``|
        undefined``; a mapping's values count as its elements (``Record<string, Node>``,
        ``Map<string, Node>``, ``{ [key: string]: Node }``: ``Node[]``). None for anything
        else."""
        if node.type == "readonly_type" and node.named_children:
            node = node.named_children[0]
        if node.type == "union_type":  # `Command | undefined` is a Command where it is one
            kinds = [c for c in node.named_children if self.text(c) not in _NOTHING]
            return self.type_name(kinds[0]) if len(kinds) == 1 else None
        if node.type == "intersection_type":  # `Def & Added`: what each part has (`_Both`)
            parts = [self.type_name(child) for child in node.named_children]
            plain = [part for part in parts if part is not None and not part.endswith("[]")]
            return "&".join(plain) if plain and len(plain) == len(parts) else None
        element: Node | None = None
        if node.type == "array_type":
            element = node.named_children[0] if node.named_children else None
        elif node.type == "generic_type":
            name = node.child_by_field_name("name")
            arguments = node.child_by_field_name("type_arguments")
            kind = self.text(name) if name is not None else ""
            if kind in _ARRAY_TYPES | _MAPPING_TYPES:
                wanted = 1 if kind in _ARRAY_TYPES else 2
                if arguments is None or len(arguments.named_children) != wanted:
                    return None
                element = arguments.named_children[-1]
            elif name is not None:
                node = name
        elif node.type == "object_type" and len(node.named_children) == 1:
            signature = node.named_children[0]  # `{ [key: string]: Node }`
            if signature.type == "index_signature":
                element = signature.child_by_field_name("type")
                element = element.named_children[0] if element is not None else None
        if element is not None:
            item = self.type_name(element)
            return f"{item}[]" if item is not None and not item.endswith("[]") else None
        if node.type not in ("type_identifier", "nested_type_identifier"):
            return None
        return _WHITESPACE.sub("", self.text(node))

    @staticmethod
    def is_class_scope(scope: _Scope) -> bool:
        return not scope.opaque and scope.definition is not None and scope.definition.kind in _TYPES

    def on_var(self, node: Node, scope: _Scope) -> _Scope | None:
        name_node = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name_node is None or value is None:
            return None
        binds = self.binding_scope(scope)
        if name_node.type == "object_pattern":
            self.destructured_require(name_node, value, scope)
            if binds is not None:
                self.destructured(name_node, value, binds)
            return None
        if name_node.type != "identifier":
            if binds is not None:
                self.unknown_names(name_node, binds)
            return None
        name = self.text(name_node)
        if value.type in _FUNCTION_VALUES:
            self.claimed.add(value.id)
            opened = self.define(FUNCTION, name, value, scope, span=node)
            declared = self.declared_type(node.child_by_field_name("type"))
            self.contextual_params(value, declared, opened.qualified_name)
            return opened
        if value.type in _CLASS_VALUES:
            self.claimed.add(value.id)
            return self.define(CLASS, name, value, scope, span=node)
        specifier = self.require_specifier(value)
        if specifier is not None:
            self.add_import(specifier, "*", name, node, scope.qualified_name)
            return None
        picked = value.child_by_field_name("object") if value.type == "member_expression" else None
        member = value.child_by_field_name("property") if picked is not None else None
        specifier = self.require_specifier(picked) if picked is not None else None
        if specifier is not None and member is not None:  # `require('./utils').compileETag`
            self.add_import(specifier, self.text(member), name, node, scope.qualified_name)
            return None
        if scope.definition is None and not scope.local and value.type in _LITERALS:
            declaration = node.parent
            if declaration is None or len(declaration.named_children) != 1:
                declaration = node  # `const a = 1, b = 2`: each declarator is its own Variable
            self.variables.append((name, scope.qualified_name, declaration))
        if value.type == "object" and scope.qualified_name == self.module and not scope.local:
            self.object_members(name, value)
        where = binds.qualified_name if binds is not None else scope.qualified_name
        # `const registry: Registry = ...` holds what it declares, as the checker types it; so
        # does yargs's `const self = {} as UsageInstance`
        cast = self.declared_type(node.child_by_field_name("type")) or self.cast_type(value)
        if cast is not None:
            self.bind(where, name, cast, node, annotation=True)
            return None
        bound = self.value_expression(value)
        if bound is not None:
            self.bind(where, name, bound, node)
        elif binds is not None:
            # a local that shadows an outer name: calls through it are not the outer one's
            self.bind(where, name, UNKNOWN, node)
        return None

    def binding_scope(self, scope: _Scope) -> _Scope | None:
        """Where a local declared in `scope` is bound: the function's scope, a module-level
        callback's own one, or None at module level (a module's names are its definitions)."""
        if scope.local:
            return _Scope(scope.local, scope.end_byte, None)
        return scope if self.in_function(scope) else None

    def cast_type(self, value: Node) -> str | None:
        """The type ``x as Foo`` (or ``x satisfies Foo``) says its value is, as `type_name` reads
        it; None for ``as const`` and for anything else."""
        if value.type not in ("as_expression", "satisfies_expression"):
            return None
        parts = value.named_children
        return self.type_name(parts[1]) if len(parts) == 2 else None

    def destructured(self, pattern: Node, value: Node, scope: _Scope) -> None:
        """``const {options, url: target} = this``: a name holds that member of the value
        (``this.options``, ``this.url``) when the value is one a resolver follows; the other
        names the pattern declares are locals whose values are not followed."""
        held = None if self.require_specifier(value) else self.value_expression(value)
        self.destructured_names(pattern, held, scope)

    def destructured_names(self, pattern: Node, held: str | None, scope: _Scope) -> None:
        """Bind each name `pattern` declares to that member of `held` (an expression), or as
        a local whose value is not followed."""
        for child in pattern.named_children:
            key, local = child, child
            if child.type == "pair_pattern":
                key = child.child_by_field_name("key") or child
                local = child.child_by_field_name("value") or child
            followed = (
                held is not None
                and key.type in ("shorthand_property_identifier_pattern", "property_identifier")
                and local.type in ("shorthand_property_identifier_pattern", "identifier")
            )
            if followed:
                member = f"{held}.{self.text(key)}"
                self.bind(scope.qualified_name, self.text(local), member, child)
            else:
                self.unknown_name(child, scope)

    def unknown_names(self, pattern: Node, scope: _Scope) -> None:
        """Names a destructuring pattern declares: locals whose values are not followed."""
        for child in pattern.named_children:
            self.unknown_name(child, scope)

    def unknown_name(self, child: Node, scope: _Scope) -> None:
        if child.type in ("identifier", "shorthand_property_identifier_pattern"):
            self.bind(scope.qualified_name, self.text(child), UNKNOWN, child)
            return
        inner = child.child_by_field_name("value") or child.child_by_field_name("left")
        if inner is not None and inner.type == "identifier":
            self.bind(scope.qualified_name, self.text(inner), UNKNOWN, child)
        elif child.type in ("object_pattern", "array_pattern", "rest_pattern"):
            self.unknown_names(child, scope)

    def object_members(self, name: str, node: Node) -> None:
        """A module-level object literal (``export default { forEach, merge }``, ``const z =
        { ...schemas, string }``): each key to the expression it holds, and what it spreads."""
        members: dict[str, str] = {}
        spreads: list[str] = []
        for child in node.named_children:
            if child.type == "shorthand_property_identifier":
                members[self.text(child)] = self.text(child)
            elif child.type == "pair":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                held = self.dotted(value) if value is not None else None
                if key is not None and key.type == "property_identifier" and held is not None:
                    members[self.text(key)] = held
            elif child.type == "spread_element" and child.named_children:
                spread = self.dotted(child.named_children[0])
                if spread is not None:
                    spreads.append(spread)
        objects = self.parsed.extra.setdefault("objects", {})
        objects[name] = {"members": members, "spreads": spreads}

    def destructured_require(self, pattern: Node, value: Node, scope: _Scope) -> None:
        specifier = self.require_specifier(value)
        if specifier is None:
            return
        for child in pattern.named_children:
            if child.type == "shorthand_property_identifier_pattern":
                self.add_import(
                    specifier, self.text(child), self.text(child), child, scope.qualified_name
                )
            elif child.type == "pair_pattern":
                key = child.child_by_field_name("key")
                local = child.child_by_field_name("value")
                if key is not None and local is not None and local.type == "identifier":
                    self.add_import(
                        specifier, self.text(key), self.text(local), child, scope.qualified_name
                    )

    def require_specifier(self, node: Node) -> str | None:
        """``require('./x')`` (or ``await import('./x')``) -> ``./x``."""
        if node.type == "await_expression" and node.named_children:
            node = node.named_children[0]
        if node.type != "call_expression":
            return None
        function = node.child_by_field_name("function")
        if function is None or self.text(function) not in ("require", "import"):
            return None
        return self.literal_argument(node)

    def literal_argument(self, call: Node) -> str | None:
        arguments = call.child_by_field_name("arguments")
        if arguments is None or len(arguments.named_children) != 1:
            return None
        argument = arguments.named_children[0]
        if argument.type == "string":
            return self.text(argument)[1:-1]
        if argument.type == "template_string" and not any(
            c.type == "template_substitution" for c in argument.named_children
        ):
            return self.text(argument)[1:-1]
        return None

    def value_expression(self, node: Node) -> str | None:
        """What a variable holds, when a resolver can follow it: ``Foo()`` for ``new Foo()``
        (also the default of ``a ?? new Foo()``) and for a call of ``Foo`` (what it returns),
        ``a.b`` for a member."""
        if node.type == "await_expression":  # `await repo.find(id)`: what its promise gives
            inner = node.named_children[0] if node.named_children else None
            awaited = self.value_expression(inner) if inner is not None else None
            return f"{awaited}.{AWAIT}" if awaited is not None else None
        if node.type in ("parenthesized_expression", "non_null_expression"):
            inner = node.named_children[0] if node.named_children else None
            return self.value_expression(inner) if inner is not None else None
        if node.type == "new_expression":
            constructor = node.child_by_field_name("constructor")
            dotted = self.dotted(constructor) if constructor is not None else None
            return f"{dotted}()" if dotted else None
        if node.type == "call_expression":
            mapped = self.mapped(node)
            if mapped is not None:
                return mapped
            function, is_awaited = _called(node)
            dotted = self.dotted(function) if function is not None else None
            if not dotted or dotted == "require":
                return None
            return f"{dotted}().{AWAIT}" if is_awaited else f"{dotted}()"
        if node.type in ("identifier", "member_expression", "this", "subscript_expression"):
            return self.dotted(node)
        if node.type == "binary_expression" and self._fallback(node):
            # `options.store ?? new MemoryStore()`: a default built when none is given, of the
            # type the given one has
            right = node.child_by_field_name("right")
            return self.value_expression(right) if right is not None else None
        return None

    def mapped(self, call: Node) -> str | None:
        """``xs.map((m) => m.observer)``: ``mapped:m.observer``, when the callback is an arrow
        whose body is an expression the resolver can follow; None for any other call."""
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        method = function.child_by_field_name("property") if function is not None else None
        if method is None or self.text(method) != "map" or arguments is None:
            return None
        callback = arguments.named_children[0] if arguments.named_children else None
        body = callback.child_by_field_name("body") if callback is not None else None
        if callback is None or callback.type != "arrow_function" or body is None:
            return None
        if body.type == "statement_block" or self.parameter(callback, 0) is None:
            return None
        held = self.value_expression(body)
        return MAPPED + held if held is not None else None

    def _fallback(self, node: Node) -> bool:
        """`a ?? new Foo()` or `a || new Foo()`."""
        operator = node.child_by_field_name("operator")
        right = node.child_by_field_name("right")
        return (
            operator is not None
            and operator.type in ("??", "||")
            and right is not None
            and right.type == "new_expression"
        )

    def on_typed_param(self, node: Node, scope: _Scope) -> _Scope | None:
        pattern = node.child_by_field_name("pattern")
        signature = node.parent.parent if node.parent is not None else None
        if pattern is None or not self.in_function(scope):
            return None
        if signature is not None and (
            signature.type in _SIGNATURES
            or (signature.type == "method_signature" and signature.parent is not None
                and signature.parent.type == "object_type")
        ):  # fmt: skip
            return None  # `onError?: (e: Error, stream: Stream) => void` names no local
        declared = self.declared_type(node.child_by_field_name("type"))
        if declared is None:
            return None
        if signature is not None and signature.id not in self.claimed:
            # a callback's own parameter (`.map((ext: Node) => ext.walk())`): typed in its
            # lines only, so two callbacks of one method may each type their `ext`
            where = [scope.qualified_name, self.text(pattern), declared]
            lines = [line(signature), signature.end_point[0] + 1]
            self.parsed.extra.setdefault("callback_params", []).append(where + lines)
            return None
        self.bind(scope.qualified_name, self.text(pattern), declared, node, annotation=True)
        owner = scope.definition
        if (
            owner is not None
            and owner.name == "constructor"
            and any(c.type in ("accessibility_modifier", "readonly") for c in node.children)
        ):  # `constructor(private reg: Registry)` declares the field `reg` too
            self.bind(owner.parent + FIELDS, self.text(pattern), declared, node, annotation=True)
        return None

    # -- calls ----------------------------------------------------------------------------

    def on_call(self, node: Node, scope: _Scope) -> _Scope | None:
        function, _ = _called(node)
        if function is None:
            return None
        if function.type == "import" or self.text(function) == "require":
            specifier = self.literal_argument(node)
            if specifier is not None:
                self.add_import(specifier, None, None, node, scope.qualified_name)
            return None
        if not self.in_function(scope):
            return None  # CALLS start at functions and methods
        callee = self.dotted(function)  # `super(...)`: the base class's constructor
        if callee is not None:
            self.add_call(scope.qualified_name, self.narrowed(callee, node), node)
        return None

    def narrowed(self, callee: str, call: Node) -> str:
        """``if (schema instanceof ZodOptional) schema.unwrap()``: inside the branch the test
        guards (an ``if``'s consequence, a ternary's, the right of ``&&``), `schema` is a
        ``ZodOptional``, as the checker narrows it; the call is read as ``ZodOptional().unwrap``.
        The innermost such test of the name, inside the same function, wins."""
        head, dot, rest = callee.partition(".")
        if not dot or not _IDENTIFIER.fullmatch(head) or head in ("this", "super"):
            return callee
        child, node = call, call.parent
        while node is not None and node.type not in _FUNCTION_VALUES | _FUNCTION_NODES:
            guard = _GUARDED_BRANCHES.get(node.type)
            branch = node.child_by_field_name(guard[1]) if guard is not None else None
            operator = node.child_by_field_name("operator")
            if node.type == "binary_expression" and (operator is None or operator.type != "&&"):
                branch = None  # only `a instanceof C && a.m()` guards its right
            if guard is not None and branch is not None and branch.id == child.id:
                tested = self.instance_test(node.child_by_field_name(guard[0]), head)
                if tested is not None:
                    return f"{tested}().{rest}"
            child, node = node, node.parent
        return callee

    def instance_test(self, condition: Node | None, name: str) -> str | None:
        """The class `condition` tests `name` to be an instance of (``name instanceof C``)."""
        while condition is not None and condition.type == "parenthesized_expression":
            condition = condition.named_children[0] if condition.named_children else None
        if condition is None or condition.type != "binary_expression":
            return None
        operator = condition.child_by_field_name("operator")
        left = condition.child_by_field_name("left")
        right = condition.child_by_field_name("right")
        if operator is None or operator.type != "instanceof" or left is None or right is None:
            return None
        if left.type != "identifier" or self.text(left) != name:
            return None
        return self.dotted(right) if right.type in ("identifier", "member_expression") else None

    def on_new(self, node: Node, scope: _Scope) -> _Scope | None:
        constructor = node.child_by_field_name("constructor")
        if constructor is None or not self.in_function(scope):
            return None
        callee = self.dotted(constructor)
        if callee is not None:
            self.add_call(scope.qualified_name, callee, node)
        return None

    def dotted(self, node: Node) -> str | None:
        """``a.b.c``, ``this.m``, ``super.m``, ``a?.b`` as text, with ``()`` after a call in
        the chain (``this.create(x).run``); None for anything computed."""
        if node.type in ("identifier", "this", "super", "type_identifier", "property_identifier"):
            return self.text(node)
        if node.type in ("nested_identifier", "nested_type_identifier"):
            text = _WHITESPACE.sub("", self.text(node))
            return text if _DOTTED.fullmatch(text) else None
        if node.type == "non_null_expression" and node.named_children:
            return self.dotted(node.named_children[0])
        if node.type == "member_expression":
            obj = node.child_by_field_name("object")
            prop = node.child_by_field_name("property")
            if obj is None or prop is None or prop.type not in _PROPERTY_NAMES:
                return None
            inner = self.receiver(obj)
            return f"{inner}.{self.text(prop)}" if inner is not None else None
        if node.type == "subscript_expression":
            # `this[kRun]()`: a method declared with the computed key `[kRun]` (a symbol held
            # by a binding) is named `[kRun]`, or an element by that key; `xs[0]`,
            # `routes[a.b]`: an element, `[]`; `obj["name"]` is `obj.name`
            obj = node.child_by_field_name("object")
            index = node.child_by_field_name("index")
            inner = self.receiver(obj) if obj is not None else None
            if inner is None or index is None:
                return None
            if index.type == "identifier":
                return f"{inner}.[{self.text(index)}]"
            key = self.text(index)[1:-1] if index.type == "string" else ""
            return f"{inner}.{key}" if _IDENTIFIER.fullmatch(key) else f"{inner}.[]"
        return None

    def receiver(self, node: Node) -> str | None:
        """What a member is read on, as `dotted` writes it: a chain, or a call or
        construction of one (``f().m``, ``new ContentType(x).toString``: ``ContentType()``)."""
        found = self.dotted(node)
        if found is not None:
            return found
        if node.type == "parenthesized_expression" and node.named_children:
            node = node.named_children[0]
        if node.type == "await_expression" or (
            node.type == "call_expression" and _called(node)[1]
        ):  # `(await load()).run`, `(await load<T>()).run`
            return self.value_expression(node)
        field = {"call_expression": "function", "new_expression": "constructor"}.get(node.type)
        called = node.child_by_field_name(field) if field is not None else None
        chain = self.dotted(called) if called is not None else None
        return f"{chain}()" if chain is not None else None

    # -- imports and exports --------------------------------------------------------------

    def on_import(self, node: Node, scope: _Scope) -> _Scope | None:
        source = node.child_by_field_name("source")
        if source is None:
            return None
        specifier = self.text(source)[1:-1]
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None:
            self.add_import(specifier, None, None, node, scope.qualified_name)
            return None
        for part in clause.named_children:
            if part.type == "identifier":
                self.add_import(specifier, "default", self.text(part), node, scope.qualified_name)
            elif part.type == "namespace_import":
                local = next((c for c in part.named_children if c.type == "identifier"), None)
                if local is not None:
                    self.add_import(specifier, "*", self.text(local), node, scope.qualified_name)
            elif part.type == "named_imports":
                for name, alias in self.specifiers(part, "import_specifier"):
                    self.add_import(specifier, name, alias, node, scope.qualified_name)
        return None

    def on_export(self, node: Node, scope: _Scope) -> _Scope | None:
        if scope.qualified_name in self.namespaces:
            return None  # a namespace's member: reached through the namespace, not the module
        source = node.child_by_field_name("source")
        is_default = any(c.type == "default" for c in node.children)
        if source is not None:
            specifier = self.text(source)[1:-1]
            clause = next((c for c in node.named_children if c.type == "export_clause"), None)
            namespace = next((c for c in node.named_children if c.type == "namespace_export"), None)
            if clause is not None:
                for name, alias in self.specifiers(clause, "export_specifier"):
                    self.reexports.append([specifier, name, alias])
                    self.add_import(specifier, name, None, node, scope.qualified_name)
            else:
                alias = None
                if namespace is not None and namespace.named_children:
                    alias = self.text(namespace.named_children[-1])
                self.reexports.append([specifier, "*", alias])
                self.add_import(specifier, "*", None, node, scope.qualified_name)
            return None
        declaration = node.child_by_field_name("declaration")
        if declaration is not None:
            for name in self.declared_names(declaration):
                self.exports.append(name)
                if is_default:
                    self.export_aliases["default"] = name
            return None
        value = node.child_by_field_name("value")
        if value is not None and is_default:
            if value.type in ("identifier",):
                self.export_aliases["default"] = self.text(value)
                return None
            if value.type == "object":
                self.object_members("default", value)
                return None
            if value.type in ("binary_expression", "ternary_expression"):
                # `export default supported && function httpAdapter() {}`: on_lambda defines it
                named = [
                    c.child_by_field_name("name")
                    for c in value.named_children
                    if c.type in _FUNCTION_VALUES | _CLASS_VALUES
                ]
                if named and named[-1] is not None:
                    self.export_aliases["default"] = self.text(named[-1])
                return None
            name_node = value.child_by_field_name("name")
            if value.type in _FUNCTION_VALUES | _CLASS_VALUES:
                name = self.text(name_node) if name_node is not None else "default"
                self.export_aliases["default"] = name
                kind = CLASS if value.type in _CLASS_VALUES else FUNCTION
                return self.define(kind, name, value, scope)
            held = self.value_expression(value)
            if held is not None and scope.definition is None and not scope.local:
                # `export default new Logger()`: importers get the instance
                self.exports.append("default")
                self.bind(scope.qualified_name, "default", held, node)
            return None
        clause = next((c for c in node.named_children if c.type == "export_clause"), None)
        if clause is not None:
            for name, alias in self.specifiers(clause, "export_specifier"):
                self.exports.append(alias)
                if alias != name:
                    self.export_aliases[alias] = name
        return None

    def specifiers(self, clause: Node, kind: str) -> list[tuple[str, str]]:
        """(name, local or exported name) of each ``name as alias`` (``kind``) in `clause`;
        either may be a string literal (``export { a as "a-b" }``)."""
        pairs = []
        for spec in clause.named_children:
            if spec.type != kind:
                continue
            name_node = spec.child_by_field_name("name")
            alias_node = spec.child_by_field_name("alias")
            if name_node is None:
                continue
            name = self.text(name_node).strip("'\"")
            alias = self.text(alias_node).strip("'\"") if alias_node is not None else name
            pairs.append((name, alias))
        return pairs

    def declared_names(self, declaration: Node) -> list[str]:
        name_node = declaration.child_by_field_name("name")
        if name_node is not None:
            return [self.text(name_node)]
        names = []
        for child in declaration.named_children:
            if child.type == "variable_declarator":
                inner = child.child_by_field_name("name")
                if inner is not None and inner.type == "identifier":
                    names.append(self.text(inner))
        return names

    def on_assign(self, node: Node, scope: _Scope) -> _Scope | None:
        """CommonJS exports: ``module.exports = X``, ``exports.f = function () {}``; in a
        method, ``this.reg = new Registry()`` (a field's type, as `on_field`)."""
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            return None
        target = _WHITESPACE.sub("", self.text(left))
        if scope.definition is not None:
            owner = scope.definition
            field = target.removeprefix("this.")
            if owner.kind == METHOD and target.startswith("this.") and _IDENTIFIER.fullmatch(field):
                declared = self.jsdoc_declared(node.parent)
                if declared is not None:
                    self.bind(owner.parent + FIELDS, field, declared, node, annotation=True)
                    return None
                bound = self.value_expression(right)
                self.bind(owner.parent + FIELDS, field, bound or UNKNOWN, node)
            return None
        if target == "module.exports":
            if right.type == "identifier":
                self.export_aliases["default"] = self.text(right)
            elif right.type == "object":
                for child in right.named_children:
                    if child.type == "shorthand_property_identifier":
                        self.exports.append(self.text(child))
                    elif child.type == "pair":
                        key = child.child_by_field_name("key")
                        value = child.child_by_field_name("value")
                        if key is not None and value is not None and value.type == "identifier":
                            self.export_aliases[self.text(key)] = self.text(value)
            elif right.type in _FUNCTION_VALUES | _CLASS_VALUES:
                # `module.exports = class ExceptionHandler {}` keeps its name, as ESM's does
                name_node = right.child_by_field_name("name")
                name = self.text(name_node) if name_node is not None else "default"
                self.export_aliases["default"] = name
                kind = CLASS if right.type in _CLASS_VALUES else FUNCTION
                return self.define(kind, name, right, scope)
            return None
        for prefix in ("module.exports.", "exports."):
            if target.startswith(prefix) and _DOTTED.fullmatch(target[len(prefix) :]):
                name = target[len(prefix) :]
                if "." in name:
                    return None
                self.exports.append(name)
                if right.type == "identifier":
                    if self.text(right) != name:
                        self.export_aliases[name] = self.text(right)
                elif right.type in _FUNCTION_VALUES:
                    return self.define(FUNCTION, name, right, scope)
                return None
        if right.type in _FUNCTION_VALUES and not scope.local:
            return self.member_function(target, right, node, scope)
        return None

    def member_function(self, target: str, value: Node, node: Node, scope: _Scope) -> _Scope | None:
        """A function assigned to a member at module level: Express's whole API is written
        ``res.cookie = function (...) {}`` (a Function ``lib/response.res.cookie``), and
        prototype methods ``Ctor.prototype.m = function`` are Methods of ``Ctor``."""
        match = _MEMBER_FUNCTION.fullmatch(target)
        if match is None:
            return None
        owner, prototype, name = match.groups()
        if prototype:
            cls = f"{scope.qualified_name}.{owner}"
            if cls not in self.seen:
                return None  # a prototype of something this file does not define
            self.claimed.add(value.id)
            return self.define(METHOD, name, value, _Scope(cls, scope.end_byte, None), span=node)
        self.claimed.add(value.id)
        owner_scope = _Scope(f"{scope.qualified_name}.{owner}", scope.end_byte, None)
        opened = self.define(FUNCTION, name, value, owner_scope, span=node)
        if opened.definition is not None:  # the object is no entity: the module holds it
            opened.definition.parent = self.entity(scope.qualified_name)
        return opened


# -- resolution -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Module:
    path: str


@dataclass(frozen=True, slots=True)
class _Def:
    path: str
    qualified_name: str
    kind: str


@dataclass(frozen=True, slots=True)
class _Instance:
    cls: _Def


@dataclass(frozen=True, slots=True)
class _Elements:
    """An array (declared ``Option[]``, or returned as one): what its elements are."""

    item: _Instance | _Shape


@dataclass(frozen=True, slots=True)
class _Signature:
    """A function type a module declares (``type GetConnInfo = (c: Context) => ConnInfo``):
    ``#0`` is an instance of its first parameter's type."""

    path: str
    name: str


@dataclass(frozen=True, slots=True)
class _Promise:
    """What an async call gives before it is awaited: awaiting it gives `item`."""

    item: _Instance | _Elements | _Shape


@dataclass(frozen=True, slots=True)
class _ElementMethod:
    """A method of an array or map that gives `result` when called: one element
    (``routes.get(k)``, ``xs.pop()``) or some of them (``xs.filter(f)``)."""

    result: _Instance | _Elements | _Shape


@dataclass(frozen=True, slots=True)
class _Object:
    """A module-level object literal: its members are what its keys hold."""

    path: str
    name: str


@dataclass(frozen=True, slots=True)
class _Shape:
    """An object a function is declared to return as a type literal (``{ status: S }``)."""

    path: str
    function: str


@dataclass(frozen=True, slots=True)
class _Both:
    """A value of an intersection type (``CodeKeywordDefinition & AddedKeywordDefinition``):
    its members are those of its parts, each found in one part (or the same in several)."""

    parts: tuple[_Instance | _Shape, ...]


@dataclass(frozen=True, slots=True)
class _Namespace:
    """A TypeScript namespace: its members are what it declares."""

    path: str
    qualified_name: str


@dataclass(frozen=True, slots=True)
class _Shadowed:
    """A local name whose value is not followed: it hides the outer names it shadows."""


_Value = (
    _Module | _Def | _Instance | _Elements | _ElementMethod | _Object | _Namespace | _Shape
    | _Signature | _Promise | _Both
)  # fmt: skip


def _position(name: str) -> int:
    """The parameter position a member name ``#2`` stands for; -1 for any other name."""
    return int(name[1:]) if name[:1] == "#" and name[1:].isdigit() else -1


def _is_element(binding: Binding) -> bool:
    """A name bound to an element of an array expression (``options[]``), not a declared type."""
    return not binding.annotation and binding.value.endswith("[]")


_SHADOWED = _Shadowed()

_MAX_DEPTH = 12


@dataclass
class _Tables:
    parsed: ParsedFile
    definitions: dict[str, Definition] = field(default_factory=dict)
    #: (scope, local name) -> import
    imports: dict[tuple[str, str], ImportSpec] = field(default_factory=dict)
    #: (scope, name) -> bindings (several: the name is reassigned, so it is not followed)
    bindings: dict[tuple[str, str], list[Binding]] = field(default_factory=dict)
    #: (scope, name) -> (first line, last line, type) of a callback's typed parameter
    callback_params: dict[tuple[str, str], list[tuple[int, int, str]]] = field(default_factory=dict)
    #: (scope, name) -> what its differently written bindings agree on (`agreed`)
    agreed: dict[tuple[str, str], _Value | None] = field(default_factory=dict)


class EcmaScriptResolver:
    """Resolves one JS/TS file's imports, inheritance and calls (see the module docstring)."""

    def __init__(self, index: RepoIndex) -> None:
        self.index = index
        self._tables: dict[str, _Tables] = {}
        #: names whose differently written bindings are being compared, up the stack
        self._comparing: set[tuple[str, str, str]] = set()

    # -- files ----------------------------------------------------------------------------

    def tables(self, path: str) -> _Tables | None:
        parsed = self.index.file(path)  # always asked, so the dependency is recorded
        if parsed is None:
            return None
        tables = self._tables.get(path)
        if tables is None or tables.parsed is not parsed:
            tables = _Tables(parsed)
            for definition in parsed.definitions:
                if definition.kind != VARIABLE:  # a Variable is followed through its binding
                    tables.definitions[definition.qualified_name] = definition
            for spec in parsed.imports:
                if spec.alias:  # re-exports and bare imports bind no local name
                    tables.imports[(spec.scope, spec.alias)] = spec
            for binding in parsed.bindings:
                tables.bindings.setdefault((binding.scope, binding.name), []).append(binding)
            for scope, name, declared, first, last in parsed.extra.get("callback_params", ()):
                entry = (first, last, declared)
                tables.callback_params.setdefault((scope, name), []).append(entry)
            self._tables[path] = tables
        return tables

    def resolve_specifier(self, importer: str, specifier: str) -> str | None:
        """The repository file an import specifier names, or None (a package, a missing file)."""
        if specifier.startswith(("./", "../")) or specifier in (".", ".."):
            base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
        elif specifier.startswith(_SOURCE_ALIASES):
            base = posixpath.normpath("src/" + specifier[2:])
        else:
            return None
        if base.startswith("..") or base == ".":
            return None
        candidates: list[str] = []
        stem, ext = posixpath.splitext(base)
        if ext in _JS_OUTPUT:
            candidates.append(base)
            candidates += [stem + e for e in _JS_OUTPUT[ext]]
        elif ext in RESOLVE_EXTENSIONS:
            candidates.append(base)
        candidates += [base + e for e in RESOLVE_EXTENSIONS]
        candidates += [f"{base}/index{e}" for e in RESOLVE_EXTENSIONS]
        for candidate in candidates:
            if candidate != importer and self.index.file(candidate) is not None:
                return candidate
        return None

    # -- the edges ------------------------------------------------------------------------

    def resolve(self, parsed: ParsedFile) -> list[ResolvedEdge]:
        tables = self.tables(parsed.path)
        if tables is None:
            return []
        edges: list[ResolvedEdge] = []
        module_ref = Ref(parsed.path, parsed.module)
        for spec in parsed.imports:
            target_path = self.resolve_specifier(parsed.path, spec.module)
            if target_path is None:
                continue
            imported = self.index.file(target_path)
            if imported is not None:
                edges.append(
                    ResolvedEdge(RelType.IMPORTS, module_ref, Ref(target_path, imported.module))
                )

        implements: dict[str, list[str]] = parsed.extra.get("implements", {})
        for definition in parsed.definitions:
            if definition.kind not in _TYPES:
                continue
            source = Ref(parsed.path, definition.qualified_name)
            for base in self.bases_of(
                _Def(parsed.path, definition.qualified_name, definition.kind), 0
            ):
                edges.append(
                    ResolvedEdge(RelType.INHERITS, source, Ref(base.path, base.qualified_name))
                )
            for interface in self.implemented(parsed.path, definition, implements):
                edges.append(
                    ResolvedEdge(
                        RelType.IMPLEMENTS,
                        source,
                        Ref(interface.path, interface.qualified_name),
                        EXACT,
                    )
                )

        for call in parsed.calls:
            for target, resolution in self.resolve_call(parsed.path, call):
                edges.append(
                    ResolvedEdge(
                        RelType.CALLS,
                        Ref(parsed.path, call.caller),
                        Ref(target.path, target.qualified_name),
                        resolution,
                    )
                )
        return unique_edges(edges)

    def resolve_call(self, path: str, call: CallSite) -> list[tuple[_Def, str]]:
        """The callee (none when unresolved) and, for a method of an interface, that method
        on each class implementing the interface (heuristic)."""
        found = self.resolve_callee(path, call)
        if found is None:
            return []
        return [found] + [(method, HEURISTIC) for method in self.implementations(found[0])]

    def resolve_callee(self, path: str, call: CallSite) -> tuple[_Def, str] | None:
        parts = call.callee.split(".")
        head, rest = parts[0], parts[1:]
        value: _Value | None
        declared = self.declared_this(path, call.caller) if head == "this" else None
        if declared is not None:
            value = declared  # `function addFormats(this: Ajv)`: `this` is what it declares
        elif head in ("this", "super"):
            cls = self.enclosing_class(path, call.caller)
            if cls is None:
                return self.on_owner(path, call.caller, rest) if head == "this" else None
            if head == "super":
                bases = self.bases_of(cls, 0)
                if not rest:  # super(...): the base class's constructor
                    return (bases[0], EXACT) if bases else None
                found = None
                for base in bases:
                    found = found or self.find_method(base, rest[0].removesuffix("()"), 0)
                value, rest = found, rest[1:]
                if rest and parts[1].endswith("()"):
                    value = self.call_result(value, 0)
            else:
                value = _Instance(cls)  # this.m(): the class's own method, certainly
        else:
            name = head.removesuffix("()")
            value = self.callback_param(path, call, name) or self.lookup(path, call.caller, name, 0)
            if not rest:
                value = self.as_value(value)
            if head.endswith("()"):
                value = self.call_result(value, 0)
        for part in rest:
            receiver, value = value, self.attribute(value, part.removesuffix("()"), 0)
            if part.endswith("()"):
                value = self.call_result(value, 0, receiver)
        if isinstance(value, _Def) and value.kind in (FUNCTION, METHOD, CLASS):
            return value, EXACT
        return None

    def callback_param(self, path: str, call: CallSite, name: str) -> _Value | None:
        """What the typed parameter `name` of the innermost callback around `call` holds."""
        tables = self._tables.get(path) or self.tables(path)  # the file being resolved
        ranges = tables.callback_params.get((call.caller, name)) if tables else None
        around = [r for r in ranges or () if r[0] <= call.line <= r[1]]
        if tables is None or not around:
            return None
        return self.declared_value(tables, call.caller, max(around)[2], 0)

    def declared_value(
        self, tables: _Tables, scope: str, written: str, depth: int
    ) -> _Value | None:
        """What a value declared with the type `written` (``Foo``, ``Foo[]``) holds, the type
        read in `scope`: as a typed binding does."""
        binding = Binding(scope, "", written, 0, annotation=True)
        return self.bound_value(tables, scope, binding, depth)

    def declared_this(self, path: str, function: str, depth: int = 0) -> _Value | None:
        """What a function's ``this`` parameter declares it is (``function f(this: Ajv)``):
        only the function's own, as a function nested in it has a ``this`` of its own."""
        tables = self.tables(path)
        bindings = tables.bindings.get((function, "this")) if tables else None
        if tables is None or not bindings or len(bindings) != 1:
            return None
        return self.bound_value(tables, function, bindings[0], depth + 1)

    def on_owner(self, path: str, caller: str, rest: list[str]) -> tuple[_Def, str] | None:
        """`this.set()` inside ``app.enable = function () {}``: `this` is `app` (or an object
        made from it, as Express's responses are from `res`), and the call is of ``app.set``
        when this file sets one; heuristic, as nothing binds `this` to the owner for sure."""
        tables = self.tables(path)
        definition = tables.definitions.get(caller) if tables else None
        if tables is None or definition is None or len(rest) != 1:
            return None
        owner = caller.rpartition(".")[0]
        if owner == self.enclosing(tables, caller):
            return None  # not a member function: its qualified name has no owner part
        sibling = tables.definitions.get(f"{owner}.{rest[0].removesuffix('()')}")
        if sibling is None or sibling.kind not in (FUNCTION, METHOD):
            return None
        return _Def(path, sibling.qualified_name, sibling.kind), HEURISTIC

    def as_value(self, value: _Value | None) -> _Value | None:
        """A CommonJS module used as a value (called, constructed, extended) is what it
        exports (`module.exports = Logger`): `const Logger = require('./logger')`."""
        if isinstance(value, _Module):
            return self.export(value.path, "default", 0)
        return value

    def call_result(
        self, value: _Value | None, depth: int, receiver: _Value | None = None
    ) -> _Instance | _Elements | _Shape | _Promise | None:
        """What calling `value` gives: an instance of a class, or of the type a function's
        declaration says it returns (a TypeScript annotation, or JSDoc ``@returns``, or what
        its ``return``s give); `receiver` is what a method was looked up on (``return this``)."""
        value = self.as_value(value)
        if isinstance(value, _ElementMethod):
            return value.result
        if not isinstance(value, _Def) or depth > _MAX_DEPTH:
            return None
        if value.kind == CLASS:
            return _Instance(value)
        tables = self.tables(value.path)
        definition = tables.definitions.get(value.qualified_name) if tables else None
        if tables is None or definition is None or definition.returns is None:
            return None
        if definition.returns == SHAPE:
            return _Shape(value.path, value.qualified_name)
        if definition.returns == THIS:
            return receiver if isinstance(receiver, _Instance) else None
        # read in the function's own scope, where its type parameters are (``get(): T``)
        returns = definition.returns.removeprefix(PROMISE)
        returned = self.evaluate(
            value.path, value.qualified_name, returns.removesuffix("[]"), depth + 1
        )
        if isinstance(returned, _Shape):
            item: _Instance | _Shape = returned
        elif isinstance(returned, _Def) and returned.kind in _TYPES:
            item = _Instance(returned)
        else:
            return None
        result = _Elements(item) if returns.endswith("[]") else item
        return _Promise(result) if definition.returns.startswith(PROMISE) else result

    # -- evaluation -----------------------------------------------------------------------

    def evaluate(self, path: str, scope: str, expression: str, depth: int) -> _Value | None:
        value: _Value | None = None
        receiver: _Value | None = None
        for position, part in enumerate(expression.split(".")):
            name = part.removesuffix("()")
            if position:
                receiver, value = value, self.attribute(value, name, depth)
            elif name == "this":
                cls = self.enclosing_class(path, scope)
                value = _Instance(cls) if cls is not None else None
                value = self.declared_this(path, scope, depth) or value
            else:
                value = self.lookup(path, scope, name, depth)
            if part.endswith("()"):
                value = self.call_result(value, depth + 1, receiver)
        return value

    def lookup(self, path: str, scope: str, name: str, depth: int) -> _Value | None:
        """What `name` means inside `scope` of file `path`: innermost scope first."""
        if depth > _MAX_DEPTH:
            return None
        tables = self.tables(path)
        if tables is None:
            return None
        current: str | None = scope
        while current is not None:
            found = self.lookup_in(tables, current, name, depth)
            if isinstance(found, _Shadowed):
                return None
            if found is not None:
                return found
            current = self.parent_scope(tables, current)
        return None

    def parent_scope(self, tables: _Tables, scope: str) -> str | None:
        namespaces = tables.parsed.extra.get("namespaces", {})
        if scope in namespaces:
            return str(namespaces[scope])
        lexical: dict[str, str] = tables.parsed.extra.get("lexical", {})
        if scope not in tables.definitions:
            return lexical.get(scope)  # a callback's locals: the module; the module: None
        parent = lexical.get(scope) or self.enclosing(tables, scope)
        # a class body is not a scope for the methods inside it
        while parent in tables.definitions and tables.definitions[parent].kind in _TYPES:
            parent = lexical.get(parent) or self.enclosing(tables, parent)
        return parent

    @staticmethod
    def enclosing(tables: _Tables, qualified_name: str) -> str:
        """The scope a definition is declared in: its parent, or the namespace it is a member
        of (a namespace is no entity, so it is no parent)."""
        owner = qualified_name.rpartition(".")[0]
        if owner in tables.parsed.extra.get("namespaces", {}):
            return owner
        return tables.definitions[qualified_name].parent

    def lookup_in(
        self, tables: _Tables, scope: str, name: str, depth: int
    ) -> _Value | _Shadowed | None:
        """`name` declared in `scope` itself; `_SHADOWED` when it is declared there but its
        value is not followed (a parameter, a local): outer names of that name are hidden."""
        qname = f"{scope}.{name}"
        definition = tables.definitions.get(qname)
        if definition is not None and definition.kind in (CLASS, FUNCTION, INTERFACE):
            return _Def(tables.parsed.path, qname, definition.kind)
        if qname in tables.parsed.extra.get("namespaces", {}):
            return _Namespace(tables.parsed.path, qname)
        spec = tables.imports.get((scope, name))
        if spec is not None:
            return self.imported(tables.parsed.path, spec, depth + 1)
        bindings = tables.bindings.get((scope, name))
        if bindings and any(_is_element(b) for b in bindings):
            # An element (`for (const x of xs)`, a callback's parameter) is bound in the whole
            # function, not only where the loop or the callback sees it: one whose array is not
            # followed neither hides an outer name nor competes with the other bindings.
            bindings = [
                b
                for b in bindings
                if not _is_element(b) or self.bound_value(tables, scope, b, depth) is not None
            ]
        if bindings:
            if len({(b.value, b.annotation) for b in bindings}) == 1:
                found = self.bound_value(tables, scope, bindings[0], depth)
            else:  # written differently (`xs[]`, `xs.filter()[]`), maybe holding one thing
                found = self.agreed(tables, scope, name, bindings, depth)
            return _SHADOWED if found is None else found  # declared here, whatever it holds
        owner = tables.definitions.get(scope)
        if owner is not None and name in owner.params:
            return _SHADOWED  # a parameter: what the caller passes
        if scope == tables.parsed.module:
            if name in tables.parsed.extra.get("objects", {}):
                return _Object(tables.parsed.path, name)
            if name in tables.parsed.extra.get("signatures", {}):
                return _Signature(tables.parsed.path, name)
            if name in tables.parsed.extra.get("shapes", ()):
                return _Shape(tables.parsed.path, f"{scope}.{name}")
            aliased = tables.parsed.extra.get("type_aliases", {}).get(name)
            if aliased is not None and aliased != name:
                return self.evaluate(tables.parsed.path, scope, aliased, depth + 1)
            type_import = tables.parsed.extra.get("type_imports", {}).get(name)
            if type_import is not None:
                target = self.resolve_specifier(tables.parsed.path, type_import[0])
                return self.export(target, type_import[1], depth + 1) if target else None
        return None

    def agreed(
        self, tables: _Tables, scope: str, name: str, bindings: list[Binding], depth: int
    ) -> _Value | None:
        """The one value a name's differently written bindings all hold, if they do: a few
        forms only, and not while the same name is being compared further up (``x = x.next``
        would otherwise evaluate itself at every depth). Kept per file: a test's `app`, bound
        in each of its blocks, is read at hundreds of calls."""
        key = (tables.parsed.path, scope, name)
        if (scope, name) in tables.agreed:
            return tables.agreed[(scope, name)]
        if key in self._comparing or len({b.value for b in bindings}) > _FEW_FORMS:
            return None
        self._comparing.add(key)
        try:
            held = {self.bound_value(tables, scope, b, depth) for b in bindings}
        finally:
            self._comparing.discard(key)
        found = held.pop() if len(held) == 1 else None
        if found is not None or depth == 0:  # a None deeper down may be the depth's doing
            tables.agreed[(scope, name)] = found
        return found

    def bound_value(
        self, tables: _Tables, scope: str, binding: Binding, depth: int
    ) -> _Value | None:
        if binding.value == UNKNOWN:
            return None
        if binding.value.startswith(SIGNATURE):
            return _Signature(tables.parsed.path, binding.value.removeprefix(SIGNATURE))
        if binding.value.startswith(MAPPED):
            item = self.evaluate(
                tables.parsed.path, scope, binding.value.removeprefix(MAPPED), depth + 1
            )
            return _Elements(item) if isinstance(item, _Instance | _Shape) else None
        if binding.value.endswith("[]"):
            held = self.evaluate(tables.parsed.path, scope, binding.value[:-2], depth + 1)
            if not binding.annotation:  # `options[]`: an element of what `options` holds
                return held.item if isinstance(held, _Elements) else None
            if isinstance(held, _Def) and held.kind in _TYPES:  # declared `Option[]`
                return _Elements(_Instance(held))
            return _Elements(held) if isinstance(held, _Shape) else None
        if binding.value.endswith("()"):
            called = self.evaluate(tables.parsed.path, scope, binding.value[:-2], depth + 1)
            return self.call_result(called, depth + 1)
        if binding.annotation and "&" in binding.value:
            parts = [
                self.declared_value(tables, scope, part, depth + 1)
                for part in binding.value.split("&")
            ]
            # a part not followed (ajv's `AddedKeywordDefinition = KeywordDefinition & {..}`)
            # adds members nothing here knows of; those of the parts followed stay theirs
            each = tuple(p for p in parts if isinstance(p, _Instance | _Shape))
            return _Both(each) if each else None
        value = self.evaluate(tables.parsed.path, scope, binding.value, depth + 1)
        if binding.annotation and isinstance(value, _Shape):
            return value  # an object of a type alias of a type literal: it has the members
        if binding.annotation:
            return _Instance(value) if isinstance(value, _Def) and value.kind in _TYPES else None
        return value

    def imported(self, path: str, spec: ImportSpec, depth: int) -> _Value | None:
        target = self.resolve_specifier(path, spec.module)
        if target is None:
            return None
        if spec.name in (None, "*"):
            return _Module(target)
        return self.export(target, spec.name, depth)

    def export(self, path: str, name: str, depth: int) -> _Value | None:
        """What module `path` exports as `name`, following aliases and re-exports."""
        if depth > _MAX_DEPTH:
            return None
        tables = self.tables(path)
        if tables is None:
            return None
        extra = tables.parsed.extra
        local = dict(extra.get("export_aliases", {})).get(name, name)
        module = tables.parsed.module
        found = self.lookup_in(tables, module, local, depth + 1)
        if isinstance(found, _Shadowed):
            return None
        if found is not None:
            return found
        reexports: list[list[Any]] = list(extra.get("reexports", []))
        for specifier, imported, exported in reexports:
            if imported != "*" and (exported or imported) == name:
                target = self.resolve_specifier(path, specifier)
                if target is not None:
                    return self.export(target, imported, depth + 1)
        for specifier, imported, exported in reexports:
            if imported == "*":
                target = self.resolve_specifier(path, specifier)
                if target is None:
                    continue
                if exported == name:
                    return _Module(target)
                if exported is None and name != "default":
                    found = self.export(target, name, depth + 1)
                    if found is not None:
                        return found
        return None

    def attribute(self, value: _Value | None, name: str, depth: int) -> _Value | None:
        if depth > _MAX_DEPTH:
            return None
        if name == AWAIT:  # awaiting anything but a promise gives the value itself
            return value.item if isinstance(value, _Promise) else value
        if isinstance(value, _Elements):
            if name.startswith("["):  # `xs[0]`, `routes[key]`
                return value.item
            if name in _ELEMENT_METHODS:
                return _ElementMethod(value.item)
            return _ElementMethod(value) if name in _SUBSET_METHODS else None
        if isinstance(value, _Module):
            found = self.export(value.path, name, depth + 1)
            exported = self.as_value(value) if found is None else None
            if isinstance(exported, _Def):  # `ContentType.from()` of `module.exports = ContentType`
                return self.attribute(exported, name, depth + 1)
            return found
        if isinstance(value, _Signature):
            return self.parameter_type(value, name, depth + 1)
        if isinstance(value, _Both):  # the member of the one part that has it
            members = {self.attribute(part, name, depth + 1) for part in value.parts} - {None}
            return members.pop() if len(members) == 1 else None
        if isinstance(value, _Object):
            owner = f"{self.module_of(value.path)}.{value.name}"
            return self.member(value, name, depth + 1) or self.set_member(value.path, owner, name)
        if isinstance(value, _Namespace):
            return self.namespace_member(value.path, value.qualified_name, name, depth + 1)
        if isinstance(value, _Shape):
            return self.shape_member(value, name, depth + 1)
        if isinstance(value, _Def) and value.kind == CLASS:
            return (
                self.find_method(value, name, depth + 1)  # a static one
                or self.set_member(value.path, value.qualified_name, name)
                or self.namespace_member(value.path, value.qualified_name, name, depth + 1)
            )
        if isinstance(value, _Def) and value.kind in (FUNCTION, METHOD) and _position(name) >= 0:
            return self.declared_parameter(value, _position(name), depth + 1)
        if isinstance(value, _Def) and self.is_getter(value):
            return self.attribute(self.call_result(value, depth + 1), name, depth + 1)
        if isinstance(value, _Def):
            return self.set_member(value.path, value.qualified_name, name) or self.namespace_member(
                value.path, value.qualified_name, name, depth + 1
            )
        if isinstance(value, _Instance):
            return self.find_method(value.cls, name, depth + 1) or self.field(
                value.cls, name, depth + 1
            )
        return None

    def is_getter(self, method: _Def) -> bool:
        """``get req(): HonoRequest``: reading ``c.req`` runs it (a call ``c.req()`` is of the
        getter, as the checker reads it), so ``c.req.header`` is a member of what it returns."""
        tables = self.tables(method.path)
        return tables is not None and method.qualified_name in tables.parsed.extra.get(
            "getters", ()
        )

    def declared_parameter(self, function: _Def, position: int, depth: int) -> _Value | None:
        """``def.code.#0`` where `code` is a method (an interface's ``code(cxt: KeywordCxt):
        void``): what its parameter at `position` is declared as."""
        tables = self.tables(function.path)
        definition = tables.definitions.get(function.qualified_name) if tables else None
        if tables is None or definition is None or position >= len(definition.params):
            return None
        bindings = tables.bindings.get((function.qualified_name, definition.params[position]))
        declared = [b for b in bindings or () if b.annotation]
        if len(declared) != 1:
            return None
        return self.bound_value(tables, function.qualified_name, declared[0], depth)

    def parameter_type(self, signature: _Signature, name: str, depth: int) -> _Value | None:
        """``GetConnInfo.#0``: an instance of the type a function type declares its parameter
        at that position with (read where the type is declared)."""
        tables = self.tables(signature.path)
        types = tables.parsed.extra.get("signatures", {}).get(signature.name) if tables else None
        position = _position(name)
        if tables is None or not types or not 0 <= position < len(types):
            return None
        written = types[position]
        if written is None:
            return None
        return self.declared_value(tables, tables.parsed.module, written, depth + 1)

    def shape_member(self, shape: _Shape, name: str, depth: int) -> _Value | None:
        """A member of a returned type literal, of the type it is declared with (read where
        the function is declared)."""
        tables = self.tables(shape.path)
        bindings = tables.bindings.get((shape.function + SHAPE, name)) if tables else None
        if tables is None or not bindings or len(bindings) != 1:
            return None
        return self.bound_value(tables, shape.function, bindings[0], depth)

    def namespace_member(self, path: str, namespace: str, name: str, depth: int) -> _Value | None:
        """What a namespace declares as `name` (``util.assertNever``), also one merged with a
        function, class or interface of its name."""
        tables = self.tables(path)
        if tables is None or namespace not in tables.parsed.extra.get("namespaces", {}):
            return None
        found = self.lookup_in(tables, namespace, name, depth)
        return None if isinstance(found, _Shadowed) else found

    def set_member(self, path: str, owner: str, name: str) -> _Def | None:
        """A function set on a member at module level (``AxiosError.from = (..) => {}``), as
        ``owner.name`` reads it."""
        tables = self.tables(path)
        found = tables.definitions.get(f"{owner}.{name}") if tables else None
        if found is None or found.kind != FUNCTION:
            return None
        return _Def(path, found.qualified_name, found.kind)

    def module_of(self, path: str) -> str:
        tables = self.tables(path)
        return tables.parsed.module if tables else ""

    def field(
        self, cls: _Def, name: str, depth: int, subclass: _Def | None = None
    ) -> _Value | None:
        """What a field of `cls` (or of a class it extends) holds, when one thing does. A
        field declared with one of `cls`'s type parameters holds, when `cls` is reached from
        `subclass`, what `subclass`'s ``extends`` gives for it (`instantiated`)."""
        if depth > _MAX_DEPTH:
            return None
        tables = self.tables(cls.path)
        if tables is None:
            return None
        bindings = tables.bindings.get((cls.qualified_name + FIELDS, name))
        if bindings:
            # A declared type holds whatever is assigned; else one value, or nothing followed.
            declared = [b for b in bindings if b.annotation] or bindings
            if len({(b.value, b.annotation) for b in declared}) != 1:
                return None
            given = self.instantiated(cls, declared[0], subclass, depth + 1)
            if given is not None:
                return given
            return self.bound_value(tables, cls.qualified_name, declared[0], depth + 1)
        for base in self.bases_of(cls, depth + 1):
            found = self.field(base, name, depth + 1, cls)
            if found is not None:
                return found
        return None

    def instantiated(
        self, cls: _Def, binding: Binding, subclass: _Def | None, depth: int
    ) -> _Value | None:
        """zod's ``readonly _def!: Def`` in ``ZodType<Output, Def, Input>``, read from
        ``ZodOptional extends ZodType<..., ZodOptionalDef<T>, ...>``: a ZodOptionalDef (read
        where the subclass is declared). None when the field's type is not a type parameter
        the subclass fills in."""
        if subclass is None or not binding.annotation:
            return None
        tables, below = self.tables(cls.path), self.tables(subclass.path)
        if tables is None or below is None:
            return None
        names = tables.parsed.extra.get("type_param_names", {}).get(cls.qualified_name, [])
        given = below.parsed.extra.get("base_arguments", {}).get(subclass.qualified_name, [])
        written = binding.value.removesuffix("[]")
        if written not in names or names.index(written) >= len(given):
            return None
        argument = given[names.index(written)]
        if argument is None:
            return None
        argument += "[]" if binding.value.endswith("[]") else ""
        return self.declared_value(below, subclass.qualified_name, argument, depth + 1)

    def member(self, obj: _Object, name: str, depth: int) -> _Value | None:
        """A key of an object literal, or of what it spreads (``{...schemas}``)."""
        tables = self.tables(obj.path)
        if tables is None:
            return None
        literal = tables.parsed.extra.get("objects", {}).get(obj.name, {})
        module = tables.parsed.module
        held = literal.get("members", {}).get(name)
        if held is not None:
            return self.evaluate(obj.path, module, held, depth + 1)
        for spread in literal.get("spreads", []):
            found = self.attribute(self.evaluate(obj.path, module, spread, depth + 1), name, depth)
            if found is not None:
                return found
        return None

    # -- classes --------------------------------------------------------------------------

    def enclosing_class(self, path: str, scope: str) -> _Def | None:
        tables = self.tables(path)
        if tables is None:
            return None
        definition = tables.definitions.get(scope)
        while definition is not None:
            parent = tables.definitions.get(definition.parent)
            if definition.kind == CLASS:
                return _Def(path, definition.qualified_name, CLASS)
            if definition.kind == METHOD and parent is not None and parent.kind == FUNCTION:
                # `View.prototype.lookup = function`: `this` is a View
                return _Def(path, parent.qualified_name, FUNCTION)
            definition = parent
        return None

    def bases_of(self, cls: _Def, depth: int) -> list[_Def]:
        tables = self.tables(cls.path)
        if tables is None or depth > _MAX_DEPTH:
            return []
        definition = tables.definitions.get(cls.qualified_name)
        if definition is None:
            return []
        bases = []
        scope = self.enclosing(tables, cls.qualified_name)
        for base in definition.bases:
            value = self.as_value(self.evaluate(cls.path, scope, base, depth + 1))
            # a class extends a class; an interface extends interfaces (or a class's shape)
            if isinstance(value, _Def) and value.kind in (CLASS, definition.kind):
                bases.append(value)
        return bases

    # -- interfaces -----------------------------------------------------------------------

    def implemented(
        self, path: str, definition: Definition, implements: dict[str, list[str]]
    ) -> list[_Def]:
        """The repository interfaces a class's ``implements`` clause names."""
        found = []
        tables = self.tables(path)
        if tables is None:
            return []
        scope = self.enclosing(tables, definition.qualified_name)
        for written in implements.get(definition.qualified_name, []):
            value = self.evaluate(path, scope, written, 0)
            if isinstance(value, _Def) and value.kind == INTERFACE:
                found.append(value)
        return found

    def implementations(self, method: _Def) -> list[_Def]:
        """For a method of a repository interface, that method on each class implementing the
        interface or one extending it (what a call through the interface may run), up to
        MAX_DISPATCH_TARGETS of them."""
        interface, _, name = method.qualified_name.rpartition(".")
        tables = self.tables(method.path)
        owner = tables.definitions.get(interface) if tables is not None else None
        if owner is None or owner.kind != INTERFACE:
            return []
        found = []
        for cls in self.implementers().get(_Def(method.path, interface, INTERFACE), []):
            target = self.find_method(cls, name, 0)
            if target is not None:
                found.append(target)
        return found if len(found) <= MAX_DISPATCH_TARGETS else []

    def implementers(self) -> dict[_Def, list[_Def]]:
        """Every TypeScript class of the repository under each interface it implements,
        directly or through the interfaces those extend."""

        def build() -> dict[_Def, list[_Def]]:
            table: dict[_Def, list[_Def]] = {}
            for module in self.index.modules():
                for path in self.index.module_paths(module):
                    if not path.endswith(_TYPESCRIPT):
                        continue
                    parsed = self.index.file(path)
                    if parsed is None or not parsed.extra.get("implements"):
                        continue
                    implements = parsed.extra["implements"]
                    for definition in parsed.definitions:
                        if definition.qualified_name not in implements:
                            continue
                        cls = _Def(path, definition.qualified_name, CLASS)
                        pending = self.implemented(path, definition, implements)
                        seen: set[_Def] = set()
                        while pending and len(seen) <= _MAX_DEPTH * 4:
                            interface = pending.pop()
                            if interface in seen:
                                continue
                            seen.add(interface)
                            table.setdefault(interface, []).append(cls)
                            pending += self.bases_of(interface, 0)
            return table

        return self.index.memo(("ts-implementers",), build)

    def find_method(self, cls: _Def, name: str, depth: int) -> _Def | None:
        """`name` defined in `cls` or, failing that, along its `extends` chain."""
        if depth > _MAX_DEPTH:
            return None
        tables = self.tables(cls.path)
        if tables is None:
            return None
        qname = f"{cls.qualified_name}.{name}"
        definition = tables.definitions.get(qname)
        if definition is not None and definition.kind == METHOD:
            return _Def(cls.path, qname, METHOD)
        for base in self.bases_of(cls, depth + 1):
            found = self.find_method(base, name, depth + 1)
            if found is not None:
                return found
        return None
