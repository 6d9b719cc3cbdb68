"""Java: package-named modules, classes and interfaces, imports, supertypes and calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest.java import JavaSupport, java_package, type_name
from graphmem.ingest.language import ParsedFile, RepoIndex, RepoLayout

ROOT = Path(__file__).parents[2] / "fixtures" / "java_app"
CORE = "core/src/main/java/com/acme/shop"
APP = "app/src/main/java/com/acme/shop/app"
MODEL = "com.acme.shop.model"
STORE = "com.acme.shop.store"
SHOP = "com.acme.shop.app"


Graph = tuple[dict[str, ParsedFile], set[tuple[str, str, str, str | None]]]


@pytest.fixture(scope="module")
def java(fixture_graph: Callable[[str], Graph]) -> Graph:
    return fixture_graph("java_app")


def edges(java: Graph, kind: str) -> set[tuple[str, str, str | None]]:
    return {(s, t, r) for k, s, t, r in java[1] if k == kind}


def definitions(parsed: dict[str, ParsedFile]) -> set[tuple[str, str]]:
    return {(d.kind, d.qualified_name) for p in parsed.values() for d in p.definitions}


def test_a_module_is_named_by_its_package(java: Graph, tmp_path: Path) -> None:
    assert java[0][f"{CORE}/model/Order.java"].module == MODEL
    assert java[0][f"{APP}/Checkout.java"].module == SHOP
    (tmp_path / "A.java").write_text("/* package not.this; */\n// package nor.this;\nclass A {}\n")
    (tmp_path / "B.java").write_text("@Deprecated\npackage org.example . b;\n")
    layout = RepoLayout(tmp_path, frozenset({"A.java", "B.java"}))
    assert java_package("A.java", layout) == ""  # the default package
    assert java_package("B.java", layout) == "org.example.b"


def test_type_names() -> None:
    assert type_name("Map<String, List<Order>>") == "Map"
    assert type_name("java.util.Optional<T>") == "java.util.Optional"
    assert type_name("@Nullable Order") == "Order"
    assert type_name("Order[]") is None
    assert type_name("int") is None


def test_definitions(java: Graph) -> None:
    order = {
        d.qualified_name: (d.kind, d.parent, d.start_line, d.end_line)
        for d in java[0][f"{CORE}/model/Order.java"].definitions
    }
    assert order == {
        f"{MODEL}.Order": ("Class", MODEL, 6, 42),
        f"{MODEL}.Order.Order": ("Method", f"{MODEL}.Order", 9, 12),  # the constructor
        f"{MODEL}.Order.total": ("Method", f"{MODEL}.Order", 14, 20),
        f"{MODEL}.Order.price": ("Method", f"{MODEL}.Order", 22, 25),
        f"{MODEL}.Order.compareTo": ("Method", f"{MODEL}.Order", 27, 30),
        f"{MODEL}.Order.empty": ("Method", f"{MODEL}.Order", 32, 34),
        f"{MODEL}.Order.Item": ("Class", f"{MODEL}.Order", 36, 41),  # a record
        f"{MODEL}.Order.Item.price": ("Method", f"{MODEL}.Order.Item", 37, 40),
    }
    kinds = definitions(java[0])
    assert ("Interface", f"{MODEL}.Priced") in kinds
    assert ("Interface", f"{STORE}.Repository") in kinds
    assert ("Method", f"{STORE}.Repository.save") in kinds  # an abstract method
    assert ("Class", f"{SHOP}.Checkout.Express") in kinds
    # two constructors, one entity
    assert sum(1 for _, qn in kinds if qn == f"{SHOP}.Checkout.Checkout") == 1


def test_imports(java: Graph) -> None:
    files = list(java[0].values())
    paths = {
        (edge.source.path, edge.target.path)
        for parsed in files
        for edge in JavaSupport().resolver(RepoIndex.from_files(files)).resolve(parsed)
        if edge.type.value == "IMPORTS"
    }
    checkout = f"{APP}/Checkout.java"
    assert {t for s, t in paths if s == checkout} == {
        f"{APP}/Receipts.java",  # import static ...Receipts.format
        f"{CORE}/model/Entity.java",  # import com.acme.shop.model.*
        f"{CORE}/model/Order.java",
        f"{CORE}/model/Priced.java",
        f"{CORE}/store/OrderRepository.java",
    }
    assert {t for s, t in paths if s == f"{CORE}/store/OrderRepository.java"} == {
        f"{CORE}/model/Order.java"
    }  # java.util.* is not in the repository


def test_extends_is_inherits_and_implements_is_implements(java: Graph) -> None:
    assert edges(java, "INHERITS") == {
        (f"{MODEL}.Order", f"{MODEL}.Entity", None),
        (f"{SHOP}.Checkout.Express", f"{SHOP}.Checkout", None),
        (f"{STORE}.AuditedRepository", f"{STORE}.Repository", None),  # interface to interface
    }
    assert edges(java, "IMPLEMENTS") == {
        (f"{MODEL}.Order", f"{MODEL}.Priced", None),  # Comparable is not in the repository
        (f"{MODEL}.Order.Item", f"{MODEL}.Priced", None),
        (f"{STORE}.OrderRepository", f"{STORE}.Repository", None),
    }


def test_calls(java: Graph) -> None:
    place = {(t, r) for s, t, r in edges(java, "CALLS") if s == f"{SHOP}.Checkout.place"}
    assert place == {
        (f"{MODEL}.Order", "exact"),  # new Order(id)
        (f"{STORE}.OrderRepository.find", "exact"),  # this.orders, a field of a declared type
        (f"{MODEL}.Order.total", "exact"),  # var copy = new Order(...)
        (f"{STORE}.OrderRepository.inMemory", "exact"),  # a static call
        (f"{STORE}.OrderRepository.save", "exact"),  # var repo = inMemory(): its declared type
        (f"{SHOP}.Receipts.format", "exact"),  # import static
        (f"{SHOP}.Checkout.items", "exact"),
        # `items().forEach(orders -> orders.price())`: an element of what items() returns
        (f"{MODEL}.Order.Item.price", "exact"),
        # `orders.save(order)` is left out: a lambda parameter named `orders` hides the field
        # somewhere in the method, and bindings are not read per block.
    }
    calls = edges(java, "CALLS")
    assert (f"{SHOP}.Checkout.Express.place", f"{SHOP}.Checkout.place", "exact") in calls
    assert (f"{SHOP}.Checkout.Express.place", f"{SHOP}.Checkout.Express.audit", "exact") in calls
    assert (f"{SHOP}.Checkout.Checkout", f"{SHOP}.Checkout.Checkout", "exact") in calls  # this()
    # inherited methods resolve to their declaration
    assert (f"{MODEL}.Order.Order", f"{MODEL}.Entity.touch", "exact") in calls
    assert (f"{STORE}.OrderRepository.save", f"{MODEL}.Entity.getId", "exact") in calls
    # a default method calling an abstract one; a for-each variable of a declared type
    assert (f"{MODEL}.Priced.isFree", f"{MODEL}.Priced.price", "exact") in calls
    assert (f"{MODEL}.Order.total", f"{MODEL}.Order.Item.price", "exact") in calls
    # nothing outside the repository (String.trim, System.out.println, Map.put)
    assert all(t.startswith("com.acme.shop.") for _, t, _ in calls)


def test_local_and_anonymous_classes_belong_to_their_method(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    source = """package p;
class A {
    void run() {
        Runnable r = new Runnable() { public void run() { helper(); } };
        class Local { void go() { helper(); } }
    }
    static void helper() {}
}
"""
    resolved = resolve_tree({"src/p/A.java": source})
    assert resolved.definitions() == {
        ("Class", "p.A"),
        ("Method", "p.A.run"),
        ("Method", "p.A.helper"),
    }
    assert ("CALLS", "p.A.run", "p.A.helper", "exact") in resolved.edges


def test_parsed_file_survives_the_cache_round_trip(java: Graph) -> None:
    for parsed in java[0].values():
        assert ParsedFile.from_json(parsed.to_json()) == parsed


def test_syntax_errors_keep_what_parses(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {"p/A.java": "package p;\nclass A {\n  void ok() {}\n  void broken( {\n}\n"}
    )
    parsed = resolved.parsed["p/A.java"]
    assert parsed.warnings and "syntax errors" in parsed.warnings[0]
    assert ("Method", "p.A.ok") in resolved.definitions()


def test_a_call_on_new_is_on_the_type_built_and_a_chain_follows_return_types(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    source = """package p;
class Pipe {
    Pipe then(int step) { return this; }
    Pipe also(String name) { return this; }
    Pipe pick(int i) { return this; }
    Use pick(String s) { return null; }
    int run() { return 0; }
    static Pipe of() { return new Pipe(); }
}
class Use {
    int direct() { return new Pipe().run(); }
    int chained() { return new Pipe().then(1).also("a").run(); }
    int wrapped() { return (new Pipe()).run(); }
    int anonymous() { return new Pipe() { int run() { return 1; } }.run(); }
    int declared() { Pipe pipe = new Pipe(); return pipe.run(); }
    int inferred() { var pipe = new Pipe().then(2); return pipe.run(); }
    int overloaded() { return new Pipe().pick(1).run(); }
}
"""
    resolved = resolve_tree({"src/p/Pipe.java": source})

    def calls(caller: str) -> set[tuple[str, str | None]]:
        return {(t, r) for k, s, t, r in resolved.edges if k == "CALLS" and s == f"p.Use.{caller}"}

    built = ("p.Pipe", "exact")
    # the receiver of `new Pipe()` is a Pipe for certain, as `Pipe pipe = new Pipe()` is
    assert calls("direct") == {built, ("p.Pipe.run", "exact")} == calls("declared")
    assert calls("wrapped") == calls("direct")
    # past the first call the chain is typed by declared return types, as javac binds it
    assert calls("chained") == {
        built,
        ("p.Pipe.then", "exact"),
        ("p.Pipe.also", "exact"),
        ("p.Pipe.run", "exact"),
    }
    assert calls("inferred") == {built, ("p.Pipe.then", "exact"), ("p.Pipe.run", "exact")}
    # overloads share one entity: the return type read may be the other one's
    assert calls("overloaded") == {built, ("p.Pipe.pick", "exact"), ("p.Pipe.run", "heuristic")}
    # an anonymous class may override what is called on it: only the construction is known
    assert calls("anonymous") == {built}


def test_elements_of_collections_streams_and_optionals(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """commons-cli's `options.forEach(option -> option.getOpt())` over a `List<Option>`
    field: a lambda's parameter, a `for (var ...)` variable and what `get()`, `orElse()` give
    are elements of a declared collection, stream or Optional, or of what a method returns."""
    source = """package p;
