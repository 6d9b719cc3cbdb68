"""`graphmem setup` round trips on configuration files that already hold user content: merged,
idempotent, --dry-run writes nothing, --remove takes out exactly what setup added."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graphmem.agents.setup import apply, detect_agents, plan
from graphmem.cli.main import main
from graphmem.errors import UsageError

USER_FILES = {
    ".claude/settings.json": {
        "permissions": {"allow": ["Bash(npm test:*)"]},
        "hooks": {
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "./guard.sh"}]}
            ],
            "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}],
        },
    },
    ".mcp.json": {"mcpServers": {"github": {"command": "gh-mcp", "args": []}}},
    ".codex/hooks.json": {
        "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "notify", "timeout": 3}]}]}
    },
    ".cursor/hooks.json": {
        "version": 1,
        "hooks": {"afterFileEdit": [{"command": "./format.sh"}]},
    },
    ".cursor/mcp.json": {"mcpServers": {"linear": {"url": "https://mcp.linear.app/sse"}}},
    ".vscode/mcp.json": {
        "servers": {"github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"}},
        "inputs": [],
    },
    ".github/hooks/format.json": {
        "hooks": {"PostToolUse": [{"type": "command", "command": "npx prettier --write ."}]}
    },
    ".gemini/settings.json": {
        "theme": "GitHub",
        "mcpServers": {"docs": {"httpUrl": "https://example.org/mcp"}},
        "hooks": {
            "BeforeTool": [
                {
                    "matcher": "run_shell_command",
                    "hooks": [{"type": "command", "command": "./check.sh"}],
                }
            ]
        },
    },
}
CODEX_TOML = '# my Codex settings\nmodel = "gpt-5.1-codex"\n\n[mcp_servers.docs]\nurl = "https://example.org/mcp"\n'
AGENTS = ["claude-code", "cline", "codex", "cursor", "gemini", "vscode"]
#: Cline's rules and a hook of the user's own, for an event graphmem does not answer.
CLINE_FILES = {
    ".clinerules/style.md": "- Keep functions short.\n",
    ".clinerules/hooks/TaskComplete": "#!/bin/sh\necho '{\"cancel\": false}'\n",
}


def write_user_files(root: Path) -> dict[str, str]:
    texts = {}
    for name, document in USER_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        texts[name] = json.dumps(document, indent=2) + "\n"
        path.write_text(texts[name])
    (root / ".codex" / "config.toml").write_text(CODEX_TOML)
    texts[".codex/config.toml"] = CODEX_TOML
    for name, text in CLINE_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        texts[name] = text
    return texts


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_setup_keeps_every_user_setting_and_adds_the_hooks(tmp_path: Path) -> None:
    write_user_files(tmp_path)
    apply(plan(tmp_path, AGENTS))
    claude = json.loads((tmp_path / ".claude/settings.json").read_text())
    assert claude["permissions"] == {"allow": ["Bash(npm test:*)"]}
    assert claude["hooks"]["PreToolUse"][0]["hooks"][0]["command"] == "./guard.sh"
    assert claude["hooks"]["Stop"] == USER_FILES[".claude/settings.json"]["hooks"]["Stop"]
    ours = claude["hooks"]["PreToolUse"][1]
    assert ours["matcher"] == "Read|Edit|Write|MultiEdit|NotebookEdit"
    assert ours["hooks"] == [
        {"type": "command", "command": "graphmem hook claude-code", "timeout": 5}
    ]
    assert {"SessionStart", "PostToolUse", "UserPromptSubmit"} <= set(claude["hooks"])
    mcp = json.loads((tmp_path / ".mcp.json").read_text())["mcpServers"]
    assert mcp == {
        "github": {"command": "gh-mcp", "args": []},
        "graphmem": {"command": "graphmem", "args": ["mcp"]},
    }
    codex_toml = (tmp_path / ".codex/config.toml").read_text()
    assert codex_toml.startswith(CODEX_TOML) and "[mcp_servers.graphmem]" in codex_toml
    cursor = json.loads((tmp_path / ".cursor/hooks.json").read_text())
    assert cursor["version"] == 1
    assert cursor["hooks"]["afterFileEdit"] == [
        {"command": "./format.sh"},
        {"command": "graphmem hook cursor"},
    ]
    gemini = json.loads((tmp_path / ".gemini/settings.json").read_text())
    assert gemini["theme"] == "GitHub" and "docs" in gemini["mcpServers"]
    assert gemini["hooks"]["AfterTool"][0]["hooks"][0]["command"] == "graphmem hook gemini"
    assert gemini["hooks"]["AfterTool"][0]["hooks"][0]["timeout"] == 5000  # Gemini counts ms
    vscode = json.loads((tmp_path / ".github/hooks/graphmem.json").read_text())
    ours_in_vscode = [{"type": "command", "timeout": 5, "command": "graphmem hook vscode"}]
    assert vscode == {
        "hooks": {event: ours_in_vscode for event in ("SessionStart", "PreToolUse", "PostToolUse")}
    }
    assert (tmp_path / ".github/hooks/format.json").read_text() == json.dumps(
        USER_FILES[".github/hooks/format.json"], indent=2
    ) + "\n"
    vscode_mcp = json.loads((tmp_path / ".vscode/mcp.json").read_text())
    assert vscode_mcp["inputs"] == [] and "github" in vscode_mcp["servers"]
    assert vscode_mcp["servers"]["graphmem"] == {
        "type": "stdio",
        "command": "graphmem",
        "args": ["mcp"],
    }
    for event in ("TaskStart", "TaskResume", "UserPromptSubmit", "PreToolUse", "PostToolUse"):
        script = tmp_path / ".clinerules/hooks" / event
        assert script.read_text().splitlines()[-1] == "graphmem hook cline 2>/dev/null || true"
        assert script.stat().st_mode & 0o111 == 0o111  # Cline runs it as a program
    assert (tmp_path / ".clinerules/hooks/TaskComplete").read_text() == (
        CLINE_FILES[".clinerules/hooks/TaskComplete"]
    )


def test_setup_twice_changes_nothing(tmp_path: Path) -> None:
    write_user_files(tmp_path)
    apply(plan(tmp_path, AGENTS))
    once = snapshot(tmp_path)
    assert plan(tmp_path, AGENTS) == []
    apply(plan(tmp_path, AGENTS))
    assert snapshot(tmp_path) == once


def test_remove_takes_out_exactly_what_setup_added(tmp_path: Path) -> None:
    before = write_user_files(tmp_path)
    apply(plan(tmp_path, AGENTS))
    apply(plan(tmp_path, AGENTS, remove=True))
    assert snapshot(tmp_path) == before
    assert plan(tmp_path, AGENTS, remove=True) == []


def test_on_an_empty_repository_remove_leaves_nothing_behind(tmp_path: Path) -> None:
    apply(plan(tmp_path, AGENTS))
    assert detect_agents(tmp_path) == AGENTS
    assert (tmp_path / ".mcp.json").exists()
    apply(plan(tmp_path, AGENTS, remove=True))
    assert list(tmp_path.iterdir()) == []


def test_a_server_of_the_users_own_named_graphmem_is_left_alone(tmp_path: Path) -> None:
    custom = {"mcpServers": {"graphmem": {"command": "/opt/graphmem", "args": ["mcp", "--x"]}}}
    (tmp_path / ".mcp.json").write_text(json.dumps(custom))
    apply(plan(tmp_path, ["claude-code"]))
    assert json.loads((tmp_path / ".mcp.json").read_text()) == custom
    apply(plan(tmp_path, ["claude-code"], remove=True))
    assert json.loads((tmp_path / ".mcp.json").read_text()) == custom


def test_a_file_that_is_not_json_is_a_one_line_error_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude/settings.json").write_text("{ // a comment\n}")
    with pytest.raises(UsageError, match="not plain JSON"):
        plan(tmp_path, ["claude-code"])
    assert snapshot(tmp_path) == {".claude/settings.json": "{ // a comment\n}"}


def test_codex_servers_declared_inline_are_refused_not_broken(tmp_path: Path) -> None:
    """`mcp_servers = { docs = {...} }` cannot take a [mcp_servers.graphmem] table after it:
    the file written was TOML no reader loads, which broke the user's own servers."""
    inline = 'model = "o3"\nmcp_servers = { docs = { command = "npx", args = ["docs-mcp"] } }\n'
    (tmp_path / ".codex").mkdir()
    (tmp_path / ".codex/config.toml").write_text(inline)
    with pytest.raises(UsageError, match="add graphmem to it yourself"):
        plan(tmp_path, ["codex"])
    assert snapshot(tmp_path) == {".codex/config.toml": inline}


