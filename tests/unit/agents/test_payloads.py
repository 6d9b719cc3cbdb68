"""Each agent's captured payloads become the right neutral event, and replies take each agent's
documented shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmem.agents.events import FileTouch, HookEvent
from graphmem.agents.payloads import parse_payload
from graphmem.agents.replies import reply

FIXTURES = Path(__file__).parents[2] / "fixtures" / "hooks"
ROOT = "/work/repo"
INVOICES = f"{ROOT}/src/shop/billing/invoices.py"
VSCODE_SESSION = "vscode-chat-session://local/b1f4c2d8-0a7e-4c39-9e55-6f1d2a3b4c5d"


def load(agent: str, name: str) -> HookEvent | None:
    text = (FIXTURES / agent / f"{name}.json").read_text().replace("__REPO__", ROOT)
    return parse_payload(agent, json.loads(text))


@pytest.mark.parametrize(
    ("agent", "name", "kind", "session"),
    [
        ("claude-code", "session_start", "session_start", "abc123"),
        ("claude-code", "pre_tool_use_edit", "before_file", "abc123"),
        ("claude-code", "pre_tool_use_read", "before_file", "abc123"),
        ("claude-code", "post_tool_use_edit", "after_edit", "abc123"),
        ("claude-code", "user_prompt_submit", "prompt", "abc123"),
        ("codex", "session_start", "session_start", "019a7c2e-6b0e-7f51-9a1c-3c4d5e6f7a8b"),
        (
            "codex",
            "pre_tool_use_apply_patch",
            "before_file",
            "019a7c2e-6b0e-7f51-9a1c-3c4d5e6f7a8b",
        ),
        (
            "codex",
            "post_tool_use_apply_patch",
            "after_edit",
            "019a7c2e-6b0e-7f51-9a1c-3c4d5e6f7a8b",
        ),
        ("cursor", "session_start", "session_start", "668320d2-2fd8-4888-b33c-2a466fec86e7"),
        ("cursor", "post_tool_use_read", "before_file", "668320d2-2fd8-4888-b33c-2a466fec86e7"),
        ("cursor", "after_file_edit", "after_edit", "668320d2-2fd8-4888-b33c-2a466fec86e7"),
        ("gemini", "session_start", "session_start", "7f3a9c1e-5b2d-4e8f-a6c0-1d2e3f4a5b6c"),
        ("gemini", "after_tool_read_file", "before_file", "7f3a9c1e-5b2d-4e8f-a6c0-1d2e3f4a5b6c"),
        ("gemini", "after_tool_replace", "after_edit", "7f3a9c1e-5b2d-4e8f-a6c0-1d2e3f4a5b6c"),
        ("gemini", "before_agent", "prompt", "7f3a9c1e-5b2d-4e8f-a6c0-1d2e3f4a5b6c"),
        ("cline", "session_start", "session_start", "1764669600123"),
        ("cline", "pre_tool_use_replace_in_file", "before_file", "1764669600123"),
        ("cline", "pre_tool_use_read_file_hooks_page", "before_file", "1764669700456"),
        ("cline", "post_tool_use_replace_in_file", "after_edit", "1764669600123"),
        ("cline", "user_prompt_submit", "prompt", "1764669600123"),
        ("vscode", "session_start", "session_start", VSCODE_SESSION),
        ("vscode", "pre_tool_use_read_file", "before_file", VSCODE_SESSION),
        ("vscode", "pre_tool_use_replace_string", "before_file", VSCODE_SESSION),
        ("vscode", "pre_tool_use_multi_replace", "before_file", VSCODE_SESSION),
        ("vscode", "post_tool_use_replace_string", "after_edit", VSCODE_SESSION),
    ],
)
def test_answered_events(agent: str, name: str, kind: str, session: str) -> None:
    event = load(agent, name)
    assert event is not None
    assert (event.agent, event.kind, event.session_id, event.cwd) == (agent, kind, session, ROOT)


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        ("claude-code", "pre_tool_use_bash"),
        ("codex", "pre_tool_use_bash"),
        ("cursor", "before_read_file"),  # takes only a permission: no context
        ("cursor", "before_submit_prompt"),  # takes only continue/user_message
        ("gemini", "before_tool_replace"),  # BeforeTool cannot add context
        ("cline", "pre_tool_use_execute_command"),
        ("vscode", "pre_tool_use_run_in_terminal"),
        ("vscode", "user_prompt_submit"),  # takes only the common output: no context
    ],
)
def test_events_graphmem_leaves_alone(agent: str, name: str) -> None:
    assert load(agent, name) is None


def test_an_edit_carries_its_old_text() -> None:
    event = load("claude-code", "pre_tool_use_edit")
    assert event is not None
    assert event.files == (FileTouch(INVOICES, ('            u.log("retry")',)),)
    multi = load("claude-code", "pre_tool_use_multiedit")
    assert multi is not None
    assert multi.files[0].old_texts == ('        u.log("sending")', "        self.helper.run()")


def test_a_vscode_edit_carries_its_old_text_and_a_multi_replace_each_file() -> None:
    event = load("vscode", "pre_tool_use_replace_string")
    assert event is not None
    assert event.files == (FileTouch(INVOICES, ('            u.log("retry")',)),)
    multi = load("vscode", "pre_tool_use_multi_replace")
    assert multi is not None
    assert multi.files == (
        FileTouch(INVOICES, ('        u.log("sending")', '            u.log("retry")')),
        FileTouch(f"{ROOT}/src/shop/billing/tax.py", ("def compute(",)),
    )


def test_vscode_running_claude_codes_hooks_gets_nothing_from_them() -> None:
    """VS Code runs .claude/settings.json's hooks too, with its own payloads: only
    `graphmem hook vscode` answers them, so a session is never briefed twice."""
    text = (FIXTURES / "vscode" / "session_start.json").read_text().replace("__REPO__", ROOT)
    assert parse_payload("claude-code", json.loads(text)) is None
    assert parse_payload("vscode", json.loads(text)) is not None


def test_a_codex_patch_names_its_files_and_removed_lines() -> None:
    event = load("codex", "pre_tool_use_apply_patch")
    assert event is not None
    assert event.files == (
        FileTouch("src/shop/billing/invoices.py", ('            u.log("retry")',)),
    )
    patch = (
        "*** Begin Patch\n*** Add File: a.py\n+x = 1\n*** Update File: b.py\n@@\n-old\n+new\n"
        "*** Delete File: c.py\n*** End Patch\n"
    )
    added = parse_payload(
        "codex",
        {
            "hook_event_name": "PreToolUse",
            "tool_name": "apply_patch",
            "tool_input": {"command": patch},
        },
    )
    assert added is not None
    assert added.files == (FileTouch("a.py"), FileTouch("b.py", ("old",)), FileTouch("c.py"))


def test_unexpected_shapes_are_tolerated() -> None:
    odd = {"hook_event_name": "PreToolUse", "tool_name": "Edit", "tool_input": ["not", "a", "map"]}
    event = parse_payload("claude-code", odd)
    assert event is not None and event.files == ()
    assert parse_payload("claude-code", {"hook_event_name": 7}) is None
    assert parse_payload("nobody", {"hook_event_name": "SessionStart"}) is None


@pytest.mark.parametrize("agent", ["claude-code", "codex", "gemini", "vscode"])
def test_replies_use_hook_specific_output(agent: str) -> None:
    name = {
        "claude-code": "pre_tool_use_edit",
        "codex": "pre_tool_use_apply_patch",
        "vscode": "pre_tool_use_read_file",
    }
    event = load(agent, name.get(agent, "after_tool_read_file"))
    assert event is not None
    assert reply(event, "text") == {
        "hookSpecificOutput": {"hookEventName": event.native_name, "additionalContext": "text"}
    }
    assert reply(event, "") is None


def test_cursor_replies_where_it_can_and_stays_silent_where_it_cannot() -> None:
    read = load("cursor", "post_tool_use_read")
    edit = load("cursor", "after_file_edit")
    assert read is not None and edit is not None
    assert reply(read, "text") == {"additional_context": "text"}
    assert reply(edit, "text") is None


def test_a_cline_replace_in_file_carries_the_text_of_its_search_blocks() -> None:
    event = load("cline", "pre_tool_use_replace_in_file")
    assert event is not None
    assert event.files == (
        FileTouch("src/shop/billing/invoices.py", ('            u.log("retry")',)),
    )
    older = {  # the marker Cline wrote before `------- SEARCH`, two blocks in one diff
        "hookName": "PreToolUse",
        "taskId": "t",
        "preToolUse": {
            "toolName": "replace_in_file",
            "parameters": {
                "path": "a.py",
                "diff": "<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n"
                "<<<<<<< SEARCH\ny = 1\n=======\ny = 2\n>>>>>>> REPLACE\n",
            },
        },
    }
    parsed = parse_payload("cline", older)
    assert parsed is not None and parsed.files == (FileTouch("a.py", ("x = 1", "y = 1")),)
    done = {"hookName": "TaskComplete", "taskId": "t", "taskComplete": {}}
    assert parse_payload("cline", done) is None


def test_cline_replies_with_its_context_modification() -> None:
    event = load("cline", "session_start")
    assert event is not None
    assert reply(event, "text") == {"cancel": False, "contextModification": "text"}
    assert reply(event, "") is None  # no JSON at all: Cline goes on
