"""Go: module names from go.mod, a tree-sitter parse into ParsedFile, and a resolver.

Naming. A Module entity is one ``.go`` file, and its qualified name is its *package's* import
path (``go.mod``'s module path plus the directory: ``github.com/acme/shop/store``), shared by
every file of the package (their paths tell them apart). Definitions are
``<import path>.<Func>``, ``<import path>.<Type>`` and ``<import path>.<Type>.<Method>``. Without
a ``go.mod`` above it, a file's package is named by its directory.

Kinds. A named struct or defined type (``type Celsius float64``, which can carry methods too) is
a Class; ``type X interface {...}`` is an Interface, and each method it declares a Method of it.
A method is a Method of its receiver's type; when the type is declared in the same file the
type's Class CONTAINS it, otherwise (a type spread over several files) the file's Module does,
as Go allows. Aliases (``type A = B``) are no entities (a value typed ``A`` is a ``B``) and types
local to a function are not modelled. Package-level ``var`` and ``const`` names are Variables.

Edges. Importing a package of the repository IMPORTS every non-test file of it. An embedded
field (``struct { Base; *db.Conn }``) or an embedded interface INHERITS the embedded type, and
promoted methods are found through it. A type whose method set (its own methods and promoted
ones, those of `STANDARD_METHOD_SETS` it embeds too, by name, numbers of parameters and
results, and their types where both sides name one) holds every method of a repository
interface IMPLEMENTS it, labelled heuristic, or exact when ``var _ I = (*T)(nil)`` (or
``T{}``, ``&T{}``) makes the compiler prove it; no type implements an interface without methods,
or one embedding an outside type whose methods are not known, by a guess. Calls: ``pkg.Func()``
through an import and ``Func()`` in the same package (or brought in by a dot-import) are exact;
``x.Method()`` is exact when ``x`` is a receiver, a parameter (a variadic one is a slice), a
``var x T``, a composite literal ``T{}`` / ``&T{}`` / ``[]T{...}``, ``make([]T, n)``, a type
assertion ``y.(*T)`` or a type switch case of one type, a conversion ``T(y)``, a struct field
of a declared type, an element indexed or ranged over (of a slice, array or map, also a named
one: ``type Routes []*Route``), or what a function is declared to return (``x := New()``,
``r.NewRoute().Path()``): Go's static types, with no subclasses, make each of those certain.
When ``x``'s type is a repository interface the call is to the interface's method, and
heuristic CALLS go to that method of each type implementing the interface; a type parameter is
read as its constraint (``VC ValueCreator[T]``: ``ValueCreator``'s methods), never as a type of
the same name. A variable given a function (``var ShowHelp = DefaultShowHelp``) calls it
heuristically: it may have been replaced since. Each use of a name reads the declaration in
force at its byte (Go's block scoping: if and for headers, closures and their parameters
included). Of a name declared in several files (build tags), the files ``go build`` without
``-tags`` leaves out are not candidates; a choice that depends on the platform stays heuristic.
Unknown values are left out.

Interfaces are matched against every type of the repository, so each Go file declaring a type
depends on every Go package: a change to one re-resolves them all (resolution is the cheap step).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

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
    FileResolver,
    ParsedFile,
    Ref,
    RepoIndex,
    RepoLayout,
    ResolvedEdge,
    unique_edges,
)
from graphmem.ingest.syntax import Scope, SourceParse, grammar, in_source_order
from graphmem.model import RelType

if TYPE_CHECKING:
    from tree_sitter import Node

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_WORDS = re.compile(r"[A-Za-z_]\w*")
_WHITESPACE = re.compile(r"\s+")
#: a named type, maybe behind pointers or in a slice: ``*File``, ``[]http.Header``
_NAMED_TYPE = re.compile(r"((?:\*|\[\])*)(?:([A-Za-z_]\w*)\.)?([A-Za-z_]\w*)")
#: Go's predeclared types: the same in every package
_PREDECLARED = frozenset(
    {
        "bool", "byte", "complex64", "complex128", "error", "float32", "float64", "int",
        "int8", "int16", "int32", "int64", "rune", "string", "uint", "uint8", "uint16",
        "uint32", "uint64", "uintptr", "any", "comparable",
    }
)  # fmt: skip
_TYPE_WRAPPERS = re.compile(r"^[*&]+")
_GENERIC_ARGS = re.compile(r"\[.*\]$")
_ARRAY = re.compile(r"^\[[^\]]*\]")
#: what a name's declaration is visible in: the function, unless a nested block or literal
_BLOCKS = frozenset(
    {
        "block",
        "func_literal",
        "for_statement",
        "if_statement",
        "expression_switch_statement",
        "type_switch_statement",
        "select_statement",
        "communication_case",
        "expression_case",
        "type_case",
        "default_case",
    }
)
_FUNCTIONS = frozenset({"function_declaration", "method_declaration"})
_DECLARATIONS = frozenset({"short_var_declaration", "var_spec", "range_clause"})
_MAX_DEPTH = 12
_TYPES = frozenset({CLASS, INTERFACE})
#: a method set: (name, parameters, results) of each method
_MethodSet = frozenset[tuple[str, int, int]]


def _methods(*shapes: tuple[str, int, int]) -> _MethodSet:
    return frozenset(shapes)


_READ, _WRITE, _CLOSE = ("Read", 1, 2), ("Write", 1, 2), ("Close", 0, 1)
_FILE_INFO = _methods(
    ("Name", 0, 1), ("Size", 0, 1), ("Mode", 0, 1), ("ModTime", 0, 1), ("IsDir", 0, 1),
    ("Sys", 0, 1),
)  # fmt: skip
#: The method sets of the standard library's types that repositories embed most (Go 1 keeps
#: them stable): an interface embedding one of these interfaces asks for its methods too, and
#: a struct embedding one of them has them. An interface embedding any other type from outside
#: the repository asks for methods nothing here knows, so no type is said to implement it.
STANDARD_METHOD_SETS: dict[str, _MethodSet] = {
    "error": _methods(("Error", 0, 1)),
    "fmt.Stringer": _methods(("String", 0, 1)),
    "fmt.GoStringer": _methods(("GoString", 0, 1)),
    "fmt.Formatter": _methods(("Format", 2, 0)),
    "io.Reader": _methods(_READ),
    "io.Writer": _methods(_WRITE),
    "io.Closer": _methods(_CLOSE),
    "io.Seeker": _methods(("Seek", 2, 2)),
    "io.ReadWriter": _methods(_READ, _WRITE),
    "io.ReadCloser": _methods(_READ, _CLOSE),
    "io.WriteCloser": _methods(_WRITE, _CLOSE),
    "io.ReadWriteCloser": _methods(_READ, _WRITE, _CLOSE),
    "io.ReadSeeker": _methods(_READ, ("Seek", 2, 2)),
    "io.ReadSeekCloser": _methods(_READ, ("Seek", 2, 2), _CLOSE),
    "io.WriteSeeker": _methods(_WRITE, ("Seek", 2, 2)),
    "io.ReadWriteSeeker": _methods(_READ, _WRITE, ("Seek", 2, 2)),
    "io.ReaderAt": _methods(("ReadAt", 2, 2)),
    "io.WriterAt": _methods(("WriteAt", 2, 2)),
    "io.ReaderFrom": _methods(("ReadFrom", 1, 2)),
    "io.WriterTo": _methods(("WriteTo", 1, 2)),
    "io.StringWriter": _methods(("WriteString", 1, 2)),
    "io.ByteReader": _methods(("ReadByte", 0, 2)),
    "io.ByteWriter": _methods(("WriteByte", 1, 1)),
    "io/fs.File": _methods(("Stat", 0, 2), _READ, _CLOSE),
    "io/fs.FileInfo": _FILE_INFO,
    "os.FileInfo": _FILE_INFO,
    "sort.Interface": _methods(("Len", 0, 1), ("Less", 2, 1), ("Swap", 2, 0)),
    "flag.Value": _methods(("String", 0, 1), ("Set", 1, 1)),
    "flag.Getter": _methods(("String", 0, 1), ("Set", 1, 1), ("Get", 0, 1)),
    "sync.Locker": _methods(("Lock", 0, 0), ("Unlock", 0, 0)),
    "context.Context": _methods(("Deadline", 0, 2), ("Done", 0, 1), ("Err", 0, 1), ("Value", 1, 1)),
    "encoding.TextMarshaler": _methods(("MarshalText", 0, 2)),
    "encoding.TextUnmarshaler": _methods(("UnmarshalText", 1, 1)),
    "encoding/json.Marshaler": _methods(("MarshalJSON", 0, 2)),
    "encoding/json.Unmarshaler": _methods(("UnmarshalJSON", 1, 1)),
    "net/http.Handler": _methods(("ServeHTTP", 2, 0)),
    "net/http.Flusher": _methods(("Flush", 0, 0)),
    "net/http.Hijacker": _methods(("Hijack", 0, 3)),
    "net/http.ResponseWriter": _methods(("Header", 0, 1), _WRITE, ("WriteHeader", 1, 0)),
    "database/sql.Scanner": _methods(("Scan", 1, 1)),
    "database/sql/driver.Valuer": _methods(("Value", 0, 2)),
    # structs
    "database/sql.DB": _methods(
        ("Begin", 0, 2), ("BeginTx", 2, 2), ("Close", 0, 1), ("Conn", 1, 2), ("Driver", 0, 1),
        ("Exec", 2, 2), ("ExecContext", 3, 2), ("Ping", 0, 1), ("PingContext", 1, 1),
        ("Prepare", 1, 2), ("PrepareContext", 2, 2), ("Query", 2, 2), ("QueryContext", 3, 2),
        ("QueryRow", 2, 1), ("QueryRowContext", 3, 1), ("SetConnMaxIdleTime", 1, 0),
        ("SetConnMaxLifetime", 1, 0), ("SetMaxIdleConns", 1, 0), ("SetMaxOpenConns", 1, 0),
        ("Stats", 0, 1),
    ),
    "database/sql.Tx": _methods(
        ("Commit", 0, 1), ("Exec", 2, 2), ("ExecContext", 3, 2), ("Prepare", 1, 2),
        ("PrepareContext", 2, 2), ("Query", 2, 2), ("QueryContext", 3, 2), ("QueryRow", 2, 1),
        ("QueryRowContext", 3, 1), ("Rollback", 0, 1), ("Stmt", 1, 1), ("StmtContext", 2, 1),
    ),
    "database/sql.Conn": _methods(
        ("BeginTx", 2, 2), ("Close", 0, 1), ("ExecContext", 3, 2), ("PingContext", 1, 1),
        ("PrepareContext", 2, 2), ("QueryContext", 3, 2), ("QueryRowContext", 3, 1),
        ("Raw", 1, 1),
    ),
    "database/sql.Rows": _methods(
        ("Close", 0, 1), ("ColumnTypes", 0, 2), ("Columns", 0, 2), ("Err", 0, 1),
        ("Next", 0, 1), ("NextResultSet", 0, 1), ("Scan", 1, 1),
    ),
    "database/sql.Stmt": _methods(
        ("Close", 0, 1), ("Exec", 1, 2), ("ExecContext", 2, 2), ("Query", 1, 2),
        ("QueryContext", 2, 2), ("QueryRow", 1, 1), ("QueryRowContext", 2, 1),
    ),
    "bytes.Buffer": _methods(
        _READ, _WRITE, ("WriteString", 1, 2), ("WriteByte", 1, 1), ("WriteRune", 1, 2),
        ("ReadByte", 0, 2), ("ReadRune", 0, 3), ("ReadFrom", 1, 2), ("WriteTo", 1, 2),
        ("String", 0, 1), ("Len", 0, 1), ("Cap", 0, 1), ("Reset", 0, 0), ("Bytes", 0, 1),
        ("Truncate", 1, 0), ("Grow", 1, 0), ("Next", 1, 1), ("UnreadByte", 0, 1),
        ("UnreadRune", 0, 1), ("ReadBytes", 1, 2), ("ReadString", 1, 2),
    ),
    "strings.Builder": _methods(
        _WRITE, ("WriteString", 1, 2), ("WriteByte", 1, 1), ("WriteRune", 1, 2),
        ("String", 0, 1), ("Len", 0, 1), ("Cap", 0, 1), ("Reset", 0, 0), ("Grow", 1, 0),
    ),
    "sync.Mutex": _methods(("Lock", 0, 0), ("Unlock", 0, 0), ("TryLock", 0, 1)),
    "sync.RWMutex": _methods(
        ("Lock", 0, 0), ("Unlock", 0, 0), ("TryLock", 0, 1), ("RLock", 0, 0),
        ("RUnlock", 0, 0), ("TryRLock", 0, 1), ("RLocker", 0, 1),
    ),
}  # fmt: skip


@cache
def _module_path(go_mod: Path, mtime_ns: int) -> str | None:
    try:
        text = go_mod.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        parts = line.split("//", 1)[0].split()
        if len(parts) >= 2 and parts[0] == "module":
            return parts[1].strip('"`')
    return None


def go_package_path(path: str, layout: RepoLayout) -> str:
    """The import path of the package a ``.go`` file belongs to (see the module docstring)."""
    directory = posixpath.dirname(path)
    probe = directory
    while True:
        go_mod = f"{probe}/go.mod" if probe else "go.mod"
        if go_mod in layout.files:
            file = layout.root / go_mod
            try:
                mtime = file.stat().st_mtime_ns
            except OSError:
                mtime = 0
            module = _module_path(file, mtime)
            if module:
                relative = posixpath.relpath(directory or ".", probe or ".")
                return module if relative == "." else f"{module}/{relative}"
        if not probe:
            break
        probe = posixpath.dirname(probe)
    return directory or "main"


@lru_cache(maxsize=4096)  # the same few type expressions, written in every signature
def type_name(text: str) -> str | None:
    """``*pkg.T[int]`` -> ``pkg.T``; None for slices, maps, funcs, channels and the like."""
    text = _GENERIC_ARGS.sub("", _TYPE_WRAPPERS.sub("", text.strip()))
    return text if _DOTTED.fullmatch(text) else None


@lru_cache(maxsize=4096)
def declared_type(text: str) -> str | None:
    """A named type as `type_name` gives it, or ``[]T`` for a slice, array or map of one
    (``[]*Command``, ``[4]T``, ``map[string]*T``): what ranging over it or indexing it gives;
    ``[][]T`` for one of those of them (``[][]Flag``, ``map[Level][]Hook``)."""
    text = _TYPE_WRAPPERS.sub("", re.sub(r"\s+", "", text))
    element: str | None = None
    if text.startswith("map["):
        depth = 0
        for i, char in enumerate(text):
            depth += char == "["
            depth -= char == "]"
            if depth == 0 and char == "]":
                element = text[i + 1 :]
                break
    elif _ARRAY.match(text):
        element = _ARRAY.sub("", text, count=1)
    if element is None:
        return type_name(text)
    named = declared_type(element)
    return f"[]{named}" if named is not None else None


#: what ``go build`` without ``-tags`` leaves undecided: the platform (GOOS, GOARCH), cgo
_PLATFORM_TAGS = frozenset(
    "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9"  # noqa: SIM905
    " solaris wasip1 wasi windows zos unix 386 amd64 amd64p32 arm armbe arm64 arm64be loong64"
    " mips mipsle mips64 mips64le mips64p32 mips64p32le ppc ppc64 ppc64le riscv riscv64 s390"
    " s390x sparc sparc64 wasm cgo".split()
)
_BUILD_LINE = re.compile(r"^//go:build\s+(.+?)\s*$", re.MULTILINE)
_PLUS_BUILD_LINE = re.compile(r"^//\s*\+build\s+(.+?)\s*$", re.MULTILINE)
_BUILD_TOKEN = re.compile(r"\s*(\|\||&&|!|\(|\)|[\w.]+)")


def build_constraint(header: str) -> str | None:
    """A file's build constraint from the comments above its package clause, as a
    ``//go:build`` expression (old ``// +build a,b c`` lines rewritten to ``(a && b) || c``)."""
    found = _BUILD_LINE.search(header)
    if found is not None:
        return found.group(1)
    lines = _PLUS_BUILD_LINE.findall(header)
    if not lines:
        return None
    return " && ".join(
        "(" + " || ".join("(" + " && ".join(o.split(",")) + ")" for o in line.split()) + ")"
        for line in lines
    )


