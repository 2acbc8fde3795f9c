"""Every SQL statement of the dashboards: one function per tile, reading schema `marts` only.

The DuckDB file is opened read-only. A build writes a new file and swaps it in, so each
function takes a `Database` stamp (path, mtime, size): a new build means new cache keys,
and the next query reopens the file.
DuckDB does the aggregating; pandas only receives the small results.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd
import streamlit as st

from .scope import SHARED_MAILBOX, Scope

TTL = dt.timedelta(minutes=10)
DEFAULT_PATH = Path("data/mailkpi.duckdb")
REQUIRED_MARTS = (
    "fct_threads",
    "fct_replies",
    "fct_messages",
    "fct_message_audit",
    "agg_backlog_daily",
    "agg_thread_states_daily",
    "agg_agent_reassignments_daily",
    "fct_thread_events",
    "fct_sync_runs",
    "fct_quarantined_items",
    "dim_mailboxes",
    "dim_agents",
)


class Database(NamedTuple):
    path: str
    mtime_ns: int
    size: int


def database_path() -> Path:
    return Path(os.environ.get("MAILKPI_DUCKDB") or DEFAULT_PATH).absolute()


def current_database() -> Database | None:
    """The configured file as it is now, or None when there is none yet."""
    return _file_now(str(database_path()))


def _file_now(path: str) -> Database | None:
    try:
        stat = Path(path).stat()
    except FileNotFoundError:
        return None
    return Database(path, stat.st_mtime_ns, stat.st_size)


_shared_lock = threading.Lock()
_shared: dict = {}  # "db": the Database it was opened for, "con": its read-only connection


def _cursor(db: Database) -> duckdb.DuckDBPyConnection:
    """A cursor on the one read-only connection all sessions share.

    When a build has swapped in a new file, the first query that notices closes the old
    connection *before* opening the file again: DuckDB hands out one shared instance per
    path within a process, so opening while the old one is still open would keep reading
    the replaced file.
    """
    with _shared_lock:
        if _shared.get("db") != db:
            now = _file_now(db.path) or db  # the file asked for, as it is now
            if _shared.get("db") != now:
                if "con" in _shared:
                    _shared.pop("con").close()
                _shared["con"] = duckdb.connect(now.path, read_only=True)
                # instants come back in UTC, not the machine's zone; cursors inherit a global
                _shared["con"].execute("set global TimeZone = 'UTC'")
                _shared["db"] = now
        return _shared["con"].cursor()


def _frame(db: Database, sql: str, params: dict | None = None) -> pd.DataFrame:
    # DuckDB refuses named parameters a statement does not use; tiles share one params dict.
    used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", sql)}
    try:
        with _cursor(db) as cursor:
            return cursor.execute(sql, used).df()
    except duckdb.ConnectionException:
        # Another session closed the connection under this query on seeing a new build.
        with _cursor(db) as cursor:
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
        where list_contains($mailboxes, mailbox_address) and agent_address is not null
        group by agent_address
        order by agent_name
        """,
        {"mailboxes": list(mailboxes)},
    )


@_cached
def as_of(db: Database) -> dt.datetime | None:
    """The build's "now": open threads, ages and pending SLAs are measured at this instant."""
    value = _frame(db, "select max(as_of) as as_of from marts.dim_mailboxes")["as_of"].iloc[0]
    return None if pd.isna(value) else value.to_pydatetime()


# --- shared SQL fragments ---------------------------------------------------------------

_MAILBOXES = """
    mailboxes as (
        select mailbox_address, timezone, as_of
        from marts.dim_mailboxes
        where list_contains($mailboxes, mailbox_address)
    )"""


def _minutes(scope: Scope, kpi: str) -> str:
    return f"{kpi}_business_minutes" if scope.clock == "business" else f"{kpi}_minutes"


def _sent_by_agent(scope: Scope, sent_at: str, sender: str) -> str:
    """Replies (sent at `sent_at` by `sender`) of the chosen agent, or sent as the shared
    mailbox; for turns, the first answer's."""
    if scope.agent is None:
        return "true"
    if scope.agent == SHARED_MAILBOX:
        return f"({sent_at} is not null and {sender} is null)"
    return f"{sender} = $agent"


def _turn_agent(scope: Scope) -> str:
    """Turns (`r`) the chosen agent answered first, or the shared mailbox."""
    return _sent_by_agent(scope, "r.replied_at", "r.replied_by")


