"""C and C++ macros that change how code parses, applied to the source before tree-sitter reads it.

graphmem reads code as written and does not expand macros, but three kinds of macro destroy
the parse of what follows them, so they are replaced by what they mean first:

- *attribute macros*, defined as nothing, keywords or attributes (``#define FMT_API
  __attribute__((visibility("default")))``, ``#define FMT_CONSTEXPR constexpr``, an empty
  ``#define EXPORT``): written before a declaration (``FMT_API void vprint(...)``,
  ``class FMT_API format_error``) tree-sitter reads them as a type or a declarator and loses
  the definition. They become blanks (their ``static`` and ``inline`` kept); function-like
  ones (``FMT_PRAGMA_GCC(push_options)``) with their arguments.
- *template parameter macros*, function-like ones defined as a defaulted parameter
  (``#define FMT_ENABLE_IF(...) enable_if_t<(__VA_ARGS__), int> = 0``), which tree-sitter
  cannot read in ``template <typename T, FMT_ENABLE_IF(...)>``: the use becomes ``int = 0``.
- *statement heads*, defined as ``try`` / ``catch (x)`` / ``if (..)`` / ``if consteval``
  (fmt's ``FMT_TRY { .. } FMT_CATCH(...) { .. }``): the use becomes ``if (1)`` (``if (0)``
  with arguments), so the block after it is a block; defined as ``if`` or ``if constexpr``,
  whose condition the use writes (dragonbox's ``JKJ_IF_CONSTEXPR (x) {``), it becomes ``if``.
- *scope macros*, written alone on a line as a statement, whose body opens or closes braces:
  ``#define FMT_BEGIN_NAMESPACE namespace fmt { inline namespace v12 {`` becomes that text, so
  what follows is named ``fmt::detail::buffer``; Unity's ``EXPECT_ABORT_BEGIN`` (``... if (x)
  {``) and ``VERIFY_FAILS_END`` (``} ...``) become ``;{`` and ``};`` so that the functions after
  them are still functions.

A macro counts only when every definition the repository's headers (and the file itself) give
it agrees on its kind; a file's own ``#define`` overrides the headers'. Replacements keep every
line where it was (a scope macro's line gets longer; nothing moves to another line), so line
numbers are the file's own. Preprocessor lines are left as they are.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

_HEADER_ENDINGS = (".h", ".hpp", ".hh", ".hxx")
_DEFINE = re.compile(
    rb"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)\n]*\))?((?:\\\n|[^\n])*)", re.MULTILINE
)
_DIRECTIVE = re.compile(rb"^[ \t]*#(?:\\\n|[^\n])*", re.MULTILINE)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_TOKEN = re.compile(r"\[\[.*?\]\]|[A-Za-z_]\w*(?:\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))?|\S")
#: words an attribute macro may expand to; the ones in _KEPT stay in the source
_KEYWORDS = frozenset(
    {
        "static", "inline", "extern", "constexpr", "consteval", "constinit", "explicit",
        "virtual", "__inline", "__inline__", "__forceinline", "__cdecl", "__stdcall",
        "__fastcall", "__restrict", "noexcept", "_NOEXCEPT", "export", "const", "volatile",
    }
)  # fmt: skip
_CONDITIONAL = re.compile(
    rb"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b((?:\\\n|[^\n])*)", re.MULTILINE
)
# Possessive (`*+`): a comment once skipped is never re-read as part of a longer one, which
# made a file opening with many comments and no guard (redis's module.c) take exponential time.
_GUARD = re.compile(
    rb"\A(?:\s|//[^\n]*|/\*.*?\*/)*+"
    rb"(#[ \t]*ifndef[ \t]+(\w+)[^\n]*\n\s*#[ \t]*define[ \t]+\2\b[^\n]*)",
    re.DOTALL,
)
#: what may hold a brace that is no code's: a comment, a string or a character literal
_LITERAL_OR_COMMENT = re.compile(
    rb"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.DOTALL
)
_BRACKETS = re.compile(rb"[{}()]")
#: what opens braces that hold declarations, not code: ``namespace a::b {``, ``extern "C" {``
#: (its string blanked)
_SCOPE_HEAD = re.compile(rb"(?:\bnamespace\b[\w:\s]*|\bextern\s+)$")
#: a defaulted template parameter: fmt's ``FMT_ENABLE_IF(...)`` is ``enable_if_t<(...), int> = 0``
_PARAMETER = re.compile(r"^[^;{}=]*[\w>]\s*=\s*[^;{}=]+$")
#: the head of a statement whose block follows the use: fmt's ``FMT_TRY`` (``try`` or
#: ``if (true)``) and ``FMT_CATCH(x)`` (``catch (x)`` or ``if (false)``)
_STATEMENT_HEAD = re.compile(
    r"^(?:try|catch\s*\(.*\)|if(?:\s+constexpr)?\s*\(.*\)|if\s*!?\s*consteval)$"
)
#: the keyword of a condition the use writes: dragonbox's ``JKJ_IF_CONSTEXPR`` (``if
#: constexpr`` or ``if``)
_CONDITION_HEAD = re.compile(r"^if(?:\s+constexpr)?$")
_ATTRIBUTE_CALLS = frozenset({"__attribute__", "__declspec", "alignas", "__pragma", "_Pragma"})
_KEPT = ("static", "inline", "const", "volatile")
_MAX_DEPTH = 8
#: a macro body that is its argument renamed or quoted: ``::call``, ``_##call``, ``#call``
_REWRITE = re.compile(r"(?:::\s*)?[\w\s#]+")
#: a macro body that hands its argument to another macro: ``FMT_SYSTEM(call)``
_FORWARD = re.compile(r"([A-Za-z_]\w*)\s*\(\s*\w+\s*\)")


@dataclass(frozen=True, slots=True)
class Macro:
    """What a macro becomes in the source: `replacement`; `statement` when it is replaced only
    where it stands alone on a line."""

    replacement: str
    statement: bool
    #: a function-like attribute macro: the use is replaced with its arguments
    arguments: bool = False


@dataclass
class MacroTable:
    """The macros of a repository's headers that change the parse, by name."""

    macros: dict[str, Macro] = field(default_factory=dict)
    #: function-like macros that make another name of the call in their argument
    rewriting: frozenset[str] = frozenset()

    def with_file(self, source: bytes) -> dict[str, Macro]:
        """The table as one file sees it: its own ``#define``s override the headers'."""
        own = _definitions(source)
        if not own:
            return self.macros
        return {**self.macros, **classify(own)}