def in_default_build(parsed: ParsedFile | None) -> bool | None:
    """Whether ``go build`` without ``-tags`` compiles the file: False when its constraint
    needs a tag nobody set (``nomsgpack``, ``appengine``), None when it depends on the platform
    (``linux``, ``!windows``, ``cgo``), True otherwise. Unparsable constraints count as None."""
    constraint = parsed.extra.get("build") if parsed is not None else None
    if not isinstance(constraint, str):
        return True
    tokens: list[str] = _BUILD_TOKEN.findall(constraint)
    if "".join(tokens) != re.sub(r"\s+", "", constraint):
        return None
    tokens.reverse()  # popped from the end

    def either() -> bool | None:
        value = both()
        while tokens and tokens[-1] == "||":
            tokens.pop()
            right = both()
            value = True if True in (value, right) else None if None in (value, right) else False
        return value

    def both() -> bool | None:
        value = term()
        while tokens and tokens[-1] == "&&":
            tokens.pop()
            right = term()
            value = False if False in (value, right) else None if None in (value, right) else True
        return value

    def term() -> bool | None:
        token = tokens.pop()
        if token == "!":
            value = term()
            return None if value is None else not value
        if token == "(":
            value = either()
            if tokens.pop() != ")":
                raise ValueError(constraint)
            return value
        if token in _PLATFORM_TAGS:
            return None
        return token == "gc" or re.fullmatch(r"go1\.\d+", token) is not None

    try:
        value = either()
    except (IndexError, ValueError):
        return None
    return None if tokens else value