def _thread_agent(scope: Scope, alias: str = "t") -> str:
    """Threads the chosen agent is assigned to or sent a message in."""
    if scope.agent is None:
        return "true"
    sender = "o.responder is null" if scope.agent == SHARED_MAILBOX else "o.responder = $agent"
    wrote = f"""exists (
        select 1 from marts.fct_messages as o
        where o.thread_id = {alias}.thread_id
            and o.direction = 'outbound' and {sender})"""
    if scope.agent == SHARED_MAILBOX:
        return wrote
    return f"({alias}.assignee = $agent or {wrote})"


def _params(scope: Scope, **extra) -> dict:
    params = {"mailboxes": list(scope.mailboxes), "start": scope.start, "end": scope.end}
    if scope.agent is not None and scope.agent != SHARED_MAILBOX:
        params["agent"] = scope.agent
    return params | extra


# --- response times ---------------------------------------------------------------------

TURN_KINDS = ("All replies", "First responses", "Later replies")


@_cached
def reply_histogram(
    db: Database, scope: Scope, kind: str, width_minutes: float, bins: int
) -> pd.DataFrame:
    """Answered turns that started in the range per bin of `width_minutes` of reply time;
    the last bin also holds everything above."""
    keep = {
        "All replies": "true",
        "First responses": "r.is_first_response",
        "Later replies": "not r.is_first_response",
    }[kind]
    return _frame(
        db,
        f"""
        with binned as (
            select least(floor(r.{_minutes(scope, "reply")} / $width), $bins - 1) as bin
            from marts.fct_replies as r
            where list_contains($mailboxes, r.mailbox_address)
                and r.turn_started_date between $start and $end
                and r.replied_at is not null and {keep} and {_turn_agent(scope)}
        )
        select
            bin * $width / 60 as bin_start,
            (bin + 1) * $width / 60 as bin_end,
            count(*) as turns
        from binned
        group by bin
        order by bin
        """,
        _params(scope, width=width_minutes, bins=bins),
    )


# --- SLA and backlog --------------------------------------------------------------------


AT_RISK_SHARE = 0.75


@_cached
def sla_watchlist(db: Database, scope: Scope) -> pd.DataFrame:
    """Customer threads still waiting for a first response that have a target: breached, at
    risk (three quarters of the target used), or within target; the time used is counted on
    the target's own clock."""
    return _frame(
        db,
        f"""
        with {_MAILBOXES},
        waiting as (
            select
                t.*,
                case
                    when t.first_response_sla_clock = 'business'
                        then t.awaiting_team_business_minutes
                    else t.awaiting_team_minutes
                end as used_minutes,
                timezone(m.timezone, t.first_inbound_at) as waiting_since
            from marts.fct_threads as t
            inner join mailboxes as m on t.mailbox_address = m.mailbox_address
            where t.initiated_by = 'customer' and t.first_response_at is null
                and t.status <> 'resolved'
                and t.sla_first_response_status in ('breached', 'pending')
                and {_thread_agent(scope)}
        )
        select
            mailbox_address,
            conversation_id,
            case
                when sla_first_response_status = 'breached' then 'breached'
                when used_minutes >= $at_risk * first_response_sla_minutes then 'at risk'
                else 'within target'
            end as sla_status,
            subject,
            customer_address,
            sla_tier,
            assignee,
            status,
            waiting_since,
            used_minutes / 60 as used_hours,
            first_response_sla_minutes / 60 as target_hours,
            first_response_sla_clock as target_clock,
            used_minutes / nullif(first_response_sla_minutes, 0) as target_used
        from waiting
        order by target_used desc nulls last, waiting_since
        limit 500
        """,
        _params(scope, at_risk=AT_RISK_SHARE),
    )


@_cached
def sla_breached_in_range(db: Database, scope: Scope) -> pd.DataFrame:
    """Threads that started in the range and breached the first-response SLA."""
    first = _minutes(scope, "first_response")
    return _frame(
        db,
        f"""
        with {_MAILBOXES}
        select
            t.mailbox_address,
            t.conversation_id,
            t.subject,
            t.customer_address,
            t.sla_tier,
            timezone(m.timezone, t.first_inbound_at) as first_inbound_at,
            timezone(m.timezone, t.first_response_at) as first_response_at,
            t.first_responder,
            t.{first} / 60 as first_response_hours
        from marts.fct_threads as t
        inner join mailboxes as m on t.mailbox_address = m.mailbox_address
        where t.sla_first_response_status = 'breached' and {_thread_agent(scope)}
            and t.first_inbound_date between $start and $end
        order by t.first_inbound_at desc
        limit 500
        """,
        _params(scope),
    )


# --- threads ----------------------------------------------------------------------------

THREAD_LIMIT = 1000


