package graphmem.oracle;

import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.StaticJavaParser;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.ImportDeclaration;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.AnnotationMemberDeclaration;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.body.CompactConstructorDeclaration;
import com.github.javaparser.ast.body.ConstructorDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.nodeTypes.NodeWithImplements;
import com.github.javaparser.ast.nodeTypes.NodeWithSimpleName;
import com.github.javaparser.ast.stmt.ExplicitConstructorInvocationStmt;
import com.github.javaparser.ast.type.ClassOrInterfaceType;
import com.github.javaparser.resolution.declarations.ResolvedConstructorDeclaration;
import com.github.javaparser.resolution.declarations.ResolvedMethodDeclaration;
import com.github.javaparser.resolution.types.ResolvedReferenceType;
import com.github.javaparser.symbolsolver.JavaSymbolSolver;
import com.github.javaparser.symbolsolver.resolution.typesolvers.CombinedTypeSolver;
import com.github.javaparser.symbolsolver.resolution.typesolvers.JavaParserTypeSolver;
import com.github.javaparser.symbolsolver.resolution.typesolvers.ReflectionTypeSolver;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Ground truth for Java: definitions from JavaParser's syntax tree, supertypes and call targets
 * from its symbol solver (a type checker with the JDK's classes and the checkout's sources), in
 * graphmem's names. Independent of graphmem's ingester: it shares no code and no rules beyond the
 * naming of DESIGN §2 and docs/languages.md.
 *
 * <p>java -cp ... graphmem.oracle.JavaOracle CHECKOUT OUT.json
 */
public final class JavaOracle {
  private final Path root;
  private final List<Map<String, Object>> definitions = new ArrayList<>();
  private final Set<List<String>> imports = new TreeSet<>(JavaOracle::compare);
  private final Set<List<String>> inherits = new TreeSet<>(JavaOracle::compare);
  private final Set<List<String>> implementsEdges = new TreeSet<>(JavaOracle::compare);
  private final Set<List<String>> calls = new TreeSet<>(JavaOracle::compare);
  private final Map<List<String>, List<Object>> evidence = new TreeMap<>(JavaOracle::compare);
  /** Fully qualified type name -> its file, and package -> files, for imports. */
  private final Map<String, String> typeFiles = new TreeMap<>();
  private final Map<String, List<String>> packageFiles = new TreeMap<>();
  /** Type names declared in the library (only calls to these are facts). */
  private final Set<String> libraryTypes = new TreeSet<>();
  /** (caller, callee name) of calls the solver could not resolve: graphmem's are unverifiable. */
  private final Set<List<String>> unresolvedSites = new TreeSet<>(JavaOracle::compare);
  private int unresolved;
  private int resolved;

  private JavaOracle(Path root) {
    this.root = root;
  }