def _definitions(source: bytes) -> dict[str, list[tuple[bool, str]]]:
    """Every ``#define`` of a source: name -> [(function-like, body)]."""
    found: dict[str, list[tuple[bool, str]]] = {}
    if b"define" not in source:
        return found
    for match in _DEFINE.finditer(source):
        body = match.group(3).replace(b"\\\n", b" ").decode("utf-8", "replace")
        body = _COMMENT.sub(" ", body).strip()
        found.setdefault(match.group(1).decode(), []).append((match.group(2) is not None, body))
    return found


def classify(definitions: dict[str, list[tuple[bool, str]]]) -> dict[str, Macro]:
    """The attribute and scope macros among `definitions` (see the module docstring)."""
    bodies = {
        name: [body for function_like, body in found if not function_like]
        for name, found in definitions.items()
        if not any(function_like for function_like, _ in found)
    }
    function_like = {
        name: [body for _, body in found]
        for name, found in definitions.items()
        if all(is_function for is_function, _ in found)
    }
    # attribute macros may be written with others (FMT_API is FMT_VISIBILITY("default")):
    # grow the set of known ones until it is stable
    attributes: set[str] = set()
    for _ in range(_MAX_DEPTH):
        grown = {
            name
            for name, found in (*bodies.items(), *function_like.items())
            if all(_attribute_words(body, attributes, bodies) is not None for body in found)
        }
        if grown == attributes:
            break
        attributes = grown
    macros: dict[str, Macro] = {
        name: Macro("", statement=False, arguments=True)
        for name in function_like
        if name in attributes
    }
    for name, found in function_like.items():
        written = [body for body in found if body]
        if name not in macros and written and all(_PARAMETER.match(b) for b in written):
            macros[name] = Macro("int = 0", statement=False, arguments=True)
        elif name not in macros and found and all(_STATEMENT_HEAD.match(b) for b in found):
            macros[name] = Macro("if (0)", statement=False, arguments=True)
    for name, bodies_of in bodies.items():
        if bodies_of and all(_STATEMENT_HEAD.match(b) for b in bodies_of):
            macros[name] = Macro("if (1)", statement=False)
        elif bodies_of and all(_CONDITION_HEAD.match(b) for b in bodies_of):
            macros[name] = Macro("if", statement=False)
    for name, found in bodies.items():
        kinds = {_kind(body, attributes, bodies) for body in found}
        if None in kinds or not kinds:
            continue
        if len(kinds) == 1:
            macros[name] = kinds.pop()  # type: ignore[assignment]
        elif not any(k.statement for k in kinds if k is not None):
            # conditional definitions of one attribute macro keep the keywords they share
            shared = set.intersection(*(set(k.replacement.split()) for k in kinds if k))
            macros[name] = Macro(" ".join(w for w in _KEPT if w in shared), statement=False)
    return macros


