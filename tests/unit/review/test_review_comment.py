"""scripts/review_comment.py against a local stand-in of the GitHub API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

SCRIPT = Path(__file__).parents[3] / "scripts" / "review_comment.py"
TOKEN = "ghs_standin_token"
MARKER = "<!-- graphmem-review -->"


@dataclass
class FakeGitHub:
    """Issue comments of one pull request, and every request made to them."""

    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    fail_with: int | None = None
    url: str = ""


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    state = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.requests.append((method, self.path, body))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._reply(401, {"message": "Bad credentials"})
            if state.fail_with:
                return self._reply(state.fail_with, {"message": "Resource not accessible"})
            url = urlparse(self.path)
            if method == "GET" and url.path == "/repos/o/r/issues/7/comments":
                query = parse_qs(url.query)
                per_page, page = int(query["per_page"][0]), int(query["page"][0])
                return self._reply(200, state.comments[(page - 1) * per_page : page * per_page])
            if method == "POST" and url.path == "/repos/o/r/issues/7/comments":
                comment = {"id": 1000 + len(state.comments), "body": body["body"]}
                state.comments.append(comment)
                return self._reply(201, comment)
            if method == "PATCH" and url.path.startswith("/repos/o/r/issues/comments/"):
                comment_id = int(url.path.rsplit("/", 1)[1])
                for comment in state.comments:
                    if comment["id"] == comment_id:
                        comment["body"] = body["body"]
                        return self._reply(200, comment)
            return self._reply(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def run(
    github: FakeGitHub, tmp_path: Path, body: str, *extra: str, token: str = TOKEN
) -> subprocess.CompletedProcess[str]:
    review = tmp_path / "review.md"
    review.write_text(body)
    env = {**os.environ, "GITHUB_TOKEN": token, "GITHUB_API_URL": github.url}
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--repo", "o/r", "--pr", "7", "--body", str(review), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def review_body(at_stake: int, text: str = "review") -> str:
    return f"{MARKER}\n<!-- graphmem-review at-stake={at_stake} -->\n{text}\n"


def test_a_first_review_is_posted(github: FakeGitHub, tmp_path: Path) -> None:
    done = run(github, tmp_path, review_body(2))
    assert done.returncode == 0 and done.stdout.strip() == "review_comment: created"
    assert [c["body"] for c in github.comments] == [review_body(2)]


def test_a_later_push_updates_the_same_comment_found_on_a_later_page(
    github: FakeGitHub, tmp_path: Path
) -> None:
    github.comments = [{"id": i, "body": f"chatter {i}"} for i in range(150)]
    github.comments.append({"id": 500, "body": review_body(1, "old")})
    done = run(github, tmp_path, review_body(3, "new"))
    assert done.stdout.strip() == "review_comment: updated"
    assert github.comments[-1] == {"id": 500, "body": review_body(3, "new")}
    assert len(github.comments) == 151
    methods = [m for m, _, _ in github.requests]
    assert methods == ["GET", "GET", "PATCH"]


def test_nothing_is_posted_when_nothing_is_at_stake_unless_asked(
    github: FakeGitHub, tmp_path: Path
) -> None:
    done = run(github, tmp_path, review_body(0))
    assert done.stdout.strip() == "review_comment: skipped"
    assert github.comments == []
    assert run(github, tmp_path, review_body(0), "--always").stdout.strip() == (
        "review_comment: created"
    )
    assert len(github.comments) == 1


def test_an_existing_comment_is_updated_even_when_nothing_is_at_stake_now(
    github: FakeGitHub, tmp_path: Path
) -> None:
    github.comments = [{"id": 9, "body": review_body(4)}]
    assert run(github, tmp_path, review_body(0)).stdout.strip() == "review_comment: updated"
    assert run(github, tmp_path, review_body(0)).stdout.strip() == "review_comment: unchanged"
    assert github.comments == [{"id": 9, "body": review_body(0)}]


def test_an_api_refusal_is_one_line_and_exit_1(github: FakeGitHub, tmp_path: Path) -> None:
    github.fail_with = 403
    done = run(github, tmp_path, review_body(1))
    assert done.returncode == 1
    assert done.stderr.startswith("review_comment: error: GET /repos/o/r/issues/7/comments")
    assert "HTTP 403" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_missing_token_or_bad_repo_is_a_usage_error(github: FakeGitHub, tmp_path: Path) -> None:
    done = run(github, tmp_path, review_body(1), token="")
    assert done.returncode == 2 and "GITHUB_TOKEN is not set" in done.stderr
    assert github.requests == []


def test_a_review_too_long_for_one_comment_is_cut_with_a_note(
    github: FakeGitHub, tmp_path: Path
) -> None:
    long = review_body(1, "\n".join(f"- line {i}" for i in range(20_000)))
    assert run(github, tmp_path, long).returncode == 0
    posted = github.comments[0]["body"]
    assert len(posted) <= 65_000 and posted.startswith(MARKER)
    assert posted.rstrip().endswith("run `graphmem review` for all of it._")
