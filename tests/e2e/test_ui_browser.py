"""The viewer in a real headless Chromium: `graphmem ui` started as users start it, over the
fixture repository with real memories; the page's own JavaScript fetches the API and draws
each view. The first tests read the DOM Chromium produced (--dump-dom); the last drives the
browser over the DevTools protocol (on a pipe, no port) to click tree -> entity -> memory ->
review queue -> Acknowledge, and checks the store changed.

With GRAPHMEM_UI_SCREENSHOTS=DIR the click-through saves a PNG of each page there (docs/ui.md).

Chromium comes from Debian (`.ci/run` installs it). Without it the test is skipped locally,
never in CI (CI=true).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "query_repo"
CHROMIUM = Path("/usr/bin/chromium")
DECISION = "Invoices are immutable once sent <img src=x onerror=alert(1)>"
CONSTRAINT = "Tax is computed in integer cents, never floats"


def _chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but /usr/bin/chromium is missing: .ci/run installs it")
    pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")


def _graphmem(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "graphmem.cli.main", *args, "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return json.loads(done.stdout)


class Viewer:
    def __init__(self, url: str, ids: dict[str, str], store: str, repo: str) -> None:
        self.url, self.ids, self.store, self.repo = url, ids, store, repo


@pytest.fixture(scope="module")
def viewer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Viewer]:
    _chromium()
    root = tmp_path_factory.mktemp("ui-browser")
    repo = root / "shop"
    shutil.copytree(FIXTURE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Add the shop")
    env = {
        **os.environ,
        "GRAPHMEM_STORE": str(root / "graph.db"),
        "GRAPHMEM_AUTHOR": "ana",
        "GRAPHMEM_USER": "ana",
        "HF_HUB_OFFLINE": "1",
    }
    common = ("--repo", str(repo))
    _graphmem(env, "ingest", *common, "--history", "10")
    decision = _graphmem(
        env,
        "remember",
        "decision",
        DECISION,
        "--governs",
        "src/shop/billing/invoices.py::Invoice",
        *common,
    )
    constraint = _graphmem(
        env, "remember", "constraint", CONSTRAINT, "--governs", "src/shop/billing/tax.py", *common
    )
    invoices = repo / "src/shop/billing/invoices.py"
    invoices.write_text(invoices.read_text().replace("self.sent = False", "self.sent = bool(0)"))
    git(repo, "commit", "-q", "-am", "Spell the flag out")
    _graphmem(env, "ingest", *common, "--history", "10")
    process = subprocess.Popen(
        [sys.executable, "-m", "graphmem.cli.main", "ui", "--json", *common],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    printed = ""
    while not printed.rstrip().endswith("}"):
        line = process.stdout.readline()
        assert line, f"graphmem ui exited: {process.stderr.read() if process.stderr else ''}"
        printed += line
    url = json.loads(printed)["url"]
    try:
        yield Viewer(
            url,
            {"decision": decision["memory"]["id"], "constraint": constraint["memory"]["id"]},
            env["GRAPHMEM_STORE"],
            str(repo),
        )
    finally:
        process.terminate()
        process.wait(timeout=30)


#: Chromium headless, offline and without a profile of its own to sync or update.
HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def _dom(url: str, tmp_path: Path) -> str:
    """The page as Chromium leaves it once its scripts have run."""
    done = subprocess.run(
        [
            str(_chromium()),
            *HEADLESS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Texts(HTMLParser):
    """The text of every element carrying a given class or id, and every link's target."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[set[str]] = []
        self.texts: dict[str, list[str]] = {}
        self.links: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        names = set((values.get("class") or "").split()) | {f"#{values.get('id')}"}
        self.tags.append(tag)
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if tag not in {"img", "input", "br", "meta", "link"}:
            self.stack.append(names)

    def handle_endtag(self, tag: str) -> None:
        if tag not in {"img", "input", "br", "meta", "link"} and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for names in self.stack:
            for name in names:
                self.texts.setdefault(name, []).append(data)

    def text(self, name: str) -> str:
        return "".join(self.texts.get(name, []))


def _parse(html: str) -> Texts:
    parsed = Texts()
    parsed.feed(html)
    return parsed


def test_explore_shows_the_tree_with_badges(viewer: Viewer, tmp_path: Path) -> None:
    page = _parse(_dom(viewer.url, tmp_path))
    assert "#/entity/src%2Fshop%2Fbilling%2Finvoices.py" in page.links
    assert "invoices.py" in page.text("module")
    assert "1 stale" in page.text("warn")


