"""`graphmem hook AGENT`: one lifecycle event in, at most one answer out, never a failure.

The agent starts a fresh process per event, so this path imports little: no numpy, no model,
no tree-sitter (except to re-ingest after an edit) and the Neo4j driver only for a Neo4j store;
the API and the graph model only once there is a store to ask, so an event the hook
has nothing to say to costs little more than starting Python.
Whatever goes wrong (no store, a locked store, Neo4j down, a malformed or huge payload, a path
outside the repository, the deadline) ends the same way: exit 0, nothing on stdout, one line in
`.graphmem/hooks.log`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from graphmem.agents.budget import Block, Counter, HookBudget, load_budget, measure
from graphmem.agents.events import FileTouch, HookEvent
from graphmem.agents.payloads import parse_payload
from graphmem.agents.replies import can_inject, reply
from graphmem.memory.quoting import one_line
from graphmem.settings import DEFAULT_STORE_DIR, Settings, embedded_path, find_repo_root

if TYPE_CHECKING:
    from graphmem.agents.session_state import SessionLedger
    from graphmem.api import GraphMem
    from graphmem.memory.results import GoverningMemory
    from graphmem.model import Node

#: Payloads larger than this are not read (no agent sends one this big for these events).
MAX_PAYLOAD_BYTES = 1_000_000
LOG_FILE = "hooks.log"
#: At most this many files per event and names per prompt are looked up.
MAX_FILES = 8
#: The session of a payload that names none.
NO_SESSION = "no-session"
#: No rendered memory is shorter than this (its label line alone is longer).
MIN_BLOCK_TOKENS = 25

# A name starts where its run of name characters starts: tried from inside the run too, a long
# word without `.`, `/` or `::` (a pasted hash) took cubic time (1,600 characters: 12 s).
_PROMPT_NAME = re.compile(r"`([^`\s]{2,200})`|((?<![\w.\-/])[\w.\-/]*[\w\-](?:/|\.|::)[\w.\-/:]+)")
#: CamelCase, snake_case, and private names (`_merge_url`, `__init__`): Python's underscore.
_CAMEL_OR_SNAKE = re.compile(r"\b([A-Z][a-z0-9]+[A-Z]\w*|_*[a-z][a-z0-9]*_[a-z0-9_]+|_+[a-z]\w*)\b")


class _Target(NamedTuple):
    """Code an event touches or a prompt names, as the graph knows it."""

    path: str
    node: Node
    #: ids of the symbols the edit's old text lies in, innermost first
    chain: tuple[str, ...]
    #: whether what the node contains counts: not for a folder read for a file that is not code
    inside: bool


class HookDeadline(Exception):
    """The hook ran out of time."""


def run_hook(agent: str, raw: bytes, env: Mapping[str, str], cwd: Path) -> str:
    """The text to print for one payload ('' for nothing); never raises."""
    started = time.monotonic()
    event: HookEvent | None = None
    repo_root: Path | None = None
    try:
        if len(raw) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload of {len(raw)} bytes is over {MAX_PAYLOAD_BYTES}")
        payload = json.loads(raw.decode("utf-8") or "null")
        if not isinstance(payload, dict):
            raise ValueError("payload is not a JSON object")
        event = parse_payload(agent, payload)
        if event is None:
            return ""
        repo_root = find_repo_root(Path(event.cwd) if event.cwd else cwd)
        budget = load_budget(repo_root, env)
        if not budget.enabled or event.kind not in budget.events:
            return ""
        with _deadline(budget.deadline_seconds, repo_root, event) as guard:
            if event.kind == "after_edit":  # out of time before the ingest starts: start it then
                from graphmem.agents.background import ingest_later

                notice = {
                    "session": event.session_id or NO_SESSION,
                    "paths": _edited_paths(repo_root, event),
                }
                root = repo_root
                guard.on_expire = lambda: ingest_later(root, notice)
            text = answer(event, repo_root, budget, env, guard)
            answer_json = reply(event, text)
            return json.dumps(answer_json, ensure_ascii=False) if answer_json else ""
    except Exception as error:  # noqa: BLE001 - a hook must never break the agent
        log_failure(repo_root or find_repo_root(cwd), agent, event, error, started)
        return ""


def answer(
    event: HookEvent,
    repo_root: Path,
    budget: HookBudget,
    env: Mapping[str, str],
    guard: _deadline | None = None,
) -> str:
    """What to tell the agent at `event` ('' for nothing)."""
    if not can_inject(event) and event.kind != "after_edit":
        return ""
    settings = Settings.from_env(env)
    check_store(settings, repo_root)
    session = event.session_id or NO_SESSION
    if event.kind == "after_edit":  # the child that re-ingests does the reading (_after_edit)
        _after_edit(event, repo_root, session, guard)
        return _pending_notice(repo_root, session, budget) if can_inject(event) else ""
    from graphmem.agents.background import notice_key
    from graphmem.agents.session_state import SessionLedger
    from graphmem.api import GraphMem

    with GraphMem(settings, repo_root=repo_root) as gm:
        ledger = SessionLedger(repo_root / DEFAULT_STORE_DIR)
        try:
            if event.kind == "session_start":
                return _session_start(gm, event, budget, ledger, session)
            if event.kind == "before_file":
                targets = _file_targets(gm, event)
            else:
                targets = _prompt_targets(gm, event.prompt)
            label = ", ".join(t[0] for t in targets)
            text = _inject(gm, event, budget, ledger, session, targets, label)
            # An earlier edit's notice that its own hook had no time to give (see _after_edit).
            pending = _within(ledger.take_note(notice_key(session)) or "", budget)
            return "\n\n".join(t for t in (pending, text) if t)
        finally:
            ledger.close()


def _pending_notice(repo_root: Path, session: str, budget: HookBudget) -> str:
    """The staleness notice the re-ingest left for `session`, taken ('' if none)."""
    from graphmem.agents.background import notice_key
    from graphmem.agents.session_state import SessionLedger

    ledger = SessionLedger(repo_root / DEFAULT_STORE_DIR)
    try:
        return _within(ledger.take_note(notice_key(session)) or "", budget)
    finally:
        ledger.close()


def _within(notice: str, budget: HookBudget) -> str:
    """A staleness notice cut to one injection's budget, whole files at a time (notices of
    edits the agent could not be told of pile up: Cursor's afterFileEdit)."""
    if not notice:
        return ""
    from graphmem.queries.tokens import default_counter

    counter = default_counter()
    tail = "(more edits changed code that memories govern: `graphmem stale` lists them)"
    kept: list[str] = []
    used = counter.count(tail)
    for part in notice.split("\n\n"):
        used += counter.count(part)
        if used > budget.injection_tokens:
            return "\n\n".join([*kept, tail])
        kept.append(part)
    return "\n\n".join(kept)


