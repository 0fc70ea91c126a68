"""End to end in headless Chromium: real API + real Streamlit (`avatar-scholar serve` / `ui`).

Screenshots go to tests/artifacts/ (gitignored). Without chromium/chromedriver/selenium
the tests skip, except in CI (`tests.shared.require`), where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from indexer.embed import Embedder
from search.config import Settings
from tests.shared import require
from tests.ui.support import EVIL_TITLE, free_port, serve_api

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLI = Path(sys.executable).parent / "avatar-scholar"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
READY = 90.0  # seconds: the API loads the model before it answers
ANSWER = 60.0


def _require_browser() -> None:
    missing = [name for name, ok in (("chromium", shutil.which("chromium")),
                                     ("chromedriver", Path(CHROMEDRIVER).is_file()))
               if not ok]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[dev]')")
    require(not missing, f"browser test needs {', '.join(missing)} (make chromium)")


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen([str(CLI), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
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


def _wait_ok(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args!r} exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    pytest.fail(f"{url} not ready after {READY:.0f}s:\n{log.read_text()[-2000:]}")


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **extra}
    if "AVATAR_SCHOLAR_API_URL" not in extra:
        env.pop("AVATAR_SCHOLAR_API_URL", None)
    return env


@pytest.fixture(scope="module")
def stack(small_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real API and UI as subprocesses over the small index; yields the UI URL."""
    _require_browser()
    logs = tmp_path_factory.mktemp("browser")
    api_port, ui_port = free_port(), free_port()
    env = _env(AVATAR_SCHOLAR_API_PORT=str(api_port), AVATAR_SCHOLAR_UI_PORT=str(ui_port))
    data = str(small_index.data_dir)
    procs = [_start(["--data-dir", data, "serve", "--port", str(api_port)], env, logs / "api.log"),
             _start(["--data-dir", data, "ui"], env, logs / "ui.log")]
    try:
        _wait_ok(f"http://127.0.0.1:{ui_port}/_stcore/health", procs[1], logs / "ui.log")
        _wait_ok(f"http://127.0.0.1:{api_port}/api/health", procs[0], logs / "api.log")
        yield f"http://127.0.0.1:{ui_port}"
    finally:
        _stop(procs)


@pytest.fixture()
def driver(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium with a fresh profile, quit even when the test fails."""
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,1000"):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield drv
    finally:
        drv.quit()


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
    return path


def _wait(drv: Any, seconds: float, css: str) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, seconds).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def test_ask_in_a_real_browser(stack: str, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get(stack)
    box = _wait(driver, READY, "textarea")
    box.send_keys("How do talking head methods keep the lips in sync with audio?")
    screenshot(driver, "ask-question")
    driver.find_element(By.CSS_SELECTOR, "[data-testid='stFormSubmitButton'] button").click()
    _wait(driver, ANSWER, "#cite-1")
    markers = driver.find_elements(By.CSS_SELECTOR, "a[href='#cite-1']")
    assert markers, "the overview has no [1] marker linked to its citation"
    assert driver.find_elements(By.CSS_SELECTOR, "a[href^='https://arxiv.org/pdf/']")
    screenshot(driver, "ask-answer")
    driver.set_window_size(1400, 900)
    markers[0].click()
    assert driver.execute_script("return location.hash") == "#cite-1"


def test_search_and_paper_pages_in_a_real_browser(stack: str, driver: Any) -> None:

    driver.get(f"{stack}/search?q=gaussian+avatar")
    link = _wait(driver, READY, "[data-testid='stPageLink'] a")
    screenshot(driver, "search")
    link.click()
    _wait(driver, READY, "[data-testid='stCode']")
    assert "paper=" in driver.current_url
    screenshot(driver, "paper")
    for page in ("library", "digest"):
        driver.get(f"{stack}/{page}")
        _wait(driver, READY, "[data-testid='stVegaLiteChart'], [data-testid='stDownloadButton']")
        screenshot(driver, page)


def test_hostile_title_is_text_in_the_browser(tmp_path: Path, embedder: Embedder, driver: Any,
                                             evil_index: Settings) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    with serve_api(evil_index, embedder) as api:
        env = _env(AVATAR_SCHOLAR_API_URL=api, AVATAR_SCHOLAR_UI_PORT=str(free_port()))
        proc = _start(["--data-dir", str(evil_index.data_dir), "ui"], env, tmp_path / "ui.log")
        try:
            url = f"http://127.0.0.1:{env['AVATAR_SCHOLAR_UI_PORT']}"
            _wait_ok(f"{url}/_stcore/health", proc, tmp_path / "ui.log")
            driver.get(f"{url}/paper?paper=2401.99999")
            title = _wait(driver, READY, "h1")
            nav = driver.find_element(By.CSS_SELECTOR, "[data-testid='stSidebarNav']").text
            assert all(page in nav for page in ("Ask", "Search", "Paper", "Library", "Digest"))
            assert "app" not in nav.split(), "pages ran without st.navigation"
            assert title.text == EVIL_TITLE
            assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stMain'] script, "
                                                             "[data-testid='stMain'] img[src='x']")
            with pytest.raises(NoAlertPresentException):
                driver.switch_to.alert.text  # noqa: B018 - raises when no alert() ran
            screenshot(driver, "hostile-paper")
        finally:
            _stop([proc])
