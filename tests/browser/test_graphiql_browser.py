"""GraphiQL in a real browser, offline: Debian's chromium, headless, loads /graphql from a running
`kembar serve` (embedded SQLite with the demo data), runs a query typed into the editor and shows
the API's answer, while every request it makes stays on loopback.

Playwright drives the system chromium (``executable_path``; no browser download); a CDP session
records every request the page makes (Network events). Anything not on loopback goes to a proxy
on a closed loopback port and resolves to nothing, so it fails instead of leaving the machine.
The screenshot goes to ``$KEMBAR_ARTIFACTS/graphiql.png`` (default: ``artifacts/`` at the repo
root).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, CDPSession, Page, sync_playwright

from tests.e2e.processes import free_port

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.e2e
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary on PATH (Debian: apt-get install chromium; .ci/run does it)",
)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-error"}
DEAD_PROXY = "127.0.0.1:9"  # discard port, nothing listens: a non-loopback request fails there
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--proxy-server=http://{DEAD_PROXY}",  # loopback bypasses a proxy implicitly
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
QUERY = """{
  partnerships(first: 3) {
    totalCount
    edges {
      node {
        id
        stage
        indonesianRegion { name }
        foreignRegion { name }
      }
    }
  }
}"""
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT_EDITOR = ".graphiql-response .CodeMirror"


def _post(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _wait_for_api(port: int, server: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, f"kembar serve exited before answering:\n{log.read_text()}"
        try:
            if "data" in _post(port, "{ __typename }"):
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for kembar serve to answer:\n{log.read_text()}")


def _artifacts() -> Path:
    path = Path(os.environ.get("KEMBAR_ARTIFACTS") or ROOT / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def off_loopback(urls: list[str]) -> list[str]:
    """The URLs that would leave the machine: neither loopback nor browser-local (data:, blob:)."""
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname not in LOOPBACK
    ]


@dataclass
class Tab:
    """A browser tab and what it did, from CDP Network events and the page's console."""

    page: Page
    requests: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # url -> net error
    urls_by_id: dict[str, str] = field(default_factory=dict)
    bad_statuses: list[tuple[str, int]] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def record(self, cdp: CDPSession) -> None:
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFailed", self._failed)
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))

    def editor_text(self, selector: str) -> str:
        return self.page.evaluate(f"document.querySelector('{selector}').CodeMirror.getValue()")

    def _request(self, event: dict) -> None:
        self.requests.append(event["request"]["url"])
        self.urls_by_id[event["requestId"]] = event["request"]["url"]

    def _response(self, event: dict) -> None:
        if event["response"]["status"] >= 400:
            self.bad_statuses.append((event["response"]["url"], event["response"]["status"]))

    def _failed(self, event: dict) -> None:
        url = self.urls_by_id.get(event["requestId"], event["requestId"])
        self.failed[url] = event["errorText"]


@pytest.fixture(scope="module")
def kembar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`kembar serve` on a fresh SQLite file (it migrates and seeds the demo); yields its port."""
    home = tmp_path_factory.mktemp("kembar-browser")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEMBAR_")}
    env |= {"KEMBAR_DATABASE_URL": f"sqlite://{home / 'kembar.sqlite3'}", "KEMBAR_PORT": str(port)}
    with open(home / "serve.log", "wb") as log:
        server = subprocess.Popen(
            [str(BIN / "kembar"), "serve"], cwd=home, env=env, stdout=log, stderr=log
        )
        try:
            _wait_for_api(port, server, home / "serve.log", 90)
            yield port
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
    output = (home / "serve.log").read_text()
    assert code in (0, -signal.SIGTERM), output
    assert "Traceback" not in output, output


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)  # 2 shared cores: generous, each wait ends when it can
    page = context.new_page()
    tab = Tab(page)
    tab.record(context.new_cdp_session(page))
    try:
        yield tab
    finally:
        context.close()


@needs_chromium
def test_graphiql_runs_a_query_offline_and_shows_the_result(kembar: int, tab: Tab) -> None:
    page = tab.page
    expected = _post(kembar, QUERY)
    assert expected["data"]["partnerships"]["totalCount"] == 4, expected  # the public demo
    screenshot = _artifacts() / "graphiql.png"
    try:
        page.goto(f"http://127.0.0.1:{kembar}/graphql", wait_until="load")
        editor = page.locator(QUERY_EDITOR)
        editor.wait_for(state="visible")
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(QUERY)
        assert tab.editor_text(QUERY_EDITOR) == QUERY
        page.locator(".graphiql-execute-button").click()
        page.wait_for_function(
            f"document.querySelector('{RESULT_EDITOR}')?.CodeMirror.getValue()"
            ".includes('totalCount')"
        )
        assert json.loads(tab.editor_text(RESULT_EDITOR)) == expected
        visible = page.locator(".graphiql-response").inner_text()
        first = expected["data"]["partnerships"]["edges"][0]["node"]
        for text in ('"totalCount": 4', first["foreignRegion"]["name"], first["stage"]):
            assert text in visible, (text, visible)
    finally:
        page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000
    assert tab.requests, "the CDP session recorded no request"
    assert any(url.endswith("/static/graphiql/graphiql/graphiql.min.js") for url in tab.requests)
    assert sum(url.endswith("/graphql") for url in tab.requests) >= 3  # page, schema, query
    assert off_loopback(tab.requests) == []
    assert tab.failed == {}
    assert tab.bad_statuses == []
    assert tab.console_errors == []


@needs_chromium
def test_a_request_off_loopback_fails_and_is_recorded(kembar: int, tab: Tab) -> None:
    """The guards the test above relies on: the browser cannot leave loopback, and the recording
    notices a page that tries, and a console error."""
    page, blocked = tab.page, "http://kembar-offline-check.invalid/x.js"
    page.goto(f"http://127.0.0.1:{kembar}/static/graphiql/graphiql/graphiql.min.css")
    outcome = page.evaluate(
        "(url) => fetch(url, {mode: 'no-cors'}).then(() => 'reached', (error) => error.name)",
        blocked,
    )
    assert outcome == "TypeError"
    for _ in range(100):  # the CDP event may trail the page's promise
        if blocked in tab.failed:
            break
        page.wait_for_timeout(50)
    assert off_loopback(tab.requests) == [blocked]
    # the dead proxy refused it: the request never got as far as a name lookup or a connection
    assert tab.failed[blocked] == "net::ERR_PROXY_CONNECTION_FAILED", tab.failed
    with page.expect_console_message():  # the recording's listener came first
        page.evaluate("console.error('kembar check')")
    assert tab.console_errors[-1] == "kembar check"
    assert any("ERR_PROXY_CONNECTION_FAILED" in text for text in tab.console_errors)


def test_off_loopback_keeps_only_addresses_that_leave_the_machine() -> None:
    urls = [
        "http://127.0.0.1:8000/graphql",
        "http://localhost:8000/static/graphiql/react/react.production.min.js",
        "ws://[::1]:8000/graphql",
        "data:image/svg+xml,<svg/>",
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.js",
        "http://10.0.0.1/x",
    ]
    assert off_loopback(urls) == urls[-2:]
