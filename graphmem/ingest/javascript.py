"""JavaScript (``.js``, ``.jsx``, ``.mjs``, ``.cjs``): the shared ECMAScript support, registered.

Parsing and resolution live in `graphmem.ingest.ecmascript`, shared with TypeScript.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from graphmem.ingest.ecmascript import EcmaScriptSupport

if TYPE_CHECKING:
    from tree_sitter import Language


@cache
def _javascript() -> Language:
    import tree_sitter_javascript
    from tree_sitter import Language

    return Language(tree_sitter_javascript.language())


class JavaScriptSupport(EcmaScriptSupport):
    """LanguageSupport for JavaScript, JSX included (the grammar parses both)."""

    name = "javascript"
    extensions = (".js", ".jsx", ".mjs", ".cjs")
    query_files = ("ecmascript", "javascript")

    def grammar(self, path: str) -> Language:
        return _javascript()