def check_store(settings: Settings, repo_root: Path) -> None:
    """A hook never creates a store: an embedded one must exist already."""
    url = settings.store_url(repo_root)
    path = embedded_path(url)
    if path is not None and not Path(path).is_file():
        raise FileNotFoundError(f"no graphmem store at {url} (run `graphmem ingest`)")


# -- what each event says ---------------------------------------------------------------------


def _session_start(
    gm: GraphMem, event: HookEvent, budget: HookBudget, ledger: SessionLedger, session: str
) -> str:
    """Repository-wide constraints and decisions, the user's preferences, what needs review."""
    from graphmem.agents.briefing import heading, left_out_note, rank
    from graphmem.agents.freshness import freshness
    from graphmem.queries.tokens import default_counter

    served = rank(gm.governing_many([gm.resolve_target(".").id]))
    repo_wide = [m for m in served if m.memory.kind.value in {"constraint", "decision", "failure"}]
    preferences = [m for m in served if m.memory.kind.value == "preference"]
    notes = [_review_note(gm, ledger)]
    notes.append(freshness(gm).notice())
    notes = [n for n in notes if n]
    title = (
        f"what this repository ({one_line(gm.repo)}) has decided. Before editing a file, "
        "`graphmem context PATH` shows what governs it."
    )
    counter = default_counter()
    top = heading(title)
    tail = "\n".join(notes)
    blocks, unseen = _candidates(counter, repo_wide + preferences, budget.briefing_tokens)
    overhead = counter.count(top) + counter.count(tail) + 40
    claimed, left = ledger.claim(
        session, blocks, budget.briefing_tokens, budget.session_tokens, overhead
    )
    left += unseen
    if not claimed and not notes and not left:
        return ""
    parts = [top, *(b.text for b in claimed)]
    if left:
        parts.append(left_out_note(left, "graphmem export --format markdown"))
    if tail:
        parts.append(tail)
    _receipt(gm, event, session, "<repository>", claimed)
    return "\n\n".join(parts)


