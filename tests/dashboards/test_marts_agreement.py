"""On a real demo build, the dashboard's trend equals the marts' own period aggregates.

The app computes its KPIs from the row-level facts (so any filter works); for one mailbox,
every agent and the calendar clock, that must give exactly agg_mailbox_daily / _weekly.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from dashboards import queries
from dashboards.scope import Scope

pytestmark = pytest.mark.slow

# dashboard column -> mart column
SAME = {
    "new_threads": "new_threads",
    "resolved_threads": "resolved_threads",
    "answered_turns": "answered_turns",
    "reply_median": "median_reply_minutes",
    "reply_p90": "p90_reply_minutes",
    "reply_mean": "avg_reply_minutes",
    "first_response_median": "median_first_response_minutes",
    "first_response_mean": "avg_first_response_minutes",
    "sla_met_rate": "sla_met_rate",
    "reopen_rate": "reopen_rate",
    "reassignment_rate": "reassignment_rate",
}


@pytest.mark.parametrize(("grain", "mart", "days"), [("day", "daily", 45), ("week", "weekly", 84)])
def test_trend_equals_the_period_marts(demo_duckdb, monkeypatch, grain, mart, days):
    monkeypatch.setenv("MAILKPI_DUCKDB", str(demo_duckdb))
    db = queries.current_database()
    mailbox = "support@contoso.com"
    with duckdb.connect(str(demo_duckdb), read_only=True) as con:
        # Whole periods only: the range ends on the last full week before the as-of date.
        (end,) = con.execute(
            "select cast(date_trunc('week', timezone(timezone, as_of)) as date) - 1 "
            "from marts.dim_mailboxes where mailbox_address = ?",
            [mailbox],
        ).fetchone()
        start = end - dt.timedelta(days=days - 1)
        expected = con.execute(
            f"select * from marts.agg_mailbox_{mart} "
            "where mailbox_address = ? and period_start between ? and ? order by period_start",
            [mailbox, start, end],
        ).df()
    trend = queries.kpi_trend(db, Scope((mailbox,), start, end, grain, "calendar", None))
    assert len(trend) > 3
    shown = (
        trend.assign(period_start=pd.to_datetime(trend["period_start"]))
        .set_index("period_start")
        .reindex(pd.to_datetime(expected["period_start"]))
    )
    counts = ["new_threads", "resolved_threads", "answered_turns"]
    shown[counts] = shown[counts].fillna(0)
    for ours, theirs in SAME.items():
        pd.testing.assert_series_equal(
            shown[ours].reset_index(drop=True).astype(float),
            expected[theirs].astype(float),
            check_names=False,
            rtol=1e-9,
            obj=f"{ours} vs agg_mailbox_{mart}.{theirs}",
        )
