"""agg_agent_daily, which its model writes from the semantic layer's metric definitions
(dbt/macros/semantic_metrics.sql), on hand-made fact rows.

As for agg_mailbox_weekly (test_agg_mailbox_from_metrics.py), a dbt unit test cannot hold
it: dbt gives unit tests a graph without the semantic models the macro reads. So the rows
go into a DuckDB file of their own and dbt runs the model on it for real (model_on_rows.py).
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
create table staging.stg_config__build_info (as_of timestamptz);
create table marts.fct_messages (
    mailbox_address varchar, direction varchar, responder varchar, message_date date
);
create table marts.fct_threads (
    mailbox_address varchar, initiated_by varchar, first_responder varchar,
    first_response_at timestamptz, first_response_date date
);
create table marts.fct_replies (
    mailbox_address varchar, replied_by varchar, replied_at timestamptz, replied_date date,
    reply_minutes double, reply_business_minutes double
);
"""
MAILBOX = "support@contoso.com"
ALICE, BOB = "alice@contoso.com", "bob@contoso.com"


def facts(con: duckdb.DuckDBPyConnection) -> None:
    """Monday 4 May 2026 (London): alice sends two replies, answers turns in 10 and 30
    minutes and sends one first response; a Send As reply (responder null, "shared
    mailbox") answers a turn in 50 minutes and is a thread's first response; an inbound
    message (responder null too) is nobody's activity. A team-initiated thread's first
    response by bob that day counts for no one (threads_first_responded: customer threads).
    Tuesday 5 May: bob answers a turn in 20 minutes (his reply itself is not in this input);
    a turn answered at 23:30 UTC on the 5th is alice's on Wednesday the 6th (00:30 BST, the
    replied_date fct_replies computes)."""
    con.execute("insert into staging.stg_config__build_info values ('2026-05-07 12:00:00+00')")
    con.executemany(
        "insert into marts.fct_messages values (?, ?, ?, ?)",
        [
            (MAILBOX, "outbound", ALICE, "2026-05-04"),
            (MAILBOX, "outbound", ALICE, "2026-05-04"),
            (MAILBOX, "outbound", None, "2026-05-04"),
            (MAILBOX, "inbound", None, "2026-05-04"),
        ],
    )
    con.executemany(
        "insert into marts.fct_threads values (?, ?, ?, ?, ?)",
        [
            (MAILBOX, "customer", ALICE, "2026-05-04 10:00:00+00", "2026-05-04"),
            (MAILBOX, "customer", None, "2026-05-04 12:00:00+00", "2026-05-04"),
            (MAILBOX, "team", BOB, "2026-05-04 13:00:00+00", "2026-05-04"),
            (MAILBOX, "customer", None, None, None),  # not answered yet
        ],
    )
    con.executemany(
        "insert into marts.fct_replies values (?, ?, ?, ?, ?, ?)",
        [
            (MAILBOX, ALICE, "2026-05-04 10:00:00+00", "2026-05-04", 10, 5),
            (MAILBOX, ALICE, "2026-05-04 11:00:00+00", "2026-05-04", 30, 15),
            (MAILBOX, None, "2026-05-04 12:00:00+00", "2026-05-04", 50, 50),
            (MAILBOX, BOB, "2026-05-05 09:00:00+00", "2026-05-05", 20, 20),
            (MAILBOX, ALICE, "2026-05-05 23:30:00+00", "2026-05-06", 90, 0),
            (MAILBOX, None, None, None, None, None),  # unanswered
        ],
    )


COLUMNS = ("replies", "threads_first_responded", "answered_turns", "avg_reply_minutes",
           "median_reply_minutes", "avg_reply_business_minutes")  # fmt: skip
# (responder, day) -> COLUMNS
EXPECTED = {
    # 2 replies; one customer thread; turns of 10 and 30: mean 20, median 20; (5 + 15) / 2
    (ALICE, dt.date(2026, 5, 4)): (2, 1, 2, 20.0, 20.0, 10.0),
    # the Send As reply answers one turn (50) and is a customer thread's first response
    (None, dt.date(2026, 5, 4)): (1, 1, 1, 50.0, 50.0, 50.0),
    # bob's first response on the 4th is a team thread's: no row for it alone
    (BOB, dt.date(2026, 5, 5)): (0, 0, 1, 20.0, 20.0, 20.0),
    (ALICE, dt.date(2026, 5, 6)): (0, 0, 1, 90.0, 90.0, 0.0),
}


@pytest.mark.slow
def test_agg_agent_daily_over_rows(tmp_path, preloaded):
    rows = model_on_rows(tmp_path, preloaded, SCHEMA, facts, "agg_agent_daily")
    assert {row["mailbox_address"] for row in rows} == {MAILBOX}
    assert {(r["responder"], r["period_start"]): tuple(r[c] for c in COLUMNS) for r in rows} == (
        EXPECTED
    )
    assert len(rows) == len(EXPECTED)
