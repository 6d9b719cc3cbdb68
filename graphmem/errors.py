"""One error hierarchy, so adapters (CLI, MCP) can turn any user error into one clean line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Remedy:
    """What would fix an error, in the domain's terms: each adapter (CLI, MCP) says it in its
    own (a flag for one, a tool argument for the other), so the domain never names either.

    `action` is one of: ``name-user`` (say who the reader is), ``record-again`` (remember the
    knowledge anew on the current code, superseding `memory`; `kind` says which kind).
    """

    action: str
    params: Mapping[str, str] = field(default_factory=dict)


class GraphMemError(Exception):
    """Root of every error graphmem raises on purpose. The message is shown to users as-is."""

    #: CLI exit code for this kind of error.
    exit_code = 1

    def __init__(self, message: str = "", *, remedy: Remedy | None = None) -> None:
        super().__init__(message)
        self.remedy = remedy


class UsageError(GraphMemError):
    """The caller asked for something malformed (bad argument, bad query, bad file)."""

    exit_code = 2


class NotFoundError(GraphMemError):
    """An id or target that does not exist. `suggestions` lists close matches, if any."""

    exit_code = 3

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        self.suggestions = suggestions or []
        if self.suggestions:
            message = f"{message} (did you mean: {', '.join(self.suggestions[:5])}?)"
        super().__init__(message)


class ConflictError(GraphMemError):
    """The request contradicts the current state (a supersession cycle, a retracted memory...)."""

    exit_code = 4


class StoreError(GraphMemError):
    """The store cannot be opened or written: unreachable server, bad credentials, corrupt file."""

    exit_code = 5


class StoreUnavailableError(StoreError):
    """The store is (temporarily) out of reach; retrying later may succeed."""


class ReadOnlyStoreError(StoreError):
    """A write on a connection that may only read: a read-only graphmem connection
    (GRAPHMEM_READ_ONLY), or a database user without the write privilege."""


class CapabilityError(GraphMemError):
    """The backend cannot do this; the message says what to use instead."""

    exit_code = 6
