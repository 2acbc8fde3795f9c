"""agg_mailbox_weekly, which dbt/macros/mailbox_period_aggregate.sql writes from the
semantic layer's metric definitions, on hand-made fact rows.

A dbt unit test cannot hold it: dbt gives unit tests a graph without the semantic models
the macro reads. So the rows go into a DuckDB file of their own and dbt runs the model on
it for real (model_on_rows.py).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.dbt.model_on_rows import model_on_rows

# the facts' columns the metrics read (dbt/models/marts/fct_*.yml)
SCHEMA = """
create schema staging;
create schema marts;
create table staging.stg_config__mailboxes (mailbox_address varchar, timezone varchar);
create table staging.stg_config__build_info (as_of timestamptz);
create table marts.fct_messages (mailbox_address varchar, direction varchar, message_date date);
create table marts.fct_threads (
    mailbox_address varchar, initiated_by varchar, started_date date, first_inbound_date date,
    resolved_date date, resolved_at timestamptz, first_response_minutes double,
    first_response_business_minutes double, sla_first_response_status varchar,
    reopen_count bigint, assignee varchar, reassignment_count bigint
);
create table marts.fct_replies (
    mailbox_address varchar, turn_started_date date, replied_at timestamptz,
    reply_minutes double, reply_business_minutes double, is_collision boolean
);
"""
MAILBOX = "support@contoso.com"


def facts(con: duckdb.DuckDBPyConnection) -> None:
    """Week of Monday 4 May 2026 (London): five answered turns (10 and 20 minutes on Monday,
    30 and 40 on Wednesday, 100 on Friday), one unanswered on Thursday; the 40-minute turn
    collided. A turn whose local date is Monday 11 May (23:30 UTC on Sunday 10 May is
    00:30 BST: fct_replies' unit test) opens the next week. Threads: a (first response 10
    minutes, SLA met, resolved on the 7th and reopened, reassigned) and b (30 minutes,
    breached, assigned once)."""
    con.execute("insert into staging.stg_config__mailboxes values (?, 'Europe/London')", [MAILBOX])
    con.execute("insert into staging.stg_config__build_info values ('2026-05-12 12:00:00+00')")
    con.executemany(
        "insert into marts.fct_messages values (?, ?, ?)",
        [(MAILBOX, "inbound", "2026-05-04"), (MAILBOX, "outbound", "2026-05-04")],
    )
    con.executemany(
        "insert into marts.fct_threads values (?, 'customer', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (MAILBOX, "2026-05-04", "2026-05-04", "2026-05-07", "2026-05-07 12:00:00+00",
             10, 10, "met", 1, "alice@contoso.com", 1),
            (MAILBOX, "2026-05-06", "2026-05-06", None, None,
             30, 30, "breached", 0, "bob@contoso.com", 0),
        ],
    )  # fmt: skip
    con.executemany(
        "insert into marts.fct_replies values (?, ?, ?, ?, ?, ?)",
        [
            (MAILBOX, "2026-05-04", "2026-05-04 10:10:00+00", 10, 10, False),
            (MAILBOX, "2026-05-04", "2026-05-04 11:20:00+00", 20, 20, False),
            (MAILBOX, "2026-05-06", "2026-05-06 10:30:00+00", 30, 30, False),
            (MAILBOX, "2026-05-06", "2026-05-06 11:40:00+00", 40, 40, True),
            (MAILBOX, "2026-05-08", "2026-05-08 11:40:00+00", 100, 100, False),
            (MAILBOX, "2026-05-07", None, None, None, None),
            (MAILBOX, "2026-05-11", "2026-05-10 23:35:00+00", 5, 5, False),
        ],
    )


@pytest.mark.slow
def test_agg_mailbox_weekly_over_rows(tmp_path, preloaded):
    rows = sorted(
        model_on_rows(tmp_path, preloaded, SCHEMA, facts, "agg_mailbox_weekly"),
        key=lambda row: row["period_start"],
    )
    week, next_week = rows
    assert week["period_start"] == dt.date(2026, 5, 4)
    assert {k: week[k] for k in EXPECTED_WEEK} == EXPECTED_WEEK
    assert next_week["period_start"] == dt.date(2026, 5, 11)  # the week of as_of
    assert {k: next_week[k] for k in EXPECTED_NEXT_WEEK} == EXPECTED_NEXT_WEEK


EXPECTED_WEEK = {
    "inbound_messages": 1,
    "outbound_messages": 1,
    "new_threads": 2,
    "new_customer_threads": 2,
    "turns": 6,
    "answered_turns": 5,
    "unanswered_turns": 1,
    # over the week's turns, not the mean of daily means (43.3)
    "avg_reply_minutes": 40.0,
    "median_reply_minutes": 30.0,
    "p90_reply_minutes": 76.0,  # 40 + 0.6 x (100 - 40)
    "avg_first_response_minutes": 20.0,
    "median_first_response_minutes": 20.0,
    "p90_first_response_minutes": 28.0,  # 10 + 0.9 x 20
    "sla_met_threads": 1,
    "sla_breached_threads": 1,
    "sla_met_rate": 0.5,
    "resolved_threads": 1,
    "reopen_rate": 1.0,
    "reassignment_rate": 0.5,
    "collided_turns": 1,
    "collision_rate": 0.2,
}
EXPECTED_NEXT_WEEK = {
    "inbound_messages": 0,
    "new_threads": 0,
    "turns": 1,
    "answered_turns": 1,
    "unanswered_turns": 0,
    "avg_reply_minutes": 5.0,
    "median_reply_minutes": 5.0,
    "p90_reply_minutes": 5.0,
    "avg_first_response_minutes": None,
    "sla_met_rate": None,
    "resolved_threads": 0,
    "reopen_rate": None,
    "reassignment_rate": None,
    "collided_turns": 0,
    "collision_rate": 0.0,
}
