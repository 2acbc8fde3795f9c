"""Real-world oddities through Graph and a whole `mailkpi build`: one odd message never
stops the night, and each is accounted for in fct_message_audit.

Bounces with a null reverse path (`From: MAILER-DAEMON <>`) and mail without a From header
do reach shared mailboxes; Graph then answers `from: null` (the property is nullable) or an
empty address. Beside them: no Date header, no Message-ID, an encoded word left in the
subject, a group address ("undisclosed-recipients:;"), one Message-ID delivered five times
and a date from the 1990s.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from mailkpi.graph_emulator import DEFAULT_TOKEN, GraphEmulator
from mailkpi.graph_emulator.mailstore import message_data
from tests.conftest import offline_env

pytestmark = pytest.mark.slow

SUPPORT = "support@contoso.com"
OBSERVED = dt.datetime(2026, 6, 2, 1, 0, tzinfo=dt.UTC)
DAY = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


def payload(n: int, **fields) -> dict:
    """A full Graph message (as the emulator renders one) with `fields` replaced."""
    data = message_data(
        subject=f"Odd {n}",
        sender=f"someone{n}@fabrikam.com",
        to=[SUPPORT],
        cc=[],
        received=DAY + dt.timedelta(minutes=n),
        categories=[],
        headers=None,
        conversation_id=f"conv-odd-{n}",
        internet_message_id=f"<odd{n}@fabrikam.com>",
        from_address=None,
        is_draft=False,
    )
    return {"id": f"AAMkodd{n:04d}", "@odata.etag": 'W/"odd"', **data, **fields}


ODD = {
    # Graph: "from": null for a message without a From header; the bounce's null reverse path
    "no_from": payload(1, **{"from": None, "sender": None}),
    "empty_from": payload(
        2,
        subject="Undeliverable: Order 7",
        **{
            "from": {"emailAddress": {"name": "MAILER-DAEMON", "address": ""}},
            "sender": {"emailAddress": {"name": "MAILER-DAEMON", "address": ""}},
        },
    ),
    "postmaster_name": payload(
        3,
        subject="Delivery Status Notification (Failure)",
        **{"from": {"emailAddress": {"name": "postmaster", "address": None}}, "sender": None},
    ),
    "no_date": payload(4, sentDateTime=None),
    "no_message_id": payload(5, internetMessageId=None),
    "encoded_word": payload(6, subject="=?UTF-8?B?UmVjbGFtYXRpb24gw6l0w6k=?="),
    "group_address": payload(
        7, toRecipients=[{"emailAddress": {"name": "undisclosed-recipients:;", "address": ""}}]
    ),
    "from_the_nineties": payload(
        8, sentDateTime="1996-04-01T08:00:00Z", createdDateTime="2026-06-01T10:08:00Z"
    ),
}


@pytest.fixture
def graph():
    emulator = GraphEmulator(now=DAY).start()
    emulator.add_mailbox(SUPPORT)
    yield emulator
    emulator.stop()


@pytest.mark.timeout(1800)  # two whole builds
def test_odd_mail_never_stops_the_night(graph, tmp_path, preloaded):
    graph.add_message(  # ordinary mail beside the oddities
        SUPPORT,
        subject="Order 1",
        sender="jane@fabrikam.com",
        received=DAY,
        conversation_id="conv-plain",
        internet_message_id="<plain@fabrikam.com>",
    )
    for item in ODD.values():
        graph.add_raw_message(SUPPORT, "inbox", item)
    for n in range(5):  # one Message-ID delivered five times (five copies in the Inbox)
        graph.add_raw_message(
            SUPPORT,
            "inbox",
            payload(20, id=f"AAMkfive{n}", conversationId="conv-five"),
        )
    auto_reply = graph.add_message(  # classified by its headers on the first night
        SUPPORT,
        subject="Re: Order 1",
        sender="jane@fabrikam.com",
        received=DAY + dt.timedelta(minutes=30),
        conversation_id="conv-plain",
        internet_message_id="<auto@fabrikam.com>",
        headers={"Auto-Submitted": "auto-replied"},
    )
    config = tmp_path / "mailkpi.yml"
    config.write_text(f"mailboxes: [{{address: {SUPPORT}}}]\n")
    path = tmp_path / "mailkpi.duckdb"
    env = offline_env(
        MAILKPI_CONFIG=str(config),
        SOURCES__MSGRAPH__BASE_URL=graph.base_url,
        SOURCES__MSGRAPH__CREDENTIALS__ACCESS_TOKEN=DEFAULT_TOKEN,
    )
    result = preloaded.mailkpi(
        "build", "--duckdb", str(path), env={**env, "MAILKPI_OBSERVED_AT": OBSERVED.isoformat()}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert audit_reason(path, "<auto@fabrikam.com>") == "automated_header"

    # Night two: the auto-reply comes back without headers (a category change: a partial
    # item; then a move: a full item, served without internetMessageHeaders), and a Sent
    # Items copy arrives without any. Absent headers reclassify nothing.
    graph.now = OBSERVED + dt.timedelta(hours=8)
    graph.categorize(SUPPORT, auto_reply, ["Billing"])
    del graph.mailboxes[SUPPORT].messages[auto_reply].data["internetMessageHeaders"]
    graph.move(SUPPORT, auto_reply, "archive")
    graph.add_message(
        SUPPORT,
        "sentitems",
        subject="RE: Order 1",
        sender=SUPPORT,
        to=["jane@fabrikam.com"],
        received=graph.now,
        conversation_id="conv-plain",
        internet_message_id="<reply@contoso.com>",
        with_headers=False,
    )
    second = OBSERVED + dt.timedelta(days=1)
    result = preloaded.mailkpi(
        "build", "--duckdb", str(path), env={**env, "MAILKPI_OBSERVED_AT": second.isoformat()}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert audit_reason(path, "<auto@fabrikam.com>") == "automated_header"
    assert audit_reason(path, "<reply@contoso.com>") == "counted"

    with duckdb.connect(str(path), read_only=True) as con:
        audit = dict(
            con.execute(
                "select conversation_id, coalesce(excluded_reason, 'counted') "
                "from marts.fct_message_audit where direction = 'inbound' "
                "and internet_message_id <> '<auto@fabrikam.com>'"
            ).fetchall()
        )
        five = con.execute(
            "select count(*), any_value(copy_count) from marts.fct_message_audit "
            "where internet_message_id = '<odd20@fabrikam.com>'"
        ).fetchall()
    # every odd message is accounted for, counted or with a reason
    assert audit == {
        "conv-plain": "counted",
        "conv-odd-1": "counted",  # no From: nothing says automated
        "conv-odd-2": "automated_sender",  # MAILER-DAEMON by its display name
        "conv-odd-3": "automated_sender",  # postmaster by its display name
        "conv-odd-4": "counted",
        "conv-odd-5": "counted",
        "conv-odd-6": "counted",
        "conv-odd-7": "counted",
        "conv-odd-8": "counted",
        "conv-five": "counted",
    }
    assert five == [(1, 5)]  # one message, five copies


def audit_reason(path, internet_message_id: str) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        [(reason,)] = con.execute(
            "select coalesce(excluded_reason, 'counted') from marts.fct_message_audit "
            "where internet_message_id = ?",
            [internet_message_id],
        ).fetchall()
    return reason
