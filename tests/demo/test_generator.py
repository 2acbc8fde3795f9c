"""The generated history: deterministic, and every scenario of docs/demo-tenant.md occurs."""

from __future__ import annotations

import datetime as dt
import hashlib

import pyarrow.compute as pc
import pytest

from pipelines.demo.helpers import demo_as_of
from pipelines.demo.settings import DEMO_END
from tests.demo.conftest import generate

SUPPORT, HELP, SALES = "support@contoso.com", "help@contoso.com", "sales@contoso.com"
SUPPORT_AGENTS = "('alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com')"
SALES_AGENTS = "('dave@contoso.com', 'erin@contoso.com')"
TEAM = f"('{SUPPORT}', '{HELP}', 'alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com')"
AUTOMATED = """(
    header_auto_submitted is not null or header_precedence is not null
    or split_part(from_address, '@', 1) in ('mailer-daemon', 'postmaster', 'noreply',
        'no-reply', 'donotreply')
    or subject like 'Automatic reply:%' or subject like 'Undeliverable:%'
    or is_draft or folder in ('Junk Email', 'Drafts')
)"""


def digest(table) -> str:
    sha = hashlib.sha256()
    for batch in table.to_batches():
        for column in batch.columns:
            sha.update(str(column.to_pylist()).encode())
    return sha.hexdigest()


def one(con, sql: str):
    return con.execute(sql).fetchall()[0][0]


@pytest.mark.slow
def test_same_inputs_give_identical_observations(config, observations):
    assert digest(generate(config)) == digest(observations)
    assert digest(generate(config, seed=8)) != digest(observations)


@pytest.mark.slow
def test_a_later_end_only_adds_nights(config, observations):
    shorter = generate(config, end=DEMO_END - dt.timedelta(days=30))
    cutoff = demo_as_of(DEMO_END - dt.timedelta(days=30))
    same_nights = observations.filter(pc.less_equal(observations["observed_at"], cutoff))
    assert digest(shorter) == digest(same_nights)


def test_size_follows_messages(con):
    messages = one(con, "select count(distinct internet_message_id) from obs")
    assert 3400 < messages < 4600  # about SMALL = 4000


def test_window_and_as_of():
    assert demo_as_of(DEMO_END) == dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)


def test_nightly_loads_observe_every_night(con):
    nights = con.execute(
        "select min(observed_at), max(observed_at), count(distinct observed_at) from obs"
    ).fetchall()[0]
    assert nights[0] == dt.datetime(2026, 5, 19, 1, 0, tzinfo=dt.UTC)
    assert nights[1] == dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)
    assert nights[2] == 182


# -- support@: a shared mailbox -----------------------------------------------------------

