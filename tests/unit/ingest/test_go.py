"""Go: package-based module names, types as classes, interfaces, embedding, imports, calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest.go import GoSupport, go_package_path, in_default_build, type_name
from graphmem.ingest.language import ParsedFile, RepoIndex, RepoLayout

FIXTURE = Path(__file__).parents[2] / "fixtures" / "go_app"
SUPPORT = GoSupport()
PKG = "example.com/shop"

Graph = tuple[dict[str, ParsedFile], set[tuple[str, str, str, str, str | None]]]


def ingest(root: Path) -> Graph:
    """Parse and resolve every Go file: edges as (type, source path, source qname, target, res)."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    layout = RepoLayout(root, frozenset(files))
    parsed = {
        path: SUPPORT.parse(path, (root / path).read_bytes(), SUPPORT.module_name(path, layout))
        for path in files
        if path.endswith(".go")
    }
    resolver = SUPPORT.resolver(RepoIndex.from_files(list(parsed.values())))
    edges = set()
    for file in parsed.values():
        for edge in resolver.resolve(file):
            target = (
                edge.target.path if edge.type.value == "IMPORTS" else edge.target.qualified_name
            )
            edges.add(
                (
                    edge.type.value,
                    edge.source.path,
                    edge.source.qualified_name,
                    target,
                    edge.resolution,
                )
            )
    return parsed, edges


@pytest.fixture(scope="module")
def graph() -> Graph:
    return ingest(FIXTURE)


def test_package_paths_come_from_go_mod(tmp_path: Path) -> None:
    layout = RepoLayout(FIXTURE, frozenset({"go.mod", "store/store.go", "cmd/app/main.go"}))
    assert go_package_path("store/store.go", layout) == f"{PKG}/store"
    assert go_package_path("cmd/app/main.go", layout) == f"{PKG}/cmd/app"
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "go.mod").write_text('module "example.org/svc" // quoted\n')
    nested = RepoLayout(tmp_path, frozenset({"svc/go.mod", "svc/x.go", "tools/gen.go", "m.go"}))
    assert go_package_path("svc/x.go", nested) == "example.org/svc"
    assert go_package_path("tools/gen.go", nested) == "tools"  # no go.mod above it
    assert go_package_path("m.go", nested) == "main"


def test_type_names() -> None:
    assert type_name("*db.Conn") == "db.Conn"
    assert type_name("Store[T]") == "Store"
    assert type_name("[]Store") is None
    assert type_name("map[string]int") is None


def test_definitions(graph: Graph) -> None:
    parsed, _ = graph
    store = {
        d.qualified_name: (d.kind, d.parent, d.start_line, d.end_line)
        for d in parsed["store/store.go"].definitions
    }
    assert store == {
        f"{PKG}/store.Store": ("Class", f"{PKG}/store", 9, 13),
        f"{PKG}/store.Saver": ("Interface", f"{PKG}/store", 15, 17),
        f"{PKG}/store.Saver.Save": ("Method", f"{PKG}/store.Saver", 16, 16),
        f"{PKG}/store.New": ("Function", f"{PKG}/store", 19, 24),
        f"{PKG}/store.Store.Save": ("Method", f"{PKG}/store.Store", 26, 30),
    }
    helpers = {d.qualified_name: (d.kind, d.parent) for d in parsed["store/helpers.go"].definitions}
    assert helpers == {
        # the receiver type lives in another file: the module contains the method
        f"{PKG}/store.Store.Name": ("Method", f"{PKG}/store"),
        f"{PKG}/store.label": ("Function", f"{PKG}/store"),
    }
    assert parsed["store/store.go"].definitions[0].bases == ["Base", "db.Conn"]
    assert parsed["store/store.go"].module == parsed["store/helpers.go"].module == f"{PKG}/store"


def test_imports_point_at_every_file_of_the_package(graph: Graph) -> None:
    _, edges = graph
    assert {(e[1], e[3]) for e in edges if e[0] == "IMPORTS"} == {
        ("store/store.go", "internal/db/db.go"),
        ("cmd/app/main.go", "internal/db/db.go"),
        ("cmd/app/main.go", "store/base.go"),
        ("cmd/app/main.go", "store/helpers.go"),
        ("cmd/app/main.go", "store/store.go"),
    }


def test_embedding_is_inheritance(graph: Graph) -> None:
    _, edges = graph
    assert {(e[2], e[3]) for e in edges if e[0] == "INHERITS"} == {
        (f"{PKG}/store.Store", f"{PKG}/store.Base"),
        (f"{PKG}/store.Store", f"{PKG}/internal/db.Conn"),
    }


