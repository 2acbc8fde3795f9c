"""Every SQL statement of the dashboards: one function per tile, reading schema `marts` only.

The DuckDB file is opened read-only. A build writes a new file and swaps it in, so each
function takes a `Database` stamp (path, mtime, size): a new build means new cache keys
and a new connection, while sessions still reading the old file keep a consistent view.
DuckDB does the aggregating; pandas only receives the small results.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd
import streamlit as st

from .scope import SHARED_MAILBOX, Scope

TTL = dt.timedelta(minutes=10)
DEFAULT_PATH = Path("data/mailkpi.duckdb")
REQUIRED_MARTS = ("fct_threads", "fct_replies", "fct_messages", "dim_mailboxes", "dim_agents")


class Database(NamedTuple):
    path: str
    mtime_ns: int
    size: int


def database_path() -> Path:
    return Path(os.environ.get("MAILKPI_DUCKDB") or DEFAULT_PATH).absolute()


def current_database() -> Database | None:
    """The file as it is now, or None when there is none yet."""
    path = database_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return Database(str(path), stat.st_mtime_ns, stat.st_size)


@st.cache_resource(max_entries=2, ttl=TTL, show_spinner=False)
def _connection(db: Database) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(db.path, read_only=True)


def _frame(db: Database, sql: str, params: dict | None = None) -> pd.DataFrame:
    # DuckDB refuses named parameters a statement does not use; tiles share one params dict.
    used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", sql)}
    with _connection(db).cursor() as cursor:
        return cursor.execute(sql, used).df()


def _cached(func):
    return st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)(func)


# --- the database itself --------------------------------------------------------------


@_cached
def missing_marts(db: Database) -> list[str]:
    """Marts the app needs that the file does not have (all of them before a first build)."""
    present = set(
        _frame(
            db,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )["table_name"]
    )
    return [name for name in REQUIRED_MARTS if name not in present]


@_cached
def mailbox_options(db: Database) -> pd.DataFrame:
    return _frame(
        db,
        """
        select mailbox_address, coalesce(mailbox_name, mailbox_address) as mailbox_name, timezone
        from marts.dim_mailboxes
        order by mailbox_name
        """,
    )


@_cached
def agent_options(db: Database, mailboxes: tuple[str, ...]) -> pd.DataFrame:
    return _frame(
        db,
        """
        select agent_address, min(coalesce(agent_name, agent_address)) as agent_name
        from marts.dim_agents
        where list_contains($mailboxes, mailbox_address)
        group by agent_address
        order by agent_name
        """,
        {"mailboxes": list(mailboxes)},
    )


@_cached
def as_of(db: Database) -> dt.datetime | None:
    """The build's "now": open threads, ages and pending SLAs are measured at this instant."""
    value = _frame(db, "select max(as_of) as as_of from marts.fct_threads")["as_of"].iloc[0]
    return None if pd.isna(value) else value.to_pydatetime()


# --- shared SQL fragments ---------------------------------------------------------------

_MAILBOXES = """
    mailboxes as (
        select mailbox_address, timezone
        from marts.dim_mailboxes
        where list_contains($mailboxes, mailbox_address)
    )"""


def _local_date(column: str) -> str:
    return f"cast(timezone(m.timezone, {column}) as date)"


def _minutes(scope: Scope, kpi: str) -> str:
    return f"{kpi}_business_minutes" if scope.clock == "business" else f"{kpi}_minutes"


def _turn_agent(scope: Scope, alias: str = "r") -> str:
    """Turns answered by the chosen agent (first answer), or by the shared mailbox."""
    if scope.agent is None:
        return "true"
    if scope.agent == SHARED_MAILBOX:
        return f"({alias}.replied_at is not null and {alias}.replied_by is null)"
    return f"{alias}.replied_by = $agent"


def _first_responder(scope: Scope, alias: str = "t") -> str:
    """First responses sent by the chosen agent, or as the shared mailbox."""
    if scope.agent is None:
        return "true"
    if scope.agent == SHARED_MAILBOX:
        return f"({alias}.first_response_at is not null and {alias}.first_responder is null)"
    return f"{alias}.first_responder = $agent"


def _thread_agent(scope: Scope, alias: str = "t") -> str:
    """Threads the chosen agent is assigned to or sent a message in."""
    if scope.agent is None:
        return "true"
    sender = "o.responder is null" if scope.agent == SHARED_MAILBOX else "o.responder = $agent"
    wrote = f"""exists (
        select 1 from marts.fct_messages as o
        where o.mailbox_address = {alias}.mailbox_address
            and o.conversation_id = {alias}.conversation_id
            and o.direction = 'outbound' and {sender})"""
    if scope.agent == SHARED_MAILBOX:
        return wrote
    return f"({alias}.assignee = $agent or {wrote})"


