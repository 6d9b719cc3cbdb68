"""TypeScript (``.ts``, ``.tsx``, ``.mts``, ``.cts``, ``.d.ts``): registration of the shared
ECMAScript support, with the TSX grammar for ``.tsx`` files.

Parsing and resolution live in `graphmem.ingest.ecmascript`, shared with JavaScript. TypeScript
adds abstract classes, class fields holding functions, typed parameters (``u: User`` makes
``u.save()`` an exact call to ``User.save``) and interfaces: ``interface I extends J { m(): T }``
is an Interface whose method signatures are its Methods, INHERITS J, and ``class C implements I``
IMPLEMENTS it (exact). A call through a value typed ``I`` is exact to ``I.m`` and heuristic to
``m`` of each class implementing ``I``; so is one through an interface's property typed ``I``
(``ctx.parent.m()``). ``namespace util { export function f() {} }`` names ``f`` under the
namespace (``<module>.util.f``), no entity of its own, and ``util.f()`` calls it. A type alias
of a function type (``type Handler = (c: Context) => void``) types the untyped parameters of a
function declared with it (``const h: Handler = (c) => ...``) or returned where it is the
declared return; other type aliases are not modelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphmem.ingest.ecmascript import EcmaScriptSupport
from graphmem.ingest.syntax import grammar

if TYPE_CHECKING:
    from tree_sitter import Language


class TypeScriptSupport(EcmaScriptSupport):
    """LanguageSupport for TypeScript and TSX."""

    name = "typescript"
    extensions = (".ts", ".tsx", ".mts", ".cts", ".d.ts")
    query_files = ("ecmascript", "typescript")

    def grammar(self, path: str) -> Language:
        entry = "language_tsx" if path.endswith(".tsx") else "language_typescript"
        return grammar("tree_sitter_typescript", entry)
