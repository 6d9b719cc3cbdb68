"""A torch-free forward pass for BERT-style sentence-transformers models, in numpy.

Why: importing torch and sentence-transformers costs 4-5 s, longer than a whole `graphmem
remember` should take. all-MiniLM-L6-v2 is a 6-layer BERT; its forward pass for a few sentences is
a handful of matrix products, which numpy does in milliseconds. The weights and the tokenizer are
the model's own files (model.safetensors, tokenizer.json), and the output matches
sentence-transformers to float32 precision (tests/unit/embed check it against the real library).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from threadpoolctl import ThreadpoolController

from graphmem.errors import GraphMemError

_BATCH = 32
#: A&S 7.1.26 for erf(|x| / sqrt 2): t = 1 / (1 + p |x| / sqrt 2), and its coefficients halved
#: (GELU needs half of 1 - erf).
_ERF_P = 0.3275911 / math.sqrt(2.0)
_ERF_HALF_COEFFICIENTS = tuple(
    0.5 * c for c in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
)


def blas_threads() -> int:
    """BLAS threads for the matrix products: one per core the load average shows idle, plus
    one (the caller's own). Threads on busy cores wait for each other: at a load of 3 on 2
    cores, two threads embedded 79 texts a second and one thread 151."""
    cores = os.cpu_count() or 1
    idle = cores - os.getloadavg()[0]
    return max(1, min(cores, int(idle) + 1))


def _is_dense_weight(key: str) -> bool:
    return key.startswith("encoder.") and key.endswith(".weight") and "LayerNorm" not in key


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU, 0.5 x (1 + erf(x / sqrt 2)), in place on `x` (a fresh product nobody else holds).

    erf by Abramowitz & Stegun 7.1.26 (max error 1.5e-7), as numpy has none built in, written
    around the identity GELU(x) = max(x, 0) - 0.5 |x| (1 - erf(|x| / sqrt 2)): no sign array and
    no mask, only in-place passes over three buffers. This runs on every activation of every
    layer: in the form with np.sign and fresh temporaries it took over a third of the forward
    pass, this one about a quarter."""
    a = np.abs(x)
    t = a * _ERF_P
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * _ERF_HALF_COEFFICIENTS[0]
    for coefficient in _ERF_HALF_COEFFICIENTS[1:]:
        poly += coefficient
        poly *= t
    poly *= a
    np.square(a, out=a)
    a *= -0.5
    np.exp(a, out=a)  # exp(-x^2 / 2) = exp(-(x / sqrt 2)^2)
    poly *= a
    np.maximum(x, 0.0, out=x)
    x -= poly
    return x


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return cast(np.ndarray, (x - mean) / np.sqrt(var + eps) * weight + bias)


class NumpyBertEmbedder:
    """Mean-pooled, normalised embeddings from a local BERT sentence-transformers model folder."""

    def __init__(self, model_dir: str | Path, name: str | None = None) -> None:
        model_dir = Path(model_dir)
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer

            config = json.loads((model_dir / "config.json").read_text())
            pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
            st_config = json.loads((model_dir / "sentence_bert_config.json").read_text())
            weights = load_file(str(model_dir / "model.safetensors"))
            self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except (ImportError, OSError, ValueError, KeyError) as e:
            raise GraphMemError(f"cannot load the embedding model from {model_dir}: {e}") from e
        if config.get("model_type") != "bert" or not pooling.get("pooling_mode_mean_tokens"):
            raise GraphMemError(f"{model_dir} is not a mean-pooled BERT model")
        # Dense weights stored transposed and contiguous: x @ W is what the forward pass needs.
        self._weights: dict[str, Any] = {
            key: np.ascontiguousarray(value.T) if _is_dense_weight(key) else value
            for key, value in weights.items()
        }
        self._layers = int(config["num_hidden_layers"])
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        max_length = int(st_config.get("max_seq_length", 256))
        self._tokenizer.enable_truncation(max_length=max_length)
        self._tokenizer.no_padding()
        self.name = name or model_dir.name
        self.dimensions = int(config["hidden_size"])
        self._blas = ThreadpoolController()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        # Batches of texts of about the same length: a batch is padded to its longest text,
        # so sorting by length cut a fifth of the work on short, varied memory texts.
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        out: list[list[float]] = [[] for _ in encodings]
        with self._blas.limit(limits=blas_threads(), user_api="blas"):
            for start in range(0, len(order), _BATCH):
                batch = order[start : start + _BATCH]
                vectors = self._embed_batch([encodings[i] for i in batch]).tolist()
                for i, vector in zip(batch, vectors, strict=True):
                    out[i] = vector
        return out

    def _embed_batch(self, encodings: Sequence[Any]) -> np.ndarray:
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        hidden = self._forward(ids, mask)
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: np.ndarray = pooled / np.maximum(norms, 1e-12)
        return result

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._weights
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        x = _layer_norm(
            x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self._eps
        )
        attention_bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        head_dim = self.dimensions // self._heads
        scale = float(1.0 / math.sqrt(head_dim))  # a Python float keeps the arrays float32
        for i in range(self._layers):
            p = f"encoder.layer.{i}."

            def dense(t: np.ndarray, name: str, p: str = p) -> np.ndarray:
                # One 2-D product: numpy runs a 3-D @ 2-D product as a slow loop of small ones.
                flat = t.reshape(-1, t.shape[-1]) @ w[p + name + ".weight"] + w[p + name + ".bias"]
                return cast(np.ndarray, flat.reshape(*t.shape[:-1], -1))

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self._heads, head_dim).transpose(0, 2, 1, 3)

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) * scale + attention_bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dimensions)
            x = _layer_norm(
                x + dense(context, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                self._eps,
            )
            hidden = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                x + dense(hidden, "output.dense"),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
                self._eps,
            )
        return x