import java.util.*;
class Opt { String name() { return ""; } boolean on() { return true; } }
class Cli {
    private final List<Opt> options = new ArrayList<>();
    List<Opt> all() { return options; }
    void each() { options.forEach(option -> option.name()); }
    Opt find() { return options.stream().filter(o -> o.on()).findFirst().orElse(null); }
    void first() { options.get(0).name(); }
    void loop() { for (var o : options) { o.on(); } }
    void varargs(Opt... given) { for (var o : given) { o.name(); } }
    void returned() { all().forEach(o -> o.on()); }
    void sorted(Set<Opt> set) { set.stream().sorted((a, b) -> a.name().compareTo(b.name())); }
    void other(Map<String, Opt> map) { map.forEach(o -> o.name()); }
}
"""
    resolved = resolve_tree({"src/p/Cli.java": source})

    def calls(caller: str) -> set[tuple[str, str | None]]:
        return {(t, r) for k, s, t, r in resolved.edges if k == "CALLS" and s == f"p.Cli.{caller}"}

    assert calls("each") == {("p.Opt.name", "exact")}
    assert calls("find") == {("p.Opt.on", "exact")}
    assert calls("first") == {("p.Opt.name", "exact")}
    assert calls("loop") == {("p.Opt.on", "exact")}
    assert calls("varargs") == {("p.Opt.name", "exact")}
    assert calls("returned") == {("p.Cli.all", "exact"), ("p.Opt.on", "exact")}
    assert calls("sorted") == {("p.Opt.name", "exact")}
    assert calls("other") == set()  # a Map's forEach gives keys and values: not followed


def test_resources_and_type_variables_are_typed(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """jsoup's `try (TokenQueue tq = new TokenQueue(in))` and `class Nodes<T extends Node>`:
    a try-with-resources variable is a local of its declared type, and a type variable is
    its first bound (what javac binds a call on it to); an unbounded one is left untyped."""
    source = """package p;
