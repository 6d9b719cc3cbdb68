"""Rust ``macro_rules!``: what an invocation of a macro of the same file expands to, as text.

tree-sitter leaves a macro's rules and an invocation's arguments as token trees. rustc tries
a macro's rules in order and expands the first whose matcher takes the invocation's tokens;
the calls written in that rule's body then run where the macro is invoked, with its
receivers: bytes' ``buf_get_impl!(self, u16::from_be_bytes)`` in ``Buf::get_u16`` calls
``self.remaining()``, ``self.chunk()`` and ``self.advance(..)`` there. `expand` does the same
for a subset of matchers: literal tokens, delimited groups, fragments (one token for
``ident``, ``tt``, ``lifetime`` and ``literal``; for the others the tokens up to the next
literal token of the rule, or to its end), and a rule that takes its whole input as
``$($x:tt)*``. A rule with any other repetition never matches, and an invocation that no rule
matches is not expanded: it is left unread rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node

#: Fragments that match exactly one token (or one delimited group, for ``tt``).
_ONE_TOKEN = frozenset({"ident", "tt", "lifetime", "literal"})
_METAVARIABLE = re.compile(r"\$([A-Za-z_]\w*)")


@dataclass(frozen=True, slots=True)
class Token:
    """A token of an invocation; a delimited group is one token holding its inner ones."""

    text: str
    start: int
    end: int
    inner: tuple[Token, ...] | None = None


@dataclass(frozen=True, slots=True)
class _Literal:
    text: str


@dataclass(frozen=True, slots=True)
class _Fragment:
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class _Group:
    delimiter: str
    elements: tuple[_Element, ...]


@dataclass(frozen=True, slots=True)
class _Repetition:
    """``$( .. ) sep op``: `whole` is the one ``tt`` fragment of a ``$($x:tt)*`` with no
    separator, the only repetition that is expanded."""

    whole: _Fragment | None


_Element = _Literal | _Fragment | _Group | _Repetition


@dataclass(frozen=True, slots=True)
class MacroRule:
    """One ``(matcher) => { body }`` of a ``macro_rules!``; `body` without its delimiters."""

    matcher: tuple[_Element, ...]
    body: str


def macro_rules(node: Node, source: bytes) -> list[MacroRule]:
    """The rules of a ``macro_definition`` node, in order."""
    rules = []
    for rule in node.named_children:
        left = rule.child_by_field_name("left")
        right = rule.child_by_field_name("right")
        if rule.type != "macro_rule" or left is None or right is None:
            continue
        body = source[right.start_byte + 1 : right.end_byte - 1].decode("utf-8", "replace")
        rules.append(MacroRule(_elements(left, source), body))
    return rules


def invocation_tokens(token_tree: Node, source: bytes) -> tuple[Token, ...]:
    """The tokens inside an invocation's delimiters (``m!(a, b)``: ``a``, ``,``, ``b``)."""
    tokens = []
    for child in token_tree.children[1:-1]:
        text = source[child.start_byte : child.end_byte].decode("utf-8", "replace")
        inner = invocation_tokens(child, source) if child.type == "token_tree" else None
        tokens.append(Token(text[:1] if inner is not None else text, *_span(child), inner))
    return tuple(tokens)


def expand(rules: list[MacroRule], tokens: tuple[Token, ...], source: bytes) -> str | None:
    """The body of the first rule whose matcher takes `tokens`, with its fragments replaced
    by what they matched; None when no rule does, or when the body repeats a fragment."""
    for rule in rules:
        bound = _match(rule.matcher, tokens, source)
        if bound is not None:
            return _substitute(rule, bound)
    return None


def _span(node: Node) -> tuple[int, int]:
    return node.start_byte, node.end_byte


def _elements(pattern: Node, source: bytes) -> tuple[_Element, ...]:
    elements: list[_Element] = []
    for child in pattern.children[1:-1]:
        if child.type == "token_binding_pattern":
            elements.append(_fragment(child, source))
        elif child.type == "token_repetition_pattern":
            elements.append(_Repetition(_whole_input(child, source)))
        elif child.type == "token_tree_pattern":
            opening = source[child.start_byte : child.start_byte + 1].decode()
            elements.append(_Group(opening, _elements(child, source)))
        else:
            elements.append(_Literal(source[_slice(child)].decode("utf-8", "replace")))
    return tuple(elements)


