"""Which code is test code, by each language's own conventions (impact and review list the
tests to run from it)."""

from __future__ import annotations

import pytest

from graphmem.model import CodeEntity, Label
from graphmem.queries.impact import is_test_entity


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
    ],
)
def test_each_languages_test_naming_is_test_code(
    path: str, qualified_name: str, test: bool
) -> None:
    node = CodeEntity.new(Label.FUNCTION, "shop", path, qualified_name).to_node()
    assert is_test_entity(node) is test