def _review_note(gm: GraphMem, ledger: SessionLedger) -> str:
    """How many memories need review, as last counted (recounted after this hook if old)."""
    from graphmem.agents.background import REVIEW_COUNTS_KEY, REVIEW_COUNTS_MAX_AGE, count_later

    raw = ledger.note(REVIEW_COUNTS_KEY)
    counts = json.loads(raw) if raw else None
    if not counts or time.time() - float(counts.get("at", 0)) > REVIEW_COUNTS_MAX_AGE:
        count_later(gm.repo_root)
    if not counts or not (counts.get("stale") or counts.get("orphaned")):
        return ""
    stale = int(counts["stale"])
    are = "memory is" if stale == 1 else "memories are"
    return (
        f"{stale} {are} possibly stale and {counts['orphaned']} orphaned: "
        "review them with `graphmem stale`."
    )


def _inject(
    gm: GraphMem,
    event: HookEvent,
    budget: HookBudget,
    ledger: SessionLedger,
    session: str,
    targets: Sequence[_Target],
    label: str,
) -> str:
    """The active memories governing `targets` not yet given to this session, within budget."""
    from graphmem.agents.briefing import heading, left_out_note, rank_for_edit

    ranked: list[GoverningMemory] = []
    for target in targets:
        served = gm.governing_many([target.node.id], down=target.inside)
        ranked += rank_for_edit(served, target.chain)
    seen = ledger.injected(session)
    fresh = list({m.memory.id: m for m in ranked if m.memory.id not in seen}.values())
    if not fresh:
        return ""
    from graphmem.model import Label
    from graphmem.queries.tokens import default_counter

    counter = default_counter()
    notes = [_file_notice(gm, t.path, t.node) for t in targets if t.node.has(Label.MODULE)]
    tail = "\n".join(n for n in notes if n)
    title = (
        f"memories that govern {one_line(label)} (recorded by this team; settle doubts with them)."
    )
    top = heading(title)
    blocks, unseen = _candidates(counter, fresh, budget.injection_tokens)
    note_room = 40
    overhead = counter.count(top) + counter.count(tail) + note_room
    claimed, left = ledger.claim(
        session, blocks, budget.injection_tokens, budget.session_tokens, overhead
    )
    left += unseen
    if not claimed and not left:
        return ""
    # A memory larger than the whole budget is not shown, but said to be there.
    parts = [top, *(b.text for b in claimed)]
    if left:
        parts.append(left_out_note(left, f"graphmem context {one_line(targets[0].path)}"))
    if tail:
        parts.append(tail)
    try:
        _receipt(gm, event, session, label, claimed)
    except Exception:
        ledger.release(session, [b.key for b in claimed])
        raise
    return "\n\n".join(parts)


def _candidates(
    counter: Counter, served: Sequence[GoverningMemory], room: int
) -> tuple[list[Block], int]:
    """The first memories rendered and counted, as many as could fit in `room` tokens; the
    rest are only counted as left out (rendering 500 memories to show 10 is waste)."""
    from graphmem.agents.briefing import memory_block

    most = room // MIN_BLOCK_TOKENS + 1
    blocks = measure(counter, [(m.memory.id, memory_block(m)) for m in served[:most]])
    return blocks, max(0, len(served) - most)


def _after_edit(event: HookEvent, repo_root: Path, session: str, guard: _deadline | None) -> None:
    """Re-ingest (incrementally) in a detached child this hook waits for: past the deadline
    the hook exits silently and the ingest still finishes instead of being cut off. The child
    also works out which memories the edit made stale (`staleness_notices`) and leaves that
    for this session in the ledger: `answer` gives it now if it is in time, else the session's
    next hook does."""
    paths = _edited_paths(repo_root, event)
    if not paths:
        return
    from graphmem.agents.background import ingest_now

    def started() -> None:
        if guard is not None:
            guard.on_expire = None

    ingest_now(repo_root, started=started, notice={"session": session, "paths": paths})


