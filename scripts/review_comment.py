#!/usr/bin/env python3
"""Create or update the one graphmem review comment on a pull request (standard library only).

The comment is found by the marker line `graphmem review --format markdown` starts with, so a
new push updates the same comment instead of adding another. When nothing is at stake (the
review's `at-stake=0` line) no new comment is posted unless --always; an existing comment is
still updated, so it never shows what a later push made obsolete.

    python scripts/review_comment.py --repo owner/name --pr 42 --body review.md
    (GITHUB_TOKEN from the environment; GITHUB_API_URL for GitHub Enterprise)

Exit codes: 0 done (or nothing to do), 1 the GitHub API refused, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from typing import Any

MARKER = "<!-- graphmem-review -->"
_AT_STAKE = re.compile(r"<!-- graphmem-review at-stake=(\d+) -->")
#: GitHub's largest comment body; longer reviews are cut with a note.
MAX_BODY = 65_000
PAGE = 100


class GitHubError(Exception):
    """The API answered with an error status, or could not be reached."""


class GitHub:
    def __init__(self, api_url: str, token: str, repo: str) -> None:
        self.base = api_url.rstrip("/")
        self.token = token
        self.repo = repo

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Accept", "application/vnd.github+json")
        req.add_header("X-GitHub-Api-Version", "2022-11-28")
        req.add_header("User-Agent", "graphmem-review")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")[:200]
            raise GitHubError(f"{method} {path}: HTTP {error.code} {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise GitHubError(f"{method} {path}: {error}") from None
        return json.loads(raw) if raw else None

    def find_comment(self, pr: int) -> dict[str, Any] | None:
        """The review comment already on the pull request (the first one with the marker)."""
        page = 1
        while True:
            comments = self.request(
                "GET", f"/repos/{self.repo}/issues/{pr}/comments?per_page={PAGE}&page={page}"
            )
            for comment in comments or []:
                if MARKER in str(comment.get("body") or ""):
                    return dict(comment)
            if not comments or len(comments) < PAGE:
                return None
            page += 1


def at_stake(body: str) -> int | None:
    match = _AT_STAKE.search(body)
    return int(match.group(1)) if match else None


def fit(body: str) -> str:
    if len(body) <= MAX_BODY:
        return body
    cut = body[: MAX_BODY - 200].rsplit("\n", 1)[0]
    return (
        cut + "\n\n_The review was cut to fit one comment: run `graphmem review` for all of it._\n"
    )


def upsert(github: GitHub, pr: int, body: str, always: bool) -> str:
    """What was done: "created", "updated", "unchanged" or "skipped"."""
    if MARKER not in body:
        body = f"{MARKER}\n{body}"
    body = fit(body)
    existing = github.find_comment(pr)
    if existing is not None:
        if existing.get("body") == body:
            return "unchanged"
        github.request(
            "PATCH", f"/repos/{github.repo}/issues/comments/{existing['id']}", {"body": body}
        )
        return "updated"
    if not always and at_stake(body) == 0:
        return "skipped"
    github.request("POST", f"/repos/{github.repo}/issues/{pr}/comments", {"body": body})
    return "created"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Create or update the graphmem review comment on a pull request.",
        epilog="example: python scripts/review_comment.py --repo o/r --pr 42 --body review.md",
    )
    parser.add_argument("--repo", required=True, help="owner/name")
    parser.add_argument("--pr", required=True, type=int, help="pull request number")
    parser.add_argument("--body", required=True, help="the Markdown review file")
    parser.add_argument("--always", action="store_true", help="post even when nothing is at stake")
    parser.add_argument(
        "--api-url", default=os.environ.get("GITHUB_API_URL", "https://api.github.com")
    )
    args = parser.parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN", "")
    if not token:
        print("review_comment: error: GITHUB_TOKEN is not set", file=sys.stderr)
        return 2
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", args.repo):
        print(f"review_comment: error: --repo {args.repo!r} is not owner/name", file=sys.stderr)
        return 2
    try:
        with open(args.body, encoding="utf-8") as fp:
            body = fp.read()
    except OSError as error:
        print(f"review_comment: error: cannot read {args.body}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        done = upsert(GitHub(args.api_url, token, args.repo), args.pr, body, args.always)
    except GitHubError as error:
        print(f"review_comment: error: {error}", file=sys.stderr)
        return 1
    print(f"review_comment: {done}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
