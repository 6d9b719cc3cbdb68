"""`graphmem hook AGENT` as agents run it: a fresh process per event, fed each agent's documented
payloads (tests/fixtures/hooks/), on a real ingested repository with real memories."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from graphmem.api import GraphMem
from graphmem.embed import Embedder
from graphmem.queries.tokens import default_counter
from graphmem.settings import Settings
from tests.conftest import git_checkout

CHECKOUT = Path(__file__).resolve().parents[2]
FIXTURES = CHECKOUT / "tests" / "fixtures" / "hooks"
SOURCE_REPO = CHECKOUT / "tests" / "fixtures" / "pyrepo"
GRAPHMEM = Path(sys.executable).with_name("graphmem")
USER = "ana"


@dataclass
class HookRepo:
    root: Path
    ids: dict[str, str]

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPHMEM_", "NEO4J_"))}
        # A generous deadline: the machine may be busy; the deadline has a test of its own.
        env.update(
            HF_HUB_OFFLINE="1",
            GRAPHMEM_USER=USER,
            GRAPHMEM_AUTHOR="tests",
            GRAPHMEM_HOOK_DEADLINE="30",
        )
        env["PYTHONPATH"] = str(CHECKOUT)
        env.update(extra)
        return env


@dataclass
class HookRun:
    code: int
    out: str
    err: str
    seconds: float

    def json(self) -> dict[str, Any]:
        data = json.loads(self.out)
        assert isinstance(data, dict)
        return data


def payload(agent: str, name: str, root: Path, **changes: Any) -> bytes:
    """A captured payload with the repository root filled in (and fields changed)."""
    text = (FIXTURES / agent / f"{name}.json").read_text().replace("__REPO__", str(root))
    data = json.loads(text)
    data.update(changes)
    return json.dumps(data).encode()


def run_hook(
    agent: str, data: bytes, repo: HookRepo, cwd: Path | None = None, **env: str
) -> HookRun:
    started = time.monotonic()
    done = subprocess.run(
        [str(GRAPHMEM), "hook", agent],
        input=data,
        capture_output=True,
        cwd=cwd or repo.root / "src",
        env=repo.env(**env),
        timeout=60,
    )
    return HookRun(
        done.returncode, done.stdout.decode(), done.stderr.decode(), time.monotonic() - started
    )


def context_of(run: HookRun, agent: str) -> str:
    """The injected text, checked against the agent's documented output shape."""
    assert run.code == 0, run.err
    data = run.json()
    if agent == "cursor":
        assert set(data) == {"additional_context"}
        text = data["additional_context"]
    elif agent == "cline":
        assert set(data) == {"cancel", "contextModification"} and data["cancel"] is False
        text = data["contextModification"]
    else:
        assert set(data) == {"hookSpecificOutput"}
        specific = data["hookSpecificOutput"]
        assert set(specific) == {"hookEventName", "additionalContext"}
        text = specific["additionalContext"]
    assert isinstance(text, str) and text
    return text


def build_repo(root: Path, embedder: Embedder, store: str | None = None) -> dict[str, str]:
    git_checkout(SOURCE_REPO, root)
    settings = (
        Settings.from_env(store=store, user=USER, author="tests")
        if store
        else Settings(user=USER, author="tests")
    )
    ids: dict[str, str] = {}
    with GraphMem(settings, repo_root=root, embedder=embedder) as gm:
        gm.ingest()

        def remember(key: str, kind: str, text: str, *governs: str, **extra: Any) -> None:
            ids[key] = gm.remember(kind, text, list(governs), **extra).memory.id

        remember("billing", "constraint", "Invoices are immutable once sent.", "src/shop/billing/")
        remember(
            "send",
            "decision",
            "send() logs before every retry.",
            "shop.billing.invoices.Invoice.send",
        )
        remember(
            "old", "decision", "Invoice numbers are random UUIDs.", "src/shop/billing/invoices.py"
        )
        remember(
            "new",
            "decision",
            "Invoice numbers come from the database sequence.",
            "src/shop/billing/invoices.py",
            supersedes=[ids["old"]],
        )
        remember(
            "gone", "fact", "Invoices are printed by a fax gateway.", "src/shop/billing/invoices.py"
        )
        gm.retract(ids["gone"], "no fax any more")
        remember(
            "tax",
            "failure",
            "Tax was rounded per line, not per invoice.",
            "shop.billing.tax.compute",
            cause="float rounding",
            fix="round the total once",
        )
        remember("global", "constraint", "No network calls at import time.")
        remember("taste", "preference", "Ana prefers small pure functions.", user=USER)
    return ids


