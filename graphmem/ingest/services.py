"""Deployable units of a repository: docker-compose services and package manifests.

A `Service` is one of:

- a docker-compose service (`docker-compose.yml`/`.yaml`, `compose.yml`/`.yaml`, anywhere in the
  repository); `depends_on` (a list or a mapping) becomes `DEPENDS_ON` to the other services of the
  same compose file, and a `build:` context inside the repository becomes `CONTAINS` to that
  directory;
- a Python project (`pyproject.toml` with `project.name` or `tool.poetry.name`);
- a Node package (`package.json` with a `name`);
- a Go module (`go.mod` with a `module` line);
- a Maven, Gradle, Cargo or CMake build target (`graphmem.ingest.build_manifests`).

A manifest's Service CONTAINS the directory the manifest sits in. Dependencies between
manifests of the same repository (a workspace) become `DEPENDS_ON`: declared dependencies whose
name is another local package, a local path (`file:../x`, a Go `replace ... => ../x`) that
holds another manifest, or a Go `require` of another local module path.

Every service's qualified name is `service:<name>`. Two services may share a name (a compose
service `api` built from a package `api`); their ids still differ because the path differs.

A malformed file is skipped with a warning; discovery never raises on repository content.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from graphmem.ingest import build_manifests
from graphmem.ingest.language import directory_qualified_name
from graphmem.model import CodeEntity, Edge, Label, RelType, entity_id

log = logging.getLogger(__name__)

COMPOSE_FILE_NAMES = frozenset(
    {"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"}
)
MANIFEST_FILE_NAMES = frozenset({"pyproject.toml", "package.json", "go.mod"})

#: Warnings go to a caller-supplied sink (the ingest report), and to the log when there is none.
WarningSink = Callable[[str], None]


def directory_id(repo: str, dir_path: str) -> str:
    """The id of the Directory entity for `dir_path`; '' gives the Repository entity's id."""
    return entity_id(repo, dir_path, directory_qualified_name(dir_path))


@dataclass
class _Manifest:
    """One package manifest, before its dependencies are resolved against the workspace."""

    entity: CodeEntity
    directory: str
    #: normalised names of declared dependencies
    dep_names: set[str] = field(default_factory=set)
    #: repo-relative directories that declared local-path dependencies point at
    dep_dirs: set[str] = field(default_factory=set)


def discover(
    root: Path,
    repo: str,
    files: Sequence[str],
    warn: WarningSink | None = None,
    dir_id: Callable[[str, str], str] = directory_id,
) -> tuple[list[CodeEntity], list[Edge]]:
    """Find the services in the files the walker kept (repo-relative POSIX paths).

    `CONTAINS` edges only point at directories that hold at least one kept file, so they never
    dangle; a service of the repository root contains the Repository entity (`dir_id(repo, "")`).
    """
    sink = warn or log.warning
    directories = _directories(files)
    entities: list[CodeEntity] = []
    edges: list[Edge] = []

    def contains(service: CodeEntity, directory: str) -> None:
        if directory in directories:
            edges.append(
                Edge(type=RelType.CONTAINS, source=service.id, target=dir_id(repo, directory))
            )

    manifests: dict[str, list[_Manifest]] = {"python": [], "node": [], "go": []}
    for rel in sorted(files):
        if "node_modules" in rel.split("/"):
            continue
        base = posixpath.basename(rel)
        if base in COMPOSE_FILE_NAMES:
            found, found_edges = _compose(root, repo, rel, sink, contains)
            entities += found
            edges += found_edges
        elif base in MANIFEST_FILE_NAMES:
            manifest = _read_manifest(root, repo, rel, sink)
            if manifest is not None:
                manifests[str(manifest.entity.extra["service_type"])].append(manifest)
                entities.append(manifest.entity)
                contains(manifest.entity, manifest.directory)
        elif base in build_manifests.BUILD_FILE_NAMES:
            for manifest in _build_targets(root, repo, rel, files, sink):
                ecosystem = str(manifest.entity.extra["service_type"])
                manifests.setdefault(ecosystem, []).append(manifest)
                entities.append(manifest.entity)
                contains(manifest.entity, manifest.directory)

    _mark_workspace_members(manifests["node"])
    for group in manifests.values():
        edges += _workspace_edges(group)
    return entities, _unique(edges)


# -- docker compose ------------------------------------------------------------------------