def staleness_states(gm: GraphMem, paths: Sequence[str]) -> dict[str, bool]:
    """Memory id -> whether it is possibly stale or orphaned, for the memories on `paths`."""
    from graphmem.errors import NotFoundError

    states: dict[str, bool] = {}
    for path in paths:
        try:
            for m in gm.governing(path):
                states[m.memory.id] = m.staleness.possibly_stale or m.staleness.orphaned
        except NotFoundError:
            continue
    return states


def staleness_notices(gm: GraphMem, paths: Sequence[str], before: Mapping[str, bool]) -> str:
    """After an ingest: the memories on `paths` that are stale or orphaned now and were not
    `before` (`staleness_states` read before it)."""
    from graphmem.agents.briefing import staleness_notice
    from graphmem.errors import NotFoundError

    notices = []
    for path in paths:
        try:
            served = gm.governing(path)
        except NotFoundError:
            continue
        newly = [
            m
            for m in served
            if (m.staleness.possibly_stale or m.staleness.orphaned)
            and before.get(m.memory.id) is False
        ]
        if newly:
            notices.append(staleness_notice(path, newly))
    return "\n\n".join(notices)


# -- targets ------------------------------------------------------------------------------------


def _file_targets(gm: GraphMem, event: HookEvent) -> list[_Target]:
    """Each touched file in the graph, with the ids of the symbols its edit's old text lies in
    (the innermost and those around it)."""
    from graphmem.errors import NotFoundError

    targets = []
    for touch in _expanded(gm.repo_root, event)[:MAX_FILES]:
        path = _repo_path(gm.repo_root, event, touch)
        if not path:
            continue
        try:
            node, inside = gm.resolve_for_reading(path, suggest=False)
        except NotFoundError:
            continue
        targets.append(_Target(path, node, _enclosing_symbols(gm, path, touch), inside))
    return targets


def _prompt_targets(gm: GraphMem, prompt: str) -> list[_Target]:
    """Paths, qualified names and symbols named in a prompt that the graph knows."""
    from graphmem.errors import GraphMemError
    from graphmem.memory.targets import lookup_target
    from graphmem.model import Label

    names: list[str] = []
    for match in _PROMPT_NAME.finditer(prompt[:20_000]):
        names.append((match.group(1) or match.group(2)).strip(".,;:()'\""))
    for match in _CAMEL_OR_SNAKE.finditer(prompt[:20_000]):
        names.append(match.group(1))
    targets: list[_Target] = []
    for name in list(dict.fromkeys(n for n in names if n))[:MAX_FILES]:
        try:
            node = lookup_target(gm.store, gm.repo, name)
        except GraphMemError:
            node = None
        if node is None:
            found = gm.store.find_nodes(Label.CODE_ENTITY, {"repo": gm.repo, "name": name}, 2)
            if len(found) != 1:
                continue
            node = found[0]
        if not node.has(Label.REPOSITORY):
            targets.append(_Target(name, node, (), True))
    return targets


def _repo_path(root: Path, event: HookEvent, touch: FileTouch) -> str:
    """The touched file as a repository path; '' (and a log line) for one outside it."""
    base = Path(event.cwd) if event.cwd else root
    full = Path(touch.path) if os.path.isabs(touch.path) else base / touch.path
    try:
        return full.resolve().relative_to(root).as_posix()
    except ValueError:
        log_failure(root, event.agent, event, ValueError(f"{touch.path}: outside"), None)
        return ""


#: What makes a read's path a glob (Gemini's read_many_files takes `lib/*.js`).
_GLOB_CHARS = frozenset("*?[")


