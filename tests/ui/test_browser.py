"""End to end in headless Chromium: real API + real Streamlit (`avatar-scholar serve` / `ui`).

Every test drains the browser's network log and asserts that no page asked a host other
than this machine for anything, and that nothing failed (no 404 on a direct page link).
Screenshots go to tests/artifacts/ (gitignored). Without chromium/chromedriver/selenium
the tests skip, except in CI (`tests.shared.require`), where that is a failure.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from indexer.embed import Embedder
from search.config import Settings
from tests.synthetic import write_paper_pdf
from tests.ui.browser import (
    ANSWER,
    ARTIFACTS,
    MAP_POINTS,
    OPENED,
    READY,
    RINGED,
    env_for,
    hover,
    make_driver,
    render_clock,
    require_browser,
    screenshot,
    settle,
    start,
    start_render_clock,
    stop,
    traffic,
    wait_css,
    wait_ok,
)
from tests.ui.support import EVIL_TITLE, free_port, serve_api
from ui.markup import latex_to_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RESULT = "[data-testid='stMain'] [data-testid='stPageLink'] a"
QUERY_BOX = "input[aria-label^='Words']"


@pytest.fixture(scope="module")
def stack(small_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real API and UI as subprocesses over a copy of the small index (the upload test
    writes to it); yields the UI URL."""
    require_browser()
    logs = tmp_path_factory.mktemp("browser")
    data = logs / "data"
    shutil.copytree(small_index.data_dir, data)
    api_port, ui_port = free_port(), free_port()
    env = env_for(AVATAR_SCHOLAR_API_PORT=str(api_port), AVATAR_SCHOLAR_UI_PORT=str(ui_port))
    procs = [start(["--data-dir", str(data), "serve", "--port", str(api_port)], env, logs / "api.log"),
             start(["--data-dir", str(data), "ui"], env, logs / "ui.log")]
    try:
        wait_ok(f"http://127.0.0.1:{ui_port}/_stcore/health", procs[1], logs / "ui.log")
        wait_ok(f"http://127.0.0.1:{api_port}/api/health", procs[0], logs / "api.log")
        yield f"http://127.0.0.1:{ui_port}"
    finally:
        stop(procs)


@pytest.fixture(scope="module")
def corpus_stack(corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[str, str]]:
    """The real API and UI over the full-corpus index (read only); yields (UI, API) URLs."""
    require_browser()
    logs = tmp_path_factory.mktemp("browser-corpus")
    api_port, ui_port = free_port(), free_port()
    env = env_for(AVATAR_SCHOLAR_API_PORT=str(api_port), AVATAR_SCHOLAR_UI_PORT=str(ui_port))
    data = str(corpus_index.data_dir)
    procs = [start(["--data-dir", data, "serve", "--port", str(api_port)], env, logs / "api.log"),
             start(["--data-dir", data, "ui"], env, logs / "ui.log")]
    try:
        wait_ok(f"http://127.0.0.1:{ui_port}/_stcore/health", procs[1], logs / "ui.log")
        wait_ok(f"http://127.0.0.1:{api_port}/api/health", procs[0], logs / "api.log")
        yield f"http://127.0.0.1:{ui_port}", f"http://127.0.0.1:{api_port}"
    finally:
        stop(procs)


