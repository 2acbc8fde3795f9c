"""A small hand-made `marts` schema whose every figure is worked out in the comments.

Mailbox support@contoso.com, Europe/London (GMT in March), open Mon-Fri 09:00-17:30 (510
business minutes a day). as_of: Tuesday 2026-03-10 10:00 UTC, 60 business minutes into the day.
Only the mart columns the notifications read are created.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

UTC = dt.UTC
AS_OF = dt.datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
MAILBOX = "support@contoso.com"
# as dbt's thread_id macro
THREAD_ID = "cast('0x' || substr(md5(mailbox_address || '|' || conversation_id), 1, 15) as bigint)"


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


# conversation, subject, customer, assignee, first_inbound_at, first_response_at, status,
# sla status, tier, target, clock, awaiting calendar, awaiting business, first response business
THREADS = [
    # T1 Mon 16:10 -> 17:30 = 80, Tue 09:00 -> 10:00 = 60: 140 of 240, 100 left: not at risk
    #    with minutes_left 60
    ("T1", "Invoice copy", "ann@example.org", "alice@contoso.com", "2026-03-09 16:10", None,
     "assigned", "pending", None, 240.0, "business", 1070.0, 140.0, None),
    # T2 Key accounts (60): Tue 09:15 -> 10:00 = 45 of 60, 15 left: at risk
    ("T2", "Server down", "ceo@fabrikam.com", None, "2026-03-10 09:15", None,
     "new", "pending", "Key accounts", 60.0, "business", 45.0, 45.0, None),
    # T3 Mon 09:00 -> 17:30 = 510, Tue 60: 570 > 240, 330 over: breached
    ("T3", "Refund", "bob@example.org", None, "2026-03-09 09:00", None,
     "new", "breached", None, 240.0, "business", 1500.0, 570.0, None),
    # T4 turn 1 Mon 08:00 answered 09:30 (30 business); turn 2 Mon 10:00 unanswered:
    #    Mon 10:00 -> 17:30 = 450, Tue 60: 510 = 8.5 h > 8 h, 30 min over; awaiting 30 + 510
    ("T4", "Login loop", "cy@example.org", "bob@contoso.com", "2026-03-09 08:00",
     "2026-03-09 09:30", "awaiting_response", "met", None, 240.0, "business", 1530.0, 540.0,
     30.0),
    # T5 breached but resolved: never alerts; opened Wed 2026-03-04 (the digest's week)
    ("T5", "Old order", "dee@example.org", "alice@contoso.com", "2026-03-04 09:00",
     "2026-03-04 15:00", "resolved", "breached", None, 240.0, "business", 360.0, 360.0, 360.0),
    # T6 resolved unanswered, reopened Mon 09:00: still breached; its episode is the reopen
    ("T6", "Lost parcel", "eve@example.org", None, "2026-03-06 09:00", None,
     "awaiting_response", "breached", None, 240.0, "business", 5820.0, 1650.0, None),
]  # fmt: skip

# the reopen of T6 (a resolution before it)
EVENTS = [("T6", "2026-03-06 12:00", "resolved"), ("T6", "2026-03-09 09:00", "reopened")]

# conversation, turn start, replied_at, reply business minutes
REPLIES = [
    ("T1", "2026-03-09 16:10", None, None),
    ("T2", "2026-03-10 09:15", None, None),
    ("T3", "2026-03-09 09:00", None, None),
    ("T4", "2026-03-09 08:00", "2026-03-09 09:30", 30.0),
    ("T4", "2026-03-09 10:00", None, None),
    ("T5", "2026-03-04 09:00", "2026-03-04 15:00", 360.0),
    ("T6", "2026-03-06 09:00", None, None),
]

# the digest's week (Mon 2026-03-02) and the one before (2026-02-23)
WEEKLY = {
    dt.date(2026, 2, 23): dict(new_threads=8, inbound_messages=20, outbound_messages=18,
                               resolved_threads=6, median_reply_minutes=120.0,
                               p90_reply_minutes=300.0, median_first_response_minutes=100.0,
                               sla_met_rate=0.75, reopen_rate=0.0, sla_met_threads=6,
                               sla_breached_threads=2),
    dt.date(2026, 3, 2): dict(new_threads=10, inbound_messages=25, outbound_messages=24,
                              resolved_threads=9, median_reply_minutes=90.0,
                              p90_reply_minutes=240.0, median_first_response_minutes=80.0,
                              sla_met_rate=0.8, reopen_rate=0.1, sla_met_threads=8,
                              sla_breached_threads=2),  # T5 and T6: 8 / (8 + 2) = 0.8
}  # fmt: skip

# Alice: Mon 3 turns at a mean of 20 min, Wed 1 turn of 60 min -> (3*20 + 60) / 4 = 30 min
AGENT_DAILY = [
    ("alice@contoso.com", dt.date(2026, 3, 2), 3, 2, 3, 20.0),
    ("alice@contoso.com", dt.date(2026, 3, 4), 1, 0, 1, 60.0),
    ("bob@contoso.com", dt.date(2026, 3, 9), 5, 1, 5, 10.0),  # the next week: not counted
]
# open threads at the end of each day
BACKLOG = [(dt.date(2026, 3, 1), 5), (dt.date(2026, 3, 8), 7)]


def build(path: Path, as_of: dt.datetime = AS_OF) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_mailboxes as select ? as mailbox_address, "
            "'Support' as mailbox_name, 'Europe/London' as timezone, ?::timestamptz as as_of",
            [MAILBOX, as_of],
        )
        con.execute(
            "create table marts.dim_agents (mailbox_address varchar, agent_address varchar, "
            "agent_name varchar)"
        )
        con.execute(
            "insert into marts.dim_agents values (?, 'alice@contoso.com', 'Alice Smith'), "
            "(?, 'bob@contoso.com', 'Bob Jones')",
            [MAILBOX, MAILBOX],
        )
        con.execute(
            "create table marts.fct_threads (mailbox_address varchar, conversation_id varchar, "
            f"thread_id bigint as ({THREAD_ID}), subject varchar, customer_address varchar, "
            "assignee varchar, "
            "first_inbound_at timestamptz, first_response_at timestamptz, status varchar, "
            "sla_first_response_status varchar, sla_tier varchar, "
            "first_response_sla_minutes double, first_response_sla_clock varchar, "
            "awaiting_team_minutes double, awaiting_team_business_minutes double, "
            "first_response_business_minutes double)"
        )
        for row in THREADS:
            values = list(row)
            values[4] = ts(values[4])
            values[5] = ts(values[5]) if values[5] else None
            con.execute(
                f"insert into marts.fct_threads values ({', '.join('?' * 15)})",
                [MAILBOX, *values],
            )
        con.execute(
            "create table marts.fct_thread_events (mailbox_address varchar, "
            f"conversation_id varchar, thread_id bigint as ({THREAD_ID}), event_at timestamptz, "
            "event_type varchar)"
        )
        for conversation, at, kind in EVENTS:
            add_event(con, conversation, at, kind)
        con.execute(
            "create table marts.fct_replies (mailbox_address varchar, conversation_id varchar, "
            f"thread_id bigint as ({THREAD_ID}), turn_started_at timestamptz, "
            "replied_at timestamptz, reply_business_minutes double)"
        )
        for conversation, start, replied, minutes in REPLIES:
            con.execute(
                "insert into marts.fct_replies values (?, ?, ?, ?, ?)",
                [MAILBOX, conversation, ts(start), ts(replied) if replied else None, minutes],
            )
        columns = sorted({c for row in WEEKLY.values() for c in row})
        for table in ("agg_mailbox_weekly", "agg_mailbox_daily"):
            con.execute(
                f"create table marts.{table} (mailbox_address varchar, period_start date, "
                + ", ".join(f"{c} {_type(c)}" for c in columns)
                + ")"
            )
        for start, row in WEEKLY.items():
            con.execute(
                f"insert into marts.agg_mailbox_weekly (mailbox_address, period_start, "
                f"{', '.join(columns)}) values (?, ?, {', '.join('?' * len(columns))})",
                [MAILBOX, start, *(row[c] for c in columns)],
            )
        con.execute(
            "create table marts.agg_agent_daily (mailbox_address varchar, responder varchar, "
            "period_start date, replies bigint, threads_first_responded bigint, "
            "answered_turns bigint, avg_reply_minutes double)"
        )
        for row in AGENT_DAILY:
            con.execute("insert into marts.agg_agent_daily values (?, ?, ?, ?, ?, ?, ?)",
                        [MAILBOX, *row])  # fmt: skip
        con.execute(
            "create table marts.agg_backlog_daily (mailbox_address varchar, period_start date, "
            "open_threads bigint)"
        )
        for day, count in BACKLOG:
            con.execute(
                "insert into marts.agg_backlog_daily values (?, ?, ?)", [MAILBOX, day, count]
            )
    finally:
        con.close()
    return path


def _type(column: str) -> str:
    """As the marts type them: minutes and rates double, counts bigint."""
    return "double" if column.endswith(("_minutes", "_rate")) else "bigint"


def add_event(con: duckdb.DuckDBPyConnection, conversation: str, at: str, kind: str) -> None:
    con.execute(
        "insert into marts.fct_thread_events values (?, ?, ?, ?)",
        [MAILBOX, conversation, ts(at), kind],
    )