def rewriting(definitions: dict[str, list[tuple[bool, str]]]) -> frozenset[str]:
    """Function-like macros one of whose definitions makes another name of what their
    argument writes: ``FMT_POSIX_CALL(close(fd))`` is ``::close(fd)``, the global function and
    not the member ``close`` of the class it is written in, or ``::_close(fd)`` on Windows;
    ``STR(x)`` defined as ``#x`` makes a string of it; ``FMT_POSIX_CALL(call)`` defined as
    ``FMT_SYSTEM(call)`` rewrites when FMT_SYSTEM does."""
    bodies = {
        name: [body for function_like, body in found if function_like]
        for name, found in definitions.items()
    }
    found = {
        name
        for name, written in bodies.items()
        if any(_REWRITE.fullmatch(b) and ("#" in b or b.startswith("::")) for b in written)
    }
    for _ in range(_MAX_DEPTH):
        grown = found | {
            name
            for name, written in bodies.items()
            for body in written
            if (inner := _FORWARD.fullmatch(body)) is not None and inner.group(1) in found
        }
        if grown == found:
            break
        found = grown
    return frozenset(found)


def _expand(body: str, bodies: dict[str, list[str]], depth: int = 0) -> str | None:
    """`body` with the object-like macros it names expanded (each must have one meaning)."""
    if depth > _MAX_DEPTH:
        return None

    def one(match: re.Match[str]) -> str:
        found = bodies.get(match.group(0))
        if found is None or len(set(found)) != 1:
            return match.group(0)
        return f" {found[0]} "

    expanded = re.sub(r"[A-Za-z_]\w*", one, body)
    return expanded if expanded == body else _expand(expanded, bodies, depth + 1)


def _attribute_words(
    body: str, attributes: set[str], bodies: dict[str, list[str]]
) -> list[str] | None:
    """The keywords an attribute-like body keeps, or None when the body is not one."""
    expanded = _expand(body, bodies)
    if expanded is None:
        return None
    words: list[str] = []
    for token in _TOKEN.findall(expanded):
        head = re.match(r"[A-Za-z_]\w*", token)
        if token.startswith("[[") or token in ("#", "##"):
            continue
        if head is None:
            return None
        word = head.group(0)
        if word in _KEYWORDS and word == token:
            words.append(word)
        elif word not in attributes and word not in _ATTRIBUTE_CALLS:
            return None
    return words


def _kind(body: str, attributes: set[str], bodies: dict[str, list[str]]) -> Macro | None:
    words = _attribute_words(body, attributes, bodies)
    if words is not None:
        return Macro(" ".join(w for w in words if w in _KEPT), statement=False)
    expanded = _expand(body, bodies)
    if expanded is None or ("{" not in expanded and "}" not in expanded):
        return None
    if ";" not in expanded and "(" not in expanded:
        # braces and words only: namespace a { inline namespace b {, extern "C" {, } }
        return Macro(" ".join(expanded.split()), statement=True)
    closes = opens = 0
    for char in re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', "", expanded):
        if char == "{":
            opens += 1
        elif char == "}":
            if opens:
                opens -= 1
            else:
                closes += 1
    if not (opens or closes):
        return None
    return Macro("}" * closes + ";" + "{" * opens, statement=True)


