"""C++: namespaces and classes, in-class and out-of-class methods, base classes, calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphmem.ingest.c_family import type_name
from graphmem.ingest.language import ParsedFile

Graph = tuple[dict[str, ParsedFile], set[tuple[str, str, str, str | None]]]


@pytest.fixture(scope="module")
def cpp(fixture_graph: Callable[[str], Graph]) -> Graph:
    return fixture_graph("cpp_app")


def edges(cpp: Graph, kind: str) -> set[tuple[str, str, str | None]]:
    return {(s, t, r) for k, s, t, r in cpp[1] if k == kind}


def test_type_names() -> None:
    assert type_name("const shop::Item &") == "shop::Item"
    assert type_name("std::unique_ptr<Item>") == "Item"
    assert type_name("std::vector<Item>") == "std::vector"
    assert type_name("struct kv_store *") == "kv_store"
    assert type_name("int (*)(void)") is None


def test_definitions(cpp: Graph) -> None:
    item = {
        d.qualified_name: (d.kind, d.parent, d.start_line, d.end_line)
        for d in cpp[0]["include/shop/item.hpp"].definitions
    }
    assert item == {
        "shop::Priced": ("Class", "include/shop/item.hpp", 6, 10),
        "shop::Priced::~Priced": ("Method", "shop::Priced", 8, 8),
        "shop::Item": ("Class", "include/shop/item.hpp", 12, 21),
        "shop::Item::Item": ("Method", "shop::Item", 14, 14),  # the constructor
        "shop::Item::price": ("Method", "shop::Item", 15, 15),
        "shop::Item::name": ("Method", "shop::Item", 16, 16),
    }
    cart = {
        d.qualified_name: (d.kind, d.parent, d.start_line)
        for d in cpp[0]["src/cart.cpp"].definitions
    }
    assert cart == {  # out-of-class definitions, inside `namespace shop { }`
        "shop::Cart::Cart": ("Method", "src/cart.cpp", 5),
        "shop::Cart::add": ("Method", "src/cart.cpp", 7),
        "shop::Cart::total": ("Method", "src/cart.cpp", 12),
    }
    assert ("Function", "shop::round_cents") in {
        (d.kind, d.qualified_name) for d in cpp[0]["src/pricing.cpp"].definitions
    }


def test_a_h_header_with_classes_is_parsed_as_cpp(cpp: Graph) -> None:
    header = cpp[0]["include/shop/cart.h"]
    assert not header.warnings
    assert ("Class", "shop::Cart") in {(d.kind, d.qualified_name) for d in header.definitions}


def test_includes_and_base_classes(cpp: Graph) -> None:
    assert edges(cpp, "IMPORTS") == {
        ("include/shop/cart.h", "include/shop/item.hpp", None),  # next to the includer
        ("src/cart.cpp", "include/shop/cart.h", None),  # through include/
        ("src/main.cpp", "include/shop/cart.h", None),
        ("src/pricing.cpp", "include/shop/cart.h", None),
    }
    assert edges(cpp, "INHERITS") == {("shop::Item", "shop::Priced", None)}


def test_calls(cpp: Graph) -> None:
    assert edges(cpp, "CALLS") == {
        ("main", "shop::Cart::add", "exact"),  # a local of a declared type
        ("main", "shop::Cart::total", "exact"),
        ("main", "shop::Item::Item", "exact"),  # new shop::Item(...) and shop::Item(...)
        ("main", "shop::round_cents", "exact"),  # a qualified call
        ("shop::Cart::add", "shop::Item::name", "exact"),  # a `const Item &` parameter
        ("shop::Cart::add", "shop::Item::price", "exact"),
        ("shop::Cart::total", "shop::Cart::empty", "exact"),  # this->empty()
        ("shop::Cart::total", "shop::Item::price", "exact"),  # a unique_ptr<Item> field
        ("shop::Cart::total", "shop::round_cents", "exact"),  # found from namespace shop
    }  # std::move, std::round, push_back are not in the repository


def test_inherited_methods_and_using_namespace(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "geo.hpp": (
                "namespace geo {\n"
                "struct Shape { double area() const { return 0; } };\n"
                "struct Square : Shape { double side() const { return area(); } };\n"
                "double measure(const Square &s);\n"
                "}\n"
            ),
            "main.cpp": (
                '#include "geo.hpp"\n'
                "using namespace geo;\n"
                "double run() { auto sq = new Square(); return sq->area() + measure(*sq); }\n"
            ),
            "geo.cpp": (
                '#include "geo.hpp"\ndouble geo::measure(const Square &s) { return s.side(); }\n'
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {
        ("geo::Square::side", "geo::Shape::area", "exact"),  # an inherited method
        ("run", "geo::Square", "exact"),  # new Square: no constructor, the class
        ("run", "geo::Shape::area", "exact"),  # auto sq = new Square()
        ("run", "geo::measure", "exact"),  # using namespace geo
        ("geo::measure", "geo::Square::side", "exact"),
    }


def test_syntax_errors_keep_what_parses(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {"a.cpp": "namespace n {\nint ok() { return 0; }\nclass Broken { void f( };\n}\n"}
    )
    parsed = resolved.parsed["a.cpp"]
    assert parsed.warnings and "syntax errors" in parsed.warnings[0]
    assert ("Function", "n::ok") in resolved.definitions()


def test_a_specialisation_is_named_as_its_template(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "base.h": (
                "namespace fmt {\ntemplate <typename T, typename C = char> struct formatter {\n"
                "  void format() {}\n};\n}\n"
            ),
            "chrono.h": (
                '#include "base.h"\nnamespace fmt {\n'
                "template <typename C> struct formatter<std::tm, C> {\n  void format() {}\n};\n"
                "template <> struct formatter<int> {\n  void parse() {}\n};\n"
                "template <typename T>\nvoid formatter<T*>::format() {}\n}\n"
            ),
        }
    )
    chrono = {(d.kind, d.qualified_name) for d in resolved.parsed["chrono.h"].definitions}
    assert chrono == {
        ("Class", "fmt::formatter"),
        ("Method", "fmt::formatter::format"),
        ("Method", "fmt::formatter::parse"),
    }


def test_a_test_macro_with_a_body_is_one_function_per_test(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "format.h": "namespace fmt {\ninline int format(int x) { return x; }\n}\n",
            "format-test.cc": (
                '#include "format.h"\n'
                "TEST(format_test, positional) {\n  EXPECT_EQ(1, fmt::format(1));\n}\n"
                "TEST(format_test, named) { fmt::format(2); }\n"
            ),
        }
    )
    test = {(d.kind, d.qualified_name) for d in resolved.parsed["format-test.cc"].definitions}
    assert test == {
        ("Function", "TEST(format_test,positional)"),
        ("Function", "TEST(format_test,named)"),
    }
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {
        ("TEST(format_test,positional)", "fmt::format", "exact"),
        ("TEST(format_test,named)", "fmt::format", "exact"),
    }


def test_a_nested_class_defined_out_of_its_outer_class_is_named_in_it(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "block.h": "namespace leveldb {\nclass Block {\n class Iter;\n};\n}\n",
            "block.cc": (
                '#include "block.h"\nnamespace leveldb {\n'
                "class Block::Iter {\n public:\n  void Next() {}\n};\n}\n"
            ),
        }
    )
    block = {(d.kind, d.qualified_name) for d in resolved.parsed["block.cc"].definitions}
    assert block == {("Class", "leveldb::Block::Iter"), ("Method", "leveldb::Block::Iter::Next")}


def test_a_friend_defined_in_a_class_is_a_function_of_its_namespace(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "bigint.h": (
                "namespace fmt {\nnamespace detail {\nclass bigint {\n  int size_;\n"
                "  int size() const { return size_; }\n"
                "  friend auto compare(const bigint& a, const bigint& b) -> int {\n"
                "    return a.size() - b.size();\n  }\n};\n"
                "inline bool equal(const bigint& a, const bigint& b) {\n"
                "  return compare(a, b) == 0;\n}\n}\n}\n"
            ),
        }
    )
    definitions = {(d.kind, d.qualified_name) for d in resolved.parsed["bigint.h"].definitions}
    assert definitions == {
        ("Class", "fmt::detail::bigint"),
        ("Method", "fmt::detail::bigint::size"),
        ("Function", "fmt::detail::compare"),  # found by argument-dependent lookup
        ("Function", "fmt::detail::equal"),
    }
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {
        ("fmt::detail::compare", "fmt::detail::bigint::size", "exact"),
        ("fmt::detail::equal", "fmt::detail::compare", "exact"),
    }


def test_a_functional_cast_to_a_sized_type_keeps_the_class(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """``unsigned(id) < unsigned(max_size())`` is an error to tree-sitter that swallowed the
    rest of fmt's ``basic_format_args`` and the class after it."""
    source = (
        "namespace fmt {\nclass format_args {\n public:\n  int get(int id) const {\n"
        "    if (unsigned(id) < unsigned(max_size())) return id;\n"
        "    return long(id) << 2;\n  }\n  int max_size() const { return 4; }\n};\n"
        "class context {\n  format_args args_;\n public:\n"
        "  int arg(int id) const { return args_.get(id); }\n};\n}\n"
    )
    resolved = resolve_tree({"base.h": source})
    parsed = resolved.parsed["base.h"]
    assert not parsed.warnings
    assert [(d.qualified_name, d.start_line, d.end_line) for d in parsed.definitions] == [
        ("fmt::format_args", 2, 9),
        ("fmt::format_args::get", 4, 7),
        ("fmt::format_args::max_size", 8, 8),
        ("fmt::context", 10, 14),
        ("fmt::context::arg", 13, 13),
    ]
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {
        ("fmt::format_args::get", "fmt::format_args::max_size", "exact"),
        ("fmt::context::arg", "fmt::format_args::get", "exact"),
    }


