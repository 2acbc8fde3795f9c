"""Every number of a digest, read from the marts: one function per number or list.

Metric names are the semantic layer's (docs/metrics.md, `mailkpi query`); each maps to the
`agg_mailbox_*` column of the same meaning, so the digest can ask the semantic layer instead
by changing this module alone. Two figures are derived here from mart columns, once:
- an agent's mean reply time over a period: the mean of `agg_agent_daily.avg_reply_minutes`
  weighted by each day's `answered_turns` (the daily mean is over those turns);
- the open threads at the end of a period: `agg_backlog_daily.open_threads` of its last day.
"""

from __future__ import annotations

import datetime as dt

import duckdb

# semantic-layer metric name -> agg_mailbox_* column
METRIC_COLUMNS = {
    "new_threads": "new_threads",
    "inbound_messages": "inbound_messages",
    "outbound_messages": "outbound_messages",
    "answered_turns": "answered_turns",
    "unanswered_turns": "unanswered_turns",
    "resolved_threads": "resolved_threads",
    "reply_minutes_median": "median_reply_minutes",
    "reply_minutes_p90": "p90_reply_minutes",
    "reply_business_minutes_median": "median_reply_business_minutes",
    "first_response_minutes_median": "median_first_response_minutes",
    "first_response_business_minutes_median": "median_first_response_business_minutes",
    "sla_met_rate": "sla_met_rate",
    "reopen_rate": "reopen_rate",
}
AGG_TABLES = {"day": "marts.agg_mailbox_daily", "week": "marts.agg_mailbox_weekly"}


def as_of(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    return con.execute("select max(as_of) from marts.dim_mailboxes").fetchall()[0][0]


def mailboxes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(address, name, time zone) of every mailbox in the marts."""
    return con.execute(
        "select mailbox_address, mailbox_name, timezone from marts.dim_mailboxes order by 1"
    ).fetchall()


def metric_series(
    con: duckdb.DuckDBPyConnection, metric: str, mailbox: str, period: str, starts: list[dt.date]
) -> list[float | None]:
    """The metric for each period starting on `starts` (None where the mart has no value)."""
    column = METRIC_COLUMNS[metric]
    rows = dict(
        con.execute(
            f"select period_start, {column} from {AGG_TABLES[period]} "
            "where mailbox_address = ? and period_start between ? and ?",
            [mailbox, min(starts), max(starts)],
        ).fetchall()
    )
    return [rows.get(start) for start in starts]


def metric(
    con: duckdb.DuckDBPyConnection, name: str, mailbox: str, period: str, start: dt.date
) -> float | None:
    return metric_series(con, name, mailbox, period, [start])[0]


def sla_counts(
    con: duckdb.DuckDBPyConnection, mailbox: str, period: str, start: dt.date
) -> tuple[int, int]:
    """(met, breached) first responses of the threads the period's customers opened."""
    row = con.execute(
        f"select sla_met_threads, sla_breached_threads from {AGG_TABLES[period]} "
        "where mailbox_address = ? and period_start = ?",
        [mailbox, start],
    ).fetchall()
    return row[0] if row else (0, 0)


def open_threads_at_end(con: duckdb.DuckDBPyConnection, mailbox: str, last_day: dt.date) -> int:
    row = con.execute(
        "select open_threads from marts.agg_backlog_daily "
        "where mailbox_address = ? and period_start = ?",
        [mailbox, last_day],
    ).fetchall()
    return row[0][0] if row else 0


def breached_threads(
    con: duckdb.DuckDBPyConnection, mailbox: str, first_day: dt.date, last_day: dt.date, tz: str
) -> list[dict]:
    """Threads opened in the period (local dates, as sla_met_rate counts them) that breached
    their first-response target, longest wait first."""
    cursor = con.execute(
        "select conversation_id, subject, customer_address, assignee, first_inbound_at, "
        "first_response_business_minutes, first_response_sla_minutes, sla_tier, status "
        "from marts.fct_threads "
        "where mailbox_address = ? and sla_first_response_status = 'breached' "
        "and cast(timezone(?, first_inbound_at) as date) between ? and ? "
        "order by first_response_business_minutes desc nulls first, first_inbound_at",
        [mailbox, tz, first_day, last_day],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def agents(
    con: duckdb.DuckDBPyConnection, mailbox: str, first_day: dt.date, last_day: dt.date
) -> list[dict]:
    """Per responder over the period's days: replies, first responses, answered turns and
    the mean reply time (null responder: Send As replies from the shared mailbox)."""
    cursor = con.execute(
        "select d.responder, any_value(a.agent_name) as agent_name, "
        "sum(d.replies) as replies, sum(d.threads_first_responded) as first_responses, "
        "sum(d.answered_turns) as answered_turns, "
        "sum(d.avg_reply_minutes * d.answered_turns) / nullif(sum(d.answered_turns), 0) "
        "as avg_reply_minutes "
        "from marts.agg_agent_daily as d "
        "left join marts.dim_agents as a "
        "on a.mailbox_address = d.mailbox_address and a.agent_address = d.responder "
        "where d.mailbox_address = ? and d.period_start between ? and ? "
        "group by d.responder order by replies desc, d.responder nulls last",
        [mailbox, first_day, last_day],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