def apply(source: bytes, macros: dict[str, Macro]) -> bytes:
    """`source` with the uses of `macros` replaced, outside preprocessor lines."""
    present = [name for name in macros if name.encode() in source]
    if not present:
        return source
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in present) + rb")\b")
    directives = [(m.start(), m.end()) for m in _DIRECTIVE.finditer(source)]
    pieces: list[bytes] = []
    last = 0
    d = 0
    for match in pattern.finditer(source):
        start, end = match.span()
        while d < len(directives) and directives[d][1] <= start:
            d += 1
        if d < len(directives) and directives[d][0] <= start:
            continue
        macro = macros[match.group(0).decode()]
        if macro.statement and not _alone(source, start, end):
            continue
        if macro.arguments:
            closed = _arguments_end(source, end)
            if closed is None or start < last:
                continue
            # the replacement, then blanks for the rest of the use, its line breaks kept
            blank = re.sub(rb"[^\n]", b" ", source[end:closed])
            pieces += [source[last:start], macro.replacement.encode().ljust(end - start), blank]
            last = closed
            continue
        replacement = macro.replacement.encode()
        pieces += [source[last:start], replacement.ljust(end - start)]
        last = end
    if not pieces:
        return source
    pieces.append(source[last:])
    return b"".join(pieces)


def unguard(source: bytes) -> bytes:
    """`source` with its include guard (``#ifndef X_H`` / ``#define X_H`` ... ``#endif``
    around the whole file) blanked: inside one conditional, one error tree-sitter cannot
    recover from turns the whole file into a single error (fmt's format.h)."""
    guard = _GUARD.match(source)
    if guard is None:
        return source
    last = source.rfind(b"#")
    if last < guard.end() or not re.match(rb"#[ \t]*endif\b", source[last:]):
        return source
    if _closes_early(source[guard.end() : last]):
        return source
    start, end = guard.span(1)
    return b"".join(
        (
            source[:start],
            re.sub(rb"[^\n]", b" ", source[start:end]),
            source[end:last],
            re.sub(rb"[^\n]", b" ", source[last:]),
        )
    )


def plain_conditions(source: bytes) -> bytes:
    """`source` with what tree-sitter cannot read in conditionals made plain: an ``#if`` /
    ``#elif`` condition becomes ``1`` (``FMT_HAS_INCLUDE(<quadmath.h>)`` is no expression to
    it, and graphmem reads every branch anyway), and a conditional group inside a
    declaration (between ``template <...>`` and the function it declares) is blanked, its
    branches read in line. Lines stay where they are."""
    if b"#" not in source:
        return source
    directives = list(_CONDITIONAL.finditer(source))
    if not directives:
        return source
    blanked: set[int] = set()
    for at, directive in enumerate(directives):
        if directive.group(1) not in (b"if", b"ifdef", b"ifndef") or at in blanked:
            continue
        if _inside_declaration(source, directive.start()):
            depth = 0
            for later in range(at, len(directives)):
                kind = directives[later].group(1)
                depth += 1 if kind in (b"if", b"ifdef", b"ifndef") else 0
                if depth == 1:
                    blanked.add(later)
                depth -= 1 if kind == b"endif" else 0
                if depth == 0:
                    break
    pieces: list[bytes] = []
    last = 0
    for at, directive in enumerate(directives):
        start, end = directive.span()
        if at in blanked:
            replacement = re.sub(rb"[^\n]", b" ", source[start:end])
        elif directive.group(1) in (b"if", b"elif"):
            head = directive.start(2)
            replacement = source[start:head] + re.sub(rb"[^\n]", b" ", source[head:end])
            replacement = replacement[: head - start] + b" 1" + replacement[head - start + 2 :]
        else:
            continue
        pieces += [source[last:start], replacement]
        last = end
    if not pieces:
        return source
    pieces.append(source[last:])
    return b"".join(pieces)


