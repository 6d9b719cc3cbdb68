"""JavaScript: module names, definitions, imports (ESM and CommonJS), inheritance and calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphmem.ingest.ecmascript import ecmascript_module_name
from graphmem.ingest.language import ParsedFile

Graph = tuple[dict[str, ParsedFile], set[tuple[str, str, str, str | None]]]


@pytest.fixture(scope="module")
def graph(fixture_graph: Callable[[str], Graph]) -> Graph:
    return fixture_graph("js_app")


def of_type(edges: set[tuple[str, str, str, str | None]], kind: str) -> set[tuple[str | None, ...]]:
    """Edges of one type without it; CALLS keep their resolution."""
    return {e[1:] if kind == "CALLS" else e[1:3] for e in edges if e[0] == kind}


@pytest.mark.parametrize(
    ("path", "module"),
    [
        ("src/app.js", "src/app"),
        ("src/models/index.js", "src/models"),
        ("index.js", "index"),
        ("src/cli.cjs", "src/cli"),
        ("src/foo.test.js", "src/foo.test"),
        ("types/api.d.ts", "types/api"),
    ],
)
def test_module_names(path: str, module: str) -> None:
    assert ecmascript_module_name(path) == module


def test_definitions_with_kinds_and_lines(graph: Graph) -> None:
    parsed, _ = graph
    user = {
        d.qualified_name: (d.kind, d.start_line, d.end_line)
        for d in parsed["src/models/user.js"].definitions
    }
    assert user == {
        "src/models/user.User": ("Class", 4, 18),
        "src/models/user.User.constructor": ("Method", 5, 8),
        "src/models/user.User.greet": ("Method", 10, 12),
        "src/models/user.User.rename": ("Method", 14, 17),
    }
    strings = {d.qualified_name: d.kind for d in parsed["src/util/strings.js"].definitions}
    assert strings == {"src/util/strings.format": "Function", "src/util/strings.shout": "Function"}
    assert [d.qualified_name for d in parsed["src/app.js"].definitions] == ["src/app.main"]
    assert parsed["src/models/user.js"].exports == ["User", "default"]
    assert parsed["src/models/user.js"].definitions[0].bases == ["Model"]


def test_imports_resolve_to_repository_files(graph: Graph) -> None:
    _, edges = graph
    assert of_type(edges, "IMPORTS") == {
        ("src/models/user", "src/models/base"),
        ("src/models/user", "src/util/strings"),
        ("src/models", "src/models/user"),  # export ... from
        ("src/models", "src/models/base"),  # export * from
        ("src/app", "src/models"),  # a directory import finds index.js
        ("src/app", "src/models/user"),
        ("src/app", "src/util/strings"),
        ("src/app", "src/lazy"),  # dynamic import with a literal
        ("src/cli", "src/util/strings"),  # require
    }


def test_inheritance(graph: Graph) -> None:
    _, edges = graph
    assert of_type(edges, "INHERITS") == {("src/models/user.User", "src/models/base.Model")}


def test_calls(graph: Graph) -> None:
    _, edges = graph
    assert of_type(edges, "CALLS") == {
        # this.m() in the class itself, and through extends
        ("src/models/base.Model.save", "src/models/base.Model.validate", "exact"),
        ("src/models/user.User.rename", "src/models/base.Model.save", "exact"),
        # super(...) runs the base class's constructor
        ("src/models/user.User.constructor", "src/models/base.Model", "exact"),
        # a named import of a CommonJS module.exports object
        ("src/models/user.User.greet", "src/util/strings.format", "exact"),
        ("src/util/strings.shout", "src/util/strings.format", "exact"),
        # new through a re-exporting index, and through a default import
        ("src/app.main", "src/models/user.User", "exact"),
        # a variable holding `new User()`: User's method
        ("src/app.main", "src/models/user.User.greet", "exact"),
        # a method of a new instance: `new Person("bob").rename(...)`
        ("src/app.main", "src/models/user.User.rename", "exact"),
        ("src/app.main", "src/util/strings.shout", "exact"),
        # destructured require with a rename, and a required namespace
        ("src/cli.run", "src/util/strings.shout", "exact"),
        ("src/cli.run", "src/util/strings.format", "exact"),
    }


def test_unknown_receivers_and_module_level_calls_are_left_out(graph: Graph) -> None:
    _, edges = graph
    targets = {e[2] for e in edges if e[0] == "CALLS"}
    assert not any("render" in t or "querySelector" in t for t in targets)
    assert not any(e[1] == "src/app" for e in edges if e[0] == "CALLS")  # main() at top level


def test_commonjs_default_export_is_followed(resolve_tree: Any) -> None:
    edges = resolve_tree(
        {
            "lib/greeter.js": "class Greeter {\n  hi() {}\n}\nmodule.exports = Greeter;\n",
            "main.js": "const Greeter = require('./lib/greeter');\n"
            "function start() {\n  return new Greeter();\n}\n",
        }
    ).edges
    assert ("CALLS", "main.start", "lib/greeter.Greeter", "exact") in edges


def test_syntax_errors_keep_what_parses(resolve_tree: Any) -> None:
    parsed = resolve_tree({"broken.js": "function ok() {}\nfunction bad( {\n"}).parsed
    file = parsed["broken.js"]
    assert file.warnings and "syntax errors" in file.warnings[0]
    assert "broken.ok" in {d.qualified_name for d in file.definitions}


def test_parsed_file_survives_the_cache_round_trip(graph: Graph) -> None:
    parsed, _ = graph
    for file in parsed.values():
        assert ParsedFile.from_json(file.to_json()) == file


def test_object_exports_jsdoc_types_and_call_results(resolve_tree: Any) -> None:
    edges = resolve_tree(
        {
            "lib/utils.js": (
                "function forEach(items, fn) {}\n"
                "const merge = (a, b) => a;\n"
                "export default { forEach, assign: merge };\n"
            ),
            "lib/schemas.js": "export function string() {}\n",
            "lib/z.js": (
                "import * as schemas from './schemas.js';\nexport const z = { ...schemas };\n"
            ),
            "lib/option.js": "export class Option {\n  name() {}\n}\n",
            "lib/command.js": (
                "import utils from './utils.js';\n"
                "import { z } from './z.js';\n"
                "/**\n"
                " * @typedef { import('./option.js').Option } Option\n"
                " */\n"
                "export class Command {\n"
                "  /**\n   * @param {Option} option\n   * @returns {Command}\n   */\n\n"
                "  addOption(option) {\n"
                "    option.name();\n"
                "    utils.forEach([], null);\n"
                "    utils.assign({}, {});\n"
                "    z.string();\n"
                "    return this;\n"
                "  }\n"
                "  /** @returns {Command} */\n"
                "  create() {\n    return new Command();\n  }\n"
                "  run() {\n"
                "    const cmd = this.create();\n"
                "    cmd.addOption(null);\n"
                "    this.create().run();\n"
                "    cmd?.create();\n"
                "  }\n"
                "}\n"
            ),
        }
    ).edges
    calls = {(s, t, r) for k, s, t, r in edges if k == "CALLS"}
    assert calls == {
        # a JSDoc-typed parameter, its type from a typedef import: as declared, exact
        ("lib/command.Command.addOption", "lib/option.Option.name", "exact"),
        # keys of an exported object literal, and of the namespace it spreads
        ("lib/command.Command.addOption", "lib/utils.forEach", "exact"),
        ("lib/command.Command.addOption", "lib/utils.merge", "exact"),
        ("lib/command.Command.addOption", "lib/schemas.string", "exact"),
        # this.m() is exact, and so is a call through what a method's JSDoc says it returns
        ("lib/command.Command.run", "lib/command.Command.create", "exact"),
        ("lib/command.Command.run", "lib/command.Command.addOption", "exact"),
        ("lib/command.Command.run", "lib/command.Command.run", "exact"),
        ("lib/command.Command.create", "lib/command.Command", "exact"),
    }


def test_parameters_and_locals_shadow_outer_names(resolve_tree: Any) -> None:
    edges = resolve_tree(
        {
            "app.js": (
                "function render() {}\n"
                "function format() {}\n"
                "export function draw(render) {\n  render();\n}\n"
                "export function paint(items) {\n"
                "  const format = items.pick();\n  format();\n"
                "  {\n    const { render } = items;\n    render();\n  }\n"
                "}\n"
                "export function show() {\n  render();\n}\n"
            ),
        }
    ).edges
    calls = {(s, t) for k, s, t, _ in edges if k == "CALLS"}
    assert calls == {("app.show", "app.render")}  # nothing from draw or paint


def test_a_test_blocks_calls_reach_the_code_it_tests(resolve_tree: Any) -> None:
    """Jest/Mocha/ava blocks at module level are Functions named by their titles: without them
    every call a test makes counted for nobody, and review listed no test to run."""
    tree = resolve_tree(
        {
            "src/retry.js": "export function delay(n) {\n  return n * 2;\n}\n",
            "test/retry.test.js": (
                "import { delay } from '../src/retry.js';\n"
                "describe('retry.delay', () => {\n"
                "  it('doubles', () => {\n    expect(delay(1)).toBe(2);\n  });\n"
                "});\n"
                "test.each([[1, 2]])('maps %i', (a, b) => {\n  delay(a);\n});\n"
                "beforeEach(() => {\n  delay(0);\n});\n"
            ),
        }
    )
    names = {d.name for d in tree.parsed["test/retry.test.js"].definitions}
    assert names == {'describe("retry delay")', 'test("maps %i")', "beforeEach"}
    assert tree.of("CALLS") >= {
        ('test/retry.test.describe("retry delay")', "src/retry.delay"),
        ('test/retry.test.test("maps %i")', "src/retry.delay"),
        ("test/retry.test.beforeEach", "src/retry.delay"),
    }


def test_a_callbacks_locals_are_not_module_variables(resolve_tree: Any) -> None:
    """axios: `export default supported && function httpAdapter(config) {...}` is the whole
    adapter; its locals, and those of callbacks and object methods, are not the module's."""
    tree = resolve_tree(
        {
            "http.js": (
                "const LIMIT = 5;\n"
                "export default supported && function httpAdapter(config) {\n"
                "  const protocol = 'http';\n"
                "  return send(protocol);\n"
                "};\n"
                "function send(p) {\n  return p;\n}\n"
                "export const cookies = {\n  write(name) {\n    const cookie = [name];\n  },\n};\n"
                "setTimeout(() => {\n  const later = 1;\n}, 10);\n"
            ),
            "main.js": "import adapter from './http.js';\nfunction go() {\n  adapter();\n}\n",
        }
    )
    definitions = {(d.kind, d.name) for d in tree.parsed["http.js"].definitions}
    assert definitions == {
        ("Variable", "LIMIT"),
        ("Variable", "cookies"),
        ("Function", "httpAdapter"),
        ("Function", "send"),
    }
    assert ("http.httpAdapter", "http.send") in tree.of("CALLS")
    assert ("main.go", "http.httpAdapter") in tree.of("CALLS")