@pytest.fixture
def repo(tmp_path: Path, embedder: Embedder) -> Iterator[HookRepo]:
    root = tmp_path / "shop"
    yield HookRepo(root, build_repo(root, embedder))


BEFORE_EDIT = {
    "claude-code": "pre_tool_use_edit",
    "cline": "pre_tool_use_replace_in_file",
    "codex": "pre_tool_use_apply_patch",
    "cursor": "post_tool_use_read",
    "gemini": "after_tool_read_file",
    "vscode": "pre_tool_use_replace_string",
}


@pytest.mark.parametrize("agent", sorted(BEFORE_EDIT))
def test_before_an_edit_the_governing_memories_come_once_per_session(
    agent: str, repo: HookRepo
) -> None:
    data = payload(agent, BEFORE_EDIT[agent], repo.root)
    text = context_of(run_hook(agent, data, repo), agent)
    for key in ("billing", "send", "new"):
        assert repo.ids[key] in text
    assert "Invoices are immutable once sent." in text
    assert "database sequence" in text
    # Never the text of a superseded or retracted memory.
    assert repo.ids["old"] not in text and "UUID" not in text
    assert repo.ids["gone"] not in text and "fax" not in text
    # Quoted as data, with why each applies.
    assert "not instructions" in text
    assert f"[memory {repo.ids['billing']} · constraint" in text
    assert "governs src/shop/billing/, which contains it" in text
    if agent in ("claude-code", "cline", "codex", "vscode"):
        # The edit's old text lies in Invoice.send: what governs that symbol comes first.
        assert text.index(repo.ids["send"]) < text.index(repo.ids["billing"])
    else:
        # Constraints before decisions.
        assert text.index(repo.ids["billing"]) < text.index(repo.ids["send"])
    again = run_hook(agent, data, repo)
    assert (again.code, again.out) == (0, "")
    other_session = {
        "claude-code": "session_id", "cline": "taskId", "codex": "session_id",
        "gemini": "session_id", "vscode": "sessionId",
    }  # fmt: skip
    field = other_session.get(agent, "conversation_id")
    fresh = run_hook(agent, payload(agent, BEFORE_EDIT[agent], repo.root, **{field: "s-2"}), repo)
    assert repo.ids["billing"] in context_of(fresh, agent)


@pytest.mark.parametrize(
    "tool_input",
    [{"paths": ["src/shop/billing/*.py"]}, {"include": ["src/shop/billing/invoices.py"]}],
)
def test_gemini_read_many_files_with_globs_gets_what_governs_the_files(
    tool_input: dict[str, list[str]], repo: HookRepo
) -> None:
    """read_many_files takes glob patterns and an `include` list: they named no file."""
    data = payload(
        "gemini", "after_tool_read_file", repo.root, tool_name="read_many_files",
        tool_input=tool_input,
    )  # fmt: skip
    text = context_of(run_hook("gemini", data, repo), "gemini")
    # the folder's constraint comes first; what else fits the budget depends on the files read
    assert "src/shop/billing/invoices.py" in text and repo.ids["billing"] in text


