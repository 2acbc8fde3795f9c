"""Serve the app with `streamlit run` on a free loopback port and drive it in headless Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# (url path, title shown on the page); the first page is the default one at "/".
PAGES = [
    ("", "Overview"),
    ("response_times", "Response times"),
    ("agents", "Agents"),
    ("workload", "Workload"),
    ("sla_backlog", "SLA & backlog"),
    ("customers", "Customers"),
    ("coverage", "Coverage"),
    ("teams", "Team comparison"),
    ("threads", "Threads"),
    ("data_quality", "Data quality"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(duckdb_path: Path, timeout: float = 60) -> Iterator[str]:
    """`dashboards/app.py` served as `mailkpi dashboard` serves it, reading `duckdb_path`;
    yields the base URL."""
    port = _free_port()
    env = os.environ | {
        "MAILKPI_DUCKDB": str(duckdb_path),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [
        sys.executable, "-m", "dashboards.serve", "run", "dashboards/app.py",
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"streamlit did not start:\n{log.read().decode()[-3000:]}")
                time.sleep(0.3)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


@contextlib.contextmanager
def chromium() -> Iterator:
    """A headless Debian Chromium page (never a downloaded browser), fresh profile."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        # Playwright passes the fresh profile to Chromium as --user-data-dir.
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1440, "height": 1000},
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def load(page, url: str, title: str, timeout_ms: int = 90_000) -> None:
    """Open `url` and wait until the page's title is shown and the script has finished."""
    page.goto(url, timeout=timeout_ms)
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )
    page.wait_for_timeout(1500)  # let Vega finish drawing the charts before a screenshot


def exceptions(page) -> list[str]:
    return page.locator('[data-testid="stException"]').all_inner_texts()


def screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main section, so grow the viewport first."""
    height = page.evaluate(
        "() => (document.querySelector('[data-testid=\"stMainBlockContainer\"]')"
        "?.scrollHeight || 800) + 60"
    )
    page.set_viewport_size({"width": 1440, "height": min(max(height, 1000), 6000)})
    page.wait_for_timeout(800)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1440, "height": 1000})
