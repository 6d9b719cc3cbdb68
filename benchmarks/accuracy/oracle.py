"""The accuracy benchmark's ground truth: a static analysis of a Python checkout that shares no
code with graphmem's ingester.

Definitions and imports come from Python's own `ast`; base classes and call targets are resolved
with Jedi (`goto` with `follow_imports=True`), an independent type-inferring resolver. The result
uses DESIGN §2's names, so it can be compared with what graphmem stores. Which facts count, and
where this oracle is blind, is written down in docs/accuracy.md.

    python benchmarks/accuracy/oracle.py CHECKOUT [--package-root DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: Bumped whenever a rule changes, so that cached results from older rules are not reused.
ORACLE_VERSION = 7

MODULE, CLASS, FUNCTION, METHOD = "Module", "Class", "Function", "Method"
CALLABLE_KINDS = frozenset({CLASS, FUNCTION, METHOD})

#: With the package root at the repository root, these top-level folders and files are not part of
#: the library (tests, docs, examples, packaging scripts) and are left out of the comparison.
NON_LIBRARY_DIRS = frozenset(
    {"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks", "bench"}
    | {"scripts", "tools", "build", "dist", "site-packages", "node_modules"}
)
NON_LIBRARY_FILES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py"})

#: Jedi name types that are not definitions but may hold one: `x = f` (statement), or an imported
#: name that `follow_imports` stopped at. They are followed with `infer`. Parameters are not:
#: what a parameter holds is up to the caller (see docs/accuracy.md).
_FOLLOW_WITH_INFER = frozenset({"statement", "class", "function", "module"})


@dataclass(frozen=True)
class Definition:
    qualified_name: str
    kind: str
    path: str  # repo-relative, POSIX
    start_line: int  # the first decorator's line, or the def/class line
    def_line: int  # the line of the `def`/`class` keyword (where its name is)
    end_line: int


@dataclass
class OracleResult:
    repo_root: str
    package_root: str
    definitions: list[Definition]
    imports: set[tuple[str, str]]
    inherits: set[tuple[str, str]]
    calls: set[tuple[str, str]]
    #: for each CALLS edge, one place it was seen: (path, line, form such as "self.m()")
    call_evidence: dict[tuple[str, str], tuple[str, int, str]] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    #: class -> interface, from oracles that see interfaces (None: not measured)
    implements: set[tuple[str, str]] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "oracle_version": ORACLE_VERSION,
            "repo_root": self.repo_root,
            "package_root": self.package_root,
            "definitions": [asdict(d) for d in self.definitions],
            "imports": sorted(self.imports),
            "inherits": sorted(self.inherits),
            "calls": sorted(self.calls),
            "call_evidence": sorted([*edge, *where] for edge, where in self.call_evidence.items()),
            "stats": self.stats,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OracleResult:
        return cls(
            repo_root=data["repo_root"],
            package_root=data["package_root"],
            definitions=[Definition(**d) for d in data["definitions"]],
            imports={(a, b) for a, b in data["imports"]},
            inherits={(a, b) for a, b in data["inherits"]},
            calls={(a, b) for a, b in data["calls"]},
            call_evidence={(a, b): (p, n, f) for a, b, p, n, f in data["call_evidence"]},
            stats=data["stats"],
        )


# -- which files are the library -------------------------------------------------------------


def detect_package_root(repo_root: Path) -> Path:
    """`src/` when the checkout uses the src layout (it holds a package), else the root."""
    src = repo_root / "src"
    if src.is_dir() and any(p.is_file() for p in src.glob("*/__init__.py")):
        return src
    return repo_root


@dataclass(frozen=True)
class SourceModule:
    qualified_name: str
    path: Path  # absolute
    rel_path: str  # repo-relative, POSIX
    is_package: bool  # an __init__.py: relative imports resolve against itself


def discover_modules(repo_root: Path, package_root: Path) -> list[SourceModule]:
    """The library's modules: every .py below the package root, named by its import path.

    With the package root at the repository root, tests, docs, examples and setup scripts are left
    out (NON_LIBRARY_DIRS, NON_LIBRARY_FILES); below `src/` everything counts.
    """
    at_repo_root = package_root == repo_root
    modules = []
    for path in sorted(package_root.rglob("*.py")):
        parts = path.relative_to(package_root).parts
        folders = parts[:-1]
        if any(not p.isidentifier() for p in folders):
            continue  # not importable: __pycache__ is fine (.py never lands there), '-' is not
        if at_repo_root and (
            (folders and folders[0] in NON_LIBRARY_DIRS)
            or (not folders and parts[-1] in NON_LIBRARY_FILES)
        ):
            continue
        stem = path.stem
        if not stem.isidentifier():
            continue
        is_package = stem == "__init__"
        dotted = list(folders) if is_package else [*folders, stem]
        if not dotted:
            continue  # an __init__.py directly in the package root is not a module of anything
        modules.append(
            SourceModule(
                qualified_name=".".join(dotted),
                path=path.resolve(),
                rel_path=path.relative_to(repo_root).as_posix(),
                is_package=is_package,
            )
        )
    return modules


# -- one pass over a file's syntax tree -------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A name whose target Jedi is asked for: a callee or a base class."""

    owner: str  # the caller (Function/Method) or the subclass
    line: int
    column: int  # in characters, as Jedi counts
    name: str
    form: str = ""  # how the callee is written: f(), self.m(), super().m(), x.m(), expr.m()


