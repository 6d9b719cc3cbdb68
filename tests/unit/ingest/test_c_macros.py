"""C and C++ macros that change the parse: attribute macros, namespace and brace macros."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest.c_family import CppSupport
from graphmem.ingest.c_macros import (
    Macro,
    MacroTable,
    apply,
    classify,
    plain_conditions,
    repository_macros,
    rewriting,
    unguard,
)

Graph = tuple[dict[str, Any], set[tuple[str, str, str, str | None]]]


def table(source: str) -> dict[str, Macro]:
    return MacroTable().with_file(source.encode())


def test_attribute_macros_are_blanked_keeping_static_and_inline() -> None:
    found = table(
        "#define API __declspec(dllexport)\n"
        "#define NORETURN [[noreturn]]\n"
        "#define LOCAL static\n"
        "#define FORCE inline __attribute__((always_inline))\n"
        "#define EMPTY\n"
    )
    assert found == {
        "API": Macro("", statement=False),
        "NORETURN": Macro("", statement=False),
        "LOCAL": Macro("static", statement=False),
        "FORCE": Macro("inline", statement=False),
        "EMPTY": Macro("", statement=False),
    }


def test_conditional_definitions_count_when_every_one_is_an_attribute() -> None:
    definitions = {
        "VISIBILITY": [(True, "__attribute__((visibility(value)))"), (True, "")],
        "API": [(False, "__declspec(dllexport)"), (False, 'VISIBILITY("default")'), (False, "")],
        "CONSTEXPR": [(False, "constexpr"), (False, "")],
        "SIZE": [(False, "16"), (False, "")],
    }
    found = classify(definitions)
    assert found["API"] == Macro("", statement=False)
    assert found["CONSTEXPR"] == Macro("", statement=False)
    assert "SIZE" not in found  # a value under one condition: not an attribute
    assert found["VISIBILITY"] == Macro("", statement=False, arguments=True)


def test_function_like_attribute_macros_are_blanked_with_their_arguments() -> None:
    source = (
        b"#define PRAGMA_IMPL(x) _Pragma(#x)\n"
        b"#define PRAGMA_GCC(x) PRAGMA_IMPL(GCC x)\n"
        b"#define VISIBLE(value) __attribute__((visibility(value)))\n"
        b"PRAGMA_GCC(push_options)\n"
        b'VISIBLE(\n  "default") int f(void);\n'
    )
    found = MacroTable().with_file(source)
    assert found["PRAGMA_GCC"] == Macro("", statement=False, arguments=True)
    applied = apply(source, found).splitlines()
    assert applied[3].strip() == b""
    assert applied[4].strip() == b""
    assert applied[5].strip() == b"int f(void);"


def test_a_defaulted_template_parameter_macro_becomes_a_parameter() -> None:
    source = (
        b"#define ENABLE_IF(...)\n"
        b"#define ENABLE_IF(...) std::enable_if_t<(__VA_ARGS__), int> = 0\n"
        b"template <typename T,\n          ENABLE_IF(std::is_integral<T>::value &&\n"
        b"                    sizeof(T) > 1)>\n"
        b"int twice(T x) { return x * 2; }\n"
    )
    found = MacroTable().with_file(source)
    assert found["ENABLE_IF"] == Macro("int = 0", statement=False, arguments=True)
    applied = apply(source, found).splitlines()
    assert [line.strip() for line in applied[2:6]] == [
        b"template <typename T,",
        b"int = 0",
        b">",
        b"int twice(T x) { return x * 2; }",
    ]


def test_statement_head_macros_become_if_statements() -> None:
    source = (
        b"#define TRY try\n#define TRY if (true)\n"
        b"#define CATCH(x) catch (x)\n#define CATCH(x) if (false)\n"
        b"void f() {\n  TRY { flush(); }\n  CATCH(...) { report(); }\n}\n"
    )
    found = MacroTable().with_file(source)
    assert found["TRY"] == Macro("if (1)", statement=False)
    assert found["CATCH"] == Macro("if (0)", statement=False, arguments=True)
    applied = apply(source, found).splitlines()
    assert [line.strip() for line in applied[5:7]] == [
        b"if (1) { flush(); }",
        b"if (0)      { report(); }",
    ]


CONDITION_MACROS = b"""#if __cplusplus >= 201703L
#define IF_CONSTEXPR if constexpr
#define IF_NOT_CONSTEVAL if !consteval
#else
#define IF_CONSTEXPR if
#define IF_NOT_CONSTEVAL if (true)
#endif

