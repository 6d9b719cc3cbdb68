"""Secrets never reach the store: they are replaced by `[REDACTED:<type>]` before anything is
written, and the caller is told which types were found and how often (never the values).

Two passes over each string:

1. graphmem's own patterns, for the formats detect-secrets misses or only half-matches (it
   reports `ghp` for a GitHub token and drops a JWT's signature): private key blocks (the whole
   multi-line block), AWS, GitHub, GitLab, Slack, Stripe, Google and OpenAI-style keys, JWTs,
   passwords in URLs, `password=...` / `api_key: ...` assignments, Bearer and Basic tokens.
2. the maintained detect-secrets plugins, run in-process on each line (no files, no baseline),
   except the hex high-entropy and public-IP plugins: commit shas, content hashes, UUIDs and
   addresses are ordinary content in engineering notes, not secrets.

`redact_light` runs only the first pass (no detect-secrets import, ~0.2-0.6 s saved): an import
runs it on records that carry graphmem's redaction marker (graphmem.memory.exchange). Every
other way in (remember, receipts, commit history, unmarked imports) runs both passes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graphmem.memory.results import RedactionCount

PLACEHOLDER = "[REDACTED:{}]"


@dataclass(frozen=True)
class _Pattern:
    type: str
    regex: re.Pattern[str]
    #: the group holding the secret (0: the whole match); the rest of the match is kept.
    group: int = 0
    #: extra check on the secret's value; False keeps the match as is.
    accept: Callable[[str], bool] | None = None


_NOT_A_VALUE = re.compile(
    r"""^(?:
        \$\{?\w+\}?              # $VAR, ${VAR}
      | <[^>]*>                 # <your-token>
      | \{\{.*\}\}              # {{ template }}
      | \[REDACTED:[\w-]+\]     # already redacted
      | (?:os\.)?(?:environ|getenv|env)\b.*
      | (?:str|int|bytes|None|null|true|false|Optional\[.*|Secret\w*|required|optional)
      | \*+ | x+ | \.\.\.+
    )$""",
    re.VERBOSE | re.IGNORECASE,
)


def _is_value(value: str) -> bool:
    return "[REDACTED:" not in value and not _NOT_A_VALUE.match(value.strip("'\",;"))


def _is_mixed_case_key(value: str) -> bool:
    """A 40-character AWS-style secret mixes cases; a commit sha (lowercase hex) does not."""
    return any(c.isupper() for c in value) and any(c.islower() for c in value)


_KEYWORDS = (
    r"password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key"
    r"|private[_-]?key|client[_-]?secret|auth[_-]?key|account[_-]?key|credentials?"
)

PATTERNS: tuple[_Pattern, ...] = (
    _Pattern(
        "private-key",
        re.compile(
            r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY((?: BLOCK)?)-----"
            r"(?:.*?-----END \1PRIVATE KEY\2-----|.*\Z)",
            re.DOTALL,
        ),
    ),
    _Pattern(
        "aws-access-key",
        re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[0-9A-Z]{16}\b"),
    ),
    _Pattern(
        "aws-secret-key",
        re.compile(
            r"(?i)\b(?:aws|secret)[\w.-]{0,30}?[\s\"'=:]+(?:[a-z]+\s+){0,3}?[\"']?"
            r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
        ),
        group=1,
        accept=_is_mixed_case_key,
    ),
    _Pattern("github-token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b")),
    _Pattern("github-token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b")),
    _Pattern(
        "gitlab-token",
        re.compile(r"\b(?:glpat|gldt|glrt|glptt|glft|glsoat|glcbt)-[A-Za-z0-9_\-]{20,}"),
    ),
    _Pattern("slack-token", re.compile(r"\bxox[abposre]-[A-Za-z0-9-]{10,}")),
    _Pattern(
        "slack-webhook",
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]+"),
    ),
    _Pattern("stripe-key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b")),
    _Pattern("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])")),
    _Pattern(
        "openai-key",
        re.compile(r"\bsk-(?:proj-|svcacct-|admin-|ant-(?:api\d+-)?)?[A-Za-z0-9_\-]{20,}"),
    ),
    _Pattern("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")),
    _Pattern(
        "url-password",
        re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:([^\s@/]+)@"),
        group=1,
        accept=_is_value,
    ),
    _Pattern(
        "bearer-token",
        re.compile(r"(?i)\bbearer\s+([A-Za-z0-9\-._~+/]{16,}=*)"),
        group=1,
    ),
    _Pattern(
        "basic-auth",
        re.compile(r"(?i)\bauthorization:\s*basic\s+([A-Za-z0-9+/]{8,}={0,2})"),
        group=1,
    ),
    _Pattern(
        "password",
        re.compile(
            # From the start of a dotted or dashed run, the keyword found once: starting at
            # every `\b` inside `a.b.c...` took quadratic time, cubic when the keyword repeats.
            rf"(?i)(?<![\w.-])[.-]*+\b(?>[\w.-]*?(?:{_KEYWORDS}))[\w.-]*+[\"']?\s*(?:=|:=|:|=>)\s*"
            # Prose is not a value: "secrets: configuration comes from the environment".
            r"(?![a-z]+\s+[a-z])"
            r"(\"[^\"\n]{3,}\"|'[^'\n]{3,}'|[^\s\"',;)}\]]{4,})"
        ),
        group=1,
        accept=_is_value,
    ),
)

#: detect-secrets plugins left out: hex strings and IPs are ordinary content in engineering notes.
_SKIPPED_PLUGINS = frozenset({"Hex High Entropy String", "Public IP (ipv4)"})

_DETECT_SECRETS_TYPES = {
    "AWS Access Key": "aws-access-key",
    "Basic Auth Credentials": "url-password",
    "GitHub Token": "github-token",
    "GitLab Token": "gitlab-token",
    "JSON Web Token": "jwt",
    "Secret Keyword": "password",
    "OpenAI Token": "openai-key",
    "Private Key": "private-key",
    "Slack Token": "slack-token",
    "Stripe Access Key": "stripe-key",
    "Base64 High Entropy String": "high-entropy-string",
}


@dataclass
class Redacted:
    """A string with its secrets replaced, and how many of each type were found."""

    text: str
    counts: Counter[str] = field(default_factory=Counter)


def redact(text: str) -> Redacted:
    """Replace every secret graphmem or detect-secrets recognises in `text`."""
    result = redact_light(text)
    for line in result.text.splitlines():
        for secret_type, value in _detect_secrets(line):
            if value in result.text:
                result.counts[secret_type] += result.text.count(value)
                result.text = result.text.replace(value, PLACEHOLDER.format(secret_type))
    return result


def redact_light(text: str) -> Redacted:
    """Only graphmem's own patterns: fast, and no detect-secrets import."""
    counts: Counter[str] = Counter()
    for pattern in PATTERNS:
        text = pattern.regex.sub(_replacer(pattern, counts), text)
    return Redacted(text, counts)


def redact_fields(
    fields: dict[str, Any], light: bool = False
) -> tuple[dict[str, Any], list[RedactionCount]]:
    """Redact every string (and list of strings) among `fields`; None stays None."""
    run = redact_light if light else redact
    total: Counter[str] = Counter()
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, str):
            done = run(value)
            out[key] = done.text
            total.update(done.counts)
        elif isinstance(value, list | tuple):
            items = []
            for item in value:
                done = run(str(item))
                items.append(done.text)
                total.update(done.counts)
            out[key] = items
        else:
            out[key] = value
    return out, summarize(total)