class _FileWalker(ast.NodeVisitor):
    """Collects definitions, imports, base-class names and call sites, tracking nesting."""

    def __init__(self, module: SourceModule, source: str) -> None:
        self.module = module
        self.lines = source.splitlines()
        self.scope: list[tuple[str, str]] = [(module.qualified_name, MODULE)]
        self.definitions: list[Definition] = []
        self.import_targets: list[tuple[int, str, list[str]]] = []  # (level, module, names)
        self.bases: list[Site] = []
        self.calls: list[Site] = []
        self.call_expressions = 0
        #: per scope, the names that hold the enclosing class: `cls` in a classmethod (and in
        #: functions nested in it); calling one constructs that class, so no Jedi is needed
        self.class_names: list[dict[str, str]] = [{}]
        self.direct_calls: list[tuple[str, str, int]] = []  # (caller, class, line)

    # positions: ast counts UTF-8 bytes, Jedi counts characters
    def _char_column(self, line: int, byte_column: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode()[:byte_column].decode(errors="ignore"))

    def _name_site(self, owner: str, expr: ast.expr) -> Site | None:
        """Where the name that decides the target is: `f` in f(), `m` in a.b.m(), `B` in B[T]."""
        if isinstance(expr, ast.Subscript):  # Base[T], Generic[T]
            expr = expr.value
        if isinstance(expr, ast.Name):
            column = self._char_column(expr.lineno, expr.col_offset)
            return Site(owner, expr.lineno, column, expr.id, "f()")
        if isinstance(expr, ast.Attribute) and expr.end_lineno and expr.end_col_offset:
            end = self._char_column(expr.end_lineno, expr.end_col_offset)
            return Site(owner, expr.end_lineno, end - len(expr.attr), expr.attr, _form(expr))
        return None  # f()(), handlers[k](), (a or b)(): no name to ask about

    def _define(
        self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, kind: str
    ) -> str:
        qualified_name = f"{self.scope[-1][0]}.{node.name}"
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        self.definitions.append(
            Definition(
                qualified_name=qualified_name,
                kind=kind,
                path=self.module.rel_path,
                start_line=start,
                def_line=node.lineno,
                end_line=node.end_lineno or node.lineno,
            )
        )
        return qualified_name

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        # Decorators, bases and keywords run in the enclosing scope, before the class exists.
        for expr in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(expr)
        qualified_name = self._define(node, CLASS)
        for base in node.bases:
            site = self._name_site(qualified_name, base)
            if site:
                self.bases.append(site)
        self.scope.append((qualified_name, CLASS))
        for statement in node.body:
            self.visit(statement)
        self.scope.pop()

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # Decorators, defaults and annotations also run in the enclosing scope.
        outer: list[ast.AST] = [*node.decorator_list, *node.args.defaults]
        outer += [d for d in node.args.kw_defaults if d is not None]
        outer += [node.returns] if node.returns else []
        for expr in outer:
            self.visit(expr)
        kind = METHOD if self.scope[-1][1] == CLASS else FUNCTION
        qualified_name = self._define(node, kind)
        arguments = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
        if kind == METHOD:
            class_names = {}
            if arguments and _takes_class(node):
                class_names = {arguments[0]: self.scope[-1][0]}
        else:  # a nested function sees its parent's `cls` unless a parameter shadows it
            class_names = {n: c for n, c in self.class_names[-1].items() if n not in arguments}
        self.scope.append((qualified_name, kind))
        self.class_names.append(class_names)
        for statement in node.body:
            self.visit(statement)
        self.class_names.pop()
        self.scope.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Call(self, node: ast.Call) -> None:
        owner, kind = self.scope[-1]
        if kind in (FUNCTION, METHOD):
            self.call_expressions += 1
            func = node.func
            if isinstance(func, ast.Name) and func.id in self.class_names[-1]:
                self.direct_calls.append((owner, self.class_names[-1][func.id], func.lineno))
            elif site := self._name_site(owner, func):
                self.calls.append(site)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.import_targets.append((0, alias.name, []))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = [alias.name for alias in node.names]
        self.import_targets.append((node.level, node.module or "", names))