  private static int compare(List<String> a, List<String> b) {
    return String.join("\0", a).compareTo(String.join("\0", b));
  }

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args[0]).toAbsolutePath().normalize();
    JavaOracle oracle = new JavaOracle(root);
    long started = System.nanoTime();
    Map<String, Object> result = oracle.run();
    result.put("seconds", (System.nanoTime() - started) / 1e9);
    Files.writeString(
        Path.of(args[1]), new GsonBuilder().create().toJson(result), StandardCharsets.UTF_8);
  }

  /** Library files: .java files outside test, example and build folders. */
  static boolean isLibrary(String rel) {
    for (String part : rel.split("/")) {
      if (Set.of("test", "tests", "examples", "example", "target", "build", "benchmarks")
          .contains(part)) {
        return false;
      }
    }
    return rel.endsWith(".java") && !rel.endsWith("package-info.java")
        && !rel.endsWith("module-info.java");
  }

  private Map<String, Object> run() throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(p -> isLibrary(root.relativize(p).toString().replace('\\', '/')))
          .filter(p -> !root.relativize(p).toString().startsWith("."))
          .sorted()
          .toList();
    }
    // Source roots: each file's folder minus its package path.
    Map<Path, CompilationUnit> units = new LinkedHashMap<>();
    Set<Path> sourceRoots = new TreeSet<>();
    StaticJavaParser.getParserConfiguration()
        .setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_21);
    for (Path file : files) {
      CompilationUnit unit;
      try {
        unit = StaticJavaParser.parse(file);
      } catch (Exception e) {
        System.err.println("oracle: cannot parse " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        continue;
      }
      units.put(file, unit);
      String pkg = unit.getPackageDeclaration().map(d -> d.getNameAsString()).orElse("");
      Path folder = file.getParent();
      int depth = pkg.isEmpty() ? 0 : pkg.split("\\.").length;
      Path sourceRoot = folder;
      for (int i = 0; i < depth && sourceRoot != null; i++) {
        sourceRoot = sourceRoot.getParent();
      }
      if (sourceRoot != null) {
        sourceRoots.add(sourceRoot);
      }
    }
    CombinedTypeSolver solver = new CombinedTypeSolver(new ReflectionTypeSolver());
    for (Path sourceRoot : sourceRoots) {
      solver.add(new JavaParserTypeSolver(sourceRoot));
    }
    StaticJavaParser.getParserConfiguration().setSymbolResolver(new JavaSymbolSolver(solver));

    // Parse again with the solver attached (the nodes must know it).
    Map<String, CompilationUnit> byPath = new LinkedHashMap<>();
    for (Path file : units.keySet()) {
      String rel = root.relativize(file).toString().replace('\\', '/');
      try {
        byPath.put(rel, StaticJavaParser.parse(file));
      } catch (Exception e) {
        continue;
      }
    }
    for (Map.Entry<String, CompilationUnit> entry : byPath.entrySet()) {
      index(entry.getKey(), entry.getValue());
    }
    for (Map.Entry<String, CompilationUnit> entry : byPath.entrySet()) {
      edges(entry.getKey(), entry.getValue());
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("repo_root", root.toString());
    result.put("package_root", root.toString());
    result.put("definitions", definitions);
    result.put("imports", imports);
    result.put("inherits", inherits);
    result.put("implements", implementsEdges);
    result.put("calls", calls);
    List<List<Object>> rows = new ArrayList<>();
    evidence.forEach((edge, where) -> {
      List<Object> row = new ArrayList<>(edge);
      row.addAll(where);
      rows.add(row);
    });
    result.put("call_evidence", rows);
    result.put("unresolved_sites", unresolvedSites);
    result.put("files", byPath.size());
    result.put("calls_resolved", resolved);
    result.put("calls_unresolved", unresolved);
    return result;
  }

  private static String pkg(CompilationUnit unit) {
    return unit.getPackageDeclaration().map(d -> d.getNameAsString()).orElse("");
  }

  // -- definitions --------------------------------------------------------------------------

  private void index(String rel, CompilationUnit unit) {
    String module = pkg(unit);
    int lines = unit.getRange().map(r -> r.end.line).orElse(1);
    definitions.add(def(module, "Module", rel, 1, 1, lines));
    packageFiles.computeIfAbsent(module, k -> new ArrayList<>()).add(rel);
    for (TypeDeclaration<?> type : unit.getTypes()) {
      indexType(rel, type, module.isEmpty() ? "" : module + ".");
    }
  }

  private void indexType(String rel, TypeDeclaration<?> type, String prefix) {
    String name = prefix + type.getNameAsString();
    boolean isInterface = type.isAnnotationDeclaration()
        || (type instanceof ClassOrInterfaceDeclaration c && c.isInterface());
    definitions.add(def(name, isInterface ? "Interface" : "Class", rel, begin(type),
        type.getName().getBegin().get().line, end(type)));
    typeFiles.put(name, rel);
    libraryTypes.add(name);
    Set<String> seen = new TreeSet<>();
    for (BodyDeclaration<?> member : type.getMembers()) {
      if (member instanceof TypeDeclaration<?> nested) {
        indexType(rel, nested, name + ".");
      } else if (member instanceof CallableDeclaration<?> callable) {
        String method = callable instanceof ConstructorDeclaration
            ? type.getNameAsString() : callable.getNameAsString();
        addMethod(rel, name, method, callable, seen);
      } else if (member instanceof CompactConstructorDeclaration compact) {
        addMethod(rel, name, type.getNameAsString(), compact, seen);
      } else if (member instanceof AnnotationMemberDeclaration element) {
        addMethod(rel, name, element.getNameAsString(), element, seen);
      }
    }
  }

  private void addMethod(String rel, String owner, String method, Node node, Set<String> seen) {
    if (!seen.add(method)) {
      return; // overloads share one entity, the first one's lines
    }
    int nameLine = node instanceof NodeWithSimpleName<?> named
        ? named.getName().getBegin().get().line : begin(node);
    definitions.add(def(owner + "." + method, "Method", rel, begin(node), nameLine, end(node)));
  }

  private static int begin(Node node) {
    return node.getRange().get().begin.line;
  }

  private static int end(Node node) {
    return node.getRange().get().end.line;
  }

  private static Map<String, Object> def(
      String qualifiedName, String kind, String path, int start, int defLine, int end) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("qualified_name", qualifiedName);
    d.put("kind", kind);
    d.put("path", path);
    d.put("start_line", start);
    d.put("def_line", defLine);
    d.put("end_line", end);
    return d;
  }

  // -- edges --------------------------------------------------------------------------------

  private void edges(String rel, CompilationUnit unit) {
    String module = pkg(unit);
    for (ImportDeclaration declaration : unit.getImports()) {
      String name = declaration.getNameAsString();
      List<String> targets = new ArrayList<>();
      if (declaration.isAsterisk() && !declaration.isStatic()) {
        targets.addAll(packageFiles.getOrDefault(name, List.of()));
        if (targets.isEmpty() && typeFiles.containsKey(name)) {
          targets.add(typeFiles.get(name));
        }
      } else if (declaration.isStatic() && !declaration.isAsterisk()) {
        String owner = name.substring(0, Math.max(0, name.lastIndexOf('.')));
        Optional.ofNullable(typeFiles.get(owner)).ifPresent(targets::add);
      } else {
        Optional.ofNullable(typeFiles.get(name)).ifPresent(targets::add);
      }
      for (String target : targets) {
        if (!target.equals(rel)) {
          imports.add(List.of(module, packageOf(target)));
        }
      }
    }
    for (TypeDeclaration<?> type : unit.findAll(TypeDeclaration.class)) {
      if (!libraryTypes.contains(qualified(type))) {
        continue;
      }
      if (type instanceof ClassOrInterfaceDeclaration c) {
        supertypes(qualified(type), c.getExtendedTypes(), inherits);
      }
      if (type instanceof NodeWithImplements<?> n) {
        supertypes(qualified(type), n.getImplementedTypes(), implementsEdges);
      }
    }
    for (MethodCallExpr call : unit.findAll(MethodCallExpr.class)) {
      String caller = caller(call);
      if (caller == null) {
        continue;
      }
      try {
        ResolvedMethodDeclaration target = call.resolve();
        add(caller, target.declaringType().getQualifiedName() + "." + target.getName(),
            rel, call, form(call));
      } catch (Exception | StackOverflowError e) {
        unresolved++;
        unresolvedSites.add(List.of(caller, call.getNameAsString()));
      }
    }
    for (ObjectCreationExpr creation : unit.findAll(ObjectCreationExpr.class)) {
      String caller = caller(creation);
      if (caller == null) {
        continue;
      }
      try {
        ResolvedReferenceType type = creation.getType().resolve().asReferenceType();
        add(caller, type.getQualifiedName(), rel, creation, "new T()");
      } catch (Exception | StackOverflowError e) {
        unresolved++;
        unresolvedSites.add(List.of(caller, creation.getType().getNameAsString()));
      }
    }
    for (ExplicitConstructorInvocationStmt stmt :
        unit.findAll(ExplicitConstructorInvocationStmt.class)) {
      String caller = caller(stmt);
      if (caller == null) {
        continue;
      }
      try {
        ResolvedConstructorDeclaration target = stmt.resolve();
        String owner = target.declaringType().getQualifiedName();
        add(caller, owner + "." + target.getName(), rel, stmt,
            stmt.isThis() ? "this()" : "super()");
      } catch (Exception | StackOverflowError e) {
        unresolved++;
      }
    }
  }

  private void supertypes(String source, List<ClassOrInterfaceType> types, Set<List<String>> into) {
    for (ClassOrInterfaceType written : types) {
      try {
        String target = written.resolve().asReferenceType().getQualifiedName();
        if (libraryTypes.contains(target)) {
          into.add(List.of(source, target));
        }
      } catch (Exception | StackOverflowError e) {
        // a type outside the checkout and the JDK
      }
    }
  }

  private void add(String caller, String target, String rel, Node site, String form) {
    resolved++;
    String owner = target.contains(".") ? target.substring(0, target.lastIndexOf('.')) : "";
    if (!libraryTypes.contains(target) && !libraryTypes.contains(owner)) {
      return; // the JDK, or a library outside the checkout
    }
    List<String> edge = List.of(caller, target);
    calls.add(edge);
    evidence.putIfAbsent(edge, List.of(rel, begin(site), form));
  }

  private static String form(MethodCallExpr call) {
    if (call.getScope().isEmpty()) {
      return "m()";
    }
    var scope = call.getScope().get();
    if (scope.isThisExpr()) {
      return "this.m()";
    }
    if (scope.isSuperExpr()) {
      return "super.m()";
    }
    if (scope.isNameExpr()) {
      return "x.m()";
    }
    if (scope.isFieldAccessExpr()) {
      return "a.b.m()";
    }
    if (scope.isMethodCallExpr()) {
      return "f().m()";
    }
    return "(expr).m()";
  }

  /** The recorded method a node lies in (null in field initialisers and initialiser blocks). */
  private String caller(Node node) {
    Node current = node.getParentNode().orElse(null);
    while (current != null) {
      if (current instanceof CallableDeclaration<?> || current instanceof CompactConstructorDeclaration) {
        Node parent = current.getParentNode().orElse(null);
        if (parent instanceof TypeDeclaration<?> type && libraryTypes.contains(qualified(type))) {
          String name = current instanceof MethodDeclaration m ? m.getNameAsString()
              : type.getNameAsString();
          return qualified(type) + "." + name;
        }
      } else if (current instanceof TypeDeclaration<?> type && libraryTypes.contains(qualified(type))) {
        return null; // directly in a type's body, outside any method
      }
      current = current.getParentNode().orElse(null);
    }
    return null;
  }

  private static String qualified(TypeDeclaration<?> type) {
    return type.getFullyQualifiedName().orElse(type.getNameAsString());
  }

  private String packageOf(String rel) {
    for (Map.Entry<String, List<String>> entry : packageFiles.entrySet()) {
      if (entry.getValue().contains(rel)) {
        return entry.getKey();
      }
    }
    return "";
  }
}
