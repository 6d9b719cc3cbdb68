"""Python parsing and resolution on tests/fixtures/pyrepo and small inline trees.

Each test names the rule it pins; a call the resolver cannot be sure of must be absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

EXACT = "exact"


def test_module_names_follow_packages_and_src_layout(shop: Any) -> None:
    assert shop.modules() == {
        "scripts/helpers.py": "scripts.helpers",
        "scripts/run.py": "scripts.run",
        "src/shop/__init__.py": "shop",
        "src/shop/billing/__init__.py": "shop.billing",
        "src/shop/billing/invoices.py": "shop.billing.invoices",
        "src/shop/billing/tax.py": "shop.billing.tax",
        "src/shop/models.py": "shop.models",
        "src/shop/util.py": "shop.util",
    }


def test_definitions_with_kinds_and_nesting(shop: Any) -> None:
    definitions = shop.definitions()
    assert ("Class", "shop.models.Order") in definitions
    assert ("Class", "shop.models.Order.Line") in definitions  # a class nested in a class
    assert ("Method", "shop.models.Order.Line.price") in definitions
    assert ("Method", "shop.billing.invoices.Invoice.send") in definitions
    assert ("Function", "shop.billing.invoices.Invoice.send.retry") in definitions  # nested def
    assert ("Function", "shop.billing.invoices.total_of") in definitions
    assert ("Function", "shop.make_order") in definitions  # defined in a package __init__
    assert len({d for d in definitions if d[0] != "Variable"}) == 28
    assert ("Variable", "shop.billing.tax.RATE") in definitions  # a module constant


def test_line_ranges_are_one_based_inclusive(shop: Any) -> None:
    models = shop.parsed["src/shop/models.py"]
    base = next(d for d in models.definitions if d.qualified_name == "shop.models.Base")
    assert (base.start_line, base.end_line) == (6, 20)
    assert models.line_count == 36


def test_imports_relative_absolute_aliased_and_submodule(shop: Any) -> None:
    assert shop.of("IMPORTS") == {
        ("shop", "shop.models"),
        ("shop.billing.invoices", "shop"),  # from shop import Order (a re-export)
        ("shop.billing.invoices", "shop.util"),  # import shop.util as u
        ("shop.billing.invoices", "shop.models"),  # from ..models import Order
        ("shop.billing.invoices", "shop.billing.tax"),  # from . import tax (a submodule)
        ("scripts.run", "scripts.helpers"),  # a script importing its sibling
    }


def test_inheritance_through_imports(shop: Any) -> None:
    assert shop.of("INHERITS") == {
        ("shop.models.Order", "shop.models.Base"),
        ("shop.billing.invoices.PaidInvoice", "shop.billing.invoices.Invoice"),
    }


def test_calls_follow_each_rule(shop: Any) -> None:
    calls = shop.of("CALLS")
    inv = "shop.billing.invoices.Invoice"
    expected = {
        # self. through the class, and through bases
        ("shop.models.Base.save", "shop.models.Base.validate"),
        ("shop.models.Order.save", "shop.models.Order.total"),
        # super().m()
        ("shop.models.Order.save", "shop.models.Base.save"),
        ("shop.billing.invoices.PaidInvoice.send", f"{inv}.send"),
        ("shop.billing.invoices.PaidInvoice.send", f"{inv}.amount"),  # inherited method
        # cls. in a classmethod
        ("shop.models.Base.create", "shop.models.Base.build"),
        # constructors: calling a class is a CALLS to the class
        ("shop.make_order", "shop.models.Order"),
        (f"{inv}.__init__", "shop.util.Helper"),
        # a re-exported, aliased class
        (f"{inv}.reissue", "shop.models.Order"),
        # module attribute through `import pkg.mod as alias`, and a submodule import
        (f"{inv}.send", "shop.util.log"),
        (f"{inv}.amount", "shop.billing.tax.compute"),
        # annotated attribute (self.order: Order via the annotated parameter)
        (f"{inv}.amount", "shop.models.Order.total"),
        # local inference: helper = Helper(); helper.run(), and self.helper.run()
        (f"{inv}.send", "shop.util.Helper"),
        (f"{inv}.send", "shop.util.Helper.run"),
        # an annotated parameter
        ("shop.billing.invoices.total_of", "shop.models.Order.total"),
        # a nested function, and a call from inside it
        (f"{inv}.send", f"{inv}.send.retry"),
        (f"{inv}.send.retry", "shop.util.log"),
        ("shop.util.Helper.run", "shop.util.log"),
        ("scripts.run.main", "scripts.helpers.go"),
    }
    assert expected <= calls
    # unannotated parameters and builtins resolve to nothing rather than a guess
    assert not {c for c in calls if c[0] == f"{inv}.unknown"}
    assert all(res == EXACT for kind, _, _, res in shop.edges if kind == "CALLS")


def test_dependencies_are_recorded_for_incremental_resolution(shop: Any) -> None:
    deps = shop.deps["src/shop/billing/invoices.py"]
    assert "p:src/shop/models.py" in deps
    assert "p:src/shop/util.py" in deps
    assert "m:shop.billing.tax" in deps
    assert "p:src/shop/billing/invoices.py" not in shop.deps["src/shop/util.py"]


def test_ambiguous_rebinding_gives_no_edge(resolve_tree: Any) -> None:
    result = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": (
                "class A:\n    def m(self): pass\n"
                "class B:\n    def m(self): pass\n"
                "def f(flag):\n    x = A()\n    if flag:\n        x = B()\n    x.m()\n"
                "def g():\n    y = A()\n    y.m()\n"
            ),
        }
    )
    calls = result.of("CALLS")
    assert ("pkg.a.f", "pkg.a.A.m") not in calls
    assert ("pkg.a.f", "pkg.a.B.m") not in calls
    assert ("pkg.a.g", "pkg.a.A.m") in calls


def test_star_imports_all_and_return_annotations(resolve_tree: Any) -> None:
    result = resolve_tree(
        {
            "lib/__init__.py": "from lib.core import *\n",
            "lib/core.py": (
                "__all__ = ['Client', 'connect']\n"
                "class Client:\n    def get(self): pass\n"
                "def connect() -> 'Client':\n    return Client()\n"
                "def _private(): pass\n"
            ),
            "app.py": (
                "import lib\nfrom lib import connect\n"
                "def main():\n    c = connect()\n    c.get()\n    lib.Client().get()\n"
            ),
        }
    )
    calls = result.of("CALLS")
    assert ("app.main", "lib.core.connect") in calls
    assert ("app.main", "lib.core.Client.get") in calls
    assert ("app.main", "lib.core.Client") in calls
    assert ("app", "lib") in result.of("IMPORTS")


def test_import_of_dotted_module_binds_the_top_package(resolve_tree: Any) -> None:
    result = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/mod.py": "def f(): pass\n",
            "main.py": "import pkg.sub.mod\ndef run():\n    pkg.sub.mod.f()\n",
        }
    )
    assert ("main.run", "pkg.sub.mod.f") in result.of("CALLS")
    assert ("main", "pkg.sub.mod") in result.of("IMPORTS")


def test_syntax_errors_keep_what_parses(resolve_tree: Any) -> None:
    result = resolve_tree({"broken.py": "def ok():\n    pass\n\ndef bad(:\n    x = \n"})
    parsed = result.parsed["broken.py"]
    assert parsed.warnings and "syntax errors" in parsed.warnings[0]
    assert ("Function", "broken.ok") in result.definitions()


def test_parse_cache_round_trips(shop: Any) -> None:
    from graphmem.ingest.language import ParsedFile

    for parsed in shop.parsed.values():
        assert ParsedFile.from_json(parsed.to_json()) == parsed


RETRY = """\
import os