def one_configuration(source: bytes, every: bool = False) -> bytes:
    """`source` with each conditional group that tree-sitter cannot read as written read as
    one configuration does: its directives blanked, its first branch kept and its ``#elif`` /
    ``#else`` branches blanked. Such a group has a branch that does not balance its braces and
    parentheses (jq's printer opens ``} else {`` in one ``#ifdef`` and closes it in the next:
    read as both branches, the braces never close and the function swallows every later one)
    or that ends in the middle of a statement (zlib's ``#ifndef FORCE_STATIC`` / ``if (..)`` /
    ``#endif``, whose body follows the ``#endif``: tree-sitter wants whole statements in a
    group). With `every`, every group inside a function or class body is one configuration
    too, for the shapes no rule names. Other groups keep all their branches (graphmem reads
    them all); lines and columns stay where they are. The parse of this source is the better
    one only where the file's own has errors (see c_family)."""
    if b"#" not in source:
        return source
    directives = list(_CONDITIONAL.finditer(source))
    code = _code_only(source)
    inside = _inside_bodies(code, [d.start() for d in directives]) if every else []
    blanks: list[tuple[int, int]] = []
    for group in _conditional_groups(directives):
        branches = [(directives[a].end(), directives[b].start()) for a, b in pairwise(group)]
        readable = all(
            _balanced(source[start:end]) and _complete(code[start:end]) for start, end in branches
        )
        if readable and not (every and inside[group[0]]):
            continue
        blanks += [directives[at].span() for at in group]
        blanks += branches[1:]
    if not blanks:
        return source
    pieces: list[bytes] = []
    last = 0
    for start, end in sorted(blanks):
        start = max(start, last)
        if end <= start:
            continue
        pieces += [source[last:start], re.sub(rb"[^\n]", b" ", source[start:end])]
        last = end
    pieces.append(source[last:])
    return b"".join(pieces)


def _code_only(source: bytes) -> bytes:
    """`source` with its comments, literals and preprocessor lines blanked, offsets kept."""

    def blank(match: re.Match[bytes]) -> bytes:
        return re.sub(rb"[^\n]", b" ", match.group(0))

    return _DIRECTIVE.sub(blank, _LITERAL_OR_COMMENT.sub(blank, source))


def _complete(code: bytes) -> bool:
    """Whether a branch (its comments and directives blanked) ends where a statement or
    declaration may end: empty, or on ``;``, ``{``, ``}`` or a label's ``:``."""
    stripped = code.rstrip()
    return not stripped or stripped.endswith((b";", b"{", b"}", b":"))


def _inside_bodies(code: bytes, positions: list[int]) -> list[bool]:
    """For each of the ascending `positions`, whether it lies inside braces other than a
    namespace's or an ``extern "C"`` block's (in a function, class or initialiser)."""
    found: list[bool] = []
    opened: list[bool] = []  # per open brace: whether it is a body
    bodies = 0
    at = 0
    for brace in re.finditer(rb"[{}]", code):
        while at < len(positions) and positions[at] < brace.start():
            found.append(bodies > 0)
            at += 1
        if brace.group(0) == b"{":
            head = code[max(0, brace.start() - 200) : brace.start()]
            body = _SCOPE_HEAD.search(head) is None
            opened.append(body)
            bodies += body
        elif opened:
            bodies -= opened.pop()
    found += [bodies > 0] * (len(positions) - at)
    return found


def _conditional_groups(directives: list[re.Match[bytes]]) -> list[list[int]]:
    """The closed conditional groups among `directives`, each as the indices of its ``#if``,
    ``#elif``, ``#else`` and ``#endif``."""
    groups: list[list[int]] = []
    open_groups: list[list[int]] = []
    for at, directive in enumerate(directives):
        kind = directive.group(1)
        if kind in (b"if", b"ifdef", b"ifndef"):
            open_groups.append([at])
        elif open_groups and kind in (b"elif", b"else"):
            open_groups[-1].append(at)
        elif open_groups and kind == b"endif":
            groups.append([*open_groups.pop(), at])
    return groups