def summarize(counts: Counter[str]) -> list[RedactionCount]:
    return [RedactionCount(type=t, count=n) for t, n in sorted(counts.items()) if n]


def _replacer(pattern: _Pattern, counts: Counter[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        secret = match.group(pattern.group)
        if pattern.accept is not None and not pattern.accept(secret):
            return match.group(0)
        counts[pattern.type] += 1
        start, end = match.span(pattern.group)
        whole_start = match.start(0)
        whole = match.group(0)
        placeholder = PLACEHOLDER.format(pattern.type)
        return whole[: start - whole_start] + placeholder + whole[end - whole_start :]

    return replace


def _detect_secrets(line: str) -> Iterable[tuple[str, str]]:
    if "[REDACTED:" in line and not line.replace("[REDACTED:", "").strip():
        return
    for plugin in _plugins():
        try:
            found = plugin.analyze_line(filename="memory.txt", line=line, line_number=0)
        except Exception:  # a plugin bug must not stop a remember; our own patterns still ran
            continue
        for secret in found:
            value = secret.secret_value or ""
            # detect-secrets sometimes reports a fragment (`ghp`); never replace fragments.
            if len(value) < 8 or "REDACTED" in value:
                continue
            yield _DETECT_SECRETS_TYPES.get(secret.type, _slug(secret.type)), value


def _slug(secret_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-")


@cache
def _plugins() -> tuple[Any, ...]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import default_settings

    with default_settings():
        mapping: dict[str, Any] = get_mapping_from_secret_type_to_class()
        plugins = []
        for secret_type, plugin_class in sorted(mapping.items()):
            if secret_type in _SKIPPED_PLUGINS:
                continue
            try:
                plugins.append(plugin_class())
            except TypeError:  # a plugin that needs configuration we do not give
                continue
    return tuple(plugins)