#: Methods whose first parameter is the class without a @classmethod decorator.
_IMPLICIT_CLASSMETHODS = frozenset({"__new__", "__init_subclass__", "__class_getitem__"})


def _takes_class(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if node.name in _IMPLICIT_CLASSMETHODS:
        return True
    for decorator in node.decorator_list:
        name = decorator.attr if isinstance(decorator, ast.Attribute) else None
        name = decorator.id if isinstance(decorator, ast.Name) else name
        if name == "classmethod":
            return True
    return False


def _form(expr: ast.Attribute) -> str:
    value = expr.value
    if isinstance(value, ast.Name):
        return f"{value.id}.m()" if value.id in ("self", "cls") else "x.m()"
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "super"
    ):
        return "super().m()"
    if isinstance(value, ast.Attribute):
        return "x.y.m()"
    return "expr.m()"


def resolve_import(
    importer: SourceModule, level: int, module: str, names: list[str], known: set[str]
) -> set[str]:
    """The repository modules one import statement makes `importer` depend on.

    `import a.b.c` → the deepest of a.b.c, a.b, a that is a repository module. `from M import x`
    → M.x when x is a submodule of M, otherwise M itself (a name M defines or re-exports counts as
    importing M). Relative imports resolve against the importer's package. Nothing outside the
    repository counts, nor does a module importing itself.
    """
    if level:
        package = importer.qualified_name.split(".")
        if not importer.is_package:
            package = package[:-1]
        if level - 1 > len(package):
            return set()
        package = package[: len(package) - (level - 1)]
        base = ".".join([*package, module] if module else package)
    else:
        base = module
    targets: set[str] = set()
    if not names:  # import a.b.c
        parts = base.split(".")
        for end in range(len(parts), 0, -1):
            if ".".join(parts[:end]) in known:
                targets.add(".".join(parts[:end]))
                break
    else:
        for name in names:
            submodule = f"{base}.{name}" if base else name
            if name != "*" and submodule in known:
                targets.add(submodule)
            elif base in known:
                targets.add(base)
    targets.discard(importer.qualified_name)
    return targets


# -- resolving names with Jedi -------------------------------------------------------------