def _expanded(root: Path, event: HookEvent) -> list[FileTouch]:
    """The files touched, with a glob read as the files it matches (at most MAX_FILES, in
    order; outside the repository they are left out by `_repo_path`)."""
    base = Path(event.cwd) if event.cwd else root
    found: list[FileTouch] = []
    for touch in event.files:
        if _GLOB_CHARS.isdisjoint(touch.path):
            found.append(touch)
        elif not os.path.isabs(touch.path) and ".." not in Path(touch.path).parts:
            matched = sorted(islice((p for p in base.glob(touch.path) if p.is_file()), 100))
            found += [FileTouch(str(p)) for p in matched[:MAX_FILES]]
        if len(found) >= MAX_FILES:
            break
    return found


def _edited_paths(root: Path, event: HookEvent) -> list[str]:
    return [p for p in (_repo_path(root, event, t) for t in event.files[:MAX_FILES]) if p]


def _enclosing_symbols(gm: GraphMem, path: str, touch: FileTouch) -> tuple[str, ...]:
    """The functions, methods and classes holding all of the edit's old text, innermost first."""
    from graphmem.model import Label

    if not touch.old_texts:
        return ()
    try:
        source = (gm.repo_root / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ()
    spans = []
    for old in touch.old_texts:
        at = source.find(old)
        if at < 0:
            return ()
        first = source.count("\n", 0, at) + 1
        spans.append((first, first + old.count("\n")))
    low, high = min(s[0] for s in spans), max(s[1] for s in spans)
    inside = [
        n
        for n in gm.store.find_nodes(Label.CODE_ENTITY, {"repo": gm.repo, "path": path})
        if any(n.has(k) for k in (Label.FUNCTION, Label.METHOD, Label.CLASS))
        and int(n.get("start_line") or 0) <= low
        and high <= int(n.get("end_line") or 0)
    ]
    size = {n.id: int(n.get("end_line") or 0) - int(n.get("start_line") or 0) for n in inside}
    return tuple(sorted(size, key=lambda i: size[i]))


def _file_notice(gm: GraphMem, path: str, module: Node) -> str:
    from graphmem.agents.freshness import REFRESH_HINT, module_changed_since_ingest

    if module_changed_since_ingest(gm.repo_root, module):
        return f"{path} changed since the last ingest, so the graph may lag it: {REFRESH_HINT}."
    return ""


def _receipt(
    gm: GraphMem, event: HookEvent, session: str, label: str, claimed: Sequence[Block]
) -> None:
    if claimed:
        from graphmem.agents.background import record_later

        query = f"{event.agent} session {session}: {event.native_name} {label}"
        record_later(gm.repo_root, f"hook {event.kind}", query, [b.key for b in claimed])


# -- never block, never break ------------------------------------------------------------------


class _deadline:
    """After `seconds`, log one line and leave at once with exit 0 and nothing printed.

    A watchdog thread, not a signal: a signal handler would wait for the main thread to come
    back from C (a busy SQLite lock, a socket), which is exactly when the deadline matters.
    """

    def __init__(self, seconds: float, repo_root: Path, event: HookEvent) -> None:
        self.seconds = seconds
        self.repo_root = repo_root
        self.event = event
        self.started = time.monotonic()
        #: Run at the deadline before leaving (set while work that must not be lost is pending).
        self.on_expire: Callable[[], None] | None = None
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True

    def _expire(self) -> None:
        if self.on_expire is not None:
            with contextlib.suppress(Exception):  # leaving anyway
                self.on_expire()
        error = HookDeadline(f"deadline of {self.seconds:g} s passed")
        log_failure(self.repo_root, self.event.agent, self.event, error, self.started)
        os._exit(0)

    def __enter__(self) -> _deadline:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()


def log_failure(
    repo_root: Path,
    agent: str,
    event: HookEvent | None,
    error: BaseException,
    started: float | None,
) -> None:
    """One line in .graphmem/hooks.log (only where graphmem already keeps its state)."""
    state = repo_root / DEFAULT_STORE_DIR
    if not state.is_dir():
        return
    name = event.native_name if event else "?"
    took = f" after {1000 * (time.monotonic() - started):.0f} ms" if started else ""
    message = " ".join(str(error).split())[:300]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = f"{stamp} {agent} {name}{took}: {type(error).__name__}: {message}\n"
    try:
        with open(state / LOG_FILE, "a", encoding="utf-8") as log:
            log.write(line)
    except OSError:
        pass