import java.util.*;
class Node { void wrap() {} Node parent() { return this; } }
class Reader implements AutoCloseable { int read() { return 0; } public void close() {} }
class Nodes<T extends Node> {
    T first;
    List<T> all;
    void each() { first.wrap(); for (T t : all) { t.parent(); } all.forEach(n -> n.wrap()); }
    <U extends Reader> void one(U given) { given.read(); }
    static <X> void untyped(X given) { given.wrap(); }
    <Node> void shadowed(Node given) { given.wrap(); }
    void resource() { try (Reader r = new Reader(); var s = new Reader()) { r.read(); s.close(); } }
}
class Mixed<T extends Node> { <T extends Reader> void inner(T given) { given.read(); } }
"""
    resolved = resolve_tree({"src/p/Nodes.java": source})

    def calls(caller: str) -> set[tuple[str, str | None]]:
        return {(t, r) for k, s, t, r in resolved.edges if k == "CALLS" and s == f"p.{caller}"}

    assert calls("Nodes.each") == {("p.Node.wrap", "exact"), ("p.Node.parent", "exact")}
    assert calls("Nodes.one") == {("p.Reader.read", "exact")}
    assert calls("Nodes.untyped") == set()
    assert calls("Nodes.shadowed") == set()  # a type variable named like a class hides it
    assert calls("Nodes.resource") == {
        ("p.Reader", "exact"),
        ("p.Reader.read", "exact"),
        ("p.Reader.close", "exact"),
    }
    assert calls("Mixed.inner") == {("p.Reader.read", "exact")}  # the method's own T


def test_a_chain_through_overloads_that_agree_on_their_return_type_is_exact(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """javapoet's builders (`add(String)`, `add(CodeBlock)`, both `Builder`): whichever
    overload javac binds, the chain goes on from the same type. A supertype's overload of that
    name is the one bound when only it takes the call's argument count (jsoup's
    `el.attr("k")` is `Node.attr(String)`, a String, not `Element.attr(String, String)`)."""
    source = """package p;
