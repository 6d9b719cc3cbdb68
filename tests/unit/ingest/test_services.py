"""Service discovery: compose services, Python/Node/Go manifests and the edges between them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graphmem.ingest.services import directory_id, discover, workspace_members
from graphmem.model import CodeEntity, Edge, Label, RelType

FIXTURE = Path(__file__).parents[2] / "fixtures" / "services_repo"
REPO = "shop"


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _by_name(entities: list[CodeEntity]) -> dict[str, CodeEntity]:
    found: dict[str, CodeEntity] = {}
    for entity in entities:
        assert entity.name not in found, f"duplicate service name {entity.name}"
        found[entity.name] = entity
    return found


def _pairs(edges: list[Edge], rel: RelType, names: dict[str, str]) -> set[tuple[str, str]]:
    return {(names[e.source], names[e.target]) for e in edges if e.type == rel}


@pytest.fixture(scope="module")
def discovered() -> tuple[dict[str, CodeEntity], list[Edge]]:
    entities, edges = discover(FIXTURE, REPO, _files(FIXTURE))
    return _by_name(entities), edges


def test_every_service_is_found_with_its_type(
    discovered: tuple[dict[str, CodeEntity], list[Edge]],
) -> None:
    services, _ = discovered
    assert {name: s.extra["service_type"] for name, s in services.items()} == {
        "api": "compose",
        "worker": "compose",
        "db": "compose",
        "cache": "compose",
        "shop-api": "python",
        "shop-core": "python",
        "shop": "node",
        "@shop/app": "node",
        "@shop/ui": "node",
        "github.com/acme/shop/worker": "go",
        "github.com/acme/shop/lib": "go",
    }
    for service in services.values():
        assert service.kind is Label.SERVICE
        assert service.qualified_name == f"service:{service.name}"
        assert service.id.startswith("e-")
    assert services["db"].extra["image"] == "postgres:16"
    assert services["db"].path == "docker-compose.yml"
    assert services["shop-api"].path == "api/pyproject.toml"
    assert services["github.com/acme/shop/lib"].extra["module_path"] == "github.com/acme/shop/lib"


def test_depends_on_as_list_mapping_and_workspace(
    discovered: tuple[dict[str, CodeEntity], list[Edge]],
) -> None:
    services, edges = discovered
    names = {s.id: name for name, s in services.items()}
    assert _pairs(edges, RelType.DEPENDS_ON, names) == {
        ("api", "db"),
        ("api", "cache"),
        ("worker", "db"),  # mapping form with a condition
        ("shop-api", "shop-core"),  # shop_core>=0.1, PEP 503 normalised
        ("@shop/app", "@shop/ui"),  # workspace:* dependency by name
        ("github.com/acme/shop/worker", "github.com/acme/shop/lib"),  # require + replace
    }


def test_services_contain_their_directories(
    discovered: tuple[dict[str, CodeEntity], list[Edge]],
) -> None:
    services, edges = discovered
    contains = {(e.source, e.target) for e in edges if e.type == RelType.CONTAINS}
    expected = {
        ("api", "api"),  # build: ./api
        ("worker", "worker"),  # build: {context: ./worker}
        ("shop-api", "api"),
        ("shop-core", "core"),
        ("shop", ""),  # a root manifest contains the repository itself
        ("@shop/app", "web/app"),
        ("@shop/ui", "web/ui"),
        ("github.com/acme/shop/worker", "worker"),
        ("github.com/acme/shop/lib", "lib"),
    }
    assert contains == {(services[s].id, directory_id(REPO, d)) for s, d in expected}
    # image-only services have no source directory in the repository
    assert not any(source == services["db"].id for source, _ in contains)


def test_workspace_members_are_marked(
    discovered: tuple[dict[str, CodeEntity], list[Edge]],
) -> None:
    services, _ = discovered
    assert services["shop"].extra["workspaces"] == ["web/*"]
    assert services["@shop/app"].extra["workspace"] == "shop"
    assert services["@shop/ui"].extra["workspace"] == "shop"
    assert "workspace" not in services["shop-api"].extra


def test_ids_are_stable_across_runs() -> None:
    first, first_edges = discover(FIXTURE, REPO, _files(FIXTURE))
    second, second_edges = discover(FIXTURE, REPO, _files(FIXTURE))
    assert [e.id for e in first] == [e.id for e in second]
    assert {e.key for e in first_edges} == {e.key for e in second_edges}


def test_only_kept_files_count(tmp_path: Path) -> None:
    """Files the walker dropped (and anything in node_modules) are not discovered."""
    shutil.copytree(FIXTURE, tmp_path / "r")
    root = tmp_path / "r"
    (root / "node_modules" / "left-pad").mkdir(parents=True)
    (root / "node_modules" / "left-pad" / "package.json").write_text('{"name": "left-pad"}')
    files = [f for f in _files(root) if not f.startswith("web/")]
    services = _by_name(discover(root, REPO, files)[0])
    assert "left-pad" not in services
    assert "@shop/app" not in services


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("docker-compose.yml", "services:\n  api: [unclosed\n", "malformed YAML"),
        ("compose.yaml", "services: 3\n", "not a mapping"),
        ("package.json", '{"name": "x",', "malformed JSON"),
        ("package.json", "[1, 2]", "not a JSON object"),
        ("pyproject.toml", "[project\nname = 'x'", "malformed TOML"),
        ("go.mod", "go 1.22\n", "no module directive"),
        ("docker-compose.yml", b"\xff\xfe\x00garbage", "unreadable"),
    ],
)
def test_malformed_files_warn_and_never_raise(
    tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    target = tmp_path / "svc" / name
    target.parent.mkdir()
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "go.mod").write_text("module example.com/ok\n")
    warnings: list[str] = []
    entities, edges = discover(tmp_path, "r", [f"svc/{name}", "ok/go.mod"], warn=warnings.append)
    assert [e.name for e in entities] == ["example.com/ok"]
    assert len(warnings) == 1
    assert message in warnings[0]
    assert warnings[0].startswith(f"svc/{name}")


def test_unknown_dependency_and_outside_build_context_warn(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "compose.yml").write_text(
        "services:\n  web:\n    build: ../../elsewhere\n    depends_on: [ghost]\n"
    )
    warnings: list[str] = []
    entities, edges = discover(tmp_path, "r", ["deploy/compose.yml"], warn=warnings.append)
    assert [e.name for e in entities] == ["web"]
    assert edges == []
    assert any("outside the repository" in w for w in warnings)
    assert any("unknown service 'ghost'" in w for w in warnings)


def test_tool_only_pyproject_is_not_a_service(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert discover(tmp_path, "r", ["pyproject.toml"]) == ([], [])


def test_poetry_path_and_node_file_dependencies(tmp_path: Path) -> None:
    for d in ("a", "b", "c", "d"):
        (tmp_path / d).mkdir()
    (tmp_path / "a" / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "alpha"\n[tool.poetry.dependencies]\n'
        'python = "^3.11"\nbeta-lib = { path = "../b", develop = true }\n'
    )
    (tmp_path / "b" / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    (tmp_path / "c" / "package.json").write_text(
        '{"name": "c", "dependencies": {"x": "file:../d"}}'
    )
    (tmp_path / "d" / "package.json").write_text('{"name": "dee"}')
    files = ["a/pyproject.toml", "b/pyproject.toml", "c/package.json", "d/package.json"]
    entities, edges = discover(tmp_path, "r", files)
    names = {e.id: e.name for e in entities}
    assert _pairs(edges, RelType.DEPENDS_ON, names) == {("alpha", "something-else"), ("c", "dee")}


def test_workspace_globs() -> None:
    dirs = ["packages/a", "packages/b", "packages/b/nested", "apps/web", "tools"]
    assert workspace_members("", ["packages/*", "apps/**"], dirs) == [
        "packages/a",
        "packages/b",
        "apps/web",
    ]
    assert workspace_members("", ["packages/*", "!packages/b"], dirs) == ["packages/a"]