def test_a_specialisations_bases_are_its_templates(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "args.h": (
                "namespace fmt {\nstruct true_type {};\nstruct false_type {};\n"
                "template <typename T> struct is_named_arg : false_type {};\n"
                "template <typename T> struct is_named_arg<T*> : true_type {};\n"
                "template <typename T> struct is_named_arg<const T> : is_named_arg<T> {};\n}\n"
            ),
        }
    )
    assert {(s, t) for k, s, t, _ in resolved.edges if k == "INHERITS"} == {
        ("fmt::is_named_arg", "fmt::false_type"),
        ("fmt::is_named_arg", "fmt::true_type"),
        ("fmt::is_named_arg", "fmt::is_named_arg"),  # the specialisation's base: its template
    }


def test_calls_with_explicit_template_arguments(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "format.h": (
                "namespace fmt {\nnamespace detail {\n"
                "template <typename Char> Char* copy(const Char* b, const Char* e, Char* out);\n"
                "template <typename T> constexpr T max_value() { return T(); }\n"
                "class locale_ref {\n public:\n  template <typename L> L get() const;\n};\n"
                "template <typename Char> Char* copy(const Char* b, const Char* e, Char* out) {\n"
                "  return out;\n}\n"
                "template <typename L> L locale_ref::get() const { return L(); }\n}\n"
                "template <typename Char> void write(Char* out, detail::locale_ref loc) {\n"
                "  detail::copy<Char>(out, out, out);\n  auto n = detail::max_value<int>();\n"
                "  auto l = loc.get<int>();\n}\n}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {
        ("fmt::write", "fmt::detail::copy", "exact"),
        ("fmt::write", "fmt::detail::max_value", "exact"),
        ("fmt::write", "fmt::detail::locale_ref::get", "exact"),
    }


def test_what_calls_no_function_or_constructor(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "format.h": (
                "namespace fmt {\nint write(int out, int value);\n"
                "int write(int out, int value) { return out + value; }\n"
                "template <typename F> int apply(F write, int x) { return write(x); }\n"
                "int write_ptr(int out) {\n"
                "  auto write = [=](int it) { return it; };\n"
                "  return write(out);\n}\n"
                "int write_twice(int out) { return write(write(out, 1), 2); }\n"
                "enum class emphasis { bold = 1 };\n"
                "int style(emphasis em = emphasis()) { return int(emphasis(1)); }\n"
                "struct handle { handle() {} };\n"
                "void resize(int n) { handle** list = new handle*[n]; }\n}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    # a lambda named write, a parameter named write, an enum's E(), new T*[n]
    assert calls == {("fmt::write_twice", "fmt::write", "exact")}


def test_receivers_and_bases_through_type_aliases(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "base.h": (
                "namespace fmt {\n"
                "template <typename Char> class basic_string_view {\n public:\n"
                "  int size() const { return 0; }\n};\n"
                "using string_view = basic_string_view<char>;\n"
                "template <typename T> class basic_memory_buffer {\n public:\n"
                "  void push_back(T) {}\n};\n"
                "typedef basic_memory_buffer<char> memory_buffer;\n"
                "class string_buffer : public memory_buffer {};\n}\n"
            ),
            "format.cc": (
                '#include "base.h"\nnamespace fmt {\n'
                "int length(string_view s, memory_buffer& buf) {\n"
                "  buf.push_back('x');\n  return s.size();\n}\n}\n"
            ),
        }
    )
    edges = {(k, s, t, r) for k, s, t, r in resolved.edges if k in ("CALLS", "INHERITS")}
    assert edges == {
        ("CALLS", "fmt::length", "fmt::basic_memory_buffer::push_back", "exact"),
        ("CALLS", "fmt::length", "fmt::basic_string_view::size", "exact"),
        ("INHERITS", "fmt::string_buffer", "fmt::basic_memory_buffer", None),
    }


def test_a_constructors_initialiser_naming_a_base_constructs_it(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "chrono.h": (
                "namespace fmt {\n"
                "class year {\n public:\n  explicit year(int y) : value_(y) {}\n"
                " private:\n  int value_;\n};\n"
                "class calendar { public: calendar(int) {} };\n"
                "class year_month : public calendar {\n  year year_;\n public:\n"
                "  year_month(int y) : calendar(y), year_(y) {}\n};\n}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    # year_(y) initialises a field: whether year's copy constructor or year(int) runs is
    # overload resolution, which graphmem does not do
    assert calls == {("fmt::year_month::year_month", "fmt::calendar::calendar", "exact")}


def test_a_call_a_macro_renames_is_a_guess(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """``FMT_POSIX_CALL(close(fd_))`` expands to ``::close(fd_)``, the system's: the member
    ``file::close`` the text seems to call is not called."""
    resolved = resolve_tree(
        {
            "os.h": (
                "#define FMT_SYSTEM(call) ::call\n#define FMT_POSIX_CALL(call) FMT_SYSTEM(call)\n"
                "#define CHECK(x) x\n"
                "namespace fmt {\nclass file {\n  int fd_;\n public:\n"
                "  int descriptor() const { return fd_; }\n  void close();\n  ~file();\n};\n}\n"
            ),
            "os.cc": (
                '#include "os.h"\nnamespace fmt {\n'
                "void file::close() {\n  int result = FMT_POSIX_CALL(close(descriptor()));\n}\n"
                "file::~file() { CHECK(close()); }\n}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {
        ("fmt::file::close", "fmt::file::close", "heuristic"),
        ("fmt::file::close", "fmt::file::descriptor", "heuristic"),
        ("fmt::file::~file", "fmt::file::close", "exact"),  # CHECK keeps its argument
    }


def test_building_a_specialised_class_template_is_a_guess(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """``is_named_arg<T>()`` builds the template or one of its specialisations, by T."""
    resolved = resolve_tree(
        {
            "base.h": (
                "namespace fmt {\nstruct false_type {};\n"
                "template <typename T> struct is_named_arg : false_type {};\n"
                "template <typename T> struct is_named_arg<T*> : false_type {};\n"
                "struct view { view() {} };\n"
                "template <typename T> bool named() {\n"
                "  view v = view();\n  return is_named_arg<T>();\n}\n}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {
        ("fmt::named", "fmt::is_named_arg", "heuristic"),
        ("fmt::named", "fmt::view::view", "exact"),  # one definition: its constructor
    }


def test_a_using_declaration_names_a_base_and_a_function(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    # catch's `using Matchers::Impl::MatcherBase;` names the base of twelve matchers
    resolved = resolve_tree(
        {
            "lib.hpp": (
                "namespace a {\n"
                "namespace impl { struct Base { int f(){return 1;} }; int helper(){return 2;} }\n"
                "using impl::Base;\nusing impl::helper;\n"
                "namespace x { struct D : Base { int g(){ return helper(); } };"
                " struct E : impl::Base {}; }\n}\n"
            ),
        }
    )
    edges = {(k, s, t, r) for k, s, t, r in resolved.edges if k in ("CALLS", "INHERITS")}
    assert edges == {
        ("INHERITS", "a::x::D", "a::impl::Base", None),
        ("INHERITS", "a::x::E", "a::impl::Base", None),
        ("CALLS", "a::x::D::g", "a::impl::helper", "exact"),
    }


def test_a_parenthesised_name_is_the_function_it_declares(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    # `(min)` and `(max)` keep a min/max macro from expanding; tree-sitter reads
    # `result_type (min)()` as a function `result_type` returning a function
    resolved = resolve_tree(
        {
            "r.hpp": (
                "namespace n { class Rng { public:\n"
                "    using result_type = unsigned;\n"
                "    static constexpr result_type (min)() { return 0; }\n"
                "    static constexpr int (max)() { return 9; }\n"
                "    int span() { return (max)() - (min)(); } };\n"
                "int (lowest)() { return 0; }\n}\n"
            ),
        }
    )
    assert resolved.definitions() == {
        ("Class", "n::Rng"),
        ("Method", "n::Rng::min"),
        ("Method", "n::Rng::max"),
        ("Method", "n::Rng::span"),
        ("Function", "n::lowest"),
    }
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {
        ("n::Rng::span", "n::Rng::max", "exact"),
        ("n::Rng::span", "n::Rng::min", "exact"),
    }
