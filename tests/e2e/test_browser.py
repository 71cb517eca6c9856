"""The dashboard in a real browser: define a space, run a small search, open every page.

Starts `streamlit run app.py` on a free loopback port with a database in tmp_path, then
drives Debian's Chromium through Playwright. Screenshots of each page land in
`test-output/screenshots/`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO_ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
EXCEPTION = "[data-testid='stException']"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit at {url} was not healthy after {timeout_s:.0f} s")


@pytest.fixture()
def server(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing; install Debian's chromium package to run browser tests")
    pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    port = _free_port()
    env = {**os.environ, "NASDIAG_DB": str(tmp_path / "browser.duckdb")}
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _settle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=timeout_ms)


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _open(page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).first.click()
    _settle(page)


def _fill_number(page, label: str, value: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    field.press("Enter")
    _settle(page)


def test_user_defines_space_runs_search_and_reads_diagnostics(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)

        # First start: the empty database opens on the bundled demo.
        page.goto(server)
        page.get_by_text("can this architecture search be trusted?").wait_for()
        page.get_by_text("Verdicts", exact=True).wait_for()
        _settle(page)
        page.locator("[data-testid='stDataFrame'] canvas").first.wait_for()
        page.wait_for_timeout(1500)  # the data grid and metrics draw after the run ends
        assert page.locator(EXCEPTION).count() == 0
        _shoot(page, "overview")
        # Taller pages from here on, so each screenshot shows the whole page: Streamlit scrolls
        # its main block itself, and a full-page screenshot only captures the viewport.
        page.set_viewport_size({"width": 1400, "height": 2600})

        # Define a chain space in the editor.
        _open(page, "Search space")
        page.get_by_text("chain", exact=True).first.click()
        _settle(page)
        page.get_by_text("Choice combinations").wait_for()
        assert page.locator(EXCEPTION).count() == 0
        _shoot(page, "space")

        # Start a small search: 3 architectures x 2 seeds, one epoch per fidelity, no baselines.
        _open(page, "Run")
        _fill_number(page, "Budget (architectures)", "3")
        _fill_number(page, "Seeds per architecture", "2")
        _fill_number(page, "proxy epochs", "1")
        _fill_number(page, "target epochs", "1")
        page.get_by_text("Train the task's baselines").click()
        _settle(page)
        page.get_by_text("Cost estimate: 12 trials").wait_for()
        page.get_by_role("button", name="Start search").click()
        try:
            page.get_by_text(re.compile(r"12 of 12 trials — finished")).wait_for(timeout=240_000)
        except Exception:
            _shoot(page, "run-timeout")
            raise
        _settle(page)
        assert page.locator(EXCEPTION).count() == 0
        assert page.locator(".js-plotly-plot").count() >= 1
        _shoot(page, "run")

        for title, name in (("Noise", "noise"), ("Proxy vs target", "proxy"), ("Coverage", "coverage"),
                            ("Architecture detail", "architecture")):
            _open(page, title)
            page.locator(".js-plotly-plot").first.wait_for()
            page.wait_for_timeout(500)
            assert page.locator(".js-plotly-plot").count() >= 1, title
            assert page.locator(EXCEPTION).count() == 0, title
            _shoot(page, name)

        _open(page, "Report")
        page.get_by_role("button", name="Download HTML").wait_for()
        assert page.locator(EXCEPTION).count() == 0
        _shoot(page, "report")

        # Upload a small long-format table through the Import page.
        table = tmp_path / "runs.csv"
        table.write_text("model,run,acc,budget\n" + "".join(
            f"{arch},{seed},{0.8 + 0.01 * index + 0.002 * seed},target\n"
            for index, arch in enumerate("abcdef") for seed in range(2)))
        _open(page, "Import")
        page.locator("input[type='file']").set_input_files(str(table))
        _settle(page)
        page.get_by_role("button", name="Validate").click()
        _settle(page)
        page.get_by_role("button", name="Import into the database").click()
        page.get_by_text(re.compile(r"Imported 12 trials as experiment")).wait_for()
        assert page.locator(EXCEPTION).count() == 0
        _shoot(page, "import")

        # The imported experiment is selected: its diagnostics render with a verdict.
        _open(page, "Noise")
        page.get_by_text(re.compile(r"Evaluation noise:")).first.wait_for()
        assert page.locator(EXCEPTION).count() == 0
        _shoot(page, "import-noise")

        # Each lesson opens from the navigation with its bundled run.
        for number, (title, name) in enumerate((("1. Search space mismatch", "learn-mismatch"),
                                                ("2. Proxy divergence", "learn-proxy"),
                                                ("3. Evaluation noise", "learn-noise")), start=1):
            _open(page, title)
            page.get_by_text(re.compile(rf"^Lesson {number}:")).first.wait_for()
            page.get_by_text(re.compile("bundled run")).first.wait_for()
            _settle(page)
            page.locator(".js-plotly-plot").first.wait_for()
            page.wait_for_timeout(500)
            assert page.locator(EXCEPTION).count() == 0, title
            _shoot(page, name)
        browser.close()