def test_cline_as_its_hooks_page_spells_the_payload_is_read_too(repo: HookRepo) -> None:
    """Cline's hooks page writes `preToolUse.tool` and `workspacePath` where its reference
    writes `toolName` and `workspaceRoots`."""
    data = payload("cline", "pre_tool_use_read_file_hooks_page", repo.root)
    text = context_of(run_hook("cline", data, repo, cwd=repo.root.parent), "cline")
    assert repo.ids["billing"] in text and "Invoices are immutable once sent." in text


@pytest.mark.parametrize("agent", ["claude-code", "cline", "codex", "cursor", "gemini", "vscode"])
def test_session_start_briefs_on_repository_wide_memories_and_preferences(
    agent: str, repo: HookRepo
) -> None:
    text = context_of(run_hook(agent, payload(agent, "session_start", repo.root), repo), agent)
    assert repo.ids["global"] in text and "No network calls at import time." in text
    assert repo.ids["taste"] in text
    assert repo.ids["billing"] not in text  # not repository-wide
    assert "graphmem context PATH" in text
    counter = default_counter()
    assert counter.count(text) <= 1500


def test_the_briefing_counts_the_memories_that_need_review(repo: HookRepo) -> None:
    invoices = repo.root / "src" / "shop" / "billing" / "invoices.py"
    invoices.write_text(invoices.read_text().replace('u.log("sending")', 'u.log("off")'))
    with GraphMem(Settings(user=USER), repo_root=repo.root) as gm:
        gm.ingest(history=0)
    first = payload("claude-code", "session_start", repo.root, session_id="r-1")
    run_hook("claude-code", first, repo)  # counts in the background, after answering
    ledger = repo.root / ".graphmem" / "hooks.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sqlite3.connect(ledger) as db:
            if db.execute("SELECT 1 FROM notes WHERE key = 'review_counts'").fetchone():
                break
        time.sleep(0.2)
    second = payload("claude-code", "session_start", repo.root, session_id="r-2")
    text = context_of(run_hook("claude-code", second, repo), "claude-code")
    assert "2 memories are possibly stale and 0 orphaned" in text  # send(), and its module
    assert "`graphmem stale`" in text


def test_the_briefing_says_when_the_index_is_behind(repo: HookRepo) -> None:
    (repo.root / "src" / "shop" / "util.py").write_text("def log(m):\n    print(m)\n")
    text = context_of(
        run_hook("claude-code", payload("claude-code", "session_start", repo.root), repo),
        "claude-code",
    )
    assert "behind the working tree" in text and "graphmem ingest" in text


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        ("claude-code", "pre_tool_use_bash"),
        ("claude-code", "user_prompt_submit_miss"),
        ("cline", "pre_tool_use_execute_command"),
        ("codex", "pre_tool_use_bash"),
        ("cursor", "before_read_file"),
        ("cursor", "before_submit_prompt"),
        ("gemini", "before_tool_replace"),
        ("vscode", "pre_tool_use_run_in_terminal"),
        ("vscode", "user_prompt_submit"),
    ],
)
def test_nothing_at_all_on_a_miss(agent: str, name: str, repo: HookRepo) -> None:
    run = run_hook(agent, payload(agent, name, repo.root), repo)
    assert (run.code, run.out, run.err) == (0, "", "")


def test_a_file_that_is_not_code_gets_what_governs_its_folder(repo: HookRepo) -> None:
    """A SQL migration, a CI workflow, a template: no entity of its own, but its folder's."""
    schema = repo.root / "src/shop/billing/schema.sql"
    schema.write_text("CREATE TABLE invoices (id INTEGER PRIMARY KEY);\n")
    data = payload(
        "claude-code",
        "pre_tool_use_write",
        repo.root,
        tool_input={"file_path": str(schema), "content": "DROP TABLE invoices;\n"},
    )
    text = context_of(run_hook("claude-code", data, repo), "claude-code")
    assert "Invoices are immutable once sent." in text  # governs src/shop/billing/
    assert "send() logs before every retry." not in text  # governs invoices.py only


