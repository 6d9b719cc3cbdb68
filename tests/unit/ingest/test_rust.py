"""Rust: crate-named module paths, items, impls and traits, use/mod imports and calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest.language import ParsedFile, RepoLayout
from graphmem.ingest.rust import declared_type, rust_module_path, type_path

Graph = tuple[dict[str, ParsedFile], set[tuple[str, str, str, str | None]]]
CORE = "shop_core"


@pytest.fixture(scope="module")
def rust(fixture_graph: Callable[[str], Graph]) -> Graph:
    return fixture_graph("rust_app")


def edges(graph: Graph, kind: str) -> set[tuple[str, str, str | None]]:
    return {(s, t, r) for k, s, t, r in graph[1] if k == kind}


def test_module_paths_come_from_cargo_and_the_tree(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "my-tool"\n')
    files = ["Cargo.toml", "src/main.rs", "src/a.rs", "src/a/mod.rs", "src/a/b.rs"]
    layout = RepoLayout(tmp_path, frozenset([*files, "src/bin/extra.rs", "tests/it.rs"]))
    assert rust_module_path("src/main.rs", layout) == "my_tool"
    assert rust_module_path("src/a/mod.rs", layout) == "my_tool::a"
    assert rust_module_path("src/a/b.rs", layout) == "my_tool::a::b"
    assert rust_module_path("src/bin/extra.rs", layout) == "extra"  # a binary crate
    assert rust_module_path("tests/it.rs", layout) == "my_tool::tests::it"
    (tmp_path / "tool").mkdir()
    (tmp_path / "tool" / "Cargo.toml").write_text(
        '[package]\nname = "ripgrep"\n\n[[bin]]\nname = "rg"\npath = "crates/core/main.rs"\n'
    )
    targets = RepoLayout(
        tmp_path,
        frozenset({"tool/Cargo.toml", "tool/crates/core/main.rs", "tool/crates/core/flags/mod.rs"}),
    )
    assert rust_module_path("tool/crates/core/main.rs", targets) == "rg"  # [[bin]] name and path
    assert rust_module_path("tool/crates/core/flags/mod.rs", targets) == "rg::flags"


def test_type_paths() -> None:
    assert type_path("&mut Store") == "Store"
    assert type_path("Box<dyn store::Backend>") == "store::Backend"
    assert type_path("Vec<Item>") == "Vec"
    assert type_path("&'a [u8]") is None
    assert type_path("(u8, u16)") is None


def test_definitions(rust: Graph) -> None:
    model = {
        d.qualified_name: (d.kind, d.parent, d.start_line, d.end_line)
        for d in rust[0]["crates/core/src/model.rs"].definitions
    }
    m = f"{CORE}::model"
    assert model == {
        f"{m}::Priced": ("Interface", m, 3, 9),
        f"{m}::Priced::price": ("Method", f"{m}::Priced", 4, 4),
        f"{m}::Priced::is_free": ("Method", f"{m}::Priced", 6, 8),
        f"{m}::Discounted": ("Interface", m, 11, 13),
        f"{m}::Discounted::discount": ("Method", f"{m}::Discounted", 12, 12),
        f"{m}::Item": ("Class", m, 16, 19),  # the derive attribute is not part of it
        f"{m}::Item::new": ("Method", f"{m}::Item", 22, 24),
        f"{m}::Item::price": ("Method", f"{m}::Item", 28, 30),  # from `impl Priced for Item`
        f"{m}::Item::fmt": ("Method", f"{m}::Item", 34, 36),
        f"{m}::Status": ("Class", m, 39, 42),
    }
    memory = {d.qualified_name for d in rust[0]["crates/core/src/store/memory.rs"].definitions}
    assert f"{CORE}::store::memory::tests::put_adds_an_item" in memory  # an inline module


def test_imports_follow_use_and_mod(rust: Graph) -> None:
    assert edges(rust, "IMPORTS") == {
        ("shop_cli", f"{CORE}::model", None),
        ("shop_cli", f"{CORE}::store", None),  # `use shop_core::Store`, re-exported by lib.rs
        (CORE, f"{CORE}::model", None),  # mod model;
        (CORE, f"{CORE}::store", None),
        (f"{CORE}::store", f"{CORE}::model", None),
        (f"{CORE}::store", f"{CORE}::store::memory", None),
        (f"{CORE}::store::memory", f"{CORE}::model", None),
    }


def test_impl_trait_is_implements_and_supertraits_inherit(rust: Graph) -> None:
    assert edges(rust, "IMPLEMENTS") == {
        (f"{CORE}::model::Item", f"{CORE}::model::Priced", None)  # fmt::Display is std's
    }
    assert edges(rust, "INHERITS") == {
        (f"{CORE}::model::Discounted", f"{CORE}::model::Priced", None)
    }


def test_calls(rust: Graph) -> None:
    store = f"{CORE}::store"
    assert edges(rust, "CALLS") == {
        ("shop_cli::main", "shop_cli::report", "exact"),
        ("shop_cli::main", f"{CORE}::model::Item::new", "exact"),  # through a use
        ("shop_cli::main", f"{store}::Store::open", "exact"),  # through lib.rs's pub use
        # `let mut store = Store::open()`: the type `open` is declared to return
        ("shop_cli::main", f"{store}::Store::save", "exact"),
        ("shop_cli::report", "shop_cli::Checker::check", "exact"),  # a struct literal
        (f"{CORE}::model::Priced::is_free", f"{CORE}::model::Priced::price", "exact"),
        (f"{store}::Store::open", f"{store}::memory::MemoryBackend::empty", "exact"),
        (f"{store}::Store::save", f"{CORE}::model::Item::price", "exact"),  # a trait impl
        (f"{store}::Store::save", f"{store}::memory::MemoryBackend::put", "exact"),  # self.field
        (f"{store}::Store::save", f"{store}::Store::log", "exact"),
        (f"{store}::memory::tests::put_adds_an_item", f"{CORE}::model::Item::new", "exact"),
        (
            f"{store}::memory::tests::put_adds_an_item",
            f"{store}::memory::MemoryBackend::put",
            "exact",
        ),
        # the arguments of println!(..) and assert_eq!(..) are read as code
        ("shop_cli::main", f"{CORE}::version", "exact"),
        (f"{store}::Store::log", f"{store}::format_total", "exact"),
        (
            f"{store}::memory::tests::put_adds_an_item",
            f"{store}::memory::MemoryBackend::len",
            "exact",
        ),
    }


def test_standard_macro_arguments_are_read_and_others_are_not(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    source = """macro_rules! make { ($f:ident) => { fn $f() {} } }
fn helper() -> u8 { 1 }
fn run() {
    assert_eq!(helper(), 1, "{}", vec![helper()].len());
    make!(helper());
    other!(helper());
}
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "m"\n', "src/lib.rs": source})
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    assert calls == {("m::run", "m::helper", "exact")}
    run_calls = [c for c in resolved.parsed["src/lib.rs"].calls if c.caller == "m::run"]
    assert [(c.callee, c.line) for c in run_calls] == [("helper", 4), ("helper", 4)]
    assert resolved.parsed["src/lib.rs"].extra["macro_calls"] == 2  # make! and other!


