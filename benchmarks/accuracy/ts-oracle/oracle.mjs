// The accuracy benchmark's oracle for TypeScript and JavaScript: the TypeScript compiler API.
//
//   node oracle.mjs CHECKOUT > facts.json
//
// It shares nothing with graphmem. One Program holds every library file of the checkout
// (`allowJs`, so CommonJS `require` and `module.exports` are followed by the checker too). A call's
// target is the declaration of the signature the checker resolves (`getResolvedSignature`),
// else the declaration of its callee's symbol with aliases followed (`getAliasedSymbol`).
// Definitions are named by where their name is written: {path, line, name, kind}; interfaces
// and their method signatures are definitions too, a call the checker resolves to such a signature
// is a call of it, and `class C implements I` is C implements I. The output has the shape
// ../compiler_oracles.py reads.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

// Top-level folders that are not library code (as the Jedi oracle's list); anywhere: these two.
const NOT_LIBRARY_DIRS = new Set([
  "test", "tests", "spec", "specs", "e2e", "docs", "doc", "examples", "example", "benchmark",
  "benchmarks", "bench", "perf-testing", "scripts", "tools", "bin", "sandbox", "website", "dist",
  "build", "coverage", "fixtures", "typings",
]);
const NEVER_LIBRARY_DIRS = new Set(["node_modules", "__tests__"]);
const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const NOT_LIBRARY_FILE = /(\.min\.js|\.d\.[mc]?ts|\.(test|spec|conf|config)\.[a-z]+)$/;

function libraryFiles(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        const skipped = NEVER_LIBRARY_DIRS.has(entry.name)
          || (dir === root && NOT_LIBRARY_DIRS.has(entry.name));
        if (!skipped) walk(full);
      } else if (SOURCE.test(entry.name) && !NOT_LIBRARY_FILE.test(entry.name)) {
        found.push(full);
      }
    }
  };
  walk(root);
  return found.sort();
}

const root = path.resolve(process.argv[2] ?? "");
if (!process.argv[2] || !fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
  console.error("usage: node oracle.mjs CHECKOUT");
  process.exit(2);
}
const files = libraryFiles(root);
const library = new Set(files);
const program = ts.createProgram(files, {
  allowJs: true,
  checkJs: false,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.Preserve,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  jsx: ts.JsxEmit.Preserve,
  esModuleInterop: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  types: [],
});
const checker = program.getTypeChecker();
const stats = {
  call_expressions: 0, unnamed_callee: 0, interface_method: 0, outside_checkout: 0,
  not_a_definition: 0, unresolved: 0, resolved_sites: 0,
};
const out = { definitions: [], imports: [], inherits: [], implements: [], calls: [], stats };
const rel = (fileName) => path.relative(root, fileName).split(path.sep).join("/");
const lineOf = (sf, pos) => sf.getLineAndCharacterOfPosition(pos).line + 1;

const isFunctionLike = (n) => n && (ts.isArrowFunction(n) || ts.isFunctionExpression(n));
function isExportsTarget(left) {
  // exports.f = ..., module.exports.f = ...
  if (!ts.isPropertyAccessExpression(left)) return false;
  const object = left.expression;
  if (ts.isIdentifier(object) && object.text === "exports") return true;
  return ts.isPropertyAccessExpression(object) && object.getText() === "module.exports";
}

// The definition a declaration node is (kind and the node holding its name), or null.
function definitionOf(node) {
  if (ts.isInterfaceDeclaration(node)) {
    return { kind: "Interface", name: node.name.text, at: node.name };
  }
  if (ts.isMethodSignature(node) && ts.isInterfaceDeclaration(node.parent)) {
    return { kind: "Method", name: node.name.getText(), at: node.name };
  }
  if (ts.isFunctionDeclaration(node)) {
    if (!node.body) return null; // an overload signature
    return { kind: "Function", name: node.name?.text ?? "default", at: node.name ?? node };
  }
  if (ts.isClassDeclaration(node)) {
    return { kind: "Class", name: node.name?.text ?? "default", at: node.name ?? node };
  }
  if (ts.isClassExpression(node) && ts.isVariableDeclaration(node.parent)
      && ts.isIdentifier(node.parent.name)) {
    return { kind: "Class", name: node.parent.name.text, at: node.parent.name };
  }
  if (ts.isMethodDeclaration(node) && ts.isClassLike(node.parent)) {
    if (!node.body && !(ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Abstract)) return null;
    return { kind: "Method", name: node.name.getText(), at: node.name };
  }
  if ((ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node))
      && ts.isClassLike(node.parent) && node.body) {
    return { kind: "Method", name: node.name.getText(), at: node.name };
  }
  if (ts.isConstructorDeclaration(node) && node.body) {
    return { kind: "Method", name: "constructor", at: node.getFirstToken() ?? node };
  }
  if (ts.isPropertyDeclaration(node) && isFunctionLike(node.initializer)) {
    return { kind: "Method", name: node.name.getText(), at: node.name };
  }
  if (isFunctionLike(node)) {
    const parent = node.parent;
    if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
      return { kind: "Function", name: parent.name.text, at: parent.name };
    }
    if (ts.isPropertyDeclaration(parent)) return definitionOf(parent);
    if (ts.isExportAssignment(parent)) return { kind: "Function", name: "default", at: node };
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken
        && isExportsTarget(parent.left)) {
      return { kind: "Function", name: parent.left.name.text, at: parent.left.name };
    }
    // a function set to a member at module level: `res.cookie = function () {}` (a Function),
    // `Ctor.prototype.m = function () {}` (a Method of a Ctor this file declares)
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken
        && ts.isPropertyAccessExpression(parent.left) && atModuleLevel(parent)) {
      const owner = parent.left.expression;
      if (ts.isIdentifier(owner)) {
        return { kind: "Function", name: parent.left.name.text, at: parent.left.name };
      }
      if (ts.isPropertyAccessExpression(owner) && owner.name.text === "prototype"
          && ts.isIdentifier(owner.expression) && declaredHere(owner.expression)) {
        return { kind: "Method", name: parent.left.name.text, at: parent.left.name };
      }
    }
    // a named function expression at module level: `export default ok && function http() {}`
    if (ts.isFunctionExpression(node) && node.name && atModuleLevel(node)) {
      return { kind: "Function", name: node.name.text, at: node.name };
    }
  }
  if (ts.isVariableDeclaration(node) && node.initializer
      && (isFunctionLike(node.initializer) || ts.isClassExpression(node.initializer))) {
    return definitionOf(node.initializer);
  }
  return null;
}