def test_commonjs_classes_keep_their_names_and_their_fields_types(resolve_tree: Any) -> None:
    """winston: `module.exports = class ExceptionHandler {}` was named `default`; a field set
    in the constructor (`this.handlers = new Map()`-style) gives `this.x.m()` its class."""
    tree = resolve_tree(
        {
            "lib/store.js": "module.exports = class Store {\n  save() {}\n};\n",
            "lib/handler.js": (
                "const Store = require('./store');\n"
                "class Handler {\n"
                "  constructor() {\n    this.store = new Store();\n  }\n"
                "  handle() {\n    this.store.save();\n  }\n"
                "}\n"
                "module.exports = Handler;\n"
            ),
            "lib/cached.js": (
                "const Store = require('./store');\n"
                "class Cached extends Store {\n  keep() {\n    this.save();\n  }\n}\n"
            ),
        }
    )
    assert "lib/store.Store" in {d.qualified_name for d in tree.parsed["lib/store.js"].definitions}
    calls = {(s, t) for k, s, t, _ in tree.edges if k == "CALLS"}
    assert ("lib/handler.Handler.constructor", "lib/store.Store") in calls
    assert ("lib/handler.Handler.handle", "lib/store.Store.save") in calls
    assert ("lib/cached.Cached", "lib/store.Store") in tree.of("INHERITS")
    assert ("lib/cached.Cached.keep", "lib/store.Store.save") in calls  # through extends