@pytest.fixture()
def driver(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium with a fresh profile; afterwards, its traffic must have stayed local."""
    drv = make_driver(tmp_path / "profile")
    try:
        yield drv
        seen = traffic(drv)
        assert not seen.external(), f"requests to other hosts: {seen.external()}"
        assert not seen.failures, f"failed requests: {seen.failures}"
        assert not seen.console, f"console errors: {seen.console}"
    finally:
        drv.quit()


def results(drv: Any) -> list[str]:
    """The result titles (links to paper pages) shown in the page's main area."""
    return [a.text for a in drv.find_elements("css selector", RESULT) if a.text.strip()]


def sidebar(drv: Any, title: str) -> Any:
    """The sidebar's link to the page `title`."""
    return next(a for a in drv.find_elements("css selector", "[data-testid='stSidebar'] a")
                if a.text.strip().endswith(title))


def test_every_page_opened_directly_stays_local(stack: str, driver: Any) -> None:
    for path, ready in (("/", "textarea"), ("/search?q=gaussian+avatar", RESULT),
                        ("/paper?paper=2403.01444", "[data-testid='stCode']"),
                        ("/library", "[data-testid='stVegaLiteChart']"),
                        ("/map", MAP_POINTS),
                        ("/digest", "[data-testid='stDownloadButton']")):
        driver.get(stack + path)
        wait_css(driver, READY, ready)
        settle(driver)
        seen = traffic(driver)
        assert any(u.startswith(f"{stack}/_stcore/health") for u in seen.requests), path
        assert not seen.external() and not seen.failures and not seen.console, (path, seen)
        assert driver.title == "Avatar Scholar"
        assert not driver.find_elements("css selector", "[data-testid='stAppDeployButton']")
        screenshot(driver, path.strip("/").split("?")[0] or "ask")


def test_ask_in_a_real_browser(stack: str, driver: Any) -> None:
    driver.get(stack)
    box = wait_css(driver, READY, "textarea")
    box.send_keys("How do talking head methods keep the lips in sync with audio?")
    screenshot(driver, "ask-question")
    driver.find_element("css selector", "[data-testid='stFormSubmitButton'] button").click()
    wait_css(driver, ANSWER, "#cite-1")
    markers = driver.find_elements("css selector", "a[href='#cite-1']")
    assert markers, "the overview has no [1] marker linked to its citation"
    assert driver.find_elements("css selector", "a[href^='https://arxiv.org/pdf/']")
    assert "question=How+do+talking+head" in driver.current_url
    screenshot(driver, "ask-answer")
    markers[0].click()
    assert driver.execute_script("return location.hash") == "#cite-1"


def test_search_then_another_page_then_back(stack: str, driver: Any) -> None:
    driver.get(f"{stack}/search")
    wait_css(driver, READY, QUERY_BOX).send_keys("gaussian avatar\n")
    wait_css(driver, READY, RESULT)
    settle(driver)
    shown, url = results(driver), driver.current_url
    assert len(shown) == 10 and "q=gaussian+avatar" in url
    sidebar(driver, "Library").click()
    wait_css(driver, READY, "[data-testid='stVegaLiteChart']")
    driver.back()
    settle(driver)
    assert driver.find_element("css selector", QUERY_BOX).get_attribute("value") == "gaussian avatar"
    assert results(driver) == shown and driver.current_url == url
    sidebar(driver, "Digest").click()
    wait_css(driver, READY, "[data-testid='stDownloadButton']")
    sidebar(driver, "Search").click()  # by the sidebar, too
    settle(driver)
    assert results(driver) == shown and driver.current_url == url


def test_similar_paper_is_in_the_address_bar(stack: str, driver: Any) -> None:
    driver.get(f"{stack}/search?q=gaussian+avatar")
    wait_css(driver, READY, RESULT).click()
    wait_css(driver, READY, "[data-testid='stCode']")
    settle(driver)
    first_url, first_title = driver.current_url, driver.find_element("css selector", "h1").text
    similar = [a for a in driver.find_elements("css selector", RESULT) if a.text.strip()]
    assert len(similar) >= 3
    driver.execute_script("arguments[0].scrollIntoView()", similar[2])
    similar[2].click()
    settle(driver)
    title = driver.find_element("css selector", "h1").text
    assert title != first_title and driver.current_url != first_url
    scrolled = driver.execute_script(
        "const m = document.querySelector('[data-testid=\"stMain\"]');"
        "return Math.max(window.scrollY, m ? m.scrollTop : 0)")
    assert scrolled == 0, "a newly opened paper starts at the top"
    screenshot(driver, "similar-paper")
    driver.refresh()
    wait_css(driver, READY, "[data-testid='stCode']")
    settle(driver)
    assert driver.find_element("css selector", "h1").text == title
    driver.back()
    settle(driver)
    assert driver.find_element("css selector", "h1").text == first_title
    assert driver.current_url == first_url


def test_upload_a_pdf_with_metadata(stack: str, driver: Any, tmp_path: Path) -> None:
    pdf = write_paper_pdf(tmp_path / "phone-avatars.pdf", {
        "title": "Gaussian Head Avatars from Phone Videos",
        "author": "Ada Lovelace; Alan M. Turing", "creationDate": "D:20240315120000Z"})
    driver.get(f"{stack}/library")
    wait_css(driver, READY, "[data-testid='stFileUploader'] input[type='file']").send_keys(str(pdf))
    settle(driver)
    button = next(b for b in driver.find_elements("css selector", "[data-testid='stMain'] button")
                  if b.text.strip() == "Index uploaded PDFs")
    button.click()
    wait_css(driver, 240, "[data-testid='stAlertContentSuccess']")
    settle(driver)
    screenshot(driver, "upload")
    link = next(a for a in driver.find_elements("css selector", RESULT)
                if "Gaussian Head Avatars" in a.text)
    link.click()
    wait_css(driver, READY, "[data-testid='stCode']")
    settle(driver)
    page = driver.find_element("css selector", "[data-testid='stMain']").text
    assert "Ada Lovelace, Alan M. Turing" in page and "published 2024-03-15" in page
    assert "author = {Ada Lovelace and Alan M. Turing}" in page
    screenshot(driver, "uploaded-paper")


def test_hostile_title_is_text_in_the_browser(tmp_path: Path, embedder: Embedder, driver: Any,
                                             evil_index: Settings) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with serve_api(evil_index, embedder) as api:
        env = env_for(AVATAR_SCHOLAR_API_URL=api, AVATAR_SCHOLAR_UI_PORT=str(free_port()))
        proc = start(["--data-dir", str(evil_index.data_dir), "ui"], env, tmp_path / "ui.log")
        try:
            url = f"http://127.0.0.1:{env['AVATAR_SCHOLAR_UI_PORT']}"
            wait_ok(f"{url}/_stcore/health", proc, tmp_path / "ui.log")
            driver.get(f"{url}/paper?paper=2401.99999")
            title = wait_css(driver, READY, "h1")
            nav = driver.find_element("css selector", "[data-testid='stSidebar']").text
            assert all(page in nav for page in ("Ask", "Search", "Paper", "Map", "Library",
                                                "Digest"))
            assert title.text == latex_to_text(EVIL_TITLE)  # "$x^2$" is math: "x²"
            scripts = driver.execute_script(
                "return [...document.querySelectorAll('[data-testid=\"stMain\"] script')]"
                ".map(s => s.textContent)")
            assert all("scrollTo(0, 0)" in s and "alert" not in s for s in scripts), scripts
            assert not driver.find_elements("css selector", "[data-testid='stMain'] img[src='x']")
            with pytest.raises(NoAlertPresentException):
                driver.switch_to.alert.text  # noqa: B018 - raises when no alert() ran
            screenshot(driver, "hostile-paper")
        finally:
            driver.get("about:blank")  # no reconnection attempts once the UI is gone
            stop([proc])


def _caption_count(drv: Any, pattern: str) -> int:
    """The number in the first caption or text of the main area matching `pattern`."""
    text = drv.find_element("css selector", "[data-testid='stMain']").text
    found = re.search(pattern, text)
    assert found, (pattern, text[-500:])
    return int(found.group(1).replace(",", ""))


def test_map_hover_click_through_and_a_search_rings_its_hits(stack: str, driver: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    driver.get(f"{stack}/map")
    wait_css(driver, READY, MAP_POINTS)
    settle(driver)
    points = driver.find_elements("css selector", MAP_POINTS)
    assert len(points) == _caption_count(driver, r"([\d,]+) papers\.")
    tip = hover(driver, points[len(points) // 2]).splitlines()
    title = next(line.removeprefix("Title ") for line in tip if line.startswith("Title "))
    assert any(re.fullmatch(r"Date \d{4}-\d\d-\d\d", line) for line in tip), tip
    ActionChains(driver).click().perform()  # where the mouse is: on the point hovered
    wait_css(driver, READY, "[data-testid='stCode']")
    settle(driver)
    assert "/paper?paper=" in driver.current_url
    paper_id = driver.current_url.split("paper=")[1]
    assert driver.find_element("css selector", "h1").text == latex_to_text(" ".join(title.split()))
    driver.back()  # the map again, the paper opened ringed in red
    wait_css(driver, READY, OPENED)
    settle(driver)
    assert driver.current_url == f"{stack}/map?paper={paper_id}"
    assert len(driver.find_elements("css selector", OPENED)) == 1
    driver.get(f"{stack}/map")
    box = wait_css(driver, READY, "input[aria-label^='Highlight']")
    box.send_keys("gaussian avatar\n")
    wait_css(driver, READY, RINGED)
    settle(driver)
    found = _caption_count(driver, r"(\d+) papers? found by the search")
    assert found > 0 and len(driver.find_elements("css selector", RINGED)) == found
    assert "q=gaussian+avatar" in driver.current_url
    screenshot(driver, "map-search")


def test_the_corpus_map_renders_in_two_seconds(corpus_stack: tuple[str, str], driver: Any) -> None:
    ui_url, api_url = corpus_stack
    expected = len(httpx.get(f"{api_url}/api/map", timeout=60).json()["points"])
    assert expected >= 1_600
    start_render_clock(driver)
    driver.get(f"{ui_url}/map")
    wait_css(driver, READY, MAP_POINTS)
    settle(driver)
    clock = render_clock(driver)
    assert clock["points"] == expected
    render_ms = clock["drawn"] - clock["chart"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "map_render.json").write_text(json.dumps(
        {"points": expected, "render_ms": round(render_ms), "page_ms": round(clock["drawn"])}))
    screenshot(driver, "map-corpus")
    assert render_ms <= 2_000, clock
