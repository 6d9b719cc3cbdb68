"""The words a query is searched by.

A bug report of sixty words is not a keyword query: its "the", "when" and "should" match
everything and drown the three words that matter. Full-text search gets the report's content
words only, with identifiers split into their parts as well, and with each pair of adjacent
words also joined into one: people write "SSL context" or "time out" for the `SSLContext` and
`timeout` that code and commit messages name as one word.
"""

from __future__ import annotations

import re

#: Longest query kept, in distinct content words (the first ones of a long report).
MAX_QUERY_TERMS = 48
#: Joined pairs of adjacent words added after them; with MAX_QUERY_TERMS this stays within the
#: 64 terms a full-text query is cut to (graphmem.store.embedded.fulltext).
MAX_JOINED_TERMS = 16

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Two alphabetic words with only spaces between (the second is looked ahead, so pairs overlap).
_PAIR = re.compile(r"\b([^\W\d_]+)[ \t]+(?=([^\W\d_]+)\b)", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can cannot could did do does doing down during
    each few for from further had has have having he her here hers him his how i if in into
    is it its itself just let me more most my no nor not now of off on once only or other
    our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours get gets got make makes
    made use used using need needs want wants like one two new now see seems seem still even
    ever every etc e g ie eg please thanks hi hello issue bug problem happens happened
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _pieces(raw: str) -> list[str]:
    """A word and, for `snake_case`, `camelCase` or `__dunder__` names, their parts."""
    parts = [p.lower() for chunk in raw.split("_") for p in _CAMEL.split(chunk) if p]
    whole = raw.lower()
    return [whole, *parts] if parts != [whole] else [whole]


def _content(piece: str) -> bool:
    return bool(_WORD.fullmatch(piece)) and piece not in STOPWORDS and len(piece) > 1


def terms(text: str) -> list[str]:
    """Lower-case content words of `text`; `snake_case` and `camelCase` names also give their
    parts, so `max_attempts` in a query meets `MAX_ATTEMPTS` and "attempts" in a memory."""
    return [p for raw in re.findall(r"\w+", text) for p in _pieces(raw) if _content(p)]


def joined_terms(text: str) -> list[str]:
    """Plain content words of `text` that only a space separates, joined into one ("SSL
    context" -> sslcontext; "verify=, leak" stays apart)."""
    pairs = (m.group(1, 2) for m in _PAIR.finditer(text))
    return [(a + b).lower() for a, b in pairs if _content(a.lower()) and _content(b.lower())]


def query_terms(query: str, limit: int = MAX_QUERY_TERMS) -> list[str]:
    """The distinct content words of a query, in order, at most `limit` of them, then up to
    MAX_JOINED_TERMS joined pairs of them that are not words of the query already."""
    single = list(dict.fromkeys(terms(query)))[:limit]
    kept = set(single)
    joined = [j for j in dict.fromkeys(joined_terms(query)) if j not in kept][:MAX_JOINED_TERMS]
    return single + joined
