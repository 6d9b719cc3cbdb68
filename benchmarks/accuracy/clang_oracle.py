"""The C and C++ oracle: clang's own parse of every C-family file of a checkout (libclang).

Each file graphmem would read (its walk's own rule: not vendored, generated or too large) is
parsed by clang as its own translation unit (headers as headers), with the repository's
``include``/``inc``/``src`` directories, the file's own and the root on the include path (and
the system GCC's built-in headers, which the libclang wheel lacks). From each file's own
cursors (not what it includes):

- definitions: functions, methods, constructors and destructors with a body, and structs,
  unions, enums and classes with one (templates too, and specialisations named as their
  template), named by their namespaces and classes
  as graphmem names them; what is declared inside a function body is left out, and so are
  functions whose name no source text writes (made by a macro);
- IMPORTS: each ``#include`` that clang resolved to a file of the repository;
- INHERITS: each base class that is a definition of the repository;
- CALLS: the declaration clang bound each call to, from the innermost enclosing function;
  a constructor call to the class when the class defines no constructor. Calls that only a
  macro expansion writes are counted apart, not compared. A call in a template's dependent
  code names an overload set: it is bound when every candidate has one qualified name
  (graphmem models overloads as one entity); calls clang could not bind otherwise (members of
  a dependent type, through function pointers) are counted as unresolved by the name the call
  writes, and graphmem's calls of that name from that caller are left out of the comparison;
  so are the names written in ``#if`` branches clang skipped inside a function.

What clang could not read is no fact: an invalid function whose text starts with its name
(``TEST(a, b) { .. }`` without googletest's headers is a function ``TEST``) is left out with
what it holds, and the calls of a function with an error in its body, or that clang marks
invalid, or whose class it marks invalid (a member's type from a header the checkout lacks:
clang then drops every statement using that member) are left out on both sides.

Definitions are compared by (qualified name, kind); the rules are in docs/accuracy.md.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from oracle import CLASS, FUNCTION, METHOD, MODULE, Definition, OracleResult

if TYPE_CHECKING:
    from clang.cindex import Cursor, TranslationUnit

C_ENDINGS = (".c", ".h")
CPP_ENDINGS = (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx")
_INCLUDE_DIRS = {"include", "inc", "src"}
_WORD = re.compile(rb"[A-Za-z_]\w*")


@dataclass
class ClangFacts:
    result: OracleResult
    unresolved: set[tuple[str, str]]
    seconds: float
    #: functions whose body clang reported an error in: their calls are not compared
    unchecked: set[str]


def library_files(checkout: Path, language: str) -> list[str]:
    """The C-family files graphmem reads: its own walk (vendored trees left out) and content
    checks, so both sides score the same files."""
    from graphmem.ingest.file_walk import classify_source, walk_repository

    endings = C_ENDINGS + (CPP_ENDINGS if language == "cpp" else ())
    return sorted(
        p
        for p in walk_repository(checkout).files
        if p.endswith(endings) and classify_source(p, (checkout / p).read_bytes()) is None
    )


def analyse_cached(checkout: Path, language: str) -> ClangFacts:
    """`analyse`, cached under $TMPDIR/graphmem-accuracy/ per checkout, commit, language,
    file list and this file's text (a dirty work tree is analysed again): fmt takes clang
    three minutes."""
    status = subprocess.run(
        ["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    commit = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    own = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()
    files = library_files(checkout, language)
    listed = "\n".join(files)
    key = hashlib.sha1(f"{checkout}\0{commit}\0{language}\0{own}\0{listed}".encode())
    key = key.hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / "graphmem-accuracy" / f"clang-{key}.json"
    if commit and not status and cache.exists():
        data = json.loads(cache.read_text())
        unresolved = {(a, b) for a, b in data["unresolved"]}
        result = OracleResult.from_json(data["result"])
        return ClangFacts(result, unresolved, data["seconds"], set(data["unchecked"]))
    found = analyse(checkout, language, files)
    if commit and not status:
        cache.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "result": found.result.to_json(),
            "unresolved": sorted(found.unresolved),
            "unchecked": sorted(found.unchecked),
            "seconds": found.seconds,
        }
        cache.write_text(json.dumps(data))
    return found


def analyse(checkout: Path, language: str, files: list[str] | None = None) -> ClangFacts:
    """Parse every C (or C and C++) file of `checkout` (`library_files`) with libclang."""
    from clang.cindex import CursorKind, Index, TranslationUnit

    from graphmem.ingest.c_family import is_cpp_header

    started = time.perf_counter()
    if files is None:
        files = library_files(checkout, language)
    dirs = {str(d) for p in files for d in PurePosixPath(p).parents}
    includes = [f"-I{checkout / d}" for d in sorted(dirs) if PurePosixPath(d).name in _INCLUDE_DIRS]
    index = Index.create()
    kinds = _Kinds(CursorKind)
    facts = _Facts(checkout, kinds)
    for path in files:
        source = checkout / path
        cpp = path.endswith(CPP_ENDINGS) or (
            path.endswith(".h") and is_cpp_header(source.read_bytes())
        )
        header = path.endswith((".h", ".hpp", ".hh", ".hxx"))
        mode = ("c++" if cpp else "c") + ("-header" if header else "")
        args = ["-x", mode, "-std=c++17" if cpp else "-std=c11", f"-I{source.parent}"]
        args += [*includes, f"-I{checkout}", *_builtin_headers(), "-w"]
        unit = index.parse(
            str(source), args=args, options=TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD
        )
        errors = [
            d.location.offset
            for d in unit.diagnostics
            if d.severity >= d.Error
            and d.location.file is not None
            and Path(d.location.file.name).resolve() == source.resolve()
        ]
        # after a fatal error (a header the checkout lacks: leveldb's gmock/gmock.h) clang
        # reads no further include and reports no further error, and drops what needed them
        # (``rnd->Uniform(95)`` with util/random.h unread): no function of the file is checked
        unread = any(d.severity >= d.Fatal for d in unit.diagnostics)
        facts.read(unit.cursor, path, errors, kinds.skipped(unit, source), unread)
    seconds = time.perf_counter() - started
    return ClangFacts(facts.result(files), facts.unresolved, seconds, facts.unchecked)


def _builtin_headers() -> list[str]:
    """The compiler's own headers (``stddef.h``, ``stdarg.h``): the libclang wheel ships none,
    so the system GCC's are used; without them a declaration using ``size_t`` is invalid and
    clang drops the calls to it."""
    found = sorted(Path("/usr/lib/gcc").glob("*/*/include"))
    return ["-isystem", str(found[-1])] if found else []


def _called_name(callee: Cursor) -> str | None:
    """The name a call writes, from its callee's tokens outside template arguments:
    ``write_padding`` in ``detail::write_padding(..)``, ``size`` in ``s.size()``, ``make`` in
    ``basic_string_view<Char>::make<T>(..)`` (a dependent call's cursors spell the qualifier,
    or nothing, and its extent may stop inside the template arguments)."""
    depth = 0
    name = None
    for token in callee.get_tokens():
        text = token.spelling
        if text == "<":
            depth += 1
        elif text in (">", ">>"):
            depth = max(0, depth - len(text))
        elif depth == 0 and text.isidentifier():
            name = text
    return name


def _unnamed(spelling: str) -> bool:
    """libclang spells an unnamed struct ``struct (unnamed at file.c:3:5)`` (``(anonymous``
    in older versions): graphmem gives such types no entity."""
    return "(unnamed " in spelling or "(anonymous " in spelling


class _RangeList(ctypes.Structure):
    """libclang's ``CXSourceRangeList``."""

    @classmethod
    def declare(cls) -> None:
        from clang.cindex import SourceRange

        if "_fields_" not in cls.__dict__:
            cls._fields_ = [("count", ctypes.c_uint), ("ranges", ctypes.POINTER(SourceRange))]


class _Kinds:
    def skipped(self, unit: TranslationUnit, source: Path) -> list[tuple[int, int]]:
        """Byte ranges of `source` the preprocessor skipped (``#if`` branches that are off)."""
        found = self.all_skipped(unit)
        try:
            ranges = []
            for i in range(found.contents.count):
                skipped = found.contents.ranges[i]
                start, end = skipped.start, skipped.end
                if start.file is not None and Path(start.file.name).resolve() == source.resolve():
                    ranges.append((start.offset, end.offset))
            return ranges
        finally:
            self.dispose_ranges(found)

    def __init__(self, kind: type) -> None:
        k = kind
        self.types = {
            k.STRUCT_DECL,
            k.UNION_DECL,
            k.ENUM_DECL,
            k.CLASS_DECL,
            k.CLASS_TEMPLATE,
            # named as their template, as graphmem names them (formatter<std::tm, Char>
            # is fmt::formatter)
            k.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION,
        }
        self.methods = {k.CXX_METHOD, k.CONSTRUCTOR, k.DESTRUCTOR}
        self.functions = {k.FUNCTION_DECL, k.FUNCTION_TEMPLATE}
        self.scopes = self.types | {k.NAMESPACE}
        self.k = k
        from clang.cindex import Cursor, TranslationUnit, conf

        # clang_Cursor_isInlineNamespace is in libclang since clang 9; the bindings lack it
        self.is_inline = conf.lib.clang_Cursor_isInlineNamespace
        self.is_inline.argtypes = [Cursor]
        self.is_inline.restype = ctypes.c_uint
        _RangeList.declare()
        self.all_skipped = conf.lib.clang_getAllSkippedRanges
        self.all_skipped.argtypes = [TranslationUnit]
        self.all_skipped.restype = ctypes.POINTER(_RangeList)
        self.dispose_ranges = conf.lib.clang_disposeSourceRangeList
        self.dispose_ranges.argtypes = [ctypes.POINTER(_RangeList)]
        self.is_invalid = conf.lib.clang_isInvalidDeclaration
        self.is_invalid.argtypes = [Cursor]
        self.is_invalid.restype = ctypes.c_uint
        self.overloads = conf.lib.clang_getNumOverloadedDecls
        self.overloads.argtypes = [Cursor]
        self.overloads.restype = ctypes.c_uint
        self.overload = conf.lib.clang_getOverloadedDecl
        self.overload.argtypes = [Cursor, ctypes.c_uint]
        self.overload.restype = Cursor
        self.overload.errcheck = Cursor.from_result


class _Facts:
    def __init__(self, checkout: Path, kinds: _Kinds) -> None:
        self.checkout = checkout
        self.kinds = kinds
        self.definitions: dict[tuple[str, str, str], Definition] = {}
        self.imports: set[tuple[str, str]] = set()
        self.inherits: set[tuple[str, str]] = set()
        self.calls: set[tuple[str, str]] = set()
        self.evidence: dict[tuple[str, str], tuple[str, int, str]] = {}
        self.unresolved: set[tuple[str, str]] = set()
        self.unchecked: set[str] = set()
        #: offsets of the errors clang reported in the file being read
        self.errors: list[int] = []
        #: whether clang stopped reading the file's includes at a fatal error
        self.unread = False
        #: byte ranges of that file that ``#if`` branches which are off leave out
        self.skipped: list[tuple[int, int]] = []
        self.resolved = 0
        #: calls that only a macro expansion makes (not compared)
        self.in_macros = 0
        self.definitions_in_macros = 0
        #: declarations clang marked invalid (left out with what they hold)
        self.invalid = 0
        self.sources: dict[str, bytes] = {}
        #: (start, end) offsets of each macro use, per file
        self.macro_uses: dict[str, list[tuple[int, int]]] = {}
        #: class qualified name -> whether the repository defines one of its constructors
        self.constructors: set[str] = set()

    def relative(self, cursor: Cursor) -> str | None:
        location = cursor.location.file
        if location is None:
            return None
        try:
            return Path(location.name).resolve().relative_to(self.checkout).as_posix()
        except ValueError:
            return None

    def name(self, cursor: Cursor) -> str | None:
        """graphmem's qualified name: namespaces and classes joined by ``::``."""
        k = self.kinds
        spelling = cursor.spelling
        if cursor.kind in k.types and not spelling:
            return None
        if cursor.kind in k.types and _unnamed(spelling):
            return None
        if "<" in spelling or spelling.startswith("operator"):
            return None
        parts = [spelling]
        parent = cursor.semantic_parent
        while parent is not None and parent.kind in k.scopes:
            named = parent.spelling and not _unnamed(parent.spelling)
            if named and not self.inline_namespace(parent):
                parts.append(parent.spelling)
            parent = parent.semantic_parent
        if parent is not None and parent.kind != k.k.TRANSLATION_UNIT:
            return None  # declared inside a function body
        return "::".join(reversed(parts))

    def inline_namespace(self, cursor: Cursor) -> bool:
        """``inline namespace v12`` is left out of names, as graphmem leaves it out (a version
        namespace would otherwise rename every entity at each release)."""
        if cursor.kind != self.kinds.k.NAMESPACE:
            return False
        return bool(self.kinds.is_inline(cursor))

    def kind_of(self, cursor: Cursor) -> str | None:
        k = self.kinds
        if cursor.kind in k.types:
            return CLASS
        if cursor.kind in k.methods:
            return METHOD
        if cursor.kind in k.functions:
            parent = cursor.semantic_parent
            return METHOD if parent is not None and parent.kind in k.types else FUNCTION
        return None

    def read(
        self,
        root: Cursor,
        path: str,
        errors: list[int],
        skipped: list[tuple[int, int]],
        unread: bool = False,
    ) -> None:
        self.errors = errors
        self.unread = unread
        self.skipped = skipped
        self.definitions[(path, path, MODULE)] = Definition(path, MODULE, path, 1, 1, 1)
        k = self.kinds.k
        own = [cursor for cursor in root.get_children() if self.relative(cursor) == path]
        # macro uses first: a declaration a macro makes may come before its use's cursor
        self.macro_uses[path] = [
            (c.extent.start.offset, c.extent.end.offset)
            for c in own
            if c.kind == k.MACRO_INSTANTIATION
        ]
        for cursor in own:
            if cursor.kind == k.MACRO_INSTANTIATION:
                continue
            if cursor.kind == k.INCLUSION_DIRECTIVE:
                try:
                    included = cursor.get_included_file()
                except AssertionError:  # an include clang could not find
                    continue
                if included is not None:
                    try:
                        target = Path(included.name).resolve().relative_to(self.checkout).as_posix()
                    except ValueError:
                        continue
                    if target != path:
                        self.imports.add((path, target))
                continue
            self.walk(cursor, path, None)

    def walk(self, cursor: Cursor, path: str, caller: str | None, owner: str | None = None) -> None:
        """Record `cursor` and what it holds; `owner` is the class whose bases come next."""
        k = self.kinds.k
        kind = self.kind_of(cursor)
        inner_owner = None
        if kind in (FUNCTION, METHOD) and self.misread(cursor):
            # what clang made of a macro use it could not read (``TEST(a, b) { .. }``
            # without googletest's headers is a function ``TEST``): no definition, no calls
            self.invalid += 1
            return
        if kind is not None and cursor.is_definition() and caller is None:
            name = self.name(cursor)
            made = not self.written(cursor, path, cursor.spelling)
            if kind == CLASS:
                # a typedef names its struct after the struct's text: a class is made by a
                # macro only when it lies in a macro's use (googletest's TEST(a, b) is a
                # class a_b_Test)
                made = made and self.in_macro_use(cursor, path)
            if name is not None and made:
                self.definitions_in_macros += 1
                name = None
            if name is not None:
                extent = cursor.extent
                self.definitions[(name, kind, path)] = Definition(
                    name, kind, path, extent.start.line, cursor.location.line, extent.end.line
                )
                if cursor.kind == k.CONSTRUCTOR:
                    self.constructors.add(name.rpartition("::")[0])
                if kind in (FUNCTION, METHOD):
                    caller = name
                    # an error in the body (a type from a header the checkout lacks, code
                    # for another platform) leaves calls unbound that the code makes
                    start, end = extent.start.offset, extent.end.offset
                    erroneous = any(start <= at <= end for at in self.errors)
                    if self.unread or erroneous or self.invalid_scope(cursor):
                        self.unchecked.add(name)
                    # a name in a branch clang skips may be a call clang never saw
                    for a, b in self.skipped:
                        if start <= a and b <= end:
                            for word in _WORD.findall(self.source(path)[a:b]):
                                self.unresolved.add((name, word.decode()))
                else:
                    inner_owner = name
        if cursor.kind == k.CXX_BASE_SPECIFIER and owner is not None:
            base = cursor.referenced
            base = base.get_definition() if base is not None else None
            base_name = self.name(base) if base is not None else None
            if base_name:
                self.inherits.add((owner, base_name))
        if caller is not None and cursor.kind in (k.CALL_EXPR, k.CXX_NEW_EXPR):
            self.call(cursor, path, caller)
        for child in cursor.get_children():
            if self.relative(child) in (path, None):
                self.walk(child, path, caller, inner_owner)

    def misread(self, cursor: Cursor) -> bool:
        """An invalid function whose text starts with its own name: no return type, a macro
        use (graphmem's ``TEST(suite,name)``)."""
        if not self.kinds.is_invalid(cursor):
            return False
        first = next(iter(cursor.get_tokens()), None)
        return first is not None and first.spelling == cursor.spelling

    def invalid_scope(self, cursor: Cursor) -> bool:
        """Whether clang found the function or its class invalid: a member's type from a
        header the checkout lacks (leveldb's ``port::Mutex mutex_`` without the platform
        defines) makes clang drop every statement using it, with no error in the body."""
        parent = cursor.semantic_parent
        if self.kinds.is_invalid(cursor):
            return True
        return (
            parent is not None
            and parent.kind in self.kinds.types
            and bool(self.kinds.is_invalid(parent))
        )

    def source(self, path: str) -> bytes:
        found = self.sources.get(path)
        if found is None:
            found = self.sources[path] = (self.checkout / path).read_bytes()
        return found

    def written(self, cursor: Cursor, path: str, name: str) -> bool:
        """Whether the callee's name is written in the call's own text: a call a macro expands
        to is not (graphmem reads code as written, and macro bodies are not read)."""
        source = self.source(path)
        start, end = cursor.extent.start.offset, cursor.extent.end.offset
        if name.encode() in source[start:end]:
            return True
        # in a macro's arguments the extent shrinks to the macro's name: read the whole use
        for use_start, use_end in self.macro_uses.get(path, ()):
            if use_start <= start < use_end:
                return name.encode() in source[use_start:use_end]
        return False

    def dependent_target(self, call: Cursor, caller: str) -> Cursor | None:
        """A call in a template's dependent code names an overload set (``parse_arg_id(b, e)``
        with ``Char`` unknown): its target when every candidate has one qualified name, as
        graphmem models overloads as one entity. Otherwise (members of a dependent type, a
        set of several names) the callee's name is recorded as unresolved."""
        k = self.kinds.k
        callee = next(iter(call.get_children()), None)
        name = _called_name(callee) if callee is not None else None
        while callee is not None and callee.kind in (k.UNEXPOSED_EXPR, k.DECL_REF_EXPR):
            inner = next(iter(callee.get_children()), None)
            if inner is None:
                break
            callee = inner
        if callee is None:
            return None
        if callee.kind == k.OVERLOADED_DECL_REF:
            count = self.kinds.overloads(callee)
            candidates = [self.kinds.overload(callee, i) for i in range(count)]
            functions = [c for c in candidates if self.kind_of(c) in (FUNCTION, METHOD)]
            names = {self.name(c) for c in functions}
            if len(names) == 1 and None not in names and len(functions) == len(candidates):
                return functions[0]
        if name:
            self.unresolved.add((caller, name))
        return None

    def in_macro_use(self, cursor: Cursor, path: str) -> bool:
        start = cursor.extent.start.offset
        return any(a <= start < b for a, b in self.macro_uses.get(path, ()))

    def call(self, cursor: Cursor, path: str, caller: str) -> None:
        k = self.kinds.k
        target = cursor.referenced
        if target is None and cursor.kind == k.CALL_EXPR:
            target = self.dependent_target(cursor, caller)
        if target is None:
            return
        # an inherited constructor (``using std::runtime_error::runtime_error``) is spelt as
        # the base's: the call writes the class's name
        spelt = target.spelling
        if target.kind == k.CONSTRUCTOR and target.semantic_parent is not None:
            spelt = target.semantic_parent.spelling
        if not self.written(cursor, path, spelt):
            self.in_macros += 1
            return
        if target.kind == k.CONSTRUCTOR:
            owner = self.name(target.semantic_parent)
            if owner is None:
                return
            name = f"{owner}::{target.spelling}"
            self.calls.add((caller, name))
            self.calls.add((caller, owner))  # kept only if no constructor is defined
        elif self.kind_of(target) in (FUNCTION, METHOD):
            name = self.name(target)
            if name is None:
                return
            self.calls.add((caller, name))
        else:
            return
        self.resolved += 1
        self.evidence.setdefault((caller, name), (path, cursor.location.line, cursor.spelling))

    def result(self, files: list[str]) -> OracleResult:
        defined = {(d.qualified_name) for d in self.definitions.values() if d.kind != MODULE}
        # a constructor call names the class only when the class defines no constructor
        calls = {
            (a, b)
            for a, b in self.calls
            if a in defined
            and b in defined
            and b not in self.constructors
            and a not in self.unchecked
        }
        classes = {d.qualified_name for d in self.definitions.values() if d.kind == CLASS}
        return OracleResult(
            repo_root=str(self.checkout),
            package_root=str(self.checkout),
            definitions=list(self.definitions.values()),
            imports=self.imports,
            inherits={(a, b) for a, b in self.inherits if a in classes and b in classes},
            calls=calls,
            call_evidence=self.evidence,
            stats={
                "files": len(files),
                "calls_resolved": self.resolved,
                "calls_unresolved": len(self.unresolved),
                "calls_in_macros": self.in_macros,
                "definitions_in_macros": self.definitions_in_macros,
                "invalid_declarations": self.invalid,
                "unchecked_functions": len(self.unchecked),
            },
        )
