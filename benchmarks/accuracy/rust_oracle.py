"""Ground truth for Rust from the compiler itself: rustc's HIR and THIR of every workspace crate.

For each library and binary target of the checkout's workspace (``cargo metadata``), cargo builds
the dependencies and rustc prints, instead of compiling the target, its HIR tree
(``-Zunpretty=hir-tree``: every item with its span, every impl's resolved self type and trait,
what every ``use`` resolves to)
and its THIR (``-Zunpretty=thir-flat``: every call with the ``FnDef`` the type checker chose).
``-Z`` flags need a nightly compiler; ``RUSTC_BOOTSTRAP=1`` lets the stable one print them. The
targets are compiled with ``--profile test`` so that ``#[cfg(test)]`` code is there too.

Names follow docs/languages.md: ``crate::module::Item``, ``crate::module::Type::method`` for an
impl's method (rustc's ``{impl#N}`` is replaced by the impl's self type), calls from closures and
nested functions belong to the enclosing function. A call of a trait method on a concrete type
(``FnDef(Trait::m, [Type])``) is the impl's method when the impl of that trait for that type
defines it, else the trait's. Calls are the call expressions of the source (THIR's
``from_hir_call``): an operator that calls a trait method (``a == b``) and the calls a standard
macro's own body makes (spans in the toolchain's sources) are not counted, as graphmem does not
model them. What it cannot see: items and calls that macros generate (their
spans are macro expansions and are left out, as graphmem leaves them out), code behind
``#[cfg]`` options that are off on this machine, and targets that do not compile here.

    python benchmarks/accuracy/rust_oracle.py CHECKOUT [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oracle import CLASS, FUNCTION, METHOD, MODULE, Definition, OracleResult  # noqa: E402

INTERFACE = "Interface"
_HEADER = re.compile(r"^DefId\(\d+:\d+ ~ ([^)]+)\) => OwnerNodes \{$")
_BODY = re.compile(r"^DefId\(\d+:\d+ ~ ([^)]+)\):$")
_NODE = re.compile(r"^ {8}node: (\w+)\($")
_KIND = re.compile(r"^ {16}kind: (\w+)")
_SPAN = re.compile(r"^ {16}span: (\S+?):(\d+):\d+: (\d+):\d+ \(#(\d+)\)")
_INNER_SPAN = re.compile(r"inner_span: (\S+?):(\d+):\d+: (\d+):\d+ \(#(\d+)\)")
_RES_DEF = re.compile(r"res: Def\(\s*(\w+),\s*DefId\(\d+:\d+ ~ ([^)\s]+)\)")
_FNDEF = re.compile(
    r"kind: Call \{\s*ty: FnDef\(\s*DefId\(\d+:\d+ ~ ([^)\s]+)\),\s*\[(.*?)\],\s*\),.*?"
    r"from_hir_call: (\w+),\s*fn_span: (\S+?):(\d+):",
    re.DOTALL,
)
_DEF_ID = re.compile(r"DefId\(\d+:\d+ ~ ([^)\s]+)\)")
_HASH = re.compile(r"\[[0-9a-f]{4}\]")


def clean(def_path: str) -> str:
    """``grep_searcher[1a2b]::sink::Sink`` -> ``grep_searcher::sink::Sink``."""
    return _HASH.sub("", def_path)


@dataclass
class CrateFacts:
    """What one target's HIR says: items, impls, modules."""

    #: def path -> (kind, file, start line, end line)
    items: dict[str, tuple[str, str, int, int]] = field(default_factory=dict)
    #: impl def path -> (self type def path, trait def path or None)
    impls: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    #: module def path -> file (for modules in their own file)
    module_files: dict[str, str] = field(default_factory=dict)
    #: (importing file, def path a `use` resolves to, or a `mod x;`'s module)
    uses: set[tuple[str, str]] = field(default_factory=set)


def owner_blocks(text: str) -> Iterator[tuple[str, list[str]]]:
    path, block = None, []
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            if path is not None:
                yield path, block
            path, block = clean(header.group(1)), []
        elif path is not None:
            block.append(line)
    if path is not None:
        yield path, block


