"""search(QUERY): hybrid retrieval over memories and commit messages.

Three retrievers each rank candidates:

- fulltext: `store.fulltext_search` over memories (text, rationale, failure fields) and over
  commit messages, with the query's content words (`graphmem.queries.keywords`). Each index
  scores by its own statistics, so raw scores of the two are not comparable: a candidate's
  keyword rank counts among its own kind (the best commit and the best memory are both #1),
  and a strong match in one commit message is never drowned by weak matches in many memories;
- vector: `store.vector_search` with the query's embedding, over memories; hits below
  `MIN_SIMILARITY` cosine are dropped, so an unrelated memory never gets credit just for being
  the least unrelated;
- graph (with `near`): memories governing, and commits that modified, the target or what it
  contains (0 hops), or code within `near_depth` hops of the target (over CALLS, IMPORTS,
  INHERITS, IMPLEMENTS and CONTAINS), ranked by distance, equally near ones tied. It
  only *boosts* candidates the other two found: it never adds one that does not match.

Their ranks are fused with Reciprocal Rank Fusion: score = sum over retrievers of
weight / (RRF_K + rank), rank counted from 1 among the candidates that pass the filters.
RRF needs no score calibration between a BM25 score and a cosine, which is why it is used.
Commit messages have no embedding, so when the vector retriever ran a commit's keyword rank
counts `COMMIT_KEYWORD_WEIGHT` times: otherwise a decision written in a commit could never
outrank a memory that matched it less well but was found twice. Equal scores go to the
candidate more retrievers found, then to the one the keyword ranking met first.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from graphmem.embed.base import Embedder
from graphmem.errors import GraphMemError
from graphmem.memory.governance import ReadScope, containment, governing
from graphmem.memory.quoting import QUOTE_HEADER
from graphmem.memory.targets import resolve_target
from graphmem.model.graph import Label, Node, RelType
from graphmem.queries.keywords import query_terms
from graphmem.queries.results import SearchHitResult, SearchOptions, SearchResult
from graphmem.store.base import Direction, GraphReads, Search, SearchHit

#: The RRF constant from Cormack et al. (2009); it damps the difference between top ranks.
RRF_K = 60
#: Retriever weights in the fusion.
WEIGHTS: Mapping[str, float] = {"fulltext": 1.0, "vector": 1.0, "graph": 1.0}
#: A commit's keyword weight when the vector retriever ran: its keyword rank stands in for the
#: vector rank it cannot have (fulltext + vector). On benchmarks/retrieval.py the ranking is
#: this balance: hybrid R@1 on commit decisions / memories is 0.00 / 0.91 at 1.5, 0.54 / 0.91
#: at 2.0 and 0.68 / 0.00 at 2.5 (a top commit then beats every memory found twice).
COMMIT_KEYWORD_WEIGHT = 2.0
#: Cosine similarity below which a vector hit is not a match (all-MiniLM-L6-v2 scale).
MIN_SIMILARITY = 0.2
#: Candidates fetched per retriever, as a multiple of the limit (filters drop some).
FETCH_FACTOR = 5
MIN_FETCH = 50
#: The most candidates a retriever is asked for when other repositories' crowd the store.
MAX_FETCH = 800
COMMIT = "commit"
NEAR_TYPES = (
    RelType.CALLS,
    RelType.IMPORTS,
    RelType.INHERITS,
    RelType.IMPLEMENTS,
    RelType.CONTAINS,
)


@dataclass
class _Candidate:
    node: Node
    ranks: dict[str, int] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    similarity: float | None = None
    score: float = 0.0
    #: first seen: in the interleaved keyword ranking, then by vector. Equal scores go to the
    #: candidate more retrievers found (evidence before a commit's imputed vector rank), then
    #: to the one seen first.
    order: int = 0


def search(
    scope: ReadScope,
    query: str,
    options: SearchOptions,
    *,
    embedder: Callable[[], Embedder] | None = None,
    near_node: Node | None = None,
) -> SearchResult:
    """Fused search results, best first. `scope` decides branch and user; `options.statuses`
    which statuses are served. It only reads: GraphMem records the receipt."""
    store = scope.store
    reader = scope.with_history()
    text = query.strip()
    notes: list[str] = []
    kinds = {k.lower() for k in options.kinds}
    want_commits = not kinds or COMMIT in kinds
    want_memories = not kinds or bool(kinds - {COMMIT})
    fetch = max(MIN_FETCH, options.limit * FETCH_FACTOR)

    keywords = " ".join(query_terms(text)) or text
    vector: list[float] | None = None
    if text and want_memories and embedder is not None:
        try:
            vector = list(embedder().embed([text])[0])
        except GraphMemError as error:
            notes.append(f"vector search skipped: {error}")
    while True:
        searches = [
            Search(label, fetch, text=keywords)
            for label, wanted in ((Label.MEMORY, want_memories), (Label.COMMIT, want_commits))
            if text and wanted
        ]
        keyword_hits, vector_hits = _retrieve(store, searches, vector, fetch, notes)
        hits = {
            "fulltext": _interleave([[(h.node_id, h.score) for h in f] for f in keyword_hits]),
            "vector": [
                (h.node_id, h.score) for h in vector_hits or () if h.score >= MIN_SIMILARITY
            ],
        }
        ids = list(dict.fromkeys(node_id for found in hits.values() for node_id, _ in found))
        nodes = store.get_nodes(ids, embeddings=False)
        # A store of several repositories (a shared Neo4j database): the candidates are the
        # whole store's best, so when other repositories' took places that were full, look
        # deeper, within a bound, for this repository's own.
        foreign = sum(1 for node in nodes.values() if reader.of_another_repository(node))
        full = any(len(found) >= fetch for found in (*keyword_hits, vector_hits or ()))
        if not (foreign and full) or fetch >= MAX_FETCH:
            break
        fetch = min(MAX_FETCH, fetch * 4)
    vector_ran = vector_hits is not None
    keep = {node_id for node_id, node in nodes.items() if _passes(reader, node, options, kinds)}

    candidates: dict[str, _Candidate] = {}
    counts: dict[str, int] = {}
    for retriever, found in hits.items():
        # Ranks count within each index (a commit's among commits, a memory's among memories).
        index_ranks: dict[bool, int] = {}
        seen: set[str] = set()
        for node_id, score in found:
            if node_id not in keep or node_id in seen:
                continue
            seen.add(node_id)
            is_commit = nodes[node_id].has(Label.COMMIT)
            rank = index_ranks[is_commit] = index_ranks.get(is_commit, 0) + 1
            cand = candidates.setdefault(node_id, _Candidate(nodes[node_id], order=len(candidates)))
            cand.ranks[retriever] = rank
            if retriever == "vector":
                cand.similarity = round(score, 4)
            cand.notes[retriever] = f"{retriever} #{rank}" + (
                f" ({score:.2f})" if retriever == "vector" else ""
            )
        counts[retriever] = len(seen)

    if options.near and near_node is None:
        near_node = resolve_target(store, scope.repo, options.near)
    if near_node is not None and candidates:
        graph_rank = _near_ranks(reader, near_node, set(candidates), options)
        for node_id, (rank, why) in graph_rank.items():
            candidates[node_id].ranks["graph"] = rank
            candidates[node_id].notes["graph"] = f"graph #{rank} ({why})"
        counts["graph"] = len(graph_rank)

    for cand in candidates.values():
        cand.score = _score(cand, vector_ran)
    scored = sorted(candidates.values(), key=lambda c: (-c.score, -len(c.ranks), c.order))[
        : options.limit
    ]
    governs = _anchors(store, [c.node.id for c in scored if c.node.has(Label.MEMORY)])
    results = [_hit(c, governs.get(c.node.id, [])) for c in scored]
    return SearchResult(query=text, hits=results, retrievers=counts, notes=notes)


def _retrieve(
    store: GraphReads,
    searches: list[Search],
    vector: list[float] | None,
    fetch: int,
    notes: list[str],
) -> tuple[list[list[SearchHit]], list[SearchHit] | None]:
    """The keyword searches' hits, and the vector search's (None when it did not run): one
    store step. A vector the store refuses (another model's) leaves the keywords to answer."""
    if vector is not None:
        try:
            *keyword, nearest = store.search_all(
                [*searches, Search(Label.MEMORY, fetch, vector=vector)]
            )
            return keyword, nearest
        except GraphMemError as error:
            notes.append(f"vector search skipped: {error}")
    return store.search_all(searches), None


def _score(candidate: _Candidate, vector_ran: bool) -> float:
    """The fused score (module docstring): when memories could also be found by meaning, a
    commit's keyword rank counts for both text retrievers, since it has no embedding."""
    weights = dict(WEIGHTS)
    if vector_ran and candidate.node.has(Label.COMMIT):
        weights["fulltext"] = COMMIT_KEYWORD_WEIGHT
    return sum(weights.get(r, 1.0) / (RRF_K + rank) for r, rank in candidate.ranks.items())


def _interleave(rankings: list[list[tuple[str, float]]]) -> list[tuple[str, float]]:
    """One ranking from several, taking each one's next best in turn."""
    out = []
    for depth in range(max((len(r) for r in rankings), default=0)):
        out += [ranking[depth] for ranking in rankings if depth < len(ranking)]
    return out


def _passes(reader: ReadScope, node: Node, options: SearchOptions, kinds: set[str]) -> bool:
    if node.has(Label.COMMIT):
        # Commits are history that stays true: served with active memories, not instead of them.
        if (kinds and COMMIT not in kinds) or "active" not in options.statuses:
            return False
        if reader.of_another_repository(node):
            return False
        return _in_window(str(node.get("date") or ""), options)
    if not node.has(Label.MEMORY):
        return False
    if kinds and str(node.get("kind")) not in kinds:
        return False
    if str(node.get("status") or "active") not in options.statuses:
        return False
    # Branch and user rules are the memory layer's, with history allowed so `statuses` decides.
    if not reader.serves(node):
        return False
    return _in_window(str(node.get("created_at") or ""), options)


def _in_window(at: str, options: SearchOptions) -> bool:
    if options.since and (not at or at < options.since):
        return False
    return not (options.until and at and at[: len(options.until)] > options.until)


def _near_ranks(
    reader: ReadScope, target: Node, candidates: set[str], options: SearchOptions
) -> dict[str, tuple[int, str]]:
    """Candidates that govern (memories) or modified (commits) code near `target`, ranked by
    distance. Equally near ones are tied: each gets the rank of the first of them, so the
    graph says "nearer" and never orders a file's fifty commits by their ids."""
    store = reader.store
    # The target and what it contains are where the task is: a memory on a function of the
    # file is as near as a commit on the file (hops still count from the target itself).
    inside = containment(store, [target.id], up=False, down=True).inside(target.id)
    hops = store.traverse([target.id], NEAR_TYPES, Direction.BOTH, max_depth=options.near_depth)
    distance = {**{h.node_id: h.depth for h in hops}, **dict.fromkeys(inside, 0)}
    best: dict[str, int] = {}
    memory_ids = [c for c in candidates if not c.startswith("e-")]
    if memory_ids:
        for gov in governing(
            reader, list(distance), only=candidates, skip_repository=True, with_staleness=False
        ):
            d = min(distance[e] for e in gov.covers)
            best[gov.memory.id] = min(best.get(gov.memory.id, d), d)
    for edge in store.edges(list(distance), [RelType.MODIFIES], Direction.IN):
        if edge.source in candidates:
            d = distance[edge.target]
            best[edge.source] = min(best.get(edge.source, d), d)
    distances = sorted(best.values())
    name = str(target.get("qualified_name") or target.get("path") or target.id)
    return {
        node_id: (bisect_left(distances, d) + 1, f"{d} hops from {name}")
        for node_id, d in best.items()
    }


def _anchors(store: GraphReads, memory_ids: list[str]) -> dict[str, list[str]]:
    if not memory_ids:
        return {}
    linked = store.linked(memory_ids, [RelType.GOVERNS], Direction.OUT)
    out: dict[str, list[str]] = {}
    for edge in linked.edges:
        node = linked.nodes.get(edge.target)
        if node is not None:
            label = node.get("qualified_name") or node.get("path") or "<repository>"
            out.setdefault(edge.source, []).append(str(label))
    return out


def _hit(candidate: _Candidate, governs: list[str]) -> SearchHitResult:
    node = candidate.node
    why = [candidate.notes[r] for r in ("fulltext", "vector", "graph") if r in candidate.notes]
    if node.has(Label.COMMIT):
        return SearchHitResult(
            id=node.id,
            kind=COMMIT,
            text=str(node.get("message") or ""),
            score=round(candidate.score, 6),
            why=why,
            created_at=node.get("date"),
            governs=[str(node.get("sha") or "")],
            ranks=candidate.ranks,
            author=node.get("author"),
        )
    return SearchHitResult(
        id=node.id,
        kind=str(node.get("kind") or "memory"),
        text=str(node.get("text") or ""),
        score=round(candidate.score, 6),
        why=why,
        status=node.get("status"),
        created_at=node.get("created_at"),
        governs=governs,
        ranks=candidate.ranks,
        similarity=candidate.similarity,
        author=node.get("author"),
        source=node.get("source"),
    )


def render_search(result: SearchResult) -> str:
    """Ranked hits, each memory or commit message as a sealed quote (graphmem.memory.quoting)."""
    if not result.hits:
        return f"No memories or commits match {json.dumps(result.query, ensure_ascii=False)}."
    lines = [QUOTE_HEADER]
    for i, hit in enumerate(result.hits, start=1):
        status = f" [{hit.status}]" if hit.status and hit.status != "active" else ""
        lines.append(f"{i:>2}. [{hit.id}] {hit.kind}{status}")
        where = f"governs {', '.join(hit.governs)}; " if hit.governs and hit.kind != COMMIT else ""
        lines.append(f"     {where}score {hit.score:.4f} ({', '.join(hit.why)})")
        lines.extend(f"     {line}" for line in hit.quoted().splitlines())
    lines.extend(f"note: {n}" for n in result.notes)
    return "\n".join(lines)
