"""Recording a memory: redact, resolve targets, de-duplicate, embed, detect conflicts, write.

Everything a remember changes lands in ONE write batch: the memory node (with its anchors),
its GOVERNS edges (each recording the target's content hash and the time), the supersession of
older memories (status, valid_to, SUPERSEDED_BY edges) and the audit events. It all happens or
none of it does.

- Redaction comes first: no field reaches the embedder or the store with a secret in it.
- A memory with no target governs the repository.
- An exact duplicate (same kind, same text once case and spacing are normalised, same targets,
  branch and user) of an active memory is not stored again: the existing one is returned with
  ``created=False``.
- Possible conflicts (see `graphmem.memory.conflicts`) are reported, never acted on.
- Preferences belong to a user: one is required.
- A caller that keeps its own identity for a memory (a document it was read from) passes
  `memory_id` (it must be free; no duplicate check then) and `extra` node properties.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from graphmem.embed.base import Embedder
from graphmem.errors import ConflictError, GraphMemError, Remedy, UsageError
from graphmem.memory.audit import new_event
from graphmem.memory.conflicts import (
    CONFLICT_THRESHOLD,
    WrittenVectors,
    find_conflicts,
    nearest_memories,
    nearest_memories_many,
    nearest_with,
)
from graphmem.memory.redaction import redact_fields
from graphmem.memory.remember_cache import MemoryFacts, RememberCache, remember_cache
from graphmem.memory.results import (
    Anchor,
    RedactionCount,
    RememberResult,
    anchor_properties,
    anchors_of,
)
from graphmem.memory.staleness import governs_edge
from graphmem.memory.supersession import check_supersedable, superseding_changes
from graphmem.memory.targets import repository_node, resolve_targets
from graphmem.model import Memory, MemoryKind, MemoryStatus, Node, now_iso
from graphmem.model.memories import FAILURE_FIELDS, new_memory_id
from graphmem.store import GraphStore, WriteBatch

__all__ = [
    "FAILURE_FIELDS",
    "RememberRequest",
    "fingerprint",
    "remember",
    "remember_many",
    "requests_from_jsonl",
]

#: Texts equal once normalised embed within rounding of each other; anything below is not one.
DUPLICATE_SCORE = 0.95


@dataclass(frozen=True)
class RememberRequest:
    """One memory to record, as `remember` takes it (a line of `remember --batch`)."""

    kind: str
    text: str
    governs: Sequence[str] = ()
    rationale: str | None = None
    source: str | None = None
    tags: Sequence[str] = ()
    branch: str | None = None
    user: str | None = None
    supersedes: Sequence[str] = ()
    failure: Mapping[str, str | None] = field(default_factory=dict)


def remember(
    store: GraphStore,
    repo: str,
    embedder: Embedder,
    kind: MemoryKind | str,
    text: str,
    *,
    governs: Sequence[str] = (),
    rationale: str | None = None,
    source: str | None = None,
    tags: Sequence[str] = (),
    branch: str | None = None,
    user: str | None = None,
    supersedes: Sequence[str] = (),
    author: str | None = None,
    failure: dict[str, str | None] | None = None,
    conflict_threshold: float = CONFLICT_THRESHOLD,
    memory_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> RememberResult:
    """Record one memory (see the module docstring for every rule)."""
    request = RememberRequest(
        str(kind), text, governs, rationale, source, tags, branch, user, supersedes, failure or {}
    )
    prepared = _prepare(store, repo, request)
    [vector] = embedder.embed([prepared.fields["text"]])
    return _record(
        store, repo, prepared, vector, author, conflict_threshold, memory_id=memory_id, extra=extra
    )


def remember_many(
    store: GraphStore,
    repo: str,
    embedder: Embedder,
    requests: Sequence[RememberRequest],
    *,
    author: str | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[RememberResult]:
    """Record several memories by the rules of one `remember` each, duplicates and conflicts
    checked against the store and the memories before them. Every request is checked first (a
    bad one raises, naming its place, before anything is written); texts are embedded a group
    ahead (see `_embedded_groups`); the nearest memories of each group of _GROUP are searched
    in one step (the store as it was when the group began, joined by the group's memories
    written before), and so are free ids for it, which of its targets exist and what the
    checks will ask of the close memories found; then each memory is written as its own
    batch. `on_done(n)`: n recorded so far."""
    prepared = []
    superseded: dict[str, int] = {}
    resolved: dict[tuple[str, ...], list[Node]] = {}
    for number, request in enumerate(requests, 1):
        try:
            prepared.append(_prepare(store, repo, request, resolved))
            for old in request.supersedes:
                if old in superseded:
                    raise UsageError(f"{old} is superseded by memory {superseded[old]} already")
                superseded[old] = number
        except GraphMemError as error:
            error.args = (f"memory {number}: {error}",)
            raise
    results: list[RememberResult] = []
    threshold = min(CONFLICT_THRESHOLD, DUPLICATE_SCORE)
    for group in _embedded_groups(embedder, prepared):
        stored = nearest_memories_many(store, [vector for _, vector in group], threshold)
        free = _fresh_ids(store, [item.kind for item, _ in group])
        targets = [t.id for item, _ in group for t in item.targets]
        present = set(store.get_nodes(targets, embeddings=False))
        close = [mid for hits in stored for mid, score in hits.items() if score >= threshold]
        remember_cache(store).read_ahead(store, close, targets)
        written = WrittenVectors()
        for (item, vector), nearest, free_id in zip(group, stored, free, strict=True):
            nearest = nearest_with(nearest, vector, written, threshold)
            result = _record(
                store,
                repo,
                item,
                vector,
                author,
                CONFLICT_THRESHOLD,
                nearest=nearest,
                free_id=free_id,
                present=present,
            )
            if result.created:
                written.add(result.memory.id, vector)
            results.append(result)
            if on_done is not None:
                on_done(len(results))
    return results


#: Memories whose nearest ones are searched as one store step: each then also meets those of its
#: group written before it. 256 keeps that comparison small and the matrix product efficient.
_GROUP = 256


def _embedded_groups(
    embedder: Embedder, prepared: Sequence[_Prepared]
) -> Iterator[list[tuple[_Prepared, list[float]]]]:
    """The requests in groups of _GROUP with their vectors, the next group embedded on a
    second thread while this one is checked and written: the forward pass runs in numpy and
    BLAS, which release the GIL, so the model and the recording share two cores instead of
    taking turns on one."""
    groups = [prepared[start : start + _GROUP] for start in range(0, len(prepared), _GROUP)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphmem-embed") as pool:
        ahead = [pool.submit(embedder.embed, [p.fields["text"] for p in g]) for g in groups[:1]]
        for number, group in enumerate(groups):
            vectors = ahead.pop().result()
            if number + 1 < len(groups):
                texts = [p.fields["text"] for p in groups[number + 1]]
                ahead.append(pool.submit(embedder.embed, texts))
            yield list(zip(group, vectors, strict=True))


_REQUEST_KEYS = {"kind", "text", "governs", "rationale", "source", "tags", "branch", "user"}
_REQUEST_KEYS |= {"supersedes", *FAILURE_FIELDS}


def requests_from_jsonl(lines: Iterable[str]) -> list[RememberRequest]:
    """`remember --batch`'s file: one JSON object a line, with the keys of `remember`'s options
    (`kind`, `text`, `governs`, `rationale`, `source`, `tags`, `branch`, `user`, `supersedes`,
    and a failure's `symptom`, `cause`, `fix`, `test`, `commit`); blank lines are skipped."""
    requests = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise UsageError(f"line {number} is not JSON ({error.msg})") from None
        if not isinstance(item, dict):
            raise UsageError(f"line {number} is not a JSON object")
        if unknown := sorted(set(item) - _REQUEST_KEYS):
            raise UsageError(f"line {number}: unknown key(s) {', '.join(unknown)}")
        if not isinstance(item.get("kind"), str) or not isinstance(item.get("text"), str):
            raise UsageError(f'line {number} needs a "kind" and a "text" (strings)')
        for key in ("rationale", "source", "branch", "user", *FAILURE_FIELDS):
            if item.get(key) is not None and not isinstance(item[key], str):
                raise UsageError(f"line {number}: {key!r} is a string")

        def strings(key: str, item: dict[str, Any] = item, number: int = number) -> list[str]:
            value = item.get(key) or []
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"line {number}: {key!r} is a string or a list of strings")
            return value

        requests.append(
            RememberRequest(
                kind=item["kind"],
                text=item["text"],
                governs=strings("governs"),
                rationale=item.get("rationale"),
                source=item.get("source"),
                tags=strings("tags"),
                branch=item.get("branch"),
                user=item.get("user"),
                supersedes=strings("supersedes"),
                failure={k: item.get(k) for k in FAILURE_FIELDS},
            )
        )
    return requests