class _JediResolver:
    """Maps a name's position to the repository definitions it refers to."""

    def __init__(self, repo_root: Path, package_root: Path, definitions: list[Definition]):
        import jedi

        self._jedi = jedi
        # Jedi guesses a parameter's value from the calls it finds in the project ("dynamic
        # params"). The oracle does not follow parameters (docs/accuracy.md), so it is off.
        jedi.settings.dynamic_params = False
        jedi.settings.dynamic_params_for_other_modules = False
        environment = jedi.InterpreterEnvironment()
        # The checkout comes first on the path: an installed copy of the same library must not
        # shadow it.
        sys_path = [str(package_root)]
        sys_path += [p for p in environment.get_sys_path() if p not in sys_path]
        self.environment = environment
        self.project = jedi.Project(str(repo_root), sys_path=sys_path, smart_sys_path=False)
        self.repo_root = repo_root
        self.by_position: dict[tuple[str, int], list[Definition]] = {}
        for d in definitions:
            if d.kind != MODULE:
                key = ((repo_root / d.path).as_posix(), d.def_line)
                self.by_position.setdefault(key, []).append(d)
        self.module_paths = {(repo_root / d.path).as_posix() for d in definitions}
        self.errors = 0
        self.retries = 0

    def script(self, path: Path, source: str) -> Any:
        return self._jedi.Script(
            code=source, path=str(path), project=self.project, environment=self.environment
        )

    def targets(self, file: _FileScript, site: Site, kinds: frozenset[str]) -> set[str]:
        """The definitions of `kinds` the name at `site` refers to.

        One Script serves a whole file, but Jedi's inference state degrades as it is reused: a
        name it resolves in a fresh Script can come back empty late in a file. So a name that
        found nothing at all, or stopped inside the repository, is asked again in a fresh Script
        (about one site in ten, and every answer then equals a fresh Script's).
        """
        try:
            names = file.script.goto(site.line, site.column, follow_imports=True)
            found = self._map(names, kinds, depth=0)
            if not found and all(self._in_repo(n) for n in names):
                self.retries += 1
                fresh = self.script(file.path, file.source)
                found = self._map(fresh.goto(site.line, site.column, follow_imports=True), kinds, 0)
            return found
        except Exception:  # Jedi raises on odd code; one site must not stop the run
            self.errors += 1
            return set()

    def _in_repo(self, name: Any) -> bool:
        return (
            name.module_path is not None and Path(name.module_path).as_posix() in self.module_paths
        )

    def _map(self, names: Iterable[Any], kinds: frozenset[str], depth: int) -> set[str]:
        found: set[str] = set()
        for name in names:
            if name.module_path is None or name.line is None:
                continue
            path = Path(name.module_path).as_posix()
            candidates = self.by_position.get((path, name.line), [])
            matched = [d for d in candidates if d.qualified_name.rsplit(".", 1)[-1] == name.name]
            if matched:
                # A property is read, not called; an instance is not its class's constructor.
                if name.type in ("function", "class"):
                    found.update(d.qualified_name for d in matched if d.kind in kinds)
            elif path in self.module_paths and depth < 3 and name.type in _FOLLOW_WITH_INFER:
                # An alias (`f = g`) or an import Jedi stopped at: follow its value.
                found |= self._map(name.infer(), kinds, depth + 1)
        return found


@dataclass
class _FileScript:
    path: Path
    source: str
    script: Any


# -- the whole analysis ---------------------------------------------------------------------


def analyse(repo_root: Path, package_root: Path | None = None) -> OracleResult:
    """Run the oracle on a checkout (no cache; see `load_or_analyse`)."""
    started = time.perf_counter()
    repo_root = repo_root.resolve()
    package_root = (package_root or detect_package_root(repo_root)).resolve()
    modules = discover_modules(repo_root, package_root)
    known = {m.qualified_name for m in modules}

    definitions: list[Definition] = []
    imports: set[tuple[str, str]] = set()
    walked: list[tuple[SourceModule, str, _FileWalker]] = []
    lines = 0
    syntax_errors = []
    for module in modules:
        source = module.path.read_text(encoding="utf-8", errors="replace")
        lines += source.count("\n") + (not source.endswith("\n") and bool(source))
        try:
            tree = ast.parse(source, filename=str(module.path))
        except SyntaxError:
            syntax_errors.append(module.rel_path)
            continue
        end_line = max(len(source.splitlines()), 1)
        definitions.append(
            Definition(module.qualified_name, MODULE, module.rel_path, 1, 1, end_line)
        )
        walker = _FileWalker(module, source)
        walker.visit(tree)
        definitions.extend(walker.definitions)
        for level, name, names in walker.import_targets:
            for target in resolve_import(module, level, name, names, known):
                imports.add((module.qualified_name, target))
        walked.append((module, source, walker))
    parsed = time.perf_counter()

    resolver = _JediResolver(repo_root, package_root, definitions)
    inherits: set[tuple[str, str]] = set()
    calls: set[tuple[str, str]] = set()
    evidence: dict[tuple[str, str], tuple[str, int, str]] = {}
    call_sites = resolved_sites = 0
    for module, source, walker in walked:
        for caller, target, line in walker.direct_calls:
            call_sites += 1
            resolved_sites += 1
            calls.add((caller, target))
            evidence.setdefault((caller, target), (module.rel_path, line, "cls()"))
        if not walker.bases and not walker.calls:
            continue
        file = _FileScript(module.path, source, resolver.script(module.path, source))
        for site in walker.bases:
            for target in resolver.targets(file, site, frozenset({CLASS})):
                inherits.add((site.owner, target))
        for site in walker.calls:
            call_sites += 1
            targets = resolver.targets(file, site, CALLABLE_KINDS)
            resolved_sites += bool(targets)
            for target in targets:
                calls.add((site.owner, target))
                evidence.setdefault((site.owner, target), (module.rel_path, site.line, site.form))
    finished = time.perf_counter()

    kinds = Counter(d.kind for d in {(d.qualified_name, d.kind): d for d in definitions}.values())
    stats: dict[str, Any] = {
        "files": len(modules),
        "lines": lines,
        "syntax_errors": syntax_errors,
        "definitions": dict(sorted(kinds.items())),
        "call_expressions": sum(w.call_expressions for _, _, w in walked),
        "call_sites_with_name": call_sites,
        "call_sites_resolved_in_repo": resolved_sites,
        "jedi_errors": resolver.errors,
        "jedi_fresh_retries": resolver.retries,
        "seconds_ast": round(parsed - started, 2),
        "seconds_jedi": round(finished - parsed, 2),
    }
    return OracleResult(
        repo_root=str(repo_root),
        package_root=package_root.relative_to(repo_root).as_posix(),
        definitions=definitions,
        imports=imports,
        inherits=inherits,
        calls=calls,
        call_evidence=evidence,
        stats=stats,
    )


