"""The TypeScript/JavaScript and Go oracles: compiler-grade analyses run as separate programs.

`ts-oracle/oracle.mjs` (the TypeScript compiler API) and `go-oracle/` (go/packages + go/types)
print the same JSON shape: definitions named by where their name is written (path, line, name,
kind), imports between files, embedded or extended types, and caller→callee calls between such
declarations. This module turns that into an `OracleResult` with graphmem's qualified names, so
`score.py` compares it as it compares the Jedi oracle. Naming a declaration by graphmem's name is
only a join: the declaration graphmem holds in that file, with that name, whose lines span the
oracle's line. A declaration graphmem lacks keeps the name ``path:line:name`` and counts as missed.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from oracle import MODULE, Definition, OracleResult

HERE = Path(__file__).resolve().parent
ORACLES = ("ts", "go")


class NamedNode(Protocol):
    qualified_name: str
    kind: str
    path: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class _Key:
    path: str
    line: int
    name: str


def run(kind: str, checkout: Path) -> dict[str, Any]:
    """The oracle program's JSON for `checkout` (its run time added as `stats.seconds`)."""
    if kind == "ts":
        script = HERE / "ts-oracle" / "oracle.mjs"
        if not (HERE / "ts-oracle" / "node_modules" / "typescript").is_dir():
            raise SystemExit(f"install the TypeScript oracle: npm ci --prefix {script.parent}")
        command = ["node", "--max-old-space-size=2048", str(script), str(checkout)]
        cwd = script.parent
    else:
        command = ["go", "run", ".", str(checkout)]
        cwd = HERE / "go-oracle"
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{kind} oracle failed on {checkout}: {done.stderr.strip()[-2000:]}")
    data: dict[str, Any] = json.loads(done.stdout)
    data["stats"]["seconds"] = round(time.perf_counter() - started, 1)
    return data


def to_result(data: dict[str, Any], checkout: Path, nodes: Mapping[str, NamedNode]) -> OracleResult:
    """The oracle's facts under graphmem's qualified names (see the module docstring)."""
    by_path: dict[str, list[NamedNode]] = {}
    modules: dict[str, str] = {}
    for node in nodes.values():
        if node.kind == MODULE:
            modules[node.path] = node.qualified_name
        else:
            by_path.setdefault(node.path, []).append(node)

    def name_of(key: _Key) -> str:
        named = [
            n
            for n in by_path.get(key.path, [])
            if n.qualified_name == key.name or n.qualified_name.endswith("." + key.name)
        ]
        spanning = [n for n in named if n.start_line <= key.line <= max(n.end_line, n.start_line)]
        if spanning:
            return min(spanning, key=lambda n: n.end_line - n.start_line).qualified_name
        if named:  # one graphmem entity for a name declared twice in a scope (get and set)
            return min(named, key=lambda n: abs(n.start_line - key.line)).qualified_name
        return f"{key.path}:{key.line}:{key.name}"

    def module_of(path: str) -> str:
        return modules.get(path, f"{path}:module")

    definitions = []
    for d in data["definitions"]:
        key = _Key(d["path"], d["line"], d["name"])
        qualified = module_of(d["path"]) if d["kind"] == MODULE else name_of(key)
        definitions.append(
            Definition(
                qualified_name=qualified,
                kind=d["kind"],
                path=d["path"],
                start_line=d["line"],
                def_line=d["line"],
                end_line=d["end_line"],
            )
        )
    calls: set[tuple[str, str]] = set()
    evidence: dict[tuple[str, str], tuple[str, int, str]] = {}
    for call in data.get("calls") or []:
        edge = (name_of(_Key(**call["caller"])), name_of(_Key(**call["callee"])))
        calls.add(edge)
        path, _, line = call["site"].rpartition(":")
        evidence.setdefault(edge, (path, int(line), call["form"]))
    stats = dict(data["stats"])
    paths = {d.path for d in definitions if d.kind == MODULE}
    stats["files"] = len(paths)
    stats["lines"] = sum(_line_count(checkout / p) for p in paths)
    return OracleResult(
        repo_root=str(checkout),
        package_root=str(checkout),
        definitions=definitions,
        imports={(module_of(a), module_of(b)) for a, b in data.get("imports") or [] if a != b},
        inherits={(name_of(_Key(**a)), name_of(_Key(**b))) for a, b in data.get("inherits") or []},
        calls=calls,
        call_evidence=evidence,
        stats=stats,
        implements={
            (name_of(_Key(**a)), name_of(_Key(**b))) for a, b in data.get("implements") or []
        },
    )


def _line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except OSError:
        return 0