@lru_cache(maxsize=4096)  # the same few names, called in every function
def _part(part: str) -> tuple[str, bool, int]:
    """One part of a chain: its name, whether it is called, how many times it is indexed
    (``children[]``, ``Commands()[]``)."""
    name = part.rstrip("[]")
    indexed = (len(part) - len(name)) // 2
    called = name.endswith("()")
    return (name[:-2] if called else name), called, indexed


class GoSupport:
    """LanguageSupport for Go."""

    name = "go"
    extensions = (".go",)

    def module_name(self, path: str, layout: RepoLayout) -> str:
        return go_package_path(path, layout)

    def parse(self, path: str, source: bytes, module: str) -> ParsedFile:
        return _GoParse(path, source, module).run()

    def resolver(self, index: RepoIndex) -> FileResolver:
        return GoResolver(index)


# -- parsing --------------------------------------------------------------------------------


class _GoParse(SourceParse):
    def __init__(self, path: str, source: bytes, module: str) -> None:
        super().__init__("go", path, source, module)
        self.file_types: set[str] = set()
        #: node id -> `block_end` of what is declared directly in it
        self.block_ends: dict[int, int] = {}
        #: generic type of this file -> the constraints of its type parameters, in order
        self.generic_types: dict[str, list[str | None]] = {}
        #: function or method -> its type parameters and their constraints (see `generic`)
        self.type_params: dict[str, dict[str, str | None]] = {}

    def run(self) -> ParsedFile:
        found = self.captures(grammar("tree_sitter_go"), "go")
        for node in found.get("type", []):
            type_name_node = node.child_by_field_name("name")
            if type_name_node is not None and self.top_level(node):
                self.file_types.add(self.text(type_name_node))
                parameters = self.parameters_of(node)
                if parameters:
                    self.generic_types[self.text(type_name_node)] = list(parameters.values())
        for node in found.get("package", []):
            constraint = build_constraint(self.source[: node.start_byte].decode("utf-8", "replace"))
            if constraint is not None:
                self.parsed.extra["build"] = constraint
        ordered = in_source_order(found, first=("function", "method", "type"))
        self.sweep(ordered, Scope(self.module, len(self.source) + 1, None))
        return self.parsed

    @staticmethod
    def top_level(node: Node) -> bool:
        declaration = node.parent
        return (
            declaration is not None
            and declaration.parent is not None
            and declaration.parent.type == "source_file"
        )

    def parameters_of(self, node: Node) -> dict[str, str | None]:
        """The type parameters a generic function or type declares, each with its constraint
        when that is one named type (``VC ValueCreator[T, C]``: ``ValueCreator``), else None
        (``any``, ``~int | ~string``)."""
        found: dict[str, str | None] = {}
        parameters = node.child_by_field_name("type_parameters")
        for declaration in parameters.named_children if parameters is not None else []:
            constraint = declaration.child_by_field_name("type")
            if constraint is not None and constraint.type == "type_constraint":
                constraint = (
                    constraint.named_children[0] if len(constraint.named_children) == 1 else None
                )
            named = type_name(self.text(constraint)) if constraint is not None else None
            for child in declaration.named_children:
                if child.type == "identifier":
                    found[self.text(child)] = None if named in ("any", "comparable") else named
        return found

    @staticmethod
    def generic(declared: str | None, parameters: dict[str, str | None]) -> str | None:
        """A declared type with a type parameter in it read as the parameter's constraint
        (``[]VC`` -> ``[]ValueCreator``), or None when the constraint is no named type: inside
        a generic function a method called on a `VC` is the constraint's."""
        if declared is None or not parameters:
            return declared
        element = declared.lstrip("[]")
        if element not in parameters:
            return declared
        constraint = parameters[element]
        return None if constraint is None else declared[: len(declared) - len(element)] + constraint

    # -- definitions ----------------------------------------------------------------------

    def on_package(self, node: Node, scope: Scope) -> None:
        name = next((c for c in node.named_children if c.type == "package_identifier"), None)
        if name is not None:
            self.parsed.extra["package"] = self.text(name)

    def on_type(self, node: Node, scope: Scope) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("type")
        if name_node is None or body is None or not self.top_level(node):
            return
        name = self.text(name_node)
        span = (
            node.parent
            if node.parent is not None and len(node.parent.named_children) == 1
            else node
        )
        kind = INTERFACE if body.type == "interface_type" else CLASS
        qualified = f"{self.module}.{name}"
        definition = self.add_definition(kind, name, qualified, self.module, span or node)
        definition.bases = self.embedded(body)
        if kind == INTERFACE:
            generic = self.parameters_of(node)
            for element in body.named_children:
                method = element.child_by_field_name("name")
                if element.type == "method_elem" and method is not None:
                    method_name = self.text(method)
                    method_qname = f"{qualified}.{method_name}"
                    method_definition = self.add_definition(
                        METHOD, method_name, method_qname, qualified, element
                    )
                    method_definition.returns = self.result_type(element)
                    self.record_arity(method_qname, element, generic)
        parameters = self.parameters_of(node)
        fields = self.field_types(body, parameters)
        if fields:
            self.parsed.extra.setdefault("fields", {})[definition.qualified_name] = fields
        underlying = declared_type(self.text(body)) if body.type != "struct_type" else None
        if not parameters and underlying is not None and underlying.startswith("[]"):
            # type Routes []*Route: indexing it or ranging over it gives Routes' elements
            self.parsed.extra.setdefault("underlying", {})[definition.qualified_name] = underlying

    def field_types(self, body: Node, parameters: dict[str, str | None]) -> dict[str, str]:
        """A struct's named fields whose declared type can be followed: name -> type (none of a
        generic struct's typed by its type parameters: an instance has its type arguments)."""
        found: dict[str, str] = {}
        if body.type != "struct_type":
            return found
        fields = next((c for c in body.named_children if c.type == "field_declaration_list"), None)
        for declaration in fields.named_children if fields is not None else []:
            type_node = declaration.child_by_field_name("type")
            if declaration.type != "field_declaration" or type_node is None:
                continue
            declared = declared_type(self.text(type_node))
            if declared is None or declared.lstrip("[]") in parameters:
                continue
            for child in declaration.named_children:
                if child.type == "field_identifier":
                    found[self.text(child)] = declared
        return found

    def embedded(self, body: Node) -> list[str]:
        bases: list[str] = []
        if body.type == "struct_type":
            fields = next(
                (c for c in body.named_children if c.type == "field_declaration_list"), None
            )
            for declaration in fields.named_children if fields is not None else []:
                if declaration.type != "field_declaration":
                    continue
                if declaration.child_by_field_name("name") is None:
                    type_node = declaration.child_by_field_name("type")
                    base = type_name(self.text(type_node)) if type_node is not None else None
                    if base is not None:
                        bases.append(base)
        elif body.type == "interface_type":
            for element in body.named_children:
                if element.type == "type_elem" and len(element.named_children) == 1:
                    base = type_name(self.text(element.named_children[0]))
                    if base is not None:
                        bases.append(base)
        return bases

    def on_function(self, node: Node, scope: Scope) -> Scope | None:
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return None
        name = self.text(name_node)
        definition = self.add_definition(FUNCTION, name, f"{self.module}.{name}", self.module, node)
        parameters = self.parameters_of(node)
        if parameters:
            self.type_params[definition.qualified_name] = parameters
        definition.returns = self.result_type(node, parameters)
        return Scope(definition.qualified_name, node.end_byte, definition)

    def on_method(self, node: Node, scope: Scope) -> Scope | None:
        name_node = node.child_by_field_name("name")
        receiver = node.child_by_field_name("receiver")
        if name_node is None or receiver is None:
            return None
        declaration = next(
            (c for c in receiver.named_children if c.type == "parameter_declaration"), None
        )
        type_node = declaration.child_by_field_name("type") if declaration is not None else None
        receiver_type = type_name(self.text(type_node)) if type_node is not None else None
        if receiver_type is None or "." in receiver_type:
            return None
        name = self.text(name_node)
        type_qname = f"{self.module}.{receiver_type}"
        parent = type_qname if receiver_type in self.file_types else self.module
        definition = self.add_definition(METHOD, name, f"{type_qname}.{name}", parent, node)
        parameters = (
            self.receiver_parameters(type_node, receiver_type) if type_node is not None else {}
        )
        if parameters:
            self.type_params[definition.qualified_name] = parameters
        definition.returns = self.result_type(node, parameters)
        self.record_arity(definition.qualified_name, node, parameters)
        return Scope(definition.qualified_name, node.end_byte, definition)

    def receiver_parameters(self, type_node: Node, receiver_type: str) -> dict[str, str | None]:
        """``func (f *FlagBase[T, C, VC]) ...``: the names the receiver gives the type's
        parameters, with the constraints the type declares for them (in this file), else None."""
        while type_node.type == "pointer_type" and type_node.named_children:
            type_node = type_node.named_children[0]
        arguments = type_node.child_by_field_name("type_arguments")
        if type_node.type != "generic_type" or arguments is None:
            return {}
        names = [self.text(c) for c in arguments.named_children]
        constraints = self.generic_types.get(receiver_type, [])
        if len(constraints) != len(names):
            constraints = [None] * len(names)
        return dict(zip(names, constraints, strict=True))

    def record_arity(self, qualified_name: str, node: Node, generic: Collection[str] = ()) -> None:
        """How many parameters and results a method (or interface method) declares, in
        ``extra["arity"]``, and their types as written (``?`` for one that names a type
        parameter of `generic`), in ``extra["signature_types"]``: a type implements an
        interface only with methods of its shape."""
        parameters = node.child_by_field_name("parameters")
        result = node.child_by_field_name("result")
        shape = [
            self.count(parameters) if parameters is not None else 0,
            0 if result is None else self.count(result) if result.type == "parameter_list" else 1,
        ]
        self.parsed.extra.setdefault("arity", {}).setdefault(qualified_name, shape)
        written = self.types_of(parameters) if parameters is not None else []
        if result is not None and result.type != "parameter_list":
            written.append(self.text(result))
        elif result is not None:
            written += self.types_of(result)
        texts = [_WHITESPACE.sub("", text) for text in written]
        texts = ["?" if set(_WORDS.findall(text)) & set(generic) else text for text in texts]
        if texts:
            self.parsed.extra.setdefault("signature_types", {}).setdefault(qualified_name, texts)

    def types_of(self, parameters: Node) -> list[str]:
        """The type of each parameter (or result) of a list, as written: ``(a, b int, c
        ...string)`` is int, int, ...string."""
        written = []
        for declaration in parameters.named_children:
            if declaration.type in ("parameter_declaration", "variadic_parameter_declaration"):
                type_node = declaration.child_by_field_name("type")
                text = self.text(type_node) if type_node is not None else "?"
                if declaration.type == "variadic_parameter_declaration":
                    text = "..." + text
                names = sum(1 for c in declaration.named_children if c.type == "identifier")
                written += [text] * max(names, 1)
        return written

    @staticmethod
    def count(parameters: Node) -> int:
        """``(a, b int, c ...string)`` is 3; ``(int, error)`` is 2."""
        total = 0
        for declaration in parameters.named_children:
            if declaration.type in ("parameter_declaration", "variadic_parameter_declaration"):
                names = sum(1 for c in declaration.named_children if c.type == "identifier")
                total += max(names, 1)
        return total

    def result_type(
        self, node: Node, parameters: dict[str, str | None] | None = None
    ) -> str | None:
        """The declared type of the first result; None when a type parameter is in it (what a
        caller gets is its type argument)."""
        result = node.child_by_field_name("result")
        if result is None:
            return None
        if result.type == "parameter_list":
            first = next(
                (c for c in result.named_children if c.type == "parameter_declaration"), None
            )
            result = first.child_by_field_name("type") if first is not None else None
            if result is None:
                return None
        declared = declared_type(self.text(result))
        if declared is not None and parameters and declared.lstrip("[]") in parameters:
            return None
        return declared

    # -- names in functions ---------------------------------------------------------------

    def on_param(self, node: Node, scope: Scope) -> None:
        if scope.definition is None:
            return
        type_node = node.child_by_field_name("type")
        declared = declared_type(self.text(type_node)) if type_node is not None else None
        if declared is None:
            return
        if node.type == "variadic_parameter_declaration":  # cmds ...*Command: a []*Command
            declared = f"[]{declared}"
        names = [self.text(c) for c in node.named_children if c.type == "identifier"]
        for name in names:
            self.bind(scope.qualified_name, name, declared, node, annotation=True)
        parameters = node.parent
        owner = parameters.parent if parameters is not None else None
        if owner is not None and owner.type in _FUNCTIONS:
            scope.definition.params.extend(names)

    def on_const(self, node: Node, scope: Scope) -> None:
        if scope.definition is None:
            self.package_variables(node)

    def package_variables(self, spec: Node) -> None:
        """A package-level ``var``/``const`` spec: each name a Variable (a spec alone in its
        declaration spans the keyword too)."""
        group = declaration = spec.parent
        if declaration is not None and declaration.type in ("var_spec_list", "const_spec_list"):
            declaration = declaration.parent
        if group is None or declaration is None or declaration.parent is None:
            return
        if declaration.parent.type != "source_file":
            return
        specs = [c for c in group.named_children if c.type == spec.type]
        span = declaration if specs == [spec] else spec
        names = []
        for child in spec.named_children:
            if child.type == "identifier" and self.text(child) != "_":
                name = self.text(child)
                names.append(name)
                self.add_definition(VARIABLE, name, f"{self.module}.{name}", self.module, span)
        if spec.type == "var_spec":
            self.package_var_types(spec, names)

    def package_var_types(self, spec: Node, names: list[str]) -> None:
        """What a package-level ``var`` holds, in ``extra["var_types"]`` as name -> [expression,
        is_a_type]: logrus's API is ``var std = New()`` and 48 calls of ``std.X()``."""
        type_node = spec.child_by_field_name("type")
        declared = declared_type(self.text(type_node)) if type_node is not None else None
        values = spec.child_by_field_name("value")
        found: list[tuple[str, bool] | None]
        if declared is not None:
            found = [(declared, True)] * len(names)
        elif values is not None and len(values.named_children) == len(names):
            found = [self.value_expression(v) for v in values.named_children]
        else:
            return
        table = self.parsed.extra.setdefault("var_types", {})
        for name, expression in zip(names, found, strict=True):
            if expression is not None:
                table[name] = list(expression)

    def on_var(self, node: Node, scope: Scope) -> None:
        if scope.definition is None:
            self.package_variables(node)
            self.assertion(node)
            return
        names = [self.text(c) for c in node.named_children if c.type == "identifier"]
        type_node = node.child_by_field_name("type")
        value = node.child_by_field_name("value")
        if type_node is not None:
            declared = declared_type(self.text(type_node))
            if declared is not None:
                for name in names:
                    self.bind(scope.qualified_name, name, declared, node, annotation=True)
        elif value is not None:
            self.bind_values(scope, names, list(value.named_children), node)

    def assertion(self, spec: Node) -> None:
        """``var _ I = (*T)(nil)`` / ``T{}`` / ``&T{}``: the compiler proves that T implements I,
        recorded in ``extra["asserts"]`` as [I, T] (type expressions as written)."""
        type_node = spec.child_by_field_name("type")
        values = spec.child_by_field_name("value")
        names = [c for c in spec.named_children if c.type == "identifier"]
        if type_node is None or values is None or [self.text(n) for n in names] != ["_"]:
            return
        interface = type_name(self.text(type_node))
        value = values.named_children[0] if len(values.named_children) == 1 else None
        if value is not None and value.type == "call_expression":  # (*T)(nil)
            value = value.child_by_field_name("function")
        while value is not None and value.type in ("parenthesized_expression", "unary_expression"):
            value = value.named_children[0] if value.named_children else None
        if value is not None and value.type == "composite_literal":
            value = value.child_by_field_name("type")
        implementer = type_name(self.text(value)) if value is not None else None
        if interface is not None and implementer is not None:
            self.parsed.extra.setdefault("asserts", []).append([interface, implementer])

    def on_short_var(self, node: Node, scope: Scope) -> None:
        if scope.definition is None:
            return
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            return
        names = [self.text(c) if c.type == "identifier" else "_" for c in left.named_children]
        self.bind_values(scope, names, list(right.named_children), node)

    def bind_values(self, scope: Scope, names: list[str], values: list[Node], node: Node) -> None:
        if len(values) == len(names):
            pairs = list(zip(names, values, strict=True))
        elif len(values) == 1 and names:  # a, err := f(): a is f's first result
            pairs = [(names[0], values[0])]
        else:
            return
        for name, value in pairs:
            if name == "_":
                continue
            expression = self.value_expression(value)
            if expression is None:
                # known to be something we cannot follow
                self.bind(scope.qualified_name, name, "?", node)
            else:
                self.bind(scope.qualified_name, name, expression[0], node, annotation=expression[1])

    def value_expression(self, node: Node) -> tuple[str, bool] | None:
        """(expression, is_a_type): ``T{}``, ``&T{}`` give (T, True); ``f()`` gives (f(), False)."""
        if node.type == "unary_expression":
            operand = node.child_by_field_name("operand")
            return self.value_expression(operand) if operand is not None else None
        if node.type == "composite_literal":  # T{}, []*T{...}, map[string]T{...}
            type_node = node.child_by_field_name("type")
            declared = declared_type(self.text(type_node)) if type_node is not None else None
            return (declared, True) if declared is not None else None
        if node.type == "type_assertion_expression":  # y.(*T): certainly a T
            type_node = node.child_by_field_name("type")
            declared = declared_type(self.text(type_node)) if type_node is not None else None
            return (declared, True) if declared is not None else None
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and self.text(function) in ("new", "make"):
                arguments = node.child_by_field_name("arguments")
                if arguments is not None and arguments.named_children:  # new(T), make([]T, n)
                    written = self.text(arguments.named_children[0])
                    made = type_name if self.text(function) == "new" else declared_type
                    declared = made(written)
                    return (declared, True) if declared is not None else None
                return None
        chain = self.chain(node)
        return (chain, False) if chain is not None else None

    def chain(self, node: Node) -> str | None:
        """An expression a resolver can follow, with ``()`` after each call in it and ``[]``
        after each index: ``r.NewRoute().Path``, ``cmd.parent.out``, ``r.middlewares[]`` for
        ``r.middlewares[i]``, ``getFloat()`` for ``getFloat[float64](...)``; a composite literal
        ``T{}`` or ``&T{}`` and a type assertion ``x.(*T)`` are written as the conversion
        ``T()``, which gives a T too."""
        if node.type in ("identifier", "field_identifier", "package_identifier"):
            return self.text(node)
        if node.type == "parenthesized_expression" and len(node.named_children) == 1:
            return self.chain(node.named_children[0])
        if node.type in ("unary_expression", "slice_expression"):  # *p, &v, s[i:j]
            operator = node.child_by_field_name("operator")
            operand = node.child_by_field_name("operand")
            if operand is None or (operator is not None and self.text(operator) not in ("*", "&")):
                return None
            return self.chain(operand)
        if node.type == "index_expression":
            operand = node.child_by_field_name("operand")
            inner = self.chain(operand) if operand is not None else None
            return f"{inner}[]" if inner is not None else None
        if node.type in ("composite_literal", "type_assertion_expression"):  # T{}, x.(*T)
            type_node = node.child_by_field_name("type")
            named = type_name(self.text(type_node)) if type_node is not None else None
            return f"{named}()" if named is not None else None
        if node.type == "selector_expression":
            operand = node.child_by_field_name("operand")
            field_node = node.child_by_field_name("field")
            inner = self.chain(operand) if operand is not None else None
            if inner is None or field_node is None:
                return None
            return f"{inner}.{self.text(field_node)}"
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and function.type == "index_expression":
                function = function.child_by_field_name("operand")  # type arguments: f[T]()
            inner = self.chain(function) if function is not None else None
            return f"{inner}()" if inner is not None else None
        return None

    def on_range(self, node: Node, scope: Scope) -> None:
        """``for _, c := range cmd.commands``: `c` is an element of what is ranged over."""
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if scope.definition is None or left is None or right is None:
            return
        names = [c for c in left.named_children if c.type == "identifier"]
        if len(left.named_children) != 2 or len(names) < 1 or names[-1] != left.named_children[1]:
            return
        ranged = self.chain(right)
        if ranged is not None:
            self.bind(scope.qualified_name, self.text(names[-1]), f"{ranged}[]", node)

    def bind(
        self,
        scope: str,
        name: str,
        value: str,
        node: Node,
        annotation: bool = False,
        span: tuple[int, int] | None = None,
    ) -> None:
        """A binding, and (in ``extra["binding_spans"]``) the bytes it is in force and the
        byte its value is read at: from the end of its declaration (a parameter: its start)
        to the end of the block it is declared in, 0 for the whole function. A name declared
        again in an inner block or a closure is a new variable there, and the outer one again
        after it; in ``cmd := cmd.Child()`` the right side still reads the outer ``cmd``, in
        ``if c, ok := v.(*C); ok && c.Run()`` the condition the new one. A declared type with
        a type parameter in it is read as the parameter's constraint (see `generic`)."""
        if annotation and value != "?":
            declared = self.generic(value, self.type_params.get(scope, {}))
            if declared is None:
                value, annotation = "?", False
            else:
                value = declared
        super().bind(scope, name, value, node, annotation)
        if span is None:
            start = node.end_byte if node.type in _DECLARATIONS else node.start_byte
            span = (start, self.block_end(node))
        self.parsed.extra.setdefault("binding_spans", []).append([*span, node.start_byte])

    def add_call(self, caller: str, callee: str, node: Node) -> None:
        """A call, and (in ``extra["call_offsets"]``) the byte it starts at, which picks the
        bindings in force for it."""
        super().add_call(caller, callee, node)
        self.parsed.extra.setdefault("call_offsets", []).append(node.start_byte)

    def block_end(self, node: Node) -> int:
        """The last byte of the block `node` is declared in (0: the function's own body).
        Remembered for every ancestor walked, as the declarations of one block share it."""
        walked = []
        end = 0
        current = node.parent
        while current is not None and current.type not in _FUNCTIONS:
            known = self.block_ends.get(current.id)
            if known is not None:
                end = known
                break
            walked.append(current.id)
            if current.type in _BLOCKS:
                if not (
                    current.type == "block"
                    and current.parent is not None
                    and current.parent.type in _FUNCTIONS
                ):
                    end = current.end_byte
                break
            current = current.parent
        for walked_id in walked:
            self.block_ends[walked_id] = end
        return end

    # -- calls and imports ----------------------------------------------------------------

    def on_call(self, node: Node, scope: Scope) -> None:
        if scope.definition is None:
            return
        function = node.child_by_field_name("function")
        if function is not None and function.type == "index_expression":
            function = function.child_by_field_name("operand")  # type arguments: f[T](...)
        callee = self.chain(function) if function is not None else None
        if callee is not None:
            self.add_call(scope.qualified_name, callee, node)

    def on_type_switch(self, node: Node, scope: Scope) -> None:
        """``switch v := x.(type) { case *T: ... }``: in a case of one type `v` is a T; in any
        other case (several types, nil, default) it is nothing followed."""
        alias = node.child_by_field_name("alias")
        names = (
            [c for c in alias.named_children if c.type == "identifier"] if alias is not None else []
        )
        if scope.definition is None or len(names) != 1:
            return
        name = self.text(names[0])
        for case in node.named_children:
            if case.type not in ("type_case", "default_case"):
                continue
            types = [
                c for i, c in enumerate(case.children) if case.field_name_for_child(i) == "type"
            ]
            declared = declared_type(self.text(types[0])) if len(types) == 1 else None
            span = (case.start_byte, case.end_byte)
            if declared is None or declared == "nil":
                self.bind(scope.qualified_name, name, "?", case, span=span)
            else:
                self.bind(scope.qualified_name, name, declared, case, annotation=True, span=span)

    def on_alias(self, node: Node, scope: Scope) -> None:
        """``type A = B[int]``: no type of its own, so values typed `A` are `B`s."""
        name_node = node.child_by_field_name("name")
        target = node.child_by_field_name("type")
        if scope.definition is not None or name_node is None or target is None:
            return
        named = type_name(self.text(target))
        if named is not None and self.top_level(node):
            self.parsed.extra.setdefault("aliases", {})[self.text(name_node)] = named

    def on_conversion(self, node: Node, scope: Scope) -> None:
        """``Get[int](c)`` parses as a conversion to a generic type: a call when ``Get`` is a
        function (the resolver drops it when it names a type)."""
        generic = node.child_by_field_name("type")
        if scope.definition is None or generic is None or generic.type != "generic_type":
            return
        named = generic.child_by_field_name("type")
        callee = self.text(named) if named is not None else ""
        if _DOTTED.fullmatch(callee):
            self.add_call(scope.qualified_name, callee, node)

    def on_import(self, node: Node, scope: Scope) -> None:
        path_node = node.child_by_field_name("path")
        if path_node is None:
            return
        name_node = node.child_by_field_name("name")
        alias = self.text(name_node) if name_node is not None else None
        self.add_import(self.text(path_node).strip('"`'), None, alias, node, self.module)


