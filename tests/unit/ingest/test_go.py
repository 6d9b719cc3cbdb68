"""Go: package-based module names, types as classes, interfaces, embedding, imports, calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest.go import GoSupport, go_package_path, type_name
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
