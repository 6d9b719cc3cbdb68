"""One keyword score for memories and commit messages alike.

Each backend's full-text index scores its own documents (SQLite FTS5 per table, Lucene per
index), so a BM25 score from the memory index and one from the commit index are not on one
scale: merged raw, a strong match in one commit message can sink below weak matches in many
memories. `search` therefore takes the candidates the indexes found (their recall) and scores
them all again here with one BM25 (Robertson & Zaragoza, k1=1.2, b=0.75) whose document
frequencies and lengths come from the candidate set itself.

Queries are reduced to content words first: a bug report of sixty words is not a keyword
query, and its "the", "when" and "should" match everything.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

K1 = 1.2
B = 0.75
#: Longest query kept, in distinct content words (long reports keep their rarest words).
MAX_QUERY_TERMS = 48

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_STOPWORD_TEXT = """a about above after again against all also am an and any are as at be
    because been
    before being below between both but by can cannot could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is it its
    itself just let me more most my no nor not now of off on once only or other our ours out
    over own same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours get gets got make makes made use used using need
    needs want wants like one two new now see seems seem still even ever every etc e g ie eg
    please thanks hi hello issue bug problem happens happened"""
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


def bm25_scores(query: str, documents: Mapping[str, str]) -> dict[str, float]:
    """BM25 of every document for `query`, with statistics from `documents` themselves;
    documents that share no word with the query are left out."""
    wanted = query_terms(query)
    if not wanted or not documents:
        return {}
    bags = {doc_id: Counter(terms(text)) for doc_id, text in documents.items()}
    lengths = {doc_id: sum(bag.values()) for doc_id, bag in bags.items()}
    average = (sum(lengths.values()) / len(lengths)) or 1.0
    n = len(bags)
    frequency = {t: sum(1 for bag in bags.values() if t in bag) for t in wanted}
    scores: dict[str, float] = {}
    for doc_id, bag in bags.items():
        score = 0.0
        for term in wanted:
            tf = bag.get(term, 0)
            if not tf:
                continue
            idf = math.log(1 + (n - frequency[term] + 0.5) / (frequency[term] + 0.5))
            norm = tf + K1 * (1 - B + B * lengths[doc_id] / average)
            score += idf * tf * (K1 + 1) / norm
        if score > 0:
            scores[doc_id] = score
    return scores


def ranked(scores: Mapping[str, float]) -> list[tuple[str, float]]:
    """Best first, ties by id, so the same input always gives the same order."""
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def document_text(fields: Sequence[object]) -> str:
    return " ".join(str(f) for f in fields if f)