def test_calls(graph: Graph) -> None:
    _, edges = graph
    assert {(e[2], e[3], e[4]) for e in edges if e[0] == "CALLS"} == {
        (f"{PKG}/internal/db.Conn.Exec", f"{PKG}/internal/db.Conn.check", "exact"),
        (f"{PKG}/store.New", f"{PKG}/internal/db.Open", "exact"),
        # a composite literal's type is certain; Touch is promoted from the embedded Base
        (f"{PKG}/store.New", f"{PKG}/store.Base.Touch", "exact"),
        (f"{PKG}/store.Store.Save", f"{PKG}/store.Base.Touch", "exact"),
        (f"{PKG}/store.Store.Save", f"{PKG}/internal/db.Conn.Exec", "exact"),
        # same package, another file
        (f"{PKG}/store.Store.Name", f"{PKG}/store.label", "exact"),
        (f"{PKG}/cmd/app.main", f"{PKG}/store.New", "exact"),
        # s is what New is declared to return: with no subclasses in Go, certain
        (f"{PKG}/cmd/app.main", f"{PKG}/store.Store.Save", "exact"),
        (f"{PKG}/cmd/app.main", f"{PKG}/internal/db.Open", "exact"),  # an aliased import
        (f"{PKG}/cmd/app.main", f"{PKG}/internal/db.Conn.Exec", "exact"),  # var c *dbx.Conn
        (f"{PKG}/cmd/app.main", f"{PKG}/cmd/app.run", "exact"),
        # saver is a store.Saver: its method for certain, what implements it as a guess
        (f"{PKG}/cmd/app.run", f"{PKG}/store.Saver.Save", "exact"),
        (f"{PKG}/cmd/app.run", f"{PKG}/store.Store.Save", "heuristic"),
    }


def test_method_sets_implement_interfaces(graph: Graph) -> None:
    _, edges = graph
    assert {(e[2], e[3], e[4]) for e in edges if e[0] == "IMPLEMENTS"} == {
        (f"{PKG}/store.Store", f"{PKG}/store.Saver", "heuristic"),
    }


def test_the_standard_library_is_left_out(graph: Graph) -> None:
    _, edges = graph
    assert not any("fmt" in e[3] for e in edges)


def test_parsed_file_survives_the_cache_round_trip(graph: Graph) -> None:
    parsed, _ = graph
    for file in parsed.values():
        assert ParsedFile.from_json(file.to_json()) == file


def test_syntax_errors_keep_what_parses(tmp_path: Path) -> None:
    (tmp_path / "x.go").write_text("package x\n\nfunc Ok() {}\n\nfunc Bad( {\n")
    parsed, _ = ingest(tmp_path)
    assert parsed["x.go"].warnings
    assert "main.Ok" in {d.qualified_name for d in parsed["x.go"].definitions}