def test_a_file_that_does_not_exist_gets_nothing(repo: HookRepo) -> None:
    data = payload(
        "claude-code",
        "pre_tool_use_read",
        repo.root,
        tool_input={"file_path": str(repo.root / "notes.txt")},
    )
    run = run_hook("claude-code", data, repo)
    assert (run.code, run.out) == (0, "")


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        ("claude-code", "user_prompt_submit"),
        ("cline", "user_prompt_submit"),
        ("codex", "user_prompt_submit"),
        ("gemini", "before_agent"),
    ],
)
def test_a_prompt_naming_known_code_gets_what_governs_it(
    agent: str, name: str, repo: HookRepo
) -> None:
    text = context_of(run_hook(agent, payload(agent, name, repo.root), repo), agent)
    assert repo.ids["tax"] in text and "rounded per line" in text
    assert "round the total once" in text


def test_a_prompt_naming_a_private_function_gets_what_governs_it(
    repo: HookRepo, embedder: Embedder
) -> None:
    """httpx: "fix _merge_url" named nothing, as only `_merge_url` in backticks did."""
    (repo.root / "src" / "shop" / "pricing.py").write_text(
        "def _round_half(amount):\n    return round(amount, 2)\n"
    )
    with GraphMem(Settings(user=USER), repo_root=repo.root, embedder=embedder) as gm:
        gm.ingest()
        rule = gm.remember(
            "constraint", "Prices round half to even", ["shop.pricing._round_half"]
        ).memory.id
    data = payload("claude-code", "user_prompt_submit", repo.root, prompt="fix _round_half")
    assert rule in context_of(run_hook("claude-code", data, repo), "claude-code")


def test_the_per_injection_cap_holds_and_says_what_was_left_out(
    repo: HookRepo, embedder: Embedder
) -> None:
    with GraphMem(Settings(user=USER), repo_root=repo.root, embedder=embedder) as gm:
        for i in range(12):
            gm.remember(
                "fact",
                f"Model rule {i}: orders keep their lines in insertion order, "
                f"and rule {i} is documented in the handbook.",
                ["src/shop/models.py"],
            )
    data = payload(
        "claude-code",
        "pre_tool_use_read",
        repo.root,
        tool_input={"file_path": str(repo.root / "src/shop/models.py")},
    )
    run = run_hook("claude-code", data, repo, GRAPHMEM_HOOK_INJECTION_TOKENS="300")
    text = context_of(run, "claude-code")
    assert default_counter().count(text) <= 300
    assert "not shown to stay within the hook budget" in text
    assert "graphmem context src/shop/models.py" in text


def test_a_memory_larger_than_the_budget_is_said_to_be_there(
    repo: HookRepo, embedder: Embedder
) -> None:
    """The hook said nothing at all when the one memory governing a file did not fit."""
    text = "Models are persisted in client cookies: " + " ".join(
        ["old ones must keep loading for years, whatever the field order"] * 25
    )
    with GraphMem(Settings(user=USER), repo_root=repo.root, embedder=embedder) as gm:
        gm.remember("constraint", text, ["src/shop/models.py"])
    data = payload(
        "claude-code",
        "pre_tool_use_read",
        repo.root,
        tool_input={"file_path": str(repo.root / "src/shop/models.py")},
    )
    run = run_hook("claude-code", data, repo, GRAPHMEM_HOOK_INJECTION_TOKENS="200")
    shown = context_of(run, "claude-code")
    assert "not shown to stay within the hook budget" in shown and "cookies" not in shown
    assert "graphmem context src/shop/models.py" in shown
    assert default_counter().count(shown) <= 200