def _compose(
    root: Path,
    repo: str,
    rel: str,
    warn: WarningSink,
    contains: Callable[[CodeEntity, str], None],
) -> tuple[list[CodeEntity], list[Edge]]:
    data = _load(root, rel, warn, lambda text: yaml.safe_load(text))
    if data is None:
        return [], []
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        if isinstance(data, dict) and "services" in data:
            warn(f"{rel}: 'services' is not a mapping; skipped")
        return [], []

    compose_dir = posixpath.dirname(rel)
    by_name: dict[str, CodeEntity] = {}
    specs: dict[str, dict[str, Any]] = {}
    for name, spec in services.items():
        if not isinstance(spec, dict):
            spec = {}
        name = str(name)
        extra: dict[str, Any] = {"service_type": "compose"}
        if isinstance(spec.get("image"), str):
            extra["image"] = spec["image"]
        by_name[name] = CodeEntity.new(
            Label.SERVICE,
            repo,
            rel,
            f"service:{name}",
            name=name,
            content_hash=_hash(json.dumps(spec, sort_keys=True, default=str)),
            extra=extra,
        )
        specs[name] = spec

    edges: list[Edge] = []
    for name, spec in specs.items():
        service = by_name[name]
        context = _build_context(spec.get("build"))
        if context is not None:
            directory = _join_inside(compose_dir, context)
            if directory is None:
                warn(f"{rel}: build context of service '{name}' is outside the repository")
            else:
                contains(service, directory)
        for dependency in _depends_on(spec.get("depends_on")):
            target = by_name.get(dependency)
            if target is None:
                warn(f"{rel}: service '{name}' depends on unknown service '{dependency}'")
            elif target is not service:
                edges.append(Edge(type=RelType.DEPENDS_ON, source=service.id, target=target.id))
    return list(by_name.values()), edges


def _build_context(build: Any) -> str | None:
    if isinstance(build, str):
        return build
    if isinstance(build, dict):
        context = build.get("context", ".")
        return context if isinstance(context, str) else None
    return None


def _depends_on(value: Any) -> list[str]:
    """`depends_on` is either a list of names or a mapping of name -> {condition: ...}."""
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int)]
    if isinstance(value, dict):
        return [str(key) for key in value]
    return []


# -- package manifests ---------------------------------------------------------------------


def _read_manifest(root: Path, repo: str, rel: str, warn: WarningSink) -> _Manifest | None:
    base = posixpath.basename(rel)
    if base == "pyproject.toml":
        return _pyproject(root, repo, rel, warn)
    if base == "package.json":
        return _package_json(root, repo, rel, warn)
    return _go_mod(root, repo, rel, warn)


def _build_targets(
    root: Path, repo: str, rel: str, files: Sequence[str], warn: WarningSink
) -> list[_Manifest]:
    """The Services of a Maven, Gradle, Cargo or CMake build file (build_manifests.py)."""
    raw = _read_text(root, rel, warn)
    if raw is None:
        return []
    found = []
    for target in build_manifests.read_build_file(
        rel, raw, files, lambda other: _read_text(root, other, warn), warn
    ):
        manifest = _manifest(
            repo, rel, target.name, target.service_type, raw, build_tool=target.build_tool
        )
        manifest.dep_names |= target.dep_names
        manifest.dep_dirs |= target.dep_dirs
        found.append(manifest)
    return found


def _manifest(
    repo: str, rel: str, name: str, service_type: str, raw: str, **extra: Any
) -> _Manifest:
    entity = CodeEntity.new(
        Label.SERVICE,
        repo,
        rel,
        f"service:{name}",
        name=name,
        start_line=1,
        end_line=max(1, raw.count("\n") + (0 if raw.endswith("\n") else 1)),
        content_hash=_hash(raw),
        extra={"service_type": service_type, **extra},
    )
    return _Manifest(entity=entity, directory=posixpath.dirname(rel))