def cache_path(repo_root: Path, package_root: Path | None = None) -> Path:
    """Where the result for this checkout, as it is on disk now, is cached.

    Keyed by the checkout's path and every library file's path, size and mtime, plus the oracle's
    version: editing a file or the rules gives a fresh run.
    """
    repo_root = repo_root.resolve()
    package_root = (package_root or detect_package_root(repo_root)).resolve()
    digest = hashlib.sha256(f"{ORACLE_VERSION}\0{repo_root}\0{package_root}".encode())
    for module in discover_modules(repo_root, package_root):
        stat = module.path.stat()
        digest.update(f"\0{module.rel_path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return Path(tempfile.gettempdir()) / "graphmem-accuracy" / f"{digest.hexdigest()[:24]}.json"


def load_or_analyse(
    repo_root: Path, package_root: Path | None = None, use_cache: bool = True
) -> tuple[OracleResult, bool]:
    """The oracle's result and whether it came from the cache."""
    cached = cache_path(repo_root, package_root)
    if use_cache and cached.is_file():
        return OracleResult.from_json(json.loads(cached.read_text())), True
    result = analyse(repo_root, package_root)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps(result.to_json()))
    tmp.replace(cached)
    return result, False


def summary_lines(result: OracleResult) -> Iterator[str]:
    s = result.stats
    yield f"checkout      {result.repo_root} (package root: {result.package_root or '.'})"
    yield f"files/lines   {s['files']} files, {s['lines']} lines"
    yield "definitions   " + ", ".join(f"{k} {v}" for k, v in s["definitions"].items())
    yield f"IMPORTS       {len(result.imports)}"
    yield f"INHERITS      {len(result.inherits)}"
    yield (
        f"CALLS         {len(result.calls)} edges from {s['call_sites_resolved_in_repo']} of "
        f"{s['call_sites_with_name']} named call sites ({s['call_expressions']} calls in "
        f"functions; Jedi errors {s['jedi_errors']})"
    )
    yield f"time          ast {s['seconds_ast']} s, jedi {s['seconds_jedi']} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a checkout of a pure-Python library")
    parser.add_argument("--package-root", type=Path, help="default: src/ if it holds a package")
    parser.add_argument("--json", type=Path, help="write the full result to this file")
    parser.add_argument("--no-cache", action="store_true", help="recompute even if cached")
    args = parser.parse_args(argv)
    if not args.checkout.is_dir():
        parser.error(f"{args.checkout} is not a folder")
    package_root = args.package_root and (args.checkout / args.package_root)
    result, from_cache = load_or_analyse(args.checkout, package_root, not args.no_cache)
    for line in summary_lines(result):
        print(line)
    if from_cache:
        print("(cached result; --no-cache to recompute)")
    if args.json:
        args.json.write_text(json.dumps(result.to_json(), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