def read_hir(text: str, facts: CrateFacts, root_file: str, crate: str) -> None:
    facts.module_files.setdefault(crate, root_file)
    for path, block in owner_blocks(text):
        node = next((m.group(1) for line in block if (m := _NODE.match(line))), None)
        kind = next((m.group(1) for line in block if (m := _KIND.match(line))), None)
        span = next((m for line in block if (m := _SPAN.match(line))), None)
        if node not in ("Item", "TraitItem", "ImplItem") or kind is None or span is None:
            continue
        file, start, end, context = (
            span.group(1),
            int(span.group(2)),
            int(span.group(3)),
            span.group(4),
        )
        joined = "\n".join(block)
        if kind == "Mod":
            inner = _INNER_SPAN.search(joined)
            if inner and inner.group(1) != file and inner.group(4) == "0":
                facts.module_files[path] = inner.group(1)
                facts.uses.add((file, path))
            continue
        if kind == "Use":
            if context == "0":
                start_at = joined.find("res: PerNS {")
                end_at = joined.find("segments:", start_at)
                for target in _DEF_ID.findall(joined[start_at:end_at] if start_at >= 0 else ""):
                    facts.uses.add((file, clean(target)))
            continue
        if kind == "Impl":
            self_at = joined.find("self_ty: Ty {")
            trait_at = joined.find("of_trait: Some(")
            self_res = _RES_DEF.search(joined, self_at) if self_at >= 0 else None
            trait_res = _RES_DEF.search(joined, trait_at) if 0 <= trait_at < self_at else None
            facts.impls[path] = (
                clean(self_res.group(2)) if self_res else None,
                clean(trait_res.group(2)) if trait_res else None,
            )
            continue
        if context != "0":
            continue  # generated by a macro
        label = {"Struct": CLASS, "Enum": CLASS, "Union": CLASS, "Trait": INTERFACE}.get(kind)
        if kind == "Fn":
            label = FUNCTION if node == "Item" else METHOD
        if label is not None:
            facts.items[path] = (label, file, start, end)