def test_the_per_session_cap_holds_across_injections(repo: HookRepo, embedder: Embedder) -> None:
    with GraphMem(Settings(user=USER), repo_root=repo.root, embedder=embedder) as gm:
        for i in range(12):
            gm.remember(
                "fact",
                f"Utility rule {i} says helpers stay free of side effects, case {i}.",
                ["src/shop/util.py"],
            )
    counter = default_counter()
    total = 0
    for name in ("pre_tool_use_edit", "pre_tool_use_write", "pre_tool_use_read"):
        run = run_hook(
            "claude-code",
            payload("claude-code", name, repo.root),
            repo,
            GRAPHMEM_HOOK_SESSION_TOKENS="500",
        )
        if run.out:
            total += counter.count(context_of(run, "claude-code"))
    assert 0 < total <= 500


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        ("claude-code", "post_tool_use_edit"),
        ("cline", "post_tool_use_replace_in_file"),
        ("codex", "post_tool_use_apply_patch"),
        ("gemini", "after_tool_replace"),
        ("cursor", "after_file_edit"),
        ("vscode", "post_tool_use_replace_string"),
    ],
)
def test_after_an_edit_the_file_is_reingested_and_stale_memories_are_named(
    agent: str, name: str, repo: HookRepo
) -> None:
    invoices = repo.root / "src" / "shop" / "billing" / "invoices.py"
    invoices.write_text(
        invoices.read_text().replace('u.log("sending")', 'u.log("sending the invoice")')
    )
    run = run_hook(agent, payload(agent, name, repo.root), repo)
    assert run.code == 0, run.err
    if agent == "cursor":
        assert run.out == ""  # afterFileEdit takes no output
    else:
        text = context_of(run, agent)
        assert repo.ids["send"] in text and "shop.billing.invoices.Invoice.send" in text
        assert "graphmem acknowledge" in text and "--supersedes" in text
        assert repo.ids["global"] not in text  # its code did not change
    with GraphMem(Settings(user=USER), repo_root=repo.root) as gm:
        assert "src/shop/billing/invoices.py" not in gm.index_status().changed
        stale = {
            m.memory.id
            for m in gm.governing("shop.billing.invoices.Invoice.send")
            if m.staleness.possibly_stale
        }
    assert repo.ids["send"] in stale


def test_an_edit_whose_reingest_outlasts_the_deadline_is_still_ingested(repo: HookRepo) -> None:
    invoices = repo.root / "src" / "shop" / "billing" / "invoices.py"
    invoices.write_text(invoices.read_text().replace('u.log("sending")', 'u.log("late")'))
    data = payload("claude-code", "post_tool_use_edit", repo.root)
    assert_silent(run_hook("claude-code", data, repo, GRAPHMEM_HOOK_DEADLINE="0.05"))
    deadline = time.monotonic() + 60
    changed = True
    while changed and time.monotonic() < deadline:
        with GraphMem(Settings(user=USER), repo_root=repo.root) as gm:
            changed = "src/shop/billing/invoices.py" in gm.index_status().changed
        time.sleep(0.3)
    assert not changed, "the re-ingest did not finish after the hook left"


def test_the_notice_of_an_edit_whose_hook_ran_out_of_time_comes_with_the_next_hook(
    repo: HookRepo,
) -> None:
    """On a large repository the re-ingest outlasts the after-edit hook: the child that
    finishes it leaves the staleness notice, and the session's next hook gives it, once."""
    invoices = repo.root / "src" / "shop" / "billing" / "invoices.py"
    invoices.write_text(invoices.read_text().replace('u.log("sending")', 'u.log("later")'))
    edit = payload("claude-code", "post_tool_use_edit", repo.root)
    assert_silent(run_hook("claude-code", edit, repo, GRAPHMEM_HOOK_DEADLINE="0.05"))
    prompt = payload("claude-code", "user_prompt_submit", repo.root)
    deadline = time.monotonic() + 60
    text = ""
    while repo.ids["send"] not in text and time.monotonic() < deadline:
        time.sleep(0.3)
        run = run_hook("claude-code", prompt, repo)
        text = context_of(run, "claude-code") if run.out else ""
    assert "your edit to src/shop/billing/invoices.py" in text and repo.ids["send"] in text
    again = run_hook("claude-code", prompt, repo)
    assert repo.ids["send"] not in again.out  # given once


