// Command go-oracle prints, as JSON, the definitions, imports, embeddings and calls of a Go
// module as go/types sees them: the ground truth graphmem's Go call graph is scored against.
//
//	go run . CHECKOUT > facts.json
//
// It shares nothing with graphmem. Packages load with golang.org/x/tools/go/packages (tests
// excluded); a call's target is the *types.Func its name uses, generic instances mapped to their
// origin (a call through an interface: the interface's method). Function values and conversions
// have no function declaration to point at and are counted, not emitted. A named non-generic
// type implements a non-generic interface with methods when types.Implements says so for T or *T.
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Def is a declaration, named by where its name is written.
type Def struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	Name string `json:"name"`
	Kind string `json:"kind"` // Module, Class, Interface, Function, Method
	End  int    `json:"end_line"`
}

// Key names a declaration on both sides of a fact.
type Key struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	Name string `json:"name"`
}

// Call is one caller→callee fact with where the oracle saw it and how the callee is written.
type Call struct {
	Caller Key    `json:"caller"`
	Callee Key    `json:"callee"`
	Site   string `json:"site"`
	Form   string `json:"form"`
}

type Output struct {
	Definitions []Def          `json:"definitions"`
	Imports     [][2]string    `json:"imports"`    // file path → file path
	Inherits    [][2]Key       `json:"inherits"`   // type → embedded type
	Implements  [][2]Key       `json:"implements"` // type → interface
	Calls       []Call         `json:"calls"`
	Stats       map[string]int `json:"stats"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-oracle CHECKOUT")
		os.Exit(2)
	}
	root, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes |
			packages.NeedTypesInfo | packages.NeedImports,
		Dir:   root,
		Tests: false,
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		fail(err)
	}
	o := &oracle{root: root, out: Output{Stats: map[string]int{}}, seenCall: map[Call]bool{}}
	o.pkgFiles = map[string][]string{}
	for _, p := range pkgs {
		for _, f := range p.GoFiles {
			if rel, ok := o.rel(f); ok {
				o.pkgFiles[p.PkgPath] = append(o.pkgFiles[p.PkgPath], rel)
			}
		}
		if len(p.Errors) > 0 {
			o.out.Stats["package_errors"] += len(p.Errors)
		}
	}
	for _, p := range pkgs {
		o.pkg(p)
	}
	o.implements()
	sort.Slice(o.out.Calls, func(i, j int) bool { return o.out.Calls[i].Site < o.out.Calls[j].Site })
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(o.out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go-oracle:", err)
	os.Exit(1)
}

type oracle struct {
	root     string
	fset     *token.FileSet
	out      Output
	pkgFiles map[string][]string
	seenCall map[Call]bool
	named    []named
}

// named is a type declared in the checkout, for the implements check.
type named struct {
	key Key
	obj *types.TypeName
}

// implements pairs every concrete named type with every interface that has methods.
func (o *oracle) implements() {
	for _, i := range o.named {
		iface, ok := i.obj.Type().Underlying().(*types.Interface)
		if !ok || iface.NumMethods() == 0 {
			continue
		}
		for _, t := range o.named {
			if types.IsInterface(t.obj.Type()) {
				continue
			}
			if types.Implements(t.obj.Type(), iface) ||
				types.Implements(types.NewPointer(t.obj.Type()), iface) {
				o.out.Implements = append(o.out.Implements, [2]Key{t.key, i.key})
			}
		}
	}
}

func (o *oracle) rel(file string) (string, bool) {
	r, err := filepath.Rel(o.root, file)
	if err != nil || strings.HasPrefix(r, "..") {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// key is the declaration a types.Object names, when it lies in the checkout.
func (o *oracle) key(fset *token.FileSet, obj types.Object) (Key, bool) {
	pos := fset.Position(obj.Pos())
	rel, ok := o.rel(pos.Filename)
	if !ok || strings.HasSuffix(rel, "_test.go") {
		return Key{}, false
	}
	return Key{rel, pos.Line, obj.Name()}, true
}

func (o *oracle) pkg(p *packages.Package) {
	for _, file := range p.Syntax {
		path, ok := o.rel(p.Fset.Position(file.Pos()).Filename)
		if !ok {
			continue
		}
		end := p.Fset.Position(file.End()).Line
		o.out.Definitions = append(o.out.Definitions, Def{path, 1, p.PkgPath, "Module", end})
		for _, spec := range file.Imports {
			target := strings.Trim(spec.Path.Value, "\"")
			for _, f := range o.pkgFiles[target] {
				o.out.Imports = append(o.out.Imports, [2]string{path, f})
			}
		}
		for _, decl := range file.Decls {
			switch d := decl.(type) {
			case *ast.GenDecl:
				o.types(p, path, d)
			case *ast.FuncDecl:
				if d.Name.Name == "_" {
					continue
				}
				kind := "Function"
				if d.Recv != nil {
					kind = "Method"
				}
				line := p.Fset.Position(d.Name.Pos()).Line
				caller := Key{path, line, d.Name.Name}
				o.out.Definitions = append(o.out.Definitions,
					Def{path, line, d.Name.Name, kind, p.Fset.Position(d.End()).Line})
				if d.Body != nil {
					o.calls(p, caller, d.Body)
				}
			}
		}
	}
}

func (o *oracle) types(p *packages.Package, path string, d *ast.GenDecl) {
	if d.Tok != token.TYPE {
		return
	}
	for _, s := range d.Specs {
		spec := s.(*ast.TypeSpec)
		if spec.Assign.IsValid() || spec.Name.Name == "_" {
			continue // an alias declares no new type
		}
		line := p.Fset.Position(spec.Name.Pos()).Line
		self := Key{path, line, spec.Name.Name}
		kind := "Class"
		if _, ok := spec.Type.(*ast.InterfaceType); ok {
			kind = "Interface"
		}
		o.out.Definitions = append(o.out.Definitions,
			Def{path, line, spec.Name.Name, kind, p.Fset.Position(spec.End()).Line})
		if obj, ok := p.TypesInfo.Defs[spec.Name].(*types.TypeName); ok && spec.TypeParams == nil {
			if nt, ok := obj.Type().(*types.Named); ok && nt.TypeParams().Len() == 0 {
				o.named = append(o.named, named{self, obj})
			}
		}
		var embedded []ast.Expr
		switch t := spec.Type.(type) {
		case *ast.StructType:
			for _, f := range t.Fields.List {
				if len(f.Names) == 0 {
					embedded = append(embedded, f.Type)
				}
			}
		case *ast.InterfaceType:
			for _, f := range t.Methods.List {
				if len(f.Names) == 0 {
					embedded = append(embedded, f.Type)
				}
				for _, name := range f.Names {
					o.out.Definitions = append(o.out.Definitions, Def{path,
						p.Fset.Position(name.Pos()).Line, name.Name, "Method",
						p.Fset.Position(f.End()).Line})
				}
			}
		}
		for _, e := range embedded {
			named := namedOf(p.TypesInfo.TypeOf(e))
			if named == nil {
				continue
			}
			if k, ok := o.key(p.Fset, named.Origin().Obj()); ok {
				o.out.Inherits = append(o.out.Inherits, [2]Key{self, k})
			}
		}
	}
}

func namedOf(t types.Type) *types.Named {
	for t != nil {
		switch v := t.(type) {
		case *types.Pointer:
			t = v.Elem()
		case *types.Named:
			return v
		case *types.Alias:
			t = types.Unalias(v)
		default:
			return nil
		}
	}
	return nil
}

// calls records every call in body (function literals included: they belong to the caller).
func (o *oracle) calls(p *packages.Package, caller Key, body ast.Node) {
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		o.out.Stats["call_expressions"]++
		ident, form := calleeName(call.Fun)
		if ident == nil {
			o.out.Stats["unnamed_callee"]++
			return true
		}
		obj := p.TypesInfo.Uses[ident]
		fn, ok := obj.(*types.Func)
		if !ok {
			o.out.Stats["not_a_function"]++ // conversions, builtins, function values
			return true
		}
		fn = fn.Origin()
		if sig, _ := fn.Type().(*types.Signature); sig != nil && sig.Recv() != nil {
			if types.IsInterface(sig.Recv().Type()) {
				o.out.Stats["interface_method"]++ // the interface's method, when declared here
			}
		}
		callee, ok := o.key(p.Fset, fn)
		if !ok {
			o.out.Stats["outside_checkout"]++
			return true
		}
		pos := p.Fset.Position(call.Lparen)
		site := fmt.Sprintf("%s:%d", caller.Path, pos.Line)
		c := Call{caller, callee, site, form}
		o.out.Stats["resolved_sites"]++
		if !o.seenCall[Call{Caller: caller, Callee: callee}] {
			o.seenCall[Call{Caller: caller, Callee: callee}] = true
			o.out.Calls = append(o.out.Calls, c)
		}
		return true
	})
}

// calleeName is the identifier that names a call's function, and the form of the call.
func calleeName(fun ast.Expr) (*ast.Ident, string) {
	for {
		switch f := fun.(type) {
		case *ast.ParenExpr:
			fun = f.X
		case *ast.IndexExpr:
			fun = f.X
		case *ast.IndexListExpr:
			fun = f.X
		case *ast.Ident:
			return f, "f()"
		case *ast.SelectorExpr:
			return f.Sel, selectorForm(f.X)
		default:
			return nil, ""
		}
	}
}

func selectorForm(x ast.Expr) string {
	switch v := x.(type) {
	case *ast.Ident:
		return "x.m()"
	case *ast.CallExpr:
		return "f().m()"
	case *ast.SelectorExpr:
		return "x.y.m()"
	case *ast.TypeAssertExpr:
		return "x.(T).m()"
	case *ast.IndexExpr:
		_ = v
		return "x[i].m()"
	}
	return "expr.m()"
}