MAX_ATTEMPTS = 5
BACKOFF: float = 0.5
get_buffer = None
a = b = 1


def get_buffer():
    return MAX_ATTEMPTS


def scaled(n):
    return BACKOFF * n


class Policy:
    limit: int = 3
    name: str

    def run(self):
        local = 1
        self.count = local
        return scaled(local)


if os.name == "nt":
    SEPARATOR = "\\\\"
"""


def test_module_constants_and_class_attributes_are_variables(resolve_tree: Any) -> None:
    result = resolve_tree({"retry.py": RETRY})
    variables = {
        d.qualified_name: (d.start_line, d.end_line)
        for d in result.parsed["retry.py"].definitions
        if d.kind == "Variable"
    }
    assert variables == {
        "retry.MAX_ATTEMPTS": (3, 3),
        "retry.BACKOFF": (4, 4),
        "retry.a": (6, 6),
        "retry.b": (6, 6),
        "retry.Policy.limit": (18, 18),
        "retry.Policy.name": (19, 19),
        "retry.SEPARATOR": (28, 28),
    }
    # a name that is also a def stays the function; locals and self attributes are no entities
    assert ("Function", "retry.get_buffer") in result.definitions()
    assert ("Variable", "retry.get_buffer") not in result.definitions()
    # a Variable is never a call target: calls still follow what the names hold
    assert ("retry.Policy.run", "retry.scaled") in result.of("CALLS")
    assert all(not target.startswith("retry.MAX") for _, target in result.of("CALLS"))


@pytest.mark.parametrize("backend", ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_a_constant_can_be_governed_and_its_change_makes_the_memory_stale(
    backend: str, tmp_path: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from graphmem.api import GraphMem
    from graphmem.cli import memory_commands
    from graphmem.cli.main import main
    from graphmem.settings import Settings

    root = tmp_path / f"client-{tmp_path.name}"  # a repository of its own on a shared server
    root.mkdir()
    (root / "retry.py").write_text(RETRY)
    people = {"author": "ana", "user": "ana", "branch": "main"}
    if backend == "embedded":
        settings = Settings(store=str(tmp_path / "graph.db"), **people)
    elif os.environ.get("NEO4J_URI"):
        settings = Settings.from_env(store=os.environ["NEO4J_URI"], **people)
    else:
        pytest.skip("NEO4J_URI is not set")

    def open_graphmem(args: Any) -> GraphMem:
        return GraphMem(settings, repo_root=root, embedder=embedder)

    monkeypatch.setattr(memory_commands, "open_graphmem", open_graphmem)
    with open_graphmem(None) as gm:
        gm.ingest()
    text = "MAX_ATTEMPTS stays at 5: the upstream API bans clients that retry more"
    argv = ["remember", "decision", text, "--governs", "retry.py::MAX_ATTEMPTS", "--json"]
    assert main(argv) == 0
    remembered = json.loads(capsys.readouterr().out)
    memory, anchor = remembered["memory"], remembered["anchors"][0]
    assert (anchor["qualified_name"], anchor["kind"]) == ("retry.MAX_ATTEMPTS", "Variable")
    assert anchor["path"] == "retry.py"

    with open_graphmem(None) as gm:
        (root / "retry.py").write_text(RETRY.replace("BACKOFF: float = 0.5", "BACKOFF = 1.0"))
        gm.ingest()  # another constant of the file changed: not this memory's code
        assert gm.stale().memories == []
        (root / "retry.py").write_text(RETRY.replace("MAX_ATTEMPTS = 5", "MAX_ATTEMPTS = 8"))
        gm.ingest()
        report = gm.stale()
    assert [e.memory.id for e in report.memories] == [memory["id"]]
    assert report.memories[0].staleness.possibly_stale


def test_branch_bound_methods_and_rewrapped_classes_give_heuristic_edges(
    resolve_tree: Any,
) -> None:
    result = resolve_tree(
        {
            "builder.py": (
                "class Factory:\n    pass\n\n"
                "def _add_repr(cls, ns=None):\n    return cls\n\n"
                "def _add_hash(cls):\n    return cls\n\n"
                "Factory = _add_hash(_add_repr(Factory, ns='x'))\n\n"
                "class Other:\n    pass\n\n"
                "def _slotted(cls):\n    if cls:\n        return cls\n    return type(cls)\n\n"
                "def _reassigning(cls):\n    cls = type(cls)\n    return cls\n\n"
                "Other = _slotted(Other)\n"
                "class Fourth:\n    pass\n\n"
                "Fourth = _reassigning(Fourth)\n\n"
                "class Builder:\n"
                "    def __init__(self, safe):\n"
                "        if safe:\n"
                "            self._add = self._add_safe\n"
                "        else:\n"
                "            self._add = self._add_unsafe\n\n"
                "    def _add_safe(self):\n        pass\n\n"
                "    def _add_unsafe(self):\n        pass\n\n"
                "    def build(self):\n"
                "        self._add()\n"
                "        Other()\n"
                "        Fourth()\n"
                "        return Factory()\n"
            ),
        }
    )
    build = {(t, r) for _, s, t, r in result.edges if s == "builder.Builder.build"}
    assert build == {
        ("builder.Builder._add_safe", "heuristic"),
        ("builder.Builder._add_unsafe", "heuristic"),
        # rebound by calls of functions that give back their first argument: still itself
        ("builder.Factory", "exact"),
        # rebound by a call that may give something else: probably itself
        ("builder.Other", "heuristic"),
        ("builder.Fourth", "heuristic"),
    }


def test_a_caught_exception_is_an_instance_of_its_class(resolve_tree: Any) -> None:
    result = resolve_tree(
        {
            "errors.py": (
                "class ValidationError(Exception):\n"
                "    def messages(self):\n        return []\n\n"
                "class Other(Exception):\n"
                "    def messages(self):\n        return []\n\n"
                "def check(run):\n"
                "    try:\n        run()\n"
                "    except ValidationError as err:\n        err.messages()\n"
                "    except (Other, KeyError) as many:\n        many.messages()\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in result.edges if k == "CALLS"}
    assert calls == {("errors.check", "errors.ValidationError.messages", "exact")}


def test_an_overloaded_method_is_its_implementation_not_its_first_stub(
    resolve_tree: Any,
) -> None:
    """Stubs never change when the code does: a memory on the method must follow its body."""
    tree = resolve_tree(
        {
            "m.py": (
                "from typing import overload\n\n\n"
                "class Adapter:\n"
                "    @overload\n"
                "    def match(self, path: str) -> str: ...\n\n"
                "    @typing.overload\n"
                "    def match(self, path: bytes) -> bytes: ...\n\n"
                "    def match(self, path):\n"
                "        return helper(path)\n\n\n"
                "def helper(p):\n"
                "    return p\n"
            )
        }
    )
    (match,) = [d for d in tree.parsed["m.py"].definitions if d.name == "match"]
    assert (match.start_line, match.end_line, match.decorators) == (11, 12, [])
    assert ("m.Adapter.match", "m.helper") in tree.of("CALLS")


def test_a_standard_library_import_is_not_a_repository_folder_of_that_name(
    resolve_tree: Any,
) -> None:
    """typer's documentation examples have `docs_src/parameter_types/enum/`: every
    `from enum import Enum` of the library became an import of that folder."""
    tree = resolve_tree(
        {
            "typer/__init__.py": "",
            "typer/core.py": "from enum import Enum\nimport datetime\nfrom typer import models\n",
            "typer/models.py": "",
            "docs_src/parameter_types/enum/__init__.py": "",
            "docs_src/parameter_types/enum/tutorial001.py": "from enum import Enum\n",
            "docs_src/parameter_types/datetime/__init__.py": "",
        }
    )
    imports = {(s, t) for s, t in tree.of("IMPORTS") if s == "typer.core"}
    assert imports == {("typer.core", "typer.models")}


def test_a_name_imported_for_type_checking_only_is_its_runtime_definition(
    resolve_tree: Any,
) -> None:
    """tomlkit imports `dict as _CustomDict` under TYPE_CHECKING and defines the class in the
    `else:`: the two disagreed, so every class built on it lost its base."""
    tree = resolve_tree(
        {
            "kit/__init__.py": "",
            "kit/_types.py": (
                "from typing import TYPE_CHECKING\n\n"
                "if TYPE_CHECKING:\n    from builtins import dict as _CustomDict\n"
                "else:\n    class _CustomDict(dict):\n        def extra(self):\n"
                "            return 1\n"
            ),
            "kit/items.py": (
                "from kit._types import _CustomDict\n\n\n"
                "class Table(_CustomDict):\n    def size(self):\n        return self.extra()\n"
            ),
        }
    )
    assert ("kit.items.Table", "kit._types._CustomDict") in tree.of("INHERITS")
    assert ("kit.items.Table.size", "kit._types._CustomDict.extra") in tree.of("CALLS")


def test_a_final_alias_is_the_function_it_names(resolve_tree: Any) -> None:
    """cattrs exports `make_iterable_unstructure_fn: Final = iterable_unstructure_factory`:
    the bare `Final` was taken for the alias's type, and calls through it resolved to nothing."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": (
                "from typing import Final, TypeAlias\n\n\ndef real():\n    return 1\n\n\n"
                "class Shape:\n    pass\n\n\n"
                "alias: Final = real\nShapeAlias: TypeAlias = Shape\n"
            ),
            "pkg/b.py": (
                "from pkg.a import ShapeAlias, alias\n\n\n"
                "def use():\n    return alias()\n\n\ndef make():\n    return ShapeAlias()\n"
            ),
        }
    )
    assert ("pkg.b.use", "pkg.a.real") in tree.of("CALLS")
    assert ("pkg.b.make", "pkg.a.Shape") in tree.of("CALLS")


