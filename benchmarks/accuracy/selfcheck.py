"""Checks the oracle itself on a small hand-written package whose answers are known.

Run it before trusting a score: `python benchmarks/accuracy/selfcheck.py` exits non-zero and says
what differs if the oracle disagrees with the answers below.
"""

from __future__ import annotations

import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oracle import OracleResult, analyse  # noqa: E402

FILES = {
    "pyproject.toml": "[project]\nname = 'shop'\n",
    "tests/test_cart.py": "from shop.cart import Cart\n\ndef test_cart():\n    Cart()\n",
    "src/shop/__init__.py": """\
        from .cart import Cart
        from . import pricing

        __all__ = ["Cart", "pricing"]
        """,
    "src/shop/pricing.py": """\
        import math
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from shop.cart import Cart

        RATE = round(0.2, 2)


        def net(amount):
            return math.floor(amount)


        def gross(amount):
            return net(amount) * (1 + RATE)


        total = gross


        class Rounder:
            def __call__(self, amount):
                return round(amount)

            @property
            def maker(self):
                return Rounder


        def rounded(amount):
            r = Rounder()
            return r.maker()(r(amount))
        """,
    "src/shop/cart.py": """\
        import functools

        import shop.models.item
        from .models import item as item_module
        from .models.item import Item, Base
        from . import pricing as p


        class Cart(Base):
            limit = max(1, 2)

            def __init__(self):
                self.items = []
                super().__init__()

            @functools.lru_cache
            def add(self, name):
                entry = Item(name)
                self.items.append(entry)
                self._check()
                return entry

            def _check(self):
                def too_many(n):
                    return n > len(self.items)

                return too_many(3)

            @staticmethod
            def empty():
                return Cart()

            @classmethod
            def of(cls, *names):
                def build():
                    return cls()

                return build()

            def value(self):
                total_of = p.total
                return total_of(p.gross(1)) + item_module.price(self.items[0])

            class Line(item_module.Item):
                def show(self):
                    return Cart.empty()


        def checkout(cart):
            line = Cart.Line("x")
            line.show()
            return p.net(1)


        DEFAULT = Cart()
        """,
    "src/shop/models/__init__.py": "",
    "src/shop/models/item.py": """\
        from typing import Generic, TypeVar

        from .. import pricing

        T = TypeVar("T")


        class Base:
            def __init__(self):
                pass


        class Item(Base, Generic[T]):
            def __init__(self, name):
                super().__init__()
                self.name = name


        class Tagged(Item[str], dict):
            pass


        def price(item):
            return pricing.net(len(item.name))
        """,
}

EXPECTED_DEFINITIONS = {
    ("shop", "Module"),
    ("shop.pricing", "Module"),
    ("shop.pricing.net", "Function"),
    ("shop.pricing.gross", "Function"),
    ("shop.pricing.Rounder", "Class"),
    ("shop.pricing.Rounder.__call__", "Method"),
    ("shop.pricing.Rounder.maker", "Method"),
    ("shop.pricing.rounded", "Function"),
    ("shop.cart", "Module"),
    ("shop.cart.Cart", "Class"),
    ("shop.cart.Cart.__init__", "Method"),
    ("shop.cart.Cart.add", "Method"),
    ("shop.cart.Cart._check", "Method"),
    ("shop.cart.Cart._check.too_many", "Function"),
    ("shop.cart.Cart.empty", "Method"),
    ("shop.cart.Cart.of", "Method"),
    ("shop.cart.Cart.of.build", "Function"),
    ("shop.cart.Cart.value", "Method"),
    ("shop.cart.Cart.Line", "Class"),
    ("shop.cart.Cart.Line.show", "Method"),
    ("shop.cart.checkout", "Function"),
    ("shop.models", "Module"),
    ("shop.models.item", "Module"),
    ("shop.models.item.Base", "Class"),
    ("shop.models.item.Base.__init__", "Method"),
    ("shop.models.item.Item", "Class"),
    ("shop.models.item.Item.__init__", "Method"),
    ("shop.models.item.Tagged", "Class"),
    ("shop.models.item.price", "Function"),
}