@_cached
def thread_list(db: Database, scope: Scope, search: str, statuses: tuple[str, ...]):
    """Threads with a message in the range, newest activity first, matching `search` in the
    subject, customer address or conversation id."""
    first = _minutes(scope, "first_response")
    return _frame(
        db,
        f"""
        with {_MAILBOXES},
        -- the newest threads first; their times turn local once they are chosen
        newest as (
            select
                t.mailbox_address,
                t.conversation_id,
                t.subject,
                t.customer_address,
                t.status,
                t.assignee,
                t.first_inbound_at,
                t.last_message_at,
                m.timezone,
                t.{first} / 60 as first_response_hours,
                t.sla_first_response_status as sla_status,
                t.inbound_count,
                t.outbound_count,
                t.reopen_count,
                t.reassignment_count,
                t.topics,
                count(*) over () as matching_threads
            from marts.fct_threads as t
            inner join mailboxes as m on t.mailbox_address = m.mailbox_address
            where t.last_message_date >= $start
                and coalesce(t.first_inbound_date, t.last_message_date) <= $end
                and list_contains($statuses, t.status)
                and (
                    $search = ''
                    or t.subject ilike '%' || $search || '%'
                    or t.customer_address ilike '%' || $search || '%'
                    or t.conversation_id = $search
                )
                and {_thread_agent(scope)}
            order by t.last_message_at desc
            limit {THREAD_LIMIT}
        )
        select
            n.mailbox_address,
            n.conversation_id,
            n.subject,
            n.customer_address,
            n.status,
            n.assignee,
            timezone(n.timezone, n.first_inbound_at) as first_inbound_at,
            timezone(n.timezone, n.last_message_at) as last_message_at,
            n.first_response_hours,
            n.sla_status,
            n.inbound_count,
            n.outbound_count,
            n.reopen_count,
            n.reassignment_count,
            n.topics,
            n.matching_threads
        from newest as n
        order by n.last_message_at desc
        """,
        _params(scope, search=search.strip(), statuses=list(statuses)),
    )


@_cached
def thread(db: Database, mailbox: str, conversation: str) -> pd.DataFrame:
    return _frame(
        db,
        """
        select * from marts.fct_threads
        where mailbox_address = $mailbox and conversation_id = $conversation
        """,
        {"mailbox": mailbox, "conversation": conversation},
    )


@_cached
def thread_turns(db: Database, mailbox: str, conversation: str) -> pd.DataFrame:
    """The thread's customer turns, times local to the mailbox."""
    return _frame(
        db,
        """
        select
            timezone(m.timezone, r.turn_started_at) as turn_started_at,
            r.inbound_message_count,
            timezone(m.timezone, r.replied_at) as replied_at,
            r.replied_by,
            r.reply_minutes,
            r.reply_business_minutes,
            r.is_collision
        from marts.fct_replies as r
        inner join marts.dim_mailboxes as m on r.mailbox_address = m.mailbox_address
        where r.mailbox_address = $mailbox and r.conversation_id = $conversation
        order by r.turn_started_at
        """,
        {"mailbox": mailbox, "conversation": conversation},
    )


@_cached
def thread_messages(db: Database, mailbox: str, conversation: str) -> pd.DataFrame:
    """Every message of the thread, counted or not, in time order, times local to the
    mailbox; `excluded_reason` says why a message does not count."""
    return _frame(
        db,
        """
        select
            timezone(m.timezone, a.message_at) as message_at,
            a.direction,
            a.from_address,
            a.sender_address,
            a.responder,
            a.subject,
            a.folder_name,
            a.store_address,
            a.copy_count,
            a.is_counted,
            a.excluded_reason,
            a.turn_number,
            a.internet_message_id
        from marts.fct_message_audit as a
        inner join marts.dim_mailboxes as m on a.mailbox_address = m.mailbox_address
        where a.mailbox_address = $mailbox and a.conversation_id = $conversation
        order by a.message_at, a.internet_message_id
        """,
        {"mailbox": mailbox, "conversation": conversation},
    )


@_cached
def thread_events(db: Database, mailbox: str, conversation: str) -> pd.DataFrame:
    """The thread's timeline: messages, folder moves, category changes, assignments,
    resolutions and reopens in order, times local to the mailbox."""
    return _frame(
        db,
        """
        select
            timezone(m.timezone, e.event_at) as event_at,
            e.event_type,
            e.detail,
            e.agent_address
        from marts.fct_thread_events as e
        inner join marts.dim_mailboxes as m on e.mailbox_address = m.mailbox_address
        where e.mailbox_address = $mailbox and e.conversation_id = $conversation
        order by e.event_number
        """,
        {"mailbox": mailbox, "conversation": conversation},
    )