SHARED_SCENARIOS = {
    "send on behalf": f"""select count(distinct internet_message_id) from msgs
        where from_address = '{SUPPORT}' and sender_address in {SUPPORT_AGENTS}""",
    "send as": f"""select count(distinct internet_message_id) from msgs
        where from_address = '{SUPPORT}' and sender_address = '{SUPPORT}'""",
    "reply from an agent's own mailbox": f"""select count(distinct internet_message_id)
        from msgs where mailbox_address = '{SUPPORT}' and folder = 'Sent Items'
        and store_address in {SUPPORT_AGENTS} and from_address = sender_address
        and conversation_id in (select conversation_id from msgs
            where store_address = '{SUPPORT}')""",
    "customer cc's support@ on an own-mailbox reply": f"""select count(*) from msgs
        where store_address = '{SUPPORT}' and folder <> 'Sent Items'
        and list_has_any(to_addresses, {list(eval(SUPPORT_AGENTS))})
        and list_contains(cc_addresses, '{SUPPORT}')""",
    "reply from the alias": f"""select count(distinct internet_message_id) from msgs
        where from_address = '{HELP}'""",
    "inbound to the alias": f"""select count(distinct internet_message_id) from msgs
        where list_contains(to_addresses, '{HELP}') and from_address not in {TEAM}""",
    "team-mailbox Sent Items copy": f"""select count(*) from msgs
        where store_address = '{SUPPORT}' and folder = 'Sent Items'""",
    "copy in both the shared and the agent's Sent Items": f"""select count(*) from (
        select internet_message_id from msgs where folder = 'Sent Items'
        and mailbox_address = '{SUPPORT}' group by 1
        having count(distinct store_address) = 2)""",
    "Send As copy only in the agent's Sent Items": f"""select count(*) from (
        select internet_message_id from msgs where from_address = '{SUPPORT}'
        group by 1 having bool_and(store_address <> '{SUPPORT}'))""",
    "key-account customer (fabrikam.com)": """select count(*) from msgs
        where from_address like '%@fabrikam.com'""",
    "key-account customer (northwind.com)": """select count(*) from msgs
        where from_address like '%@northwind.com'""",
    "internal colleague writing in": f"""select count(*) from msgs
        where store_address = '{SUPPORT}' and from_address like '%@contoso.com'
        and from_address not in {TEAM}""",
    "auto-reply": """select count(*) from msgs where subject like 'Automatic reply:%'
        and header_auto_submitted = 'auto-replied'""",
    "bounce": """select count(*) from msgs where subject like 'Undeliverable:%'
        and split_part(from_address, '@', 1) in ('mailer-daemon', 'postmaster')""",
    "newsletter (Precedence: bulk)": "select count(*) from msgs where header_precedence = 'bulk'",
    "noreply sender": """select count(*) from msgs where split_part(from_address, '@', 1)
        in ('noreply', 'no-reply', 'donotreply')""",
    "draft in Drafts": "select count(*) from obs where is_draft and folder = 'Drafts'",
    "draft outside Drafts": "select count(*) from obs where is_draft and folder = 'Inbox'",
    "junk": "select count(*) from obs where folder = 'Junk Email' and not is_removed",
    "moved into Archive": """select count(*) from obs where folder = 'Archive'
        and not is_removed and store_address = 'support@contoso.com'""",
    "moved into Done": "select count(*) from obs where folder = 'Done' and not is_removed",
    "moved back out of a resolved folder": f"""select count(distinct a.message_id)
        from obs as a join obs as b using (store_address, message_id)
        where a.store_address = '{SUPPORT}' and a.folder in ('Archive', 'Done')
        and b.folder = 'Inbox' and not b.is_removed and b.observed_at > a.observed_at
        and b.subject is not null""",
    "customer writes after the move (reopen)": f"""select count(distinct m.conversation_id)
        from obs as r join msgs as m using (store_address, conversation_id)
        where r.store_address = '{SUPPORT}' and r.folder in ('Archive', 'Done')
        and not r.is_removed and m.from_address not in {TEAM}
        and m.received_date_time > r.last_modified_date_time
        and m.subject not like 'Automatic reply:%'""",
    "assigned by agent category": f"""select count(*) from obs where store_address = '{SUPPORT}'
        and list_has_any(categories, ['Alice', 'Bob', 'Carol'])""",
    "reassigned (agent category replaced)": """select count(*) from (
        select message_id from obs where list_has_any(categories, ['Alice', 'Bob', 'Carol'])
        group by message_id having count(distinct list_filter(categories,
            lambda c: c in ('Alice', 'Bob', 'Carol'))[1]) > 1)""",
    "topic Billing": "select count(*) from obs where list_contains(categories, 'Billing')",
    "topic Technical": "select count(*) from obs where list_contains(categories, 'Technical')",
    "topic Account": "select count(*) from obs where list_contains(categories, 'Account')",
    "topic Feature request": """select count(*) from obs
        where list_contains(categories, 'Feature request')""",
    "partial item: categories change": """select count(*) from obs where not is_removed
        and subject is null and categories is not null and last_modified_date_time is not null""",
    "partial item: id + parentFolderId only": """select count(*) from obs where not is_removed
        and subject is null and categories is null and parent_folder_id is not null""",
    "same item twice in one round": """select count(*) from (select 1 from obs
        where subject is not null group by observed_at, store_address, folder_id, message_id
        having count(*) > 1)""",
}