def _pyproject(root: Path, repo: str, rel: str, warn: WarningSink) -> _Manifest | None:
    raw = _read_text(root, rel, warn)
    if raw is None:
        return None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as e:
        warn(f"{rel}: malformed TOML ({e}); skipped")
        return None
    project = _mapping(data.get("project"))
    poetry = _mapping(_mapping(data.get("tool")).get("poetry"))
    name = project.get("name") or poetry.get("name")
    if not isinstance(name, str) or not name:
        return None  # a tool-only pyproject (ruff, black settings): not a deployable unit
    manifest = _manifest(repo, rel, name, "python", raw)

    requirements: list[str] = _strings(project.get("dependencies"))
    for group in _mapping(project.get("optional-dependencies")).values():
        requirements += _strings(group)
    for group in _mapping(data.get("dependency-groups")).values():
        requirements += _strings(group)
    manifest.dep_names |= {_python_name(r) for r in requirements} - {""}

    for section in ("dependencies", "dev-dependencies"):
        _add_python_sources(manifest, poetry.get(section))
    for group in _mapping(poetry.get("group")).values():
        _add_python_sources(manifest, _mapping(group).get("dependencies"))
    # uv: [tool.uv.sources] name = { path = "../x" } or { workspace = true }
    _add_python_sources(manifest, _mapping(_mapping(data.get("tool")).get("uv")).get("sources"))
    manifest.dep_names.discard(_python_name(name))
    manifest.entity.extra["package_name"] = _python_name(name)
    return manifest


def _add_python_sources(manifest: _Manifest, table: Any) -> None:
    """A table of ``name = spec`` (Poetry dependencies, uv sources): every name is a
    dependency, and a spec ``{ path = "../x" }`` names a local directory too."""
    for dep, spec in _mapping(table).items():
        manifest.dep_names.add(_python_name(str(dep)))
        path = _mapping(spec).get("path")
        if isinstance(path, str):
            _add_dir(manifest, path)


