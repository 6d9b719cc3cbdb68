"""Build files of compiled languages as Services: Maven, Gradle, Cargo and CMake.

`services.py` turns what this module reads into Service entities, and links them with
DEPENDS_ON inside one ecosystem, by name or by directory, as it does for package manifests:

- ``pom.xml``: the project's ``artifactId`` names it; each ``<dependency>`` names a dependency
  by its ``artifactId`` (a module of the same build is matched by it).
- ``build.gradle`` / ``build.gradle.kts``: the directory names the project (the root's name
  comes from ``rootProject.name`` in the settings file); ``project(":libs:core")`` and type-safe
  ``projects.libs.core`` accessors are dependencies on the directory ``libs/core`` next to the
  nearest ``settings.gradle(.kts)``.
- ``Cargo.toml``: ``[package] name``; every dependency table (``[dependencies]``,
  ``[dev-dependencies]``, ``[build-dependencies]``, ``[target.*.dependencies]``) names
  dependencies, ``path = "../x"`` points at a directory, ``package = "..."`` is the real name.
  A virtual workspace root (no ``[package]``) is not a Service.
- ``CMakeLists.txt``: each ``add_library`` / ``add_executable`` target is a Service;
  ``target_link_libraries`` in the same file names its dependencies (an ``ALIAS`` is read as
  its target; ``ns::name`` declared elsewhere also names a target ``name``, as the convention
  for aliases is). Names built from variables (``${PROJECT_NAME}``) cannot be known without
  running CMake and are skipped.

A build file that cannot be read gives a warning and no Service.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Build files read here, by file name.
BUILD_FILE_NAMES = frozenset(
    {"pom.xml", "build.gradle", "build.gradle.kts", "Cargo.toml", "CMakeLists.txt"}
)

_GRADLE_SETTINGS = ("settings.gradle", "settings.gradle.kts")
_GRADLE_PROJECT = re.compile(r"""\bproject\s*\(\s*(?:path\s*[:=]\s*)?["']([^"']+)["']""")
_GRADLE_ACCESSOR = re.compile(r"\bprojects((?:\.[A-Za-z_]\w*)+)")
_GRADLE_ROOT_NAME = re.compile(r"""rootProject\.name\s*=\s*["']([^"']+)["']""")
_CMAKE_COMMENT = re.compile(r"#\[(=*)\[.*?\]\1\]|#[^\n]*", re.DOTALL)
_CMAKE_COMMAND = re.compile(
    r"\b(add_library|add_executable|target_link_libraries)\s*\(([^)]*)\)", re.I
)
_CMAKE_KEYWORDS = frozenset(
    {"PUBLIC", "PRIVATE", "INTERFACE", "LINK_PUBLIC", "LINK_PRIVATE", "LINK_INTERFACE_LIBRARIES"}
    | {"debug", "optimized", "general"}
)
_CMAKE_TARGET_OPTIONS = frozenset(
    {"STATIC", "SHARED", "MODULE", "OBJECT", "INTERFACE", "EXCLUDE_FROM_ALL", "WIN32"}
    | {"MACOSX_BUNDLE"}
)

Warn = Callable[[str], None]
Read = Callable[[str], str | None]


@dataclass
class BuildTarget:
    """One Service a build file declares, with what it depends on."""

    name: str
    #: the ecosystem: targets link only to targets of the same one
    service_type: str
    build_tool: str
    #: names of dependencies (artifact ids, crate names, CMake targets)
    dep_names: set[str] = field(default_factory=set)
    #: repo-relative directories of dependencies given by location
    dep_dirs: set[str] = field(default_factory=set)


def read_build_file(
    rel: str, raw: str, files: Collection[str], read: Read, warn: Warn
) -> list[BuildTarget]:
    """The Services one build file declares (none when it declares no deployable unit).
    `files` are the repository's kept files and `read` reads one of them (Gradle's settings)."""
    base = posixpath.basename(rel)
    if base == "pom.xml":
        return _maven(rel, raw, warn)
    if base.startswith("build.gradle"):
        return [_gradle(rel, raw, files, read)]
    if base == "Cargo.toml":
        return _cargo(rel, raw, warn)
    return _cmake(raw)


# -- Maven ----------------------------------------------------------------------------------


def _maven(rel: str, raw: str, warn: Warn) -> list[BuildTarget]:
    if "<!DOCTYPE" in raw or "<!ENTITY" in raw:
        warn(f"{rel}: a pom.xml with a DOCTYPE is not read; skipped")
        return []
    try:
        project = ElementTree.fromstring(raw)
    except ElementTree.ParseError as e:
        warn(f"{rel}: malformed XML ({e}); skipped")
        return []
    artifact = _child_text(project, "artifactId")
    if not artifact:
        warn(f"{rel}: no artifactId; skipped")
        return []
    target = BuildTarget(artifact, "java", "maven")
    for section in (project, _child(project, "dependencyManagement")):
        dependencies = _child(section, "dependencies") if section is not None else None
        for dependency in list(dependencies) if dependencies is not None else []:
            name = _child_text(dependency, "artifactId")
            if name and name != artifact:
                target.dep_names.add(name)
    return [target]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _child_text(element: ElementTree.Element, name: str) -> str | None:
    child = _child(element, name)
    return child.text.strip() if child is not None and child.text else None


# -- Gradle ---------------------------------------------------------------------------------


def _gradle(rel: str, raw: str, files: Collection[str], read: Read) -> BuildTarget:
    directory = posixpath.dirname(rel)
    settings_dir = _settings_dir(directory, files)
    name = posixpath.basename(directory) or "root"
    if directory == settings_dir:
        name = _root_project_name(settings_dir, files, read) or name
    target = BuildTarget(name, "java", "gradle")
    paths = [p.strip(":").replace(":", "/") for p in _GRADLE_PROJECT.findall(raw)]
    paths += [
        "/".join(_kebab(part) for part in accessor.strip(".").split("."))
        for accessor in _GRADLE_ACCESSOR.findall(raw)
    ]
    for path in paths:
        joined = posixpath.normpath(posixpath.join(settings_dir, path)) if path else settings_dir
        if joined not in (".", directory) and not joined.startswith(".."):
            target.dep_dirs.add(joined)
    return target


def _settings_dir(directory: str, files: Collection[str]) -> str:
    probe = directory
    while True:
        if any(posixpath.join(probe, name) in files for name in _GRADLE_SETTINGS):
            return probe
        if not probe:
            return ""
        probe = posixpath.dirname(probe)


def _root_project_name(settings_dir: str, files: Collection[str], read: Read) -> str | None:
    for name in _GRADLE_SETTINGS:
        rel = posixpath.join(settings_dir, name)
        text = read(rel) if rel in files else None
        found = _GRADLE_ROOT_NAME.search(text) if text is not None else None
        if found:
            return found.group(1)
    return None


def _kebab(accessor: str) -> str:
    """Gradle's type-safe accessor ``fooBar`` names the project ``foo-bar``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", accessor).lower()


