"""Serve the app for real and load every page in headless Chromium (Debian's, never a
downloaded one); screenshots land in build/screenshots/ for people to look at."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import duckdb
import pytest

from mailkpi.semantic import semantic_manifest_path
from tests.dashboards import browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOTS = browser.REPO / "build" / "screenshots"


@pytest.fixture(scope="module")
def served(demo_duckdb):
    if not browser.Path(browser.CHROMIUM).exists():
        pytest.fail(f"{browser.CHROMIUM} is missing: run `make system-deps`")
    semantic_manifest_path(demo_duckdb)  # `dbt parse` before the pages that ask the metrics
    with browser.serve(demo_duckdb) as url, browser.chromium() as page:
        yield url, page


@pytest.mark.parametrize(("path", "title"), browser.PAGES)
def test_page_loads_without_exception(served, path, title):
    url, page = served
    browser.load(page, f"{url}/{path}", title)
    assert browser.exceptions(page) == []
    assert page.get_by_text("data as of").count() >= 1
    browser.screenshot(page, SCREENSHOTS / f"{path or 'overview'}.png")


def test_thread_timeline_from_a_link(served, demo_duckdb):
    url, page = served
    with duckdb.connect(str(demo_duckdb), read_only=True) as con:
        mailbox, conversation, subject = con.execute(
            "select mailbox_address, conversation_id, subject from marts.fct_threads "
            "where outbound_count >= 2 order by inbound_count desc, conversation_id limit 1"
        ).fetchone()
    query = urlencode({"mailbox": mailbox, "conversation": conversation})
    browser.load(page, f"{url}/threads?{query}", "Threads")
    page.get_by_role("heading", name=subject).first.wait_for()
    assert browser.exceptions(page) == []
    # the app's own navigation, not Streamlit's list of the page files
    nav = page.get_by_test_id("stSidebarNav")
    assert nav.get_by_text("SLA & backlog", exact=True).count() == 1
    assert nav.get_by_text("sla backlog", exact=True).count() == 0
    browser.screenshot(page, SCREENSHOTS / "thread.png")


def test_a_filter_change_redraws_the_page(served, demo_duckdb):
    url, page = served
    with duckdb.connect(str(demo_duckdb), read_only=True) as con:
        (as_of,) = con.execute(
            "select cast(timezone(timezone, as_of) as date) from marts.dim_mailboxes "
            "order by mailbox_name limit 1"
        ).fetchone()
    week = f"{as_of - dt.timedelta(days=6):%d %b %Y} – {as_of:%d %b %Y}"
    browser.load(page, f"{url}/", "Overview")
    header = page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").first
    assert week not in header.inner_text()
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Last 7 days").click()
    page.get_by_test_id("stMain").get_by_text(week).wait_for()
    assert browser.exceptions(page) == []
