"""Counting tokens with a real tokenizer, offline and without torch.

The prompt pack's budget is counted with the WordPiece tokenizer of all-MiniLM-L6-v2 (its
`tokenizer.json`, installed with graphmem: graphmem.embed.local_model) through the `tokenizers`
library. It is not the tokenizer of whichever LLM reads the pack, but it is a real subword
tokenizer, close to them in count for English and code, deterministic, and already installed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from graphmem.errors import GraphMemError

TOKENIZER_NAME = "all-MiniLM-L6-v2 WordPiece"


class TokenCounter:
    """`count(text)`: the number of tokens of `text`, without special tokens or truncation."""

    def __init__(self, tokenizer_json: str | Path) -> None:
        from tokenizers import Tokenizer

        tokenizer: Any = Tokenizer.from_file(str(tokenizer_json))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self.name = TOKENIZER_NAME

    def count(self, text: str) -> int:
        if not text:
            return 0
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


@cache
def default_counter() -> TokenCounter:
    """The bundled all-MiniLM-L6-v2 tokenizer (loaded once per process, ~50 ms)."""
    from graphmem.embed.local_model import default_model_dir

    path = default_model_dir() / "tokenizer.json"
    if not path.is_file():
        raise GraphMemError(f"tokenizer file missing: {path}")
    return TokenCounter(path)
