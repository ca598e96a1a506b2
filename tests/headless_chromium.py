"""A real headless Chromium with the network off, driven over the DevTools protocol.

No browser-driver package: Chromium speaks the protocol on two pipes (`--remote-debugging-pipe`,
fds 3 and 4, one JSON message per NUL-terminated line), so the standard library is enough.
The network is off three ways: a proxy that goes nowhere (127.0.0.1:9, loopback included), a
resolver that resolves nothing, and every request the page makes paused and failed unless it
is a file:// or data: address. Every request is logged, so a test sees what a page tried.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOCAL_SCHEMES = ("file:", "data:")
FLAGS = (
    # root in a container: no sandbox; nothing for the browser to fetch or update on its own.
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


@dataclass
class PageLoad:
    """What one page asked for: every request's address, the blocked and the failed ones."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class Chromium:
    """One headless Chromium with a fresh profile; `open` loads a page and logs its requests."""

    def __init__(self, width: int = 1280, height: int = 900) -> None:
        self._profile = tempfile.mkdtemp(prefix="tollgate-chromium-")
        # Both browser ends above fd 9 first, so placing them at 3 and 4 cannot overwrite either.
        to_browser, self._to_browser = os.pipe()
        self._from_browser, from_browser = os.pipe()
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_browser, from_browser)]
        for fd in (to_browser, from_browser):
            os.close(fd)
        argv = [CHROMIUM, *FLAGS, f"--user-data-dir={self._profile}", f"--window-size={width},{height}"]
        # posix_spawn, not Popen's preexec_fn: safe even when the test process runs threads (Spark).
        self._pid = os.posix_spawn(
            CHROMIUM,
            [*argv, "--remote-debugging-pipe", "about:blank"],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, high[0], 3),
                (os.POSIX_SPAWN_DUP2, high[1], 4),
            ],
        )
        for fd in high:
            os.close(fd)
        self._buffer, self._next_id, self._replies, self._urls = b"", 0, {}, {}
        self._load, self._seen, self._size = PageLoad(), set(), (width, height)
        try:
            target = self.send("Target.createTarget", url="about:blank")["targetId"]
            self._session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Page", "Network", "Runtime"):
                self.send(f"{domain}.enable", session=True)
            self.send("Fetch.enable", session=True, patterns=[{"urlPattern": "*"}])
            self._window(width, height)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        with contextlib.suppress(OSError, TimeoutError):
            self.send("Browser.close")
        deadline = time.monotonic() + 10
        while os.waitpid(self._pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
                break
            time.sleep(0.1)
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self._profile, ignore_errors=True)

    def open(self, page: Path, settle: float = 1.0) -> PageLoad:
        """Load a file, wait for its load event, then `settle` seconds more for late requests."""
        self._load, self._seen = PageLoad(), set()
        self.send("Page.navigate", session=True, url=page.resolve().as_uri())
        deadline = time.monotonic() + 30
        while "Page.loadEventFired" not in self._seen:
            self._handle(self._read(deadline))
        quiet = time.monotonic() + settle
        try:
            while True:
                self._handle(self._read(quiet))
        except TimeoutError:
            return self._load

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the open page (awaited if it is a promise)."""
        reply = self.send(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in reply:
            raise AssertionError(f"{expression}: {reply['exceptionDetails'].get('text')}")
        return reply["result"].get("value")

    def screenshot(self, path: Path) -> None:
        """The whole page as a PNG: the window made as tall as the page first, so that a fixed
        footer stays at the bottom rather than over the middle."""
        width = self.evaluate("document.documentElement.clientWidth")
        height = self.evaluate("document.documentElement.scrollHeight")
        self._window(width, height)
        data = self.send("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        self._window(self._size[0], self._size[1])

    def _window(self, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def send(self, method: str, session: bool = False, **params) -> dict:
        """One command; events that arrive meanwhile are handled (a paused request must be
        answered before the navigation that asked for it can)."""
        self._next_id += 1
        sent = self._next_id
        message = {"id": sent, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while sent not in self._replies:
            self._handle(self._read(deadline))
        reply = self._replies.pop(sent)
        if "error" in reply:
            raise AssertionError(f"{method}: {reply['error']}")
        return reply["result"]

    def _handle(self, message: dict) -> None:
        """Keep a reply for `send`; answer a paused request; log requests and failures."""
        if "id" in message:
            self._replies[message["id"]] = message
            return
        method, params = message.get("method"), message.get("params", {})
        self._seen.add(method)
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            if url.startswith(LOCAL_SCHEMES):
                self.send("Fetch.continueRequest", session=True, requestId=params["requestId"])
            else:
                self._load.blocked.append(url)
                self.send(
                    "Fetch.failRequest", session=True, requestId=params["requestId"], errorReason="BlockedByClient"
                )
        elif method == "Network.requestWillBeSent":
            self._load.requests.append(params["request"]["url"])
            self._urls[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFailed":
            self._load.failed.append(f"{self._urls.get(params['requestId'])}: {params.get('errorText')}")

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._from_browser], [], [], remaining)[0]:
                raise TimeoutError("no message from Chromium")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise OSError("Chromium closed its pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)