@dataclass(frozen=True)
class _Prepared:
    """A request checked and redacted, its targets resolved: all that comes before embedding."""

    kind: MemoryKind
    fields: dict[str, Any]
    redactions: list[RedactionCount]
    targets: list[Node]
    anchors: list[Anchor]
    olds: list[Node]
    branch: str | None
    user: str | None
    supersedes: bool


def _prepare(
    store: GraphStore,
    repo: str,
    request: RememberRequest,
    resolved: dict[tuple[str, ...], list[Node]] | None = None,
) -> _Prepared:
    """`resolved`: the targets of the requests prepared before, by their `governs`, when
    nothing is written in between (a batch names the same targets again and again)."""
    kind = _kind(request.kind)
    failure = {k: v for k, v in request.failure.items() if v}
    if unknown := set(failure) - set(FAILURE_FIELDS):
        raise UsageError(f"unknown failure field(s): {', '.join(sorted(unknown))}")
    if failure and kind != MemoryKind.FAILURE:
        raise UsageError(f"--{next(iter(failure))} is only for failures (kind 'failure')")
    user = request.user
    if kind == MemoryKind.PREFERENCE and not user:
        raise UsageError(
            "a preference belongs to a user, and no user was given", remedy=Remedy("name-user")
        )
    if kind != MemoryKind.PREFERENCE:
        user = None
    fields, redactions = redact_fields(
        {
            "text": request.text.strip(),
            "rationale": request.rationale,
            "source": request.source,
            "tags": [t.strip() for t in request.tags if t.strip()],
            **failure,
        }
    )
    if not fields["text"]:
        raise UsageError("a memory needs some text")
    governs = tuple(request.governs)
    targets = resolved.get(governs) if resolved is not None else None
    if targets is None:
        targets = resolve_targets(store, repo, list(governs)) if governs else []
        if not targets:
            targets = [repository_node(store, repo)]
        if resolved is not None:
            resolved[governs] = targets
    return _Prepared(
        kind=kind,
        fields=fields,
        redactions=redactions,
        targets=list(targets),
        anchors=[Anchor.of(t) for t in targets],
        olds=check_supersedable(store, repo, request.supersedes),
        branch=request.branch,
        user=user,
        supersedes=bool(request.supersedes),
    )


