"""Plain words to a Lucene query that matches them, whatever characters the user typed.

Neo4j's full-text procedures parse their query with Lucene's classic query parser, so user text
would otherwise be syntax: `foo AND (` is a parse error, `*` a wildcard, `title:x` a field.
"""

from __future__ import annotations

import re

# The characters Lucene's QueryParser.escape() escapes.
_SPECIAL = re.compile(r'([\\+\-!():^\[\]"{}~*?|&/])')
# Operators are recognised only in upper case; as lower-case words they are just terms.
_OPERATORS = frozenset({"AND", "OR", "NOT", "TO"})


def keyword_query(text: str) -> str | None:
    """A query matching any of the words in `text` (scored by Lucene), or None if it has none."""
    words = []
    for word in text.split():
        if word in _OPERATORS:
            word = word.lower()
        words.append(_SPECIAL.sub(r"\\\1", word))
    return " ".join(words) or None