def test_an_attribute_annotated_with_a_generic_class_is_an_instance_of_it(
    resolve_tree: Any,
) -> None:
    """click's `self.type: types.ParamType[t.Any] = types.convert_type(...)`: the arguments hid
    the class, and once convert_type's implementation (not its first overload) was the entity,
    every `self.type.m()` lost its edge."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/types.py": (
                "import typing as t\n\nT = t.TypeVar('T')\n\n\n"
                "class ParamType(t.Generic[T]):\n    def to_info_dict(self):\n        return {}\n"
            ),
            "pkg/core.py": (
                "import typing as t\n\nfrom . import types\n\n\nclass Parameter:\n"
                "    def __init__(self, kind):\n"
                "        self.type: types.ParamType[t.Any] = kind\n\n"
                "    def info(self):\n        return self.type.to_info_dict()\n"
            ),
        }
    )
    assert ("pkg.core.Parameter.info", "pkg.types.ParamType.to_info_dict") in tree.of("CALLS")


def test_elements_of_annotated_sequences_and_casts_are_followed(resolve_tree: Any) -> None:
    """click's `for param in self.get_params(ctx): param.get_help_record(ctx)` (returns
    `list[Parameter]`), a comprehension over a `Sequence[P]` parameter, `*args: P`, a class
    attribute `items: list[P]`, and `g = t.cast(Group, x)`; a comprehension's variable that is
    not followed hides nothing outside it."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import typing as t\n\n\nclass P:\n    def rec(self):\n        pass\n\n\n"
                "def helper():\n    pass\n\n\n"
                "class C:\n"
                "    items: list[P]\n\n"
                "    def get(self) -> list[P]:\n        return []\n\n"
                "    def loop(self):\n        for p in self.get():\n            p.rec()\n\n"
                "    def field(self):\n        for p in self.items:\n            p.rec()\n\n"
                "    def comprehension(self, ps: t.Sequence[P]):\n"
                "        return [q.rec() for q in ps]\n\n"
                "    def star(self, *given: P):\n        for g in given:\n            g.rec()\n\n"
                "    def cast(self, x):\n        g = t.cast(P, x)\n        g.rec()\n\n"
                "    def shadow(self, things):\n"
                "        names = [helper for helper in things]\n        helper()\n"
            ),
        }
    )
    calls = set(tree.of("CALLS"))
    for caller in ("loop", "field", "comprehension", "star", "cast"):
        assert (f"pkg.m.C.{caller}", "pkg.m.P.rec") in calls, caller
    assert ("pkg.m.C.shadow", "pkg.m.helper") in calls