# -- resolution -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Def:
    path: str
    qualified_name: str
    kind: str


@dataclass(frozen=True, slots=True)
class _Package:
    import_path: str


@dataclass(frozen=True, slots=True)
class _Instance:
    cls: _Def
    exact: bool


@dataclass(frozen=True, slots=True)
class _Elements:
    """A slice, array or map of `cls` (`depth` 2: of slices of them): ranging over it or
    indexing it gives instances."""

    cls: _Def
    exact: bool
    depth: int = 1


@dataclass(frozen=True, slots=True)
class _Held:
    """A function or method held by a variable (``var ShowHelp = DefaultShowHelp``): calling
    the variable may call it, or whatever was assigned since."""

    function: _Def


_Value = _Def | _Package | _Instance | _Elements | _Held


@dataclass(frozen=True, slots=True)
class _Scoped:
    """A binding, the bytes it is in force (`end` 0: to the end of the function) and the byte
    its value is read at."""

    binding: Binding
    start: int
    end: int
    at: int


@dataclass
class _PackageTable:
    """Every top-level name of one package, over all its files."""

    name: str | None = None
    #: name -> definitions (several when build-tagged files define the same name)
    names: dict[str, list[_Def]] = field(default_factory=dict)
    #: type qualified name -> method name -> definition
    methods: dict[str, dict[str, _Def]] = field(default_factory=dict)
    #: type qualified name -> (path it is declared in, embedded type expressions)
    bases: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    #: alias name -> (path it is declared in, the type expression it stands for)
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: ``var _ I = (*T)(nil)``: (path it is written in, I, T as written)
    asserts: list[tuple[str, str, str]] = field(default_factory=list)
    #: method qualified name -> (parameters, results)
    arity: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: method qualified name -> (path it is declared in, its parameter and result types)
    signature_types: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    #: package-level var -> (path it is declared in, expression, whether it is a type)
    var_types: dict[str, tuple[str, str, bool]] = field(default_factory=dict)


