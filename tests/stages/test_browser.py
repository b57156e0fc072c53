"""The report in a real browser: headless Chromium driven over the DevTools protocol.

Checks what only a browser can: no console errors, no request leaves the page
(self-contained), right-to-left layout, every section, the 39 numbered
paragraphs of the bundled corpus, working charts and theme filter, and that the
page prints.  Screenshots are saved in the test's temp folder.

The DevTools websocket is spoken with a few lines of stdlib code (text frames
only), so the test needs nothing beyond Debian's ``chromium`` package.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.stages.test_report import SECTIONS, make_report_run

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
]


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: masked text frames out, frames in."""

    def __init__(self, url: str, timeout: float = 30.0):
        parts = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("websocket handshake failed")
            head += chunk
        status, _, self.buffer = head.partition(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n")[0]:
            raise ConnectionError(status.decode(errors="replace"))

    def send(self, text: str) -> None:
        payload = text.encode()
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise ConnectionError("websocket closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def recv(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            n = second & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._read(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._read(8))
            payload = self._read(n)
            opcode = first & 0x0F
            if opcode == 0x8:
                raise ConnectionError("websocket closed by the browser")
            if opcode in (0x9, 0xA):  # ping / pong: the browser does not send these here; ignore
                continue
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        self.sock.close()


class Browser:
    """One headless Chromium with one page; records console errors, exceptions and requests."""

    def __init__(self, binary: str, profile: Path):
        self.process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.events: list[dict] = []
        self.next_id = 0
        port = self._devtools_port()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/json/list")
        targets = json.loads(conn.getresponse().read())
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])

    def _devtools_port(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        seen = b""
        assert self.process.stderr is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stderr], [], [], 0.5)
            if ready:
                line = self.process.stderr.readline()
                seen += line
                found = re.search(rb"DevTools listening on ws://[^:]+:(\d+)/", line)
                if found:
                    return int(found.group(1))
            if self.process.poll() is not None:
                break
        raise RuntimeError(f"chromium did not start: {seen.decode(errors='replace')[-2000:]}")

    def call(self, method: str, timeout: float = 60.0, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)
        raise TimeoutError(method)

    def wait_for(self, event: str, timeout: float = 30.0) -> dict:
        for message in self.events:
            if message.get("method") == event:
                return message
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            self.events.append(message)
            if message.get("method") == event:
                return message
        raise TimeoutError(event)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, **params) -> Path:
        data = self.call("Page.captureScreenshot", format="png", **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors seen so far."""
        out = []
        for message in self.events:
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(params["exceptionDetails"])[:500])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                out.append("log: " + params["entry"].get("text", ""))
        return out

    def requests(self) -> list[str]:
        return [m["params"]["request"]["url"] for m in self.events if m.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the browser may already be gone
            self.call("Browser.close", timeout=5)
        self.ws.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def report_run(tmp_path_factory):
    return make_report_run(tmp_path_factory)  # the run test_report.py makes; made once per session


@pytest.fixture(scope="module")
def page(report_run, tmp_path_factory):
    binary = chromium_binary()
    if binary is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    browser = Browser(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.call(f"{domain}.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=1366, height=900, deviceScaleFactor=1, mobile=False)
        browser.call("Page.navigate", url=(report_run.output / "report.html").as_uri())
        browser.wait_for("Page.loadEventFired")
        yield browser
    finally:
        browser.close()


def test_no_console_errors_and_no_network(page):
    assert page.evaluate("document.readyState") == "complete"
    assert page.errors() == []
    outside = [url for url in page.requests() if not url.startswith(("file:", "data:"))]
    assert outside == [], f"the report requested resources from outside: {outside}"


def test_document_is_rtl_arabic(page):
    state = page.evaluate(
        """({
        dir: document.documentElement.dir,
        lang: document.documentElement.lang,
        direction: getComputedStyle(document.body).direction,
        paraDirection: getComputedStyle(document.querySelector("article.para p.text")).direction,
        overflow: document.documentElement.scrollWidth - window.innerWidth,
    })"""
    )
    assert state["dir"] == "rtl"
    assert state["lang"] == "ar"
    assert state["direction"] == "rtl"
    assert state["paraDirection"] == "rtl"
    assert state["overflow"] <= 0, "the page scrolls sideways on a laptop-sized window"
    # in RTL the paragraph number sits to the right of its text
    sides = page.evaluate(
        """(() => { const a = document.querySelector("article.para");
        return [a.querySelector(".num").getBoundingClientRect().left, a.querySelector("p.text").getBoundingClientRect().left]; })()"""
    )
    assert sides[0] > sides[1]


def test_every_section_is_present(page):
    found = page.evaluate(
        """Array.from(document.querySelectorAll("main > section")).map(s => [s.id, s.querySelector("h2").innerText, s.getBoundingClientRect().height])"""
    )
    assert [f[0] for f in found] == list(SECTIONS)
    assert all(f[1].strip() and f[2] > 40 for f in found)


def test_browser_shows_39_numbered_paragraphs(page):
    numbers = page.evaluate(
        """Array.from(document.querySelectorAll("article.para"))
        .filter(a => a.offsetParent !== null)
        .map(a => a.querySelector(".num").innerText.trim())"""
    )
    assert numbers == [str(n) for n in range(1, 40)]
    texts = page.evaluate(
        """Array.from(document.querySelectorAll("article.para p.text")).map(p => p.innerText.length)"""
    )
    assert len(texts) == 39 and min(texts) > 50


def test_charts_render(page, report_run):
    images = page.evaluate(
        """Array.from(document.querySelectorAll("figure.chart img")).map(i => [i.complete, i.naturalWidth, i.src.slice(0, 26)])"""
    )
    expected = len(report_run.figures)
    assert len(images) == expected
    assert all(done and width > 100 and src == "data:image/svg+xml;base64," for done, width, src in images)


def test_theme_filter_hides_other_paragraphs(page, report_run):
    if not report_run.theme_counts:
        pytest.skip("the run has no themes stage (configs/default.yaml)")
    theme, expected = max(report_run.theme_counts.items(), key=lambda item: (item[1], item[0]))
    shown = page.evaluate(
        f"""(() => {{ const s = document.getElementById("theme-filter"); s.value = {json.dumps(theme)};
        s.dispatchEvent(new Event("change"));
        const n = Array.from(document.querySelectorAll("article.para")).filter(a => !a.hidden).length;
        s.value = ""; s.dispatchEvent(new Event("change")); return n; }})()"""
    )
    assert shown == expected
    assert page.evaluate("""document.querySelectorAll("article.para[hidden]").length""") == 0
    assert page.errors() == []


def test_screenshots_and_print(page, tmp_path):
    top = page.screenshot(tmp_path / "report-top.png")
    assert top.stat().st_size > 10_000
    for anchor in ("paragraphs", "stakeholders", "tables"):
        # scroll, then shoot the viewport: a clip beyond the viewport re-lays out an RTL page off-centre
        page.evaluate(f"""document.getElementById("{anchor}").scrollIntoView()""")
        page.screenshot(tmp_path / f"report-{anchor}.png")
    page.evaluate("window.scrollTo(0, 0)")
    assert (tmp_path / "report-paragraphs.png").stat().st_size > 10_000
    pdf = base64.b64decode(page.call("Page.printToPDF", printBackground=True)["data"])
    assert pdf.startswith(b"%PDF")
    (tmp_path / "report.pdf").write_bytes(pdf)
    print(f"screenshots: {tmp_path}")
