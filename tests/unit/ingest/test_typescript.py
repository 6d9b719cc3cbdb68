"""TypeScript and TSX: the shared ECMAScript support with TypeScript's grammar and additions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphmem.ingest.language import ParsedFile, language_for

Graph = tuple[dict[str, ParsedFile], set[tuple[str, str, str, str | None]]]


@pytest.fixture(scope="module")
def graph(fixture_graph: Callable[[str], Graph]) -> Graph:
    return fixture_graph("ts_app")


def test_registered_for_typescript_endings() -> None:
    for path in ("a.ts", "b.tsx", "c.d.ts", "d.mts"):
        support = language_for(path)
        assert support is not None and support.name == "typescript"
    js = language_for("e.jsx")
    assert js is not None and js.name == "javascript"


def test_definitions(graph: Graph) -> None:
    parsed, _ = graph
    billing = {
        d.qualified_name: (d.kind, d.start_line, d.end_line)
        for d in parsed["src/services/billing.ts"].definitions
    }
    assert billing == {
        "src/services/billing.BillingService": ("Class", 5, 15),
        "src/services/billing.BillingService.handle": (
            "Method",
            6,
            9,
        ),  # a field holding a function
        "src/services/billing.BillingService.run": ("Method", 11, 14),
    }
    base = {d.qualified_name: d.kind for d in parsed["src/services/base.ts"].definitions}
    assert base == {
        "src/services/base.Service": "Class",  # abstract
        "src/services/base.Service.log": "Method",
        "src/services/base.Service.run": "Method",
    }
    app = parsed["src/ui/App.tsx"]
    assert not app.warnings  # JSX parses with the TSX grammar
    assert [d.qualified_name for d in app.definitions] == ["src/ui/App.App"]
    assert parsed["src/types/index.ts"].module == "src/types"


def test_imports(graph: Graph) -> None:
    _, edges = graph
    assert {e[1:3] for e in edges if e[0] == "IMPORTS"} == {
        ("src/services/billing", "src/services/base"),
        ("src/services/billing", "src/models/invoice"),
        ("src/services/billing", "src/types"),  # the @/ alias for src/
        ("src/main", "src/services/billing"),  # ./billing.js is compiled from billing.ts
        ("src/ui/App", "src/models/invoice"),
    }


def test_inheritance_and_calls(graph: Graph) -> None:
    _, edges = graph
    assert {e[1:3] for e in edges if e[0] == "INHERITS"} == {
        ("src/services/billing.BillingService", "src/services/base.Service")
    }
    assert {e[1:] for e in edges if e[0] == "CALLS"} == {
        ("src/services/billing.BillingService.handle", "src/services/base.Service.log", "exact"),
        # a parameter typed Invoice: its method, as the type checker binds it
        (
            "src/services/billing.BillingService.handle",
            "src/models/invoice.Invoice.total",
            "exact",
        ),
        ("src/services/billing.BillingService.run", "src/models/invoice.Invoice", "exact"),
        (
            "src/services/billing.BillingService.run",
            "src/services/billing.BillingService.handle",
            "exact",
        ),
        ("src/models/invoice.Invoice.total", "src/models/invoice.sum", "exact"),
        ("src/main.main", "src/services/billing.BillingService", "exact"),
        ("src/main.main", "src/services/billing.BillingService.run", "exact"),
        ("src/ui/App.App", "src/models/invoice.sum", "exact"),
        # through the interface Priced: its method, and the class implementing it
        ("src/models/invoice.charge", "src/models/invoice.Priced.total", "exact"),
        ("src/models/invoice.charge", "src/models/invoice.Invoice.total", "heuristic"),
    }
    assert {e[1:] for e in edges if e[0] == "IMPLEMENTS"} == {
        ("src/models/invoice.Invoice", "src/models/invoice.Priced", "exact")
    }


def test_top_level_bindings_that_are_not_functions_are_variables(resolve_tree: Any) -> None:
    parsed = resolve_tree(
        {
            "src/retry.ts": (
                'import { wait } from "./wait";\n'
                'const http = require("./http");\n'
                "export const MAX_ATTEMPTS = 5;\n"
                "const a = 1,\n  b = [a, 2];\n"
                "const cache = new Map();\n"
                "let attempts: number = 0;\n"
                "export const backoff = (n: number) => n * 2;\n"
                "class Policy {\n  static limit = 3;\n}\n"
                "function run() {\n  const local = MAX_ATTEMPTS;\n  return backoff(local);\n}\n"
            ),
            "src/wait.ts": "export function wait() {}\n",
        }
    )
    file = parsed.parsed["src/retry.ts"]
    variables = {d.qualified_name: (d.start_line, d.end_line) for d in file.definitions}
    kinds = {d.qualified_name: d.kind for d in file.definitions}
    assert {q for q, k in kinds.items() if k == "Variable"} == {
        "src/retry.MAX_ATTEMPTS",
        "src/retry.a",
        "src/retry.b",
        "src/retry.attempts",
    }  # imports, require bindings, objects built at load time, functions, classes, locals
    assert variables["src/retry.MAX_ATTEMPTS"] == (3, 3)
    assert variables["src/retry.b"] == (5, 5)  # a declarator of a shared declaration
    assert kinds["src/retry.backoff"] == "Function"
    assert variables["src/retry.attempts"] == (7, 7)
    calls = {(s, t) for k, s, t, _ in parsed.edges if k == "CALLS"}
    assert calls == {("src/retry.run", "src/retry.backoff")}


def test_return_annotations_generic_parameters_and_super(resolve_tree: Any) -> None:
    edges = resolve_tree(
        {
            "src/query.ts": (
                "export class Base {\n  constructor(readonly name: string) {}\n"
                "  close(): void {}\n}\n"
                "export class Query<T> extends Base {\n"
                "  constructor() {\n    super('q');\n  }\n"
                "  where(): Query<T> {\n    return this;\n  }\n"
                "  run(): T[] {\n    return [];\n  }\n"
                "}\n"
                "export function query<T>(): Query<T> {\n  return new Query<T>();\n}\n"
            ),
            "src/repo.ts": (
                "import { query, Query } from './query';\n"
                "function run() {}\n"
                "export function find<T>(q: Query<T>, run: () => void) {\n"
                "  q.where().close();\n"
                "  const found = query<T>();\n"
                "  found?.run();\n"
                "  run();\n"
                "}\n"
            ),
        }
    ).edges
    calls = {(s, t, r) for k, s, t, r in edges if k == "CALLS"}
    assert calls == {
        ("src/query.Query.constructor", "src/query.Base", "exact"),  # super(...)
        ("src/query.query", "src/query.Query", "exact"),
        ("src/repo.find", "src/query.Query.where", "exact"),  # q: Query<T>
        ("src/repo.find", "src/query.Base.close", "exact"),  # where(): Query<T>
        ("src/repo.find", "src/query.query", "exact"),
        ("src/repo.find", "src/query.Query.run", "exact"),  # optional chaining
    }  # the parameter `run` shadows the module's run()


def test_interfaces_implements_and_calls_through_an_interface(resolve_tree: Any) -> None:
    resolved = resolve_tree(
        {
            "src/store.ts": (
                "export interface Named {\n  name(): string;\n}\n"
                "export interface Store<T> extends Named {\n"
                "  get(key: string): T | undefined;\n"
                "  options: { flush(): void };\n"
                "  put?(key: string, value: T): void;\n"
                "}\n"
            ),
            "src/memory.ts": (
                "import { Store, Named } from './store';\n"
                "export class MemoryStore<T> implements Store<T> {\n"
                "  name() { return 'memory'; }\n"
                "  get(key: string) { return undefined; }\n"
                "}\n"
                "class Base {\n  name() { return 'base'; }\n}\n"
                "export class Label extends Base implements Named, Iterable<string> {}\n"
            ),
            "src/use.ts": (
                "import type { Store } from './store';\n"
                "import { MemoryStore } from './memory';\n"
                "export function read(store: Store<number>) {\n"
                "  store.get('a');\n"
                "  store.name();\n"
                "}\n"
                "export function direct(m: MemoryStore<number>) {\n  m.get('b');\n}\n"
            ),
        }
    )
    kinds = {
        d.qualified_name: (d.kind, d.parent, d.start_line, d.end_line)
        for d in resolved.parsed["src/store.ts"].definitions
    }
    assert kinds == {
        "src/store.Named": ("Interface", "src/store", 1, 3),
        "src/store.Named.name": ("Method", "src/store.Named", 2, 2),
        "src/store.Store": ("Interface", "src/store", 4, 8),
        "src/store.Store.get": ("Method", "src/store.Store", 5, 5),
        "src/store.Store.put": ("Method", "src/store.Store", 7, 7),
    }  # a method of an object type inside the interface is not the interface's
    edges = {e for e in resolved.edges if e[0] in ("INHERITS", "IMPLEMENTS", "CALLS")}
    assert edges == {
        ("INHERITS", "src/store.Store", "src/store.Named", None),
        ("INHERITS", "src/memory.Label", "src/memory.Base", None),
        # `implements` is the type checker's word: exact (Iterable is not the repository's)
        ("IMPLEMENTS", "src/memory.MemoryStore", "src/store.Store", "exact"),
        ("IMPLEMENTS", "src/memory.Label", "src/store.Named", "exact"),
        # the interface's method is certain; what implements it may run
        ("CALLS", "src/use.read", "src/store.Store.get", "exact"),
        ("CALLS", "src/use.read", "src/memory.MemoryStore.get", "heuristic"),
        # name() is Named's: Store extends it, so MemoryStore implements it too
        ("CALLS", "src/use.read", "src/store.Named.name", "exact"),
        ("CALLS", "src/use.read", "src/memory.MemoryStore.name", "heuristic"),
        ("CALLS", "src/use.read", "src/memory.Base.name", "heuristic"),  # Label's, inherited
        ("CALLS", "src/use.direct", "src/memory.MemoryStore.get", "exact"),  # declared
    }


def test_calls_through_a_classs_fields_follow_their_types(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """tsyringe's container calls its registry through `this._registry`: a field set to
    `new Registry()`, declared `: Registry`, or a constructor's `private` parameter."""
    tree = resolve_tree(
        {
            "src/reg.ts": "export class Reg {\n  get(k: string) {}\n  put(k: string) {}\n"
            "  has(k: string) {}\n  all() {}\n}\n",
            "src/main.ts": (
                "import { Reg } from './reg';\n"
                "export class Svc {\n"
                "  private made = new Reg();\n"
                "  private typed: Reg;\n"
                "  constructor(private given: Reg, plain: Reg) {\n"
                "    this.typed = given;\n    this.later = new Reg();\n  }\n"
                "  a() { this.made.get('x'); }\n"
                "  b() { this.typed.put('x'); }\n"
                "  c() { this.given.has('x'); }\n"
                "  d() { this.later.all(); }\n"
                "  e() { this.plain.get('x'); }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert {
        ("src/main.Svc.a", "src/reg.Reg.get", "exact"),
        ("src/main.Svc.b", "src/reg.Reg.put", "exact"),
        ("src/main.Svc.c", "src/reg.Reg.has", "exact"),
        ("src/main.Svc.d", "src/reg.Reg.all", "exact"),
    } <= calls
    assert not any(s == "src/main.Svc.e" for s, _, _ in calls)  # `plain` is no field


def test_elements_of_arrays_declared_in_annotations(resolve_tree: Any) -> None:
    """`Option[]`, `readonly Option[]` and `Array<Option>` are arrays of Option: array methods'
    callbacks and `for...of` loops get Options; a callback's own annotation is its own."""
    tree = resolve_tree(
        {
            "src/option.ts": "export class Option {\n  name() {}\n}\n"
            "export class Other {\n  name() {}\n}\n",
            "src/command.ts": (
                "import { Option, Other } from './option';\n"
                "export class Command {\n"
                "  options: readonly Option[] = [];\n"
                "  list(): Array<Option> { return []; }\n"
                "  a(given: Option[]) {\n    given.forEach((o) => o.name());\n  }\n"
                "  b() {\n    for (const o of this.list()) {\n      o.name();\n    }\n  }\n"
                "  c() {\n    this.options.map((o: Other) => o.name());\n  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert ("src/command.Command.a", "src/option.Option.name", "exact") in calls
    assert ("src/command.Command.b", "src/option.Option.name", "exact") in calls
    assert ("src/command.Command.c", "src/option.Other.name", "exact") in calls
    assert ("src/command.Command.c", "src/option.Option.name", "exact") not in calls


def test_names_destructured_from_a_followed_value_hold_its_members(resolve_tree: Any) -> None:
    """got's `const {options} = this; options.getInternalHeaders()`, and a renamed key; a
    name destructured from what is not followed hides the outer name it shadows."""
    tree = resolve_tree(
        {
            "src/options.ts": "export default class Options {\n  headers() {}\n  merge() {}\n}\n",
            "src/request.ts": (
                "import Options from './options';\n"
                "function merge() {}\n"
                "export class Request {\n"
                "  options: Options;\n"
                "  a() {\n    const {options} = this;\n    options.headers();\n  }\n"
                "  b(other: Request) {\n    const {options: theirs} = other;\n"
                "    theirs.merge();\n  }\n"
                "  c(input: any) {\n    const {merge} = input;\n    merge();\n  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert ("src/request.Request.a", "src/options.Options.headers", "exact") in calls
    assert ("src/request.Request.b", "src/options.Options.merge", "exact") in calls
    assert not any(s == "src/request.Request.c" for s, _, _ in calls)


def test_a_type_or_undefined_is_that_type_and_reduce_gets_elements(resolve_tree: Any) -> None:
    """commander's `@return {Command | undefined}` (here its TypeScript spelling) and
    `this.ancestors().reduce((all, cmd) => ..., {})`: the element is reduce's second
    parameter."""
    tree = resolve_tree(
        {
            "src/command.ts": (
                "export class Command {\n"
                "  find(name: string): Command | undefined { return undefined; }\n"
                "  ancestors(): Command[] { return [this]; }\n"
                "  opts() { return {}; }\n"
                "  parse() {}\n"
                "  label() { return ''; }\n"
                "  run(name: string, given: Command | null) {\n"
                "    const sub = this.find(name);\n    sub.parse();\n    given.opts();\n"
                "    return this.ancestors().reduce((all, cmd) => cmd.label(), {});\n"
                "  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert ("src/command.Command.run", "src/command.Command.parse", "exact") in calls
    assert ("src/command.Command.run", "src/command.Command.opts", "exact") in calls  # given
    assert ("src/command.Command.run", "src/command.Command.label", "exact") in calls


def test_a_member_named_like_in_progress_is_no_syntax_error(resolve_tree: Any) -> None:
    """task-orchestrator-mcp's `ProgressSummary` has `in_progress_tasks: number` on its own
    line: tree-sitter's scanner read the `in` as the operator, and the error swallowed the
    class after it."""
    parsed = resolve_tree(
        {
            "src/progress.ts": (
                "export interface ProgressSummary {\n"
                "  completed_tasks: number\n"
                "  in_progress_tasks: number\n"
                "  in2: string\n"
                "}\n"
                "export class Tracker {\n"
                "  in_progress(): number {\n    return 1\n  }\n"
                "  total(): number {\n    return this.in_progress()\n  }\n"
                "}\n"
            ),
        }
    )
    file = parsed.parsed["src/progress.ts"]
    assert file.warnings == []
    names = {d.qualified_name for d in file.definitions}
    assert {"src/progress.Tracker.in_progress", "src/progress.Tracker.total"} <= names
    calls = {(s, t) for k, s, t, _ in parsed.edges if k == "CALLS"}
    assert ("src/progress.Tracker.total", "src/progress.Tracker.in_progress") in calls


def test_a_default_built_when_none_is_given_holds_that_class(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    tree = resolve_tree(
        {
            "src/store.ts": "export class Store {\n  get(k: string) {}\n}\n",
            "src/main.ts": (
                "import { Store } from './store';\n"
                "export function given(opts: any) {\n"
                "  const store = opts.store ?? new Store();\n  store.get('a');\n}\n"
                "export function either(other: any) {\n"
                "  const store = other || new Store();\n  store.get('b');\n}\n"
                "export function both(other: any) {\n"
                "  const store = other && new Store();\n  store.get('c');\n}\n"
            ),
        }
    )
    calls = {(s, t) for k, s, t, _ in tree.edges if k == "CALLS"}
    assert ("src/main.given", "src/store.Store.get") in calls
    assert ("src/main.either", "src/store.Store.get") in calls
    assert not any(s == "src/main.both" and t.endswith(".get") for s, t in calls)


def test_a_method_with_a_computed_key_is_called_through_that_key(resolve_tree: Any) -> None:
    """yargs's `[kReset]() {}` called as `this[kReset]()`: the method is named `[kReset]`; an
    index that is a string or an expression is no such name."""
    tree = resolve_tree(
        {
            "src/yargs.ts": (
                "const kReset = Symbol('reset');\n"
                "const kOther = Symbol('other');\n"
                "export class Yargs {\n"
                "  [kReset]() {}\n"
                "  [kOther]() {}\n"
                "  run(key: string) {\n"
                "    this[kReset]();\n"
                "    this['kOther']();\n"
                "    this[key + 'x']();\n"
                "  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert ("src/yargs.Yargs.run", "src/yargs.Yargs.[kReset]", "exact") in calls
    assert not any(t == "src/yargs.Yargs.[kOther]" for _, t, _ in calls)


def test_a_local_cast_with_as_holds_that_type(resolve_tree: Any) -> None:
    """yargs's `const self = {} as UsageInstance; self.describe()`; `as const` declares no type."""
    tree = resolve_tree(
        {
            "src/usage.ts": (
                "export interface UsageInstance {\n  describe(): void;\n}\n"
                "export class Other {\n  describe() {}\n}\n"
                "export function usage() {\n"
                "  const self = {} as UsageInstance;\n"
                "  self.describe();\n"
                "}\n"
                "export function frozen() {\n"
                "  const other = new Other() as const;\n"
                "  other.describe();\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert ("src/usage.usage", "src/usage.UsageInstance.describe", "exact") in calls
    assert ("src/usage.usage", "src/usage.Other.describe", "exact") not in calls


def test_a_namespace_member_is_called_through_the_namespace(resolve_tree: Any) -> None:
    """zod's `export namespace util { export function assertNever() }`, imported and called as
    `util.assertNever()`; nested (`namespace a.b`), merged and interface members too."""
    tree = resolve_tree(
        {
            "src/helpers/util.ts": (
                "export namespace util {\n"
                "  export function assertNever(x: never): never { throw new Error(); }\n"
                "  export const keys = (o: any) => values(o);\n"
                "  export const values = (o: any) => o;\n"
                "  export namespace inner {\n"
                "    export function deep() {}\n"
                "  }\n"
                "}\n"
                "export namespace util {\n"
                "  export function later() { assertNever(1 as never); }\n"
                "}\n"
                "export namespace a.b {\n"
                "  export class Box { open() {} }\n"
                "}\n"
                "export function assertNever() {}\n"
            ),
            "src/types.ts": (
                'import { util, a } from "./helpers/util";\n'
                "export function parse(box: a.b.Box) {\n"
                "  util.assertNever(1 as never);\n"
                "  util.keys({});\n"
                "  util.inner.deep();\n"
                "  util.missing();\n"
                "  box.open();\n"
                "}\n"
            ),
        }
    )
    names = {d.qualified_name for d in tree.parsed["src/helpers/util.ts"].definitions}
    assert {"src/helpers/util.util.assertNever", "src/helpers/util.a.b.Box.open"} <= names
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert {c for c in calls if c[0] == "src/types.parse"} == {
        ("src/types.parse", "src/helpers/util.util.assertNever", "exact"),
        ("src/types.parse", "src/helpers/util.util.keys", "exact"),
        ("src/types.parse", "src/helpers/util.util.inner.deep", "exact"),
        ("src/types.parse", "src/helpers/util.a.b.Box.open", "exact"),
    }
    assert ("src/helpers/util.util.keys", "src/helpers/util.util.values", "exact") in calls
    # a merged declaration's bare name is the namespace's member, not the module's function
    assert ("src/helpers/util.util.later", "src/helpers/util.util.assertNever", "exact") in calls
    assert not any(t == "src/helpers/util.assertNever" for _, t, _ in calls)
    definitions = tree.parsed["src/helpers/util.ts"].definitions
    assert {d.parent for d in definitions if d.name == "assertNever"} == {"src/helpers/util"}


def test_a_declared_variable_and_an_interface_property_hold_their_types(resolve_tree: Any) -> None:
    """zod's `export const globalRegistry: Registry<Meta> = ...` and `ctx.parent.run()` through
    an interface's `parent: Context | null`; a property without a named type is not followed."""
    tree = resolve_tree(
        {
            "src/registries.ts": (
                "export class Registry<M> {\n  add() {}\n}\n"
                "export const globalRegistry: Registry<number> = (globalThis as any).r!;\n"
            ),
            "src/parse.ts": (
                'import * as registries from "./registries";\n'
                "export class Runner {\n  run() {}\n}\n"
                "export interface Context {\n"
                "  readonly parent: Context | null;\n"
                "  runner: Runner;\n"
                "  other: { run(): void };\n"
                "}\n"
                "export function describe(ctx: Context) {\n"
                "  registries.globalRegistry.add();\n"
                "  ctx.parent!.runner.run();\n"
                "  ctx.other.run();\n"
                "  let later: Runner;\n"
                "  const local: Runner = make();\n"
                "  local.run();\n"
                "}\n"
                "function make(): any { return null; }\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert {c for c in calls if c[0] == "src/parse.describe"} == {
        ("src/parse.describe", "src/registries.Registry.add", "exact"),
        ("src/parse.describe", "src/parse.Runner.run", "exact"),
        ("src/parse.describe", "src/parse.make", "exact"),
    }


def test_a_destructured_typed_parameter_holds_the_members_types(resolve_tree: Any) -> None:
    """ajv's `function serialize({gen, data}: SerializeCxt) { gen.add() }`; an untyped pattern's
    names hide the module's functions of those names."""
    tree = resolve_tree(
        {
            "src/serialize.ts": (
                "export class CodeGen {\n  add() {}\n}\n"
                "interface SerializeCxt {\n  readonly gen: CodeGen;\n  data: string;\n}\n"
                "function gen() {}\n"
                "export function serialize({gen, data: out}: SerializeCxt): void {\n"
                "  gen.add();\n"
                "}\n"
                "export function renamed({gen: g}: SerializeCxt, n: number) {\n"
                "  g.add();\n"
                "}\n"
                "export function untyped({gen}: any) {\n"
                "  gen();\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert calls == {
        ("src/serialize.serialize", "src/serialize.CodeGen.add", "exact"),
        ("src/serialize.renamed", "src/serialize.CodeGen.add", "exact"),
    }


def test_a_function_inside_an_object_literals_method_sees_the_methods_locals(
    resolve_tree: Any,
) -> None:
    """ajv's keywords: `code(cxt: KeywordCxt) { const {gen} = cxt; function loop() { gen.if()
    } }` at module level. The method is no entity, but its parameters and locals are what the
    functions declared in it see; an untyped parameter hides the module's name, and one
    callback's locals are not another's."""
    tree = resolve_tree(
        {
            "src/codegen.ts": "export class CodeGen {\n  if() {}\n  let() {}\n}\n",
            "src/cxt.ts": (
                'import {CodeGen} from "./codegen"\n'
                "export class KeywordCxt {\n  gen: CodeGen\n  error() {}\n}\n"
            ),
            "src/keyword.ts": (
                'import {KeywordCxt} from "./cxt"\n'
                "function gen() {}\n"
                "function out() {}\n"
                "const def = {\n"
                "  code(cxt: KeywordCxt) {\n"
                "    const {gen} = cxt\n"
                "    function loop(): void {\n"
                "      gen.if()\n"
                "      cxt.error()\n"
                "    }\n"
                "    loop()\n"
                "  },\n"
                "  other(out) {\n"
                "    function inner() {\n"
                "      out()\n"
                "      gen()\n"
                "    }\n"
                "  },\n"
                "}\n"
                "register(() => {\n"
                "  const cxt = new KeywordCxt()\n"
                "  function later() {\n"
                "    cxt.error()\n"
                "  }\n"
                "})\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert {c for c in calls if c[0].startswith("src/keyword.")} == {
        ("src/keyword.loop", "src/codegen.CodeGen.if", "exact"),
        ("src/keyword.loop", "src/cxt.KeywordCxt.error", "exact"),
        ("src/keyword.inner", "src/keyword.gen", "exact"),
        ("src/keyword.later", "src/cxt.KeywordCxt.error", "exact"),
    }


def test_elements_by_index_key_and_element_methods_hold_the_declared_element_type(
    resolve_tree: Any,
) -> None:
    """hono's routers: `routers[i].match()` of a `Router[]`, `this.#children[k]` of a
    `Record<string, Node>`, `map.get(k)` of a `Map`, an index signature, `xs.filter(f)`'s
    elements; a field's declared type wins over its initial `[]`."""
    tree = resolve_tree(
        {
            "src/router.ts": (
                "export class Node {\n  build() {}\n}\n"
                "export class Router {\n  add() {}\n  match() {}\n  pop() {}\n}\n"
                "export class Holder {\n"
                "  #children: Record<string, Node> = {}\n"
                "  routers: Router[] = []\n"
                "  byName: Map<string, Router> = new Map()\n"
                "  index: { [key: string]: Node } = {}\n"
                "  first(k: string) {\n"
                "    const child = this.#children[k]\n"
                "    child.build()\n"
                "    this.routers[0].match()\n"
                "  }\n"
                "  second(k: string) {\n"
                "    this.byName.get(k).add()\n"
                "    this.index[k + 1].build()\n"
                "  }\n"
                "  third() {\n"
                "    this.routers.filter((r) => r.add()).forEach((r) => r.pop())\n"
                "    this.routers.pop().match()\n"
                "  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert calls == {
        ("src/router.Holder.first", "src/router.Node.build", "exact"),
        ("src/router.Holder.first", "src/router.Router.match", "exact"),
        ("src/router.Holder.second", "src/router.Router.add", "exact"),
        ("src/router.Holder.second", "src/router.Node.build", "exact"),
        ("src/router.Holder.third", "src/router.Router.add", "exact"),
        ("src/router.Holder.third", "src/router.Router.pop", "exact"),
        ("src/router.Holder.third", "src/router.Router.match", "exact"),
    }


def test_a_getter_holds_what_it_returns_and_a_signatures_parameters_bind_nothing(
    resolve_tree: Any,
) -> None:
    """hono's `c.req.header()` through `get req(): HonoRequest`; calling a getter's value is
    a call of the getter. `onError?: (e: Error, stream: Api) => void` declares no local
    `stream`, so `const stream = new Api()` is the only one."""
    tree = resolve_tree(
        {
            "src/context.ts": (
                "export class HonoRequest {\n  header() {}\n}\n"
                "export class Api {\n  abort() {}\n}\n"
                "export class Context {\n"
                "  get req(): HonoRequest {\n    return new HonoRequest()\n  }\n"
                "  get stringify(): (x: unknown) => string {\n    return String\n  }\n"
                "}\n"
                "export function cors(c: Context) {\n"
                "  c.req.header()\n"
                "  const req = c.req\n"
                "  req.header()\n"
                "  c.stringify(1)\n"
                "}\n"
                "export function stream(onError?: (e: Error, stream: Api) => void) {\n"
                "  const stream = new Api()\n"
                "  stream.abort()\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert calls == {
        ("src/context.Context.req", "src/context.HonoRequest", "exact"),
        ("src/context.cors", "src/context.HonoRequest.header", "exact"),
        ("src/context.cors", "src/context.Context.stringify", "exact"),
        ("src/context.stream", "src/context.Api", "exact"),
        ("src/context.stream", "src/context.Api.abort", "exact"),
    }


def test_a_function_typed_by_a_declared_function_type_takes_its_parameter_types(
    resolve_tree: Any,
) -> None:
    """hono's `export const getConnInfo: GetConnInfo = (c) => c.req.header()` and middleware
    factories `(): MiddlewareHandler => async function (c, next) {...}` (or `return`ed): an
    untyped parameter has the type the function type gives at its position, imported or
    not. A function returned from inside a callback is not the definition's return."""
    tree = resolve_tree(
        {
            "src/context.ts": (
                "export class Context {\n  text() {}\n  json() {}\n  body() {}\n}\n"
                "export type Handler = (c: Context, next: () => void) => Promise<void>\n"
            ),
            "src/mw.ts": (
                'import type { Context, Handler } from "./context"\n'
                "type GetInfo = (c: Context) => string\n"
                "export const info: GetInfo = (c) => c.text()\n"
                "export const mw = (opts?: string): Handler => async function mw(c, next) {\n"
                "  c.json()\n"
                "}\n"
                "export function other(): Handler {\n"
                "  [1].map(() => {\n    return (c) => c.body()\n  })\n"
                "  return async (ctx, next) => {\n    ctx.text()\n  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert calls == {
        ("src/mw.info", "src/context.Context.text", "exact"),
        ("src/mw.mw", "src/context.Context.json", "exact"),
        ("src/mw.other", "src/context.Context.text", "exact"),
    }


def test_an_object_literal_typed_by_an_interface_types_its_methods_parameters(
    resolve_tree: Any,
) -> None:
    """ajv's `const def: CodeKeywordDefinition = { code(cxt) { const {gen} = cxt; function
    loop() { gen.if() } } }`: an untyped parameter of a member of an object literal declared
    (or cast) with an interface has the type the interface's member gives it, whether the
    member is a method signature or a property of a function type; a destructured one too;
    of an intersection (`CodeKeywordDefinition & AddedKeywordDefinition`), the part's that has
    the member."""
    tree = resolve_tree(
        {
            "src/types.ts": (
                "export class Gen {\n  if() {}\n}\n"
                "export class Cxt {\n  gen: Gen\n  ok() {}\n}\n"
                "export interface KeywordDef {\n"
                "  code: (cxt: Cxt, ruleType?: string) => void\n"
                "  macro(cxt: Cxt): void\n"
                "  keyword: string\n"
                "}\n"
            ),
            "src/rule.ts": (
                'import type { KeywordDef } from "./types"\n'
                "const def: KeywordDef = {\n"
                '  keyword: "x",\n'
                "  code(cxt) {\n"
                "    const { gen } = cxt\n"
                "    function loop() {\n      gen.if()\n      cxt.ok()\n    }\n"
                "  },\n"
                "  macro: (c) => {\n    function m() {\n      c.ok()\n    }\n  },\n"
                "}\n"
                "const cast = {\n"
                "  code({ gen }) {\n    function two() {\n      gen.if()\n    }\n  },\n"
                "} as KeywordDef\n"
                "const plain = {\n"
                "  code(cxt) {\n    function three() {\n      cxt.ok()\n    }\n  },\n"
                "}\n"
                "type Added = KeywordDef & { extra: string }\n"
                "const both: KeywordDef & Added = {\n"
                "  code(cxt) {\n    function four() {\n      cxt.ok()\n    }\n  },\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert calls == {
        ("src/rule.loop", "src/types.Gen.if", "exact"),
        ("src/rule.loop", "src/types.Cxt.ok", "exact"),
        ("src/rule.m", "src/types.Cxt.ok", "exact"),
        ("src/rule.two", "src/types.Gen.if", "exact"),
        ("src/rule.four", "src/types.Cxt.ok", "exact"),  # an intersection: the part with `code`
    }


def test_a_type_alias_of_a_type_literal_types_its_members(resolve_tree: Any) -> None:
    """TanStack Query's `type QueryObserverMatch = { observer: QueryObserver }`, returned as
    `Array<QueryObserverMatch>` and then `matches.map((match) => match.observer.getResult())`;
    a parameter or a local of the alias's type reads its members the same way, and a member
    it does not declare calls nothing. `matches.map((m) => m.observer)` is an array of what
    the arrow gives."""
    tree = resolve_tree(
        {
            "src/observer.ts": "export class Observer {\n  getResult() {}\n  destroy() {}\n}\n",
            "src/observers.ts": (
                'import { Observer } from "./observer"\n'
                "type Match = {\n  options: string\n  observer: Observer\n}\n"
                "export class Observers {\n"
                "  find(): Array<Match> {\n    return []\n  }\n"
                "  results() {\n"
                "    return this.find().map((match) => match.observer.getResult())\n"
                "  }\n"
                "  one(match: Match) {\n    match.observer.destroy()\n    match.other.destroy()\n"
                "  }\n"
                "  all() {\n"
                "    const observers = this.find().map((m) => m.observer)\n"
                "    for (const observer of observers) {\n      observer.destroy()\n    }\n"
                "    const names = this.find().map((m) => m.options)\n"
                "    names[0].destroy()\n"
                "  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert calls == {
        ("src/observers.Observers.results", "src/observers.Observers.find", "exact"),
        ("src/observers.Observers.results", "src/observer.Observer.getResult", "exact"),
        ("src/observers.Observers.one", "src/observer.Observer.destroy", "exact"),
        ("src/observers.Observers.all", "src/observers.Observers.find", "exact"),
        ("src/observers.Observers.all", "src/observer.Observer.destroy", "exact"),  # mapped
    }


def test_a_base_class_field_of_a_type_parameter_holds_what_extends_gives(
    resolve_tree: Any,
) -> None:
    """zod's `abstract class ZodType<Output, Def extends ZodTypeDef> { readonly _def!: Def }`
    and `class ZodOptional<T extends ZodTypeAny> extends ZodType<T, ZodOptionalDef<T>>`, whose
    `this._def.innerType._parse()` reaches `ZodType._parse` through `type ZodTypeAny =
    ZodType<any, any>`; a parameter the subclass does not fill in keeps its bound."""
    tree = resolve_tree(
        {
            "src/types.ts": (
                "export interface ZodTypeDef {\n  description?: string\n}\n"
                "export abstract class ZodType<Output = any, Def extends ZodTypeDef = ZodTypeDef>"
                " {\n"
                "  readonly _def!: Def\n"
                "  _parse(input: unknown) {}\n"
                "}\n"
                "export type ZodTypeAny = ZodType<any, any>\n"
                "export interface ZodOptionalDef<T extends ZodTypeAny = ZodTypeAny>"
                " extends ZodTypeDef {\n"
                "  innerType: T\n"
                "}\n"
                "export class ZodOptional<T extends ZodTypeAny>"
                " extends ZodType<T, ZodOptionalDef<T>> {\n"
                "  _parse(input: unknown) {\n    return this._def.innerType._parse(input)\n  }\n"
                "}\n"
                "export class ZodPlain extends ZodType {\n"
                "  check() {\n    this._def.innerType._parse(1)\n  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert ("src/types.ZodOptional._parse", "src/types.ZodType._parse", "exact") in calls
    assert not {c for c in calls if c[0] == "src/types.ZodPlain.check"}


def test_a_member_of_a_returned_type_literal_has_its_declared_type(resolve_tree: Any) -> None:
    """zod's `_processInputParams(): { status: ParseStatus; ctx: Context }`, destructured as
    `const { ctx, status } = this._processInputParams(input); status.dirty()`."""
    tree = resolve_tree(
        {
            "src/types.ts": (
                "export class ParseStatus {\n  dirty() {}\n}\n"
                "export class ZodType {\n"
                "  _processInputParams(input: string): { status: ParseStatus; ctx: any } {\n"
                "    return { status: new ParseStatus(), ctx: input };\n"
                "  }\n"
                "  _parse(input: string) {\n"
                "    const { ctx, status } = this._processInputParams(input);\n"
                "    status.dirty();\n"
                "    ctx.dirty();\n"
                "    this._processInputParams(input).status.dirty();\n"
                "  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert {c for c in calls if c[0] == "src/types.ZodType._parse"} == {
        ("src/types.ZodType._parse", "src/types.ZodType._processInputParams", "exact"),
        ("src/types.ZodType._parse", "src/types.ParseStatus.dirty", "exact"),
    }


def test_instanceof_narrows_a_name_inside_the_branch_it_guards(resolve_tree: Any) -> None:
    """zod's `if (schema instanceof ZodOptional) return schema.unwrap()`: inside the guarded
    branch the checker binds the method of the tested class; outside it nothing is known."""
    tree = resolve_tree(
        {
            "src/types.ts": (
                "export class ZodOptional {\n  unwrap() {}\n}\n"
                "export class ZodNullable {\n  unwrap() {}\n  other() {}\n}\n"
                "export function deepPartial(schema: any) {\n"
                "  if (schema instanceof ZodOptional) {\n"
                "    schema.unwrap();\n"
                "  } else if (schema instanceof ZodNullable) schema.unwrap();\n"
                "  const x = schema instanceof ZodNullable ? schema.other() : null;\n"
                "  schema.unwrap();\n"
                "  if (!(schema instanceof ZodOptional)) schema.unwrap();\n"
                "  schema instanceof ZodNullable || schema.other();\n"
                "}\n"
                "export function guarded(schema: any) {\n"
                "  schema instanceof ZodNullable && schema.other();\n"
                "  schema instanceof ZodOptional || schema.unwrap();\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert calls == {
        ("src/types.deepPartial", "src/types.ZodOptional.unwrap", "exact"),
        ("src/types.deepPartial", "src/types.ZodNullable.unwrap", "exact"),
        ("src/types.deepPartial", "src/types.ZodNullable.other", "exact"),
        ("src/types.guarded", "src/types.ZodNullable.other", "exact"),
    }


def test_a_this_parameter_declares_what_this_is(resolve_tree: Any) -> None:
    """ajv's `function addInitialFormats(this: Ajv) { this.addFormat(); this.logger.warn() }`;
    a function declared inside it has a `this` of its own."""
    tree = resolve_tree(
        {
            "src/core.ts": (
                "export class Logger {\n  warn() {}\n}\n"
                "export class Ajv {\n  logger: Logger;\n  addFormat() {}\n}\n"
                "function addInitialFormats(this: Ajv): void {\n"
                "  this.addFormat();\n"
                "  this.logger.warn();\n"
                "  function inner() {\n    this.addFormat();\n  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    assert calls == {
        ("src/core.addInitialFormats", "src/core.Ajv.addFormat", "exact"),
        ("src/core.addInitialFormats", "src/core.Logger.warn", "exact"),
    }


def test_overloaded_call_signatures_and_variance_parse_without_errors(
    resolve_tree: Any,
) -> None:
    """hono's `interface Get { <K extends A>(key: K): V` then a line `<K extends B>(...)` with
    no separator, zod's `interface Check<in T>` / `<\n  /** c */\n  out O = unknown>`, got's
    `export type * from`, styled-components' `styled.span<{...}>`...``: the grammar would stop
    at them and lose the rest of the file."""
    tree = resolve_tree(
        {
            "src/types.ts": (
                "export type * from './other.js'\n"
                "const Badge = styled.span<{ yellow?: boolean; size: number }>`\n"
                "  padding: ${(p) => p.size}px;\n`\n"
                "interface Get<E> {\n"
                "  <Key extends keyof E>(key: Key): E[Key]\n"
                "  <Key extends string>(key: Key): unknown\n"
                "}\n"
                "export interface Check<in T = never> {\n  run(x: T): void\n}\n"
                "export interface Internals<\n  /** @ts-ignore */\n  out O = unknown,\n"
                "  out I = unknown,\n> {\n  output: O\n}\n"
                "export class Factory {\n  create() {\n    return new Factory()\n  }\n}\n"
                "export function make() {\n  return new Factory().create()\n}\n"
            ),
        }
    )
    assert not tree.parsed["src/types.ts"].warnings
    assert {("Class", "src/types.Factory"), ("Function", "src/types.make")} <= tree.definitions()
    assert ("src/types.make", "src/types.Factory.create") in tree.of("CALLS")


def test_a_type_parameter_stands_for_what_bounds_it(resolve_tree: Any) -> None:
    """`function visit<T extends Node>(n: T)`, a generic class's `item: T` and `get(): T`
    (`class Box<T extends Node>`): `T` is a Node there. An unbounded `T` is nothing known."""
    tree = resolve_tree(
        {
            "src/box.ts": (
                "export class Node {\n  walk() {}\n  visit() {}\n  peek() {}\n}\n"
                "export function visit<T extends Node>(n: T, all: T[]) {\n"
                "  n.visit()\n  all[0].walk()\n}\n"
                "export class Box<T extends Node> {\n"
                "  item: T\n"
                "  get(): T {\n    return this.item\n  }\n"
                "  run(x: T) {\n    this.item.walk()\n    x.visit()\n    this.get().peek()\n  }\n"
                "}\n"
                "export function plain<T>(n: T) {\n  n.walk()\n}\n"
            ),
        }
    )
    calls = {(s, t) for k, s, t, r in tree.edges if k == "CALLS"}
    assert {c for c in calls if not c[0].endswith(".get")} == {
        ("src/box.visit", "src/box.Node.visit"),
        ("src/box.visit", "src/box.Node.walk"),
        ("src/box.Box.run", "src/box.Node.walk"),
        ("src/box.Box.run", "src/box.Node.visit"),
        ("src/box.Box.run", "src/box.Node.peek"),
        ("src/box.Box.run", "src/box.Box.get"),
    }


def test_awaiting_a_promise_gives_its_type_and_a_default_export_instance_is_followed(
    resolve_tree: Any,
) -> None:
    """outline's `const user = await User.findByEmail(e); user.save()` through `Promise<User>`
    (and an async function's `return new User()`), `(await load()).save()`; a promise not
    awaited has no `save`. `export default new Logger()`, imported as `Logger`, is the
    instance: `Logger.info()` is `Logger`'s method."""
    tree = resolve_tree(
        {
            "server/logging/Logger.ts": (
                "class Logger {\n  info(m: string) {}\n}\nexport default new Logger();\n"
            ),
            "server/models/User.ts": (
                'import Logger from "../logging/Logger";\n'
                "export class User {\n"
                "  save() {}\n"
                "  static async findByEmail(e: string): Promise<User> {\n"
                "    return new User()\n  }\n"
                "  static async make() {\n    return new User()\n  }\n"
                "}\n"
                "export async function signIn(e: string) {\n"
                "  const user = await User.findByEmail(e)\n"
                "  user.save()\n"
                "  ;(await User.make()).save()\n"
                "  Logger.info(e)\n"
                "}\n"
                "export function early(e: string) {\n  User.findByEmail(e).save()\n}\n"
            ),
        }
    )
    calls = {(s, t) for k, s, t, r in tree.edges if k == "CALLS" and r == "exact"}
    assert {c for c in calls if c[0] == "server/models/User.signIn"} == {
        ("server/models/User.signIn", "server/models/User.User.findByEmail"),
        ("server/models/User.signIn", "server/models/User.User.make"),
        ("server/models/User.signIn", "server/models/User.User.save"),
        ("server/models/User.signIn", "server/logging/Logger.Logger.info"),
    }
    assert ("server/models/User.early", "server/models/User.User.save") not in calls


def test_an_awaited_generic_call_is_a_call(resolve_tree: Any) -> None:
    """The grammar reads `await this.getData<T>(key)` as a call of `await this.getData`
    (outline's CacheHelper): it is still a call of `getData`, and its result is awaited."""
    tree = resolve_tree(
        {
            "src/cache.ts": (
                "export class Entry {\n  touch() {}\n}\n"
                "export class CacheHelper {\n"
                "  static async getData<T>(key: string): Promise<Entry> {\n"
                "    return new Entry()\n  }\n"
                "  static async populate<T>(key: string) {\n"
                "    const entry = await this.getData<T>(key)\n"
                "    entry.touch()\n"
                "  }\n"
                "}\n"
            ),
        }
    )
    calls = tree.of("CALLS")
    assert ("src/cache.CacheHelper.populate", "src/cache.CacheHelper.getData") in calls
    assert ("src/cache.CacheHelper.populate", "src/cache.Entry.touch") in calls


def test_each_callbacks_typed_parameter_holds_in_its_own_lines(resolve_tree: Any) -> None:
    """outline's ExtensionManager: `.map((extension: Node) => extension.toMarkdown())` and,
    in the same method, `.map((extension: Mark) => extension.toMarkdown())`: each callback's
    `extension` is its own type, not a name the method binds twice."""
    tree = resolve_tree(
        {
            "src/manager.ts": (
                "export class Node {\n  toMarkdown() {}\n}\n"
                "export class Mark {\n  toMarkdown() {}\n}\n"
                "export class Manager {\n"
                "  serializer(nodes: any[], marks: any[]) {\n"
                "    nodes.map((extension: Node) => extension.toMarkdown())\n"
                "    marks.map((extension: Mark) =>\n      extension.toMarkdown()\n    )\n"
                "  }\n"
                "}\n"
            ),
        }
    )
    calls = {(s, t) for k, s, t, r in tree.edges if k == "CALLS" and r == "exact"}
    assert calls == {
        ("src/manager.Manager.serializer", "src/manager.Node.toMarkdown"),
        ("src/manager.Manager.serializer", "src/manager.Mark.toMarkdown"),
    }