# -- Cargo ----------------------------------------------------------------------------------


def _cargo(rel: str, raw: str, warn: Warn) -> list[BuildTarget]:
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as e:
        warn(f"{rel}: malformed TOML ({e}); skipped")
        return []
    package = _mapping(data.get("package"))
    name = package.get("name")
    if not isinstance(name, str) or not name:
        return []  # a virtual workspace: its members are the Services
    target = BuildTarget(name, "rust", "cargo")
    directory = posixpath.dirname(rel)
    tables = [data, *_mapping(data.get("target")).values()]
    for table in tables:
        for section in ("dependencies", "dev-dependencies", "build-dependencies"):
            for dep, spec in _mapping(_mapping(table).get(section)).items():
                spec_map = _mapping(spec)
                real = spec_map.get("package", dep)
                target.dep_names.add(str(real))
                path = spec_map.get("path")
                if isinstance(path, str):
                    joined = posixpath.normpath(posixpath.join(directory, path))
                    if not joined.startswith(".."):
                        target.dep_dirs.add("" if joined == "." else joined)
    target.dep_names.discard(name)
    return [target]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


# -- CMake ----------------------------------------------------------------------------------


def _cmake(raw: str) -> list[BuildTarget]:
    text = _CMAKE_COMMENT.sub(" ", raw)
    targets: dict[str, BuildTarget] = {}
    aliases: dict[str, str] = {}
    links: list[tuple[str, list[str]]] = []
    for command, arguments in _CMAKE_COMMAND.findall(text):
        words = _cmake_words(arguments)
        if not words or not _literal(words[0]):
            continue
        name, rest = words[0], words[1:]
        command = command.lower()
        if command == "target_link_libraries":
            links.append((name, [w for w in rest if w not in _CMAKE_KEYWORDS]))
        elif "ALIAS" in rest:
            position = rest.index("ALIAS")
            if position + 1 < len(rest):
                aliases[name] = rest[position + 1]
        elif "IMPORTED" not in rest:
            tool = "executable" if command == "add_executable" else "library"
            targets.setdefault(name, BuildTarget(name, "cmake", tool))
    for name, dependencies in links:
        owner = targets.get(aliases.get(name, name))
        if owner is None:
            continue
        for dependency in dependencies:
            if _literal(dependency):
                owner.dep_names.add(aliases.get(dependency, dependency))
                if "::" in dependency:  # an ALIAS declared in another file, by convention
                    owner.dep_names.add(dependency.rsplit("::", 1)[1])
        owner.dep_names.discard(owner.name)
    for target in targets.values():
        target.dep_names = {aliases.get(d, d) for d in target.dep_names}
    return list(targets.values())


def _cmake_words(arguments: str) -> list[str]:
    return [w.strip('"') for w in re.findall(r'"[^"]*"|[^\s"]+', arguments)]


def _literal(word: str) -> bool:
    """A name CMake does not compute (no ``${VAR}`` or generator expression)."""
    return bool(word) and "$" not in word and not word.startswith("-")