def _params(scope: Scope, **extra) -> dict:
    params = {"mailboxes": list(scope.mailboxes), "start": scope.start, "end": scope.end}
    if scope.agent is not None and scope.agent != SHARED_MAILBOX:
        params["agent"] = scope.agent
    return params | extra


def _in_scope(date_sql: str) -> str:
    return f"{date_sql} between $start and $end"


# --- overview ---------------------------------------------------------------------------


def _kpi_sql(scope: Scope, bucket: str) -> str:
    """KPIs per bucket; `bucket` maps a local date to its bucket (null: outside every one)."""
    first = _minutes(scope, "first_response")
    reply = _minutes(scope, "reply")
    first_responder = _first_responder(scope)
    return f"""
    with {_MAILBOXES},
    threads as (
        select
            t.*,
            {bucket.format(d=_local_date("t.first_inbound_at"))} as started_bucket,
            {bucket.format(d=_local_date("t.resolved_at"))} as resolved_bucket
        from marts.fct_threads as t
        inner join mailboxes as m on t.mailbox_address = m.mailbox_address
        where {_thread_agent(scope)}
    ),
    started as (
        select
            started_bucket as bucket,
            count(*) as new_threads,
            median({first}) filter (where {first_responder}) as first_response_median,
            avg({first}) filter (where {first_responder}) as first_response_mean,
            count(*) filter (where sla_first_response_status = 'met') as sla_met,
            count(*) filter (where sla_first_response_status = 'breached') as sla_breached,
            count(*) filter (where reassignment_count >= 1) as reassigned_threads,
            count(*) filter (where assignee is not null) as assigned_threads
        from threads
        where started_bucket is not null and initiated_by = 'customer'
        group by all
    ),
    resolved as (
        select
            resolved_bucket as bucket,
            count(*) as resolved_threads,
            count(*) filter (where reopen_count >= 1) as reopened_threads
        from threads
        where resolved_bucket is not null
        group by all
    ),
    turns as (
        select
            {bucket.format(d=_local_date("r.turn_started_at"))} as bucket,
            r.{reply} as reply
        from marts.fct_replies as r
        inner join mailboxes as m on r.mailbox_address = m.mailbox_address
        where {_turn_agent(scope)}
    ),
    replies as (
        select
            bucket,
            count(reply) as answered_turns,
            median(reply) as reply_median,
            quantile_cont(reply, 0.9) as reply_p90,
            avg(reply) as reply_mean
        from turns
        where bucket is not null
        group by all
    ),
    buckets as (
        select bucket from started
        union
        select bucket from resolved
        union
        select bucket from replies
    )
    select
        b.bucket,
        coalesce(s.new_threads, 0) as new_threads,
        s.first_response_median,
        s.first_response_mean,
        p.reply_median,
        p.reply_p90,
        p.reply_mean,
        coalesce(p.answered_turns, 0) as answered_turns,
        s.sla_met / nullif(s.sla_met + s.sla_breached, 0) as sla_met_rate,
        coalesce(r.resolved_threads, 0) as resolved_threads,
        r.reopened_threads / nullif(r.resolved_threads, 0) as reopen_rate,
        s.reassigned_threads / nullif(s.assigned_threads, 0) as reassignment_rate
    from buckets as b
    left join started as s on b.bucket = s.bucket
    left join resolved as r on b.bucket = r.bucket
    left join replies as p on b.bucket = p.bucket
    order by b.bucket
    """


@_cached
def kpi_cards(db: Database, scope: Scope) -> pd.DataFrame:
    """One row per period, `current` and `previous` (the equal period just before)."""
    before = scope.previous()
    bucket = (
        "case when {d} between $start and $end then 'current' "
        "when {d} between $prev_start and $prev_end then 'previous' end"
    )
    frame = _frame(
        db,
        _kpi_sql(scope, bucket),
        _params(scope, prev_start=before.start, prev_end=before.end),
    )
    return frame.set_index("bucket").reindex(["current", "previous"])


@_cached
def kpi_trend(db: Database, scope: Scope) -> pd.DataFrame:
    """The same KPIs per day, ISO week (Monday) or calendar month of the chosen range."""
    bucket = "case when {d} between $start and $end then cast(date_trunc($grain, {d}) as date) end"
    frame = _frame(db, _kpi_sql(scope, bucket), _params(scope, grain=scope.grain))
    return frame.rename(columns={"bucket": "period_start"})


@_cached
def open_threads(db: Database, scope: Scope) -> int:
    """Threads not resolved as of the build (the current backlog)."""
    frame = _frame(
        db,
        f"""
        with {_MAILBOXES}
        select count(*) as open_threads
        from marts.fct_threads as t
        inner join mailboxes as m on t.mailbox_address = m.mailbox_address
        where t.status <> 'resolved' and {_thread_agent(scope)}
        """,
        _params(scope),
    )
    return int(frame["open_threads"].iloc[0])