class Builder {
    Builder add(String s) { return this; }
    Builder add(int i) { return this; }
    Out build() { return new Out(); }
}
class Out { void emit() {} }
class Base { Out attr(String key) { return null; } }
class Derived extends Base {
    Derived attr(String key, String value) { return this; }
    Derived attr(String key, int value) { return this; }
    void emit() {}
}
class Plain extends Base { Out attr(String key) { return null; } }
class Use {
    void agreed() { new Builder().add("a").add(1).build().emit(); }
    void inherited(Derived d) { d.attr("k").emit(); }
    void overridden(Plain p) { p.attr("k").emit(); }
}
"""
    resolved = resolve_tree({"src/p/Builder.java": source})

    def calls(caller: str) -> set[tuple[str, str | None]]:
        return {(t, r) for k, s, t, r in resolved.edges if k == "CALLS" and s == f"p.Use.{caller}"}

    assert calls("agreed") == {
        ("p.Builder", "exact"),
        ("p.Builder.add", "exact"),
        ("p.Builder.build", "exact"),
        ("p.Out.emit", "exact"),
    }
    # `d.attr("k")` passes one argument: only Base declares an attr that takes one, an Out
    assert calls("inherited") == {("p.Base.attr", "exact"), ("p.Out.emit", "exact")}
    # an override without overloads keeps its declared (covariant) return type
    assert calls("overridden") == {("p.Plain.attr", "exact"), ("p.Out.emit", "exact")}


def test_overloads_are_told_apart_by_their_argument_count(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """jsoup's `el.tag().namespace()`: `tag()` is a getter returning a Tag, `tag(Tag)` a setter
    returning the Element; the call's argument count says which one javac binds. Varargs take
    their fixed parameters' count or more; counts no overload takes stay heuristic."""
    source = """package p;
class Tag { String namespace() { return ""; } }
class Element {
    Tag tag() { return null; }
    Element tag(Tag t) { return this; }
    Element append(String first, String... more) { return this; }
    Tag append() { return null; }
    void remove() {}
}
class Use {
    void getter(Element e) { e.tag().namespace(); }
    void setter(Element e, Tag t) { e.tag(t).remove(); }
    void varargs(Element e) { e.append("a", "b", "c").remove(); e.append("a").remove(); }
    void unknown(Element e) { e.tag(1, 2).remove(); }
}
"""
    resolved = resolve_tree({"src/p/Element.java": source})

    def calls(caller: str) -> set[tuple[str, str | None]]:
        return {(t, r) for k, s, t, r in resolved.edges if k == "CALLS" and s == f"p.Use.{caller}"}

    assert calls("getter") == {("p.Element.tag", "exact"), ("p.Tag.namespace", "exact")}
    assert calls("setter") == {("p.Element.tag", "exact"), ("p.Element.remove", "exact")}
    assert calls("varargs") == {("p.Element.append", "exact"), ("p.Element.remove", "exact")}
    assert ("p.Element.remove", "exact") not in calls("unknown")


def test_a_call_on_an_anonymous_class_that_does_not_override_it_is_on_its_supertype(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """gson's `new TypeAdapter<AtomicLong>() {...}.nullSafe()`: the anonymous class declares
    no `nullSafe`, so javac binds the supertype's; one it overrides is left out."""
    source = """package p;
abstract class Adapter { abstract int read(); Adapter nullSafe() { return this; } }
class Use {
    Adapter plain() { return new Adapter() { int read() { return 1; } }.nullSafe(); }
    int overriding() { return new Adapter() { int read() { return 1; } }.read(); }
}
"""
    resolved = resolve_tree({"src/p/Adapter.java": source})

    def calls(caller: str) -> set[tuple[str, str | None]]:
        return {(t, r) for k, s, t, r in resolved.edges if k == "CALLS" and s == f"p.Use.{caller}"}

    assert calls("plain") == {("p.Adapter", "exact"), ("p.Adapter.nullSafe", "exact")}
    assert calls("overriding") == {("p.Adapter", "exact")}
