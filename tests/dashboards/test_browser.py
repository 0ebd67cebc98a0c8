"""The real app in a real browser, over what ``make demo`` makes: ``pos local run`` with the
Makefile's demo arguments fills a warehouse, ``pos local dashboards`` serves it and runs Streamlit,
and headless Chromium opens each page, waits for its figures and charts, checks that no exception
box is shown, reads the daily sales figures off the rendered page and compares them with Silver,
and compares each page's screenshot with the committed one in docs/screenshots. Then SIGTERM stops
the dashboards: the launcher exits with 143 and leaves no process behind.

Sale times follow the clock, so dates, and which sale falls on which day, move between runs: the
screenshots are compared by layout (``screenshots.py``: same width, similar height, the same
regions inked, at a coarse grid), not pixel by pixel. A blank chart, a missing table or an error
box in place of a section changes the layout; a different number in a label does not, and the
figures themselves are checked as text.

Screenshots go to a temporary folder, so a test run never writes into the repository;
``UPDATE_SCREENSHOTS=1 pytest tests/dashboards/test_browser.py`` refreshes docs/screenshots/
(every figure on them is then what a user of ``make demo`` sees)."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from local.warehouse import LocalWarehouse
from tests.dashboards.cdp import Browser
from tests.dashboards.conftest import TRAFFIC_LABELS
from tests.dashboards.expected import SILVER_LINES, sales_figures, select_lines
from tests.dashboards.screenshots import layout_difference
from tests.dashboards.seeding import REPO
from tests.process_tree import Process, alive, wait_for_descendants

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("chromium") is None,
        reason="chromium is not installed (apt-get install -y chromium)",
    ),
]

POS = Path(sys.executable).with_name("pos")
DOC_SCREENSHOTS = REPO / "docs" / "screenshots"
PAGES = {
    # url path (the default page is served at the root): texts shown once its data has loaded
    "daily_sales": ("Net sales", "Average basket", "Trend by business date", "Top 10 products"),
    "inventory": (
        "At or below reorder point",
        "Stock by store and product",
        "Lowest days of cover",
    ),
    "online-funnel": ("Product views", "Cart → checkout", "Top 15 products by views"),
    "store-operations": ("Registers with errors", "Terminal errors per register"),
    "pipeline_health": (
        "Rows waiting in each stream",
        "Recent runs",
        "Kinesis arrival to Gold latency",
        "Sale time to arrival, p50",
    ),
}


def demo_args() -> list[str]:
    """``DEMO_ARGS`` of the Makefile: the run ``make demo`` does."""
    for line in (REPO / "Makefile").read_text().splitlines():
        if line.startswith("DEMO_ARGS ?="):
            return shlex.split(line.split("?=", 1)[1])
    raise AssertionError("the Makefile defines no DEMO_ARGS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboards exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer")


# The most a page's layout may differ from its committed screenshot (see screenshots.py).
# Measured: the same page, fresh vs committed, 0.00-0.15 (the seed follows the clock, so bars
# and dates move); with its main chart blanked 0.57; another page in its place 0.87. Finer
# breakage (one table gone: 0.12-0.17) is within the noise, so it is left to the checks above
# (every visible table drawn, charts drawn, figures equal to Silver).
LAYOUT_TOLERANCE = 0.35
# Pages whose layout does not depend on the run's timing. Pipeline health's tables grow with the
# number of task runs, which follows how the machine's speed batched the deliveries (measured:
# 0.47 on a loaded CI machine for a healthy page), so everything below them shifts; its sections
# are checked through the page itself (headings, every chart and visible table drawn).
LAYOUT_CHECKED = ("daily_sales", "inventory")
SILVER: list[dict[str, object]] = []


@dataclass
class Dashboards:
    url: str
    process: subprocess.Popen[bytes]
    started: list[Process] = field(default_factory=list)

    def stop(self) -> tuple[int, list[Process]]:
        """SIGTERM the launcher, wait for it; its exit code and whatever it left running."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        return code, [each for each in self.started if alive(each)]