def test_memory_page_shows_untrusted_text_as_text(viewer: Viewer, tmp_path: Path) -> None:
    memory_id = viewer.ids["decision"]
    page = _parse(_dom(f"{viewer.url}#/memory/{memory_id}", tmp_path))
    assert page.text("#memory-text") == DECISION
    assert "img" not in page.tags  # the markup in the memory stayed text
    assert memory_id in page.text("timeline")
    assert page.text("highlight").split()[0] == "invoices.py"  # its scope, marked in the tree
    assert "tax.py" not in page.text("highlight")
    assert "remember" in page.text("#page")


def test_entity_page_draws_the_neighbourhood_and_its_memories(
    viewer: Viewer, tmp_path: Path
) -> None:
    url = f"{viewer.url}#/entity/shop.billing.tax.compute_tax"
    html = _dom(url, tmp_path)
    page = _parse(html)
    assert "<svg" in html and 'class="edge calls"' in html and 'class="edge governs"' in html
    assert CONSTRAINT in page.text("memory-text")
    assert 'class="graph impact"' in html and "total (1)" in html  # a caller, at distance 1
    assert f"#/memory/{viewer.ids['constraint']}" in page.links


def test_review_queue_lists_the_stale_memory_with_its_actions(
    viewer: Viewer, tmp_path: Path
) -> None:
    page = _parse(_dom(f"{viewer.url}#/review", tmp_path))
    assert DECISION in page.text("memory-text")
    assert page.text("acknowledge") == "Acknowledge"
    assert page.text("retract") == "Retract"
    assert page.text("supersede") == "Supersede"


class DevTools:
    """A minimal DevTools-protocol client over --remote-debugging-pipe (fds 3 and 4)."""

    def __init__(self, chromium: Path, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire() -> None:
            # above 9 first, so that neither end lands on the other's target before its dup2
            reads, writes = (
                fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w)
            )
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.process = subprocess.Popen(
            [
                str(chromium),
                *HEADLESS,
                "--window-size=1280,900",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=wire,
            pass_fds=(3, 4),  # kept open across the exec after wire() placed them
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._from_browser, 1 << 16)
                assert chunk, "chromium closed the DevTools pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next_id:
                assert "error" not in reply, reply["error"]
                return dict(reply.get("result", {}))

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", url=url)["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        body = self.evaluate("document.body.innerText")
        raise AssertionError(f"timed out waiting for {expression!r}; the page shows: {body!r}")

    def click(self, selector: str) -> None:
        """Wait for `selector`, then click it as a user would (a DOM click on the element)."""
        self.wait_for(f"document.querySelector({json.dumps(selector)}) !== null")
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def screenshot(self, name: str) -> None:
        folder = os.environ.get("GRAPHMEM_UI_SCREENSHOTS")
        if folder:
            data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)[
                "data"
            ]
            Path(folder).mkdir(parents=True, exist_ok=True)
            (Path(folder) / f"{name}.png").write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        os.close(self._to_browser)
        os.close(self._from_browser)


def test_click_through_to_acknowledge_a_stale_memory(viewer: Viewer, tmp_path: Path) -> None:
    decision = viewer.ids["decision"]
    browser = DevTools(_chromium(), tmp_path / "profile")
    try:
        browser.open(viewer.url)
        browser.wait_for("document.body.dataset.view === 'explore'")
        # the token leaves the address bar (and the history) once the page has it
        assert browser.evaluate("location.search") == ""
        browser.click('li.module[data-path="src/shop/billing/invoices.py"] a')
        browser.wait_for("document.body.dataset.view === 'entity'")
        browser.wait_for("document.querySelector('svg.graph') !== null")
        browser.screenshot("entity")
        browser.click(f'li.memory[data-memory="{decision}"] a[href="#/memory/{decision}"]')
        text = browser.wait_for(
            "document.body.dataset.view === 'memory' && "
            "document.getElementById('memory-text').textContent"
        )
        assert text == DECISION
        assert decision in browser.evaluate("document.querySelector('ol.timeline').textContent")
        browser.screenshot("memory")
        browser.click('nav a[href="#/review"]')
        browser.wait_for("document.body.dataset.view === 'review'")
        browser.screenshot("review")
        browser.click(f'li.memory[data-memory="{decision}"] button.acknowledge')
        notice = browser.wait_for(
            "document.querySelector('.notice') && document.querySelector('.notice').textContent"
        )
        assert notice == f"acknowledge: {decision} done"
        browser.click('nav a[href="#/"]')
        browser.wait_for("document.body.dataset.view === 'explore'")
        browser.screenshot("explore")
    finally:
        browser.close()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env["GRAPHMEM_STORE"] = viewer.store
    shown = _graphmem(env, "show", decision, "--repo", viewer.repo)
    assert shown["staleness"]["possibly_stale"] is False
