"""The words a query is searched by.

A bug report of sixty words is not a keyword query: its "the", "when" and "should" match
everything and drown the three words that matter. Full-text search gets the report's content
words only, with identifiers split into their parts as well.
"""

from __future__ import annotations

import re

#: Longest query kept, in distinct content words (the first ones of a long report).
MAX_QUERY_TERMS = 48

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
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


def terms(text: str) -> list[str]:
    """Lower-case content words of `text`; `snake_case` and `camelCase` names also give their
    parts, so `max_attempts` in a query meets `MAX_ATTEMPTS` and "attempts" in a memory."""
    out: list[str] = []
    for raw in re.findall(r"\w+", text):
        pieces = [raw.lower()]
        parts = [p.lower() for chunk in raw.split("_") for p in _CAMEL.split(chunk) if p]
        if len(parts) > 1:
            pieces += parts
        out += [p for p in pieces if _WORD.fullmatch(p) and p not in STOPWORDS and len(p) > 1]
    return out


def query_terms(query: str, limit: int = MAX_QUERY_TERMS) -> list[str]:
    """The distinct content words of a query, in order, at most `limit` of them."""
    return list(dict.fromkeys(terms(query)))[:limit]
