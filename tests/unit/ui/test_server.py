"""The viewer's server over a real embedded store: the fixture repository ingested with its git
history, real memories (one made possibly stale by a later commit), requests over real HTTP."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from graphmem.api import GraphMem
from graphmem.cli.main import main
from graphmem.embed import Embedder
from graphmem.errors import UsageError
from graphmem.settings import Settings
from graphmem.ui.server import COOKIE, TOKEN_HEADER, Viewer, create_server
from tests.conftest import BACKENDS, git, open_test_store

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "query_repo"
DECISION = "Invoices are immutable once sent; corrections are new credit notes"
CONSTRAINT = "Tax is computed in integer cents, never floats"


@dataclass
class Running:
    viewer: Viewer
    gm: GraphMem
    ids: dict[str, str]

    def request(
        self,
        method: str,
        path: str,
        *,
        token: bool = True,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> tuple[int, Any, http.client.HTTPResponse]:
        """One request; `token` puts the token in the query (GET) or the header (POST)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.viewer.port, timeout=120)
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}token={self.viewer.token}" if token and method == "GET" else path
        sent = {"Host": f"127.0.0.1:{self.viewer.port}", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
            if token:
                sent[TOKEN_HEADER] = self.viewer.token
        conn.request(method, url, body=payload, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        ctype = response.getheader("Content-Type", "")
        return response.status, json.loads(raw) if "json" in ctype else raw.decode(), response


@pytest.fixture(scope="module", params=BACKENDS)
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[Running]:
    """The viewer serving the fixture repository, once per backend (the API is the same)."""
    root = tmp_path_factory.mktemp("ui")
    repo = root / "shop"
    shutil.copytree(FIXTURE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Add the shop")
    store = open_test_store(str(request.param), root)
    settings = Settings(author="ana", user="ana")
    gm = GraphMem(settings, repo_root=repo, store=store, embedder=embedder)
    gm.ingest(history=10)
    decision = gm.remember("decision", DECISION, ["src/shop/billing/invoices.py::Invoice"])
    constraint = gm.remember("constraint", CONSTRAINT, ["src/shop/billing/tax.py"])
    invoices = repo / "src/shop/billing/invoices.py"
    invoices.write_text(
        invoices.read_text().replace(
            "return self.amount + compute_tax(self.amount)",
            "return self.amount + compute_tax(self.amount) + 0",
        )
    )
    git(repo, "commit", "-q", "-am", "Round invoice totals")
    gm.ingest(history=10)
    server, viewer = create_server(gm, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Running(
            viewer, gm, {"decision": decision.memory.id, "constraint": constraint.memory.id}
        )
    finally:
        server.shutdown()
        server.server_close()
        gm.close()


def test_the_printed_url_is_loopback_with_a_random_token(running: Running) -> None:
    assert running.viewer.url.startswith(f"http://127.0.0.1:{running.viewer.port}/?token=")
    assert len(running.viewer.token) >= 40


def test_another_host_is_refused(embedder: Embedder, tmp_path: Path) -> None:
    gm = GraphMem(Settings(store=str(tmp_path / "g.db")), repo_root=tmp_path, embedder=embedder)
    with pytest.raises(UsageError, match="127.0.0.1 only"):
        create_server(gm, "0.0.0.0", 0)


@pytest.mark.parametrize("path", ["/", "/app.js", "/api/tree", "/api/stale"])
def test_a_request_without_the_token_is_refused(running: Running, path: str) -> None:
    status, body, _ = running.request("GET", path, token=False)
    assert status == 403
    assert "token" in body["error"]


def test_a_wrong_token_is_refused(running: Running) -> None:
    status, _, _ = running.request("GET", "/api/tree?token=" + "x" * 43, token=False)
    assert status == 403


def test_a_foreign_host_header_is_refused(running: Running) -> None:
    headers = {"Host": f"attacker.example:{running.viewer.port}"}
    status, body, _ = running.request("GET", "/api/tree", headers=headers)
    assert status == 403
    assert "Host" in body["error"]


def test_the_page_sets_a_cookie_that_then_stands_for_the_token(running: Running) -> None:
    status, html, response = running.request("GET", "/")
    assert status == 200
    assert '<script src="/app.js"' in html
    cookie = response.getheader("Set-Cookie", "")
    assert cookie.startswith(f"{COOKIE}_{running.viewer.port}={running.viewer.token};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "default-src 'none'" in response.getheader("Content-Security-Policy", "")
    headers = {"Cookie": f"{running.viewer.cookie}={running.viewer.token}"}
    status, tree, _ = running.request("GET", "/api/tree", token=False, headers=headers)
    assert status == 200
    assert tree["repo"] == "shop"


def test_the_cookie_is_this_ports_own(running: Running) -> None:
    """Browsers send a cookie to every port of 127.0.0.1: one cookie name for every viewer let
    a second viewer's cookie stand in for (and break) the first one's."""
    other = f"{COOKIE}_{running.viewer.port + 1}={running.viewer.token}"
    for cookie in (other, f"{COOKIE}={running.viewer.token}"):
        status, _, _ = running.request("GET", "/api/tree", token=False, headers={"Cookie": cookie})
        assert status == 403, cookie


def test_tree_lists_directories_and_modules_with_their_badges(running: Running) -> None:
    status, tree, _ = running.request("GET", "/api/tree")
    assert status == 200
    assert "src/shop/billing" in tree["directories"]
    modules = {m["path"]: m for m in tree["modules"]}
    assert modules["src/shop/billing/invoices.py"]["memories"] == 1
    assert modules["src/shop/billing/invoices.py"]["possibly_stale"] == 1
    assert modules["src/shop/billing/tax.py"]["memories"] == 1
    assert modules["src/shop/billing/tax.py"]["possibly_stale"] == 0
    assert modules["src/shop/api.py"]["memories"] == 0


def test_search_finds_the_memory_and_the_entity(running: Running) -> None:
    status, found, _ = running.request("GET", "/api/search?q=integer%20cents%20tax")
    assert status == 200
    assert found["hits"][0]["id"] == running.ids["constraint"]
    status, found, _ = running.request("GET", "/api/search?q=src/shop/billing/tax.py")
    assert found["entity"]["path"] == "src/shop/billing/tax.py"


def test_entity_answers_context_and_impact(running: Running) -> None:
    status, data, _ = running.request("GET", "/api/entity?target=shop.billing.tax.compute_tax")
    assert status == 200
    context = data["context"]
    assert context["target"]["qualified_name"] == "shop.billing.tax.compute_tax"
    assert [m["text"] for m in context["memories"]] == [CONSTRAINT]
    assert "shop.billing.invoices.Invoice.total" in {
        c["qualified_name"] for c in context["summary"]["callers"]
    }
    assert "shop.billing.invoices.Invoice.total" in {
        i["entity"]["qualified_name"] for i in data["impact"]["impacted"]
    }


def test_memory_answers_view_history_events_and_receipts(running: Running) -> None:
    memory_id = running.ids["constraint"]
    running.gm.context("src/shop/billing/tax.py")  # a read that serves it leaves a receipt
    status, data, _ = running.request("GET", f"/api/memory?id={memory_id}")
    assert status == 200
    assert data["view"]["memory"]["text"] == CONSTRAINT
    assert [h["memory"]["id"] for h in data["history"]] == [memory_id]
    assert "remember" in {e["action"] for e in data["events"]}
    assert data["receipts"] and all(memory_id in r["memory_ids"] for r in data["receipts"])


def test_an_unknown_memory_is_a_404_with_one_line(running: Running) -> None:
    status, body, _ = running.request("GET", "/api/memory?id=d-00000000")
    assert status == 404
    assert "\n" not in body["error"]


def test_a_missing_parameter_is_a_400(running: Running) -> None:
    status, body, _ = running.request("GET", "/api/entity")
    assert status == 400
    assert "target" in body["error"]


def test_writes_need_the_token_header_and_the_same_origin(running: Running) -> None:
    memory_id = running.ids["decision"]
    status, _, _ = running.request("POST", "/api/acknowledge", token=False, body={"id": memory_id})
    assert status == 403
    cross = {"Origin": "http://attacker.example"}
    status, body, _ = running.request(
        "POST", "/api/acknowledge", headers=cross, body={"id": memory_id}
    )
    assert status == 403 and "cross-origin" in body["error"]
    status, _, _ = running.request("GET", "/api/acknowledge")
    assert status == 404  # a write is never a GET
    assert running.gm.show(memory_id).staleness.possibly_stale


def test_acknowledge_writes_and_empties_the_queue(running: Running) -> None:
    memory_id = running.ids["decision"]
    status, queue, _ = running.request("GET", "/api/stale")
    assert [e["memory"]["id"] for e in queue["memories"]] == [memory_id]
    origin = {"Origin": f"http://127.0.0.1:{running.viewer.port}"}
    status, change, _ = running.request(
        "POST", "/api/acknowledge", headers=origin, body={"id": memory_id}
    )
    assert status == 200
    assert change["action"] == "acknowledge" and change["memory_ids"] == [memory_id]
    assert not running.gm.show(memory_id).staleness.possibly_stale
    status, queue, _ = running.request("GET", "/api/stale")
    assert queue["memories"] == []


def test_supersede_replaces_the_stale_memory_by_an_existing_one(running: Running) -> None:
    old = running.ids["decision"]
    new = running.gm.remember(
        "decision", "Sent invoices are corrected by credit notes only", ["src/shop/billing/"]
    ).memory.id
    status, change, _ = running.request("POST", "/api/supersede", body={"id": old, "by": new})
    assert status == 200
    assert change["inactive"] == [old] and new in change["active"]
    status, data, _ = running.request("GET", f"/api/memory?id={new}")
    assert [h["memory"]["id"] for h in data["history"]] == [old, new]
    status, body, _ = running.request("POST", "/api/supersede", body={"id": old})
    assert status == 400 and "by" in body["error"]


def test_retract_stops_serving_and_redacts_the_reason(running: Running) -> None:
    memory_id = running.ids["constraint"]
    reason = "moved to the pricing service; key AKIAIOSFODNN7EXAMPLE"
    tax_badge = _badges(running)["src/shop/billing/tax.py"]
    status, data, _ = running.request(
        "POST", "/api/retract", body={"id": memory_id, "reason": reason}
    )
    assert status == 200
    assert data["change"]["inactive"] == [memory_id]
    view = running.gm.show(memory_id)
    assert view.memory.status.value == "retracted"
    assert view.retracted_reason and "AKIAIOSFODNN7EXAMPLE" not in view.retracted_reason
    assert _badges(running)["src/shop/billing/tax.py"] == tax_badge - 1


def _badges(running: Running) -> dict[str, int]:
    status, tree, _ = running.request("GET", "/api/tree")
    assert status == 200
    return {m["path"]: m["memories"] for m in tree["modules"]}


def test_the_command_refuses_another_host_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["ui", "--host", "0.0.0.0", "--store", str(tmp_path / "g.db"), "--repo", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("graphmem: error: --host '0.0.0.0' is not allowed")
    assert len(err.strip().splitlines()) == 1


def test_open_gives_the_browser_a_private_page_not_the_token(tmp_path: Path) -> None:
    """`graphmem ui --open` passed the URL, token and all, on the browser's command line,
    which every user of the machine can read."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    assert main(["--repo", str(root), "ingest"]) == 0
    argv_file = tmp_path / "argv"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {argv_file}\n')
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": str(browser), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "graphmem.cli.main", "--repo", str(root), "ui", "--json"]
    process = subprocess.Popen(
        [*command, "--open", "--port", "0"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        started = json.loads(process.stdout.readline())
        deadline = time.monotonic() + 60
        while not argv_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        opened = argv_file.read_text()
        token = started["url"].split("token=")[1]
        assert opened.startswith("file://") and token not in opened
        page = Path(opened.removeprefix("file://"))
        assert (page.stat().st_mode & 0o777) == 0o600
        assert started["url"] in page.read_text().replace("&amp;", "&")
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C, as a user stops it
        process.wait(timeout=30)
    assert not page.exists()  # removed when the viewer stops
