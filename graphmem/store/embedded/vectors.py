"""Exact cosine search over the stored float32 embeddings.

Vectors of one label are loaded once into a normalised matrix and reused until an embedding is
added, changed or removed. Every write transaction that does so bumps a generation number in the
`meta` table; a search reads it first (one primary-key lookup), so a memory added by another
process is seen by the next search, while writes that touch no embedding (the retrieval receipt
every search records, an ingest) keep the matrix.
numpy does the arithmetic when installed (it is, with sentence-transformers); pure Python
otherwise, which is fine for the few thousand memories a repository holds.
"""

from __future__ import annotations

import heapq
import math
import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphmem.errors import UsageError
from graphmem.model.graph import Label

#: The `meta` row holding the vector generation (absent until the first embedding is written).
_GENERATION = "vector_generation"


def bump_vector_generation(conn: sqlite3.Connection) -> None:
    """Record, inside the open write transaction, that stored embeddings changed."""
    conn.execute(
        "INSERT INTO meta (name, value) VALUES (?, '1') "
        "ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (_GENERATION,),
    )


def vector_generation(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE name = ?", (_GENERATION,)).fetchone()
    return "0" if row is None else str(row[0])


@dataclass
class _Matrix:
    generation: str
    ids: list[str]
    #: numpy array (rows normalised) or, without numpy, a list of normalised arrays.
    rows: Any


class VectorIndex:
    """Per-connection cache of normalised vectors, keyed by (label, dimension)."""

    def __init__(self) -> None:
        self._matrices: dict[tuple[str, int], _Matrix] = {}

    def invalidate(self) -> None:
        """Forget every cached matrix (the next search reads the vectors again)."""
        self._matrices.clear()

    def search(
        self, conn: sqlite3.Connection, vector: Sequence[float], label: Label, limit: int
    ) -> list[tuple[str, float]]:
        query = _normalised_query(vector)
        if limit <= 0:
            return []
        matrix = self._matrix(conn, label, len(query))
        if not matrix.ids:
            return []
        np = _numpy()
        if np is not None:
            scores = matrix.rows @ np.asarray(query, dtype=np.float32)
            count = min(limit, len(scores))
            top = np.argpartition(-scores, count - 1)[:count] if count < len(scores) else None
            candidates = range(len(scores)) if top is None else top.tolist()
            scored = [(float(scores[i]), matrix.ids[i]) for i in candidates]
        else:
            scored = [
                (math.fsum(a * b for a, b in zip(row, query, strict=True)), node_id)
                for row, node_id in zip(matrix.rows, matrix.ids, strict=True)
            ]
        best = heapq.nsmallest(limit, scored, key=lambda hit: (-hit[0], hit[1]))
        return [(node_id, max(-1.0, min(1.0, score))) for score, node_id in best]

    def _matrix(self, conn: sqlite3.Connection, label: Label, dim: int) -> _Matrix:
        # Read before the vectors: a commit in between makes the next search load them again.
        generation = vector_generation(conn)
        cached = self._matrices.get((label.value, dim))
        if cached is not None and cached.generation == generation:
            return cached
        rows = conn.execute(
            "SELECT n.id, v.vec FROM node_labels l "
            "JOIN nodes n ON n.id = l.id JOIN vectors v ON v.key = n.key "
            "WHERE l.label = ? AND length(v.vec) = ?",
            (label.value, dim * 4),
        ).fetchall()
        matrix = _build(generation, rows, dim)
        self._matrices[(label.value, dim)] = matrix
        return matrix


def _build(generation: str, rows: list[tuple[str, bytes]], dim: int) -> _Matrix:
    np = _numpy()
    if np is not None:
        data = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.float32)
        data = data.reshape(len(rows), dim).astype(np.float32)
        norms = np.linalg.norm(data, axis=1)
        keep = norms > 0  # a zero vector has no direction: it cannot be similar to anything
        ids = [node_id for (node_id, _), k in zip(rows, keep.tolist(), strict=True) if k]
        return _Matrix(generation, ids, data[keep] / norms[keep, None])
    ids, vectors = [], []
    for node_id, blob in rows:
        values = array("f")
        values.frombytes(blob)
        norm = math.sqrt(math.fsum(x * x for x in values))
        if norm > 0:
            ids.append(node_id)
            vectors.append([x / norm for x in values])
    return _Matrix(generation, ids, vectors)


def _normalised_query(vector: Sequence[float]) -> list[float]:
    values = [float(x) for x in vector]
    if not values or not all(math.isfinite(x) for x in values):
        raise UsageError("a search vector must be a non-empty list of finite numbers")
    norm = math.sqrt(math.fsum(x * x for x in values))
    if norm == 0:
        raise UsageError("a search vector must not be all zeros")
    return [x / norm for x in values]


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        return None
    return numpy
