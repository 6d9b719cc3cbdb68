"""A qualified name that several entities share: the files of one Go package are its folder,
and two definitions of one function (one per build tag) are named, never picked between."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.api import GraphMem
from graphmem.errors import NotFoundError
from graphmem.model import Label
from graphmem.settings import Settings


@pytest.fixture
def gm(tmp_path: Path) -> GraphMem:
    root = tmp_path / "repo"
    (root / "tui").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/fzf\n\ngo 1.22\n")
    (root / "tui" / "tcell.go").write_text(
        "//go:build tcell\n\npackage tui\n\nfunc HasFullscreenRenderer() bool {\n\treturn true\n}\n"
    )
    (root / "tui" / "dummy.go").write_text(
        "//go:build !tcell\n\npackage tui\n\nfunc HasFullscreenRenderer() bool {\n"
        "\treturn false\n}\n"
    )
    (root / "tui" / "light.go").write_text("package tui\n\nfunc Light() {}\n")
    gm = GraphMem(Settings(store=str(tmp_path / "g.db")), repo_root=root)
    gm.ingest()
    return gm


def test_a_name_defined_twice_is_refused_with_both_places(gm: GraphMem) -> None:
    with gm, pytest.raises(NotFoundError, match="names 2 entities") as raised:
        gm.resolve_target("example.com/fzf/tui.HasFullscreenRenderer")
    assert sorted(raised.value.suggestions) == [
        "tui/dummy.go::example.com/fzf/tui.HasFullscreenRenderer",
        "tui/tcell.go::example.com/fzf/tui.HasFullscreenRenderer",
    ]
    with gm:
        one = gm.resolve_target(raised.value.suggestions[0])
    assert one.get("path") == "tui/dummy.go"


def test_a_go_package_named_is_its_folder(gm: GraphMem) -> None:
    with gm:
        package = gm.resolve_target("example.com/fzf/tui")
        assert package.has(Label.DIRECTORY) and package.get("path") == "tui"
        assert gm.resolve_target("example.com/fzf/tui.Light").get("path") == "tui/light.go"
