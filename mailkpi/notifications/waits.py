"""What the alert rules read from the marts: the open threads' waits, as of the build's as_of.

Read-only, `marts` schema only. Two figures are not mart columns and are derived here, once:

- the minutes a still unanswered thread has waited for its first response: with no outbound
  message the thread is one customer turn, so `fct_threads.awaiting_team_minutes` (its
  business twin for a business-clock target) is exactly first inbound -> as_of, the time
  `sla_first_response_status` compared with the target;
- the business minutes the open (unanswered) turn has waited: `awaiting_team_business_minutes`
  sums every turn's wait, the answered ones being `fct_replies.reply_business_minutes`, so
  the open turn's is the difference.
"""

from __future__ import annotations

import datetime as dt

import duckdb

_FIRST_RESPONSE = """
with reopens as (
    select thread_id, max(event_at) as last_reopened_at
    from marts.fct_thread_events
    where event_type = 'reopened'
    group by all
)
select
    t.mailbox_address, t.conversation_id, t.subject, t.customer_address, t.assignee,
    t.first_inbound_at,
    coalesce(r.last_reopened_at, t.first_inbound_at) as episode_started_at,
    t.sla_first_response_status, t.sla_tier, t.first_response_sla_minutes,
    t.first_response_sla_clock,
    case t.first_response_sla_clock
        when 'calendar' then t.awaiting_team_minutes else t.awaiting_team_business_minutes
    end as waited_minutes
from marts.fct_threads as t
left join reopens as r using (thread_id)
where t.first_response_at is null
    and t.status <> 'resolved'
    and t.sla_first_response_status in ('pending', 'breached')
order by t.mailbox_address, t.first_inbound_at, t.conversation_id
"""

_OPEN_TURNS = """
with answered as (
    select thread_id, sum(reply_business_minutes) as answered_minutes
    from marts.fct_replies
    where replied_at is not null
    group by all
)
select
    t.mailbox_address, t.conversation_id, t.subject, t.customer_address, t.assignee,
    o.turn_started_at,
    t.awaiting_team_business_minutes - coalesce(a.answered_minutes, 0) as waited_minutes
from marts.fct_replies as o
inner join marts.fct_threads as t using (thread_id)
left join answered as a using (thread_id)
where o.replied_at is null and t.status <> 'resolved'
order by t.mailbox_address, o.turn_started_at, t.conversation_id
"""

_NEW_THREADS = """
select
    m.mailbox_address,
    count(t.conversation_id) as new_threads,
    min(t.first_inbound_at) as oldest_at
from marts.dim_mailboxes as m
left join marts.fct_threads as t
    on t.mailbox_address = m.mailbox_address and t.status = 'new'
group by all
order by m.mailbox_address
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def as_of(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The build's "now": every wait in the marts runs to it."""
    return con.execute("select max(as_of) from marts.dim_mailboxes").fetchall()[0][0]


def first_response_waits(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Open threads still waiting for their first response, with an SLA target."""
    return _rows(con, _FIRST_RESPONSE)


def open_turns(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The unanswered customer turn of each open thread and its business minutes so far."""
    return _rows(con, _OPEN_TURNS)


def new_threads(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per mailbox: threads in state `new` (no assignee, no reply) and the oldest one's start."""
    return _rows(con, _NEW_THREADS)