def test_an_attribute_annotated_type_of_a_class_holds_the_class(resolve_tree: Any) -> None:
    """flask's `response_class: type[Response] = Response`, then `self.response_class()`: the
    annotation was read as an instance, so the call made nothing. A parameter of that type may
    be any subclass (a registry's `tag_class: type[Tag]`): heuristic. Overloads that repeat a
    parameter's annotation still type it (click's `get_default(self, ctx: Context)`)."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import typing as t\n\n\nclass Response:\n    def allow(self):\n        pass\n\n\n"
                "class App:\n"
                "    response_class: type[Response] = Response\n"
                "    other_class: t.ClassVar[t.Type[Response]] = Response\n\n"
                "    def make(self):\n        rv = self.response_class()\n        rv.allow()\n\n"
                "    def other(self):\n        return self.other_class()\n\n"
                "    @t.overload\n    def default(self, r: Response, call: int) -> None: ...\n\n"
                "    @t.overload\n    def default(self, r: Response, call: str) -> None: ...\n\n"
                "    def default(self, r, call):\n        r.allow()\n\n\n"
                "def register(tag_class: type[Response]):\n    return tag_class()\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert calls == {
        ("pkg.m.App.make", "pkg.m.Response", "exact"),
        ("pkg.m.App.make", "pkg.m.Response.allow", "exact"),
        ("pkg.m.App.other", "pkg.m.Response", "exact"),
        ("pkg.m.App.default", "pkg.m.Response.allow", "exact"),
        ("pkg.m.register", "pkg.m.Response", "heuristic"),
    }


def test_a_with_target_is_what_enter_returns(resolve_tree: Any) -> None:
    """requests' `with sessions.Session() as session: session.request(...)` and click's `with
    self.make_context(...) as ctx: ctx.exit()`: `__enter__` declared `-> Self` returns the
    instance it was called on (a subclass's, `Sub()`); `async with` reads `__aenter__`."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import typing_extensions as te\n\n\nclass Session:\n"
                "    def __enter__(self) -> te.Self:\n        return self\n\n"
                "    def request(self):\n        pass\n\n\n"
                "class Sub(Session):\n    def request(self):\n        pass\n\n\n"
                "class Plain:\n    def __enter__(self) -> 'Plain':\n        return self\n\n"
                "    def go(self):\n        pass\n\n\n"
                "def open_session() -> Session:\n    return Session()\n\n\n"
                "def use():\n    with open_session() as s:\n        s.request()\n\n\n"
                "def both():\n    with Sub() as b, Plain() as p:\n        b.request()\n"
                "        p.go()\n\n\n"
                "async def later():\n    async with Session() as s:\n        s.request()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert ("pkg.m.use", "pkg.m.Session.request") in calls
    assert ("pkg.m.both", "pkg.m.Sub.request") in calls
    assert ("pkg.m.both", "pkg.m.Session.request") not in calls
    assert ("pkg.m.both", "pkg.m.Plain.go") in calls
    assert ("pkg.m.later", "pkg.m.Session.request") not in calls  # no __aenter__


def test_a_declared_type_holds_for_every_assignment_of_the_name(resolve_tree: Any) -> None:
    """click's `cap_out: _FDCapture | None = None`, then `cap_out = _FDCapture(1)`, and
    marshmallow's `self.field: Field = String()` beside other `self.field = ...`: the two
    assignments disagreed, so the name held nothing. A name `except` clauses bind is not
    declared by one of them."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "class Capture:\n    def start(self):\n        pass\n\n\n"
                "class Error(Exception):\n    def show(self):\n        pass\n\n\n"
                "def make():\n    return 1\n\n\n"
                "class Field:\n"
                "    def __init__(self, plain):\n"
                "        if plain:\n            self.inner: Capture = make()\n"
                "        else:\n            self.inner = make()\n\n"
                "    def run(self):\n        self.inner.start()\n\n\n"
                "def capture(fd):\n"
                "    cap: Capture | None = None\n    if fd:\n        cap = make()\n"
                "        cap.start()\n\n\n"
                "def guarded(run):\n    try:\n        run()\n"
                "    except (KeyError, OSError) as e:\n        e.show()\n"
                "    except Error as e:\n        pass\n"
            ),
        }
    )
    calls = {(s, t) for s, t in tree.of("CALLS") if t != "pkg.m.make"}
    assert calls == {
        ("pkg.m.Field.run", "pkg.m.Capture.start"),
        ("pkg.m.capture", "pkg.m.Capture.start"),
    }


def test_a_name_also_bound_to_none_calls_what_else_it_holds(resolve_tree: Any) -> None:
    """click's `get_buffer = None` beside `def get_buffer`, and requests' `hash_utf8 = None`
    then `hash_utf8 = md5_utf8` or `sha_utf8` by branch: calling None runs nothing, so the
    call reaches the definition (several: each heuristic)."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "get_buffer = None\n\nif True:\n    def get_buffer():\n        pass\n\n\n"
                "def read():\n    return get_buffer()\n\n\n"
                "def digest(kind):\n    hash_utf8 = None\n    if kind:\n"
                "        def md5_utf8():\n            pass\n\n        hash_utf8 = md5_utf8\n"
                "    else:\n        def sha_utf8():\n            pass\n\n"
                "        hash_utf8 = sha_utf8\n    return hash_utf8()\n\n\n"
                "def nothing():\n    missing = None\n    return missing()\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert calls == {
        ("pkg.m.read", "pkg.m.get_buffer", "exact"),
        ("pkg.m.digest", "pkg.m.digest.md5_utf8", "heuristic"),
        ("pkg.m.digest", "pkg.m.digest.sha_utf8", "heuristic"),
    }


