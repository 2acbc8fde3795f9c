"""The alert rules on hand-made marts: which alerts, with which figures, sent once per episode."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from mailkpi.notifications import notify, rules
from mailkpi.notifications.hours import is_open
from mailkpi.notifications.ledger import ledger_path, opened

from . import marts_fixture
from .conftest import ALL_RULES, CHANNEL_ENV, MAILBOXES, write_config
from .servers import smtp_server, smtp_url


def _evaluate(path, config):
    with opened(path) as book, duckdb.connect(str(path), read_only=True) as con:
        return rules.evaluate(con, config, book)


def test_rules_raise_the_hand_worked_alerts(marts, config):
    as_of, alerts = _evaluate(marts, config)
    assert as_of == marts_fixture.AS_OF
    found = {(a.rule, a.conversation_id): a for a in alerts}
    # T2: 45 of 60 business minutes, 15 left; T1 (100 left) is not at risk
    assert {k for k in found if k[0] == "first_response_at_risk"} == {
        ("first_response_at_risk", "T2")
    }
    assert found["first_response_at_risk", "T2"].minutes_left == 15
    assert found["first_response_at_risk", "T2"].tier == "Key accounts"
    # T3: 570 - 240 = 330 over; T6: 1650 - 240 = 1410 over; T5 is resolved
    breached = {k[1]: a for k, a in found.items() if k[0] == "first_response_breached"}
    assert set(breached) == {"T3", "T6"}
    assert breached["T3"].minutes_left == -330
    assert breached["T6"].minutes_left == -1410
    # T6's episode is its reopen (Mon 09:00), T3's its first message
    assert breached["T6"].episode == marts_fixture.ts("2026-03-09 09:00")
    assert breached["T3"].episode == marts_fixture.ts("2026-03-09 09:00")
    # open turns over 8 business hours: T4's second turn 510 - 480 = 30 over; T3 570 - 480 =
    # 90 over; T6 1650 - 480; T1 (140) and T2 (45) are under
    turns = {k[1]: a for k, a in found.items() if k[0] == "turn_unanswered"}
    assert {c: a.minutes_left for c, a in turns.items()} == {"T3": -90, "T4": -30, "T6": -1170}
    assert turns["T4"].episode == marts_fixture.ts("2026-03-09 10:00")
    # two threads in `new` (T2, T3) > 1
    (unassigned,) = [a for a in alerts if a.rule == "unassigned_threads"]
    assert unassigned.count == 2
    assert unassigned.episode == marts_fixture.AS_OF


def test_each_alert_is_sent_once_and_a_reopened_thread_alerts_again(marts, config, monkeypatch):
    with smtp_server() as (box, port):
        monkeypatch.setenv(CHANNEL_ENV, smtp_url(port))
        first = notify(marts, config)
        # T2 at risk; T3, T6 breached; T3, T4, T6 turns; unassigned: 7 alerts, one message
        assert (first.raised, first.sent, first.messages, first.held) == (7, 7, 1, 0)
        assert len(box.messages) == 1
        assert notify(marts, config).sent == 0
        assert len(box.messages) == 1
        # the customer of T3 writes again after a resolution: a new episode of T3
        with duckdb.connect(str(marts)) as con:
            marts_fixture.add_event(con, "T3", "2026-03-10 09:30", "reopened")
        again = notify(marts, config)
        assert again.sent == 1
        assert "Refund" in box.messages[1].get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-03-10 10:00", True),  # Tue 10:00 GMT
        ("2026-03-10 08:59", False),
        ("2026-03-10 17:30", False),  # the range's end is exclusive
        ("2026-03-14 12:00", False),  # Saturday
        ("2026-07-07 08:30", True),  # 09:30 BST
        ("2026-12-25 12:00", False),  # a holiday below
    ],
)
def test_quiet_hours_follow_the_mailbox_local_hours(config, tmp_path, instant, expected):
    mailbox = config.mailboxes[0].model_copy(update={"holidays": [dt.date(2026, 12, 25)]})
    assert is_open(mailbox, marts_fixture.ts(instant)) is expected


def test_alerts_are_held_while_the_mailbox_is_closed_unless_the_rule_says(tmp_path, monkeypatch):
    evening = marts_fixture.build(tmp_path / "mailkpi.duckdb", marts_fixture.ts("2026-03-10 19:00"))
    rules_ = [
        {"rule": "first_response_breached", "channels": ["managers"], "quiet_hours": False},
        {"rule": "turn_unanswered", "business_hours": 8, "channels": ["managers"]},
    ]
    config = write_config(tmp_path, alerts=rules_)
    with smtp_server() as (box, port):
        monkeypatch.setenv(CHANNEL_ENV, smtp_url(port))
        summary = notify(evening, config)
        assert (summary.sent, summary.held) == (2, 3)  # T3, T6 breached; three turns held
        # the next morning's build: the held alerts go out
        with duckdb.connect(str(evening)) as con:
            con.execute("update marts.dim_mailboxes set as_of = '2026-03-11 09:05+00'")
        assert notify(evening, config).sent == 3
        assert len(box.messages) == 2


def test_nothing_is_sent_or_recorded_without_a_channel_url(marts, config, monkeypatch):
    monkeypatch.delenv(CHANNEL_ENV, raising=False)
    summary = notify(marts, config)
    assert (summary.sent, summary.unconfigured) == (0, ["managers"])
    assert not ledger_path(marts).exists()
    assert summary.line() == "notifications: no channel has a URL (managers); nothing sent"


def test_the_ledger_lives_beside_the_duckdb_file(marts, config, monkeypatch):
    with smtp_server() as (_box, port):
        monkeypatch.setenv(CHANNEL_ENV, smtp_url(port))
        notify(marts, config)
    assert ledger_path(marts) == marts.with_name("mailkpi.notifications.sqlite")
    with duckdb.connect(str(marts), read_only=True) as con:
        tables = con.execute("select table_schema from information_schema.tables").fetchall()
    assert {t for (t,) in tables} == {"marts"}


def test_an_unassigned_spell_ends_when_the_count_drops_and_a_new_one_alerts(marts, tmp_path):
    config = write_config(tmp_path, alerts=[ALL_RULES[3]])  # more than 1 thread in `new`
    with opened(marts) as book, duckdb.connect(str(marts), read_only=True) as con:
        (first,) = rules.evaluate(con, config, book)[1]
    assert (first.count, first.episode) == (2, marts_fixture.AS_OF)
    with duckdb.connect(str(marts)) as con:  # Alice takes T2: one thread left in `new`
        con.execute("update marts.fct_threads set status = 'assigned' where conversation_id = 'T2'")
        con.execute("update marts.dim_mailboxes set as_of = '2026-03-10 10:15+00'")
    assert _evaluate(marts, config)[1] == []
    with duckdb.connect(str(marts)) as con:  # a new thread arrives at 10:20
        con.execute("update marts.fct_threads set status = 'new' where conversation_id = 'T2'")
        con.execute("update marts.dim_mailboxes set as_of = '2026-03-10 10:30+00'")
    (second,) = _evaluate(marts, config)[1]
    assert second.episode == marts_fixture.ts("2026-03-10 10:30")
    assert second.key != first.key


def test_a_rule_limited_to_other_mailboxes_raises_nothing_here(marts, tmp_path):
    limited = [{**rule, "mailboxes": ["sales@contoso.com"]} for rule in ALL_RULES]
    mailboxes = [*MAILBOXES, {"address": "sales@contoso.com"}]
    config = write_config(tmp_path, alerts=limited, mailboxes=mailboxes)
    assert _evaluate(marts, config)[1] == []