@pytest.mark.parametrize("scenario", sorted(SHARED_SCENARIOS))
def test_shared_mailbox_scenario_occurs(con, scenario):
    assert one(con, SHARED_SCENARIOS[scenario]) >= 2, scenario


COUNTED = f"""
    select distinct on (mailbox_address, internet_message_id) *,
        from_address in {TEAM} as outbound,
        case when sender_address in {SUPPORT_AGENTS} then sender_address
             when from_address in {SUPPORT_AGENTS} then from_address
             else 'shared mailbox' end as responder
    from msgs
    where mailbox_address = '{SUPPORT}' and not {AUTOMATED}
      and conversation_id in (select conversation_id from msgs where store_address = '{SUPPORT}')
"""


def test_threads_have_collisions_team_starts_many_turns_and_unanswered_ones(con):
    con.execute(f"create or replace temp view counted as {COUNTED}")
    con.execute(
        """
        create or replace temp view sequenced as
        select *, lag(outbound) over w as prev_outbound, lag(responder) over w as prev_responder,
            row_number() over w as position, count(*) over (partition by conversation_id) as n,
            sum(case when not outbound then 1 else 0 end) over (partition by conversation_id)
                as inbound_count
        from counted
        window w as (partition by conversation_id order by sent_date_time, received_date_time)
        """
    )
    collisions = one(
        con,
        """select count(distinct conversation_id) from sequenced
        where outbound and prev_outbound and responder <> prev_responder""",
    )
    team_started = one(con, "select count(*) from sequenced where position = 1 and outbound")
    multi_turn = one(
        con, "select count(distinct conversation_id) from sequenced where inbound_count >= 3"
    )
    as_of = "timestamptz '2026-11-16 01:00:00+00'"
    waiting = con.execute(
        f"""select
            count(*) filter (where received_date_time > {as_of} - interval 3 day),
            count(*) filter (where received_date_time < {as_of} - interval 14 day)
        from sequenced where position = n and not outbound and inbound_count = n"""
    ).fetchall()[0]
    assert collisions >= 3
    assert team_started >= 5
    assert multi_turn >= 20
    assert waiting[0] >= 2, "customers still waiting at the end of the window"
    assert waiting[1] >= 2, "threads nobody ever answered (past any SLA)"


def test_agents_answer_mostly_in_business_hours(con):
    local = "timezone('Europe/London', sent_date_time)"
    share, after_hours = con.execute(
        f"""select
            avg(case when isodow({local}) <= 5 and hour({local}) between 9 and 17
                then 1.0 else 0.0 end),
            count(*) filter (where hour({local}) >= 19 or hour({local}) < 7)
        from msgs where mailbox_address = '{SUPPORT}' and from_address in {TEAM}
        and folder = 'Sent Items'"""
    ).fetchall()[0]
    assert 0.75 < share < 0.99
    assert after_hours >= 3


