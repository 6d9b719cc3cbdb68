"""Graphmem inside the agent's loop: lifecycle hooks, their setup, and keeping the graph fresh.

An agent runs `graphmem hook AGENT` as a fresh process at its lifecycle events. `payloads` turns
that agent's JSON into one neutral `HookEvent`; `hook` decides what to say (`briefing`) within
the budgets (`budget`), once per session (`session_state`), and `replies` answers in the agent's
own format. `setup` registers the hooks in each agent's project files; `watch` keeps the graph
in step with the working tree; `freshness` says when it is not.
"""