function declaredHere(identifier) {
  const symbol = checker.getSymbolAtLocation(identifier);
  const file = identifier.getSourceFile();
  return (symbol?.declarations ?? []).some((d) => d.getSourceFile() === file
    && (ts.isFunctionDeclaration(d) || ts.isClassDeclaration(d)));
}

function atModuleLevel(node) {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return false;
  }
  return true;
}

function keyOf(node) {
  const def = definitionOf(node);
  if (!def) return null;
  const sf = node.getSourceFile();
  return { path: rel(sf.fileName), line: lineOf(sf, def.at.getStart(sf)), name: def.name };
}

function inLibrary(node) {
  return library.has(path.resolve(node.getSourceFile().fileName));
}

function callerOf(node) {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) {
      if (ts.isClassLike(n)) return null; // a class body runs no caller
      const key = keyOf(n);
      if (key) return key;
    }
  }
  return null;
}

function aliased(symbol) {
  let s = symbol;
  for (let i = 0; s && s.flags & ts.SymbolFlags.Alias && i < 8; i++) {
    s = checker.getAliasedSymbol(s);
  }
  return s;
}

// Declarations of a symbol that are definitions: an overloaded function's implementation, a
// variable bound to a function, a class (`types`: interfaces too, which are never called).
function definitionsOfSymbol(symbol, types = false) {
  const s = aliased(symbol);
  if (!s?.declarations) return [];
  return s.declarations.filter((d) => definitionOf(d)
    && (types || !(ts.isInterfaceDeclaration(d) || ts.isMethodSignature(d))));
}

// The interfaces of the library a heritage clause (`extends` or `implements`) names.
function heritageInterfaces(node, token) {
  const found = [];
  for (const clause of node.heritageClauses ?? []) {
    if (clause.token !== token) continue;
    for (const type of clause.types) {
      const symbol = checker.getSymbolAtLocation(type.expression);
      for (const d of symbol ? definitionsOfSymbol(symbol, true) : []) {
        if (inLibrary(d) && ts.isInterfaceDeclaration(d)) found.push(d);
      }
    }
  }
  return found;
}

function calleeExpression(node) {
  let e = node.expression;
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  return e;
}

function form(e) {
  if (ts.isIdentifier(e)) return "f()";
  if (e.kind === ts.SyntaxKind.SuperKeyword) return "super()";
  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
    const x = e.expression;
    if (x.kind === ts.SyntaxKind.ThisKeyword) return "this.m()";
    if (x.kind === ts.SyntaxKind.SuperKeyword) return "super.m()";
    if (e.questionDotToken) return "x?.m()";
    if (ts.isIdentifier(x)) return "x.m()";
    if (ts.isCallExpression(x) || ts.isNewExpression(x)) return "f().m()";
    if (ts.isPropertyAccessExpression(x)) return "x.y.m()";
    return "expr.m()";
  }
  return "expr()";
}