namespace num {
struct wide {
  wide& add(unsigned long n) {
    IF_CONSTEXPR(sizeof(n) > 8) {
      return slow(n);
    }
    IF_NOT_CONSTEVAL { return fast(n); }
    return slow(n);
  }
  wide& slow(unsigned long n);
  wide& fast(unsigned long n);
};
struct narrow {
  int get() const { return 0; }
};
}  // namespace num
"""


def test_condition_keyword_macros_become_if_and_keep_the_namespace() -> None:
    """dragonbox's ``JKJ_IF_CONSTEXPR(x) {`` writes its condition after the use; read as a
    call followed by a block, it closed the namespace early (``narrow``, not ``num::narrow``)."""
    found = MacroTable().with_file(CONDITION_MACROS)
    assert found["IF_CONSTEXPR"] == Macro("if", statement=False)
    assert found["IF_NOT_CONSTEVAL"] == Macro("if (1)", statement=False)
    parsed = CppSupport().parse("num.hpp", CONDITION_MACROS, "num.hpp")
    assert [(d.qualified_name, d.start_line, d.end_line) for d in parsed.definitions] == [
        ("num::wide", 10, 20),
        ("num::wide::add", 11, 17),
        ("num::narrow", 21, 23),
        ("num::narrow::get", 22, 22),
    ]
    assert not parsed.warnings


def test_a_vendor_noexcept_spelling_is_an_attribute() -> None:
    """yaml-cpp's ``YAML_CPP_NOEXCEPT`` is MSVC's ``_NOEXCEPT`` or ``noexcept``: blanked, so
    ``X::~X() YAML_CPP_NOEXCEPT = default;`` is a definition."""
    found = table(
        "#if defined(_MSC_VER)\n#define CPP_NOEXCEPT _NOEXCEPT\n#else\n"
        "#define CPP_NOEXCEPT noexcept\n#endif\n"
    )
    assert found["CPP_NOEXCEPT"] == Macro("", statement=False)


def test_values_types_and_expressions_are_not_macros_that_change_the_parse() -> None:
    assert table("#define LIMIT 10\n#define word_t int\n#define TWICE(x) ((x) * 2)\n") == {}


def test_namespace_and_brace_macros_are_statements() -> None:
    found = table(
        "#define BEGIN_NS \\\n  namespace lib { \\\n  inline namespace v2 {\n"
        "#define END_NS } }\n"
        '#define BEGIN_C extern "C" {\n'
        "#define ABORT_BEGIN start(); if (protect()) {\n"
        "#define ABORT_END } stop(); /* done */ if (failed) { report(); }\n"
        "#define BALANCED if (x) { y(); }\n"
    )
    assert found["BEGIN_NS"] == Macro("namespace lib { inline namespace v2 {", statement=True)
    assert found["END_NS"] == Macro("} }", statement=True)
    assert found["BEGIN_C"] == Macro('extern "C" {', statement=True)
    assert found["ABORT_BEGIN"] == Macro(";{", statement=True)
    assert found["ABORT_END"] == Macro("};", statement=True)
    assert "BALANCED" not in found


def test_apply_keeps_lines_and_preprocessor_directives() -> None:
    source = (
        b"#ifndef API\n#define API\n#endif\n"
        b"BEGIN_NS\n"
        b"API int f(void);  // API\n"
        b"int g() { return BEGIN_NS_USED; }\n"
        b"x = BEGIN_NS + 1;\n"
        b"END_NS  // closes\n"
    )
    macros = {
        "API": Macro("", statement=False),
        "BEGIN_NS": Macro("namespace a {", statement=True),
        "END_NS": Macro("}", statement=True),
    }
    applied = apply(source, macros)
    assert applied.splitlines() == [
        b"#ifndef API",
        b"#define API",
        b"#endif",
        b"namespace a {",
        b"    int f(void);  //    ",
        b"int g() { return BEGIN_NS_USED; }",
        b"x = BEGIN_NS + 1;",
        b"}       // closes",
    ]
    assert apply(b"int plain;\n", macros) == b"int plain;\n"


def test_versioned_namespace_macros_name_definitions(
    fixture_graph: Callable[[str], Graph],
) -> None:
    parsed, edges = fixture_graph("cpp_macros")
    base = {
        d.qualified_name: (d.kind, d.start_line, d.end_line)
        for d in parsed["include/fmtlike/base.h"].definitions
    }
    assert base == {
        "fmtlike::detail::buffer": ("Class", 33, 41),
        "fmtlike::detail::buffer::buffer": ("Method", 35, 35),
        "fmtlike::detail::buffer::push_back": ("Method", 36, 36),
        "fmtlike::detail::buffer::grow": ("Method", 37, 37),
        "fmtlike::detail::count_digits": ("Function", 43, 45),
        "fmtlike::format_error": ("Class", 49, 49),
    }
    assert [d.qualified_name for d in parsed["src/format.cc"].definitions] == ["fmtlike::vprint"]
    assert not parsed["include/fmtlike/base.h"].warnings
    assert ("INHERITS", "fmtlike::format_error", "fmtlike::detail::buffer", None) in edges
    calls = {(s, t, r) for k, s, t, r in edges if k == "CALLS"}
    assert calls == {
        ("fmtlike::detail::buffer::push_back", "fmtlike::detail::buffer::grow", "exact"),
        ("fmtlike::detail::count_digits", "fmtlike::detail::count_digits", "exact"),
        ("fmtlike::vprint", "fmtlike::detail::buffer::push_back", "exact"),
        ("fmtlike::vprint", "fmtlike::detail::count_digits", "exact"),
        ("main", "fmtlike::vprint", "exact"),
        # written through the inline namespace: fmtlike::v3::detail::count_digits
        ("main", "fmtlike::detail::count_digits", "exact"),
    }


def test_statement_macros_without_semicolons_keep_the_functions_after_them(
    fixture_graph: Callable[[str], Graph],
) -> None:
    parsed, edges = fixture_graph("c_statement_macros")
    names = {d.qualified_name for d in parsed["test_abort.c"].definitions}
    tests = {n for n in names if n.startswith("test_")}
    assert tests == {
        "test_fails_on_null_name",
        "test_fails_on_empty_name",
        "test_fails_on_carriage_return",
        "test_fails_on_short_length",
        "test_fails_on_zero",
        "test_fails_on_array",
        "test_fails_on_negative",
        "test_fails_on_nested",
        "test_passes",
    }
    assert ("CALLS", "test_fails_on_null_name", "check_name", "exact") in edges
    assert ("CALLS", "test_fails_on_zero", "check_length", "exact") in edges


def test_a_files_own_definition_overrides_the_headers() -> None:
    headers = MacroTable({"BEGIN_EXPORT": Macro("", statement=False)})
    own = headers.with_file(b"#define BEGIN_EXPORT export {\n")
    assert own["BEGIN_EXPORT"] == Macro("export {", statement=True)
    assert headers.macros["BEGIN_EXPORT"] == Macro("", statement=False)


def test_the_repository_table_follows_header_edits(tmp_path: Path) -> None:
    header = tmp_path / "include" / "ns.h"
    header.parent.mkdir()
    header.write_text("#define BEGIN namespace one {\n")
    files = frozenset({"include/ns.h", "src/a.cpp"})
    assert repository_macros(tmp_path, files).macros["BEGIN"].replacement == "namespace one {"
    header.write_text("#define BEGIN namespace other {\n")
    stat = header.stat()
    os.utime(header, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert repository_macros(tmp_path, files).macros["BEGIN"].replacement == "namespace other {"
    assert repository_macros(tmp_path, frozenset({"src/a.cpp"})).macros == {}


def test_macros_that_rename_the_call_in_their_argument_are_rewriting(tmp_path: Path) -> None:
    header = tmp_path / "include" / "os.h"
    header.parent.mkdir()
    header.write_text(
        "#ifdef _WIN32\n#  define FMT_POSIX(call) _##call\n#else\n#  define FMT_POSIX(call) call\n"
        "#endif\n#define FMT_SYSTEM(call) ::call\n#define FMT_POSIX_CALL(call) FMT_SYSTEM(call)\n"
        "#define CHECK(x) x\n#define EXPECT_EQ(a, b) expect((a) == (b))\n#define SCOPE ::ns\n"
    )
    table = repository_macros(tmp_path, frozenset({"include/os.h"}))
    # CHECK and EXPECT_EQ keep the call as written; SCOPE is no function-like macro
    assert table.rewriting == {"FMT_POSIX", "FMT_SYSTEM", "FMT_POSIX_CALL"}
    assert rewriting({"PASTE": [(True, "a ## b ## c")]}) == {"PASTE"}


@pytest.mark.parametrize("source", [b"", b"#define\n", b"#define X \\\n", b"#define X(a"])
def test_malformed_definitions_never_raise(source: bytes) -> None:
    assert isinstance(MacroTable().with_file(source), dict)


def test_an_include_guard_around_the_whole_file_is_blanked() -> None:
    guarded = b"// cart\n#ifndef CART_H\n#define CART_H\nint x;\n#ifdef B\nint y;\n#endif\n#endif\n"
    assert unguard(guarded).splitlines() == [
        b"// cart",
        b"              ",
        b"              ",
        b"int x;",
        b"#ifdef B",
        b"int y;",
        b"#endif",
        b"      ",
    ]
    partial = b"#ifndef A_H\n#define A_H\nint x;\n#endif\n#ifdef Z\nint z;\n#endif\n"
    assert unguard(partial) == partial
    assert unguard(b"#ifndef FEATURE\nint x;\n#endif\n") == b"#ifndef FEATURE\nint x;\n#endif\n"


def test_comments_before_the_first_directive_are_read_once() -> None:
    """Leading comments are skipped without backtracking: each comment that could also end at
    a later comment's end doubled the guesses, so redis's module.c (a run of comments, then
    #include) never finished; forty comments were a trillion guesses."""
    source = b"".join(b"/* note %d */\n" % i for i in range(40)) + b"#include <x.h>\nint f(void);\n"
    assert unguard(source) is source
    guarded = b"/* a */ /* b */\n#ifndef A_H\n#define A_H\nint x;\n#endif\n"
    assert b"A_H" not in unguard(guarded)


def test_conditions_become_plain_and_groups_inside_declarations_are_read_in_line() -> None:
    source = (
        b"#if HAS_INCLUDE(<quadmath.h>) && \\\n    defined(X)\nint a;\n#elif B\nint b;\n#endif\n"
        b"template <typename It,\n          int N>\n#if defined(__clang__)\n"
        b'__attribute__((no_sanitize("undefined")))\n#endif\nauto reserve(It it) -> It {}\n'
    )
    assert [line.rstrip() for line in plain_conditions(source).splitlines()] == [
        b"#if 1",
        b"",
        b"int a;",
        b"#elif 1",
        b"int b;",
        b"#endif",
        b"template <typename It,",
        b"          int N>",
        b"",
        b'__attribute__((no_sanitize("undefined")))',
        b"",
        b"auto reserve(It it) -> It {}",
    ]
    assert plain_conditions(b"int x;\n#ifdef A\nint y;\n#endif\n") == (
        b"int x;\n#ifdef A\nint y;\n#endif\n"
    )