def test_functions_set_on_members_at_module_level_are_definitions(resolve_tree: Any) -> None:
    """Express writes its API as `res.cookie = function () {}` and `View.prototype.lookup =
    function lookup() {}`: none was an entity, and the calls inside counted for nobody."""
    tree = resolve_tree(
        {
            "lib/utils.js": "exports.normalize = function (t) {\n  return t;\n};\n",
            "lib/response.js": (
                "var normalize = require('./utils').normalize;\n"
                "var res = Object.create(null);\n"
                "res.type = function contentType(t) {\n  return normalize(t);\n};\n"
                "res.send = function send(body) {\n  this.type('html');\n};\n"
                "module.exports = res;\n"
            ),
            "lib/view.js": (
                "function View(name) {\n  this.name = name;\n}\n"
                "View.prototype.lookup = function lookup(name) {\n"
                "  return this.resolve(name);\n};\n"
                "View.prototype.resolve = function resolve(name) {\n  return name;\n};\n"
            ),
        }
    )
    kinds = {(d.kind, d.qualified_name) for f in tree.parsed.values() for d in f.definitions}
    assert {
        ("Function", "lib/response.res.type"),
        ("Function", "lib/response.res.send"),
        ("Method", "lib/view.View.lookup"),
        ("Method", "lib/view.View.resolve"),
    } <= kinds
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert ("lib/response.res.type", "lib/utils.normalize", "exact") in calls
    assert ("lib/response.res.send", "lib/response.res.type", "heuristic") in calls  # this: res
    assert ("lib/view.View.lookup", "lib/view.View.resolve", "exact") in calls


