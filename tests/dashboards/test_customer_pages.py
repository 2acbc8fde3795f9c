"""Customers, Coverage and Team comparison under AppTest, on the demo build.

These pages ask the semantic layer for their KPIs (whose metrics tests/test_semantic_customers.py
checks against the facts), so they run on a real build with its semantic manifest, not on the
hand-made marts of the other pages. Expected values are computed here from the marts directly
for the same range: the demo's as-of is 16 Nov 2026 01:00 UTC, 15 Nov 20:00 in New York, the
time zone of the first mailbox by name (Sales), so "Last 90 days" is 18 Aug - 15 Nov 2026.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import ui
from mailkpi.semantic import semantic_manifest_path
from tests.dashboards.conftest import metrics

pytestmark = pytest.mark.slow

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
START, END = dt.date(2026, 8, 18), dt.date(2026, 11, 15)  # 90 days ending on the as-of date
RANGE = f"between date '{START}' and date '{END}'"


@pytest.fixture(scope="module")
def demo(demo_duckdb) -> Path:
    semantic_manifest_path(demo_duckdb)  # `dbt parse` once, if the manifest is stale
    return demo_duckdb


@pytest.fixture
def open_page(demo, monkeypatch):
    monkeypatch.setenv("MAILKPI_DUCKDB", str(demo))

    def start(page: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=300)
        at.run()
        at.switch_page(f"views/{page}.py").run()
        at.sidebar.selectbox(key="preset").set_value("Last 90 days").run()
        assert not at.exception, at.exception
        return at

    return start


def one(demo: Path, statement: str):
    con = duckdb.connect(str(demo), read_only=True)
    try:
        return con.execute(statement).fetchall()
    finally:
        con.close()


def test_customers_ranks_companies_with_their_domains_together(open_page, demo):
    at = open_page("customers")
    table = at.dataframe[0].value
    assert "Download CSV" in [b.label for b in at.get("download_button")]
    threads = dict(
        one(
            demo,
            f"select customer_name, count(*) from marts.fct_threads "
            f"where started_date {RANGE} and customer_name is not null group by 1",
        )
    )
    shown = dict(zip(table["Company"], table["Threads"], strict=True))
    assert shown == threads
    assert list(table["Threads"]) == sorted(table["Threads"], reverse=True)  # ranked
    ((fabrikam_domains,),) = one(
        demo,
        f"select count(distinct customer_domain) from marts.fct_threads "
        f"where customer_name = 'Fabrikam' and started_date {RANGE}",
    )
    assert fabrikam_domains == 2  # fabrikam.com and fabrikam.co.uk, one row
    waiting = dict(
        one(
            demo,
            "select customer_name, count(*) from marts.fct_threads "
            "where status in ('new', 'assigned', 'awaiting_response') group by 1",
        )
    )
    row = table.set_index("Company")
    for company in row.index:
        assert row.loc[company, "Waiting now"] == waiting.get(company, 0), company
    # one company's trend: a chart of its threads per day
    at.selectbox(key="customer").set_value("Fabrikam").run()
    assert not at.exception
    assert at.get("vega_lite_chart")


def test_coverage_shows_the_outside_hours_share_and_mondays_early_mail(open_page, demo):
    at = open_page("coverage")
    shown = metrics(at)
    ((outside, monday_before),) = one(
        demo,
        "select count(*) filter (where is_received_outside_hours) / count(*), "
        "count(*) filter (where received_iso_dow = 1 and received_hours_slot = 'before_opening')"
        " / count(*) filter (where received_iso_dow = 1) "
        f"from marts.fct_messages where direction = 'inbound' and message_date {RANGE}",
    )
    assert shown["Inbound mail outside business hours"] == ui.percent(outside)
    assert shown["Monday's mail that arrives before we open"] == ui.percent(monday_before)
    assert f"{monday_before:.0%} of Monday's mail arrives before we open" in at.markdown[0].value
    medians = dict(
        one(
            demo,
            "select started_outside_hours, median(first_response_minutes) from marts.fct_threads "
            f"where initiated_by = 'customer' and first_inbound_date {RANGE} "
            "and started_outside_hours is not null group by 1",
        )
    )
    assert shown["Started outside hours: median first response"] == ui.duration(medians[True])
    assert shown["Started in hours: median first response"] == ui.duration(medians[False])
    # the heatmap with its business-hours frames, and the honest-median table as CSV
    assert len(at.get("vega_lite_chart")) == 1
    assert "Download CSV" in [b.label for b in at.get("download_button")]


def test_team_comparison_has_one_row_per_mailbox(open_page, demo):
    at = open_page("teams")
    table = at.dataframe[0].value.set_index("Mailbox")
    backlog = dict(
        one(
            demo,
            "select mailbox_address, count(*) filter (where status <> 'resolved') "
            "from marts.fct_threads group by 1",
        )
    )
    new_threads = dict(
        one(
            demo,
            f"select mailbox_address, count(*) from marts.fct_threads "
            f"where started_date {RANGE} group by 1",
        )
    )
    assert set(table.index) == {"support@contoso.com", "sales@contoso.com"}
    for mailbox in table.index:
        assert table.loc[mailbox, "Backlog (open now)"] == backlog[mailbox]
        assert table.loc[mailbox, "New threads"] == new_threads[mailbox]