def cargo(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    return subprocess.run(
        ["cargo", *args], cwd=checkout, env=env, capture_output=True, text=True, check=False
    )


@dataclass
class RustOracleResult:
    result: OracleResult
    implements: set[tuple[str, str]]
    unresolved: set[tuple[str, str]]
    seconds: float
    targets: list[str]


def analyse(checkout: Path) -> RustOracleResult:
    started = time.perf_counter()
    metadata = json.loads(cargo(checkout, "metadata", "--no-deps", "--format-version", "1").stdout)
    workspace = Path(metadata["workspace_root"])
    facts = CrateFacts()
    bodies: list[str] = []
    targets: list[str] = []
    for package in metadata["packages"]:
        for target in package["targets"]:
            kinds = set(target["kind"])
            if not kinds & {"lib", "bin", "rlib", "proc-macro"}:
                continue
            selector = ["--lib"] if "bin" not in kinds else ["--bin", target["name"]]
            crate = target["name"].replace("-", "_")
            root = os.path.relpath(target["src_path"], workspace)
            common = ["rustc", "-q", "-p", package["name"], *selector, "--profile", "test", "--"]
            hir = cargo(checkout, *common, "-Zunpretty=hir-tree")
            thir = cargo(checkout, *common, "-Zunpretty=thir-flat")
            if hir.returncode or thir.returncode:
                print(f"oracle: {crate} does not build here; skipped", file=sys.stderr)
                continue
            targets.append(crate)
            read_hir(hir.stdout, facts, root, crate)
            bodies.append(thir.stdout)
    return RustOracleResult(
        *_result(checkout, facts, bodies), time.perf_counter() - started, targets
    )


def _result(
    checkout: Path, facts: CrateFacts, bodies: list[str]
) -> tuple[OracleResult, set[tuple[str, str]], set[tuple[str, str]]]:
    names = {path: graph_name(path, facts) for path in facts.items}
    definitions = []
    for path, (kind, file, start, end) in facts.items.items():
        name = names[path]
        if name is not None and not any(
            facts.items.get(prefix, ("",))[0] in (FUNCTION, METHOD) for prefix in prefixes(path)
        ):
            definitions.append(Definition(name, kind, file, start, start, end))
    for module, file in facts.module_files.items():
        definitions.append(Definition(module, MODULE, file, 1, 1, 0))
    known = {d.qualified_name for d in definitions}
    file_modules = {file: module for module, file in facts.module_files.items()}
    imports: set[tuple[str, str]] = set()
    for file, target in facts.uses:
        target_file = facts.module_files.get(target) or facts.items.get(target, ("", ""))[1]
        source, imported = file_modules.get(file), file_modules.get(target_file)
        if source and imported and file != target_file:
            imports.add((source, imported))
    implements: set[tuple[str, str]] = set()
    for _impl, (self_type, trait) in facts.impls.items():
        if self_type and trait and self_type in names and trait in names:
            source, target = names[self_type], names[trait]
            if source in known and target in known:
                implements.add((source, target))
    calls: set[tuple[str, str]] = set()
    evidence: dict[tuple[str, str], tuple[str, int, str]] = {}
    for text in bodies:
        for caller_path, body in body_sections(text):
            caller = calling_function(caller_path, facts, names)
            if caller is None:
                continue
            for match in _FNDEF.finditer(body):
                if match.group(3) != "true" or match.group(4).startswith("/"):
                    continue  # an operator (`a == b`), or a call a std macro's body makes
                callee = callee_name(
                    clean(match.group(1)), match.group(2), caller_path.split("::")[0], facts, names
                )
                if callee is not None and callee in known:
                    calls.add((caller, callee))
                    evidence.setdefault(
                        (caller, callee), (match.group(4), int(match.group(5)), "call")
                    )
    result = OracleResult(
        repo_root=str(checkout),
        package_root=str(checkout),
        definitions=definitions,
        imports=imports,
        inherits=set(),
        calls=calls,
        call_evidence=evidence,
        stats={"files": len(facts.module_files), "definitions": len(definitions)},
    )
    return result, implements, set()


def prefixes(path: str) -> list[str]:
    parts = path.split("::")
    return ["::".join(parts[:i]) for i in range(1, len(parts))]


def graph_name(path: str, facts: CrateFacts) -> str | None:
    """A def path in graphmem's names: ``{impl#N}`` becomes the impl's self type's name."""
    parts = path.split("::")
    out = []
    for i, part in enumerate(parts):
        if part.startswith("{impl#"):
            self_type, _trait = facts.impls.get("::".join(parts[: i + 1]), (None, None))
            if self_type is None:
                return None
            out.append(self_type.rsplit("::", 1)[-1])
        elif part.startswith("{"):
            return None
        else:  # `f#1`: a #[test] function, next to the test harness's constant `f`
            out.append(re.sub(r"#\d+$", "", part))
    return "::".join(out)


def body_sections(text: str) -> Iterator[tuple[str, str]]:
    path, lines = None, []
    for line in text.splitlines():
        header = _BODY.match(line)
        if header:
            if path is not None:
                yield path, "\n".join(lines)
            path, lines = clean(header.group(1)), []
        else:
            lines.append(line)
    if path is not None:
        yield path, "\n".join(lines)


def calling_function(path: str, facts: CrateFacts, names: dict[str, str | None]) -> str | None:
    """The outermost function a body belongs to (closures and nested fns are its own)."""
    for prefix in [*prefixes(path), path]:
        kind = facts.items.get(prefix, ("",))[0]
        if kind in (FUNCTION, METHOD):
            return names.get(prefix)
    return None


def callee_name(
    path: str, generic_args: str, crate: str, facts: CrateFacts, names: dict[str, str | None]
) -> str | None:
    """The callee in graphmem's names; a trait method on a concrete type is the impl's. Types in
    generic arguments are printed relative to the calling `crate`."""
    owner, _, method = path.rpartition("::")
    if generic_args.strip() and "{impl#" not in owner:  # a trait's method, the trait anywhere
        self_arg = generic_args.split(",")[0].strip().lstrip("&").strip()
        self_arg = re.sub(r"^'\{erased\}\s*|^mut\s+", "", self_arg)
        self_arg = re.sub(r"<.*$", "", self_arg)
        for candidate in (self_arg, f"{crate}::{self_arg}"):
            for impl, (self_type, trait) in facts.impls.items():
                if self_type == candidate and trait == owner and f"{impl}::{method}" in facts.items:
                    return names.get(f"{impl}::{method}")
    return names.get(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    found = analyse(args.checkout.resolve())
    counts: dict[str, int] = {}
    for d in found.result.definitions:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    print(f"targets: {', '.join(found.targets)}; {found.seconds:.1f} s")
    print(
        f"definitions {counts}; IMPLEMENTS {len(found.implements)}; CALLS {len(found.result.calls)}"
    )
    if args.json:
        args.json.write_text(json.dumps(found.result.to_json(), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