# --- backlog over time ------------------------------------------------------------------


# --- data quality -----------------------------------------------------------------------


@_cached
def mailbox_freshness(db: Database, scope: Scope) -> pd.DataFrame:
    """Per mailbox the build covers: its as-of time, the first and the latest load that read
    the mailbox, and the newest message it loaded."""
    return _frame(
        db,
        """
        with loaded as (
            select
                mailbox_address,
                max(message_at) as newest_message,
                count(internet_message_id) as messages_loaded,
                count(internet_message_id) filter (where is_counted) as messages_counted
            from marts.fct_message_audit
            where list_contains($mailboxes, mailbox_address)
            group by mailbox_address
        )
        select
            m.mailbox_name,
            m.mailbox_address,
            m.kind,
            timezone(m.timezone, m.as_of) as built_as_of,
            timezone(m.timezone, m.first_loaded_at) as read_since,
            timezone(m.timezone, m.last_loaded_at) as read_until,
            timezone(m.timezone, a.newest_message) as newest_message,
            coalesce(a.messages_loaded, 0) as messages_loaded,
            coalesce(a.messages_counted, 0) as messages_counted
        from marts.dim_mailboxes as m
        left join loaded as a on m.mailbox_address = a.mailbox_address
        where list_contains($mailboxes, m.mailbox_address)
        order by m.mailbox_name
        """,
        _params(scope),
    )


@_cached
def last_loads(db: Database, scope: Scope) -> pd.DataFrame:
    """The latest finished load of every store a mailbox reads (local time)."""
    return _frame(
        db,
        f"""
        with {_MAILBOXES},
        latest as (
            select
                s.mailbox_address,
                s.store_address,
                arg_max(s.source_name, s.run_finished_at) as source,
                max(s.run_finished_at) as finished_at,
                arg_max(s.messages_new, s.run_finished_at) as messages_new,
                arg_max(s.messages_changed, s.run_finished_at) as messages_changed,
                arg_max(s.messages_removed, s.run_finished_at) as messages_removed,
                arg_max(s.resync_count, s.run_finished_at) as resyncs,
                count(*) as loads
            from marts.fct_sync_runs as s
            where s.run_finished_at is not null
            group by all
        )
        select
            l.mailbox_address,
            l.store_address,
            l.source,
            timezone(m.timezone, l.finished_at) as last_load_finished_at,
            l.messages_new,
            l.messages_changed,
            l.messages_removed,
            l.resyncs,
            l.loads
        from latest as l
        inner join mailboxes as m on l.mailbox_address = m.mailbox_address
        order by l.mailbox_address, l.store_address
        """,
        _params(scope),
    )


@_cached
def quarantined(db: Database, scope: Scope) -> pd.DataFrame:
    """Items a load could not read as messages, newest first (local time)."""
    return _frame(
        db,
        f"""
        with {_MAILBOXES}
        select
            timezone(m.timezone, q.observed_at) as observed_at,
            q.mailbox_address,
            q.store_address,
            q.folder_id,
            q.message_id,
            q.reason
        from marts.fct_quarantined_items as q
        inner join mailboxes as m on q.mailbox_address = m.mailbox_address
        order by q.observed_at desc
        limit 1000
        """,
        _params(scope),
    )


@_cached
def excluded_by_rule(db: Database, scope: Scope) -> pd.DataFrame:
    """Messages of the range that do not count, per mailbox and reason."""
    return _frame(
        db,
        f"""
        with {_MAILBOXES}
        select a.mailbox_address, a.excluded_reason, count(*) as messages
        from marts.fct_message_audit as a
        inner join mailboxes as m on a.mailbox_address = m.mailbox_address
        where not a.is_counted and a.message_date between $start and $end
        group by all
        order by a.mailbox_address, messages desc
        """,
        _params(scope),
    )


@_cached
def classified_without_headers(db: Database, scope: Scope) -> pd.DataFrame:
    """Per mailbox: the counted inbound messages of the range, and how many of them were
    classified without internetMessageHeaders (only the sender and subject rules could find
    automated mail among them: Mail.ReadBasic.All, or copies Graph sent without headers)."""
    return _frame(
        db,
        f"""
        with {_MAILBOXES}
        select
            a.mailbox_address,
            count(*) as inbound_counted,
            count(*) filter (where not a.has_headers) as without_headers,
            count(*) filter (where not a.has_headers) / count(*) as share_without_headers
        from marts.fct_message_audit as a
        inner join mailboxes as m on a.mailbox_address = m.mailbox_address
        where a.is_counted and a.direction = 'inbound' and a.message_date between $start and $end
        group by all
        order by a.mailbox_address
        """,
        _params(scope),
    )


