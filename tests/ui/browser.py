"""Harness of the browser tests: the real CLI's `serve`/`ui` as subprocesses, headless Chromium
whose every network request and console message is recorded, and waiting helpers.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.shared import require

CLI = Path(sys.executable).parent / "avatar-scholar"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
READY = 90.0  # seconds: the API loads the model before it answers
ANSWER = 60.0
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def require_browser() -> None:
    """Skip (fail in CI) without chromium, chromedriver and selenium."""
    missing = [name for name, ok in (("chromium", shutil.which("chromium")),
                                     ("chromedriver", Path(CHROMEDRIVER).is_file()))
               if not ok]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[dev]')")
    require(not missing, f"browser test needs {', '.join(missing)} (make chromium)")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """The console script with `args`, in its own process group, output to `log`."""
    with open(log, "wb") as out:
        return subprocess.Popen([str(CLI), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process group, then SIGKILL what is still running after 15 s."""
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=5)


def wait_ok(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until `url` answers 200; fail with the log's tail if the process dies or it takes too long."""
    deadline = time.monotonic() + READY
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args!r} exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    pytest.fail(f"{url} not ready after {READY:.0f}s:\n{log.read_text()[-2000:]}")


def env_for(**extra: str) -> dict[str, str]:
    """The test's environment for the subprocesses, offline, with `extra` on top."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **extra}
    if "AVATAR_SCHOLAR_API_URL" not in extra:
        env.pop("AVATAR_SCHOLAR_API_URL", None)
    return env


def make_driver(profile: Path) -> Any:
    """Headless Chromium with a fresh profile, logging network events and the console."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 f"--user-data-dir={profile}", "--window-size=1400,1000"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


@dataclass
class Traffic:
    """What the pages asked the network for, and what went wrong, since the last check."""

    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "404 http://…" from any server
    console: list[str] = field(default_factory=list)  # SEVERE console messages

    def external(self) -> list[str]:
        """Requests to a host that is not this machine (data:, blob:, chrome: are local)."""
        return [u for u in self.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and (urlsplit(u).hostname or "") not in LOOPBACK]


def traffic(drv: Any) -> Traffic:
    """Drain the browser's logs: every request a page made, failed responses, console errors."""
    seen = Traffic()
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        params = msg.get("params", {})
        if msg["method"] == "Network.requestWillBeSent":
            seen.requests.append(params["request"]["url"])
        elif msg["method"] == "Network.webSocketCreated":
            seen.requests.append(params["url"])
        elif msg["method"] == "Network.responseReceived" and params["response"]["status"] >= 400:
            seen.failures.append(f"{params['response']['status']} {params['response']['url']}")
    seen.console = [e["message"] for e in drv.get_log("browser") if e["level"] == "SEVERE"]
    return seen


def screenshot(drv: Any, name: str) -> Path:
    """A full-page PNG in tests/artifacts/ (the window grows to the page's height)."""
    height = drv.execute_script(
        "const m = document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
        "return m ? m.getBoundingClientRect().height + 160 : 1000;")
    drv.set_window_size(1400, int(min(max(height, 900), 6000)))
    time.sleep(0.8)  # let the layout settle after the resize
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    drv.save_screenshot(str(path))
    drv.set_window_size(1400, 1000)
    return path


def wait_css(drv: Any, seconds: float, css: str) -> Any:
    """The first element matching `css`, once there is one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, seconds).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def settle(drv: Any, seconds: float = READY) -> None:
    """Until the app has no script run in progress (Streamlit's status widget is gone)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    time.sleep(0.6)  # a rerun takes a moment to show the status widget
    WebDriverWait(drv, seconds).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"))
    time.sleep(0.6)


# The Map page's points (ui/map_chart.POINTS names their view) and the ring of a search hit.
MAP_POINTS = "[data-testid='stVegaLiteChart'] g.papers_marks path"
RINGED = MAP_POINTS + "[stroke='#111111']"
OPENED = MAP_POINTS + "[stroke='#d62728']"
# Injected before any page script: when the chart's element appears and when its points are
# drawn, in the page's own clock (performance.now(), ms since navigation started).
RENDER_CLOCK = """
window.__mapClock = {chart: null, points: 0, drawn: null};
new MutationObserver(() => {
  const clock = window.__mapClock;
  if (clock.chart === null && document.querySelector("[data-testid='stVegaLiteChart']")) {
    clock.chart = performance.now();
  }
  const n = document.querySelectorAll("[data-testid='stVegaLiteChart'] g.papers_marks path").length;
  if (n > clock.points) { clock.points = n; clock.drawn = performance.now(); }
}).observe(document, {childList: true, subtree: true});
"""


def start_render_clock(drv: Any) -> None:
    """Time the Map's rendering on every page this driver opens from now on."""
    drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RENDER_CLOCK})


def render_clock(drv: Any) -> dict[str, float]:
    """{chart, drawn: ms since navigation; points: how many were drawn}."""
    return dict(drv.execute_script("return window.__mapClock"))


def hover(drv: Any, element: Any, seconds: float = 10) -> str:
    """Move the mouse onto `element` and return the text of the chart tooltip it opens."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    ActionChains(drv).move_to_element(element).perform()
    WebDriverWait(drv, seconds).until(
        lambda d: d.find_elements("css selector", "#vg-tooltip-element.visible"))
    return str(drv.find_element("css selector", "#vg-tooltip-element").text)