EXPECTED_IMPORTS = {
    ("shop", "shop.cart"),
    ("shop", "shop.pricing"),
    ("shop.pricing", "shop.cart"),  # under TYPE_CHECKING: still a static dependency
    ("shop.cart", "shop.models.item"),  # import a.b.c, from .models import item, from .m import x
    ("shop.cart", "shop.pricing"),
    ("shop.models.item", "shop.pricing"),
}

EXPECTED_INHERITS = {
    ("shop.cart.Cart", "shop.models.item.Base"),  # through a re-import
    ("shop.models.item.Item", "shop.models.item.Base"),
    ("shop.models.item.Tagged", "shop.models.item.Item"),  # Item[str]; dict is not in the repo
    ("shop.cart.Cart.Line", "shop.models.item.Item"),  # module attribute
}

EXPECTED_CALLS = {
    ("shop.pricing.gross", "shop.pricing.net"),
    ("shop.pricing.rounded", "shop.pricing.Rounder"),  # not r.maker() (a property), not r()
    ("shop.cart.Cart.__init__", "shop.models.item.Base.__init__"),  # super()
    ("shop.cart.Cart.add", "shop.models.item.Item"),  # constructor
    ("shop.cart.Cart.add", "shop.cart.Cart._check"),  # self.
    ("shop.cart.Cart._check", "shop.cart.Cart._check.too_many"),  # nested def
    ("shop.cart.Cart.empty", "shop.cart.Cart"),
    ("shop.cart.Cart.of.build", "shop.cart.Cart"),  # cls() in a classmethod
    ("shop.cart.Cart.of", "shop.cart.Cart.of.build"),
    ("shop.cart.Cart.value", "shop.pricing.gross"),  # p.gross via `import ... as p`
    ("shop.cart.Cart.value", "shop.models.item.price"),  # module attribute
    ("shop.cart.Cart.value", "shop.pricing.gross"),  # total_of = p.total; total = gross
    ("shop.cart.Cart.Line.show", "shop.cart.Cart.empty"),
    ("shop.cart.checkout", "shop.cart.Cart.Line"),
    ("shop.cart.checkout", "shop.cart.Cart.Line.show"),  # a local holding an instance
    ("shop.cart.checkout", "shop.pricing.net"),
    ("shop.models.item.Item.__init__", "shop.models.item.Base.__init__"),
    ("shop.models.item.price", "shop.pricing.net"),
    # Not counted: calls at module or class level (DEFAULT = Cart(), limit = max(...)), calls
    # into the standard library (math.floor, len), the decorator functools.lru_cache, and
    # tests/ (outside the src/ package root).
}


def compare(name: str, got: set[tuple[str, str]], expected: set[tuple[str, str]]) -> list[str]:
    problems = [f"{name}: missing {item}" for item in sorted(expected - got)]
    problems += [f"{name}: unexpected {item}" for item in sorted(got - expected)]
    return problems


def check(result: OracleResult) -> list[str]:
    definitions = {(d.qualified_name, d.kind) for d in result.definitions}
    problems = compare("definitions", definitions, EXPECTED_DEFINITIONS)
    problems += compare("IMPORTS", result.imports, EXPECTED_IMPORTS)
    problems += compare("INHERITS", result.inherits, EXPECTED_INHERITS)
    problems += compare("CALLS", result.calls, EXPECTED_CALLS)
    if result.package_root != "src":
        problems.append(f"package root: {result.package_root!r}, expected 'src'")
    add = next(d for d in result.definitions if d.qualified_name == "shop.cart.Cart.add")
    if (add.start_line, add.def_line, add.end_line) != (16, 17, 21):
        problems.append(f"lines of Cart.add: {add.start_line}, {add.def_line}, {add.end_line}")
    return problems


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "shop"
        for rel, text in FILES.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        problems = check(analyse(root))
    for problem in problems:
        print(problem)
    print("oracle self-check:", "FAILED" if problems else "ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