def test_tuple_loop_targets_get_what_each_position_holds(resolve_tree: Any) -> None:
    """click's `for idx, arg in enumerate(self._args)` and `for name, cmd in
    self.commands.items()`, `zip(A, B)`, comprehensions of the same shapes, and `D[k]`,
    `D.get(k)`, `D.values()` of a `dict[str, Command]`; a slice holds the same elements. A
    tuple target of anything else, a dict of no one class, or a method a list lacks stays
    unbound."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import typing as t\n\n\nclass Arg:\n    def process(self):\n        pass\n\n\n"
                "class Command:\n    def invoke(self):\n        pass\n\n\n"
                "class Key:\n    def hash(self):\n        pass\n\n\n"
                "class Group:\n"
                "    def __init__(self):\n"
                "        self._args: list[Arg] = []\n"
                "        self.commands: dict[str, Command] = {}\n"
                "        self.by_key: t.Mapping[Key, Command] = {}\n"
                "        self.loose: dict[str, list[Command]] = {}\n\n"
                "    def numbered(self):\n"
                "        for idx, arg in enumerate(self._args, start=1):\n"
                "            arg.process()\n\n"
                "    def items(self):\n"
                "        for name, cmd in self.commands.items():\n            cmd.invoke()\n\n"
                "    def keyed(self):\n"
                "        for key, cmd in self.by_key.items():\n            key.hash()\n"
                "        for key in self.by_key:\n            key.hash()\n\n"
                "    def paired(self, xs: list[Arg], ys: t.Sequence[Command]):\n"
                "        for a, b in zip(xs, ys, strict=True):\n            a.process()\n"
                "            b.invoke()\n\n"
                "    def comprehension(self):\n"
                "        return [c.invoke() for _, c in self.commands.items()]\n\n"
                "    def subscript(self, name):\n"
                "        found = self.commands[name]\n        found.invoke()\n\n"
                "    def get(self, name):\n"
                "        other = self.commands.get(name)\n        other.invoke()\n\n"
                "    def values(self):\n"
                "        return [v.invoke() for v in self.commands.values()]\n\n"
                "    def uncertain(self, pairs):\n"
                "        for a, b in pairs:\n            a.process()\n"
                "        for name, cmds in self.loose.items():\n            cmds.invoke()\n"
                "        part = self._args[0:2]\n        part.process()\n\n"
                "    def sliced(self):\n"
                "        for i, arg in enumerate(self._args[1:]):\n            arg.process()\n"
            ),
        }
    )
    calls = set(tree.of("CALLS"))
    for caller, callee in (
        ("numbered", "Arg.process"),
        ("items", "Command.invoke"),
        ("keyed", "Key.hash"),
        ("paired", "Arg.process"),
        ("paired", "Command.invoke"),
        ("comprehension", "Command.invoke"),
        ("subscript", "Command.invoke"),
        ("get", "Command.invoke"),
        ("values", "Command.invoke"),
        ("sliced", "Arg.process"),
    ):
        assert (f"pkg.m.Group.{caller}", f"pkg.m.{callee}") in calls, caller
    assert not {call for call in calls if call[0] == "pkg.m.Group.uncertain"}


def test_a_method_typed_by_its_receiver_returns_it_and_await_gives_the_coroutines_result(
    resolve_tree: Any,
) -> None:
    """httpx: `def __enter__(self: T) -> T` with `T = TypeVar("T", bound="Client")`, then
    `with Client() as client: client.request()`; and `response = await
    self._send_single_request(request)`, declared `async def ... -> Response`, then
    `await response.aread()`; jinja's `old = next(self)`, then `self.current = old`, where
    `__next__` is declared `-> Token`; and its `parent: t.Optional["Symbols"]`."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import typing\nimport typing as t\n\nT = typing.TypeVar('T', bound='Client')\n\n\n"
                "class Response:\n    async def aread(self):\n        pass\n\n\n"
                "class Client:\n    def __enter__(self: T) -> T:\n        return self\n\n"
                "    @classmethod\n    def make(cls: type[T]) -> T:\n        return cls()\n\n"
                "    def other(self, x: T) -> T:\n        return x\n\n"
                "    def request(self):\n        pass\n\n"
                "    async def _send(self) -> Response:\n        return Response()\n\n"
                "    async def send(self):\n        response = await self._send()\n"
                "        await response.aread()\n\n\n"
                "def use():\n    with Client() as client:\n        client.request()\n"
                "    Client.make().request()\n    Client().other(1).request()\n\n\n"
                "class Stream:\n    def __init__(self):\n        self.current = Response()\n\n"
                "    def __next__(self) -> Response:\n        return Response()\n\n"
                "    def look(self):\n        old = next(self)\n        self.current = old\n\n"
                "    async def expect(self):\n        await self.current.aread()\n\n\n"
                "class Symbols:\n    def __init__(self, parent: t.Optional['Symbols'] = None):\n"
                "        self.parent = parent\n\n"
                "    def find(self):\n        return self.parent.find()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert ("pkg.m.use", "pkg.m.Client.request") in calls
    assert ("pkg.m.Client.send", "pkg.m.Response.aread") in calls
    assert ("pkg.m.Client.send", "pkg.m.Client._send") in calls
    assert ("pkg.m.Stream.expect", "pkg.m.Response.aread") in calls
    assert ("pkg.m.Symbols.find", "pkg.m.Symbols.find") in calls


def test_a_conditional_expression_binds_what_its_branches_agree_on(resolve_tree: Any) -> None:
    """httpx's `timeout = self.timeout if ... else Timeout(timeout)` and the common `x = Foo(a)
    if a else None`: the name holds a Foo when both branches are one, or one is None."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "class Timeout:\n    def as_dict(self):\n        pass\n\n\n"
                "class Other:\n    def as_dict(self):\n        pass\n\n\n"
                "def maybe(a, c):\n    t = Timeout(a) if c else None\n    t.as_dict()\n\n\n"
                "def both(a, c):\n    t = Timeout(a) if c else Timeout(1)\n    t.as_dict()\n\n\n"
                "def differ(a, c):\n    t = Timeout(a) if c else Other()\n    t.as_dict()\n\n\n"
                "def unknown(a, c):\n    t = Timeout(a) if c else a\n    t.as_dict()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert ("pkg.m.maybe", "pkg.m.Timeout.as_dict") in calls
    assert ("pkg.m.both", "pkg.m.Timeout.as_dict") in calls
    assert not {("pkg.m.differ", f"pkg.m.{c}.as_dict") for c in ("Timeout", "Other")} & calls
    assert ("pkg.m.unknown", "pkg.m.Timeout.as_dict") not in calls


def test_a_parameter_assigned_again_holds_the_new_value_after_it(resolve_tree: Any) -> None:
    """httpx's `def __init__(self, url: URL | str): url = URL(url)`, then `url.copy_with()`,
    and `timeout = (self.timeout if ... else Timeout(timeout))` over lines: after the first
    assignment the parameter is what every assignment agrees on; before it, and when they
    differ, it is still the parameter. A local assigned from itself (`url =
    url.copy_with()`, declared `-> URL`) keeps its class; `x = x.strip()` does not."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import typing as t\n\n\n"
                "class URL:\n    def copy_with(self) -> 'URL':\n        return self\n\n"
                "    def strip(self) -> str:\n        return ''\n\n\n"
                "class Timeout:\n    def as_dict(self):\n        pass\n\n\n"
                "class Other:\n    def as_dict(self):\n        pass\n\n\n"
                "def proxy(url: URL | str):\n    url = URL(url)\n    url.copy_with()\n\n\n"
                "def plain(url):\n    url = URL(url)\n    url = url.copy_with()\n"
                "    url.copy_with()\n\n\n"
                "def early(url):\n    url.copy_with()\n    url = URL(url)\n\n\n"
                "def differ(url):\n    url = URL(url)\n    url = url.strip()\n"
                "    url.copy_with()\n\n\n"
                "def two(x):\n    x = Timeout()\n    x = Other()\n    x.as_dict()\n\n\n"
                "def timeout_of(timeout, default: Timeout):\n"
                "    timeout = (\n        default\n        if timeout is None\n"
                "        else Timeout(timeout)\n    )\n    timeout.as_dict()\n\n\n"
                "def redirect(location):\n    url = URL(location)\n    if url:\n"
                "        url = url.copy_with()\n    url.copy_with()\n\n\n"
                "URLTypes = t.Union[URL, str]\n\n\n"
                "def aliased(url: URLTypes | None = None):\n    url = URL(url)\n"
                "    url.copy_with()\n\n\n"
                "def narrowed(url: Timeout | str):\n    url = URL(url)\n    url.copy_with()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    for caller, callee in (
        ("proxy", "URL.copy_with"),
        ("plain", "URL.copy_with"),
        ("timeout_of", "Timeout.as_dict"),
        ("redirect", "URL.copy_with"),
        ("aliased", "URL.copy_with"),
        ("narrowed", "URL.copy_with"),
    ):
        assert (f"pkg.m.{caller}", f"pkg.m.{callee}") in calls, caller
    assert ("pkg.m.early", "pkg.m.URL.copy_with") not in calls
    assert ("pkg.m.differ", "pkg.m.URL.copy_with") not in calls
    assert not {("pkg.m.two", f"pkg.m.{c}.as_dict") for c in ("Timeout", "Other")} & calls