def _balanced(code: bytes) -> bool:
    """Whether `code` closes every brace and parenthesis it opens and no other (comments and
    literals aside): ``} else {`` is not."""
    depth = {ord("{"): 0, ord("("): 0}
    closing = {ord("}"): ord("{"), ord(")"): ord("(")}
    for char in _BRACKETS.findall(_LITERAL_OR_COMMENT.sub(b" ", code)):
        if char[0] in depth:
            depth[char[0]] += 1
            continue
        opener = closing[char[0]]
        depth[opener] -= 1
        if depth[opener] < 0:
            return False
    return not any(depth.values())


def _inside_declaration(source: bytes, start: int) -> bool:
    """Whether the code line before `start` leaves a declaration open (``template <...>``,
    a parameter list): it ends neither a statement, a block nor a directive."""
    before = source[:start].rstrip()
    while before:
        line_start = before.rfind(b"\n") + 1
        line = before[line_start:].strip()
        if line.startswith((b"//", b"#", b"*", b"/*")) or line.endswith(b"*/"):
            before = before[:line_start].rstrip()
            continue
        return not line.endswith((b";", b"{", b"}", b":", b"\\")) and not line.endswith(b")")
    return False


def _closes_early(body: bytes) -> bool:
    """Whether the guard's ``#ifndef`` is closed before the file's last ``#endif`` (then it
    guards only part of the file)."""
    depth = 1
    for directive in re.finditer(rb"^[ \t]*#[ \t]*(if|ifdef|ifndef|endif)\b", body, re.MULTILINE):
        depth += -1 if directive.group(1) == b"endif" else 1
        if depth == 0:
            return True
    return False


def _arguments_end(source: bytes, end: int) -> int | None:
    """Where the parenthesised arguments after a macro's name end (None: there are none)."""
    at = end
    while at < len(source) and source[at] in b" \t":
        at += 1
    if at >= len(source) or source[at] != ord("("):
        return None
    depth = 0
    for position in range(at, min(len(source), at + 4096)):
        char = source[position]
        if char == ord("("):
            depth += 1
        elif char == ord(")"):
            depth -= 1
            if depth == 0:
                return position + 1
    return None


def _alone(source: bytes, start: int, end: int) -> bool:
    """Whether source[start:end] stands alone on its line (a comment may follow)."""
    line_start = source.rfind(b"\n", 0, start) + 1
    line_end = source.find(b"\n", end)
    rest = source[end : len(source) if line_end < 0 else line_end].strip()
    return not source[line_start:start].strip() and (not rest or rest.startswith((b"//", b"/*")))


# -- the repository's table -----------------------------------------------------------------


@dataclass
class _HeaderCache:
    stats: dict[str, tuple[int, int]] = field(default_factory=dict)
    definitions: dict[str, dict[str, list[tuple[bool, str]]]] = field(default_factory=dict)
    table: MacroTable = field(default_factory=MacroTable)


_caches: dict[str, _HeaderCache] = {}


def repository_macros(root: Path, files: frozenset[str]) -> MacroTable:
    """The macro table of a repository's headers; a header is read again only when its size
    or modification time changed since the last call for the same root."""
    cache = _caches.setdefault(str(root), _HeaderCache())
    headers = sorted(p for p in files if p.endswith(_HEADER_ENDINGS))
    changed = set(cache.stats) != set(headers)
    for path in headers:
        try:
            stat = os.stat(os.path.join(root, path))
        except OSError:
            continue
        key = (stat.st_size, stat.st_mtime_ns)
        if cache.stats.get(path) == key:
            continue
        try:
            data = (root / path).read_bytes()
        except OSError:
            continue
        cache.stats[path] = key
        cache.definitions[path] = _definitions(data)
        changed = True
    if changed:
        for gone in set(cache.stats) - set(headers):
            del cache.stats[gone]
            cache.definitions.pop(gone, None)
        merged: dict[str, list[tuple[bool, str]]] = {}
        for path in sorted(cache.definitions):
            for name, found in cache.definitions[path].items():
                merged.setdefault(name, []).extend(found)
        cache.table = MacroTable(classify(merged), rewriting(merged))
    return cache.table
