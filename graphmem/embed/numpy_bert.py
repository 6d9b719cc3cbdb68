"""A torch-free forward pass for BERT-style sentence-transformers models, in numpy.

Why: importing torch and sentence-transformers costs 4-5 s, longer than a whole `graphmem
remember` should take. all-MiniLM-L6-v2 is a 6-layer BERT; its forward pass for a few sentences is
a handful of matrix products, which numpy does in milliseconds. The weights and the tokenizer are
the model's own files (model.safetensors, tokenizer.json), and the output matches
sentence-transformers to float32 precision (tests/unit/embed check it against the real library).

The matrix products are most of the work (about two thirds on one BLAS thread), so the rest is
written to add little to them: the tokens of all texts in a chunk are packed into one array
without padding, the query, key and value projections are one product, and the passes between
products (GELU, layer norm) run in place.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from graphmem.errors import GraphMemError

#: Tokens per forward pass: enough rows for BLAS to run at full speed (its rate was flat from 512
#: to 4096), few enough that the intermediate activations (tokens x 1536 floats for MiniLM) stay
#: small.
_CHUNK_TOKENS = 1024
#: Rows of the intermediate activations GELU works on at a time: its twenty passes then run over
#: buffers in the core's cache; over the whole array at once it took twice as long.
_GELU_ROWS = 16
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


def _chunks(lengths: Sequence[int], workers: int = 1) -> Iterator[slice]:
    """Consecutive runs of texts with at most _CHUNK_TOKENS tokens together (or one text); for
    several `workers`, as many runs as a multiple of them allows, of even size, so that none
    waits long for the last."""
    limit = _CHUNK_TOKENS
    total = sum(lengths)
    if workers > 1 and total > _CHUNK_TOKENS:
        runs = workers * math.ceil(total / (workers * _CHUNK_TOKENS))
        limit = math.ceil(total / runs)
    start, tokens = 0, 0
    for i, length in enumerate(lengths):
        if i > start and tokens + length > limit:
            yield slice(start, i)
            start, tokens = i, 0
        tokens += length
    if start < len(lengths):
        yield slice(start, len(lengths))


def _gelu(h: np.ndarray, bias: np.ndarray) -> None:
    """GELU(h + bias), 0.5 x (1 + erf(x / sqrt 2)), in place on `h` (a fresh product).

    erf by Abramowitz & Stegun 7.1.26 (max error 1.5e-7), as numpy has none built in, written
    around the identity GELU(x) = max(x, 0) - 0.5 |x| (1 - erf(|x| / sqrt 2)): no sign array and
    no mask, only in-place passes over three scratch buffers of _GELU_ROWS rows."""
    shape = (min(_GELU_ROWS, h.shape[0]), h.shape[1])
    a_rows, t_rows, poly_rows = (np.empty(shape, dtype=h.dtype) for _ in range(3))
    for start in range(0, h.shape[0], _GELU_ROWS):
        x = h[start : start + _GELU_ROWS]
        n = x.shape[0]
        a, t, poly = a_rows[:n], t_rows[:n], poly_rows[:n]
        x += bias
        np.abs(x, out=a)
        np.multiply(a, _ERF_P, out=t)
        t += 1.0
        np.reciprocal(t, out=t)
        np.multiply(t, _ERF_HALF_COEFFICIENTS[0], out=poly)
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


def _layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray], eps: float) -> None:
    """Layer norm of each row of `x`, in place. The mean and the variance are matrix-vector
    products (BLAS): layer norm took half the time it did with numpy's row reductions."""
    weight, bias = norm
    average = np.full(x.shape[1], 1.0 / x.shape[1], dtype=x.dtype)
    x -= (x @ average)[:, None]
    scale = np.square(x) @ average
    scale += eps
    np.sqrt(scale, out=scale)
    np.reciprocal(scale, out=scale)
    x *= scale[:, None]
    x *= weight
    x += bias


