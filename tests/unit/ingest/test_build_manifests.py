"""Services from Maven, Gradle, Cargo and CMake build files, and DEPENDS_ON between them."""

from __future__ import annotations

from pathlib import Path

from graphmem.ingest.services import discover
from graphmem.model import Edge, RelType

FIXTURES = Path(__file__).parents[2] / "fixtures"


def services(root: Path) -> tuple[dict[str, str], set[tuple[str, str]], list[str]]:
    """Service names by id with their build tool, DEPENDS_ON as name pairs, and warnings."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    warnings: list[str] = []
    entities, edges = discover(root, "repo", files, warnings.append)
    names = {e.id: e.name for e in entities}
    tools = {e.name: f"{e.path} {e.extra['build_tool']}" for e in entities}
    return tools, depends(edges, names), warnings


def depends(edges: list[Edge], names: dict[str, str]) -> set[tuple[str, str]]:
    return {(names[e.source], names[e.target]) for e in edges if e.type == RelType.DEPENDS_ON}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_maven_modules_depend_on_each_other_by_artifact_id() -> None:
    tools, edges, warnings = services(FIXTURES / "java_app")
    assert tools == {
        "shop-parent": "pom.xml maven",
        "shop-core": "core/pom.xml maven",
        "shop-app": "app/pom.xml maven",
    }
    assert edges == {("shop-app", "shop-core")}  # junit is not in the repository
    assert warnings == []


def test_gradle_projects_depend_through_project_paths(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "settings.gradle.kts": 'rootProject.name = "shop"\ninclude(":libs:core", ":app")\n',
            "build.gradle.kts": "plugins { java }\n",
            "libs/core/build.gradle": "dependencies { implementation 'com.google:gson:2.10' }\n",
            "app/build.gradle.kts": (
                'dependencies {\n    implementation(project(":libs:core"))\n'
                "    testImplementation(projects.libs.core)\n}\n"
            ),
        },
    )
    tools, edges, _ = services(root)
    assert tools == {
        "shop": "build.gradle.kts gradle",
        "core": "libs/core/build.gradle gradle",
        "app": "app/build.gradle.kts gradle",
    }
    assert edges == {("app", "core")}


def test_cargo_workspace_members_depend_by_name_and_path(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
            "crates/core/Cargo.toml": '[package]\nname = "shop-core"\nversion = "0.1.0"\n',
            "crates/cli/Cargo.toml": (
                '[package]\nname = "shop-cli"\n\n[dependencies]\n'
                'core = { path = "../core", package = "shop-core" }\nserde = "1"\n'
            ),
            "crates/web/Cargo.toml": (
                "[package]\nname = \"shop-web\"\n\n[target.'cfg(unix)'.dev-dependencies]\n"
                "shop-cli = { workspace = true }\n"
            ),
            "broken/Cargo.toml": "[package\nname = ",
        },
    )
    tools, edges, warnings = services(root)
    assert set(tools) == {"shop-core", "shop-cli", "shop-web"}  # the virtual root is none
    assert edges == {("shop-cli", "shop-core"), ("shop-web", "shop-cli")}
    assert len(warnings) == 1 and warnings[0].startswith("broken/Cargo.toml: malformed TOML")


def test_cmake_targets_link_to_targets(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "CMakeLists.txt": (
                "cmake_minimum_required(VERSION 3.16)\nproject(shop C)\n"
                "add_subdirectory(lib)\n# add_executable(commented out.c)\n"
                "add_executable(shop main.c)\n"
                "target_link_libraries(shop PRIVATE shop::store m)\n"
                "add_library(${PROJECT_NAME}_extra extra.c)\n"
            ),
            "lib/CMakeLists.txt": (
                "add_library(store STATIC store.c)\nadd_library(shop::store ALIAS store)\n"
                "add_library(zlib::zlib SHARED IMPORTED)\n"
                'target_link_libraries(store PUBLIC "zlib::zlib")\n'
            ),
        },
    )
    tools, edges, _ = services(root)
    assert tools == {"shop": "CMakeLists.txt executable", "store": "lib/CMakeLists.txt library"}
    assert edges == {("shop", "store")}


def test_a_broken_pom_is_a_warning(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pom.xml": "<project><artifactId>x</artifactId>",
            "b/pom.xml": '<!DOCTYPE x [<!ENTITY a "b">]><project/>',
        },
    )
    tools, _, warnings = services(root)
    assert tools == {}
    assert sorted(w.split(":")[0] for w in warnings) == ["b/pom.xml", "pom.xml"]