@pytest.fixture(scope="module")
def demo_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("demo")
    completed = subprocess.run(
        [str(POS), "local", "run", *demo_args(), "--workdir", str(work / "demo")],
        cwd=work,
        capture_output=True,
        timeout=900,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout.decode()[-3000:]
    # Silver as it stands, read before the dashboards process opens the files (one at a time).
    with LocalWarehouse(work / "demo" / "warehouse") as warehouse:
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        cursor.execute(SILVER_LINES)
        names = [column[0] for column in cursor.description]
        SILVER[:] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return work / "demo"


@pytest.fixture(scope="module")
def dashboards(demo_workdir: Path) -> Iterator[Dashboards]:
    port = free_port()
    command = [str(POS), "local", "dashboards", "--workdir", str(demo_workdir), "--port", str(port)]
    log = (demo_workdir / "dashboards.log").open("wb")
    process = subprocess.Popen(
        command, cwd=demo_workdir, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy()
    )
    running = Dashboards(f"http://127.0.0.1:{port}", process)
    try:
        wait_healthy(f"{running.url}/_stcore/health", process)
        running.started = wait_for_descendants(process, ["streamlit"])
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def dashboards_url(dashboards: Dashboards) -> str:
    return dashboards.url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium is not None
    opened = Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return DOC_SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_with_data_and_no_exception(
    dashboards_url: str, browser: Browser, screenshots: Path, page: str
) -> None:
    browser.navigate(f"{dashboards_url}/{'' if page == 'daily_sales' else page}")
    for text in PAGES[page]:
        browser.wait_for(f"document.body.innerText.includes({text!r})")
    # Charts are drawn by Vega into canvas or svg elements.
    browser.wait_for("document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length > 0")
    browser.wait_for("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout_s=30)
    # Visible tables are drawn into a canvas once their data arrives; a screenshot taken before
    # shows empty boxes. (A table in a tab that is not selected is never drawn.)
    browser.wait_for(
        "Array.from(document.querySelectorAll('[data-testid=\"stDataFrame\"]'))"
        ".filter(table => table.checkVisibility())"
        ".every(table => table.querySelector('canvas'))"
    )
    assert (
        browser.evaluate("document.querySelectorAll('[data-testid=\"stException\"]').length") == 0
    )
    assert "Traceback" not in browser.evaluate("document.body.innerText")
    if page == "daily_sales":
        assert_figures_shown_equal_silver(browser)
    shot = screenshots / f"{page}.png"
    browser.screenshot(shot)
    if shot.parent != DOC_SCREENSHOTS and page in LAYOUT_CHECKED:
        difference = layout_difference(shot, DOC_SCREENSHOTS / f"{page}.png")
        assert difference <= LAYOUT_TOLERANCE, f"{page}: layout differs by {difference:.3f}"


def assert_figures_shown_equal_silver(browser: Browser) -> None:
    """The metric texts Chromium shows equal the figures computed from Silver in Python."""
    shown = browser.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('[data-testid=\"stMetric\"]'))"
        ".map(m => [m.querySelector('[data-testid=\"stMetricLabel\"]').innerText.trim(),"
        " m.querySelector('[data-testid=\"stMetricValue\"]').innerText.trim()]))"
    )
    currency = browser.evaluate(
        "document.querySelector('[data-testid=\"stSelectbox\"] input')"
        ".getAttribute('aria-label') || ''"
    )
    shown = {label: value for label, value in shown.items() if label not in TRAFFIC_LABELS}
    currencies = {str(line["CURRENCY"]) for line in SILVER}
    chosen = next(c for c in currencies if c in str(shown.get("Net sales", "")))
    expected = sales_figures(select_lines(SILVER, currency=chosen)).as_metrics(chosen)
    assert expected["Transactions"] != "0"
    assert shown == expected, (currency, shown)


def test_sigterm_stops_the_dashboards_and_everything_they_started(
    dashboards: Dashboards,
) -> None:
    # Runs after the page tests (same module, defined last).
    assert any("streamlit" in each.command for each in dashboards.started)
    code, survivors = dashboards.stop()
    assert code == 128 + signal.SIGTERM
    assert survivors == []