@dataclass(frozen=True)
class _EncoderLayer:
    """One layer's weights, dense ones transposed (x @ W is what the forward pass needs)."""

    qkv_weight: np.ndarray
    qkv_bias: np.ndarray
    attention_output_weight: np.ndarray
    attention_output_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate_weight: np.ndarray
    intermediate_bias: np.ndarray
    output_weight: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]

    @classmethod
    def from_weights(cls, weights: dict[str, Any], prefix: str, scale: float) -> _EncoderLayer:
        """The query, key and value projections concatenated into one product (one BLAS call
        instead of three), with the queries pre-multiplied by 1 / sqrt(head_dim)."""

        def dense(name: str) -> np.ndarray:
            return np.ascontiguousarray(weights[prefix + name + ".weight"].T)

        def vector(name: str) -> np.ndarray:
            return np.asarray(weights[prefix + name])

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return vector(name + ".weight"), vector(name + ".bias")

        query, key, value = (f"attention.self.{n}" for n in ("query", "key", "value"))
        qkv_weight = np.concatenate([dense(query) * scale, dense(key), dense(value)], axis=1)
        qkv_bias = np.concatenate(
            [vector(query + ".bias") * scale, vector(key + ".bias"), vector(value + ".bias")]
        )
        return cls(
            qkv_weight=np.ascontiguousarray(qkv_weight, dtype=np.float32),
            qkv_bias=qkv_bias.astype(np.float32),
            attention_output_weight=dense("attention.output.dense"),
            attention_output_bias=vector("attention.output.dense.bias"),
            attention_norm=norm("attention.output.LayerNorm"),
            intermediate_weight=dense("intermediate.dense"),
            intermediate_bias=vector("intermediate.dense.bias"),
            output_weight=dense("output.dense"),
            output_bias=vector("output.dense.bias"),
            output_norm=norm("output.LayerNorm"),
        )


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
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self.dimensions = int(config["hidden_size"])
        scale = 1.0 / math.sqrt(self.dimensions // self._heads)
        self._word_embeddings = weights["embeddings.word_embeddings.weight"]
        self._position_embeddings = weights["embeddings.position_embeddings.weight"]
        self._token_type_embedding = weights["embeddings.token_type_embeddings.weight"][0]
        self._embeddings_norm = (
            weights["embeddings.LayerNorm.weight"],
            weights["embeddings.LayerNorm.bias"],
        )
        self._encoder = [
            _EncoderLayer.from_weights(weights, f"encoder.layer.{i}.", scale)
            for i in range(int(config["num_hidden_layers"]))
        ]
        max_length = int(st_config.get("max_seq_length", 256))
        self._tokenizer.enable_truncation(max_length=max_length)
        self._tokenizer.no_padding()
        self.name = name or model_dir.name
        self._blas = ThreadpoolController()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        # Texts sorted by length, so that texts of equal length sit together: attention runs over
        # each such group without padding or a mask (see _attention).
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        workers = os.cpu_count() or 1
        chunks = list(_chunks([len(encodings[i].ids) for i in order], workers))

        def run(chunk: slice) -> tuple[list[int], list[list[float]]]:
            batch = order[chunk]
            return batch, self._embed_sorted([encodings[i].ids for i in batch]).tolist()

        if workers > 1 and len(chunks) > 1:
            # The chunks side by side, one per core, on one BLAS thread each. A chunk never
            # waits for another, so unlike BLAS threads (see blas_threads) a busy core slows
            # only its own chunk, and a core the caller leaves idle (`remember --batch` records
            # between its calls) goes to the other chunk.
            with (
                self._blas.limit(limits=1, user_api="blas"),
                ThreadPoolExecutor(workers, thread_name_prefix="graphmem-chunk") as pool,
            ):
                done = list(pool.map(run, chunks))
        else:
            with self._blas.limit(limits=blas_threads(), user_api="blas"):
                done = [run(chunk) for chunk in chunks]
        out: list[list[float]] = [[] for _ in encodings]
        for batch, vectors in done:
            for i, vector in zip(batch, vectors, strict=True):
                out[i] = vector
        return out

    def _embed_sorted(self, id_lists: Sequence[Sequence[int]]) -> np.ndarray:
        """Embeddings of texts given by token ids, shortest first."""
        lengths = np.array([len(ids) for ids in id_lists])
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        ids = np.concatenate([np.asarray(ids, dtype=np.int64) for ids in id_lists])
        positions = np.arange(len(ids)) - np.repeat(starts, lengths)
        edges = np.concatenate(([0], np.flatnonzero(np.diff(lengths)) + 1, [len(lengths)]))
        groups = [
            (int(starts[a]), int(b - a), int(lengths[a]))
            for a, b in zip(edges[:-1], edges[1:], strict=True)
        ]
        hidden = self._forward(ids, positions, groups)
        pooled = np.add.reduceat(hidden, starts, axis=0)
        pooled /= lengths[:, None].astype(np.float32)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: np.ndarray = pooled / np.maximum(norms, 1e-12)
        return result

    def _forward(
        self, ids: np.ndarray, positions: np.ndarray, groups: Sequence[tuple[int, int, int]]
    ) -> np.ndarray:
        """Hidden states of the last layer, one row per token of all texts, packed.

        Every step but attention works token by token, so it runs on the tokens of all texts in
        one (tokens, features) array, without padding: each matrix product is one BLAS call."""
        x: np.ndarray = self._word_embeddings[ids]
        x += self._position_embeddings[positions]
        x += self._token_type_embedding
        _layer_norm(x, self._embeddings_norm, self._eps)
        context = np.empty_like(x)
        for layer in self._encoder:
            qkv = x @ layer.qkv_weight
            qkv += layer.qkv_bias
            for group in groups:
                self._attention(qkv, context, *group)
            y = context @ layer.attention_output_weight
            y += layer.attention_output_bias
            x += y
            _layer_norm(x, layer.attention_norm, self._eps)
            h = x @ layer.intermediate_weight
            _gelu(h, layer.intermediate_bias)
            y = h @ layer.output_weight
            y += layer.output_bias
            x += y
            _layer_norm(x, layer.output_norm, self._eps)
        return x

    def _attention(
        self, qkv: np.ndarray, context: np.ndarray, row: int, count: int, length: int
    ) -> None:
        """Self-attention of `count` texts of `length` tokens each, from packed row `row` on,
        written into `context`.

        Texts of one length need no padding and no mask. The scores are kept transposed, keys
        down and queries across: the softmax then reduces over the second-to-last axis, which
        numpy does with whole-row vector operations; over the last axis (rows of a few dozen
        numbers each) its max took three times as long. The product with the values comes
        before the division by the sums, which then touches head_dim numbers per query instead
        of length."""
        heads = self._heads
        head_dim = self.dimensions // heads
        rows = slice(row, row + count * length)
        block = qkv[rows].reshape(count, length, 3, heads, head_dim)
        queries_t = block[:, :, 0].transpose(0, 2, 3, 1)
        keys = block[:, :, 1].transpose(0, 2, 1, 3)
        values = block[:, :, 2].transpose(0, 2, 1, 3)
        scores_t = keys @ queries_t  # (count, heads, keys, queries); the queries are pre-scaled
        scores_t -= scores_t.max(axis=-2, keepdims=True)
        np.exp(scores_t, out=scores_t)
        sums = scores_t.sum(axis=-2)[..., None]
        weighted = scores_t.transpose(0, 1, 3, 2) @ values
        np.divide(
            weighted.transpose(0, 2, 1, 3),
            sums.transpose(0, 2, 1, 3),
            out=context[rows].reshape(count, length, heads, head_dim),
        )
