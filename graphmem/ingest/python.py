"""Python: module names, a tree-sitter parse into ParsedFile, and the resolver hook.

Parsing uses tree-sitter queries (which run in C) to collect definitions, calls, imports and
assignments, then one sweep in source order assigns each item to its innermost enclosing
definition. Python-level work is proportional to what is captured, not to the syntax tree.

Module names follow the import system: a file inside a package (directories with
``__init__.py``) is named from the package's parent, so ``src/`` layouts and nested example
projects get the names they are imported by; a file outside any package is named by its path
(``scripts/release.py`` is ``scripts.release``), with a leading ``src/`` dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphmem.ingest.language import (
    CLASS,
    FUNCTION,
    METHOD,
    VARIABLE,
    Definition,
    FileResolver,
    ParsedFile,
    RepoIndex,
    RepoLayout,
)
from graphmem.ingest.syntax import (
    Scope,
    SourceParse,
    grammar,
    in_source_order,
    line,
    tree_root,
)

if TYPE_CHECKING:
    from tree_sitter import Node

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
#: A callee we can follow: dotted names, optionally with empty-call links (``Foo().m``).
_CALLEE = re.compile(r"[A-Za-z_]\w*(?:\(\))?(?:\.[A-Za-z_]\w*(?:\(\))?)*")
_WHITESPACE = re.compile(r"\s+")
#: a dict key a value expression may name (``"column"``)
_WORD = re.compile(r"\w+")
_TYPE_CHECKING = re.compile(r"(?:typing\.)?TYPE_CHECKING")


#: ``Optional[X]`` as ``typing``, ``t`` (``import typing as t``) or any alias writes it.
_OPTIONAL = re.compile(r"^(?:\w+\.)?Optional\[(.+)\]$")
#: ``Union[A, B]`` under any module alias; read as ``A | B``
_UNION = re.compile(r"(?:\w+\.)?Union\[(.+)\]", re.DOTALL)
#: the test of a script's block, ``if __name__ == "__main__":``, without its spaces
_MAIN_TEST = re.compile(r"""__name__==(['"])__main__\1|(['"])__main__\2==__name__""")
#: ``A | B | None`` of names alone, as a module's type alias spells a union
_TYPE_UNION = re.compile(r"[\w.]+(?:\s*\|\s*[\w.]+)+")
_ANNOTATED = re.compile(r"(?:typing\.|t\.)?(?:Annotated|ClassVar|Final)\[(.+)\]", re.DOTALL)
#: ``type[Response]``: the class itself, read as ``type:Response`` (calling it makes one).
_CLASS_OF = re.compile(r"(?:typing\.|t\.)?(?:Type|type)\[(.+)\]", re.DOTALL)
#: A generic class with its arguments (`types.ParamType[t.Any]`): an instance of the class.
_SUBSCRIPTED = re.compile(r"([A-Za-z_][\w.]*)\[.*\]", re.DOTALL)
#: Annotations that qualify a name without typing it (`x: Final = real`): the value tells.
_QUALIFIERS = re.compile(r"^(?:typing(?:_extensions)?\.)?(?:Final|ClassVar|TypeAlias)$")

#: Annotations of values that hold instances of their (first) argument, read as ``P[]``.
_SEQUENCES = frozenset(
    {
        "list", "List", "Sequence", "MutableSequence", "Iterable", "Iterator", "Collection",
        "set", "Set", "frozenset", "FrozenSet", "AbstractSet", "MutableSet", "tuple", "Tuple",
        "deque", "Deque", "Generator", "Reversible", "AsyncIterator", "AsyncIterable",
        "AsyncGenerator",
    }
)  # fmt: skip
#: Annotations of mappings, read as ``{K,V}`` (``dict[str, Command]`` is ``{str,Command}``).
_MAPPINGS = frozenset(
    {"dict", "Dict", "Mapping", "MutableMapping", "OrderedDict", "DefaultDict", "defaultdict"}
)
#: Builtins that call a protocol method of their one argument: ``next(it)`` is
#: ``it.__next__()``, ``iter(x)`` is ``x.__iter__()``.
_ITERATION_BUILTINS = {"next": "__next__", "iter": "__iter__"}
#: Builtins that gather what their one argument yields: ``list(x)`` holds what ``iter(x)``
#: walks, as httpx's ``self.children = list(reversed(children))`` does; so does a deque.
_GATHERING_BUILTINS = frozenset(
    {"list", "tuple", "set", "frozenset", "sorted", "reversed", "deque", "collections.deque"}
)
_CASTS = frozenset({"cast", "t.cast", "typing.cast"})
#: Calls that give a copy of their one argument, of its type: marshmallow's ``self.inner =
#: copy.deepcopy(self.inner)``.
_COPIES = frozenset({"copy.copy", "copy.deepcopy", "deepcopy"})
#: Builtin types a union may hold beside one class (the resolver knows their attributes).
_BUILTIN_TYPES = frozenset(
    {"str", "bytes", "bytearray", "int", "float", "complex", "bool", "list", "dict", "set",
     "frozenset", "tuple"}
)  # fmt: skip

UNKNOWN = "?"
_TARGET_LISTS = (
    "pattern_list",
    "tuple_pattern",
    "list_pattern",
    "tuple",
    "list",
    "list_splat_pattern",
    "as_pattern_target",
)


def _unwrapped(node: Node) -> Node:
    """What parentheses hold: httpx's ``timeout = (a if c else Timeout(b))`` over lines."""
    while node.type == "parenthesized_expression":
        inner = [child for child in node.named_children if child.type != "comment"]
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


def _is_empty_display(arguments: Sequence[Node]) -> bool:
    """One argument, ``()`` or ``[]``."""
    return len(arguments) == 1 and _empty(arguments[0]) and arguments[0].type != "dictionary"


def _empty(node: Node) -> bool:
    """``()``, ``[]`` or ``{}``: a container holding nothing, so no element to disagree with
    what another branch holds (``[] if routes is None else list(routes)``)."""
    node = _unwrapped(node)
    return node.type in ("tuple", "list", "dictionary") and not node.named_children


def _main_guards(found: dict[str, list[Node]]) -> list[tuple[int, int]]:
    """The byte spans of the module-level ``if __name__ == "__main__":`` blocks of the tree
    the captures in `found` are from: rich's demos ``from .live import Live as Live`` there."""
    root = tree_root(found)
    spans = []
    for statement in root.named_children if root is not None else []:
        condition = statement.child_by_field_name("condition")
        if statement.type == "if_statement" and condition is not None:
            test = _WHITESPACE.sub("", (condition.text or b"").decode("utf-8", "replace"))
            if _MAIN_TEST.fullmatch(test):
                spans.append((statement.start_byte, statement.end_byte))
    return spans


def _leaves(block: Node) -> bool:
    """Whether a block's last statement leaves it (``raise``, ``return``, ``continue``,
    ``break``): what follows the ``if`` runs only when its test failed."""
    last = block.named_children[-1] if block.named_children else None
    return last is not None and last.type in (
        "raise_statement", "return_statement", "continue_statement", "break_statement"
    )  # fmt: skip


def _is_overload(decorators: Sequence[str]) -> bool:
    return any(d == "overload" or d.endswith(".overload") for d in decorators)


class PythonSupport:
    """LanguageSupport for Python (``.py`` and stub ``.pyi`` files)."""

    name = "python"
    extensions = (".py", ".pyi")

    def module_name(self, path: str, layout: RepoLayout) -> str:
        if "__init__.py" in layout.files:
            # The repository root is itself a package (a checkout of just the package folder).
            return python_module_name(f"{layout.root.name}/{path}", layout.files, layout.root.name)
        return python_module_name(path, layout.files)

    def parse(self, path: str, source: bytes, module: str) -> ParsedFile:
        return _PythonParse(path, source, module).run()

    def resolver(self, index: RepoIndex) -> FileResolver:
        from graphmem.ingest.python_resolver import PythonResolver

        return PythonResolver(index)


def python_module_name(
    path: str, files: frozenset[str] | set[str], root_package: str | None = None
) -> str:
    """``pkg/sub/mod.py`` -> ``pkg.sub.mod``; ``pkg/__init__.py`` -> ``pkg`` (see module doc).

    With `root_package`, `path` starts with that name and stands for the repository root.
    """
    stem = path.rsplit(".", 1)[0]
    parts = stem.split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    directory = path.rsplit("/", 1)[0] if "/" in path else ""

    def is_package(directory: str) -> bool:
        if directory == root_package:
            return True
        if root_package is not None:
            directory = directory[len(root_package) + 1 :]
        return f"{directory}/__init__.py" in files or f"{directory}/__init__.pyi" in files

    top = None
    while directory and is_package(directory):
        top = directory
        directory = directory.rsplit("/", 1)[0] if "/" in directory else ""
    if top is not None:
        base_depth = top.count("/")
        parts = parts[base_depth:]
    elif parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or stem.replace("/", ".")


def is_in_package(path: str, files: frozenset[str] | set[str]) -> bool:
    directory = path.rsplit("/", 1)[0] if "/" in path else ""
    return bool(directory) and f"{directory}/__init__.py" in files


def annotation_value(text: str) -> str | None:
    """What an annotation says a value is, as the resolver reads it: one class
    (`normalize_annotation`), or a sequence of one, ``P[]`` (``list[P]``, ``Sequence[P]``,
    ``tuple[P, ...]``, ``Iterator[P]``, also optional), or a mapping ``{K,V}`` of key and
    value classes, either empty when it is not one class (``dict[str, list[P]]`` is ``{str,}``)."""
    text = _WHITESPACE.sub("", text).strip("'\"")
    match = _OPTIONAL.match(text)
    if match:
        text = match.group(1).strip("'\"")
    text = _union_text(text)
    options = [t for t in _split_top(text, "|") if t != "None"]
    if len(options) == 1 and options[0] != text:
        return annotation_value(options[0])
    if len(options) > 1:
        return _beside_builtins(options)
    sequence = _SUBSCRIPTED.fullmatch(options[0]) if len(options) == 1 else None
    if sequence is not None and sequence.group(1).rsplit(".", 1)[-1] in _MAPPINGS:
        pair = _arguments(options[0][len(sequence.group(1)) + 1 : -1])
        if len(pair) != 2:
            return None
        key, value = (_mapped(part) for part in pair)
        return f"{{{key},{value}}}"
    if sequence is None or sequence.group(1).rsplit(".", 1)[-1] not in _SEQUENCES:
        return normalize_annotation(text)
    head = sequence.group(1).rsplit(".", 1)[-1]
    arguments = _arguments(options[0][len(sequence.group(1)) + 1 : -1])
    if head in ("tuple", "Tuple"):
        single = arguments[1:] in ([], ["..."])  # not a tuple of different things
        if not single:  # `tuple[BaseLoader, str]`, read as `(BaseLoader,str)`; an item may
            # be a container: `tuple[str, dict[str, Convertor]]` is `(str,{str,Convertor})`
            return "(" + ",".join(annotation_value(a) or "" for a in arguments) + ")"
    else:
        single = len(arguments) == 1 or head in ("Generator", "AsyncGenerator")
    if not single:
        return None
    item = normalize_annotation(arguments[0])
    members_text = _union_text(arguments[0])
    if item is None and "|" in members_text:  # `list[DataField | FileField]`: `A[]|B[]`
        options = [o.strip("'\"") for o in _split_top(members_text, "|") if o != "None"]
        union = _beside_builtins(options) if len(options) > 1 else None
        members = union.split("|") if union is not None else []
        if members and not any(_SUBSCRIPTED.sub(r"\1", m) in _BUILTIN_TYPES for m in members):
            return "|".join(f"{member}[]" for member in members)
    return f"{item}[]" if item is not None else None


def _beside_builtins(options: Sequence[str]) -> str | None:
    """A union of one class and builtins (werkzeug's ``value: ContentRange | str | None``),
    read as ``ContentRange|str``: a method no builtin has can only be the class's. A union of
    classes alone (``Headers | MultiDict``) is ``Headers|MultiDict``."""
    builtins = [o for o in options if _SUBSCRIPTED.sub(r"\1", o) in _BUILTIN_TYPES]
    if not builtins:
        classes = [normalize_annotation(option) for option in options]
        plain = [c for c in classes if c is not None and not c.startswith("type:")]
        return "|".join(plain) if len(plain) == len(options) else None
    if len(builtins) != len(options) - 1:
        return None
    (other,) = (o for o in options if o not in builtins)
    held = normalize_annotation(other)
    if held is None or held.startswith("type:"):
        return None
    return "|".join([held, *sorted({_SUBSCRIPTED.sub(r"\1", b) for b in builtins})])


def _mapped(text: str) -> str:
    """A mapping's key or value annotation: one class, a sequence of one (``list[Rule]``
    is ``Rule[]``), or empty."""
    held = annotation_value(text)
    if held is not None and held.endswith("[]"):
        return held
    return normalize_annotation(text) or ""


def _arguments(text: str) -> list[str]:
    """A subscript's comma-separated arguments, nested brackets kept whole."""
    return _split_top(text, ",")


def _split_top(text: str, separator: str) -> list[str]:
    """`text` split at each `separator` outside brackets: ``dict[K, V | None]`` is one union
    member, not ``dict[K, V`` and ``None]``."""
    found: list[str] = []
    depth = start = 0
    for position, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == separator and depth == 0:
            found.append(text[start:position])
            start = position + 1
    found.append(text[start:])
    return found


def _union_text(text: str) -> str:
    """``Union[str, "Text"]`` (under any module alias) written as ``str|Text``."""
    match = _UNION.fullmatch(text)
    if match is None:
        return text
    return "|".join(option.strip("'\"") for option in _arguments(match.group(1)))


def normalize_annotation(text: str) -> str | None:
    """A type annotation reduced to one dotted class name (a generic class's without its
    arguments), ``type:C`` for the class object ``type[C]``, or None (unions...)."""
    text = _WHITESPACE.sub("", text).strip("'\"")
    if _QUALIFIERS.match(text):
        return None
    match = _OPTIONAL.match(text)
    if match:
        text = match.group(1).strip("'\"")
    text = _union_text(text)
    if "|" in text:
        options = [t for t in _split_top(text, "|") if t != "None"]
        if len(options) != 1:
            return None
        text = options[0]
    match = _ANNOTATED.fullmatch(text)
    if match:
        text = _arguments(match.group(1))[0]
    match = _CLASS_OF.fullmatch(text)
    if match:
        held = normalize_annotation(match.group(1))
        return f"type:{held}" if held is not None and not held.startswith("type:") else None
    match = _SUBSCRIPTED.fullmatch(text)
    if match:
        text = match.group(1)
    return text if _DOTTED.fullmatch(text) else None


@dataclass(slots=True)
class _Scope(Scope):
    #: where the body starts: defaults, annotations and bases before it belong to the outer scope
    body_byte: int = 0


class _PythonParse(SourceParse):
    """One file's parse: run the query, then sweep captures in source order."""

    def __init__(self, path: str, source: bytes, module: str) -> None:
        super().__init__("python", path, source, module)
        #: module- and class-level assignments: (scope, name, statement), made Variables last
        self.variables: list[tuple[str, str, Node]] = []
        #: per function, its first parameter and whether each of its returns so far gives it
        #: back
        self.gives_back: dict[str, tuple[str, bool]] = {}

    def run(self) -> ParsedFile:
        found = self.captures(grammar("tree_sitter_python"), "python")
        stack: list[_Scope] = [_Scope(self.module, len(self.source) + 1, None)]
        script = _main_guards(found) if b"__main__" in self.source else []
        for name, node in in_source_order(found, first=("class", "function")):
            start = node.start_byte
            while stack[-1].end_byte <= start:
                stack.pop()
            depth = len(stack) - 1
            while depth > 0 and stack[depth].body_byte > start:
                depth -= 1
            scope = stack[depth]
            inside_script = any(first <= start < last for first, last in script)
            if inside_script and depth == 0 and name not in ("class", "function"):
                continue  # run as a script only: no module that imports this sees it
            if name in ("class", "function"):
                definition = self.definition(node, name, scope)
                if definition is not None:
                    body = node.child_by_field_name("body")
                    body_byte = body.start_byte if body is not None else node.start_byte
                    stack.append(
                        _Scope(definition.qualified_name, node.end_byte, definition, body_byte)
                    )
                    if definition.kind != CLASS:
                        self.parameter_bindings(node, definition)
            elif name == "call":
                self.call(node, scope)
            elif name == "import":
                self.import_statement(node, scope)
                self.note_type_checking(node)
            elif name == "import_from":
                self.import_from(node, scope)
                self.note_type_checking(node)
            elif name == "assign":
                self.assignment(node, scope)
            elif name == "as_target" and (self.caught(node, scope) or self.entered(node, scope)):
                continue
            elif name in ("for_target", "comprehension_target"):
                self.loop_target(node, scope, always=name == "for_target")
            elif name == "walrus":  # `if etags := ETags.from_header(h):`
                value = node.parent.child_by_field_name("value") if node.parent else None
                held = self.value_expression(value) if value is not None else UNKNOWN
                self.bind(scope.qualified_name, self.text(node), held, node)
            elif name == "condition":
                self.narrowing(node, scope)
            elif name == "return":
                self.note_return(node, scope)
            elif name == "as_target":
                for target in self.target_names(node):
                    self.bind(scope.qualified_name, target, UNKNOWN, node)
        self.add_variables()
        self.note_identities()
        return self.parsed

    def note_return(self, node: Node, scope: _Scope) -> None:
        """Whether this ``return`` of a function gives back its first parameter, unchanged
        (attrs's ``def _add_hash(cls, attrs): ...; return cls``)."""
        definition = scope.definition
        if definition is None or definition.kind != FUNCTION or not definition.params:
            return  # a method's first parameter is not its first argument
        first = definition.params[0]
        values = [child for child in node.named_children if child.type != "comment"]
        same = len(values) == 1 and self.text(values[0]) == first
        _, before = self.gives_back.get(definition.qualified_name, (first, True))
        self.gives_back[definition.qualified_name] = (first, before and same)

    def note_identities(self) -> None:
        """The functions every ``return`` of which gives back the first parameter, never
        assigned in them, as `extra["identity"]`: a call of one gives its first argument
        (``Factory = _add_hash(_add_repr(Factory))`` is still the class ``Factory``)."""
        rebound = {(b.scope, b.name) for b in self.parsed.bindings if not b.annotation}
        identity = [
            qualified_name
            for qualified_name, (first, same) in self.gives_back.items()
            if same and (qualified_name, first) not in rebound
        ]
        if identity:
            self.parsed.extra["identity"] = identity

    def add_variables(self) -> None:
        """Module constants and class attributes as Variables, after every def and class: a
        name that is also a function or class (``get_buffer = None`` then ``def get_buffer``)
        stays that definition, and the first assignment of a name gives its lines and hash."""
        for scope, name, statement in self.variables:
            qualified_name = f"{scope}.{name}"
            if qualified_name not in self.seen:
                self.add_definition(VARIABLE, name, qualified_name, scope, statement)

    # -- definitions ----------------------------------------------------------------------

    def definition(self, node: Node, capture: str, scope: _Scope) -> Definition | None:
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return None
        name = self.text(name_node)
        parent = scope.definition
        if capture == "class":
            kind = CLASS
        elif parent is not None and parent.kind == CLASS:
            kind = METHOD
        else:
            kind = FUNCTION
        qname = f"{scope.qualified_name}.{name}"
        decorators: list[str] = []
        outer = node.parent
        if outer is not None and outer.type == "decorated_definition":
            for child in outer.children:
                if child.type == "decorator":
                    text = _WHITESPACE.sub("", self.text(child)).lstrip("@")
                    decorators.append(text.split("(", 1)[0])
        # A later definition with the same name (property setters, conditional defs) keeps the
        # first one's entity; its calls are still attributed to that name.
        definition = self.add_definition(kind, name, qname, scope.qualified_name, node)
        definition.decorators = decorators
        if not _is_overload(decorators):
            self._replace_overload_stub(definition)
        if kind == CLASS:
            bases = node.child_by_field_name("superclasses")
            if bases is not None:
                for child in bases.named_children:
                    if child.type == "subscript":  # Base[T] inherits from Base
                        value = child.child_by_field_name("value")
                        child = value if value is not None else child
                    if child.type in ("identifier", "attribute"):
                        definition.bases.append(_WHITESPACE.sub("", self.text(child)))
                    elif child.type == "keyword_argument":
                        continue
                    else:
                        definition.bases.append(UNKNOWN)
        else:
            returns = node.child_by_field_name("return_type")
            if returns is not None:
                definition.returns = annotation_value(self.text(returns))
        # Within the scope the name is bound to the definition, not to an outer value.
        self.bind(scope.qualified_name, name, "def:" + qname, node)
        return definition

    def _replace_overload_stub(self, definition: Definition) -> None:
        """The implementation after ``@overload`` stubs is the entity: its lines and hash are
        what an edit changes, where the first stub's never move."""
        recorded = self.parsed.definitions
        for i in range(len(recorded) - 1, -1, -1):
            if recorded[i].qualified_name == definition.qualified_name:
                if recorded[i] is not definition and _is_overload(recorded[i].decorators):
                    recorded[i] = definition
                return

    def parameter_bindings(self, node: Node, definition: Definition) -> None:
        params = node.child_by_field_name("parameters")
        if params is None:
            return
        qname = definition.qualified_name
        for child in params.named_children:
            kind = child.type
            name_node: Node | None
            annotation: Node | None = None
            if kind == "identifier":
                name_node = child
            elif kind in ("typed_parameter", "typed_default_parameter", "default_parameter"):
                name_node = child.child_by_field_name("name")
                if name_node is None and child.named_children:
                    name_node = child.named_children[0]
                annotation = child.child_by_field_name("type")
                if name_node is not None and name_node.type != "identifier":
                    # *args: T is a tuple of T; **kw: T a dict, never an instance of T
                    inner = [c for c in name_node.named_children if c.type == "identifier"]
                    item = normalize_annotation(self.text(annotation)) if annotation else None
                    if inner:
                        definition.params.append(self.text(inner[0]))
                        if item is not None and name_node.type == "list_splat_pattern":
                            self.bind(qname, self.text(inner[0]), f"{item}[]", child, True)
                        else:
                            self.bind(qname, self.text(inner[0]), UNKNOWN, child)
                    continue
            elif kind in ("list_splat_pattern", "dictionary_splat_pattern"):
                inner = [c for c in child.named_children if c.type == "identifier"]
                if inner:
                    definition.params.append(self.text(inner[0]))
                    self.bind(qname, self.text(inner[0]), UNKNOWN, child)
                continue
            else:
                continue
            if name_node is None:
                continue
            pname = self.text(name_node)
            definition.params.append(pname)
            value = annotation_value(self.text(annotation)) if annotation is not None else None
            if value is not None:
                self.bind(qname, pname, value, child, annotation=True)

    # -- calls ----------------------------------------------------------------------------

    def call(self, node: Node, scope: _Scope) -> None:
        if scope.definition is None or scope.definition.kind == CLASS:
            return  # CALLS start at functions and methods only
        callee: str | None = _WHITESPACE.sub("", self.text(node))
        if node.type == "subscript":  # `reloader_loops[kind](...)`: what the table holds
            held = self.value_expression(node)
            callee = held if held not in (UNKNOWN, "None") else None
        elif node.type == "call" or callee is None or not _CALLEE.fullmatch(callee):
            callee = self.attribute_callee(node) if node.type == "attribute" else None
        if callee is not None:
            self.add_call(scope.qualified_name, callee, node)

    def attribute_callee(self, node: Node) -> str | None:
        """``Foo(...).m`` / ``super(...).m``: argument lists dropped, as ``Foo().m``; and
        ``self.tags[key].m``, read as ``self.tags.__getitem__().m``."""
        obj = node.child_by_field_name("object")
        attr = node.child_by_field_name("attribute")
        if obj is None or attr is None:
            return None
        if obj.type == "subscript":
            held = self.value_expression(obj)
            return f"{held}.{self.text(attr)}" if held != UNKNOWN else None
        if obj.type == "call":
            func = obj.child_by_field_name("function")
            if func is None:
                return None
            inner = _WHITESPACE.sub("", self.text(func))
            if not _DOTTED.fullmatch(inner):
                return None
            return f"{inner}().{self.text(attr)}"
        return None

    # -- imports --------------------------------------------------------------------------

    def import_statement(self, node: Node, scope: _Scope) -> None:
        for child in node.named_children:
            if child.type == "dotted_name":
                self.add_import(self.text(child), None, None, node, scope.qualified_name)
            elif child.type == "aliased_import":
                named = self.aliased(child)
                if named is not None:
                    self.add_import(named[0], None, named[1], node, scope.qualified_name)

    def import_from(self, node: Node, scope: _Scope) -> None:
        module_node = node.child_by_field_name("module_name")
        if module_node is None:
            return
        module = _WHITESPACE.sub("", self.text(module_node))
        found = False
        for child in node.named_children:
            imported: tuple[str, str | None] | None
            if child.id == module_node.id:
                continue
            if child.type == "wildcard_import":
                imported = ("*", None)
            elif child.type == "dotted_name":
                imported = (self.text(child), None)
            elif child.type == "aliased_import":
                imported = self.aliased(child)
            else:
                continue
            if imported is not None:
                self.add_import(module, imported[0], imported[1], node, scope.qualified_name)
                found = True
        if not found:
            self.add_import(module, None, None, node, scope.qualified_name)

    def note_type_checking(self, node: Node) -> None:
        """The lines of imports under ``if TYPE_CHECKING:`` (`extra["type_only"]`): never run,
        so a runtime binding of the same name is what the name means (tomlkit imports
        `dict as _CustomDict` there, and defines `class _CustomDict(dict)` in the `else:`)."""
        parent = node.parent
        while parent is not None and parent.type in ("block", "if_statement"):
            if parent.type == "if_statement":
                condition = parent.child_by_field_name("condition")
                if condition is not None and _TYPE_CHECKING.fullmatch(self.text(condition)):
                    self.parsed.extra.setdefault("type_only", []).append(line(node))
                return
            parent = parent.parent

    def aliased(self, node: Node) -> tuple[str, str | None] | None:
        """``name as alias``: (name, alias)."""
        name = node.child_by_field_name("name")
        alias = node.child_by_field_name("alias")
        if name is None:
            return None
        return self.text(name), self.text(alias) if alias is not None else None

    # -- assignments ----------------------------------------------------------------------

    def assignment(self, node: Node, scope: _Scope) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        annotation = node.child_by_field_name("type")
        if left is None:
            return
        if left.type in ("identifier", "attribute"):
            name = _WHITESPACE.sub("", self.text(left))
            if not _DOTTED.fullmatch(name):
                return
            if name == "__all__" and scope.definition is None and right is not None:
                self.exports(right)
            elif left.type == "identifier" and (
                scope.definition is None or scope.definition.kind == CLASS
            ):
                statement = node.parent if node.parent is not None else node
                if statement.type != "expression_statement":
                    statement = node
                self.variables.append((scope.qualified_name, name, statement))
            if annotation is not None:
                ann = annotation_value(self.text(annotation))
                if ann is not None:
                    self.bind(scope.qualified_name, name, ann, node, annotation=True)
                    return
            right = _unwrapped(right) if right is not None else None
            cast = self.cast_type(right) if right is not None else None
            if cast is not None:  # `g = t.cast(Group, ctx.command)` says what g is
                self.bind(scope.qualified_name, name, cast, node, annotation=True)
                return
            if right is not None and right.type == "conditional_expression":
                # `x = Foo(a) if a else None`: x is what both branches agree on
                branches = right.named_children
                if len(branches) == 3:
                    held = [b for b in (branches[0], branches[2]) if not _empty(b)] or branches
                    for branch in held:
                        self.bind(scope.qualified_name, name, self.value_expression(branch), node)
                    return
            alias = (
                self.type_alias(right) if right is not None and scope.definition is None else None
            )
            if alias is not None:  # `TextType = Union[str, "Text"]`, which annotations name
                self.bind(scope.qualified_name, name, "alias:" + alias, node)
                return
            value = UNKNOWN
            if right is not None:
                value = self.value_expression(right)
                wrapped = f"{scope.qualified_name}.{name}"
                callers = self.wrappers(right, name) if wrapped in self.seen else None
                if callers is not None:  # Factory = _add_hash(_add_repr(Factory))
                    value = f"wrap:{wrapped}:{','.join(callers)}"
            self.bind(scope.qualified_name, name, value, node)
        elif not self.unpack(left, right, scope, node):
            for target in self.target_names(left):
                self.bind(scope.qualified_name, target, UNKNOWN, node)

    def type_alias(self, value: Node) -> str | None:
        """What a module-level ``X = Union[A, B]``, ``Optional[A]`` or ``A | B`` names, as an
        annotation (`annotation_value`); None for any other value."""
        if value.type == "subscript":
            head = value.child_by_field_name("value")
            if head is None or self.text(head).rsplit(".", 1)[-1] not in ("Union", "Optional"):
                return None
        elif value.type != "binary_operator" or not _TYPE_UNION.fullmatch(self.text(value)):
            return None
        return annotation_value(self.text(value))

    def unpack(self, left: Node, right: Node | None, scope: _Scope, node: Node) -> bool:
        """``loader, name = self.get_loader(t)``: each name takes its position of what the
        value holds (``-> tuple[BaseLoader, str]``), read as ``unpack:0:self.get_loader()``."""
        names = [_WHITESPACE.sub("", self.text(child)) for child in left.named_children]
        if (
            left.type not in ("pattern_list", "tuple_pattern")
            or right is None
            or not all(_DOTTED.fullmatch(name) for name in names)
        ):
            return False  # `self.regex, self.format, self.convertors = compile_path(path)` too
        held = self.value_expression(right)
        if held in (UNKNOWN, "None"):
            return False
        for index, name in enumerate(names):
            self.bind(scope.qualified_name, name, f"unpack:{index}:{held}", node)
        return True

    def value_expression(self, node: Node) -> str:
        node = _unwrapped(node)
        if node.type == "boolean_operator" and self.text(node.children[1]) == "or":
            # `self.routes or []`: what the left holds, when the fallback is empty or None
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and (_empty(right) or right.type == "none"):
                return self.value_expression(left)
        if node.type == "await":  # `await f()` of an `async def f() -> R` is an R
            awaited = node.named_children
            return self.value_expression(awaited[0]) if len(awaited) == 1 else UNKNOWN
        if node.type == "none":  # `get_buffer = None` beside a def: no other callee
            return "None"
        if node.type in ("identifier", "attribute"):
            text = _WHITESPACE.sub("", self.text(node))
            return text if _DOTTED.fullmatch(text) else UNKNOWN
        if node.type == "call":
            func = node.child_by_field_name("function")
            if func is not None and func.type in ("identifier", "attribute"):
                text = _WHITESPACE.sub("", self.text(func))
                protocol = _ITERATION_BUILTINS.get(text)
                if protocol is not None:  # jinja's `old = next(self)`: what __next__ returns
                    arguments = node.child_by_field_name("arguments")
                    args = arguments.named_children if arguments is not None else []
                    if protocol == "__iter__" and _is_empty_display(args):
                        return "None"  # jinja's `self._iter = iter(())`: it yields nothing
                    if len(args) == 1 and args[0].type in ("identifier", "attribute"):
                        held = self.value_expression(args[0])
                        return f"{held}.{protocol}()" if held not in (UNKNOWN, "None") else UNKNOWN
                if text in _GATHERING_BUILTINS:
                    return self.gathered(node)
                if text in _COPIES:
                    arguments = node.child_by_field_name("arguments")
                    given = (
                        [c for c in arguments.named_children if c.type != "comment"]
                        if arguments
                        else []
                    )
                    return self.value_expression(given[0]) if len(given) == 1 else UNKNOWN
                if _DOTTED.fullmatch(text):
                    return text + "()"
            if func is not None and func.type == "subscript":
                # `loops[kind](...)`: `#call()` calls what comes before it, as no attribute
                # could be named
                held = self.value_expression(func)
                return f"{held}.#call()" if held not in (UNKNOWN, "None") else UNKNOWN
        if node.type == "subscript":  # `cmd = self.commands[name]`; a slice `hooks[:]`
            value = node.child_by_field_name("value")
            keys = node.children_by_field_name("subscript")
            if value is not None and len(keys) == 1:
                held = self.value_expression(value)
                method = "__iter__" if keys[0].type == "slice" else "__getitem__"
                key = self.text(keys[0])[1:-1] if keys[0].type == "string" else ""
                if _WORD.fullmatch(key):  # `splitters["column"]`: that key's value
                    method = f"__getitem__:{key}"
                if held not in (UNKNOWN, "None"):
                    return f"{held}.{method}()"
        if node.type == "dictionary":  # `{"gzip": GZipDecoder, ...}`: a table of callables
            entries = []
            for pair in node.named_children:
                named = pair.child_by_field_name("key")
                target = pair.child_by_field_name("value")
                if named is None or target is None or target.type != "identifier":
                    return UNKNOWN
                word = self.text(named)[1:-1] if named.type == "string" else ""
                entries.append(f"{word if _WORD.fullmatch(word) else ''}={self.text(target)}")
            return "dict:" + ",".join(entries) if entries else UNKNOWN
        if node.type == "list":  # `lines = [_Line(node=self)]`: a list of what all items are
            items = {self.value_expression(item) for item in node.named_children}
            if len(items) == 1 and not items & {UNKNOWN, "None"}:
                return "elements:" + items.pop()
        return UNKNOWN

    def gathered(self, call: Node) -> str:
        """``list(x)``, ``sorted(x, key=k)``: what iterating `x` gives, read as
        ``x.__iter__()``; anything else (no argument, a splat) is unknown."""
        arguments = call.child_by_field_name("arguments")
        given = arguments.named_children if arguments is not None else []
        positional = [c for c in given if c.type not in ("keyword_argument", "comment")]
        if len(positional) != 1 or positional[0].type in ("list_splat", "dictionary_splat"):
            return UNKNOWN
        held = self.value_expression(positional[0])
        if held.startswith("elements:"):  # jinja's `todo = deque([self])`
            return held
        return f"{held}.__iter__()" if held not in (UNKNOWN, "None") else UNKNOWN

    def cast_type(self, node: Node) -> str | None:
        """The class ``typing.cast(T, value)`` names (an annotation, to the type checker)."""
        func = node.child_by_field_name("function") if node.type == "call" else None
        arguments = node.child_by_field_name("arguments") if func is not None else None
        if func is None or arguments is None or self.text(func) not in _CASTS:
            return None
        first = next((c for c in arguments.named_children if c.type != "comment"), None)
        if first is None or first.type not in ("identifier", "attribute", "string"):
            return None
        return annotation_value(self.text(first))

    def loop_target(self, node: Node, scope: _Scope, always: bool) -> None:
        """``for param in self.get_params(ctx):``: `param` is an element of what the loop
        walks, read as ``self.get_params()[]``; other targets are unknown. A comprehension's
        variable (not `always`) lives in the comprehension: bound ``each:...[]``, it hides no
        name of the function it is in unless it is followed. A tuple target gets what the
        loop's items hold at its position (`unpacked`)."""
        loop = node.parent
        iterated = loop.child_by_field_name("right") if loop is not None else None
        weak = "" if always else "each:"
        names = [self.text(child) for child in node.named_children]
        if (
            node.type in ("pattern_list", "tuple_pattern")
            and iterated is not None
            and all(child.type == "identifier" for child in node.named_children)
        ):
            for name, each in zip(names, self.unpacked(iterated, len(names)), strict=True):
                if each != UNKNOWN:
                    self.bind(scope.qualified_name, name, f"{weak}{each}", node)
                elif always:
                    self.bind(scope.qualified_name, name, UNKNOWN, node)
            return
        held = UNKNOWN
        if node.type == "identifier" and iterated is not None:
            held = self.value_expression(iterated)
        if held != UNKNOWN:
            self.bind(scope.qualified_name, self.text(node), f"{weak}{held}[]", node)
        elif always:
            for target in self.target_names(node):
                self.bind(scope.qualified_name, target, UNKNOWN, node)

    def unpacked(self, iterated: Node, count: int) -> list[str]:
        """What each of `count` names unpacking the items of `iterated` holds:
        ``enumerate(E)`` gives an index and an element of E (``E[]``), ``zip(A, B)`` an
        element of each, ``D.items()`` a key and a value (``D.items()[0]``, ``[1]``);
        anything else is unknown."""
        unknown = [UNKNOWN] * count
        func = iterated.child_by_field_name("function") if iterated.type == "call" else None
        arguments = iterated.child_by_field_name("arguments") if func is not None else None
        if func is None or arguments is None or arguments.type != "argument_list":
            return unknown
        given = [c for c in arguments.named_children if c.type != "comment"]
        positional = [c for c in given if c.type != "keyword_argument"]
        if func.type == "identifier" and self.text(func) == "enumerate" and count == 2:
            if not positional or positional[0].type in ("list_splat", "dictionary_splat"):
                return unknown
            held = self.value_expression(positional[0])
            return [UNKNOWN, UNKNOWN if held == UNKNOWN else f"{held}[]"]
        if func.type == "identifier" and self.text(func) == "zip":
            if len(positional) != count or len(given) - len(positional) > 1:
                return unknown
            walked = [self.value_expression(argument) for argument in positional]
            return [UNKNOWN if each == UNKNOWN else f"{each}[]" for each in walked]
        receiver = func.child_by_field_name("object") if func.type == "attribute" else None
        attribute = func.child_by_field_name("attribute") if receiver is not None else None
        if receiver is None or attribute is None or self.text(attribute) != "items":
            return unknown
        held = self.value_expression(receiver)
        if given or count != 2 or held in (UNKNOWN, "None"):
            return unknown
        return [f"{held}.items()[0]", f"{held}.items()[1]"]

    def caught(self, alias: Node, scope: _Scope) -> bool:
        """``except ValidationError as err:``: `err` is certainly a ValidationError (one class
        named, not a tuple of them), bound as if annotated. Its line goes in
        `extra["caught"]`: the name lives in its clause only, so it declares nothing for the
        rest of the function."""
        pattern = alias.parent
        if pattern is None or pattern.parent is None or pattern.parent.type != "except_clause":
            return False
        self.parsed.extra.setdefault("caught", []).append(line(alias))
        caught = pattern.named_children[0] if pattern.named_children else None
        names = self.target_names(alias.named_children[0]) if alias.named_children else []
        if caught is None or caught.type not in ("identifier", "attribute") or len(names) != 1:
            return False
        declared = normalize_annotation(self.text(caught))
        if declared is None:
            return False
        self.bind(scope.qualified_name, names[0], declared, alias, annotation=True)
        return True

    def narrowing(self, condition: Node, scope: _Scope) -> None:
        """``if isinstance(x, Foo):`` (alone or first of an ``and``): `x` is a Foo in the
        branch's lines; ``if not isinstance(x, Foo): raise ...`` (a branch that cannot fall
        through): in the lines after the statement, to the end of its block. Kept in
        `extra["narrowed"]` as [scope, name, annotation, first line, last line], not as a
        binding: the name holds its other values everywhere else."""
        clause = condition.parent
        negated = condition.type == "not_operator"
        test = condition.child_by_field_name("argument") if negated else condition
        while test is not None and test.type == "boolean_operator" and not negated:
            operator = test.child_by_field_name("operator")
            if operator is None or operator.type != "and":
                return
            test = test.child_by_field_name("left")
        declared = self.isinstance_test(test) if test is not None else None
        branch = clause.child_by_field_name("consequence") if clause is not None else None
        if declared is None or clause is None or branch is None:
            return
        if not negated:
            lines = (line(branch), branch.end_point[0] + 1)
        elif clause.type != "if_statement" or not _leaves(branch) or clause.parent is None:
            return
        else:
            lines = (clause.end_point[0] + 2, clause.parent.end_point[0] + 1)
        entry = [scope.qualified_name, declared[0], declared[1], *lines]
        self.parsed.extra.setdefault("narrowed", []).append(entry)

    def isinstance_test(self, test: Node) -> tuple[str, str] | None:
        """``isinstance(name, Foo)`` or ``isinstance(self.name, (Foo, str))``: the (dotted)
        name and the annotation its classes spell (``Foo | str``)."""
        function = test.child_by_field_name("function") if test.type == "call" else None
        if function is None or self.text(function) != "isinstance":
            return None
        arguments = test.child_by_field_name("arguments")
        named = arguments.named_children if arguments is not None else []
        if len(named) != 2 or not _DOTTED.fullmatch(self.text(named[0])):
            return None
        classes = named[1].named_children if named[1].type == "tuple" else [named[1]]
        if not classes or any(c.type not in ("identifier", "attribute") for c in classes):
            return None
        declared = annotation_value(" | ".join(self.text(c) for c in classes))
        return (self.text(named[0]), declared) if declared is not None else None

    def entered(self, alias: Node, scope: _Scope) -> bool:
        """``with sessions.Session() as session:``: `session` is what the value's
        ``__enter__`` returns (``__aenter__`` under ``async with``), read as
        ``sessions.Session().__enter__()``."""
        pattern = alias.parent
        item = pattern.parent if pattern is not None else None
        if pattern is None or item is None or item.type != "with_item":
            return False
        names = self.target_names(alias.named_children[0]) if alias.named_children else []
        value = pattern.named_children[0] if pattern.named_children else None
        held = self.value_expression(value) if value is not None and len(names) == 1 else UNKNOWN
        if held == UNKNOWN:
            return False
        statement = item.parent.parent if item.parent is not None else None
        is_async = statement is not None and any(c.type == "async" for c in statement.children)
        enter = "__aenter__" if is_async else "__enter__"
        self.bind(scope.qualified_name, names[0], f"{held}.{enter}()", alias)
        return True

    def wrappers(self, node: Node, name: str) -> list[str] | None:
        """The functions of calls nesting down to `name` as their first argument, outermost
        first (``f(g(name, ...))``: f, g; a callee not a dotted name as ``?``), or None when
        the value is no such nest."""
        callees: list[str] = []
        while node.type == "call":
            function = node.child_by_field_name("function")
            text = _WHITESPACE.sub("", self.text(function)) if function is not None else ""
            callees.append(text if _DOTTED.fullmatch(text) else UNKNOWN)
            arguments = node.child_by_field_name("arguments")
            first = next(
                (c for c in (arguments.named_children if arguments else []) if c.type != "comment"),
                None,
            )
            if first is None:
                return None
            if first.type == "identifier":
                return callees if self.text(first) == name else None
            node = first
        return None

    def exports(self, node: Node) -> None:
        if node.type not in ("list", "tuple"):
            return
        names = []
        for child in node.named_children:
            if child.type != "string":
                return
            names.append(self.text(child).strip("'\""))
        self.parsed.exports = names

    def target_names(self, node: Node) -> list[str]:
        if node.type == "identifier":
            return [self.text(node)]
        names: list[str] = []
        if node.type in _TARGET_LISTS:
            for child in node.named_children:
                names.extend(self.target_names(child))
        return names