function targetsOf(node) {
  const callee = calleeExpression(node);
  if (ts.isNewExpression(node) || callee.kind === ts.SyntaxKind.SuperKeyword) {
    let symbol;
    if (callee.kind === ts.SyntaxKind.SuperKeyword) {
      const cls = ts.findAncestor(node, ts.isClassLike);
      const base = cls?.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
      symbol = base && checker.getSymbolAtLocation(base.types[0].expression);
    } else {
      symbol = checker.getSymbolAtLocation(callee);
    }
    // a class, or a function used as a constructor (`new F()` runs F)
    return symbol ? definitionsOfSymbol(symbol) : [];
  }
  const declaration = checker.getResolvedSignature(node)?.declaration;
  if (declaration && !ts.isJSDocSignature(declaration)) {
    if (!inLibrary(declaration)) return [declaration]; // counted as outside the checkout
    if (ts.isMethodSignature(declaration) && ts.isInterfaceDeclaration(declaration.parent)) {
      return [declaration]; // a call through an interface: its method
    }
    if (ts.isMethodSignature(declaration) || ts.isPropertySignature(declaration)
        || ts.isCallSignatureDeclaration(declaration)) {
      return "interface";
    }
    if (definitionOf(declaration)) return [declaration];
    if (ts.isFunctionDeclaration(declaration) && declaration.symbol) {
      return definitionsOfSymbol(declaration.symbol); // an overload: its implementation
    }
  }
  const name = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
  const symbol = checker.getSymbolAtLocation(name);
  return symbol ? definitionsOfSymbol(symbol).filter((d) => !ts.isClassLike(d)) : [];
}

const seen = new Set();
function recordCall(node, sf) {
  stats.call_expressions++;
  const callee = calleeExpression(node);
  if (ts.isCallExpression(node) && ts.isIdentifier(callee)
      && (callee.text === "require") && node.arguments.length === 1) {
    return;
  }
  if (node.expression.kind === ts.SyntaxKind.ImportKeyword) return;
  const caller = callerOf(node);
  if (!caller) return;
  if (!(ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee)
        || ts.isElementAccessExpression(callee) || callee.kind === ts.SyntaxKind.SuperKeyword)) {
    stats.unnamed_callee++;
    return;
  }
  let targets;
  try {
    targets = targetsOf(node);
  } catch {
    stats.unresolved++;
    return;
  }
  if (targets === "interface") {
    stats.interface_method++;
    return;
  }
  if (!targets.length) {
    stats.not_a_definition++;
    return;
  }
  for (const target of targets) {
    if (!inLibrary(target)) {
      stats.outside_checkout++;
      continue;
    }
    const key = keyOf(target);
    if (!key) continue;
    stats.resolved_sites++;
    const id = JSON.stringify([caller, key]);
    if (seen.has(id)) continue;
    seen.add(id);
    const site = `${caller.path}:${lineOf(sf, node.getStart(sf))}`;
    out.calls.push({ caller, callee: key, site, form: form(callee) });
  }
}

function moduleFileOf(specifier) {
  const symbol = checker.getSymbolAtLocation(specifier);
  const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
  if (!declaration || !ts.isSourceFile(declaration)) return null;
  const file = path.resolve(declaration.fileName);
  return library.has(file) ? rel(file) : null;
}

for (const sf of program.getSourceFiles()) {
  if (!library.has(path.resolve(sf.fileName))) continue;
  const here = rel(sf.fileName);
  out.definitions.push({
    path: here, line: 1, name: here, kind: "Module", end_line: lineOf(sf, sf.end),
  });
  const visit = (node) => {
    const def = definitionOf(node);
    if (def && !ts.isVariableDeclaration(node) && !ts.isPropertyDeclaration(node)) {
      out.definitions.push({
        path: here, line: lineOf(sf, def.at.getStart(sf)), name: def.name, kind: def.kind,
        end_line: lineOf(sf, node.end),
      });
    }
    if (ts.isClassLike(node) && def) {
      const base = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
      const symbol = base && checker.getSymbolAtLocation(base.types[0].expression);
      for (const d of symbol ? definitionsOfSymbol(symbol) : []) {
        if (inLibrary(d) && definitionOf(d)?.kind === "Class") {
          out.inherits.push([keyOf(node), keyOf(d)]);
        }
      }
      for (const d of heritageInterfaces(node, ts.SyntaxKind.ImplementsKeyword)) {
        out.implements.push([keyOf(node), keyOf(d)]);
      }
    }
    if (ts.isInterfaceDeclaration(node)) {
      for (const d of heritageInterfaces(node, ts.SyntaxKind.ExtendsKeyword)) {
        out.inherits.push([keyOf(node), keyOf(d)]);
      }
    }
    let specifier = null;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      specifier = node.moduleSpecifier;
    } else if (ts.isCallExpression(node) && node.arguments.length === 1
        && ts.isStringLiteralLike(node.arguments[0])
        && ((ts.isIdentifier(node.expression) && node.expression.text === "require")
          || node.expression.kind === ts.SyntaxKind.ImportKeyword)) {
      specifier = node.arguments[0];
    } else if (ts.isImportEqualsDeclaration(node)
        && ts.isExternalModuleReference(node.moduleReference)) {
      specifier = node.moduleReference.expression;
    }
    if (specifier) {
      const target = moduleFileOf(specifier);
      if (target && target !== here) out.imports.push([here, target]);
    }
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) recordCall(node, sf);
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
process.stdout.write(JSON.stringify(out));