def test_parsed_file_survives_the_cache_round_trip(rust: Graph) -> None:
    for parsed in rust[0].values():
        assert ParsedFile.from_json(parsed.to_json()) == parsed


def test_syntax_errors_keep_what_parses(resolve_tree: Callable[[dict[str, str]], Any]) -> None:
    resolved = resolve_tree(
        {"Cargo.toml": '[package]\nname = "x"\n', "src/lib.rs": "fn ok() {}\nfn broken( {\n"}
    )
    parsed = resolved.parsed["src/lib.rs"]
    assert parsed.warnings and "syntax errors" in parsed.warnings[0]
    assert ("Function", "x::ok") in resolved.definitions()


def test_uses_in_function_bodies_and_enum_variants(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    source = """pub enum Level { Info, Warn(u8) }
impl Level {
    pub fn up(&self) -> Level { Level::Warn(1) }
}
mod inner {
    pub fn run() {
        use super::Level;
        let level = Level::Info;
        level.up();
    }
}
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "m"\n', "src/lib.rs": source})
    calls = {(s, t, r) for k, s, t, r in resolved.edges if k == "CALLS"}
    # a variant is a value of its enum; constructing one (`Level::Warn(1)`) calls nothing
    assert calls == {("m::inner::run", "m::Level::up", "exact")}


def test_functions_after_impl_blocks_stay_functions(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """Impl blocks were keyed by the id() of their scope: once freed, that address went to a
    later scope, and clap's free functions came out as methods in some runs, not in others."""
    source = "".join(
        f"struct S{i};\nimpl S{i} {{\n    fn m{i}(&self) {{}}\n}}\n"
        f"mod t{i} {{\n    fn f{i}() {{}}\n}}\n"
        for i in range(60)
    )
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "m"\n', "src/lib.rs": source})
    kinds = {d.name: d.kind for d in resolved.parsed["src/lib.rs"].definitions}
    assert {kinds[f"f{i}"] for i in range(60)} == {"Function"}
    assert {kinds[f"m{i}"] for i in range(60)} == {"Method"}


def test_methods_of_an_impl_in_another_module_than_its_type_are_found(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """anyhow declares `Error` in lib.rs and implements it in error.rs: calls of its methods
    from a third module found nothing, and impact said nothing depended on them."""
    resolved = resolve_tree(
        {
            "Cargo.toml": '[package]\nname = "oops"\n',
            "src/lib.rs": "mod context;\nmod error;\n\npub struct Error {\n    code: u32,\n}\n",
            "src/error.rs": (
                "use crate::Error;\n\n"
                "impl Error {\n    pub fn construct(code: u32) -> Self {\n"
                "        Error { code }\n    }\n}\n"
            ),
            "src/context.rs": (
                "use crate::Error;\n\n"
                "pub fn wrap(code: u32) -> Error {\n    Error::construct(code)\n}\n"
            ),
        }
    )
    assert ("oops::context::wrap", "oops::error::Error::construct") in resolved.of("CALLS")


def test_methods_of_impls_for_slices_and_tuples_are_not_module_functions(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """bytes implements `Buf for &[u8]`: its methods became the module's functions, merged
    with each other and with a real `fn` of the same name, which lost its own lines."""
    source = """pub trait Len { fn size(&self) -> usize; }
impl Len for [u8] { fn size(&self) -> usize { self.len() } }
impl Len for (u8, u8) { fn size(&self) -> usize { 2 } }
pub fn size() -> usize { 0 }
fn helper() -> usize { size() }
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "m"\n', "src/lib.rs": source})
    definitions = resolved.parsed["src/lib.rs"].definitions
    sizes = [(d.kind, d.qualified_name, d.start_line) for d in definitions if d.name == "size"]
    assert sorted(sizes) == [("Function", "m::size", 4), ("Method", "m::Len::size", 1)]
    assert ("m::helper", "m::size") in resolved.of("CALLS")


def test_declared_types_of_elements_and_of_what_question_marks_unwrap() -> None:
    assert declared_type("Vec<DirEntry>") == "DirEntry[]"
    assert declared_type("&'a [Ancestor]") == "Ancestor[]"
    assert declared_type("impl Iterator<Item = &'a Entry> + '_") == "Entry[]"
    assert declared_type("Box<dyn Sink + Send>") == "Sink"
    assert declared_type("Result<Store, io::Error>") == "Store?"
    assert declared_type("Option<Box<dyn Sink>>") == "Sink?"
    assert declared_type("Rc<Vec<Item>>") == "Item[]"
    assert declared_type("&mut Box<a::Store<T>>") == "a::Store"


def test_elements_and_unwrapped_values_are_followed(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """walkdir's `self.ents.iter().map(|d| d.path())`, `&r.ents()[0]`, `for a in
    self.stack.iter().rev()`, and `Store::open()?` / `.unwrap()` on a declared Result or
    Option: each receiver is an element or what is inside."""
    source = (
        "pub struct Entry;\n"
        "impl Entry {\n    pub fn path(&self) {}\n    pub fn depth(&self) {}\n}\n"
        "pub struct Store {\n    ents: Vec<Entry>,\n}\n"
        "impl Store {\n"
        "    pub fn open() -> Result<Store, String> { Ok(Store { ents: vec![] }) }\n"
        "    pub fn ents(&self) -> &[Entry] { &self.ents }\n"
        "    pub fn top(&self) -> Option<&Entry> { self.ents.last() }\n"
        "    pub fn paths(&self) {\n        self.ents.iter().map(|d| d.path()).count();\n    }\n"
        "    pub fn first(&self) {\n        let e = &self.ents()[0];\n        e.depth();\n    }\n"
        "    pub fn walk(&self) {\n"
        "        for entry in self.ents.iter().rev() {\n            entry.path();\n        }\n"
        "        self.top().unwrap().depth();\n    }\n"
        "}\n"
        "pub fn load() -> Result<(), String> {\n"
        "    let store = Store::open()?;\n    store.paths();\n    Ok(())\n}\n"
    )
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "w"\n', "src/lib.rs": source})
    calls = resolved.of("CALLS")
    assert {
        ("w::Store::paths", "w::Entry::path"),
        ("w::Store::first", "w::Entry::depth"),
        ("w::Store::walk", "w::Entry::path"),
        ("w::Store::walk", "w::Entry::depth"),
        ("w::load", "w::Store::paths"),
    } <= set(calls)


def test_macros_of_the_file_are_expanded_where_they_are_invoked(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """bytes' `buf_get_impl!(self, u16::from_be_bytes)`: the calls of the body of the rule that
    matches run in the invoking method, on its receivers; a rule that repeats fragments, and
    an invocation that no rule matches, are left unread."""
    source = """pub fn panic_advance() {}
pub fn helper() -> u8 { 1 }
macro_rules! try_get {
    ($this:ident, $typ:tt::$conv:tt) => {{
        if $this.remaining() < 2 { panic_advance(); }
        $this.advance(2);
    }};
    (le => $this:ident, $len:expr) => {{ $this.skip($len) }};
}
macro_rules! get { ($($tt:tt)*) => { (|| try_get!($($tt)*))() }; }
macro_rules! each { ($($e:expr),*) => { $( $e; )* }; }
pub struct Buf;
impl Buf {
    pub fn remaining(&self) -> usize { 0 }
    pub fn advance(&self, n: usize) {}
    pub fn skip(&self, n: u8) {}
    pub fn get_u16(&self) { get!(self, u16::from_be_bytes); }
    pub fn get_le(&self) { try_get!(le => self, helper()); }
    pub fn other(&self) { try_get!(self); each!(panic_advance()); }
}
pub fn logged() { log::debug!("{}", helper()); std::println!("{}", panic_advance()); }
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "b"\n', "src/lib.rs": source})
    calls = {(s, t) for s, t in resolved.of("CALLS")}
    assert {
        ("b::Buf::get_u16", "b::Buf::remaining"),
        ("b::Buf::get_u16", "b::Buf::advance"),
        ("b::Buf::get_u16", "b::panic_advance"),
        ("b::Buf::get_le", "b::Buf::skip"),
        ("b::Buf::get_le", "b::helper"),
        ("b::logged", "b::helper"),  # macros of log and std named by their path
        ("b::logged", "b::panic_advance"),
    } <= calls
    assert not {t for s, t in calls if s == "b::Buf::other"}
    assert resolved.parsed["src/lib.rs"].extra["macro_calls"] == 2  # try_get!(self), each!


def test_values_of_a_bounded_type_parameter_call_the_traits_methods(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """ripgrep's `fn search<M: Matcher>(matcher: M)` and `impl<M: Matcher> Matcher for &M {
    fn find(&self) { (*self).find() } }`: rustc looks a type parameter's methods up in its
    bounds. `self` in that impl is an `&&M`, whose `find` is the impl's own: not bound."""
    source = """pub trait Matcher { fn find(&self) -> bool; fn line(&self) {} }
pub trait Sink { fn put(&mut self); }
impl<'a, M: Matcher> Matcher for &'a M {
    fn find(&self) -> bool { (*self).find() }
    fn line(&self) { self.find(); }
}
pub fn search<M: Matcher, S>(matcher: &M, sink: &mut S, all: Vec<M>) where S: Sink + Send {
    matcher.line();
    sink.put();
    all[0].find();
}
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "g"\n', "src/lib.rs": source})
    calls = set(resolved.of("CALLS"))
    assert {
        ("g::M::find", "g::Matcher::find"),
        ("g::search", "g::Matcher::line"),
        ("g::search", "g::Sink::put"),
        ("g::search", "g::Matcher::find"),
    } <= calls
    assert not {t for s, t in calls if s == "g::M::line"}


def test_match_arms_and_if_let_bind_what_the_value_holds(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """globset's `match *self { Literal(ref s) => s.is_match(), Suffix(ref s) => .. }`, and
    `if let Some(entry) = self.next()`: each arm's `s` is its variant's field; a name bound by
    a pattern that is not read hides the function's other bindings of it in the arm."""
    source = """pub struct Lit;
impl Lit { pub fn hit(&self) {} }
pub struct Suf;
impl Suf { pub fn hit(&self) {} }
pub struct Entry;
impl Entry { pub fn path(&self) {} }
pub struct Other;
impl Other { pub fn hit(&self) {} }
pub enum Strategy { Literal(Lit), Suffix(Suf), Nested { err: Lit } }
impl Strategy {
    pub fn next(&self) -> Option<Entry> { None }
    pub fn run(&self, err: Other) {
        match *self {
            Strategy::Literal(ref s) => s.hit(),
            Suffix(ref s) => s.hit(),
            Strategy::Nested { ref err } => err.hit(),
        }
        if let Some(entry) = self.next() { entry.path(); }
        while let Some(mut found) = self.next() { found.path(); }
    }
}
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "p"\n', "src/lib.rs": source})
    run = {t for s, t in resolved.of("CALLS") if s == "p::Strategy::run"}
    # `err.hit()` in the struct variant's arm is left out, not taken for the parameter's
    assert run == {"p::Lit::hit", "p::Suf::hit", "p::Strategy::next", "p::Entry::path"}


def test_fields_of_a_structs_type_parameter_are_what_the_impl_says(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """bytes' `struct Chain<T, U> { a: T, b: U }` in `impl<T: Buf, U> Buf for Chain<T, U>
    where U: Buf`, and walkdir's `impl<P> Iterator for FilterEntry<IntoIter, P>`: `self.a` is
    a `Buf`, `self.it` an `IntoIter`; a parameter the impl leaves unbounded gives no edge."""
    source = """pub trait Buf { fn remaining(&self) -> usize; fn advance(&mut self) {} }
pub struct IntoIter;
impl IntoIter { pub fn skip(&mut self) {} }
pub struct Chain<T, U> { a: T, b: U }
impl<T: Buf, U> Buf for Chain<T, U> where U: Buf {
    fn remaining(&self) -> usize { self.a.remaining() + self.b.remaining() }
    fn advance(&mut self) { (&mut self.b).advance(); }
}
pub struct FilterEntry<I, P> { it: I, predicate: P }
impl<P> FilterEntry<IntoIter, P> {
    pub fn skip(&mut self) { self.it.skip(); }
}
impl<I, P> FilterEntry<I, P> {
    pub fn other(&mut self) { self.it.skip(); }
}
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "c"\n', "src/lib.rs": source})
    calls = set(resolved.of("CALLS"))
    assert {
        ("c::Chain::remaining", "c::Buf::remaining"),
        ("c::Chain::advance", "c::Buf::advance"),
        ("c::FilterEntry::skip", "c::IntoIter::skip"),
    } <= calls
    assert not {t for s, t in calls if s == "c::FilterEntry::other"}


def test_clone_borrow_and_derived_default_keep_the_type(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """ripgrep's `self.wtr().borrow_mut().reset()` (a `RefCell<CounterWriter<W>>`),
    `builder.clone()` and `PartialErrorBuilder::default()` of a `#[derive(Default)]`: each is
    a value of the same type; a type's own `clone` is followed to what it returns."""
    source = """use std::cell::RefCell;
#[derive(Clone, Default)]
pub struct Writer;
impl Writer { pub fn reset(&mut self) {} }
pub struct Other;
impl Other { pub fn reset(&mut self) {} }
pub struct Odd;
impl Odd { pub fn clone(&self) -> Other { Other } }
pub struct Printer { wtr: RefCell<Writer> }
impl Printer {
    fn wtr(&self) -> &RefCell<Writer> { &self.wtr }
    pub fn print(&self, odd: Odd) {
        self.wtr().borrow_mut().reset();
        self.wtr.borrow().clone().reset();
        let mut errs = Writer::default();
        errs.reset();
        odd.clone().reset();
    }
}
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "d"\n', "src/lib.rs": source})
    print_calls = {t for s, t in resolved.of("CALLS") if s == "d::Printer::print"}
    assert print_calls == {
        "d::Printer::wtr",
        "d::Writer::reset",
        "d::Odd::clone",
        "d::Other::reset",
    }


def test_tuple_patterns_bind_each_place(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """walkdir's `let (src, link) = (&ents[1], &ents[2])` and `let (ents, errs) =
    (r.ents(), r.errs())`, ripgrep's `let (ig, err) = ig.add_child(..)` of a function declared
    to return `(Ignore, Option<Error>)`, `for (i, e) in errs.iter().enumerate()`, and a tuple
    struct's `self.0`: each name is what the tuple holds at its place."""
    source = """pub struct Entry;
impl Entry { pub fn path(&self) {} }
pub struct Fail;
impl Fail { pub fn depth(&self) {} }
pub struct Wrap(Entry);
impl Wrap { pub fn inner(&self) { self.0.path(); } }
pub struct Run;
impl Run {
    pub fn ents(&self) -> Vec<Entry> { vec![] }
    pub fn errs(&self) -> Vec<Fail> { vec![] }
    pub fn pair(&self) -> (Fail, Option<Entry>) { (Fail, None) }
}
pub fn check(r: Run) {
    let (ents, errs) = (r.ents(), r.errs());
    let (src, link) = (&ents[1], &ents[2]);
    src.path();
    link.path();
    for (i, f) in errs.iter().enumerate() { f.depth(); }
}
pub fn closures(r: Run) {
    r.ents().iter().enumerate().for_each(|(i, e)| e.path());
}
pub fn returned(r: Run) {
    let (fail, entry) = r.pair();
    fail.depth();
    entry.unwrap().path();
}
pub fn unknown(r: Run, x: Entry) {
    let (x, y) = (r, 1);
    x.path();
}
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "t"\n', "src/lib.rs": source})
    calls = resolved.of("CALLS")
    assert {t for s, t in calls if s == "t::check"} == {
        "t::Run::ents",
        "t::Run::errs",
        "t::Entry::path",
        "t::Fail::depth",
    }
    assert {t for s, t in calls if s == "t::closures"} == {"t::Run::ents", "t::Entry::path"}
    assert {t for s, t in calls if s == "t::returned"} == {
        "t::Run::pair",
        "t::Fail::depth",
        "t::Entry::path",
    }
    assert {t for s, t in calls if s == "t::Wrap::inner"} == {"t::Entry::path"}
    assert not {t for s, t in calls if s == "t::unknown"}  # `x` is the `Run` now, not an Entry


def test_constants_and_closures_passed_to_the_repositorys_functions(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """ripgrep's `for flag in FLAGS.iter()` over `const FLAGS: &[&dyn Flag]`, walkdir's
    `sort_by(|a, b| a.file_name().cmp(b.file_name()))` where `F: FnMut(&DirEntry,
    &DirEntry) -> Ordering`, and `filter_entry(|ent| ..)` of an `impl FnMut(&DirEntry)`."""
    source = """pub trait Flag { fn name(&self) -> &str; }
pub const FLAGS: &[&dyn Flag] = &[];
pub struct DirEntry;
impl DirEntry { pub fn file_name(&self) -> &str { "" } }
pub struct WalkDir;
impl WalkDir {
    pub fn new() -> WalkDir { WalkDir }
    pub fn sort_by<F>(self, cmp: F) -> WalkDir
    where F: FnMut(&DirEntry, &DirEntry) -> std::cmp::Ordering + Send + 'static { self }
    pub fn filter_entry(self, keep: impl FnMut(&DirEntry) -> bool) -> WalkDir { self }
    pub fn visit<T>(self, other: T) -> WalkDir { self }
}
pub fn names() {
    for flag in FLAGS.iter() { flag.name(); }
}
pub fn sorted() {
    WalkDir::new()
        .sort_by(|a, b| a.file_name().cmp(b.file_name()))
        .filter_entry(|ent| ent.file_name() != "x");
}
pub fn untyped() {
    WalkDir::new().visit(|d| d.file_name());
}
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "k"\n', "src/lib.rs": source})
    calls = resolved.of("CALLS")
    assert {t for s, t in calls if s == "k::names"} == {"k::Flag::name"}
    assert {t for s, t in calls if s == "k::sorted"} == {
        "k::WalkDir::new",
        "k::WalkDir::sort_by",
        "k::WalkDir::filter_entry",
        "k::DirEntry::file_name",
    }
    assert {t for s, t in calls if s == "k::untyped"} == {"k::WalkDir::new", "k::WalkDir::visit"}


def test_a_name_bound_twice_is_followed_when_both_bindings_agree(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """ripgrep's `let mut m = Match::new(..)` then a closure's `|m|` of a `FnMut(Match)`: one
    type whichever is in force; `let ov = ov(&[..])` reads the function `ov`; two bindings
    of different types give no edge."""
    source = """pub struct Match;
impl Match { pub fn new() -> Match { Match } pub fn end(&self) -> usize { 0 } }
pub struct Other;
impl Other { pub fn end(&self) -> usize { 1 } }
pub fn find<F: FnMut(Match) -> bool>(matched: F) {}
pub fn ov() -> Other { Other }
pub fn agree() {
    let m = Match::new();
    m.end();
    find(|m| m.end() > 0);
}
pub fn differ() {
    let m = Match::new();
    let m = Other;
    m.end();
}
pub fn named() {
    let ov = ov();
    ov.end();
}
"""
    resolved = resolve_tree({"Cargo.toml": '[package]\nname = "a"\n', "src/lib.rs": source})
    calls = resolved.of("CALLS")
    assert {t for s, t in calls if s == "a::agree"} == {"a::Match::new", "a::Match::end", "a::find"}
    assert {t for s, t in calls if s == "a::differ"} == {"a::Match::new"}
    assert {t for s, t in calls if s == "a::named"} == {"a::ov", "a::Other::end"}


def test_extern_crate_aliases_and_type_aliases_name_what_they_alias(
    resolve_tree: Callable[[dict[str, str]], Any],
) -> None:
    """ripgrep's facade `pub extern crate grep_cli as cli;` (`grep::cli::resolve_binary()`)
    and grep_searcher's `type Range = Match;` (`Range::new(..).end()`); an `extern crate`
    behind `#[cfg(feature = ..)]` names nothing (the feature may be off)."""
    resolved = resolve_tree(
        {
            "cli/Cargo.toml": '[package]\nname = "grep-cli"\n',
            "cli/src/lib.rs": "pub fn resolve_binary() {}\n",
            "extra/Cargo.toml": '[package]\nname = "grep-extra"\n',
            "extra/src/lib.rs": "pub fn optional() {}\n",
            "grep/Cargo.toml": '[package]\nname = "grep"\n',
            "grep/src/lib.rs": (
                "pub extern crate grep_cli as cli;\n"
                '#[cfg(feature = "extra")]\npub extern crate grep_extra as extra;\n'
            ),
            "rg/Cargo.toml": '[package]\nname = "rg"\n',
            "rg/src/main.rs": (
                "pub struct Match;\n"
                "impl Match {\n    pub fn new() -> Match { Match }\n"
                "    pub fn end(&self) -> usize { 0 }\n}\n"
                "type Range = Match;\n"
                "fn main() {\n    grep::cli::resolve_binary();\n    grep::extra::optional();\n"
                "    Range::new().end();\n}\n"
            ),
        }
    )
    main = {t for s, t in resolved.of("CALLS") if s == "rg::main"}
    assert main == {"grep_cli::resolve_binary", "rg::Match::new", "rg::Match::end"}
