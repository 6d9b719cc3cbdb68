"""What each JSON endpoint of the viewer answers, as plain functions over a GraphMem.

Every answer comes from the public API (or the store's backend-neutral reads), so the viewer
shows the same thing on the embedded store and on Neo4j. One API call per panel: the tree's
badges come from a single `governing_many` over every module.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from graphmem.api import GraphMem
from graphmem.cli.output import to_jsonable
from graphmem.errors import GraphMemError, UsageError
from graphmem.model import Label


def tree(gm: GraphMem) -> dict[str, Any]:
    """Directories and modules of the repository; per module, how many active memories govern
    it (itself, an ancestor or something inside it) and how many of those are possibly stale."""
    where = {"repo": gm.repo}
    directories = gm.store.find_nodes(Label.DIRECTORY, where)
    modules = gm.store.find_nodes(Label.MODULE, where)
    active: Counter[str] = Counter()
    stale: Counter[str] = Counter()
    for served in gm.governing_many([m.id for m in modules], down=True):
        if served.memory.status.value != "active":
            continue
        possibly_stale = served.staleness.possibly_stale or served.staleness.orphaned
        for subject in {a.subject for a in served.applies}:
            active[subject] += 1
            stale[subject] += possibly_stale
    return {
        "repo": gm.repo,
        "directories": sorted(str(d.get("path") or "") for d in directories),
        "modules": [
            {
                "id": m.id,
                "path": str(m.get("path") or ""),
                "qualified_name": str(m.get("qualified_name") or ""),
                "memories": active[m.id],
                "possibly_stale": stale[m.id],
            }
            for m in sorted(modules, key=lambda m: str(m.get("path") or ""))
        ],
    }


def search(gm: GraphMem, query: str) -> dict[str, Any]:
    """The hybrid search over memories and commits, and the code entity the words name, if any
    (a path, a qualified name, path::Symbol)."""
    query = _required(query, "q")
    answer = dict(to_jsonable(gm.search(query)))
    try:
        node = gm.resolve_target(query)
    except GraphMemError:
        node = None
    answer["entity"] = (
        None
        if node is None
        else {
            "id": node.id,
            "kind": node.get("kind"),
            "path": node.get("path"),
            "qualified_name": node.get("qualified_name"),
        }
    )
    return answer


def entity(gm: GraphMem, target: str) -> dict[str, Any]:
    """What `context` answers for TARGET, and its impact."""
    target = _required(target, "target")
    return {
        "context": to_jsonable(gm.context(target)),
        "impact": to_jsonable(gm.impact(target)),
    }


def memory(gm: GraphMem, memory_id: str) -> dict[str, Any]:
    """One memory: its view, supersession chain, audit events and the receipts that served it."""
    memory_id = _required(memory_id, "id")
    return {
        "view": to_jsonable(gm.show(memory_id)),
        "history": to_jsonable(gm.history(memory_id)),
        "events": to_jsonable(gm.events(memory_id)),
        "receipts": to_jsonable(gm.receipts(memory_id)),
    }


def stale(gm: GraphMem) -> dict[str, Any]:
    """The review queue: orphaned and possibly stale active memories."""
    return dict(to_jsonable(gm.stale()))


def acknowledge(gm: GraphMem, body: dict[str, Any]) -> dict[str, Any]:
    """Re-confirm a possibly stale memory against the code as it is now."""
    return dict(to_jsonable(gm.acknowledge(_required(body.get("id"), "id"))))


def supersede(gm: GraphMem, body: dict[str, Any]) -> dict[str, Any]:
    """Make the existing memory `by` replace memory `id` (the stale one is kept in history)."""
    old, by = _required(body.get("id"), "id"), _required(body.get("by"), "by")
    return dict(to_jsonable(gm.supersede([old], by)))


def retract(gm: GraphMem, body: dict[str, Any]) -> dict[str, Any]:
    """Stop serving a memory, with an optional reason (redacted like every way in)."""
    reason = body.get("reason")
    change, redacted = gm.retract(
        _required(body.get("id"), "id"), reason if isinstance(reason, str) and reason else None
    )
    return {"change": to_jsonable(change), "redacted": redacted}


def _required(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"missing {name}: pass it as ?{name}=... (or in the JSON body)")
    return value.strip()
