"""Inputs that made a regular expression backtrack without end, each at a size the old pattern
would still be working on when the suite's timeout ends it; the answers are checked too.

Found in real repositories: redis's module.c (comments), spring-petclinic (globs in strings),
kernel-style commit trailers; the others are shapes an agent's prompt or a memory can take.
"""

from __future__ import annotations

from pathlib import Path

from graphmem.agents.hook import _PROMPT_NAME
from graphmem.api import GraphMem
from graphmem.ingest.c_family import is_cpp_header
from graphmem.ingest.language import blank_comments
from graphmem.knowledge.markdown import sections
from graphmem.memory.redaction import redact_light
from graphmem.model import Label, Node
from graphmem.queries.prompt import _commit_item
from graphmem.settings import Settings


def test_trailers_followed_by_other_lines_are_read_once() -> None:
    trailers = "".join(f"Signed-off-by: Dev {i} <dev{i}@example.com>\n" for i in range(60))
    message = f"Fix the reconnect loop\n\nIt retried forever.\n\n{trailers}Cc: stable@example.com"
    commit = Node(
        id="e-1", labels=(Label.CODE_ENTITY, Label.COMMIT), properties={"message": message}
    )
    item = _commit_item(commit, touched=False)
    assert "It retried forever." in item and "Signed-off-by" not in item


def test_a_long_word_in_a_prompt_is_scanned_once() -> None:
    prompt = "see " + "9f" * 10_000 + " and src/app/main.py"
    names = [m.group(2) for m in _PROMPT_NAME.finditer(prompt)]
    assert names == ["src/app/main.py"]


def test_a_header_of_blank_lines_is_read_once() -> None:
    assert not is_cpp_header(b"int x;\n" + b"    \n" * 200_000 + b"int y;\n")
    assert is_cpp_header(b"    \n" * 1_000 + b"  namespace shop {}\n")


def test_unclosed_comment_openers_in_strings_are_read_once() -> None:
    lines = b"".join(b'  patterns.add("src/*.c"); // glob %d\n' % i for i in range(60_000))
    blanked = blank_comments(b"/* head */ int x;\n" + lines)
    assert blanked.startswith(b"  int x;\n") and b"// glob" not in blanked
    assert blanked.count(b'"src/*.c"') == 60_000  # text after an unclosed /* is kept


def test_a_long_dotted_token_is_redacted_in_one_pass() -> None:
    text = "token." * 3_000 + "x and password=hunter2-secret"
    redacted = redact_light(text).text
    assert "hunter2-secret" not in redacted and redacted.startswith("token.token.")


def test_a_heading_with_a_long_blank_run_is_read_once() -> None:
    heading = "## Status" + " " * 20_000 + "accepted ##"
    (found,) = [s for s in sections([heading, "text"]) if s.level == 2]
    assert found.title.startswith("Status") and found.title.endswith("accepted")


def test_body_level_glob_imports_are_looked_up_once(tmp_path: Path) -> None:
    """serde's tests `use E::*` enums declared in function bodies: every failed lookup walked
    every glob again, twelve levels deep (four such functions never finished)."""
    source = "".join(
        f"fn t{i}() {{\n    enum E{i} {{ A, B }}\n    use E{i}::*;\n"
        f"    let _ = unknown_{i}();\n}}\n"
        for i in range(8)
    )
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "globs"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.rs").write_text(source)
    with GraphMem(Settings(store=str(tmp_path / "g.db")), repo_root=tmp_path) as gm:
        report = gm.ingest()
    assert report.files_parsed == 1
