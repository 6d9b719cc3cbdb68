"""The torch-free embedder must give the same vectors as sentence-transformers itself."""

from __future__ import annotations

import math
import os

import pytest

from graphmem.embed import default_embedder, numpy_bert
from graphmem.embed.local_model import local_model_path
from graphmem.embed.numpy_bert import NumpyBertEmbedder, blas_threads
from graphmem.embed.sentence_transformer import SentenceTransformerEmbedder

TEXTS = [
    "Invoices are immutable once sent; corrections are new credit notes.",
    "Never call the payment gateway from a request handler.",
    "x",
    "ünïcödé 日本語 and emoji 🎉 " * 40,  # longer than the 256-token window: truncated alike
]


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def reference_embedder() -> SentenceTransformerEmbedder:
    """sentence-transformers itself, on torch: the reference the numpy path must match."""
    return SentenceTransformerEmbedder(threads=1)


@pytest.fixture(scope="module")
def numpy_embedder() -> NumpyBertEmbedder:
    return NumpyBertEmbedder(local_model_path("all-MiniLM-L6-v2"))


def test_numpy_forward_pass_matches_sentence_transformers(
    numpy_embedder: NumpyBertEmbedder, reference_embedder: SentenceTransformerEmbedder
) -> None:
    ours = numpy_embedder.embed(TEXTS)
    reference = reference_embedder.embed(TEXTS)
    for mine, theirs in zip(ours, reference, strict=True):
        assert len(mine) == 384
        assert max(abs(x - y) for x, y in zip(mine, theirs, strict=True)) < 1e-4
        assert _cosine(mine, theirs) > 0.99999


def test_vectors_are_normalised_and_meaningful(numpy_embedder: NumpyBertEmbedder) -> None:
    a, b, c = numpy_embedder.embed(
        [
            "Use PostgreSQL for all persistent storage",
            "All data is stored in a Postgres database",
            "The logo should be blue",
        ]
    )
    assert math.isclose(_cosine(a, a), 1.0, abs_tol=1e-5)
    assert _cosine(a, b) > _cosine(a, c) + 0.2


def test_batches_give_the_same_vectors_as_single_calls(numpy_embedder: NumpyBertEmbedder) -> None:
    together = numpy_embedder.embed(TEXTS * 10)  # more than one internal batch, with padding
    for i, text in enumerate(TEXTS):
        alone = numpy_embedder.embed([text])[0]
        assert max(abs(x - y) for x, y in zip(alone, together[i], strict=True)) < 1e-5


def test_chunks_side_by_side_give_the_vectors_of_one_thread(
    numpy_embedder: NumpyBertEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"{text} ({i})" for i, text in enumerate(TEXTS * 10)]  # several chunks
    monkeypatch.setattr(numpy_bert, "blas_threads", lambda: 1)
    monkeypatch.setattr(numpy_bert.os, "cpu_count", lambda: 1)  # one chunk after another
    one = numpy_embedder.embed(texts)
    monkeypatch.setattr(numpy_bert.os, "cpu_count", lambda: 2)  # two at once
    side_by_side = numpy_embedder.embed(texts)
    for a, b in zip(one, side_by_side, strict=True):
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-6


def test_chunks_for_workers_are_even_and_cover_every_text() -> None:
    lengths = [15] * 256  # 3,840 tokens
    alone = list(numpy_bert._chunks(lengths))
    assert [c.stop - c.start for c in alone] == [68, 68, 68, 52]  # up to 1,024 tokens a run
    even = list(numpy_bert._chunks(lengths, workers=2))
    assert [c.stop - c.start for c in even] == [64, 64, 64, 64]  # two runs per worker
    assert [i for c in even for i in range(c.start, c.stop)] == list(range(256))


def test_default_embedder_is_the_torch_free_one() -> None:
    assert isinstance(default_embedder("all-MiniLM-L6-v2"), NumpyBertEmbedder)


def test_unknown_model_is_a_clear_error() -> None:
    from graphmem.errors import GraphMemError

    with pytest.raises(GraphMemError, match="not a local directory"):
        default_embedder("no-such-model")


def test_blas_threads_fit_the_cores() -> None:
    assert 1 <= blas_threads() <= (os.cpu_count() or 1)
