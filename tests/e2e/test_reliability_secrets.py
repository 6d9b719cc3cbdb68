"""Secrets never reach the store: not stored, exported, indexed or logged (events, receipts).

A corpus of realistic (fake) credentials goes through every field a user fills: memory text,
rationale, tags, source, failure details, a retraction reason, search queries and targets. Then
the whole export, the full-text index, the audit trail and, for the embedded store, the raw bytes
of the database and its WAL are searched for each secret's sensitive part.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.api import GraphMem
from graphmem.errors import GraphMemError
from graphmem.model.graph import Label
from graphmem.settings import Settings
from graphmem.store import GraphStore
from graphmem.store.transfer import export_records

FIXTURE_REPO = Path(__file__).resolve().parents[1] / "fixtures" / "pyrepo"

_KEY_BODY = (
    "MIIEowIBAAKCAQEAzQ8b7Jx1k2VvY0Qe5Uu3J9m1e8Q2Yf0T1y8iPq3L7u2Xr5Hc\n"
    "Vd6W3rK9pLm2Qw8sT4nY7bH1cE5gJ0kR2uI3oP9aS6dF4gH7jK1lZ2xC3vB5nM8q\n"
    "W1eR4tY6uI9oP0aS2dF5gH8jK3lZ6xC9vB1nM4qW7eR0tY3uI6oP9aS2dF5gH8jK\n"
)

#: (name, text as a user would paste it, the sensitive part that must vanish)
CORPUS: list[tuple[str, str, str]] = [
    ("aws access key", "use key AKIAZ7Q3LKD9XW2PLM4T for the uploader", "AKIAZ7Q3LKD9XW2PLM4T"),
    (
        "aws secret key",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8mT3vLp2",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8mT3vLp2",
    ),
    (
        "github token",
        "CI pushes with ghp_R8vX2mQ9tL4kP7wZ3nB6yH1jD5fG0sA8cE2u",
        "ghp_R8vX2mQ9tL4kP7wZ3nB6yH1jD5fG0sA8cE2u",
    ),
    (
        "github fine-grained token",
        "token github_pat_11ABCDEFG0abcdefghijkl_MNOPqrstUVWXyz0123456789abcdefghijklmnopQRS",
        "github_pat_11ABCDEFG0abcdefghijkl_MNOPqrstUVWXyz0123456789abcdefghijklmnopQRS",
    ),
    ("gitlab token", "deploy with glpat-x9Yz8Wv7Ut6Sr5Qp4On3", "glpat-x9Yz8Wv7Ut6Sr5Qp4On3"),
    (
        "slack bot token",
        "bot posts with xoxb-918273645012-1029384756102-QwErTyUiOpAsDfGhJkLzXcVb",
        "xoxb-918273645012-1029384756102-QwErTyUiOpAsDfGhJkLzXcVb",
    ),
    (
        "slack webhook",
        "alerts go to https://hooks.slack.com/services/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",
        "q1W2e3R4t5Y6u7I8o9P0a1S2",
    ),
    (
        "stripe live key",
        "billing uses sk_live_51Hx9kLmNoPqRsTuVwXyZa0b1C2d3E4f",
        "sk_live_51Hx9kLmNoPqRsTuVwXyZa0b1C2d3E4f",
    ),
    (
        "google api key",
        "maps key AIzaSyD4fG7hJ0kL3mN6pQ9rS2tU5vW8xY1zA4b",
        "AIzaSyD4fG7hJ0kL3mN6pQ9rS2tU5vW8xY1zA4b",
    ),
    (
        "openai key",
        "the summariser calls OpenAI with sk-proj-Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef",
        "sk-proj-Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef",
    ),
    (
        "jwt",
        "test with eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJyb290In0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    (
        "rsa private key",
        "the signing key:\n-----BEGIN RSA PRIVATE KEY-----\n"
        f"{_KEY_BODY}-----END RSA PRIVATE KEY-----",
        "zQ8b7Jx1k2VvY0Qe5Uu3J9m1e8Q2Yf0T1y8iPq3L7u2Xr5Hc",
    ),
    (
        "openssh private key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
        "AAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQAAACBk\n-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
    ),
    (
        "postgres url",
        "prod is postgres://billing:Pg-S3cr3t-2026@db.internal:5432/billing",
        "Pg-S3cr3t-2026",
    ),
    (
        "mongodb url",
        "mongodb+srv://app:Mongo9Pass9Word@cluster0.abcde.mongodb.net/shop",
        "Mongo9Pass9Word",
    ),
    ("redis url", "cache at redis://:r3d1sPassw0rd!@cache:6379/0", "r3d1sPassw0rd!"),
    ("password assignment", "set DB_PASSWORD=Tr0ub4dor-and-3 in the env", "Tr0ub4dor-and-3"),
    ("json secret", '{"client_secret": "cS-8f7e6d5c4b3a2910ffee"}', "cS-8f7e6d5c4b3a2910ffee"),
    (
        "bearer header",
        "curl -H 'Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc'",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc",
    ),
    (
        "basic auth header",
        "Authorization: Basic YWRtaW46c3VwZXJzZWNyZXQxMjM=",
        "YWRtaW46c3VwZXJzZWNyZXQxMjM=",
    ),
    (
        "azure storage",
        "DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey="
        "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG9mcmVkcGx1Z3h5enp5MTIzNDU2Nzg5MA==;"
        "EndpointSuffix=core.windows.net",
        "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG9mcmVkcGx1Z3h5enp5MTIzNDU2Nzg5MA==",
    ),
]


def _memory_fields(text: str) -> dict[str, Any]:
    return {
        "rationale": f"because {text}",
        "source": f"https://wiki.internal/page?note={text}",
        "tags": [text, "ops"],
        "symptom": f"login failed with {text}",
        "cause": text,
        "fix": f"rotated {text}",
    }


@pytest.fixture
def gm(store: GraphStore, tmp_path: Path, embedder: Any) -> GraphMem:
    root = tmp_path / "shop"
    shutil.copytree(FIXTURE_REPO, root)
    g = GraphMem(
        Settings(store="unused", author="ops", user="ops"),
        repo_root=root,
        store=store,
        embedder=embedder,
    )
    g.ingest(history=0)
    return g


def _everything(store: GraphStore) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in export_records(store))


def _words(secret: str) -> list[str]:
    """Distinctive words of a secret as a full-text index splits it (long runs only)."""
    import re

    return [w for w in re.findall(r"\w+", secret) if len(w) >= 12]


def test_no_secret_is_stored_exported_indexed_or_logged(
    gm: GraphMem, store: GraphStore, check_integrity: Callable[[GraphStore], Any]
) -> None:
    redacted_types: set[str] = set()
    kept: list[str] = []
    for i, (name, text, _) in enumerate(CORPUS):
        result = gm.remember(
            "failure",
            f"incident {i} ({name}): {text}",
            governs=["src/shop/"],
            **_memory_fields(text),
        )
        redacted_types |= {r.type for r in result.redactions}
        assert result.redactions, f"{name}: no redaction reported"
        kept.append(result.memory.id)
        # the places that record what a user typed without making a memory
        gm.search(f"what about {text}")
        with contextlib.suppress(GraphMemError):
            gm.context(f"src/shop/{text}")
    gm.retract(kept[0], reason=f"leaked: {CORPUS[0][1]} and {CORPUS[13][1]}")
    dump = _everything(store)
    leaks = [name for name, _, secret in CORPUS if secret in dump]
    assert leaks == [], f"stored or exported: {leaks}"
    for name, _, secret in CORPUS:
        for word in _words(secret):
            hits = store.fulltext_search(word, Label.MEMORY)
            assert hits == [], f"{name}: full-text search for {word!r} finds {hits}"
    events = "\n".join(e.model_dump_json() for e in gm.events(limit=None))
    receipts = "\n".join(r.model_dump_json() for r in gm.receipts(limit=None))
    for name, _, secret in CORPUS:
        assert secret not in events, f"{name} in the audit trail"
        assert secret not in receipts, f"{name} in a retrieval receipt"
    path = getattr(store, "path", None)
    if path is not None:  # the raw bytes of the database, its WAL and journal
        raw = b"".join(
            p.read_bytes() for p in Path(path).parent.glob(Path(path).name + "*") if p.is_file()
        )
        raw_leaks = [name for name, _, secret in CORPUS if secret.encode() in raw]
        assert raw_leaks == [], f"in the database file: {raw_leaks}"
    check_integrity(store)
    print(
        f"\n[secrets/{store.name}] {len(CORPUS)} secrets x 8 fields: none stored, exported, "
        f"indexed or in events/receipts; types reported: {sorted(redacted_types)}"
    )


def test_secrets_never_reach_cli_output_either(tmp_path: Path, run_cli: Callable[..., Any]) -> None:
    root = tmp_path / "shop"
    shutil.copytree(FIXTURE_REPO, root)
    common = ("--store", str(tmp_path / "graph.db"), "--repo", str(root))
    secrets = [CORPUS[2], CORPUS[13], CORPUS[11]]
    text = " and ".join(t for _, t, _ in secrets)
    for args in (
        ("remember", "fact", text, "--rationale", text, "--tag", CORPUS[2][1]),
        ("remember", "fact", text, "--json"),
        ("search", text),
        ("log",),
        ("export", "--format", "jsonl"),
        ("export", "--format", "markdown"),
    ):
        result = run_cli(*args, *common)
        for name, _, secret in secrets:
            assert secret not in result.out + result.err, (args, name)


# -- every other way in: JSONL import, commit history -----------------------------------------


def _raw_bytes(store: GraphStore) -> bytes:
    """The database file, its WAL and journal (embedded store); nothing for Neo4j."""
    path = getattr(store, "path", None)
    if path is None:
        return b""
    return b"".join(
        p.read_bytes() for p in Path(path).parent.glob(Path(path).name + "*") if p.is_file()
    )


def _assert_nowhere(gm: GraphMem, store: GraphStore, secrets: list[tuple[str, str]]) -> None:
    """No secret in the export, the full-text indexes, the audit trail or the database bytes."""
    dump = _everything(store)
    assert [name for name, secret in secrets if secret in dump] == [], "stored or exported"
    for name, secret in secrets:
        for word in _words(secret):
            for label in (Label.MEMORY, Label.COMMIT):
                hits = store.fulltext_search(word, label)
                assert hits == [], f"{name}: full-text search for {word!r} finds {hits}"
    trail = "\n".join(e.model_dump_json() for e in gm.events(limit=None))
    trail += "\n".join(r.model_dump_json() for r in gm.receipts(limit=None))
    assert [name for name, secret in secrets if secret in trail] == [], "in events or receipts"
    raw = _raw_bytes(store)
    assert [name for name, secret in secrets if secret.encode() in raw] == [], "in the db file"


def _hostile_export(marked: bool) -> str:
    """A JSONL file someone else wrote: every corpus secret in a memory's text fields, in a
    commit's message and author email, and in a receipt's query."""
    extra = {"redacted": "graphmem"} if marked else {}
    lines = []
    for i, (name, text, _) in enumerate(CORPUS):
        props = {
            "kind": "fact",
            "text": f"imported {i} ({name}): {text}",
            "status": "active",
            "repo": "shop",
            "author": "someone",
            "created_at": "2026-11-01T00:00:00+00:00",
            "valid_from": "2026-11-01T00:00:00+00:00",
            **_memory_fields(text),
            "embedding": [0.1] * 384,
        }
        lines.append(
            {
                "kind": "node",
                "id": f"f-imp{i:03d}",
                "labels": ["Fact", "Memory"],
                "properties": props,
                **extra,
            }
        )
        lines.append(
            {
                "kind": "node",
                "id": f"c-imp{i:03d}",
                "labels": ["CodeEntity", "Commit"],
                "properties": {
                    "repo": "shop",
                    "kind": "Commit",
                    "sha": f"{i:040x}",
                    "name": f"{i:012x}",
                    "message": f"Fix {name}: {text}",
                    "author": "Eve",
                    "author_email": text,
                },
                **extra,
            }
        )
        lines.append(
            {
                "kind": "node",
                "id": f"rc-imp{i:03d}",
                "labels": ["Receipt"],
                "properties": {
                    "repo": "shop",
                    "operation": "search",
                    "query": f"what about {text}",
                    "memory_ids": [],
                    "at": "2026-11-01T00:00:00+00:00",
                },
                **extra,
            }
        )
    return "".join(json.dumps(line) + "\n" for line in lines)


def test_a_jsonl_import_leaves_no_secret_behind(
    gm: GraphMem, store: GraphStore, check_integrity: Callable[[GraphStore], Any]
) -> None:
    import io

    result = gm.import_jsonl(io.StringIO(_hostile_export(marked=False)))
    assert result.memories == len(CORPUS)
    assert {f"f-imp{i:03d}" for i in range(len(CORPUS))} <= set(result.redacted_records)
    assert {f"c-imp{i:03d}" for i in range(len(CORPUS))} <= set(result.redacted_records)
    assert sum(r.count for r in result.redactions) >= 3 * len(CORPUS)
    assert "redacted before storing" in result.describe()
    _assert_nowhere(gm, store, [(name, secret) for name, _, secret in CORPUS])
    # an imported memory is served with its redacted text, and found by meaning
    memory = store.get_node("f-imp000")
    assert memory is not None and "[REDACTED:aws-access-key]" in memory.get("text")
    assert memory.get("embedding") != [0.1] * 384, "the embedding of the secret text was kept"
    hits = gm.search("imported aws access key for the uploader").hits
    assert "f-imp000" in [h.id for h in hits]
    check_integrity(store)
    print(
        f"\n[secrets/import/{store.name}] {len(CORPUS)} secrets x 11 fields of 3 record kinds: "
        f"{sum(r.count for r in result.redactions)} redactions, none left"
    )


def test_a_forged_redaction_marker_still_loses_the_known_formats(
    gm: GraphMem, store: GraphStore
) -> None:
    import io

    from graphmem.memory.redaction import redact_light

    known = [(name, secret) for name, text, secret in CORPUS if redact_light(text).counts]
    assert len(known) == len(CORPUS)  # graphmem's own patterns know every format of the corpus
    gm.import_jsonl(io.StringIO(_hostile_export(marked=True)))
    _assert_nowhere(gm, store, known)


def test_commit_messages_and_author_emails_are_redacted_as_indexed(
    store: GraphStore, tmp_path: Path, embedder: Any
) -> None:
    import subprocess

    root = tmp_path / "shop"
    shutil.copytree(FIXTURE_REPO, root)
    picked = [CORPUS[0], CORPUS[2], CORPUS[9], CORPUS[11], CORPUS[13], CORPUS[16]]

    def git(*args: str, email: str = "ana@example.com") -> None:
        subprocess.run(
            ["git", "-c", "user.name=Ana", "-c", f"user.email={email}", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "Add the shop")
    for i, (_, text, _) in enumerate(picked):
        (root / "src" / "shop" / f"note_{i}.py").write_text(f"N = {i}\n")
        git("add", ".")
        git("commit", "-q", "-m", f"Rotate credentials {i}\n\n{text}", email=CORPUS[2][2])
    gm = GraphMem(
        Settings(store="unused", author="ops", user="ops"),
        repo_root=root,
        store=store,
        embedder=embedder,
    )
    report = gm.ingest(history=20)
    assert any("redacted from commit messages" in w for w in report.warnings), report.warnings
    commits = list(store.iter_nodes(Label.COMMIT))
    assert len(commits) == len(picked) + 1
    emails = {c.get("message"): c.get("author_email") for c in commits}
    assert emails.pop("Add the shop") == "ana@example.com"
    assert all("[REDACTED:github-token]" in str(e) for e in emails.values()), emails
    gm.search("rotate credentials")
    _assert_nowhere(gm, store, [(name, secret) for name, _, secret in [*picked, CORPUS[2]]])
    print(
        f"\n[secrets/history/{store.name}] {len(picked)} secrets in commit messages and one "
        f"in every author email: none indexed"
    )


def test_adr_and_rules_files_are_redacted_as_imported(
    store: GraphStore, tmp_path: Path, embedder: Any
) -> None:
    root = tmp_path / "shop"
    shutil.copytree(FIXTURE_REPO, root)
    picked = [CORPUS[0], CORPUS[2], CORPUS[4], CORPUS[9], CORPUS[13]]
    adr = root / "docs" / "adr"
    adr.mkdir(parents=True)
    for i, (name, text, _) in enumerate(picked):
        (adr / f"000{i + 1}-credentials-{i}.md").write_text(
            f"# {i + 1}. Credentials for {name}\n\nDate: 2026-11-0{i + 1}\n\n## Status\n\n"
            f"Accepted\n\n## Context\n\nThe uploader needs credentials.\n\n## Decision\n\n"
            f"We keep them out of the code; for the record {text}.\n\n## Consequences\n\n"
            f"Rotation is manual.\n"
        )
    rules = "\n".join(f"- Never paste credentials into code ({text})" for _, text, _ in picked)
    (root / "AGENTS.md").write_text(f"# Agent rules\n\n{rules}\n")
    gm = GraphMem(
        Settings(store="unused", author="ops", user="ops"),
        repo_root=root,
        store=store,
        embedder=embedder,
    )
    gm.ingest(history=0)
    memories = list(store.iter_nodes(Label.MEMORY))
    assert len(memories) >= 2 * len(picked), [m.get("text") for m in memories]
    assert all("[REDACTED:" in str(m.get("text")) + str(m.get("rationale")) for m in memories)
    gm.search("credentials uploader")
    _assert_nowhere(gm, store, [(name, secret) for name, _, secret in picked])
    print(
        f"\n[secrets/documents/{store.name}] {len(picked)} secrets in ADRs and as many in "
        f"AGENTS.md rules: none stored"
    )