_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def _python_name(requirement: str) -> str:
    """The normalised (PEP 503) distribution name of a PEP 508 requirement string."""
    match = _REQUIREMENT_NAME.match(requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def _package_json(root: Path, repo: str, rel: str, warn: WarningSink) -> _Manifest | None:
    raw = _read_text(root, rel, warn)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        warn(f"{rel}: malformed JSON ({e}); skipped")
        return None
    if not isinstance(data, dict):
        warn(f"{rel}: not a JSON object; skipped")
        return None
    name = data.get("name")
    workspaces = data.get("workspaces")
    if isinstance(workspaces, dict):  # yarn classic: {"packages": [...], "nohoist": [...]}
        workspaces = workspaces.get("packages")
    patterns = _strings(workspaces)
    if not isinstance(name, str) or not name:
        if not patterns:
            return None
        # An unnamed workspace root still describes the repository's packages.
        name = posixpath.basename(posixpath.dirname(rel)) or "workspace"
    extra: dict[str, Any] = {"package_name": name}
    if patterns:
        extra["workspaces"] = patterns
    manifest = _manifest(repo, rel, name, "node", raw, **extra)
    for section in (
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "optionalDependencies",
    ):
        for dep, spec in _mapping(data.get(section)).items():
            manifest.dep_names.add(str(dep))
            if isinstance(spec, str):
                for prefix in ("file:", "link:", "portal:"):
                    if spec.startswith(prefix):
                        _add_dir(manifest, spec[len(prefix) :])
    manifest.dep_names.discard(name)
    return manifest


def _go_mod(root: Path, repo: str, rel: str, warn: WarningSink) -> _Manifest | None:
    raw = _read_text(root, rel, warn)
    if raw is None:
        return None
    module: str | None = None
    required: set[str] = set()
    replaced_dirs: list[str] = []
    block: str | None = None
    for number, text in enumerate(raw.splitlines(), 1):
        line = text.split("//", 1)[0].strip()
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
                continue
            directive, rest = block, line
        else:
            directive, _, rest = line.partition(" ")
            rest = rest.strip()
            if rest == "(":
                block = directive
                continue
        if directive == "module" and rest:
            module = _unquote_go(rest.split()[0])
        elif directive == "require" and rest:
            required.add(_unquote_go(rest.split()[0]))
        elif directive == "replace":
            if "=>" not in rest:
                warn(f"{rel}:{number}: malformed replace directive")
                continue
            old, new = (side.split() for side in rest.split("=>", 1))
            if old:
                required.add(_unquote_go(old[0]))
            if new and new[0].startswith(("./", "../")):
                replaced_dirs.append(_unquote_go(new[0]))
    if not module:
        warn(f"{rel}: no module directive; skipped")
        return None
    manifest = _manifest(repo, rel, module, "go", raw, module_path=module)
    manifest.dep_names |= required - {module}
    for directory in replaced_dirs:
        _add_dir(manifest, directory)
    return manifest


def _unquote_go(token: str) -> str:
    return token[1:-1] if len(token) >= 2 and token[0] == token[-1] and token[0] in '"`' else token


def _add_dir(manifest: _Manifest, relative: str) -> None:
    directory = _join_inside(manifest.directory, relative)
    if directory is not None:
        manifest.dep_dirs.add(directory)


def _workspace_edges(manifests: Sequence[_Manifest]) -> list[Edge]:
    """DEPENDS_ON between manifests of one ecosystem, by package name or by local path."""
    by_name: dict[str, _Manifest] = {}
    by_dir: dict[str, _Manifest] = {}
    for manifest in manifests:
        by_name.setdefault(
            str(manifest.entity.extra.get("package_name", manifest.entity.name)), manifest
        )
        by_dir.setdefault(manifest.directory, manifest)
    edges: list[Edge] = []
    for manifest in manifests:
        targets = [by_name[n] for n in sorted(manifest.dep_names) if n in by_name]
        targets += [by_dir[d] for d in sorted(manifest.dep_dirs) if d in by_dir]
        for target in targets:
            if target is not manifest:
                edges.append(
                    Edge(
                        type=RelType.DEPENDS_ON, source=manifest.entity.id, target=target.entity.id
                    )
                )
    return edges


def _mark_workspace_members(manifests: Sequence[_Manifest]) -> None:
    """Record on each npm/yarn workspace member the name of the workspace root that lists it."""
    for owner in manifests:
        patterns = owner.entity.extra.get("workspaces")
        if not patterns:
            continue
        dirs = [m.directory for m in manifests if m is not owner]
        for member_dir in workspace_members(owner.directory, patterns, dirs):
            for member in manifests:
                if member.directory == member_dir:
                    member.entity.extra.setdefault("workspace", owner.entity.name)


def workspace_members(
    root_manifest_dir: str, patterns: Iterable[str], dirs: Iterable[str]
) -> list[str]:
    """The directories among `dirs` that npm/yarn workspace `patterns` select.

    Patterns are globs relative to the workspace root; `*` stays within one path segment, `**`
    crosses segments, and a leading `!` excludes.
    """
    include = [p for p in patterns if not p.startswith("!")]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    members = []
    for directory in dirs:
        relative = posixpath.relpath(directory, root_manifest_dir or ".") if directory else "."
        if relative.startswith(".."):
            continue
        if any(_glob(relative, p) for p in include) and not any(
            _glob(relative, p) for p in exclude
        ):
            members.append(directory)
    return members


def _glob(path: str, pattern: str) -> bool:
    pattern = pattern.strip().rstrip("/").removeprefix("./")
    if "**" in pattern:
        return fnmatchcase(path, pattern.replace("**/", "*").replace("**", "*"))
    return path.count("/") == pattern.count("/") and fnmatchcase(path, pattern)


# -- small shared pieces -------------------------------------------------------------------


def _directories(files: Iterable[str]) -> set[str]:
    """Every directory that holds a kept file, with its ancestors; '' is the repository root."""
    directories = {""}
    for rel in files:
        parent = posixpath.dirname(rel)
        while parent and parent not in directories:
            directories.add(parent)
            parent = posixpath.dirname(parent)
    return directories


def _join_inside(base: str, relative: str) -> str | None:
    """`base/relative` normalised, or None when it leaves the repository or is absolute."""
    if relative.startswith("/") or "://" in relative:
        return None
    joined = posixpath.normpath(posixpath.join(base, relative))
    if joined == ".":
        return ""
    if joined.startswith("../") or joined == "..":
        return None
    return joined


def _read_text(root: Path, rel: str, warn: WarningSink) -> str | None:
    try:
        return (root / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        warn(f"{rel}: unreadable ({e}); skipped")
        return None


def _load(root: Path, rel: str, warn: WarningSink, parse: Callable[[str], Any]) -> Any:
    raw = _read_text(root, rel, warn)
    if raw is None:
        return None
    try:
        return parse(raw)
    except yaml.YAMLError as e:
        warn(f"{rel}: malformed YAML ({str(e).splitlines()[0] if str(e) else e}); skipped")
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def _unique(edges: Iterable[Edge]) -> list[Edge]:
    seen: dict[tuple[str, str, str], Edge] = {}
    for edge in edges:
        seen.setdefault(edge.key, edge)
    return list(seen.values())
