"""C: files as modules, functions and structs, includes resolved in the repository, calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphmem.ingest.c_family import CSupport, is_cpp_header
from graphmem.ingest.c_macros import one_configuration
from graphmem.ingest.language import ParsedFile, RepoIndex

Graph = tuple[dict[str, ParsedFile], set[tuple[str, str, str, str | None]]]
Edge = tuple[str, str, str, str, str | None]


@pytest.fixture(scope="module")
def c_app(fixture_graph: Callable[[str], Graph]) -> Graph:
    return fixture_graph("c_app")


@pytest.fixture(scope="module")
def located(c_app: Graph) -> set[Edge]:
    """Every edge as (type, source path, source name, target path:target name, resolution)."""
    files = list(c_app[0].values())
    resolver = CSupport().resolver(RepoIndex.from_files(files))
    return {
        (
            edge.type.value,
            edge.source.path,
            edge.source.qualified_name,
            f"{edge.target.path}:{edge.target.qualified_name}",
            edge.resolution,
        )
        for parsed in files
        for edge in resolver.resolve(parsed)
    }


def test_a_file_is_a_module_named_by_its_path(c_app: Graph) -> None:
    assert {p.module for p in c_app[0].values()} == {
        "include/kv.h",
        "include/hash.h",
        "src/hash.c",
        "src/kv.c",
        "src/main.c",
    }
    assert {p.language for p in c_app[0].values()} == {"c"}


def test_definitions(c_app: Graph) -> None:
    header = {
        d.qualified_name: (d.kind, d.parent, d.start_line, d.end_line)
        for d in c_app[0]["include/kv.h"].definitions
    }
    assert header == {
        "kv_entry": ("Class", "include/kv.h", 5, 8),  # typedef struct {...} kv_entry
        "kv_store": ("Class", "include/kv.h", 10, 13),
        "kv_status": ("Class", "include/kv.h", 15, 15),  # an enum
    }  # prototypes are declarations, not definitions
    hash_c = {
        d.qualified_name: (d.kind, d.start_line, d.end_line)
        for d in c_app[0]["src/hash.c"].definitions
    }
    assert hash_c == {"mix": ("Function", 3, 5), "hash_string": ("Function", 7, 13)}
    assert c_app[0]["src/hash.c"].extra["static"] == ["mix"]


def test_includes_resolve_to_repository_files(located: set[Edge]) -> None:
    imports = {(s, t) for k, s, _, t, _ in located if k == "IMPORTS"}
    assert imports == {
        ("src/hash.c", "include/hash.h:include/hash.h"),
        ("src/kv.c", "include/hash.h:include/hash.h"),
        ("src/kv.c", "include/kv.h:include/kv.h"),
        ("src/main.c", "include/kv.h:include/kv.h"),
    }  # <stdlib.h> and <stdio.h> are the system's


def test_calls(located: set[Edge]) -> None:
    calls = {(s, n, t, r) for k, s, n, t, r in located if k == "CALLS"}
    main = {(t, r) for s, n, t, r in calls if n == "main"}
    assert main == {
        ("src/kv.c:kv_open", "exact"),  # declared in kv.h, defined once
        ("src/kv.c:kv_put", "exact"),
        ("src/kv.c:kv_get", "exact"),
        ("src/kv.c:kv_close", "exact"),
        ("src/main.c:report", "exact"),  # a static function of the same file
        ("src/hash.c:hash_string", "heuristic"),  # hash.h is not included
    }
    # a static name defined in two files resolves to the caller's own
    assert ("src/hash.c", "hash_string", "src/hash.c:mix", "exact") in calls
    assert ("src/kv.c", "slot", "src/hash.c:hash_string", "exact") in calls
    # `print(text)` calls through a function pointer: left out
    assert not {c for c in calls if c[1] == "report"}
    # library calls (malloc, strdup, puts) are not in the repository
    assert not {c for c in calls if c[1] in ("kv_open", "mix")}


def test_a_static_name_in_several_files_is_heuristic(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "a.c": "static int helper(void) { return 1; }\n",
            "b.c": "static int helper(void) { return 2; }\n",
            "c.c": "int run(void) { return helper(); }\n",
        }
    )
    assert {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"} == {
        ("run", "helper", "heuristic")
    }


def test_headers_using_cpp_are_read_as_cpp() -> None:
    assert is_cpp_header(b"namespace shop {\nclass Cart {};\n}\n")
    assert not is_cpp_header(b"/* class notes */\nstruct cart { int n; };\n")


def test_parsed_file_survives_the_cache_round_trip(c_app: Graph) -> None:
    for parsed in c_app[0].values():
        assert ParsedFile.from_json(parsed.to_json()) == parsed


def test_syntax_errors_keep_what_parses(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {"a.c": "int ok(void) { return 0; }\nint broken( {\n\nint after(void) { return ok(); }\n"}
    )
    parsed = resolved.parsed["a.c"]
    assert parsed.warnings and "syntax errors" in parsed.warnings[0]
    assert ("Function", "ok") in resolved.definitions()


def test_angle_includes_of_repository_headers_resolve_on_the_include_path(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "hiredis.h": "int redis_connect(void);\n",
            "adapters/ae.h": "#include <hiredis.h>\nint ae_attach(void);\n",
            "examples/example.c": (
                "#include <stdio.h>\n#include <hiredis.h>\n#include <adapters/ae.h>\n"
                "int main(void) { return redis_connect() + ae_attach(); }\n"
            ),
            "examples/local.h": "int local(void);\n",
            "examples/other.c": "#include <local.h>\nint other(void) { return 0; }\n",
            "hiredis.c": "int redis_connect(void) { return 0; }\n",
            "ae.c": "int ae_attach(void) { return 1; }\n",
        }
    )
    assert resolved.of("IMPORTS") == {
        ("examples/example.c", "hiredis.h"),
        ("examples/example.c", "adapters/ae.h"),
        ("adapters/ae.h", "hiredis.h"),
    }  # <local.h> is not next to the includer on the include path: not the repository's
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {("main", "redis_connect", "exact"), ("main", "ae_attach", "exact")}


def test_static_functions_of_included_files_are_exact(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    resolved = resolve_tree(
        {
            "sds.h": "static inline int sdslen(const char *s) { return s[0]; }\n",
            "dict.c": "static int dict_find(int key) { return key; }\n",
            "async.c": (
                '#include "sds.h"\n#include "dict.c"\n'
                "int run(const char *s) { return sdslen(s) + dict_find(1); }\n"
            ),
            "other.c": "static int dict_find(int key) { return -key; }\n",
        }
    )
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {("run", "sdslen", "exact"), ("run", "dict_find", "exact")}


def test_braces_split_across_conditionals_hide_no_later_function(
    fixture_graph: Callable[[str], Graph],
) -> None:
    parsed, edges = fixture_graph("c_conditional_braces")
    printer = {
        d.qualified_name: (d.start_line, d.end_line) for d in parsed["printer.c"].definitions
    }
    # print_number's if/else opens in one #ifdef WITH_EXACT and closes in the next: read as
    # both branches, its braces never close and it swallowed every function after it
    assert printer == {
        "emit": (4, 4),
        "print_number": (6, 28),
        "print_wide": (31, 31),  # a balanced #ifdef/#else keeps both branches
        "print_narrow": (33, 33),
        "print_all": (36, 41),
        "print_done": (43, 43),
    }
    calls = {(s, t, r) for k, s, t, r in edges if k == "CALLS"}
    assert {("print_number", "emit", "exact"), ("print_all", "print_narrow", "exact")} <= calls
    # a head in each branch of a group (`#ifdef _WIN32 int wide_main(void) { #else int
    # main(void) { #endif`): the first is read as the configuration, the other kept with it
    heads = {d.qualified_name: (d.start_line, d.end_line) for d in parsed["main.c"].definitions}
    assert heads == {"wide_main": (4, 10), "main": (6, 10)}
    for head in heads:
        assert {(head, "print_all", "exact"), (head, "print_done", "exact")} <= calls


def test_one_configuration_keeps_the_first_branch_of_unbalanced_groups() -> None:
    source = (
        b"#ifdef A\nif (x) {\n#else\nif (y) {\n#endif\n  f();\n}\n"
        b"#ifdef B\nint g(void) { return '}'; } /* } */\n"
        b'#else\nint h(void) { return "{"[0]; }\n#endif\n'
    )
    made = one_configuration(source)
    assert made.count(b"\n") == source.count(b"\n") and len(made) == len(source)
    lines = [line.strip() for line in made.split(b"\n")]
    assert lines[:7] == [b"", b"if (x) {", b"", b"", b"", b"f();", b"}"]
    assert made.split(b"\n")[7:] == source.split(b"\n")[7:]  # balanced: both branches kept


def test_a_statement_split_by_a_conditional_hides_no_function(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    # zlib's _tr_flush_block: `#ifndef FORCE_STATIC / if (..) / #endif` is a balanced group
    # whose statement ends after the #endif; with the unbalanced group after it, the
    # function was one syntax error and left the graph
    flush = (
        "static int helper(int x) { return x + 1; }\n"
        "int flush_block(int a, int b) {\n    if (a > 0) {\n        b = helper(a);\n"
        "#ifndef FORCE_STATIC\n        if (b <= a)\n#endif\n            a = b;\n    }\n"
        "#ifdef FORCE_STORED\n    if (b) {\n#else\n    if (a + b > 4) {\n#endif\n"
        "        a = helper(b);\n    }\n    return helper(a + b);\n}\n"
        "int after(void) { return flush_block(1, 2); }\n"
    )
    # zlib's zip.c: a word tree-sitter does not know (ZEXPORT) before each later function
    # is one small error each, fewer lines lost than the function the whole file's parse
    # swallowed
    exported = flush.replace("helper", "helper2").replace("flush_block", "flush_two") + (
        "int ZEXPORT second(void) { return flush_two(1, 2); }\n"
        "int ZEXPORT third(void) { return flush_two(2, 1); }\n"
    )
    resolved = resolve_tree({"a.c": flush, "b.c": exported})
    lines = {
        d.qualified_name: (d.start_line, d.end_line)
        for parsed in resolved.parsed.values()
        for d in parsed.definitions
    }
    assert lines["flush_block"] == lines["flush_two"] == (2, 18)
    calls = resolved.of("CALLS")
    assert {("flush_block", "helper"), ("after", "flush_block")} <= calls
    assert {("flush_two", "helper2"), ("second", "flush_two"), ("third", "flush_two")} <= calls


def test_a_branch_read_as_one_configuration_keeps_its_includes_and_calls(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    # `#ifdef / else if (..) {..} / #endif` fits no rule: every group in the body is read as
    # one configuration, and what the other branches include and call is kept (zlib's
    # inflate.c includes inffixed.h in an #else inside a function)
    resolved = resolve_tree(
        {
            "table.h": "int table;\n",
            "pick.c": (
                "int one(void) { return 1; }\nint two(void) { return 2; }\n"
                "int three(void) { return 3; }\n"
                "int pick(int a) {\n    if (a) {\n        a = one();\n    }\n"
                "#ifdef WITH_TWO\n    else if (a > 1) {\n        a = two();\n    }\n#endif\n"
                '#ifdef ONE_ONLY\n    a = one();\n#else\n#   include "table.h"\n'
                "    a = three();\n#endif\n    return a;\n}\n"
                "int after(void) { return pick(1); }\n"
            ),
        }
    )
    parsed = resolved.parsed["pick.c"]
    assert not parsed.warnings
    assert [spec.module for spec in parsed.imports] == ["table.h"]
    assert {("pick", "one"), ("pick", "two"), ("pick", "three"), ("after", "pick")} <= (
        resolved.of("CALLS")
    )


def test_one_configuration_of_every_group_spares_namespaces() -> None:
    source = (
        b'extern "C" {\n#ifdef A\nint f(void);\n#else\nint g(void);\n#endif\n}\n'
        b"int h(int x) {\n#ifdef B\n  x = 1;\n#else\n  x = 2;\n#endif\n  return x;\n}\n"
    )
    assert one_configuration(source) == source  # balanced, every branch complete
    made = one_configuration(source, every=True)
    assert made.split(b"\n")[:7] == source.split(b"\n")[:7]
    assert [line.strip() for line in made.split(b"\n")[8:13]] == [b"", b"x = 1;", b"", b"", b""]