def test_package_level_vars_and_consts_are_variables(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/retry\n")
    (tmp_path / "retry.go").write_text(
        "package retry\n\n"
        "const MaxAttempts = 5\n\n"
        "const (\n\tFirst = iota\n\tSecond\n)\n\n"
        "var std = New()\n\n"
        "var (\n\tx, y int\n\t_ = 3\n)\n\n"
        "func New() *Policy {\n\tvar local = MaxAttempts\n\tconst c = 2\n"
        "\treturn &Policy{n: local + c}\n}\n\n"
        "type Policy struct{ n int }\n"
    )
    parsed, edges = ingest(tmp_path)
    variables = {
        d.qualified_name.rsplit(".", 1)[-1]: (d.start_line, d.end_line)
        for d in parsed["retry.go"].definitions
        if d.kind == "Variable"
    }
    assert variables == {
        "MaxAttempts": (3, 3),
        "First": (6, 6),
        "Second": (7, 7),
        "std": (10, 10),
        "x": (13, 13),
        "y": (13, 13),
    }  # locals, `_` and the function and type are not Variables
    assert not any(e[3].endswith(".MaxAttempts") for e in edges)


SHAPES = """package cli

type Writer struct{}

func (w *Writer) Out() {}

type Flag struct{}

func (f Flag) Name() string { return "" }

type Command struct {
	parent   *Command
	out      *Writer
	children []*Command
	flags    map[string]*Flag
}

func (c *Command) Parent() *Command       { return c.parent }
func (c *Command) Commands() []*Command   { return c.children }
func (c *Command) Child() (*Command, error) { return nil, nil }
func (c *Command) Run()                   {}

func New() *Command { return &Command{} }

func Get[T any](c *Command) T {
	var zero T
	return zero
}

func fields(c *Command) {
	c.parent.out.Out()
	c.Parent().Run()
}

func results() {
	x := New()
	x.Run()
	a, err := x.Child()
	_ = err
	a.Run()
}

func loops(c *Command) {
	for _, child := range c.children {
		child.Run()
	}
	for _, sub := range c.Commands() {
		sub.Parent().Run()
	}
	for name, flag := range c.flags {
		_ = name
		flag.Name()
	}
}

func asserted(v any) {
	c := v.(*Command)
	c.Run()
}

func generic(c *Command) {
	Get[int](c)
	Get[Flag](c)
}

func shadowed(cmd *Command, w *Writer) {
	if cmd != nil {
		cmd, _ := cmd.Child()
		cmd.Parent()
	}
	cmd.Run()
	visit := func(w *Command) {
		w.Commands()
	}
	visit(cmd)
	w.Out()
}
"""


def test_call_shapes_through_fields_results_loops_and_shadowing(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/cli\n")
    (tmp_path / "cli.go").write_text(SHAPES)
    _, edges = ingest(tmp_path)
    local = len("example.com/cli.")
    calls = {(e[2][local:], e[3][local:], e[4]) for e in edges if e[0] == "CALLS"}
    assert calls == {
        # fields by their declared types: certain, as the receiver is
        ("fields", "Writer.Out", "exact"),
        # through a call's declared result: what the compiler binds, exact
        ("fields", "Command.Parent", "exact"),
        ("fields", "Command.Run", "exact"),
        ("results", "New", "exact"),
        ("results", "Command.Run", "exact"),
        ("results", "Command.Child", "exact"),
        # range over a slice field, a method's slice result and a map field
        ("loops", "Command.Commands", "exact"),
        ("loops", "Command.Run", "exact"),
        ("loops", "Command.Parent", "exact"),
        ("loops", "Flag.Name", "exact"),
        ("asserted", "Command.Run", "exact"),  # y.(*T) is a T
        ("generic", "Get", "exact"),  # explicit type arguments
        # a name declared again in an inner block or a closure: each use reads its own one
        ("shadowed", "Command.Child", "exact"),
        ("shadowed", "Command.Parent", "exact"),
        ("shadowed", "Command.Run", "exact"),
        ("shadowed", "Command.Commands", "exact"),
        ("shadowed", "Writer.Out", "exact"),
    }


def test_type_aliases_and_dot_imports(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/app\n")
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "log.go").write_text(
        "package log\n\ntype Logger[T any] struct{}\n\n"
        "func (l *Logger[T]) Info() {}\n\nfunc New() *Logger[int] { return nil }\n"
    )
    (tmp_path / "main.go").write_text(
        'package main\n\nimport . "example.com/app/log"\n\n'
        "type IntLogger = Logger[int]\n\n"
        "func run(l *IntLogger) {\n\tl.Info()\n\tNew()\n}\n"
    )
    _, edges = ingest(tmp_path)
    calls = {(e[2], e[3], e[4]) for e in edges if e[0] == "CALLS"}
    assert calls == {
        ("example.com/app.run", "example.com/app/log.Logger.Info", "exact"),  # through the alias
        ("example.com/app.run", "example.com/app/log.New", "exact"),  # a dot-imported name
    }


INTERFACES = """package shapes

import "example.com/geo/units"

type Namer interface {
	Name() string
}

type Shape interface {
	Namer
	Area() float64
}

type Any interface{}

type Flusher interface {
	Flush() error
}

type Square struct{ side float64 }

func (s *Square) Area() float64 { return s.side * s.side }
func (s *Square) Name() string  { return "square" }

type Labelled struct{ units.Label }

func (l Labelled) Area() float64 { return 0 }

type Point struct{}

func (p Point) Name() string { return "point" }
func (p Point) Flush()        {}

type Wrapper struct{ Shape }

var _ Shape = (*Square)(nil)
var _ units.Printer = Point{}
var _ Namer = &Labelled{}

func Total(shapes []Shape, n Namer) float64 {
	total := 0.0
	for _, s := range shapes {
		total += s.Area()
	}
	n.Name()
	return total
}
"""

UNITS = """package units

type Label struct{ text string }

func (l Label) Name() string { return l.text }

type Printer interface {
	Print()
}
"""


def test_interfaces_embedding_assertions_and_calls_through_them(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/geo\n")
    (tmp_path / "shapes").mkdir()
    (tmp_path / "units").mkdir()
    (tmp_path / "shapes" / "shapes.go").write_text(INTERFACES)
    (tmp_path / "units" / "units.go").write_text(UNITS)
    parsed, edges = ingest(tmp_path)
    kinds = {d.qualified_name: d.kind for d in parsed["shapes/shapes.go"].definitions}
    shapes = "example.com/geo/shapes."
    assert {name[len(shapes) :]: kind for name, kind in kinds.items() if kind != "Method"} == {
        "Namer": "Interface",
        "Shape": "Interface",
        "Any": "Interface",
        "Flusher": "Interface",
        "Square": "Class",
        "Labelled": "Class",
        "Point": "Class",
        "Wrapper": "Class",
        "Total": "Function",
    }
    assert kinds[shapes + "Shape.Area"] == kinds[shapes + "Namer.Name"] == "Method"

    def short(name: str) -> str:
        return name.removeprefix("example.com/geo/")

    found = {(e[0], short(e[2]), short(e[3]), e[4]) for e in edges if e[0] != "IMPORTS"}
    assert {e for e in found if e[0] == "IMPLEMENTS"} == {
        # the assertion proves it; the method set alone would only suggest it
        ("IMPLEMENTS", "shapes.Square", "shapes.Shape", "exact"),
        ("IMPLEMENTS", "shapes.Square", "shapes.Namer", "heuristic"),
        # Name is promoted from the embedded units.Label, Area is its own
        ("IMPLEMENTS", "shapes.Labelled", "shapes.Shape", "heuristic"),
        ("IMPLEMENTS", "shapes.Labelled", "shapes.Namer", "exact"),  # var _ Namer = &Labelled{}
        ("IMPLEMENTS", "shapes.Point", "shapes.Namer", "heuristic"),
        ("IMPLEMENTS", "units.Label", "shapes.Namer", "heuristic"),  # from another package
        # the assertion is the proof even where graphmem sees no Print method
        ("IMPLEMENTS", "shapes.Point", "units.Printer", "exact"),
        # an embedded interface gives a struct its methods
        ("IMPLEMENTS", "shapes.Wrapper", "shapes.Shape", "heuristic"),
        ("IMPLEMENTS", "shapes.Wrapper", "shapes.Namer", "heuristic"),
        # nothing implements the empty interface by a guess, nor Flusher: Point's Flush
        # returns nothing, Flusher's an error
    }
    assert {e for e in found if e[0] == "INHERITS"} == {
        ("INHERITS", "shapes.Shape", "shapes.Namer", None),
        ("INHERITS", "shapes.Labelled", "units.Label", None),
        ("INHERITS", "shapes.Wrapper", "shapes.Shape", None),
    }
    assert {e for e in found if e[0] == "CALLS"} == {
        # an element of []Shape: the interface's method, then each implementation's
        ("CALLS", "shapes.Total", "shapes.Shape.Area", "exact"),
        ("CALLS", "shapes.Total", "shapes.Square.Area", "heuristic"),
        ("CALLS", "shapes.Total", "shapes.Labelled.Area", "heuristic"),
        # Name is declared by Namer: its implementers, promoted methods included
        ("CALLS", "shapes.Total", "shapes.Namer.Name", "exact"),
        ("CALLS", "shapes.Total", "shapes.Square.Name", "heuristic"),
        ("CALLS", "shapes.Total", "shapes.Point.Name", "heuristic"),
        ("CALLS", "shapes.Total", "units.Label.Name", "heuristic"),
    }


def test_a_call_through_an_interface_with_many_implementations_links_only_the_interface(
    tmp_path: Path,
) -> None:
    (tmp_path / "go.mod").write_text("module example.com/jobs\n")
    kinds = "".join(f"type Job{i} struct{{}}\n\nfunc (j Job{i}) Run() {{}}\n\n" for i in range(21))
    (tmp_path / "jobs.go").write_text(
        "package jobs\n\ntype Runner interface {\n\tRun()\n}\n\n"
        + kinds
        + "func start(r Runner) {\n\tr.Run()\n}\n\nfunc once(j Job3) {\n\tj.Run()\n}\n"
    )
    _, edges = ingest(tmp_path)
    calls = {(e[2], e[3], e[4]) for e in edges if e[0] == "CALLS"}
    # 21 guesses would be noise: the interface's method is what is certain
    assert calls == {
        ("example.com/jobs.start", "example.com/jobs.Runner.Run", "exact"),
        ("example.com/jobs.once", "example.com/jobs.Job3.Run", "exact"),
    }
    assert sum(1 for e in edges if e[0] == "IMPLEMENTS") == 21  # each still implements it


def test_what_an_interface_method_returns_is_followed(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/log\n")
    (tmp_path / "log.go").write_text(
        "package log\n\ntype Entry struct{}\n\nfunc (e *Entry) Write() {}\n\n"
        "type Formatter interface {\n\tNewEntry(msg string) *Entry\n}\n\n"
        'func handle(f Formatter) {\n\tentry := f.NewEntry("x")\n\tentry.Write()\n}\n'
    )
    _, edges = ingest(tmp_path)
    assert {(e[2], e[3], e[4]) for e in edges if e[0] == "CALLS"} == {
        ("example.com/log.handle", "example.com/log.Formatter.NewEntry", "exact"),
        ("example.com/log.handle", "example.com/log.Entry.Write", "exact"),  # a declared result
    }


def test_calls_through_package_level_vars_follow_what_they_hold(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """logrus's API is `var std = New()` and 48 calls of `std.X()`: none had an edge."""
    tree = resolve_tree(
        {
            "go.mod": "module example.com/logs\n\ngo 1.22\n",
            "logger.go": (
                "package logs\n\ntype Logger struct{}\n\n"
                "func (l *Logger) Info(msg string) {}\n\nfunc New() *Logger { return &Logger{} }\n"
            ),
            "exported.go": (
                "package logs\n\nvar std = New()\nvar typed *Logger\nvar lit = &Logger{}\n\n"
                "func Info(msg string) {\n\tstd.Info(msg)\n}\n\n"
                "func Typed(msg string) {\n\ttyped.Info(msg)\n}\n\n"
                "func Lit(msg string) {\n\tlit.Info(msg)\n}\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    info = "example.com/logs.Logger.Info"
    assert {
        ("example.com/logs.Info", info, "exact"),  # through New()'s declared result
        ("example.com/logs.Typed", info, "exact"),
        ("example.com/logs.Lit", info, "exact"),
    } <= calls


def test_calls_through_another_packages_vars_follow_what_they_hold(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """gorilla/websocket's clients call `websocket.DefaultDialer.Dial(...)`: no edge."""
    tree = resolve_tree(
        {
            "go.mod": "module example.com/m\n\ngo 1.22\n",
            "lib/lib.go": (
                "package lib\n\ntype Dialer struct{}\n\n"
                "func (d *Dialer) Dial() int { return 1 }\n\n"
                "var DefaultDialer = &Dialer{}\nvar Typed *Dialer\n"
            ),
            "cmd/main.go": (
                'package main\n\nimport "example.com/m/lib"\n\n'
                "func viaVar() int { return lib.DefaultDialer.Dial() }\n\n"
                "func viaTyped() int { return lib.Typed.Dial() }\n"
            ),
        }
    )
    calls = {(s, t, r) for k, s, t, r in tree.edges if k == "CALLS"}
    dial = "example.com/m/lib.Dialer.Dial"
    assert {
        ("example.com/m/cmd.viaVar", dial, "exact"),
        ("example.com/m/cmd.viaTyped", dial, "exact"),
    } <= calls


def calls_of(files: dict[str, str], resolve_tree: Callable[[dict[str, str]], Any]) -> set[Any]:
    """(caller, callee, resolution) of each CALLS edge, names without the module path."""
    tree = resolve_tree({"go.mod": "module example.com/m\n\ngo 1.22\n", **files})
    local = len("example.com/m.")
    return {(s[local:], t[local:], r) for k, s, t, r in tree.edges if k == "CALLS"}


INDEXING = """package m

type Command struct {
	children    []*Command
	middlewares []Middleware
	groups      [][]*Command
	byName      map[string][]*Command
	tree        [2]Commands
}

func (c *Command) Name() string { return "" }

type Middleware struct{}

func (m Middleware) Wrap() {}

type Commands []*Command

func (s Commands) Sort() {}

func (s Commands) Less(i, j int) bool { return s[i].Name() < s[j].Name() }

type byName []*Command

func (s *byName) First() string { return (*s)[0].Name() }

type Errors []error

func (e Errors) Error() string { return e[0].Error() }

func (c *Command) walk(index map[string]*Command) {
	c.middlewares[0].Wrap()
	c.tree[1].Sort()
	c.children[1:][0].Name()
	for _, group := range c.groups {
		for _, child := range group {
			child.Name()
		}
	}
	for _, list := range c.byName {
		list[0].Name()
	}
	if found, ok := index["x"]; ok {
		found.Name()
	}
}
"""


def test_indexing_gives_elements_of_slices_maps_and_named_slice_types(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """gorilla/mux calls `r.middlewares[i].Middleware(h)`, cobra's sorter `s[i].Name()`: the
    index used to be dropped, which missed those and linked gin's `err[i].Error()` to the
    receiver's own Error method."""
    assert calls_of({"m.go": INDEXING}, resolve_tree) == {
        ("Commands.Less", "Command.Name", "exact"),  # an element of a named slice type
        ("byName.First", "Command.Name", "exact"),  # through a pointer to one
        # Errors.Error calls error's Error, no method of the repository: no edge
        ("Command.walk", "Middleware.Wrap", "exact"),
        ("Command.walk", "Commands.Sort", "exact"),  # an element of an array of Commands
        ("Command.walk", "Command.Name", "exact"),  # s[i:j][k], [][]T, map[K][]T, v, ok := m[k]
    }


def test_each_element_form_resolves_on_its_own(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    forms = {
        "slice": "c.children[0].Name()",
        "resliced": "c.children[1:][0].Name()",
        "nested": "for _, g := range c.groups {\n\t\tg[0].Name()\n\t}",
        "map of slices": 'c.byName["x"][0].Name()',
        "comma ok": 'if v, ok := index["x"]; ok {\n\t\tv.Name()\n\t}',
    }
    head = INDEXING.split("func (c *Command) walk")[0]
    for form, body in forms.items():
        source = head + f"func (c *Command) walk(index map[string]*Command) {{\n\t{body}\n}}\n"
        calls = calls_of({"m.go": source}, resolve_tree)
        assert ("Command.walk", "Command.Name", "exact") in calls, form


def test_variadic_parameters_are_slices(resolve_tree: Callable[[dict[str, str]], Any]) -> None:
    """cobra's `AddCommand(cmds ...*Command)` and viper's `NewWithOptions(opts ...Option)`."""
    source = (
        'package m\n\ntype Command struct{}\n\nfunc (c *Command) Name() string { return "" }\n\n'
        "func (c *Command) Add(cmds ...*Command) {\n\tfor _, x := range cmds {\n\t\tx.Name()\n"
        "\t}\n\tcmds[0].Name()\n}\n"
    )
    assert calls_of({"m.go": source}, resolve_tree) == {
        ("Command.Add", "Command.Name", "exact"),
    }


def test_a_type_switch_case_of_one_type_binds_that_type(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    source = """package m

type Unmarshaler interface {
	UnmarshalParam(s string) error
}

type Text struct{}

func (t *Text) UnmarshalParam(s string) error { return nil }

func (t *Text) Reset() {}

func set(v any, t *Text) {
	switch t := v.(type) {
	case Unmarshaler:
		t.UnmarshalParam("x")
	case *Text, nil:
		t.Reset()
	default:
		t.Reset()
	}
	t.Reset()
}
"""
    assert calls_of({"m.go": source}, resolve_tree) == {
        ("set", "Unmarshaler.UnmarshalParam", "exact"),
        ("set", "Text.UnmarshalParam", "heuristic"),  # the interface's implementation
        # in the other cases `t` is v's interface type, not the parameter: only after the
        # switch is the parameter `t` called
        ("set", "Text.Reset", "exact"),
    }


def test_conversions_and_composite_literals_give_values_of_their_type(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """logrus's `SlogLevel(level).Level()`, urfave/cli's `boolValue{}.ToString(v)` and
    `(&cli.Command{}).Run(...)`."""
    files = {
        "lib/lib.go": (
            'package lib\n\ntype Level int\n\nfunc (l Level) Name() string { return "" }\n\n'
            "type Command struct{}\n\nfunc (c *Command) Run() {}\n"
        ),
        "main.go": (
            'package m\n\nimport "example.com/m/lib"\n\n'
            "func main() {\n\t_ = lib.Level(3).Name()\n\t(&lib.Command{}).Run()\n"
            "\tlib.Command{}.Run()\n}\n"
        ),
    }
    assert calls_of(files, resolve_tree) == {
        ("main", "lib.Level.Name", "exact"),
        ("main", "lib.Command.Run", "exact"),
    }


def test_type_parameters_are_read_as_their_constraints(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """urfave/cli's `var vc VC; vc.Create(...)` in a method of `ArgumentBase[T, C, VC
    ValueCreator[T, C]]` calls ValueCreator's Create, as go/types says."""
    source = """package m

type Creator[T any] interface {
	Create(v T) T
}

type Stringer interface {
	String() string
}

type T struct{}

func (t T) String() string { return "" }

type Arg[T any, VC Creator[T]] struct {
	value T
	vc    VC
}

func (a *Arg[T, VC]) Parse() {
	var vc VC
	vc.Create(a.value)
	a.value.String()
}

func Join[S Stringer](items ...S) {
	items[0].String()
}

func Any[T any](x T) {
	x.String()
}

func New[X any]() X {
	var x X
	return x
}

func use() {
	New[T]().String()
}
"""
    calls = calls_of({"m.go": source}, resolve_tree)
    assert {c for c in calls if c[2] == "exact"} == {
        ("Arg.Parse", "Creator.Create", "exact"),
        ("Join", "Stringer.String", "exact"),
        # `a.value` is a type parameter T (not the type T), `x` in Any too, and what New[T]()
        # returns is its type argument: none of them is followed
        ("use", "New", "exact"),
    }


def test_bindings_are_in_force_from_where_they_are_declared_on_their_line(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """`if rf, ok := f.(RequiredFlag); ok && rf.IsRequired()`, `for p := c; p != nil; p =
    p.Parent()` and a closure parameter shadowing the receiver on the line of the call
    (`r.Get("/", func(w http.ResponseWriter, r *http.Request) {...})`) were read by line."""
    source = """package m

type Required interface {
	IsRequired() bool
}

type Request struct{}

func (r *Request) Host() string { return "" }

type Router struct{}

func (r *Router) Get(path string, h func(r *Request)) {}

func (r *Router) Parent() *Router { return nil }

func (r *Router) Child() (*Request, error) { return nil, nil }

func (r *Router) routes(f any) {
	if rf, ok := f.(Required); ok && rf.IsRequired() {
	}
	for p := r; p != nil; p = p.Parent() {
	}
	r.Get("/", func(r *Request) { r.Host() })
}

func (r *Router) shadowed() {
	r, _ := r.Child()
	r.Host()
}
"""
    assert calls_of({"m.go": source}, resolve_tree) == {
        ("Router.routes", "Required.IsRequired", "exact"),
        ("Router.routes", "Router.Parent", "exact"),
        ("Router.routes", "Router.Get", "exact"),  # the receiver: the parameter comes after it
        ("Router.routes", "Request.Host", "exact"),  # the closure's parameter
        ("Router.shadowed", "Router.Child", "exact"),  # the right side reads the receiver
        ("Router.shadowed", "Request.Host", "exact"),
    }


def test_the_default_build_picks_among_files_declaring_the_same_name(tmp_path: Path) -> None:
    """gin declares `validate` in binding.go (`//go:build !nomsgpack`) and again in
    binding_nomsgpack.go (`//go:build nomsgpack`); logrus splits its terminal check by OS."""
    files = {
        "go.mod": "module example.com/m\n",
        "a.go": "//go:build !nomsgpack\n\npackage m\n\nfunc validate() {}\n",
        "a_nomsgpack.go": "//go:build nomsgpack\n\npackage m\n\nfunc validate() {}\n",
        "t_unix.go": "// +build linux,!appengine darwin\n\npackage m\n\nfunc isTerm() {}\n",
        "t_windows.go": "//go:build windows\n\npackage m\n\nfunc isTerm() {}\n",
        "t_appengine.go": "//go:build appengine\n\npackage m\n\nfunc isTerm() {}\n",
        "main.go": "package m\n\nfunc run() {\n\tvalidate()\n\tisTerm()\n}\n",
    }
    for path, text in files.items():
        (tmp_path / path).write_text(text)
    parsed, _ = ingest(tmp_path)
    resolver = SUPPORT.resolver(RepoIndex.from_files(list(parsed.values())))
    calls = {
        (edge.target.path, edge.target.qualified_name, edge.resolution)
        for edge in resolver.resolve(parsed["main.go"])
        if edge.type.value == "CALLS"
    }
    assert calls == {
        ("a.go", "example.com/m.validate", "exact"),  # what `go build` compiles
        # which of these a build compiles depends on the platform: both, heuristic
        ("t_unix.go", "example.com/m.isTerm", "heuristic"),
        ("t_windows.go", "example.com/m.isTerm", "heuristic"),
    }


@pytest.mark.parametrize(
    ("header", "built"),
    [
        ("package m\n", True),
        ("//go:build !nomsgpack\n\npackage m\n", True),
        ("//go:build nomsgpack\n\npackage m\n", False),
        ("//go:build go1.18 && !appengine\n\npackage m\n", True),
        ("//go:build linux && !tinygo\n\npackage m\n", None),
        ("//go:build (linux || windows) && sonic\n\npackage m\n", False),
        ("//go:build linux || !sonic\n\npackage m\n", True),
        ("// +build appengine gopherjs\n\npackage m\n", False),
        ("// +build !js,!appengine\n\npackage m\n", None),
        ("//go:build (linux\n\npackage m\n", None),  # unparsable: not decided
    ],
)
def test_which_files_the_default_build_compiles(header: str, built: bool | None) -> None:
    parsed = SUPPORT.parse("x.go", header.encode(), "example.com/m")
    assert in_default_build(parsed) is built


def test_a_call_through_a_variable_holding_a_function_is_heuristic(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """urfave/cli's `var ShowCommandHelp = DefaultShowCommandHelp`, which users replace: its
    calls were exact edges to the default, which go/types does not give (a function value)."""
    source = (
        'package m\n\ntype Command struct{}\n\nfunc (c *Command) Name() string { return "" }\n\n'
        "func DefaultHelp(c *Command) *Command { return c }\n\nvar ShowHelp = DefaultHelp\n\n"
        "func run(c *Command) {\n\tShowHelp(c)\n\tshow := DefaultHelp\n\tshow(c).Name()\n}\n"
    )
    assert calls_of({"m.go": source}, resolve_tree) == {
        ("run", "DefaultHelp", "heuristic"),
        ("run", "Command.Name", "exact"),  # the variable's type is the function's
    }


def test_slice_and_map_literals_make_and_inline_assertions_are_followed(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """zap's `var _levelToColor = map[Level]color.Color{...}` ranged over, and
    `f.Interface.(ObjectMarshaler).MarshalLogObject(enc)`."""
    source = """package m

type Color struct{}

func (c Color) Add(s string) string { return s }

type Marshaler interface {
	Marshal() error
}

type Field struct {
	Value any
}

var colors = map[string]Color{"red": {}}

func paint(f Field) {
	for _, c := range colors {
		c.Add("x")
	}
	made := make([]*Color, 0, 4)
	made[0].Add("y")
	listed := []Color{{}}
	listed[0].Add("z")
	_ = f.Value.(Marshaler).Marshal()
}
"""
    assert calls_of({"m.go": source}, resolve_tree) == {
        ("paint", "Color.Add", "exact"),
        ("paint", "Marshaler.Marshal", "exact"),
    }
    for line in ("c.Add", "made[0].Add", "listed[0].Add"):  # each of them on its own
        alone = "\n".join(
            text
            for text in source.splitlines()
            if not any(other in text for other in ("c.Add", "made[0]", "listed[0]")) or line in text
        )
        assert ("paint", "Color.Add", "exact") in calls_of({"m.go": alone}, resolve_tree), line


def test_an_external_test_package_does_not_name_the_package(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """BurntSushi/toml's bench_test.go (`package toml_test`) sorts before decode.go: every
    `toml.Decode(...)` from its commands was unresolved, as if the package were `toml_test`."""
    files = {
        "lib/a_test.go": "package lib_test\n\nfunc helper() {}\n",
        "lib/lib.go": "package lib\n\nfunc Decode() {}\n",
        "cmd/main.go": (
            'package main\n\nimport "example.com/m/lib"\n\nfunc main() {\n\tlib.Decode()\n}\n'
        ),
    }
    assert calls_of(files, resolve_tree) == {("cmd.main", "lib.Decode", "exact")}


STORAGE = """package storage

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
)

type File interface {
	io.Closer
	Name() string
}

type Fs interface {
	Open(name string) (File, error)
}

// A method of the interface's name and shape whose result is another package's File.
type HTTPFs struct{}

func (HTTPFs) Open(name string) (http.File, error) { return nil, nil }

type MemFs struct{}

func (MemFs) Open(name string) (File, error) { return nil, nil }

type memFile struct{}

func (memFile) Name() string  { return "" }
func (memFile) Close() error  { return nil }

// Close alone: not a File, which asks for io.Closer's Close and for Name.
type closer struct{}

func (closer) Close() error { return nil }

// Asks for methods of a type from outside the repository that graphmem does not know.
type Remote interface {
	fmt.State
	Name() string
}

type Queryer interface {
	Query(query string, args ...any) (*sql.Rows, error)
}

// *sql.DB gives DB its methods, Query among them.
type DB struct {
	*sql.DB
}

type Reason interface {
	error
	Code() int
}

type failure struct{}

func (failure) Error() string { return "" }
func (failure) Code() int     { return 1 }
"""


def test_implements_compares_types_and_knows_standard_method_sets(tmp_path: Path) -> None:
    """afero's `HttpFs.Open` returns an `http.File`, its `Fs.Open` a `File`: no IMPLEMENTS.
    An interface embedding `io.Closer` or `error` asks for their methods; one embedding a
    type nothing here knows is implemented by no guess; a struct embedding `*sql.DB` (sqlx)
    has its methods."""
    (tmp_path / "go.mod").write_text("module example.com/store\n")
    (tmp_path / "storage").mkdir()
    (tmp_path / "storage" / "storage.go").write_text(STORAGE)
    _, edges = ingest(tmp_path)
    implements = {
        (e[2].rsplit(".", 1)[-1], e[3].rsplit(".", 1)[-1]) for e in edges if e[0] == "IMPLEMENTS"
    }
    assert implements == {
        ("MemFs", "Fs"),
        ("memFile", "File"),
        ("DB", "Queryer"),
        ("failure", "Reason"),
    }
