"""Flower as an operator sees it: headless Chromium logs in, finds dead letters and the queues."""

from __future__ import annotations

import base64
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from tests.e2e.conftest import StackFactory
from tests.e2e.test_deadletter_replay import dead_letters

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLOWER_USER, FLOWER_PASSWORD = "ops", "browser-test-password"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1200",
]


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    # `make test` installs Chromium first (the `browser` target): this test must run, not skip.
    assert CHROMEDRIVER.exists(), "run `make browser` to install chromium and chromium-driver"
    profile = tempfile.mkdtemp(prefix="tajo-chromium-")
    options = webdriver.ChromeOptions()
    if CHROMIUM.exists():
        options.binary_location = str(CHROMIUM)
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def log_in(driver: webdriver.Chrome, user: str, password: str) -> None:
    """Basic auth on every request of the page (its XHRs too), as a browser does after login."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}}
    )


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_operator_finds_dead_letters_and_the_deadletter_queue_in_flower(
    make_stack: StackFactory, unused_port: int, browser: webdriver.Chrome
) -> None:
    stack, _ = make_stack(100)
    stack.start_worker()
    stack.start_flower(unused_port, f"{FLOWER_USER}:{FLOWER_PASSWORD}")
    base = f"http://127.0.0.1:{unused_port}"
    auth = (FLOWER_USER, FLOWER_PASSWORD)
    wait_for(lambda: _answers(f"{base}/healthcheck"), 30, "Flower to answer")
    stack.sync_persons()
    stack.wait_for_succeeded(1, 60)
    letter = dead_letters(stack)[0]

    assert httpx.get(f"{base}/tasks", timeout=5).status_code == 401
    assert httpx.get(f"{base}/tasks", auth=(FLOWER_USER, "wrong"), timeout=5).status_code == 401
    metrics = httpx.get(f"{base}/metrics", auth=auth, timeout=5)
    assert metrics.status_code == 200
    assert "flower_events_total" in metrics.text

    log_in(browser, FLOWER_USER, FLOWER_PASSWORD)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.get(f"{base}/tasks")
    search = browser.find_element(By.CSS_SELECTOR, "input[type=search]")
    search.send_keys("deadletter.park")
    wait_for(
        lambda: "deadletter.park" in browser.page_source and "FAILURE" in browser.page_source,
        30,
        "the Tasks page to list the deadletter.park failure",
    )
    page = browser.page_source
    browser.save_screenshot(str(ARTIFACTS / "flower-tasks-deadletter.png"))
    assert letter.reason in page
    assert f"source_id={letter.source_id}" in page

    # The Broker page lists every queue with its length, the deadletter queue too, even when no
    # worker is running (a replay waiting there makes it non-empty).
    stack.children[0].stop()
    stack.call("deadletter.replay_many", connector="pipedrive")
    browser.get(f"{base}/broker")
    wait_for(lambda: "deadletter" in browser.page_source, 15, "the Broker page")
    browser.save_screenshot(str(ARTIFACTS / "flower-broker.png"))
    rows = {
        _text(cells[0]): [_text(cell) for cell in cells[1:]]
        for cells in (
            row.find_elements(By.TAG_NAME, "td")
            for row in browser.find_elements(By.CSS_SELECTOR, "table tbody tr")
        )
        if cells
    }
    assert {"deadletter", "sync.control", "sink.brevo", "src.pipedrive"} <= set(rows)
    assert rows["deadletter"][0] == "1", rows


def _text(element: WebElement) -> str:
    # textContent, not .text: Flower hides secondary columns on narrow screens.
    return str(element.get_attribute("textContent") or "").strip()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code in (200, 401)
    except httpx.HTTPError:
        return False