def _record(
    store: GraphStore,
    repo: str,
    prepared: _Prepared,
    vector: Sequence[float],
    author: str | None,
    conflict_threshold: float,
    *,
    memory_id: str | None = None,
    extra: dict[str, Any] | None = None,
    nearest: dict[str, float] | None = None,
    free_id: str | None = None,
    present: set[str] | None = None,
) -> RememberResult:
    """Check for a duplicate and conflicts, then write the memory in one batch. `nearest`: its
    nearest memories, if already searched; `free_id`: an id found free for it; `present`: ids
    of its targets known to exist (those it writes join them)."""
    kind, fields, anchors, olds = prepared.kind, prepared.fields, prepared.anchors, prepared.olds
    branch, user, redactions = prepared.branch, prepared.user, prepared.redactions
    print_ = fingerprint(kind, fields["text"])
    cache = remember_cache(store)
    if nearest is None:  # the checks below read only the memories this close
        nearest = nearest_memories(store, vector, min(conflict_threshold, DUPLICATE_SCORE))

    if memory_id is not None and store.get_node(memory_id) is not None:
        raise ConflictError(f"memory id {memory_id} is already taken")
    if not prepared.supersedes and memory_id is None:
        existing = _duplicate(store, cache, nearest, repo, kind, print_, anchors, branch, user)
        if existing is not None:
            return RememberResult(
                memory=Memory.from_node(existing),
                anchors=anchors_of(existing),
                created=False,
                duplicate_of=existing.id,
                redactions=redactions,
            )

    memory_id = memory_id or free_id or _fresh_ids(store, [kind])[0]
    conflicts = find_conflicts(
        store,
        repo,
        vector,
        [a.entity_id for a in anchors],
        kind=kind,
        branch=branch,
        user=user,
        exclude=[o.id for o in olds],
        new_id=memory_id,
        threshold=conflict_threshold,
        nearest=nearest,
        cache=cache,
    )

    at = now_iso()
    memory = Memory(
        id=memory_id,
        kind=kind,
        created_at=at,
        valid_from=at,
        author=author,
        repo=repo,
        branch=branch or None,
        user=user,
        **fields,
    )
    node = memory.to_node(embedding=list(vector))
    props = {
        **node.properties,
        **anchor_properties(anchors),
        "fingerprint": print_,
        **(extra or {}),
    }
    written = Node(id=node.id, labels=node.labels, properties=props)
    batch = WriteBatch(upsert_nodes=[written])
    if present is None:
        present = set(store.get_nodes([t.id for t in prepared.targets], embeddings=False))
    absent = [t for t in prepared.targets if t.id not in present]  # an un-ingested repository
    batch.upsert_nodes += absent
    batch.upsert_edges += [governs_edge(memory_id, a, at) for a in anchors]
    details: dict[str, Any] = {
        "kind": kind.value,
        "targets": [a.entity_id for a in anchors],
        "conflicts": {c.memory_id: c.score for c in conflicts},
        "redactions": {r.type: r.count for r in redactions},
    }
    batch.upsert_nodes.append(new_event("remember", repo, author, [memory_id], details, at=at))
    if olds:
        superseding = superseding_changes(olds, memory_id, at)
        batch.set_properties.update(superseding.set_properties)
        batch.upsert_edges += superseding.upsert_edges
        batch.expect.update(superseding.expect)
        old_ids = [o.id for o in olds]
        batch.upsert_nodes.append(
            new_event(
                "supersede",
                repo,
                author,
                [*old_ids, memory_id],
                {"old": old_ids, "new": memory_id},
                at=at,
            )
        )
    before = store.data_version()
    store.write(batch)
    present.update(t.id for t in absent)
    cache.remembered(
        before,
        store.data_version(),
        {memory_id: MemoryFacts.of(written, [a.entity_id for a in anchors])},
        superseded=[o.id for o in olds],
    )
    return RememberResult(
        memory=memory,
        anchors=anchors,
        created=True,
        conflicts=conflicts,
        superseded=[o.id for o in olds],
        redactions=redactions,
    )


