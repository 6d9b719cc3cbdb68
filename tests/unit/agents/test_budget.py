"""Hook limits from .graphmem/config.toml and the environment, and fitting blocks to a cap."""

from __future__ import annotations

from pathlib import Path

from graphmem.agents.budget import Block, HookBudget, load_budget, measure
from graphmem.queries.tokens import default_counter


def test_defaults(tmp_path: Path) -> None:
    assert load_budget(tmp_path, {}) == HookBudget()
    budget = HookBudget()
    assert (budget.briefing_tokens, budget.injection_tokens, budget.session_tokens) == (
        1500,
        600,
        6000,
    )
    assert budget.deadline_seconds == 1.0


def test_config_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / ".graphmem").mkdir()
    (tmp_path / ".graphmem" / "config.toml").write_text(
        "[store]\nother = 1\n\n[hooks]\ninjection_tokens = 300\nsession_tokens = 2000\n"
        'deadline_seconds = 0.5\nevents = ["session_start", "before_file", "nonsense"]\n'
    )
    budget = load_budget(tmp_path, {})
    assert (budget.injection_tokens, budget.session_tokens, budget.deadline_seconds) == (
        300,
        2000,
        0.5,
    )
    assert budget.events == {"session_start", "before_file"}
    env = {"GRAPHMEM_HOOK_INJECTION_TOKENS": "100", "GRAPHMEM_HOOKS": "off"}
    overridden = load_budget(tmp_path, env)
    assert overridden.injection_tokens == 100 and not overridden.enabled


def test_blocks_are_counted_with_the_real_tokenizer() -> None:
    counter = default_counter()
    measured = measure(counter, [("a", "Invoices are immutable."), ("b", "")])
    assert measured == [
        Block("a", "Invoices are immutable.", counter.count("Invoices are immutable.")),
        Block("b", "", 0),
    ]
    assert 3 <= measured[0].tokens <= 8