@dataclass
class _Satisfaction:
    """Which repository types implement which repository interfaces (Go's implicit rule)."""

    #: type qualified name -> (interface, resolution): exact when ``var _ I = T{}`` proves it
    implements: dict[str, list[tuple[_Def, str]]] = field(default_factory=dict)
    #: interface qualified name -> the types implementing it
    implementers: dict[str, list[_Def]] = field(default_factory=dict)


class GoResolver:
    """Resolves one Go file's imports, embedding and calls (see the module docstring)."""

    def __init__(self, index: RepoIndex) -> None:
        self.index = index
        self._bindings: dict[str, tuple[ParsedFile, dict[tuple[str, str], list[_Scoped]]]] = {}

    def binding(self, parsed: ParsedFile, scope: str, name: str, offset: int) -> _Scoped | None:
        """The declaration of `name` in force at byte `offset` of function `scope` (Go's block
        scoping, by the spans the parser recorded: the nearest one in force), or None."""
        cached = self._bindings.get(parsed.path)
        if cached is None or cached[0] is not parsed:
            table: dict[tuple[str, str], list[_Scoped]] = {}
            spans: list[list[int]] = list(parsed.extra.get("binding_spans", []))
            for i, binding in enumerate(parsed.bindings):
                span = spans[i] if i < len(spans) else []
                start, end, at = span if len(span) == 3 else (0, 0, 0)
                scoped = _Scoped(binding, start, end, at)
                table.setdefault((binding.scope, binding.name), []).append(scoped)
            cached = (parsed, table)
            self._bindings[parsed.path] = cached
        found: _Scoped | None = None
        for scoped in cached[1].get((scope, name), []):
            in_force = scoped.start <= offset and (scoped.end == 0 or offset <= scoped.end)
            if in_force and (found is None or scoped.start >= found.start):
                found = scoped
        return found

    def fields(self, cls: _Def) -> dict[str, str]:
        owner = self.index.file(cls.path)
        if owner is None:
            return {}
        table: dict[str, dict[str, str]] = owner.extra.get("fields", {})
        return table.get(cls.qualified_name, {})

    def package(self, import_path: str) -> _PackageTable | None:
        def build() -> _PackageTable | None:
            paths = self.index.module_paths(import_path)
            if not paths:
                return None
            table = _PackageTable()
            # what the default build leaves out last: of the names declared in several files
            # (binding.go and binding_nomsgpack.go) the one it compiles comes first
            built = {path: in_default_build(self.index.file(path)) for path in paths}
            tested: str | None = None
            for path in sorted(paths, key=lambda path: built[path] is False):
                parsed = self.index.file(path)
                if parsed is None or parsed.language != "go":
                    continue
                if path.endswith("_test.go"):  # maybe `package toml_test`, not importable
                    tested = tested or parsed.extra.get("package")
                else:
                    table.name = table.name or parsed.extra.get("package")
                for alias, target in parsed.extra.get("aliases", {}).items():
                    table.aliases.setdefault(alias, (path, target))
                for interface, implementer in parsed.extra.get("asserts", []):
                    table.asserts.append((path, interface, implementer))
                for method, (parameters, results) in parsed.extra.get("arity", {}).items():
                    table.arity.setdefault(method, (parameters, results))
                for method, written in parsed.extra.get("signature_types", {}).items():
                    table.signature_types.setdefault(method, (path, written))
                for name, (expression, is_type) in parsed.extra.get("var_types", {}).items():
                    table.var_types.setdefault(name, (path, expression, is_type))
                for d in parsed.definitions:
                    if d.kind == VARIABLE:
                        continue  # never called; what it holds is not followed yet
                    value = _Def(path, d.qualified_name, d.kind)
                    if d.kind == METHOD:
                        type_qname = d.qualified_name.rsplit(".", 1)[0]
                        table.methods.setdefault(type_qname, {}).setdefault(d.name, value)
                    else:
                        table.names.setdefault(d.name, []).append(value)
                        if d.kind in _TYPES:
                            table.bases.setdefault(d.qualified_name, (path, d.bases))
            table.name = table.name or tested
            for name, found in table.names.items():
                kept = [d for d in found if built[d.path] is not False]
                if kept and len(kept) < len(found):
                    table.names[name] = kept
            return table

        return self.index.memo(("go-package", import_path), build)

    def resolve(self, parsed: ParsedFile) -> list[ResolvedEdge]:
        edges: list[ResolvedEdge] = []
        module_ref = Ref(parsed.path, parsed.module)
        for spec in parsed.imports:
            for path in self.index.module_paths(spec.module):
                if not path.endswith("_test.go") and path != parsed.path:
                    edges.append(ResolvedEdge(RelType.IMPORTS, module_ref, Ref(path, spec.module)))

        satisfaction: _Satisfaction | None = None
        for definition in parsed.definitions:
            if definition.kind not in _TYPES:
                continue
            source = Ref(parsed.path, definition.qualified_name)
            for base in definition.bases:
                for target in self.type_values(parsed, base):
                    edges.append(
                        ResolvedEdge(
                            RelType.INHERITS, source, Ref(target.path, target.qualified_name)
                        )
                    )
            if definition.kind == CLASS:
                satisfaction = satisfaction or self.satisfaction()
                for interface, resolution in satisfaction.implements.get(source.qualified_name, []):
                    edges.append(
                        ResolvedEdge(
                            RelType.IMPLEMENTS,
                            source,
                            Ref(interface.path, interface.qualified_name),
                            resolution,
                        )
                    )

        offsets: list[int] = parsed.extra.get("call_offsets", [])
        for i, call in enumerate(parsed.calls):
            offset = offsets[i] if i < len(offsets) else 0
            for target, resolution in self.resolve_call(parsed, call, offset):
                edges.append(
                    ResolvedEdge(
                        RelType.CALLS,
                        Ref(parsed.path, call.caller),
                        Ref(target.path, target.qualified_name),
                        resolution,
                    )
                )
        return unique_edges(edges)

    # -- names ----------------------------------------------------------------------------

    def imports_of(self, parsed: ParsedFile) -> dict[str, str]:
        """Local package name -> import path, for the imports of one file (built once per file:
        every call's head is looked up in it)."""

        def build() -> dict[str, str]:
            names: dict[str, str] = {}
            for spec in parsed.imports:
                if spec.alias in ("_", "."):
                    continue
                if spec.alias:
                    names[spec.alias] = spec.module
                    continue
                table = self.package(spec.module)
                local = table.name if table is not None and table.name else None
                if local is None:
                    parts = spec.module.split("/")
                    versioned = len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1])
                    local = parts[-2] if versioned else parts[-1]
                names[local] = spec.module
            return names

        return self.index.memo(("go-imports", parsed.path, parsed.content_hash), build)

    def type_values(self, parsed: ParsedFile, expression: str, depth: int = 0) -> list[_Def]:
        """The repository types a type expression written in `parsed` names, through aliases
        (``type A = B``) and dot-imports."""
        if "." in expression:
            package_name, _, name = expression.partition(".")
            import_path = self.imports_of(parsed).get(package_name)
            tables = [self.package(import_path)] if import_path else []
        else:
            name = expression
            tables = [self.package(parsed.module), *self.dot_imported(parsed)]
        for table in tables:
            if table is None:
                continue
            found = [d for d in table.names.get(name, []) if d.kind in _TYPES]
            if found:
                return found
            if name in table.aliases and depth < _MAX_DEPTH:
                path, target = table.aliases[name]
                owner = self.index.file(path)
                return self.type_values(owner, target, depth + 1) if owner is not None else []
        return []

    def dot_imported(self, parsed: ParsedFile) -> list[_PackageTable | None]:
        """The packages `import . "pkg"` puts in this file's scope."""
        return [self.package(spec.module) for spec in parsed.imports if spec.alias == "."]

    def lookup(
        self, parsed: ParsedFile, scope: str, name: str, offset: int, depth: int
    ) -> list[_Value]:
        if depth > _MAX_DEPTH:
            return []
        scoped = self.binding(parsed, scope, name, offset)
        if scoped is not None:
            binding = scoped.binding
            if binding.annotation:
                return self.typed(parsed, binding.value, True)
            if binding.value == "?":
                return []
            ranged = binding.value.endswith("[]")
            expression = binding.value[:-2] if ranged else binding.value
            values = self.evaluate(parsed, scope, expression, scoped.at, depth + 1)
            return self.elements(values) if ranged else self.held(values)
        import_path = self.imports_of(parsed).get(name)
        if import_path is not None:
            return [_Package(import_path)] if self.package(import_path) is not None else []
        for table in [self.package(parsed.module), *self.dot_imported(parsed)]:
            if table is not None and name in table.var_types:
                return self.package_var(table.var_types[name], depth)
            if table is not None and name in table.names:
                return list(table.names[name])
        return []

    @staticmethod
    def held(values: list[_Value]) -> list[_Value]:
        """What a variable assigned `values` holds: a function it was given is one it may
        call (`_Held`); instances are what they are, as a variable's type cannot change."""
        return [
            _Held(v) if isinstance(v, _Def) and v.kind in (FUNCTION, METHOD) else v for v in values
        ]

    def package_var(self, held: tuple[str, str, bool], depth: int) -> list[_Value]:
        """A package-level var's value: an instance of its declared (or composite literal's)
        type, or what its initialiser evaluates to, read in the file that declares it."""
        path, expression, is_type = held
        owner = self.index.file(path)
        if owner is None or depth > _MAX_DEPTH:
            return []
        if is_type:
            return self.typed(owner, expression, True)
        return self.held(self.evaluate(owner, owner.module, expression, 0, depth + 1))

    def typed(self, parsed: ParsedFile, declared: str, exact: bool) -> list[_Value]:
        """Values of a declared type written in `parsed`: ``T`` instances, ``[]T`` elements,
        ``[][]T`` elements of depth 2."""
        named = declared.lstrip("[]")
        depth = (len(declared) - len(named)) // 2
        if depth:
            return [_Elements(cls, exact, depth) for cls in self.type_values(parsed, named)]
        return [_Instance(cls, exact) for cls in self.type_values(parsed, named)]

    def elements(self, values: list[_Value]) -> list[_Value]:
        """What indexing or ranging over each of `values` gives: an element of a slice, array
        or map, also of a named one (``type Routes []*Route``)."""
        slices: list[_Value] = []
        for value in values:
            if isinstance(value, _Instance):
                owner = self.index.file(value.cls.path)
                underlying = owner.extra.get("underlying", {}) if owner is not None else {}
                declared = underlying.get(value.cls.qualified_name)
                if owner is not None and declared is not None:
                    slices += self.typed(owner, declared, value.exact)
            else:
                slices.append(value)
        found: list[_Value] = []
        for value in slices:
            if isinstance(value, _Elements) and value.depth > 1:
                found.append(_Elements(value.cls, value.exact, value.depth - 1))
            elif isinstance(value, _Elements):
                found.append(_Instance(value.cls, value.exact))
        return found

    def evaluate(
        self, parsed: ParsedFile, scope: str, expression: str, offset: int, depth: int
    ) -> list[_Value]:
        """A chain as the parser writes it (``r.NewRoute().Path``), read at byte `offset`."""
        values: list[_Value] = []
        for position, part in enumerate(expression.split(".")):
            name, called, indexed = _part(part)
            if position == 0:
                values = self.lookup(parsed, scope, name, offset, depth)
            else:
                values = [v for value in values for v in self.attribute(value, name, depth)]
            if called:
                values = self.call_result(values)
            for _ in range(indexed):
                values = self.elements(values)
        return values

    def call_result(self, callees: list[_Value]) -> list[_Value]:
        """What calling each of `callees` returns, by its declared result type: Go has no
        subclasses, so a method called on it is the one the compiler binds (exact). Calling a
        type is a conversion (``Level(x)``), which gives a value of that type."""
        results: list[_Value] = []
        for value in callees:
            if isinstance(value, _Held):
                value = value.function  # whatever it holds, its type is this function's
            if not isinstance(value, _Def):
                continue
            if value.kind in _TYPES:
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
            if owner is None or definition is None or definition.returns is None:
                continue
            results += self.typed(owner, definition.returns, True)
        return results

    def attribute(self, value: _Value, name: str, depth: int) -> list[_Value]:
        if depth > _MAX_DEPTH:
            return []
        if isinstance(value, _Package):
            table = self.package(value.import_path)
            if table is None:
                return []
            if name in table.var_types:  # websocket.DefaultDialer.Dial()
                return self.package_var(table.var_types[name], depth)
            return list(table.names.get(name, []))
        if isinstance(value, _Instance):
            method = self.find_method(value.cls, name, depth + 1)
            if method is not None:
                return [method]
            # an embedded field used by its type name: s.Base.touch()
            embedded: list[_Value] = [
                _Instance(base, value.exact)
                for base in self.bases_of(value.cls)
                if base.qualified_name.rsplit(".", 1)[-1] == name
            ]
            return embedded or self.field(value, name, depth + 1)
        return []

    def field(self, value: _Instance, name: str, depth: int) -> list[_Value]:
        """A struct field by its declared type (``c.parent.out()``), also promoted ones."""
        if depth > _MAX_DEPTH:
            return []
        declared = self.fields(value.cls).get(name)
        if declared is not None:
            owner = self.index.file(value.cls.path)
            return self.typed(owner, declared, value.exact) if owner is not None else []
        for base in self.bases_of(value.cls):
            found = self.field(_Instance(base, value.exact), name, depth + 1)
            if found:
                return found
        return []

    def bases_of(self, cls: _Def) -> list[_Def]:
        owner = self.index.file(cls.path)
        if owner is None:
            return []
        table = self.package(owner.module)
        if table is None or cls.qualified_name not in table.bases:
            return []
        _path, bases = table.bases[cls.qualified_name]
        return [b for base in bases for b in self.type_values(owner, base)]

    def find_method(self, cls: _Def, name: str, depth: int) -> _Def | None:
        """`name` declared on `cls`, or promoted from a type it embeds."""
        if depth > _MAX_DEPTH:
            return None
        owner = self.index.file(cls.path)
        if owner is None:
            return None
        table = self.package(owner.module)
        if table is None:
            return None
        found = table.methods.get(cls.qualified_name, {}).get(name)
        if found is not None:
            return found
        for base in self.bases_of(cls):
            found = self.find_method(base, name, depth + 1)
            if found is not None:
                return found
        return None

    # -- calls ----------------------------------------------------------------------------

    def resolve_call(
        self, parsed: ParsedFile, call: CallSite, offset: int
    ) -> list[tuple[_Def, str]]:
        values: list[_Value] = []
        exact = True
        for position, part in enumerate(call.callee.split(".")):
            name, called, indexed = _part(part)
            if position == 0:
                values = self.lookup(parsed, call.caller, name, offset, 0)
            else:
                if any(isinstance(v, _Instance) and not v.exact for v in values):
                    exact = False
                values = [v for value in values for v in self.attribute(value, name, 0)]
            if called:
                values = self.call_result(values)
            for _ in range(indexed):
                values = self.elements(values)
        targets: list[_Def] = []
        for value in values:
            if isinstance(value, _Held):  # what a variable was given, not certainly what it holds
                exact = False
                value = value.function
            if isinstance(value, _Def) and value.kind in (FUNCTION, METHOD):
                targets.append(value)  # calling a type is a conversion, not a constructor
        if not targets:
            return []
        resolution = EXACT if exact and len(targets) == 1 else HEURISTIC
        found = [(target, resolution) for target in targets]
        for target in targets:
            found += [(method, HEURISTIC) for method in self.implementations(target)]
        return found

    # -- interfaces -----------------------------------------------------------------------

    def implementations(self, method: _Def) -> list[_Def]:
        """For a method of a repository interface, that method on each type implementing the
        interface (what a call through the interface may run); [] for any other method, and
        for one with more than MAX_DISPATCH_TARGETS implementations."""
        interface = method.qualified_name.rsplit(".", 1)[0]
        owner = self.index.file(method.path)
        table = self.package(owner.module) if owner is not None else None
        if table is None or not any(
            d.kind == INTERFACE and d.qualified_name == interface
            for d in table.names.get(interface.rsplit(".", 1)[-1], [])
        ):
            return []
        name = method.qualified_name.rsplit(".", 1)[-1]
        found = []
        for implementer in self.satisfaction().implementers.get(interface, []):
            target = self.find_method(implementer, name, 0)
            if target is not None and target != method:
                found.append(target)
        return found if len(found) <= MAX_DISPATCH_TARGETS else []

    def method_set(self, cls: _Def, depth: int = 0) -> _MethodSet:
        """A type's methods as (name, parameters, results): its own and those it embeds
        (promoted)."""
        owner = self.index.file(cls.path)
        table = self.package(owner.module) if owner is not None else None
        if table is None or depth > _MAX_DEPTH:
            return frozenset()
        found = set()
        for name, method in table.methods.get(cls.qualified_name, {}).items():
            parameters, results = table.arity.get(method.qualified_name, (-1, -1))
            found.add((name, parameters, results))
        for base in self.bases_of(cls):
            found |= self.method_set(base, depth + 1)
        for standard in self.standard_bases(cls):
            found |= STANDARD_METHOD_SETS.get(standard, frozenset())
        return frozenset(found)

    def standard_bases(self, cls: _Def) -> list[str]:
        """What `cls` embeds from outside the repository, named ``import/path.Name`` (or
        ``error``), ``?`` for what is not known: the keys `STANDARD_METHOD_SETS` has."""
        owner = self.index.file(cls.path)
        table = self.package(owner.module) if owner is not None else None
        if owner is None or table is None or cls.qualified_name not in table.bases:
            return []
        path, bases = table.bases[cls.qualified_name]
        written = self.index.file(path) or owner
        found = []
        for base in bases:
            if self.type_values(written, base):
                continue  # a repository type
            package, _, name = base.rpartition(".")
            if not package:  # `error`, or a name no repository type has
                found.append(base)
                continue
            import_path = self.imports_of(written).get(package)
            found.append(f"{import_path}.{name}" if import_path else "?")
        return found

    def is_closed(self, interface: _Def, depth: int = 0) -> bool:
        """Whether every method `interface` asks for is known: it embeds only repository
        interfaces (themselves closed) and `STANDARD_METHOD_SETS`."""
        if depth > _MAX_DEPTH:
            return False
        if any(base not in STANDARD_METHOD_SETS for base in self.standard_bases(interface)):
            return False
        return all(self.is_closed(base, depth + 1) for base in self.bases_of(interface))

    def types_agree(self, cls: _Def, interface: _Def, wanted: _MethodSet) -> bool:
        """Whether no method of `cls` that `interface` asks for takes or returns a type other
        than the interface's method does (afero's ``HttpFs.Open`` gives an ``http.File``,
        ``Fs.Open`` a ``File``): types are compared where both name one, each in the package
        that writes it."""
        for name, _, _ in wanted:
            theirs = self.find_method(cls, name, 0)
            ours = self.find_method(interface, name, 0)
            if theirs is None or ours is None:
                continue
            given, asked = self.signature_types(theirs), self.signature_types(ours)
            if any(
                "?" not in pair and pair[0] != pair[1] for pair in zip(given, asked, strict=False)
            ):
                return False
        return True

    def signature_types(self, method: _Def) -> list[str]:
        """A method's parameter and result types, each named as ``import/path.Name`` (behind
        its ``*`` or ``[]``), or ``?`` for one that is not one named type or is not known."""
        owner = self.index.file(method.path)
        table = self.package(owner.module) if owner is not None else None
        found = table.signature_types.get(method.qualified_name) if table is not None else None
        if owner is None or table is None or found is None:
            return []
        path, written = found
        parsed = self.index.file(path) or owner
        imports = self.imports_of(parsed)
        named = []
        for text in written:
            match = _NAMED_TYPE.fullmatch(text)
            prefix, package, name = match.groups() if match else ("", None, "")
            if match is None or (package is None and name in table.aliases):
                named.append("?")
            elif package is None:
                named.append(prefix + (name if name in _PREDECLARED else f"{owner.module}.{name}"))
            else:
                known = imports.get(package)
                named.append(f"{prefix}{known}.{name}" if known else "?")
        return named

    def satisfaction(self) -> _Satisfaction:
        """Every repository type against every repository interface with methods whose method
        set is known (`is_closed`): a type whose method set holds all of an interface's
        methods, by name and by how many parameters and results they take, of types that
        agree (`types_agree`), implements it (heuristic), unless an assertion proves it
        (exact)."""

        def build() -> _Satisfaction:
            tables: list[tuple[str, _PackageTable]] = []
            for module in self.index.modules():
                paths = self.index.module_paths(module)
                table = self.package(module) if any(p.endswith(".go") for p in paths) else None
                if table is not None:
                    tables.append((module, table))
            interfaces: list[tuple[_Def, _MethodSet]] = []
            types: list[tuple[_Def, _MethodSet]] = []
            for _module, table in tables:
                for definitions in table.names.values():
                    for d in definitions:
                        if d.kind == CLASS:
                            types.append((d, self.method_set(d)))
                        elif d.kind == INTERFACE and self.is_closed(d):
                            interfaces.append((d, self.method_set(d)))
            proven: dict[tuple[str, str], tuple[_Def, _Def]] = {}
            for _module, table in tables:
                for path, written_interface, written_type in table.asserts:
                    owner = self.index.file(path)
                    if owner is None:
                        continue
                    for interface in self.type_values(owner, written_interface):
                        for cls in self.type_values(owner, written_type):
                            if interface.kind == INTERFACE and cls.kind == CLASS:
                                key = (cls.qualified_name, interface.qualified_name)
                                proven[key] = (cls, interface)
            # interfaces by one of their method names: a type is checked against only those
            # whose key method it has
            by_method: dict[tuple[str, int, int], list[tuple[_Def, _MethodSet]]] = {}
            for interface, wanted in interfaces:
                if wanted:
                    by_method.setdefault(min(wanted), []).append((interface, wanted))
            pairs = [
                (cls, interface)
                for cls, methods in types
                for name in sorted(methods)
                for interface, wanted in by_method.get(name, [])
                if wanted <= methods and self.types_agree(cls, interface, wanted)
            ]
            result = _Satisfaction()
            for cls, interface in pairs:
                key = (cls.qualified_name, interface.qualified_name)
                resolution = EXACT if proven.pop(key, None) is not None else HEURISTIC
                result.implements.setdefault(cls.qualified_name, []).append((interface, resolution))
                result.implementers.setdefault(interface.qualified_name, []).append(cls)
            for cls, interface in proven.values():  # what a method set from outside provides
                result.implements.setdefault(cls.qualified_name, []).append((interface, EXACT))
                result.implementers.setdefault(interface.qualified_name, []).append(cls)
            return result

        return self.index.memo(("go-satisfaction",), build)
