"""Driver exceptions to graphmem's errors, each with one line a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from neo4j import exceptions as neo4j_errors

from graphmem.errors import (
    GraphMemError,
    ReadOnlyStoreError,
    StoreError,
    StoreUnavailableError,
    UsageError,
)

ACCESS_MODE = "Neo.ClientError.Statement.AccessMode"
DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"
#: A write sent to a cluster member that cannot take it (a follower, a read replica).
FOLLOWER_CODES = frozenset(
    {
        "Neo.ClientError.Cluster.NotALeader",
        "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
    }
)
_TLS_SCHEMES = ("bolt+s://", "bolt+ssc://", "neo4j+s://", "neo4j+ssc://")
_WRITE_REFUSED = "this query writes; pass --write to allow it"
#: What Neo4j says when a user lacks a privilege (Enterprise roles, e.g. `reader`).
FORBIDDEN = "Neo.ClientError.Security.Forbidden"
READ_ONLY_REFUSED = (
    "this graphmem connection to Neo4j is read-only (GRAPHMEM_READ_ONLY): Neo4j refused the "
    "write, which needs the WRITE privilege; unset GRAPHMEM_READ_ONLY to write"
)


def first_line(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return str(message).strip().splitlines()[0]


def unreachable(url: str) -> StoreUnavailableError:
    if url.startswith(_TLS_SCHEMES):
        return StoreUnavailableError(
            f"cannot reach Neo4j at {url} over TLS: is it running, and does it accept TLS? "
            "(+s needs a trusted certificate, +ssc accepts a self-signed one; a server without "
            "TLS takes neo4j:// or bolt://)"
        )
    return StoreUnavailableError(f"cannot reach Neo4j at {url}: is it running? (make neo4j)")


@contextmanager
def translated(url: str, doing: str, database: str | None = None) -> Iterator[None]:
    """Re-raise driver errors met while `doing` something as StoreError / UsageError."""
    try:
        yield
    except GraphMemError:
        raise
    except neo4j_errors.AuthError as e:
        raise StoreError(
            f"Neo4j at {url} refused the credentials ({first_line(e)}): "
            "check NEO4J_USERNAME and NEO4J_PASSWORD"
        ) from e
    except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as e:
        raise StoreUnavailableError(
            f"lost the connection to Neo4j at {url} while {doing}: is it still running? "
            "(make neo4j)"
        ) from e
    except neo4j_errors.Neo4jError as e:
        if e.code == DATABASE_NOT_FOUND:
            raise StoreError(
                f"Neo4j at {url} has no database {database!r}: check NEO4J_DATABASE"
            ) from e
        if e.code == ACCESS_MODE:
            raise UsageError(_WRITE_REFUSED) from e
        if e.code == FORBIDDEN:
            raise ReadOnlyStoreError(
                f"Neo4j refused this for lack of a privilege while {doing}: {first_line(e)} "
                "(reads need only the READ and MATCH privileges; writes need WRITE)"
            ) from e
        if e.code in FOLLOWER_CODES:
            raise StoreError(
                f"Neo4j at {url} cannot take writes (a cluster follower or read replica): "
                "connect with neo4j:// to the cluster so writes are routed to the leader"
            ) from e
        if isinstance(e, neo4j_errors.TransientError):
            raise StoreUnavailableError(f"Neo4j is busy while {doing}: {first_line(e)}") from e
        if isinstance(e, neo4j_errors.CypherTypeError):
            raise UsageError(f"Neo4j refused a value while {doing}: {first_line(e)}") from e
        raise StoreError(f"Neo4j failed while {doing}: {first_line(e)}") from e
    except neo4j_errors.DriverError as e:
        raise StoreError(f"Neo4j driver error while {doing}: {first_line(e)}") from e


@contextmanager
def translated_user_query(url: str, database: str | None = None) -> Iterator[None]:
    """As `translated`, but a client error in user Cypher is the user's to fix: UsageError."""
    try:
        yield
    except neo4j_errors.CypherSyntaxError as e:
        raise UsageError(f"Cypher syntax error: {first_line(e)}") from e
    except neo4j_errors.ClientError as e:
        if e.code == ACCESS_MODE:
            raise UsageError(_WRITE_REFUSED) from e
        if e.code is not None and (
            e.code.startswith("Neo.ClientError.Security.") or e.code == DATABASE_NOT_FOUND
        ):
            with translated(url, "running the query", database):
                raise
        raise UsageError(f"Cypher error: {first_line(e)}") from e
    except Exception:
        with translated(url, "running the query", database):
            raise