def test_cli_dry_run_prints_the_diff_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = write_user_files(tmp_path)
    (tmp_path / ".git").mkdir()
    assert main(["--repo", str(tmp_path), "setup", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+++ b/.claude/settings.json" in out and '"graphmem hook claude-code"' in out
    assert "+[mcp_servers.graphmem]" in out
    assert snapshot(tmp_path) == before
    assert main(["--repo", str(tmp_path), "setup", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["agents"] == AGENTS and len(report["files"]) == 14  # Cline: 5 scripts


def test_cli_without_agents_or_folders_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "graphmem.cli.main", "--repo", str(tmp_path), "setup"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "graphmem setup claude-code" in done.stderr


def test_a_cline_hook_of_the_users_own_is_never_overwritten(tmp_path: Path) -> None:
    own = tmp_path / ".clinerules/hooks/PreToolUse"
    own.parent.mkdir(parents=True)
    own.write_text("#!/bin/sh\n./guard.sh\n")
    with pytest.raises(UsageError, match="hook of your own"):
        plan(tmp_path, ["cline"])
    assert sorted(p.name for p in own.parent.iterdir()) == ["PreToolUse"]


def test_a_clinerules_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / ".clinerules").write_text("- Keep functions short.\n")
    with pytest.raises(UsageError, match="is a file.*rules.md"):
        plan(tmp_path, ["cline"])
    assert (tmp_path / ".clinerules").read_text() == "- Keep functions short.\n"


@pytest.mark.parametrize("on_path", [True, False])
def test_a_cline_script_never_cancels_the_task(tmp_path: Path, on_path: bool) -> None:
    """Cline cancels the tool call of a hook that exits non-zero: the script exits 0 whether
    or not graphmem is on the PATH."""
    apply(plan(tmp_path, ["cline"]))
    script = tmp_path / ".clinerules/hooks/PreToolUse"
    path = str(Path(sys.executable).parent) if on_path else str(tmp_path / "nothing")
    done = subprocess.run(
        ["/bin/sh", str(script)],
        input=json.dumps({"hookName": "TaskComplete", "taskId": "t"}),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": f"{path}:/usr/bin:/bin"},
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "")