def test_holidays_are_quiet_and_dst_shifts_the_daily_mail(con):
    mondays = con.execute(
        f"""select timezone('Europe/London', received_date_time)::date as day, count(*)
        from msgs where store_address = '{SUPPORT}' and folder <> 'Sent Items'
        and isodow(timezone('Europe/London', received_date_time)) = 1 group by 1"""
    ).fetchall()
    counts = dict(mondays)
    holiday = counts.get(dt.date(2026, 8, 31), 0)
    usual = sorted(counts.values())[len(counts) // 2]
    assert holiday < usual / 2
    sent = dict(
        con.execute(
            """select subject, sent_date_time from msgs
            where subject in ('Daily status report 2026-10-24', 'Daily status report 2026-10-26')"""
        ).fetchall()
    )
    # 06:00 in London: BST (UTC+1) before 25 October, GMT after
    assert sent["Daily status report 2026-10-24"] == dt.datetime(2026, 10, 24, 5, 0, tzinfo=dt.UTC)
    assert sent["Daily status report 2026-10-26"] == dt.datetime(2026, 10, 26, 6, 0, tzinfo=dt.UTC)


# -- sales@: a distribution list ----------------------------------------------------------

LIST_SCENARIOS = {
    "a copy in each agent's Inbox (same ids, different item ids)": f"""select count(*) from (
        select internet_message_id from msgs where mailbox_address = '{SALES}'
        and folder = 'Inbox' and list_contains(to_addresses, '{SALES}')
        group by 1 having count(distinct store_address) = 2
        and count(distinct message_id) = 2 and count(distinct conversation_id) = 1)""",
    "reply in the replier's Sent Items": f"""select count(*) from msgs
        where mailbox_address = '{SALES}' and folder = 'Sent Items'
        and from_address = store_address and list_contains(cc_addresses, '{SALES}')""",
    "thread archived in one agent's mailbox": f"""select count(*) from obs
        where mailbox_address = '{SALES}' and folder = 'Archive' and not is_removed""",
    "personal mail not addressed to the list": f"""select count(distinct conversation_id)
        from msgs as m where mailbox_address = '{SALES}' and not exists (
            select 1 from msgs as o where o.conversation_id = m.conversation_id
            and (list_contains(o.to_addresses, '{SALES}')
                 or list_contains(o.cc_addresses, '{SALES}')))""",
    "a copy one agent deletes": f"""select count(*) from obs
        where mailbox_address = '{SALES}' and folder = 'Deleted Items' and not is_removed""",
    "both agents answer one turn": f"""select count(*) from (
        select conversation_id from msgs where mailbox_address = '{SALES}'
        and folder = 'Sent Items' and subject like 'RE:%'
        group by 1 having count(distinct store_address) = 2)""",
}


@pytest.mark.parametrize("scenario", sorted(LIST_SCENARIOS))
def test_distribution_list_scenario_occurs(con, scenario):
    assert one(con, LIST_SCENARIOS[scenario]) >= 2, scenario


def test_distribution_list_copies_share_ids_across_mailboxes(con):
    rows = con.execute(
        f"""select internet_message_id, list(distinct store_address order by store_address),
            count(distinct message_id), count(distinct conversation_id)
        from msgs where mailbox_address = '{SALES}'
        and list_contains(to_addresses, '{SALES}') and from_address not in {SALES_AGENTS}
        group by 1"""
    ).fetchall()
    both = [r for r in rows if r[1] == ["dave@contoso.com", "erin@contoso.com"]]
    assert len(both) == len(rows) > 100
    assert all(r[2] == 2 and r[3] == 1 for r in both)


def test_moves_carry_the_move_time(con):
    """A move is `@removed` in the old folder and a full item in the new one, in the same
    load, whose lastModifiedDateTime is the move time (after the message arrived)."""
    # the old folder is the Inbox, or a resolved folder when the thread was moved back and
    # resolved again between two loads
    bad, good = con.execute(
        f"""select count(*) filter (where r.message_id is null),
            count(*) filter (where r.message_id is not null)
        from obs as a left join obs as r
            on r.store_address = a.store_address and r.message_id = a.message_id
            and r.observed_at = a.observed_at and r.is_removed
        where a.folder in ('Archive', 'Done') and a.subject is not null
        and a.store_address = '{SUPPORT}'
        and a.last_modified_date_time > a.observed_at - interval 1 day
        and a.last_modified_date_time <= a.observed_at
        and a.received_date_time < a.observed_at - interval 1 day"""
    ).fetchall()[0]
    assert good > 20 and bad == 0