def test_a_function_set_on_a_member_is_called_through_its_owner(resolve_tree: Any) -> None:
    """axios's `AxiosError.from = (error, code) => {...}`: the function was an entity, but no
    call `AxiosError.from(...)` reached it, in its file or in another."""
    edges = resolve_tree(
        {
            "lib/E.js": (
                "function E(message) {\n  this.message = message;\n}\n\n"
                "E.from = (error) => new E(error.message);\n\n"
                "export function sameFile(x) {\n  return E.from(x);\n}\n\nexport default E;\n"
            ),
            "lib/a.js": (
                "import E from './E.js';\n\nconst obj = {};\n"
                "obj.helper = function (x) { return x; };\n\n"
                "export function plain(x) {\n  return obj.helper(E.from(x));\n}\n"
            ),
        }
    ).of("CALLS")
    assert {
        ("lib/E.sameFile", "lib/E.E.from"),
        ("lib/a.plain", "lib/E.E.from"),
        ("lib/a.plain", "lib/a.obj.helper"),
    } <= set(edges)


def test_elements_of_arrays_declared_in_jsdoc(resolve_tree: Any) -> None:
    """commander's `this.options.filter((option) => option.attributeName())`: the field is
    declared `@type {Option[]}`, a method `@returns {Command[]}`; a callback of an array method
    and a `for...of` loop get its elements."""
    tree = resolve_tree(
        {
            "lib/option.js": (
                "class Option {\n  name() {}\n  is(arg) {}\n}\nexports.Option = Option;\n"
            ),
            "lib/command.js": (
                "const { Option } = require('./option.js');\n"
                "function init() {}\n"
                "class Command {\n"
                "  constructor() {\n"
                "    /** @type {Option[]} */\n"
                "    this.options = [];\n"
                "  }\n"
                "  /** @returns {Command[]} */\n"
                "  ancestors() { return [this]; }\n"
                "  hasName() {}\n"
                "  find(arg) {\n"
                "    return this.options.find((option) => option.is(arg));\n"
                "  }\n"
                "  names() {\n"
                "    for (const option of this.options) {\n      option.name();\n    }\n"
                "    this.ancestors().forEach((cmd) => cmd.hasName());\n"
                "  }\n"
                "  merge(items) {\n"
                "    for (const init of items) {\n      this.find(init);\n    }\n"
                "    init();\n"
                "  }\n"
                "}\n"
                "exports.Command = Command;\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert {
        ("lib/command.Command.find", "lib/option.Option.is", "exact"),
        ("lib/command.Command.names", "lib/option.Option.name", "exact"),
        # through what a method says it returns
        ("lib/command.Command.names", "lib/command.Command.hasName", "exact"),
        # an element of an array nothing declares hides no outer name
        ("lib/command.Command.merge", "lib/command.init", "exact"),
    } <= calls


def test_a_destructured_parameter_shadows_outer_names(resolve_tree: Any) -> None:
    """`function draw({ render, format: fmt = format })`: the names the pattern declares are
    what the caller passes, not the module's functions of those names."""
    edges = resolve_tree(
        {
            "app.js": (
                "function render() {}\n"
                "function format() {}\n"
                "export function draw({ render, format: fmt = format }, [first]) {\n"
                "  render();\n  fmt();\n  first();\n"
                "}\n"
                "export function show() {\n  render();\n}\n"
            ),
        }
    ).edges
    calls = {(s, t) for k, s, t, _ in edges if k == "CALLS"}
    assert calls == {("app.show", "app.render")}


def test_returns_of_new_and_of_this_type_the_call_and_a_commonjs_class_has_statics(
    resolve_tree: Any,
) -> None:
    """fastify: `Reply.prototype.code = function () { ...; return this }`, so
    `this.code(302).send()` is Reply's `send`; `static from () { return new ContentType() }`
    through `const ContentType = require('./content-type')` (`module.exports = ContentType`);
    `new ContentType(x).toString()`. An async function's `return new X()` is a promise, and a
    function that also returns something else returns no one type."""
    tree = resolve_tree(
        {
            "lib/content-type.js": (
                "class ContentType {\n"
                "  static from (header) { return new ContentType(header) }\n"
                "  toString () { return '' }\n"
                "  isEmpty () { return false }\n"
                "}\n"
                "module.exports = ContentType\n"
            ),
            "lib/reply.js": (
                "const ContentType = require('./content-type')\n"
                "function Reply () {}\n"
                "Reply.prototype.code = function (code) {\n"
                "  if (!code) { return this }\n"
                "  return this\n"
                "}\n"
                "Reply.prototype.send = function () {\n"
                "  ContentType.from('a').isEmpty()\n"
                "  new ContentType('b').toString()\n"
                "}\n"
                "Reply.prototype.redirect = function () {\n"
                "  this.code(302).send()\n"
                "  later().isEmpty()\n"
                "  either().toString()\n"
                "}\n"
                "async function later () { return new ContentType('c') }\n"
                "function either (x) { if (x) { return new ContentType('d') } return x }\n"
                "module.exports = { Reply }\n"
            ),
        }
    )
    calls = {(s, t) for k, s, t, r in tree.edges if k == "CALLS" and r == "exact"}
    assert {c for c in calls if c[0].startswith("lib/reply.Reply.")} == {
        ("lib/reply.Reply.send", "lib/content-type.ContentType.from"),
        ("lib/reply.Reply.send", "lib/content-type.ContentType.isEmpty"),
        ("lib/reply.Reply.send", "lib/content-type.ContentType"),
        ("lib/reply.Reply.send", "lib/content-type.ContentType.toString"),
        ("lib/reply.Reply.redirect", "lib/reply.Reply.code"),
        ("lib/reply.Reply.redirect", "lib/reply.Reply.send"),
        ("lib/reply.Reply.redirect", "lib/reply.later"),
        ("lib/reply.Reply.redirect", "lib/reply.either"),
    }
