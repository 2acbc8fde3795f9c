"""The row lists file a message or a thread under the day the facts give it (`message_date`,
`first_inbound_date`, `last_message_date`: the mailbox's local date, computed once in dbt
and unit-tested across DST there), never under the UTC instant's own day.

Two messages of the hand-made marts whose local day is not their UTC day: sales@ (New York,
EDT) at 02:30 UTC on 28 Mar, which is 22:30 on the 27th, and support@ (London, BST from 29
Mar) at 23:30 UTC on 30 Mar, which is 00:30 on the 31st. Each is an excluded auto-reply in
the audit and its own thread, breached and open.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from dashboards import queries
from dashboards.scope import Scope
from tests.dashboards.fixture_marts import SALES, SUPPORT

UTC = dt.UTC
BOUNDARY = {  # conversation: (mailbox, instant, its local day)
    "B1": (SALES, dt.datetime(2026, 3, 28, 2, 30, tzinfo=UTC), dt.date(2026, 3, 27)),
    "B2": (SUPPORT, dt.datetime(2026, 3, 30, 23, 30, tzinfo=UTC), dt.date(2026, 3, 31)),
}


@pytest.fixture(scope="module")
def database(marts_duckdb, tmp_path_factory) -> queries.Database:
    path = tmp_path_factory.mktemp("boundary") / "mailkpi.duckdb"
    shutil.copyfile(marts_duckdb, path)
    with duckdb.connect(str(path)) as con:
        for thread, (conversation, (mailbox, at, day)) in enumerate(BOUNDARY.items(), 1):
            params = {
                "mailbox": mailbox,
                "conversation": conversation,
                "thread": thread,
                "at": at,
                "day": day,
            }
            con.execute(
                """insert into marts.fct_message_audit by name select
                    $mailbox as mailbox_address, $conversation as conversation_id,
                    $thread as thread_id,
                    '<' || $conversation || '@x>' as internet_message_id,
                    'inbound' as direction, 'mailer@fabrikam.com' as from_address,
                    $at as received_at, $at as sent_at, $at as message_at, $day as message_date,
                    'Automatic reply' as subject, 'Inbox' as folder_name, $mailbox as store_address,
                    1 as copy_count, false as is_counted, 'automated_subject' as excluded_reason,
                    true as has_headers""",
                params,
            )
            con.execute(
                """insert into marts.fct_threads by name select
                    $mailbox as mailbox_address, $conversation as conversation_id,
                    $thread as thread_id, 'Boundary' as subject, 'open' as status,
                    $at as started_at, $at as first_inbound_at, $at as last_message_at,
                    $day as started_date, $day as first_inbound_date, $day as last_message_date,
                    'breached' as sla_first_response_status, 1 as inbound_count,
                    0 as outbound_count, 0 as reopen_count, 0 as reassignment_count""",
                params,
            )
    return queries._file_now(str(path))


def _scope(day: dt.date) -> Scope:
    return Scope((SUPPORT, SALES), day, day)


@pytest.mark.parametrize("conversation", sorted(BOUNDARY))
def test_a_message_is_listed_on_its_local_day_only(database, conversation):
    _mailbox, at, day = BOUNDARY[conversation]
    assert at.date() != day
    for asked in (day, at.date()):
        listed = queries.excluded_messages(database, _scope(asked), "automated_subject")
        assert (conversation in listed["conversation_id"].tolist()) == (asked == day), asked


@pytest.mark.parametrize("conversation", sorted(BOUNDARY))
def test_a_thread_is_listed_on_its_local_day_only(database, conversation):
    _mailbox, at, day = BOUNDARY[conversation]
    for asked in (day, at.date()):
        threads = queries.thread_list(database, _scope(asked), "", ("open",))
        breached = queries.sla_breached_in_range(database, _scope(asked))
        expected = asked == day
        assert (conversation in threads["conversation_id"].tolist()) == expected, asked
        assert (conversation in breached["conversation_id"].tolist()) == expected, asked


def test_the_counts_of_a_day_take_its_local_messages(database):
    """27 Mar, New York: B1 is its only excluded message; 28 Mar has none of sales@'s."""
    by_day = {
        day: queries.excluded_by_rule(database, Scope((SALES,), day, day))
        for day in (dt.date(2026, 3, 27), dt.date(2026, 3, 28))
    }
    assert by_day[dt.date(2026, 3, 27)]["messages"].tolist() == [1]
    assert by_day[dt.date(2026, 3, 28)].empty
