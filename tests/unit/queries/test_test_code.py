"""Which code is test code, by each language's own conventions (impact and review list the
tests to run from it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.api import GraphMem
from graphmem.model import CodeEntity, Label
from graphmem.queries.impact import is_test_entity, render_impact
from graphmem.settings import Settings


@pytest.mark.parametrize(
    ("path", "qualified_name", "test"),
    [
        ("db/db_test.cc", "rocksdb::DBTest_Open_Test::TestBody", True),
        ("util/coding_unittest.cpp", "f", True),
        ("src/test_list.c", "check_push", True),
        ("shop/tests.py", "shop.tests.OrderTests.check_total", True),
        ("core/src/main/java/a/OrderIT.java", "a.OrderIT.placesOrder", True),
        ("crates/ignore/src/dir.rs", "ignore::dir::tests::order_independent", True),
        ("crates/ignore/src/dir.rs", "ignore::dir::Ignore::matched", False),
        ("src/contest.c", "contest_score", False),
        ("src/latest.py", "latest.run", False),
        ("src/werkzeug/test.py", "werkzeug.test.EnvironBuilder.__init__", False),
        ("src/werkzeug/routing/map.py", "werkzeug.routing.map.MapAdapter.test", False),
        ("tests/routing.py", "tests.routing.test", True),
    ],
)
def test_each_languages_test_naming_is_test_code(
    path: str, qualified_name: str, test: bool
) -> None:
    node = CodeEntity.new(Label.FUNCTION, "shop", path, qualified_name).to_node()
    assert is_test_entity(node) is test


def test_impact_text_lists_a_modules_own_callers_beside_its_tests(tmp_path: Path) -> None:
    """A module holding one test used to vanish from the list, with its production callers."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "routing.py").write_text(
        "def match(path):\n    return path\n\n\n"
        "def dispatch(path):\n    return match(path)\n\n\n"
        "def test_match():\n    assert match('/') == '/'\n"
    )
    with GraphMem(Settings(store=str(tmp_path / "g.db")), repo_root=root) as gm:
        gm.ingest()
        result = gm.impact("routing.match", depth=1)
    text = render_impact(result)
    listed, tests = text.split("Tests reaching it")
    assert "routing.dispatch" in listed and "routing.test_match" not in listed
    assert "routing.test_match" in tests