def _slice(node: Node) -> slice:
    return slice(node.start_byte, node.end_byte)


def _whole_input(repetition: Node, source: bytes) -> _Fragment | None:
    """The fragment of ``$($x:tt)*`` (or ``+``); None for any other repetition."""
    children = repetition.children
    texts = [source[_slice(child)].decode("utf-8", "replace") for child in children]
    bindings = [child for child in children if child.type == "token_binding_pattern"]
    shape = texts[:2] == ["$", "("] and texts[-2:] in ([")", "*"], [")", "+"])
    if not shape or len(children) != 5 or len(bindings) != 1:
        return None
    fragment = _fragment(bindings[0], source)
    return fragment if fragment.kind == "tt" else None


def _fragment(binding: Node, source: bytes) -> _Fragment:
    """``$this:ident`` -> (``this``, ``ident``)."""
    name, kind = binding.named_children[0], binding.named_children[-1]
    return _Fragment(source[_slice(name)].decode().lstrip("$"), source[_slice(kind)].decode())


def _match(
    matcher: tuple[_Element, ...], tokens: tuple[Token, ...], source: bytes
) -> dict[str, tuple[str, str]] | None:
    """Fragment name -> (kind, matched text), if `matcher` takes all of `tokens`."""
    bound: dict[str, tuple[str, str]] = {}
    position = 0
    for index, element in enumerate(matcher):
        if isinstance(element, _Repetition):
            if element.whole is None or len(matcher) != 1:
                return None
            text = source[tokens[0].start : tokens[-1].end].decode() if tokens else ""
            return {element.whole.name: ("repeated", text)}
        if isinstance(element, _Literal):
            if position >= len(tokens) or tokens[position].inner is not None:
                return None
            if tokens[position].text != element.text:
                return None
            position += 1
        elif isinstance(element, _Group):
            token = tokens[position] if position < len(tokens) else None
            if token is None or token.inner is None or token.text != element.delimiter:
                return None
            inner = _match(element.elements, token.inner, source)
            if inner is None:
                return None
            bound.update(inner)
            position += 1
        else:
            end = _fragment_end(element, matcher[index + 1 :], tokens, position)
            if end is None:
                return None
            text = source[tokens[position].start : tokens[end - 1].end].decode("utf-8", "replace")
            bound[element.name] = (element.kind, text)
            position = end
    return bound if position == len(tokens) else None


def _fragment_end(
    fragment: _Fragment, rest: tuple[_Element, ...], tokens: tuple[Token, ...], position: int
) -> int | None:
    """Where the tokens a fragment takes from `position` end (at least one)."""
    if position >= len(tokens):
        return None
    if fragment.kind in _ONE_TOKEN:
        if fragment.kind != "tt" and tokens[position].inner is not None:
            return None
        return position + 1
    if not rest:
        return len(tokens)
    follow = rest[0]
    if not isinstance(follow, _Literal):
        return None  # two fragments in a row: where the first ends is not guessed
    for end in range(position + 1, len(tokens)):
        if tokens[end].inner is None and tokens[end].text == follow.text:
            return end
    return None


def _substitute(rule: MacroRule, bound: dict[str, tuple[str, str]]) -> str | None:
    body = rule.body
    for name, (kind, text) in bound.items():
        if kind == "repeated":
            repeated = re.compile(rf"\$\(\s*\${name}\s*\)\s*[*+]")
            body = text.join(repeated.split(body))  # taken literally, unlike re.sub's
    if "$(" in body:
        return None

    def replace(found: re.Match[str]) -> str:
        name = found.group(1)
        if name == "crate":
            return "crate"
        kind, text = bound.get(name, ("", ""))
        if not kind or kind == "repeated":
            raise LookupError(name)
        return f"({text})" if kind == "expr" else text

    try:
        return _METAVARIABLE.sub(replace, body)
    except LookupError:
        return None