def fingerprint(kind: MemoryKind, text: str) -> str:
    """Identifies the same statement: kind plus text, case-folded, spacing and final dot ignored."""
    normal = re.sub(r"\s+", " ", text.casefold()).strip().rstrip(".").strip()
    return hashlib.sha256(f"{kind.value}\0{normal}".encode()).hexdigest()[:32]


def _kind(kind: MemoryKind | str) -> MemoryKind:
    try:
        return MemoryKind(str(kind).lower())
    except ValueError:
        choices = ", ".join(k.value for k in MemoryKind)
        raise UsageError(f"unknown memory kind {kind!r}: use one of {choices}") from None


def _duplicate(
    store: GraphStore,
    cache: RememberCache,
    nearest: dict[str, float],
    repo: str,
    kind: MemoryKind,
    print_: str,
    anchors: list[Anchor],
    branch: str | None,
    user: str | None,
) -> Node | None:
    """An active memory saying the same thing on the same targets. The same normalised text
    embeds to (nearly) the same vector, so it is among the nearest memories, scoring ~1. Its
    cached facts pick it out; the node itself is read and checked afresh."""
    close = [mid for mid, score in nearest.items() if score >= DUPLICATE_SCORE]
    wanted = sorted(a.entity_id for a in anchors)
    facts = cache.memories(store, close) if close else {}
    same = [m for m in close if m in facts and facts[m].fingerprint == print_]
    if not same:
        return None
    nodes = store.get_nodes(same, embeddings=False)
    for mid in same:
        node = nodes.get(mid)
        if (
            node is not None
            and node.get("fingerprint") == print_
            and node.get("repo") == repo
            and node.get("kind") == kind.value
            and node.get("status") == MemoryStatus.ACTIVE
            and sorted(a.entity_id for a in anchors_of(node)) == wanted
            and (node.get("branch") or None) == (branch or None)
            and (node.get("user") or None) == user
        ):
            return node
    return None


def _fresh_ids(store: GraphStore, kinds: Sequence[MemoryKind]) -> list[str]:
    """A free id for each kind, all different, the store asked once (a retry is rare)."""
    ids = [new_memory_id(kind) for kind in kinds]
    for _ in range(20):
        taken = store.get_nodes(ids, embeddings=False).keys()
        seen: set[str] = set()
        clashes = []
        for at, candidate in enumerate(ids):
            if candidate in taken or candidate in seen:
                clashes.append(at)
            seen.add(candidate)
        if not clashes:
            return ids
        for at in clashes:
            ids[at] = new_memory_id(kinds[at])
    raise UsageError("could not find a free memory id")  # 2^32 ids per kind: never in practice
