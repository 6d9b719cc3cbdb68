"""What remember's duplicate and conflict checks know of memories and code, kept between calls.

Each remember compares the new memory with its nearest memories by vector (up to 200): their
kind, status, repository, branch, user, fingerprint and anchors, the entities they govern, and
where those entities sit in the CONTAINS tree. Read afresh every time, that is 200 memory nodes
decoded, their GOVERNS edges and a containment walk: about 25 ms a remember once a store holds
10,000 near-duplicate memories, four fifths of its cost. These facts change rarely, so one
`RememberCache` per store keeps them:

- it is valid at one `GraphStore.data_version()`, checked at the start of every remember: a
  commit by anyone else (another process, another write of this process) empties it, and what
  is needed is read again, for the memories asked about only (never a re-read of the store);
- remember's own write updates it in place (`remembered`): the new memory's facts, and the
  status of the memories it supersedes;
- a store without a data version (Neo4j) gets a fresh cache per remember: the same reads as
  before, in fewer calls.

A fact can be stale only when another process commits in the instant between a remember's
last version check and its write (the cache then takes that commit for its own). So what a
check returns is read afresh: the duplicate it names, and the conflicts it reports (their text,
status, repository, branch and user); a stale fact can hide a report or misjudge its scope,
never report an inactive memory or name a wrong duplicate. Facts hold no memory text, so a purge
(a write) leaves nothing behind here.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from graphmem.memory.governance import containment
from graphmem.memory.results import entity_label
from graphmem.model import Label, MemoryKind, MemoryStatus, Node, RelType
from graphmem.store import Direction, GraphStore

__all__ = ["MemoryFacts", "RememberCache", "remember_cache"]


@dataclass(frozen=True, slots=True)
class MemoryFacts:
    """A memory as the checks see it: who it is for, what it says (as a fingerprint) and what it
    governs (the GOVERNS targets) or is anchored on (its recorded anchors)."""

    is_memory: bool
    repo: str | None
    kind: str | None
    status: str | None
    branch: str | None
    user: str | None
    fingerprint: str | None
    anchored: tuple[str, ...]
    governs: tuple[str, ...]

    @classmethod
    def of(cls, node: Node, governs: Iterable[str]) -> MemoryFacts:
        props = node.properties
        return cls(
            is_memory=_MEMORY in node.labels,
            repo=props.get("repo"),
            kind=props.get("kind"),
            status=props.get("status"),
            branch=props.get("branch") or None,
            user=props.get("user") or None,
            fingerprint=props.get("fingerprint"),
            anchored=tuple(sorted(map(str, props.get("anchor_ids") or ()))),
            governs=tuple(sorted(set(governs))),
        )

    def comparable(self, repo: str, kind: MemoryKind, branch: str | None, user: str | None) -> bool:
        """Whether a memory with these facts may conflict with a new one of `kind` in `repo`
        for `branch` and `user`: active, same repository, a branch that can meet, and
        preferences only of the same user."""
        if not self.is_memory or self.repo != repo or self.status != _ACTIVE:
            return False
        if self.branch and branch and self.branch != branch:
            return False
        return not (self.kind == _PREFERENCE and self.user != user)


# Read once: reading an Enum member off its class costs more than the whole comparison.
_ACTIVE = MemoryStatus.ACTIVE.value
_PREFERENCE = MemoryKind.PREFERENCE.value
_MEMORY = Label.MEMORY


class RememberCache:
    """Facts of memories and entities valid at `version` (see the module docstring)."""

    #: Entries kept at most (a store of 100k memories and their code); beyond, it starts over.
    LIMIT = 250_000

    def __init__(self, version: Hashable | None) -> None:
        self.version = version
        self._memories: dict[str, MemoryFacts] = {}
        self._above: dict[str, frozenset[str]] = {}
        self._labels: dict[str, str] = {}

    def memories(self, store: GraphStore, ids: Sequence[str]) -> dict[str, MemoryFacts]:
        """Facts of the nodes among `ids` that exist, reading only those not known yet: their
        GOVERNS edges with the nodes on them in one step, and any left (a memory governing
        nothing) by id."""
        known = {i: f for i in ids if (f := self._memories.get(i)) is not None}
        if len(known) == len(ids):
            return known
        missing = [i for i in ids if i not in known]
        linked = store.linked(missing, [RelType.GOVERNS], Direction.OUT)
        governs: dict[str, list[str]] = {}
        for edge in linked.edges:
            governs.setdefault(edge.source, []).append(edge.target)
        rest = [i for i in missing if i not in governs]
        nodes = {**linked.nodes, **(store.get_nodes(rest, embeddings=False) if rest else {})}
        read = {i: MemoryFacts.of(nodes[i], governs.get(i, ())) for i in missing if i in nodes}
        labels = {i: _label(n) for i, n in linked.nodes.items() if n.has(Label.CODE_ENTITY)}
        if self._keep(store, len(read) + len(labels)):
            self._memories.update(read)
            self._labels.update(labels)
        return {i: (known.get(i) or read[i]) for i in ids if i in known or i in read}

    def read_ahead(
        self, store: GraphStore, memory_ids: Iterable[str], entity_ids: Iterable[str]
    ) -> None:
        """Read now, in one step each, what the remembers of a batch will ask: the facts of
        `memory_ids`, and what contains `entity_ids` and the entities those memories govern.
        Nothing for a cache that serves one remember (it would be read again anyway)."""
        if self.version is None:
            return
        facts = self.memories(store, list(dict.fromkeys(memory_ids)))
        governed = [t for fact in facts.values() for t in fact.governs]
        self.ancestors(store, [*entity_ids, *governed])

    def ancestors(self, store: GraphStore, entity_ids: Iterable[str]) -> dict[str, frozenset[str]]:
        """Everything that contains each entity (CONTAINS walked up), one walk for those not
        known yet."""
        wanted = list(dict.fromkeys(entity_ids))
        with contextlib.suppress(KeyError):  # all known: the usual case once a batch is going
            return {e: self._above[e] for e in wanted}
        known = {e: a for e in wanted if (a := self._above.get(e)) is not None}
        missing = [e for e in wanted if e not in known]
        tree = containment(store, missing)
        read = {e: frozenset(tree.above(e)) for e in missing}
        if self._keep(store, len(read)):
            self._above.update(read)
        return {**known, **read}

    def labels(self, store: GraphStore, entity_ids: Iterable[str]) -> dict[str, str]:
        """How each entity is named in a conflict report (`entity_label`), its id if gone."""
        wanted = list(dict.fromkeys(entity_ids))
        missing = [e for e in wanted if e not in self._labels]
        read: dict[str, str] = {}
        if missing:
            found = store.get_nodes(missing, embeddings=False)
            read = {e: _label(found[e]) for e in missing if e in found}
            if self._keep(store, len(read)):
                self._labels.update(read)
        return {e: read.get(e) or self._labels.get(e, e) for e in wanted}

    def remembered(
        self,
        before: Hashable | None,
        after: Hashable | None,
        facts: Mapping[str, MemoryFacts],
        superseded: Iterable[str] = (),
    ) -> None:
        """After a remember's own write, which moved the data version from `before` to
        `after`: if the cache was current just before it, it is current after, with `facts`
        for the memories written and `superseded` ones marked so; else it is emptied."""
        if before is None or before != self.version:
            self._clear(after)
            return
        self.version = after
        self._make_room(len(facts))
        self._memories.update(facts)
        for memory_id in superseded:
            known = self._memories.get(memory_id)
            if known is not None:
                self._memories[memory_id] = replace(known, status=MemoryStatus.SUPERSEDED.value)

    def _keep(self, store: GraphStore, adding: int) -> bool:
        """Whether what was just read may be kept: only if nothing was committed while it was
        read (another thread's write, say), and within LIMIT. A cache without a version serves
        one remember: it keeps all."""
        if self.version is None:
            return True
        if store.data_version() != self.version:
            return False
        self._make_room(adding)
        return True

    def _make_room(self, adding: int) -> None:
        if len(self._memories) + len(self._above) + len(self._labels) + adding > self.LIMIT:
            self._clear(self.version)

    def _clear(self, version: Hashable | None) -> None:
        self.version = version
        self._memories.clear()
        self._above.clear()
        self._labels.clear()


def _label(node: Node) -> str:
    return entity_label(
        str(node.get("kind") or ""),
        str(node.get("path") or ""),
        str(node.get("qualified_name") or ""),
    )


_LOCK = threading.Lock()
_CACHES: weakref.WeakKeyDictionary[GraphStore, RememberCache] = weakref.WeakKeyDictionary()


def remember_cache(store: GraphStore) -> RememberCache:
    """The store's cache, emptied if the store changed since it was filled; a new one for
    each call on a store without a data version. Keyed by the store object (weakly): a closed
    and collected store takes its cache with it."""
    version = store.data_version()
    if version is None:
        return RememberCache(None)
    with _LOCK:
        cache = _CACHES.get(store)
        if cache is None:
            cache = _CACHES[store] = RememberCache(version)
        elif cache.version != version:
            cache._clear(version)
        return cache