def test_a_pending_notice_keeps_to_the_injection_budget(repo: HookRepo) -> None:
    invoices = repo.root / "src" / "shop" / "billing" / "invoices.py"
    invoices.write_text(invoices.read_text().replace('u.log("sending")', 'u.log("soon")'))
    edit = payload("claude-code", "post_tool_use_edit", repo.root)
    assert_silent(run_hook("claude-code", edit, repo, GRAPHMEM_HOOK_DEADLINE="0.05"))
    prompt = payload("claude-code", "user_prompt_submit_miss", repo.root)
    deadline = time.monotonic() + 60
    text = ""
    while "graphmem stale" not in text and time.monotonic() < deadline:
        time.sleep(0.3)
        run = run_hook("claude-code", prompt, repo, GRAPHMEM_HOOK_INJECTION_TOKENS="30")
        text = context_of(run, "claude-code") if run.out else ""
    assert "`graphmem stale` lists them" in text and "your edit to" not in text


def test_a_graphmem_folder_in_the_repository_is_not_what_the_hook_runs(repo: HookRepo) -> None:
    """The re-ingest child runs in the user's repository: `python -m` there imported its own
    `graphmem/` folder (graphmem's source, in an older version), which rewrote the index."""
    impostor = repo.root / "graphmem" / "agents"
    impostor.mkdir(parents=True)
    (repo.root / "graphmem" / "__init__.py").write_text("")
    (impostor / "__init__.py").write_text("")
    marker = repo.root / "impostor-ran"
    (impostor / "background.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    invoices = repo.root / "src" / "shop" / "billing" / "invoices.py"
    invoices.write_text(invoices.read_text().replace('u.log("sending")', 'u.log("mine")'))
    data = payload("claude-code", "post_tool_use_edit", repo.root)
    run = run_hook("claude-code", data, repo, cwd=repo.root)
    assert run.code == 0, run.err
    with GraphMem(Settings(user=USER), repo_root=repo.root) as gm:
        assert "src/shop/billing/invoices.py" not in gm.index_status().changed
    assert not marker.exists()


def test_every_injection_leaves_a_receipt(repo: HookRepo) -> None:
    data = payload("claude-code", "pre_tool_use_edit", repo.root)
    context_of(run_hook("claude-code", data, repo), "claude-code")
    deadline = time.monotonic() + 60
    hook_rows: list[dict[str, Any]] = []
    while not hook_rows and time.monotonic() < deadline:  # written just after the answer
        log = subprocess.run(
            [str(GRAPHMEM), "log", "--receipts", "--json"],
            capture_output=True,
            text=True,
            cwd=repo.root,
            env=repo.env(),
            check=True,
        )
        receipts = json.loads(log.stdout)
        rows = receipts if isinstance(receipts, list) else receipts.get("receipts", [])
        hook_rows = [r for r in rows if str(r.get("operation", "")).startswith("hook")]
        time.sleep(0.2)
    assert hook_rows, "no receipt was recorded"
    assert "claude-code session abc123" in hook_rows[0]["query"]
    assert repo.ids["send"] in hook_rows[0]["memory_ids"]


# -- faults: exit 0, nothing printed, one line in .graphmem/hooks.log ----------------------------


def assert_silent(run: HookRun) -> None:
    assert (run.code, run.out, run.err) == (0, "", "")


def log_lines(root: Path) -> list[str]:
    path = root / ".graphmem" / "hooks.log"
    return path.read_text().splitlines() if path.exists() else []


def test_a_missing_store_is_silent(tmp_path: Path, repo: HookRepo) -> None:
    empty = tmp_path / "empty"
    (empty / ".graphmem").mkdir(parents=True)
    (empty / ".git").mkdir()
    run = run_hook(
        "claude-code", payload("claude-code", "pre_tool_use_edit", empty), repo, cwd=empty
    )
    assert_silent(run)
    assert not (empty / ".graphmem" / "graph.db").exists()
    assert "no graphmem store" in log_lines(empty)[-1]


def test_a_store_named_by_a_sqlite_url_is_found(repo: HookRepo) -> None:
    """`sqlite:////abs/graph.db` was read as a relative path, so the hook found no store."""
    url = "sqlite://" + str(repo.root / ".graphmem" / "graph.db")
    data = payload("claude-code", "pre_tool_use_edit", repo.root)
    text = context_of(run_hook("claude-code", data, repo, GRAPHMEM_STORE=url), "claude-code")
    assert repo.ids["billing"] in text


def test_a_store_locked_by_a_writer_is_silent_within_the_deadline(repo: HookRepo) -> None:
    db = sqlite3.connect(repo.root / ".graphmem" / "graph.db", isolation_level=None)
    try:
        db.execute("BEGIN EXCLUSIVE")
        run = run_hook(
            "claude-code",
            payload("claude-code", "pre_tool_use_edit", repo.root),
            repo,
            GRAPHMEM_HOOK_DEADLINE="1",
        )
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert (run.code, run.err) == (0, "")
    if run.out:  # a reader under WAL may finish; then the answer must be whole and valid
        context_of(run, "claude-code")
    assert run.seconds < 5


def test_neo4j_down_is_silent(repo: HookRepo) -> None:
    run = run_hook(
        "claude-code",
        payload("claude-code", "pre_tool_use_edit", repo.root),
        repo,
        GRAPHMEM_STORE="bolt://127.0.0.1:9",
        NEO4J_PASSWORD="nope",
    )
    assert_silent(run)
    assert log_lines(repo.root)


@pytest.mark.parametrize(
    "data",
    [b"{not json", b"[1, 2]", b"", b"\xff\xfe", b'{"hook_event_name": 3}'],
    ids=["malformed", "not-an-object", "empty", "not-utf8", "wrong-types"],
)
def test_a_malformed_payload_is_silent(data: bytes, repo: HookRepo) -> None:
    assert_silent(run_hook("claude-code", data, repo, cwd=repo.root))


def test_a_huge_payload_is_silent(repo: HookRepo) -> None:
    data = payload("claude-code", "user_prompt_submit", repo.root, prompt="x" * 3_000_000)
    assert_silent(run_hook("claude-code", data, repo, cwd=repo.root))
    assert "over" in log_lines(repo.root)[-1]


def test_a_path_outside_the_repository_is_silent(repo: HookRepo) -> None:
    data = payload(
        "claude-code", "pre_tool_use_read", repo.root, tool_input={"file_path": "/etc/passwd"}
    )
    assert_silent(run_hook("claude-code", data, repo))
    assert "outside" in log_lines(repo.root)[-1]


def test_a_binary_file_is_silent(repo: HookRepo) -> None:
    logo = repo.root / "src" / "shop" / "logo.py"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    data = payload(
        "claude-code", "pre_tool_use_read", repo.root, tool_input={"file_path": str(logo)}
    )
    assert_silent(run_hook("claude-code", data, repo))


def test_the_deadline_ends_the_hook_silently(repo: HookRepo) -> None:
    run = run_hook(
        "claude-code",
        payload("claude-code", "session_start", repo.root),
        repo,
        GRAPHMEM_HOOK_DEADLINE="0.05",
    )
    assert_silent(run)
    assert "deadline" in log_lines(repo.root)[-1]


def test_hooks_can_be_turned_off(repo: HookRepo) -> None:
    data = payload("claude-code", "pre_tool_use_edit", repo.root)
    assert_silent(run_hook("claude-code", data, repo, GRAPHMEM_HOOKS="off"))
    (repo.root / ".graphmem" / "config.toml").write_text('[hooks]\nevents = ["session_start"]\n')
    assert_silent(run_hook("claude-code", data, repo))
