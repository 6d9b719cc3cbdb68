"""prompt(--task, --files, --budget): a Markdown context pack for an LLM, within a token budget.

In priority order:

1. the memories that govern the files (their own, their directories', and their contents'),
   from `graphmem.memory.governance.governing`: those on the files or inside them before those
   on their directories, and within each, the most relevant to the task (its `search` rank);
2. related memories and commit messages, in `search` order on the task text, boosted near the
   first file: a commit when it touched the files or is among the `RELATED_KEYWORD_RANK` best
   keyword matches (a commit that states a rule is often the most important memory there is),
   quoted as its SHA, subject and first paragraph; a memory when its embedding is at least
   `RELATED_SIMILARITY` from the task's, or it governs code near the files and was found by
   meaning too (search's graph retriever reaches two hops: nearness alone is not relevance);
3. the repository-wide memories: true everywhere, so the least specific to the task;
4. a ranked map of relevant code: personalised PageRank (networkx) over the CALLS / IMPORTS /
   INHERITS neighbourhood (2 hops) of the files and what they contain; without files, of the
   code the related memories govern.

Items are added greedily in that order while the pack stays within the budget, counted with a
real tokenizer (see `graphmem.queries.tokens`). Every item cites its memory or entity id. The
same store and input always give the same pack: every ordering has an id tie-break.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import networkx as nx

from graphmem.embed.base import Embedder
from graphmem.errors import NotFoundError
from graphmem.memory.governance import ReadScope, applying_to, containment, governing
from graphmem.memory.quoting import QUOTE_HEADER, one_line, quote_commit, quote_node
from graphmem.memory.targets import resolve_target
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.queries.results import (
    EntityRef,
    MemoryRef,
    PromptPack,
    SearchHitResult,
    SearchOptions,
)
from graphmem.queries.search import search
from graphmem.queries.tokens import TokenCounter, default_counter
from graphmem.store.base import Direction, GraphReads

DEFAULT_BUDGET = 4000
#: Personalised PageRank: damping, tolerance, iterations; heuristic calls count half.
PAGERANK_ALPHA = 0.85
PAGERANK_TOL = 1e-10
PAGERANK_MAX_ITER = 200
HEURISTIC_WEIGHT = 0.5
NEIGHBOURHOOD_DEPTH = 2
NEIGHBOURHOOD_LIMIT = 5000
MAX_CODE_ITEMS = 40
RELATED_LIMIT = 10
#: cosine (all-MiniLM-L6-v2) from which a memory found by meaning alone counts as related
RELATED_SIMILARITY = 0.35
#: keyword rank up to which a commit message found by words alone counts as related
RELATED_KEYWORD_RANK = 3
#: longest commit message quoted in full: its subject and first paragraph, cut at a word
COMMIT_CHARS = 400
CODE_TYPES = (RelType.CALLS, RelType.IMPORTS, RelType.INHERITS, RelType.IMPLEMENTS)


@dataclass
class _Item:
    section: str
    text: str
    memory_id: str | None = None
    entity_id: str | None = None
    #: how general a governing memory is: 0 on the files or inside them, 1 on a directory
    tier: int = 0


def build_prompt(
    scope: ReadScope,
    task: str,
    files: Sequence[str] = (),
    budget: int = DEFAULT_BUDGET,
    *,
    embedder: Callable[[], Embedder] | None = None,
    counter: TokenCounter | None = None,
) -> PromptPack:
    """The context pack for `task` (see the module docstring). It only reads: GraphMem records
    the retrieval receipt of the memories it cites."""
    store, repo = scope.store, scope.repo
    counter = counter or default_counter()
    targets: list[Node] = []
    unknown: list[str] = []
    for text in files:
        try:
            node = resolve_target(store, repo, text)
        except NotFoundError:
            unknown.append(text)
            continue
        if node.id not in {t.id for t in targets}:
            targets.append(node)

    items: list[_Item] = []
    seen_memories: set[str] = set()
    tree = containment(store, [t.id for t in targets], up=True, down=True)
    served_all = governing(scope, [t.id for t in targets], down=True, tree=tree)
    for target in targets:
        name = _name(target)
        for served, app in applying_to(served_all, target.id):
            m = served.memory
            if m.id in seen_memories:
                continue
            seen_memories.add(m.id)
            how = {"self": "on", "ancestor": "on", "descendant": "inside"}[app.relation]
            where = f"{how} `{app.entity}`" + (
                f" (applies to `{name}`)" if app.relation != "self" else ""
            )
            flags = _flags(served.staleness.possibly_stale, served.staleness.orphaned)
            line = f"- **{m.kind.value}** [{m.id}] — {where}{flags}\n" + _indented(
                MemoryRef.from_memory(m).quoted()
            )
            section = "general" if app.entity_kind == "Repository" else "governing"
            tier = int(app.relation == "ancestor")
            items.append(_Item(section, line, memory_id=m.id, tier=tier))

    related = search(
        scope,
        task,
        SearchOptions(limit=RELATED_LIMIT, branch=scope.branch, user=scope.user),
        embedder=embedder,
        near_node=targets[0] if targets else None,
    )
    relevance = {hit.id: rank for rank, hit in enumerate(related.hits)}
    # On the files (or inside them) before on their directories; then most relevant first.
    items.sort(key=lambda i: (i.section, i.tier, relevance.get(i.memory_id or "", RELATED_LIMIT)))
    inside = sorted({n for t in targets for n in tree.inside(t.id)})
    touched = {e.source for e in store.edges(inside, [RelType.MODIFIES], Direction.IN)}
    hit_nodes = store.get_nodes([hit.id for hit in related.hits])
    for hit in related.hits:
        if hit.id in seen_memories or not _is_related(hit, touched) or hit.id not in hit_nodes:
            continue
        seen_memories.add(hit.id)
        if hit.kind == "commit":
            items.append(_Item("related", _commit_item(hit_nodes[hit.id], hit.id in touched)))
            continue
        quoted = _indented(quote_node(hit_nodes[hit.id]))
        where = f" — on {', '.join(f'`{g}`' for g in hit.governs)}" if hit.governs else ""
        line = f"- **{hit.kind}** [{hit.id}]{where}\n{quoted}"
        items.append(_Item("related", line, memory_id=hit.id))
    items.sort(key=lambda item: _SECTION_ORDER.index(item.section))

    if targets:
        seeds = sorted({n for t in targets for n in tree.inside(t.id)})
        hide = {t.id for t in targets if t.has(Label.MODULE) or t.has(Label.DIRECTORY)}
    else:
        anchored = store.edges([h.id for h in related.hits], [RelType.GOVERNS], Direction.OUT)
        seeds = sorted({e.target for e in anchored})
        hide = set()
    for node, score in code_map(store, seeds, hide):
        ref = EntityRef.from_node(node)
        span = f":{ref.start_line}-{ref.end_line}" if ref.start_line and ref.end_line else ""
        items.append(
            _Item(
                "code",
                f"- `{one_line(ref.qualified_name)}` {ref.kind.lower()}, "
                f"{one_line(ref.path)}{span} [{ref.id}] ({score:.3f})",
                entity_id=ref.id,
            )
        )

    markdown, chosen, omitted = _assemble(task, unknown, items, budget, counter)
    memory_ids = [i.memory_id for i in chosen if i.memory_id]
    entity_ids = [i.entity_id for i in chosen if i.entity_id]
    return PromptPack(
        task=task,
        markdown=markdown,
        tokens=counter.count(markdown),
        budget=budget,
        tokenizer=counter.name,
        memory_ids=memory_ids,
        entity_ids=entity_ids,
        omitted=omitted,
    )


def code_map(
    store: GraphReads,
    seeds: Sequence[str],
    hide: Collection[str] = frozenset(),
    limit: int = MAX_CODE_ITEMS,
) -> list[tuple[Node, float]]:
    """Code ranked by personalised PageRank from `seeds` over their dependency neighbourhood."""
    if not seeds:
        return []
    hops = store.traverse(
        seeds, CODE_TYPES, Direction.BOTH, NEIGHBOURHOOD_DEPTH, NEIGHBOURHOOD_LIMIT
    )
    members = sorted(set(seeds) | {h.node_id for h in hops})
    member_set = set(members)
    graph = nx.DiGraph()
    graph.add_nodes_from(members)
    for edge in sorted(store.edges(members, CODE_TYPES, Direction.OUT), key=lambda e: e.key):
        if edge.target in member_set and edge.source != edge.target:
            weight = _weight(edge)
            # Relevance flows both ways: a caller of the file matters as much as a callee.
            for a, b in ((edge.source, edge.target), (edge.target, edge.source)):
                graph.add_edge(
                    a, b, weight=max(weight, graph.get_edge_data(a, b, {}).get("weight", 0))
                )
    personal = dict.fromkeys(seeds, 1.0)
    ranks: dict[str, float] = nx.pagerank(
        graph,
        alpha=PAGERANK_ALPHA,
        personalization=personal,
        tol=PAGERANK_TOL,
        max_iter=PAGERANK_MAX_ITER,
        weight="weight",
        dangling=personal,
    )
    nodes = store.get_nodes(members)
    ordered = sorted(
        (
            (nodes[node_id], score)
            for node_id, score in ranks.items()
            if node_id in nodes
            and node_id not in hide
            and not any(nodes[node_id].has(x) for x in (Label.DIRECTORY, Label.REPOSITORY))
        ),
        key=lambda pair: (-round(pair[1], 9), pair[0].id),
    )
    return ordered[:limit]


def _weight(edge: Edge) -> float:
    return HEURISTIC_WEIGHT if edge.properties.get("resolution") == "heuristic" else 1.0


_TITLES = {
    "governing": "## Memories governing these files",
    "related": "## Related memories and commits",
    "general": "## Repository-wide memories",
    "code": "## Relevant code (ranked)",
}
#: the order the budget is spent in (and the sections are shown)
_SECTION_ORDER = list(_TITLES)


def _is_related(hit: SearchHitResult, touched: Collection[str]) -> bool:
    """A commit that touched the files or is a top keyword match; a memory close in meaning,
    or governing code near the files (search's graph retriever) and found by meaning at all."""
    if hit.kind == "commit":
        return hit.id in touched or hit.ranks.get("fulltext", 99) <= RELATED_KEYWORD_RANK
    if hit.similarity is None:
        return False
    return hit.similarity >= RELATED_SIMILARITY or "graph" in hit.ranks


#: A paragraph of a commit message that says nothing of the change: blank, a rule line, or
#: git trailers (`Co-authored-by: ...`, `Signed-off-by: ...`). Possessive: with `\n?` a newline
#: could end one trailer or start the next, and a failing match (trailers, then `Cc: ...`) tried
#: every split, twice as many per line (20 kernel-style trailers took 3 s).
_NOT_PROSE = re.compile(r"\s*|[-=*_~\s]+|(?:\s*+[A-Z][\w-]*-by: [^\n]*+)++\s*+")


def _commit_item(node: Node, touched: bool) -> str:
    """A commit as its SHA, its subject and the first paragraph of its body (where the why
    usually is), at most COMMIT_CHARS; a longer message is marked shortened."""
    sha = str(node.get("sha") or node.id)
    message = str(node.get("message") or "").strip()
    paragraphs = [p.strip() for p in message.split("\n\n") if not _NOT_PROSE.fullmatch(p)]
    kept = "\n\n".join(paragraphs[:2])
    if len(kept) > COMMIT_CHARS:
        kept = kept[:COMMIT_CHARS].rsplit(" ", 1)[0] + " …"
    notes = [
        n for n, on in (("touched these files", touched), ("shortened", kept != message)) if on
    ]
    suffix = f" ({', '.join(notes)})" if notes else ""
    quoted = _indented(quote_commit(kept, sha, node.get("author")))
    return f"- **commit** {sha[:12]} [{node.id}]{suffix}\n{quoted}"


def _indented(quote: str) -> str:
    """A quote as the body of a Markdown list item."""
    return "\n".join(f"  {line}" for line in quote.splitlines())


def _assemble(
    task: str,
    unknown: Sequence[str],
    items: Sequence[_Item],
    budget: int,
    counter: TokenCounter,
) -> tuple[str, list[_Item], int]:
    """Greedy, in priority order: an item that does not fit is skipped, a smaller later one
    may still be added. Token counts of newline-joined parts add up (WordPiece splits on
    whitespace), and the final document is re-counted to make sure."""
    header = [f"# Context pack\n\nTask: {_one_line(task)}\n\n{QUOTE_HEADER}"]
    if unknown:
        header.append(f"Not in the code graph (new or not ingested): {', '.join(unknown)}")
    head = "\n\n".join(header)
    used = counter.count(head)
    if used > budget:
        words = head.split()
        while words and counter.count(" ".join(words)) > budget:
            words = words[: max(0, len(words) - max(1, len(words) // 8))]
        return " ".join(words), [], len(items)
    chosen: list[_Item] = []
    open_sections: set[str] = set()
    omitted = 0
    for item in items:
        cost = counter.count(item.text)
        if item.section not in open_sections:
            cost += counter.count(_TITLES[item.section])
        if used + cost > budget:
            omitted += 1
            continue
        used += cost
        open_sections.add(item.section)
        chosen.append(item)
    markdown = _render(head, chosen)
    while chosen and counter.count(markdown) > budget:
        chosen.pop()
        omitted += 1
        markdown = _render(head, chosen)
    return markdown, chosen, omitted


def _render(head: str, chosen: Sequence[_Item]) -> str:
    parts = [head]
    for section, title in _TITLES.items():
        lines = [i.text for i in chosen if i.section == section]
        if lines:
            parts.append(title + "\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _flags(stale: bool, orphaned: bool) -> str:
    marks = [m for m, on in (("orphaned", orphaned), ("possibly stale", stale)) if on]
    return f" ({', '.join(marks)})" if marks else ""


def _name(node: Node) -> str:
    return one_line(
        str(
            node.get("path")
            if node.has(Label.MODULE)
            else node.get("qualified_name") or node.get("path")
        )
    )