@_cached
def excluded_messages(db: Database, scope: Scope, reason: str) -> pd.DataFrame:
    return _frame(
        db,
        f"""
        with {_MAILBOXES}
        select
            a.mailbox_address,
            a.conversation_id,
            timezone(m.timezone, a.message_at) as message_at,
            a.from_address,
            a.subject,
            a.folder_name,
            a.store_address
        from marts.fct_message_audit as a
        inner join mailboxes as m on a.mailbox_address = m.mailbox_address
        where a.excluded_reason = $reason and a.message_date between $start and $end
        order by a.message_at desc
        limit 500
        """,
        _params(scope, reason=reason),
    )


@_cached
def anomalies(db: Database, scope: Scope) -> pd.DataFrame:
    """Threads of the range that suggest missing or unattributable data:
    `outbound_without_agent` — a counted reply that names no agent (Send As, or an address
    the config does not list as an agent); `reply_without_team_message` — the thread's first
    counted message is a customer's "RE:" to a team message that was never loaded (a Sent
    Items copy is missing: the reply was sent from a mailbox that is not read)."""
    return _frame(
        db,
        f"""
        with {_MAILBOXES},
        audit as (
            select a.*
            from marts.fct_message_audit as a
            inner join mailboxes as m on a.mailbox_address = m.mailbox_address
            where a.is_counted and a.message_date between $start and $end
        ),
        flagged as (
            select
                mailbox_address,
                conversation_id,
                thread_id,
                'outbound_without_agent' as anomaly,
                count(*) as messages,
                min(message_at) as first_seen_at
            from audit
            where direction = 'outbound' and responder is null
            group by all
            union all
            select
                mailbox_address,
                conversation_id,
                thread_id,
                'reply_without_team_message' as anomaly,
                1 as messages,
                message_at as first_seen_at
            from audit
            where thread_sequence = 1 and direction = 'inbound'
                and regexp_matches(subject, '^ *(re|aw|sv|antw) *:', 'i')
        )
        select
            f.anomaly,
            f.mailbox_address,
            f.conversation_id,
            t.subject,
            t.customer_address,
            f.messages,
            timezone(m.timezone, f.first_seen_at) as first_seen_at
        from flagged as f
        inner join mailboxes as m on f.mailbox_address = m.mailbox_address
        left join marts.fct_threads as t on f.thread_id = t.thread_id
        order by f.anomaly, f.first_seen_at desc
        limit 2000
        """,
        _params(scope),
    )


# --- customers, coverage, team comparison: row lists beside the semantic layer's KPIs ------


@_cached
def waiting_by_customer(db: Database, scope: Scope) -> pd.DataFrame:
    """Per company (customer_name), threads waiting on the team now and the longest wait:
    new, assigned or awaiting a response as of the build, timed from their latest message."""
    return _frame(
        db,
        f"""
        with {_MAILBOXES}
        select
            t.customer_name,
            count(*) as waiting_now,
            max(date_diff('second', t.last_message_at, m.as_of) / 60.0) as longest_wait_minutes
        from marts.fct_threads as t
        inner join mailboxes as m on t.mailbox_address = m.mailbox_address
        where t.status in ('new', 'assigned', 'awaiting_response') and t.customer_name is not null
        group by 1
        """,
        _params(scope),
    )


@_cached
def opening_hours(db: Database, scope: Scope) -> pd.DataFrame:
    """The local weekday-hours in which a chosen mailbox is open (agg_arrivals_hourly)."""
    return _frame(
        db,
        """
        select mailbox_address, iso_dow, local_hour, open_minutes
        from marts.agg_arrivals_hourly
        where list_contains($mailboxes, mailbox_address) and open_minutes > 0
        order by all
        """,
        _params(scope),
    )


@_cached
def first_response_survival(db: Database, scope: Scope, period: str) -> pd.DataFrame:
    """Kaplan-Meier first response per mailbox and week or month overlapping the range."""
    return _frame(
        db,
        """
        select mailbox_address, period_start, threads, answered_threads, waiting_threads,
            km_median_first_response_minutes, km_sla_met_share
        from marts.agg_first_response_survival
        where list_contains($mailboxes, mailbox_address) and period = $period
            and period_start <= $end
            and period_start > $start - interval (case when $period = 'week' then 7 else 31 end) day
        order by mailbox_address, period_start
        """,
        _params(scope, period=period),
    )
