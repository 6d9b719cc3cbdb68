"""Redaction on a realistic corpus of engineering notes: every secret goes, ordinary hex, shas,
UUIDs and prose stay. No store needed: redaction runs before anything reaches one."""

from __future__ import annotations

import pytest

from graphmem.memory.redaction import redact, redact_fields, redact_light

PRIVATE_KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB
aFDrBz9vFqU4yX5ZyQ6iWZ0dJ1eJYqZ6z4t1uA7yVYkPz6iL0mW1Z2yG8eU3Hn4L
-----END RSA PRIVATE KEY-----"""

SECRETS: list[tuple[str, str, str]] = [
    # (text, secret that must disappear, redaction type)
    ("CI uses AKIAIOSFODNN7EXAMPLE for uploads", "AKIAIOSFODNN7EXAMPLE", "aws-access-key"),
    (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws-secret-key",
    ),
    (
        "The deploy bot token is ghp_1234567890abcdefghijklmnopqrstuvwxyz12, rotate yearly",
        "ghp_1234567890abcdefghijklmnopqrstuvwxyz12",
        "github-token",
    ),
    (
        "use github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
        "github-token",
    ),
    (
        "GitLab: glpat-xxxxxxxxxxxxxxxxxxxx12 for the mirror",
        "glpat-xxxxxxxxxxxxxxxxxxxx12",
        "gitlab-token",
    ),
    (
        "slack bot xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx posts alerts",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "slack-token",
    ),
    (
        "alerts go to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "slack-webhook",
    ),
    (
        "Stripe test key sk_test_4eC39HqLyjWDarjtT1zdp7dc in fixtures",
        "4eC39HqLyjWDarjtT1zdp7dc",
        "stripe-key",
    ),
    (
        "prod uses rk_live_51H8abcdefghijklmnopqrstu",
        "rk_live_51H8abcdefghijklmnopqrstu",
        "stripe-key",
    ),
    (
        "jwt for tests: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "jwt",
    ),
    (
        f"the signing key:\n{PRIVATE_KEY}\nkeep it in vault",
        "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn",
        "private-key",
    ),
    (
        "connect with postgres://billing:S3cr3t-P4ss@db.internal:5432/billing",
        "S3cr3t-P4ss",
        "url-password",
    ),
    ("redis://:hunter2hunter2@cache:6379/0 is the queue", "hunter2hunter2", "url-password"),
    ("set DB_PASSWORD=correct-horse-battery in .env", "correct-horse-battery", "password"),
    (
        'config has api_key: "9f86d081884c7d659a2feaa0c55ad015"',
        "9f86d081884c7d659a2feaa0c55ad015",
        "password",
    ),
    ("client_secret => 'AbC123xyz987QwE'", "AbC123xyz987QwE", "password"),
    (
        "curl -H 'Authorization: Bearer abcdef1234567890ABCDEF1234567890'",
        "abcdef1234567890ABCDEF1234567890",
        "bearer-token",
    ),
    (
        "maps key AIzaSyD-1234567890abcdefghijklmnopqrstu",
        "AIzaSyD-1234567890abcdefghijklmnopqrstu",
        "google-api-key",
    ),
    (
        "OPENAI: sk-proj-abcdefghijklmnopqrstT3BlbkFJabcdefghijklmnopqrst",
        "sk-proj-abcdefghijklmnopqrstT3BlbkFJabcdefghijklmnopqrst",
        "openai-key",
    ),
    (
        "old key sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
        "sk-abcdefghijklmnopqrstuvwxyz0123456789",
        "openai-key",
    ),
]

ORDINARY = [
    "Fixed in commit 3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345 by reverting the cache change",
    "See commit 3f9a1c2 and PR #1234",
    "Request 550e8400-e29b-41d4-a716-446655440000 failed with a 502",
    'The empty file hashes to "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
    "content_hash c0b1577576d7baf4 changed after the refactor",
    "md5 of the fixture is d41d8cd98f00b204e9800998ecf8427e",
    "The password reset flow sends a link valid for 30 minutes",
    "Tokens are validated by auth.tokens.verify_token before every request",
    "def login(username: str, password: str) -> Session",
    "api_key: os.environ['PAYMENTS_KEY'] is read at start-up",
    "token = ${GITHUB_TOKEN} in the workflow",
    "Use scikit-learn (not sk-learn) for the model",
    "Clone from https://github.com/acme/shop.git or git@github.com:acme/shop.git",
    "Invoices are immutable once sent; corrections use credit notes",
    "Set the timeout to 30s and retry 3 times with exponential backoff",
    "Docker image sha256:9b2a5c7e1f3d4b6a8c0e2f4a6b8d0c2e4f6a8b0d2c4e6f8a0b2d4c6e8f0a2b4c",
    "The secret sauce is the incremental re-resolution of imports",
    "Build id 2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e",
    "Version 1.2.3-rc.4+build.5 ships on 2026-11-21",
    "user 1001 owns /var/lib/shop, mode 0750",
    "Never commit secrets: configuration comes from the environment.",
    "The API token: rotate it monthly, and never log it",
]


@pytest.mark.parametrize(("text", "secret", "kind"), SECRETS, ids=[s[2] for s in SECRETS])
def test_secrets_are_replaced(text: str, secret: str, kind: str) -> None:
    result = redact(text)
    assert secret not in result.text
    assert f"[REDACTED:{kind}]" in result.text
    assert result.counts[kind] >= 1


def test_private_key_block_goes_whole_and_the_rest_stays() -> None:
    result = redact(f"the signing key:\n{PRIVATE_KEY}\nkeep it in vault")
    assert result.text == "the signing key:\n[REDACTED:private-key]\nkeep it in vault"
    # an unterminated block is redacted to the end rather than leaking its body
    cut = redact("key:\n" + PRIVATE_KEY.rsplit("\n", 1)[0])
    assert cut.text == "key:\n[REDACTED:private-key]"


def test_ordinary_hashes_ids_and_prose_survive() -> None:
    changed = [text for text in ORDINARY if redact(text).text != text]
    assert changed == [], f"{len(changed)}/{len(ORDINARY)} ordinary notes altered: {changed}"


def test_surrounding_text_is_kept() -> None:
    result = redact("connect with postgres://billing:S3cr3t-P4ss@db.internal:5432/billing today")
    assert (
        result.text
        == "connect with postgres://billing:[REDACTED:url-password]@db.internal:5432/billing today"
    )


def test_several_secrets_are_counted_by_type() -> None:
    result = redact("a AKIAIOSFODNN7EXAMPLE b AKIAI44QH8DHBEXAMPLE c password=hunter2hunter2")
    assert dict(result.counts) == {"aws-access-key": 2, "password": 1}


def test_fields_and_lists_are_redacted_and_summarised() -> None:
    fields, found = redact_fields(
        {
            "text": "token ghp_1234567890abcdefghijklmnopqrstuvwxyz12",
            "rationale": None,
            "tags": ["ok", "AKIAIOSFODNN7EXAMPLE"],
        }
    )
    assert fields["rationale"] is None
    assert fields["tags"] == ["ok", "[REDACTED:aws-access-key]"]
    assert [(r.type, r.count) for r in found] == [("aws-access-key", 1), ("github-token", 1)]


def test_light_redaction_needs_no_detect_secrets_and_catches_the_common_formats() -> None:
    for text, secret, kind in SECRETS:
        if kind in {"aws-secret-key"}:
            continue
        assert secret not in redact_light(text).text, kind


def test_redaction_is_idempotent() -> None:
    for text, _, _ in SECRETS:
        once = redact(text).text
        assert redact(once).text == once