def test_sequences_give_their_elements_through_methods_and_builtins(resolve_tree: Any) -> None:
    """jinja's `self.current = self._pushed.popleft()` of a `deque[Token]`, `next(self._iter)`
    of `iter(generator)` with `generator: t.Iterable[Token]`, beside `self._iter = iter(())`
    (which yields nothing); httpx's `self.children = list(reversed(children))`; `x[i]` of a
    `list[Foo]`; and a union inside brackets (`dict[URLPattern, Transport | None]`)."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import typing as t\nfrom collections import deque\n\n\n"
                "class Token:\n    def test(self):\n        pass\n\n\n"
                "class Transport:\n    def send(self):\n        pass\n\n\n"
                "class Stream:\n    def __init__(self, generator: t.Iterable[Token]):\n"
                "        self._iter = iter(generator)\n"
                "        self._pushed: deque[Token] = deque()\n"
                "        self.children = list(reversed(list(generator)))\n"
                "        self.mounts: dict[str, Transport | None] = {}\n\n"
                "    def pushed(self):\n        self._pushed.popleft().test()\n\n"
                "    def advance(self):\n        token = next(self._iter)\n        token.test()\n\n"
                "    def close(self):\n        self._iter = iter(())\n\n"
                "    def each(self):\n        for child in self.children:\n"
                "            child.test()\n\n"
                "    def first(self, tokens: list[Token]):\n        tokens[0].test()\n\n"
                "    def mounted(self):\n        for key, transport in self.mounts.items():\n"
                "            transport.send()\n\n"
                "    def unknown(self, xs):\n        for x in list(xs):\n            x.test()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    for caller, callee in (
        ("pushed", "Token.test"),
        ("advance", "Token.test"),
        ("each", "Token.test"),
        ("first", "Token.test"),
        ("mounted", "Transport.send"),
    ):
        assert (f"pkg.m.Stream.{caller}", f"pkg.m.{callee}") in calls, caller
    assert ("pkg.m.Stream.unknown", "pkg.m.Token.test") not in calls


def test_subscripted_receivers_walrus_targets_and_mappings_of_lists(resolve_tree: Any) -> None:
    """flask's `self.tags[key].to_python(v)` with `tags: dict[str, JSONTag]`, werkzeug's
    `if etags := ETags.from_header(h): etags.contains_weak()` and `for r in
    self._rules_by_endpoint[e]` with `dict[t.Any, list[Rule]]`; a mapping's list values are
    not one instance (`.values()` holds lists)."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import typing as t\n\n\n"
                "class Tag:\n    def to_python(self, v):\n        pass\n\n\n"
                "class Rule:\n    def build(self):\n        pass\n\n\n"
                "class ETags:\n    @classmethod\n    def parse(cls, h) -> 'ETags':\n"
                "        return cls()\n\n    def weak(self):\n        pass\n\n\n"
                "class Map:\n    def __init__(self):\n"
                "        self.tags: dict[str, Tag] = {}\n"
                "        self.rules: dict[t.Any, list[Rule]] = {}\n\n"
                "    def untag(self, key, v):\n        return self.tags[key].to_python(v)\n\n"
                "    def walrus(self, h):\n        if etags := ETags.parse(h):\n"
                "            etags.weak()\n\n"
                "    def build(self, e):\n        for r in self.rules[e]:\n"
                "            r.build()\n\n"
                "    def lists(self):\n        for rules in self.rules.values():\n"
                "            rules.build()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert ("pkg.m.Map.untag", "pkg.m.Tag.to_python") in calls
    assert ("pkg.m.Map.walrus", "pkg.m.ETags.weak") in calls
    assert ("pkg.m.Map.build", "pkg.m.Rule.build") in calls
    assert ("pkg.m.Map.lists", "pkg.m.Rule.build") not in calls


