"""JavaScript (``.js``, ``.jsx``, ``.mjs``, ``.cjs``): the shared ECMAScript support, registered.

Parsing and resolution live in `graphmem.ingest.ecmascript`, shared with TypeScript.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphmem.ingest.ecmascript import EcmaScriptSupport
from graphmem.ingest.syntax import grammar

if TYPE_CHECKING:
    from tree_sitter import Language


class JavaScriptSupport(EcmaScriptSupport):
    """LanguageSupport for JavaScript, JSX included (the grammar parses both)."""

    name = "javascript"
    extensions = (".js", ".jsx", ".mjs", ".cjs")
    query_files = ("ecmascript", "javascript")

    def grammar(self, path: str) -> Language:
        return grammar("tree_sitter_javascript")
