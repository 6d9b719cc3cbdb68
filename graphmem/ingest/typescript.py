"""TypeScript (``.ts``, ``.tsx``, ``.mts``, ``.cts``, ``.d.ts``): registration of the shared
ECMAScript support, with the TSX grammar for ``.tsx`` files.

Parsing and resolution live in `graphmem.ingest.ecmascript`, shared with JavaScript. TypeScript
adds abstract classes, class fields holding functions, and typed parameters (``u: User`` makes
``u.save()`` a heuristic call to ``User.save``). Interfaces and type aliases are not modelled.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from graphmem.ingest.ecmascript import EcmaScriptSupport

if TYPE_CHECKING:
    from tree_sitter import Language


@cache
def _typescript(tsx: bool) -> Language:
    import tree_sitter_typescript
    from tree_sitter import Language

    raw = (
        tree_sitter_typescript.language_tsx()
        if tsx
        else tree_sitter_typescript.language_typescript()
    )
    return Language(raw)


class TypeScriptSupport(EcmaScriptSupport):
    """LanguageSupport for TypeScript and TSX."""

    name = "typescript"
    extensions = (".ts", ".tsx", ".mts", ".cts", ".d.ts")
    query_files = ("ecmascript", "typescript")

    def grammar(self, path: str) -> Language:
        return _typescript(path.endswith(".tsx"))