def test_unpacking_a_declared_tuple_binds_each_position(resolve_tree: Any) -> None:
    """jinja's `loader, name = self.get_loader(template)` with `-> tuple[BaseLoader, str]`
    and click's `cmd_name, cmd, args = self.resolve_command(ctx, args)`, where the command
    is `Command | None`; a position of no one class, or a value of no known shape, binds
    nothing."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "class Loader:\n    def load(self):\n        pass\n\n\n"
                "class Command:\n    def make(self):\n        pass\n\n\n"
                "class Prefix:\n    def get_loader(self, name) -> tuple[Loader, str]:\n"
                "        return Loader(), name\n\n"
                "    def resolve(self) -> tuple[str | None, Command | None, list[str]]:\n"
                "        return None, None, []\n\n"
                "    def use(self, name):\n        loader, local = self.get_loader(name)\n"
                "        loader.load()\n        cmd_name, cmd, args = self.resolve()\n"
                "        cmd.make()\n\n"
                "    def other(self, pair):\n        name, cmd = self.resolve()[1:]\n"
                "        cmd.make()\n        loader, local = pair\n        loader.load()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert ("pkg.m.Prefix.use", "pkg.m.Loader.load") in calls
    assert ("pkg.m.Prefix.use", "pkg.m.Command.make") in calls
    assert ("pkg.m.Prefix.other", "pkg.m.Command.make") not in calls
    assert ("pkg.m.Prefix.other", "pkg.m.Loader.load") not in calls


def test_tuple_items_may_be_containers_and_attributes_may_take_them(resolve_tree: Any) -> None:
    """starlette's `self.path_regex, self.path_format, self.param_convertors =
    compile_path(path)` with `-> tuple[Pattern[str], str, dict[str, Convertor[Any]]]`, then
    `self.param_convertors[key].convert(value)`; `self.routes = [] if routes is None else
    list(routes)` (an empty display holds nothing to disagree with) and `for route in
    self.routes or []`; marshmallow's `copy.deepcopy(self.inner)` is of its argument's type."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "from typing import Any, Sequence\n\n\n"
                "class Convertor:\n    def convert(self, v):\n        pass\n\n\n"
                "class Route:\n    def handle(self):\n        pass\n\n\n"
                "def compile_path(p) -> tuple[str, dict[str, Convertor], list[Route]]:\n"
                "    return p, {}, []\n\n\n"
                "class Router:\n"
                "    def __init__(self, path, routes: Sequence[Route] | None = None):\n"
                "        self.regex, self.convertors, self.more = compile_path(path)\n"
                "        self.routes = [] if routes is None else list(routes)\n"
                "        self.extra = None if routes is None else routes\n\n"
                "    def matches(self, key):\n        self.convertors[key].convert(1)\n"
                "        for route in self.more:\n            route.handle()\n\n"
                "    def app(self):\n"
                "        for route in self.routes:\n            route.handle()\n"
                "        for route in self.extra or []:\n            route.handle()\n\n"
                "    def copied(self, key, c: Convertor):\n"
                "        import copy\n        mine = copy.deepcopy(c)\n        mine.convert(key)\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert ("pkg.m.Router.matches", "pkg.m.Convertor.convert") in calls
    assert ("pkg.m.Router.copied", "pkg.m.Convertor.convert") in calls
    assert ("pkg.m.Router.matches", "pkg.m.Route.handle") in calls
    assert ("pkg.m.Router.app", "pkg.m.Route.handle") in calls


def test_a_union_of_one_class_and_builtins_calls_what_no_builtin_has(resolve_tree: Any) -> None:
    """werkzeug's `def content_range(self, value: ContentRange | str | None)`, then
    `value.to_header()` after an `isinstance(value, str)` branch: no `str` has `to_header`,
    so only the class can answer; `value.split()` may be the str's, and a union of two
    classes calls each class's method, exactly."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "class ContentRange:\n    def to_header(self):\n        pass\n\n"
                "    def split(self):\n        pass\n\n\n"
                "class Other:\n    def to_header(self):\n        pass\n\n\n"
                "def setter(value: ContentRange | str | None):\n"
                "    if isinstance(value, str):\n        return value.split()\n"
                "    return value.to_header()\n\n\n"
                "def both(value: ContentRange | Other):\n    value.to_header()\n\n\n"
                "def listed(value: list[str] | ContentRange):\n    value.to_header()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert ("pkg.m.setter", "pkg.m.ContentRange.to_header") in calls
    assert ("pkg.m.listed", "pkg.m.ContentRange.to_header") in calls
    assert ("pkg.m.setter", "pkg.m.ContentRange.split") not in calls
    assert {call for call in calls if call[0] == "pkg.m.both"} == {
        ("pkg.m.both", "pkg.m.ContentRange.to_header"),
        ("pkg.m.both", "pkg.m.Other.to_header"),
    }
    assert {e[3] for e in tree.edges if e[1] == "pkg.m.both"} == {"exact"}


def test_an_isinstance_test_narrows_the_name_in_its_branch_and_after_a_guard(
    resolve_tree: Any,
) -> None:
    """werkzeug's `if isinstance(mapping, MultiDict): mapping.lists()` and `if
    isinstance(arg, (Headers, MultiDict)): arg.keys()`; `if not isinstance(x, A): raise`
    types `x` for the rest of the block; outside the branch, or rebound in it, the name is
    not narrowed."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "class A:\n    def run(self):\n        pass\n\n\n"
                "class B:\n    def run(self):\n        pass\n\n    def only_b(self):\n"
                "        pass\n\n\n"
                "def branch(x):\n    if isinstance(x, A) and x:\n        x.run()\n"
                "    x.only_b()\n\n\n"
                "def either(x):\n    if isinstance(x, (A, B)):\n        x.run()\n"
                "        x.only_b()\n\n\n"
                "def guard(x):\n    if not isinstance(x, B):\n        raise TypeError(x)\n"
                "    x.only_b()\n\n\n"
                "def rebound(x, make):\n    if isinstance(x, A):\n        x = make()\n"
                "        x.run()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert {call for call in calls if call[0] == "pkg.m.branch"} == {
        ("pkg.m.branch", "pkg.m.A.run")
    }
    assert {call for call in calls if call[0] == "pkg.m.either"} == {
        ("pkg.m.either", "pkg.m.A.run"),
        ("pkg.m.either", "pkg.m.B.run"),
        ("pkg.m.either", "pkg.m.B.only_b"),
    }
    assert ("pkg.m.guard", "pkg.m.B.only_b") in calls
    assert not {call for call in calls if call[0] == "pkg.m.rebound"}


def test_an_isinstance_test_of_an_attribute_narrows_the_chain_through_it(
    resolve_tree: Any,
) -> None:
    """`if isinstance(self.handler, B): self.handler.only_b()`; assigning the attribute again
    in the branch undoes it."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "class B:\n    def only_b(self):\n        pass\n\n"
                "    def after(self):\n        pass\n\n\n"
                "class User:\n    def __init__(self, handler):\n        self.handler = handler\n\n"
                "    def use(self):\n        if isinstance(self.handler, B):\n"
                "            self.handler.only_b()\n        self.handler.after()\n\n"
                "    def reset(self, other):\n        if isinstance(self.handler, B):\n"
                "            self.handler = other\n            self.handler.only_b()\n"
            ),
        }
    )
    calls = {call for call in tree.of("CALLS") if call[0].startswith("pkg.m.User.")}
    assert calls == {("pkg.m.User.use", "pkg.m.B.only_b")}


def test_union_subscripts_and_module_type_aliases_read_as_their_members(
    resolve_tree: Any,
) -> None:
    """rich's `TextType = Union[str, "Text"]`, then `title: Optional[TextType]`, and
    `t.Union[A, B]` read as `A | B`: `title.copy()` is Text's (no `str` has it)."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": (
                "import typing as t\nfrom typing import Optional, Union\n\n\n"
                "class Text:\n    def copy(self):\n        pass\n\n\n"
                "class Style:\n    def copy(self):\n        pass\n\n\n"
                'TextType = Union[str, "Text"]\nEither = Text | Style\n'
            ),
            "pkg/panel.py": (
                "import typing as t\nfrom typing import Optional\n\n"
                "from .text import Either, Style, Text, TextType\n\n\n"
                "def title(title: Optional[TextType]):\n    title.copy()\n\n\n"
                "def both(x: t.Union[Text, Style]):\n    x.copy()\n\n\n"
                "def alias(x: Either):\n    x.copy()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert {c for c in calls if c[0] == "pkg.panel.title"} == {
        ("pkg.panel.title", "pkg.text.Text.copy")
    }
    for caller in ("pkg.panel.both", "pkg.panel.alias"):
        assert {c for c in calls if c[0] == caller} == {
            (caller, "pkg.text.Text.copy"),
            (caller, "pkg.text.Style.copy"),
        }


def test_iterating_a_container_class_and_a_list_display_give_their_items(
    resolve_tree: Any,
) -> None:
    """rich's `for line in self.split():` of a `Lines` whose `__iter__` is declared
    `-> Iterator["Text"]`, `lines = [_Line(...)]; lines[0].expand()`, and imports inside
    `if __name__ == "__main__":` hiding nothing (`from .m import Line as Line` there)."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "from typing import Iterator\n\n\n"
                "class Line:\n    def expand(self):\n        pass\n\n\n"
                "class Lines:\n"
                '    def __iter__(self) -> Iterator["Line"]:\n        return iter([])\n\n\n'
                "def split() -> Lines:\n    return Lines()\n\n\n"
                "def walk():\n    for line in split():\n        line.expand()\n\n\n"
                "def listed():\n    lines = [Line(), Line()]\n    lines[0].expand()\n"
                "    Line()\n\n\n"
                'if __name__ == "__main__":\n    from .m import Line as Line\n'
            ),
        }
    )
    calls = tree.of("CALLS")
    assert ("pkg.m.walk", "pkg.m.Line.expand") in calls
    assert ("pkg.m.listed", "pkg.m.Line.expand") in calls
    assert ("pkg.m.listed", "pkg.m.Line") in calls


def test_a_sequence_of_a_union_and_a_deque_of_a_display_give_their_members(
    resolve_tree: Any,
) -> None:
    """httpx's `self.fields: list[DataField | FileField]`, then `for field in self.fields:
    field.render()` (each class's `render`, exact); jinja's `todo = deque([self])`, then
    `todo.popleft().walk()`. `list[A | str]` follows nothing."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import typing as t\nfrom collections import deque\n\n\n"
                "class DataField:\n    def render(self):\n        pass\n\n\n"
                "class FileField:\n    def render(self):\n        pass\n\n\n"
                "class Stream:\n"
                "    def __init__(self, fields: t.List[t.Union[DataField, FileField]]):\n"
                "        self.fields = fields\n\n"
                "    def chunks(self):\n        for field in self.fields:\n"
                "            field.render()\n\n"
                "    def loose(self, xs: list[DataField | str]):\n"
                "        for x in xs:\n            x.render()\n\n\n"
                "class Node:\n    def walk(self):\n        todo = deque([self])\n"
                "        while todo:\n            todo.popleft().walk()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert {c for c in calls if c[0] == "pkg.m.Stream.chunks"} == {
        ("pkg.m.Stream.chunks", "pkg.m.DataField.render"),
        ("pkg.m.Stream.chunks", "pkg.m.FileField.render"),
    }
    assert not {c for c in calls if c[0] == "pkg.m.Stream.loose"}
    assert ("pkg.m.Node.walk", "pkg.m.Node.walk") in calls


def test_a_cached_property_holds_what_it_returns(resolve_tree: Any) -> None:
    """`functools.cached_property` (or werkzeug's `cached_property`) reads like `property`:
    `self.spare.stop()` is what `spare` returns's `stop`."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import functools\nfrom functools import cached_property\n\n\n"
                "class Engine:\n    def stop(self):\n        pass\n\n\n"
                "class Car:\n    @functools.cached_property\n    def spare(self) -> Engine:\n"
                "        return Engine()\n\n    @cached_property\n    def other(self) -> Engine:\n"
                "        return Engine()\n\n    def drive(self):\n        self.spare.stop()\n\n"
                "    def park(self):\n        self.other.stop()\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert ("pkg.m.Car.drive", "pkg.m.Engine.stop") in calls
    assert ("pkg.m.Car.park", "pkg.m.Engine.stop") in calls


def test_a_def_beside_a_value_not_followed_is_a_heuristic_target(resolve_tree: Any) -> None:
    """jinja's `func = make_attrgetter(...)` or else `def func(x): ...`, then `func(item)`: the
    call may run the def, a heuristic edge; a name bound only to values not followed calls
    nothing."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "import operator\n\n\n"
                "def do_sum(items, attribute=None):\n"
                "    if attribute is not None:\n"
                "        func = operator.attrgetter(attribute)\n"
                "    else:\n\n"
                "        def func(x):\n            return x\n\n"
                "    return [func(item) for item in items]\n\n\n"
                "def plain(attribute):\n"
                "    func = operator.attrgetter(attribute)\n    return func(1)\n"
            ),
        }
    )
    assert {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"} == {
        ("pkg.m.do_sum", "pkg.m.do_sum.func", "heuristic")
    }


def test_a_dict_of_classes_dispatches_to_each_and_an_exact_site_stays_exact(
    resolve_tree: Any,
) -> None:
    """httpx's `SUPPORTED_DECODERS = {"gzip": GZipDecoder, ...}`, then `decoder_cls =
    SUPPORTED_DECODERS[value]; decoder_cls()`: each class may be made (heuristic); the same
    function's own `IdentityDecoder()` stays exact, and `SUPPORTED["gzip"]()` is that one."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "class IdentityDecoder:\n    pass\n\n\n"
                "class GZipDecoder:\n    pass\n\n\n"
                'SUPPORTED = {"identity": IdentityDecoder, "gzip": GZipDecoder}\n\n\n'
                "def decoder(value):\n"
                "    decoder_cls = SUPPORTED[value]\n"
                "    other = SUPPORTED.get(value)\n"
                "    return decoder_cls(), other(), IdentityDecoder()\n\n\n"
                'def gzip():\n    return SUPPORTED["gzip"]()\n'
            ),
        }
    )
    assert {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"} == {
        ("pkg.m.decoder", "pkg.m.IdentityDecoder", "exact"),
        ("pkg.m.decoder", "pkg.m.GZipDecoder", "heuristic"),
        ("pkg.m.gzip", "pkg.m.GZipDecoder", "exact"),
    }


def test_a_class_that_may_be_a_subclass_makes_an_instance_of_it(resolve_tree: Any) -> None:
    """werkzeug's `send_file(..., response_class: type[Response] | None = None)`, then `rv =
    response_class(...)`; a `dict[str, type[ReloaderLoop]]` table's `loops[kind]`, read into a
    name or called at once (`loops[kind]()`): the call is of the class or a subclass
    (heuristic), and the instance's methods are the class's."""
    tree = resolve_tree(
        {
            "pkg/__init__.py": "",
            "pkg/m.py": (
                "class Response:\n    def make_conditional(self):\n        pass\n\n\n"
                "class ReloaderLoop:\n    def run(self):\n        pass\n\n\n"
                "loops: dict[str, type[ReloaderLoop]] = {}\n\n\n"
                "def send_file(response_class: type[Response]):\n"
                "    rv = response_class()\n    rv.make_conditional()\n\n\n"
                "def run_with_reloader(kind):\n"
                "    loop_cls = loops[kind]\n    reloader = loop_cls()\n    reloader.run()\n\n\n"
                "def direct(kind):\n    loops[kind]().run()\n    reloader = loops[kind]()\n"
                "    reloader.run()\n"
            ),
        }
    )
    assert {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"} == {
        ("pkg.m.send_file", "pkg.m.Response", "heuristic"),
        ("pkg.m.send_file", "pkg.m.Response.make_conditional", "exact"),
        ("pkg.m.run_with_reloader", "pkg.m.ReloaderLoop", "heuristic"),
        ("pkg.m.run_with_reloader", "pkg.m.ReloaderLoop.run", "exact"),
        ("pkg.m.direct", "pkg.m.ReloaderLoop", "heuristic"),
        ("pkg.m.direct", "pkg.m.ReloaderLoop.run", "exact"),
    }
