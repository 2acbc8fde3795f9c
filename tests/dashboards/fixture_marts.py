"""A tiny hand-made `marts` schema: six threads in two mailboxes, small enough to count by hand.

As of 2026-03-31 12:00 UTC. Support (Europe/London, business hours 09:00-17:30 Mon-Fri) and
Sales (America/New_York). Times below are UTC; British Summer Time starts on 29 March.

  T1 support  customer 25 Mar 09:00, Alice 09:30 (30 min)               resolved 26 Mar
  T2 support  customer 26 Mar 16:00, Bob 27 Mar 10:00 (1080 / 150 bus.), customer again
              27 Mar 12:00, Alice and Bob both answer 13:00 (collision); reassigned once
  T3 support  customer 30 Mar 08:00, unanswered: first-response SLA breached
  T4 support  customer 20 Mar 10:00, Send As 11:00 (60), resolved 21 Mar, customer back on
              Sunday 22 Mar 10:00 (reopen), Alice Mon 23 Mar 09:30 (1410 / 30 bus.)
  T5 support  team writes 27 Mar 14:00, customer answers 15:00, unanswered
  T6 sales    customer 27 Mar 14:00, Dave 14:45 (45)                      resolved 28 Mar
  T7 support  customer 31 Mar 08:45, unanswered: 195 of its 240 minutes used (at risk)

Support assigns by category, Sales by responder. Besides the messages, the threads' timelines
(fct_thread_events) hold: T1 Alice's category and assignment 25 Mar 09:35, both messages moved
Inbox -> Done 26 Mar 10:00, resolving it; T2 Alice 26 Mar 16:30, reassigned to Bob 27 Mar
09:50; T3 category Billing 30 Mar 08:10; T4 Alice 20 Mar 10:30, moved to Done and resolved
21 Mar 09:00, reopened by the customer 22 Mar 10:00; T6 Dave at his reply, resolved 28 Mar
12:00 (idle). The per-agent reassignments and the threads per state and day follow from them.

The audit mart adds two messages that do not count: an out-of-office in T1 and a draft in T3.
Loads: support's store was read on 30 and 31 Mar, sales's on 31 Mar; one item quarantined.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

AS_OF = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
SUPPORT = "support@contoso.com"
SALES = "sales@contoso.com"
ALICE, BOB, CAROL, DAVE = (f"{n}@contoso.com" for n in ("alice", "bob", "carol", "dave"))
ZONES = {SUPPORT: "Europe/London", SALES: "America/New_York"}


def ts(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


THREAD_COLUMNS = {
    "mailbox_address": "varchar",
    "conversation_id": "varchar",
    "subject": "varchar",
    "customer_address": "varchar",
    "initiated_by": "varchar",
    "started_at": "timestamptz",
    "first_inbound_at": "timestamptz",
    "first_response_at": "timestamptz",
    "first_responder": "varchar",
    "first_response_minutes": "double",
    "first_response_business_minutes": "double",
    "last_response_at": "timestamptz",
    "last_responder": "varchar",
    "last_response_minutes": "double",
    "last_response_business_minutes": "double",
    "last_message_at": "timestamptz",
    "resolved_at": "timestamptz",
    "resolution_minutes": "double",
    "resolution_business_minutes": "double",
    "inbound_count": "integer",
    "outbound_count": "integer",
    "reopen_count": "integer",
    "assignee": "varchar",
    "reassignment_count": "integer",
    "status": "varchar",
    "sla_first_response_status": "varchar",
    "sla_tier": "varchar",
    "first_response_sla_minutes": "double",
    "first_response_sla_clock": "varchar",
    "topics": "varchar[]",
    "collision_turns": "integer",
    "awaiting_team_minutes": "double",
    "awaiting_team_business_minutes": "double",
    "waiting_on_customer_minutes": "double",
    # local dates (the mailbox's time zone) and the columns the semantic models read
    "started_date": "date",
    "first_inbound_date": "date",
    "first_response_date": "date",
    "resolved_date": "date",
    "customer_domain": "varchar",
    "customer_name": "varchar",
    "started_outside_hours": "boolean",
    "replies_to_resolve": "integer",
    "is_one_touch_resolution": "boolean",
}


def _local_day(at: dt.datetime, mailbox: str) -> dt.date:
    return at.astimezone(ZoneInfo(ZONES[mailbox])).date()


def _thread(conv, mailbox, subject, customer, first_in, first_out, responder, fr, fr_bus,
            last_msg, resolved, inbound, outbound, reopens, assignee, reassigned, status,
            sla, topics, initiated_by="customer", collisions=0, started=None,
            waited=(None, None)):  # fmt: skip
    target = {SUPPORT: 240, SALES: 120}[mailbox] if initiated_by == "customer" else None
    domain = customer.split("@")[1]
    # the threads resolved (T1, T4, T6) were resolved after one reply; T4 was reopened
    replies_to_resolve = 1 if resolved is not None and initiated_by == "customer" else None
    return {
        "mailbox_address": mailbox,
        "conversation_id": conv,
        "subject": subject,
        "customer_address": customer,
        "initiated_by": initiated_by,
        "started_at": started or first_in,
        "first_inbound_at": first_in,
        "first_response_at": first_out,
        "first_responder": responder,
        "first_response_minutes": fr,
        "first_response_business_minutes": fr_bus,
        "last_response_at": first_out,
        "last_responder": responder,
        "last_response_minutes": fr,
        "last_response_business_minutes": fr_bus,
        "last_message_at": last_msg,
        "resolved_at": resolved,
        "resolution_minutes": None if resolved is None else (resolved - first_in).seconds / 60,
        "resolution_business_minutes": None,
        "inbound_count": inbound,
        "outbound_count": outbound,
        "reopen_count": reopens,
        "assignee": assignee,
        "reassignment_count": reassigned,
        "status": status,
        "sla_first_response_status": sla,
        "sla_tier": None,
        "first_response_sla_minutes": target,
        "first_response_sla_clock": target and "business",
        "topics": topics,
        "collision_turns": collisions,
        "awaiting_team_minutes": waited[0],
        "awaiting_team_business_minutes": waited[1],
        "waiting_on_customer_minutes": None,
        "started_date": _local_day(started or first_in, mailbox),
        "first_inbound_date": _local_day(first_in, mailbox),
        "first_response_date": first_out and _local_day(first_out, mailbox),
        "resolved_date": resolved and _local_day(resolved, mailbox),
        "customer_domain": domain,
        "customer_name": domain,
        "started_outside_hours": None,
        "replies_to_resolve": replies_to_resolve,
        "is_one_touch_resolution": None if replies_to_resolve is None else reopens == 0,
    }


THREADS = [
    _thread("T1", SUPPORT, "Invoice copy", "ann@fabrikam.com", ts(25, 9), ts(25, 9, 30), ALICE,
            30, 30, ts(25, 9, 30), ts(26, 10), 1, 1, 0, ALICE, 0, "resolved", "met", ["billing"]),
    _thread("T2", SUPPORT, "Login fails", "ben@example.com", ts(26, 16), ts(27, 10), BOB,
            1080, 150, ts(27, 13), None, 2, 3, 0, BOB, 1, "waiting_on_customer", "met",
            ["technical"], collisions=1),
    _thread("T3", SUPPORT, "Refund please", "cat@example.com", ts(30, 8), None, None,
            None, None, ts(30, 8), None, 1, 0, 0, None, 0, "new", "breached", ["billing"],
            waited=(1680, 750)),
    _thread("T4", SUPPORT, "Wrong size", "dan@example.com", ts(20, 10), ts(20, 11), None,
            60, 60, ts(23, 9, 30), ts(21, 9), 2, 2, 1, ALICE, 0, "waiting_on_customer", "met",
            []),
    _thread("T5", SUPPORT, "Renewal offer", "eve@example.com", ts(27, 15), None, None,
            None, None, ts(27, 15), None, 1, 1, 0, None, 0, "awaiting_response", None, [],
            initiated_by="team", started=ts(27, 14)),
    _thread("T6", SALES, "Quote request", "fay@example.com", ts(27, 14), ts(27, 14, 45), DAVE,
            45, 45, ts(27, 14, 45), ts(28, 12), 1, 1, 0, DAVE, 0, "resolved", "met", []),
    _thread("T7", SUPPORT, "Cannot pay", "gil@example.com", ts(31, 8, 45), None, None,
            None, None, ts(31, 8, 45), None, 1, 0, 0, None, 0, "new", "pending", [],
            waited=(195, 195)),
]  # fmt: skip

REPLY_COLUMNS = {
    "mailbox_address": "varchar",
    "conversation_id": "varchar",
    "turn_started_at": "timestamptz",
    "replied_at": "timestamptz",
    "reply_minutes": "double",
    "reply_business_minutes": "double",
    "replied_by": "varchar",
    "inbound_message_count": "integer",
    "is_collision": "boolean",
    "turn_number": "integer",
    "initiated_by": "varchar",
    "turn_started_date": "date",
    "replied_date": "date",
    "turn_started_hour": "integer",
    "turn_started_iso_dow": "integer",
    "is_first_response": "boolean",
}
REPLIES = [
    (SUPPORT, "T1", ts(25, 9), ts(25, 9, 30), 30, 30, ALICE, 1, False, 1, "customer"),
    (SUPPORT, "T2", ts(26, 16), ts(27, 10), 1080, 150, BOB, 1, False, 1, "customer"),
    (SUPPORT, "T2", ts(27, 12), ts(27, 13), 60, 60, ALICE, 1, True, 2, "customer"),
    (SUPPORT, "T3", ts(30, 8), None, None, None, None, 1, None, 1, "customer"),
    (SUPPORT, "T4", ts(20, 10), ts(20, 11), 60, 60, None, 1, False, 1, "customer"),
    (SUPPORT, "T4", ts(22, 10), ts(23, 9, 30), 1410, 30, ALICE, 1, False, 2, "customer"),
    (SUPPORT, "T5", ts(27, 15), None, None, None, None, 1, None, 1, "team"),
    (SUPPORT, "T7", ts(31, 8, 45), None, None, None, None, 1, None, 1, "customer"),
    (SALES, "T6", ts(27, 14), ts(27, 14, 45), 45, 45, DAVE, 1, False, 1, "customer"),
]


def _local(at: dt.datetime, mailbox: str) -> dt.datetime:
    return at.astimezone(ZoneInfo(ZONES[mailbox]))


def _replies() -> list[tuple]:
    """REPLIES with the local dates of the turn's start and its answer, the local hour and
    ISO weekday of the start, and whether it is a customer-initiated thread's first turn."""
    return [
        (*r, _local_day(r[2], r[0]), r[3] and _local_day(r[3], r[0]), _local(r[2], r[0]).hour,
         _local(r[2], r[0]).isoweekday(), r[10] == "customer" and r[9] == 1)
        for r in REPLIES
    ]  # fmt: skip


MESSAGE_COLUMNS = {
    "mailbox_address": "varchar",
    "conversation_id": "varchar",
    "internet_message_id": "varchar",
    "direction": "varchar",
    "from_address": "varchar",
    "responder": "varchar",
    "received_at": "timestamptz",
    "sent_at": "timestamptz",
    "folder_name": "varchar",
}
LOCAL_MESSAGE_COLUMNS = {  # fct_messages' local calendar, as the semantic model reads it
    "message_date": "date",
    "received_date": "date",
    "sent_date": "date",
    "received_hour": "integer",
    "received_iso_dow": "integer",
    "received_hours_slot": "varchar",
    "is_received_outside_hours": "boolean",
}
AUDIT_COLUMNS = MESSAGE_COLUMNS | {
    "sender_address": "varchar",
    "message_at": "timestamptz",
    "subject": "varchar",
    "store_address": "varchar",
    "copy_count": "integer",
    "is_counted": "boolean",
    "excluded_reason": "varchar",
    "thread_sequence": "integer",
    "turn_number": "integer",
}
NOT_COUNTED = [  # (conversation, at, direction, from, folder, reason)
    ("T1", ts(25, 9, 5), "inbound", "mailer@fabrikam.com", "Inbox", "automated_subject"),
    ("T3", ts(30, 9), "outbound", "bob@contoso.com", "Drafts", "draft"),
]


def _messages() -> list[tuple]:
    """Counted messages: every turn's inbound start and every outbound answer."""
    outbound = [
        ("T1", ts(25, 9, 30), ALICE, "Archive"),
        ("T2", ts(27, 10), BOB, "Sent Items"),
        ("T2", ts(27, 13), ALICE, "Sent Items"),
        ("T2", ts(27, 13), BOB, "Sent Items"),
        ("T4", ts(20, 11), None, "Sent Items"),
        ("T4", ts(23, 9, 30), ALICE, "Sent Items"),
        ("T5", ts(27, 14), CAROL, "Sent Items"),
        ("T6", ts(27, 14, 45), DAVE, "Archive"),
    ]
    customers = {t["conversation_id"]: t["customer_address"] for t in THREADS}
    mailbox = {t["conversation_id"]: t["mailbox_address"] for t in THREADS}
    rows = [
        (box, c, f"<in-{c}-{i}@x>", "inbound", customers[c], None, at, at, "Inbox")
        for i, (box, c, at, *_) in enumerate(REPLIES)
    ]
    rows += [
        (mailbox[c], c, f"<out-{c}-{i}@x>", "outbound", who or mailbox[c], who, at, at, folder)
        for i, (c, at, who, folder) in enumerate(outbound)
    ]
    return rows


def _local_messages() -> list[tuple]:
    """_messages() with their local dates, hour and weekday (business hours not modelled)."""
    rows = []
    for row in _messages():
        at = _local(row[6], row[0])
        rows.append((*row, at.date(), at.date(), at.date(), at.hour, at.isoweekday(), None, None))
    return rows


def _audit() -> list[tuple]:
    """Every message of every thread: the counted ones in order, and the two left out."""
    subjects = {t["conversation_id"]: t["subject"] for t in THREADS}
    counted = sorted(_messages(), key=lambda m: (m[1], m[6]))
    rows, sequence = [], {}
    for box, conv, mid, direction, sender, responder, received, _sent, folder in counted:
        sequence[conv] = sequence.get(conv, 0) + 1
        rows.append((box, conv, mid, direction, sender, responder, received, received, folder,
                     sender, received, subjects[conv], box, 1, True, None, sequence[conv],
                     None))  # fmt: skip
    mailbox = {t["conversation_id"]: t["mailbox_address"] for t in THREADS}
    for i, (conv, at, direction, sender, folder, reason) in enumerate(NOT_COUNTED):
        rows.append((mailbox[conv], conv, f"<skip-{i}@x>", direction, sender, None, at, at,
                     folder, sender, at, f"Automatic reply: {subjects[conv]}", mailbox[conv], 1,
                     False, reason, None, None))  # fmt: skip
    return rows


def _backlog() -> list[tuple]:
    """agg_backlog_daily: per mailbox and local day, opened/resolved/reopened and open at
    the day's end (T4 resolved on 21 Mar and reopened on 22 Mar)."""
    reopened = {("T4", dt.date(2026, 3, 22))}
    rows = []
    for box in ZONES:
        threads = [t for t in THREADS if t["mailbox_address"] == box]
        day, last, open_count = dt.date(2026, 3, 1), _local_day(AS_OF, box), 0
        while day <= last:
            opened = sum(_local_day(t["started_at"], box) == day for t in threads)
            resolved = sum(
                t["resolved_at"] is not None and _local_day(t["resolved_at"], box) == day
                for t in threads
            )
            again = sum((t["conversation_id"], day) in reopened for t in threads)
            open_count += opened - resolved + again
            rows.append((box, day, opened, resolved, again, open_count))
            day += dt.timedelta(days=1)
    return rows


# (conversation, at, event_type, detail, agent): every event but the messages
EVENTS = [
    ("T1", ts(25, 9, 35), "categorized", "added Alice (2 messages)", None),
    ("T1", ts(25, 9, 35), "assigned", f"to {ALICE} (by category)", ALICE),
    ("T1", ts(26, 10), "moved", "Inbox → Done (2 messages)", None),
    ("T1", ts(26, 10), "resolved", "moved to a resolved folder", None),
    ("T2", ts(26, 16, 30), "assigned", f"to {ALICE} (by category)", ALICE),
    ("T2", ts(27, 9, 50), "reassigned", f"from {ALICE} to {BOB} (by category)", BOB),
    ("T3", ts(30, 8, 10), "categorized", "added Billing", None),
    ("T4", ts(20, 10, 30), "assigned", f"to {ALICE} (by category)", ALICE),
    ("T4", ts(21, 9), "moved", "Inbox → Done (2 messages)", None),
    ("T4", ts(21, 9), "resolved", "moved to a resolved folder", None),
    ("T4", ts(22, 10), "reopened", "the customer wrote again", None),
    ("T6", ts(27, 14, 45), "assigned", f"to {DAVE} (by responder)", DAVE),
    ("T6", ts(28, 12), "resolved", "no customer message within the idle time after this reply",
     None),
]  # fmt: skip
EVENT_ORDER = ["message_in", "message_out", "categorized", "moved", "assigned", "reassigned",
               "reopened", "resolved"]  # fmt: skip
THREAD_EVENT_COLUMNS = {
    "mailbox_address": "varchar",
    "conversation_id": "varchar",
    "event_number": "bigint",
    "event_at": "timestamptz",
    "event_type": "varchar",
    "detail": "varchar",
    "agent_address": "varchar",
}


def _thread_events() -> list[tuple]:
    """fct_thread_events: the counted messages and EVENTS, numbered per thread in time order."""
    mailbox = {t["conversation_id"]: t["mailbox_address"] for t in THREADS}
    events = [
        (conv, at, f"message_{'in' if direction == 'inbound' else 'out'}", f"from {sender}", who)
        for _box, conv, _id, direction, sender, who, at, *_ in _messages()
    ] + EVENTS
    events.sort(key=lambda e: (e[0], e[1], EVENT_ORDER.index(e[2]), e[3]))
    rows, number = [], {}
    for conv, at, kind, detail, agent in events:
        number[conv] = number.get(conv, 0) + 1
        rows.append((mailbox[conv], conv, number[conv], at, kind, detail, agent))
    return rows


def _reassignments() -> list[tuple]:
    """agg_agent_reassignments_daily from the assigned / reassigned events."""
    mailbox = {t["conversation_id"]: t["mailbox_address"] for t in THREADS}
    counts: dict[tuple, list[int]] = {}
    for conv, at, kind, detail, agent in EVENTS:
        if kind not in ("assigned", "reassigned"):
            continue
        day = _local_day(at, mailbox[conv])
        counts.setdefault((mailbox[conv], agent, day), [0, 0, 0])[kind == "reassigned"] += 1
        if kind == "reassigned":
            previous = detail.split()[1]
            counts.setdefault((mailbox[conv], previous, day), [0, 0, 0])[2] += 1
    return [(*key, *values) for key, values in sorted(counts.items())]


STATES = ("new", "assigned", "awaiting_response", "waiting_on_customer", "resolved")


def thread_states(box: str, day: dt.date) -> dict[str, str]:
    """Each thread's state at the end of a local day (metrics.md "Status", first match)."""
    done = [e for e in _thread_events() if e[0] == box and _local_day(e[3], box) <= day]
    states = {}
    for t in THREADS:
        if t["mailbox_address"] != box or _local_day(t["started_at"], box) > day:
            continue
        mine = [e for e in done if e[1] == t["conversation_id"]]
        kinds = [e[4] for e in mine]
        messages = [k for k in kinds if k.startswith("message_")]
        resolutions = [k for k in kinds if k in ("resolved", "reopened")]
        if resolutions and resolutions[-1] == "resolved":
            states[t["conversation_id"]] = "resolved"
        elif messages[-1] == "message_out":
            states[t["conversation_id"]] = "waiting_on_customer"
        elif "message_out" in messages:
            states[t["conversation_id"]] = "awaiting_response"
        elif "assigned" in kinds:
            states[t["conversation_id"]] = "assigned"
        else:
            states[t["conversation_id"]] = "new"
    return states


def _states_daily() -> list[tuple]:
    """agg_thread_states_daily: every state on every day from the mailbox's first thread."""
    rows = []
    for box in ZONES:
        day = min(_local_day(t["started_at"], box) for t in THREADS if t["mailbox_address"] == box)
        while day <= _local_day(AS_OF, box):
            states = list(thread_states(box, day).values())
            rows += [(box, day, state, states.count(state)) for state in STATES]
            day += dt.timedelta(days=1)
    return rows


SYNC_RUN_COLUMNS = {
    "mailbox_address": "varchar",
    "store_address": "varchar",
    "source_name": "varchar",
    "run_started_at": "timestamptz",
    "run_finished_at": "timestamptz",
    "messages_new": "integer",
    "messages_changed": "integer",
    "messages_removed": "integer",
    "resync_count": "integer",
}
SYNC_RUNS = [
    (SUPPORT, SUPPORT, "graph", ts(30, 1), ts(30, 1, 5), 10, 2, 0, 0),
    (SUPPORT, SUPPORT, "graph", ts(31, 1), ts(31, 1, 4), 4, 1, 1, 1),
    (SALES, DAVE, "graph", ts(31, 1), ts(31, 1, 2), 3, 0, 0, 0),
]
QUARANTINE_COLUMNS = {
    "mailbox_address": "varchar",
    "store_address": "varchar",
    "folder_id": "varchar",
    "message_id": "varchar",
    "observed_at": "timestamptz",
    "reason": "varchar",
    "payload": "varchar",
}
QUARANTINED = [(SUPPORT, SUPPORT, "inbox", "AAMk1", ts(31, 1), "sentDateTime in year 9999", "{}")]

DIM_MAILBOXES = [
    (SUPPORT, "Support", "shared_mailbox", ZONES[SUPPORT], 240, "business", AS_OF),
    (SALES, "Sales", "distribution_list", ZONES[SALES], 120, "business", AS_OF),
]
DIM_AGENTS = [
    (SUPPORT, ALICE, "Alice Smith", False),
    (SUPPORT, BOB, "Bob Jones", False),
    (SUPPORT, CAROL, "Carol White", False),
    (SALES, DAVE, "Dave Brown", False),
    (SUPPORT, None, "Shared mailbox", True),
    (SALES, None, "Shared mailbox", True),
]


def _create(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows) -> None:
    con.execute(f"create table marts.{name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"insert into marts.{name} values ({marks})", [tuple(r) for r in rows])


def build(path: Path) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        _create(con, "fct_threads", THREAD_COLUMNS, [t.values() for t in THREADS])
        _create(con, "fct_replies", REPLY_COLUMNS, _replies())
        _create(con, "fct_messages", MESSAGE_COLUMNS | LOCAL_MESSAGE_COLUMNS, _local_messages())
        _create(con, "fct_message_audit", AUDIT_COLUMNS, _audit())
        _create(con, "fct_sync_runs", SYNC_RUN_COLUMNS, SYNC_RUNS)
        _create(con, "fct_quarantined_items", QUARANTINE_COLUMNS, QUARANTINED)
        _create(
            con,
            "agg_backlog_daily",
            {"mailbox_address": "varchar", "period_start": "date", "opened_threads": "bigint",
             "resolved_threads": "bigint", "reopened_threads": "bigint",
             "open_threads": "bigint"},
            _backlog(),
        )  # fmt: skip
        _create(con, "fct_thread_events", THREAD_EVENT_COLUMNS, _thread_events())
        _create(
            con,
            "agg_agent_reassignments_daily",
            {"mailbox_address": "varchar", "agent_address": "varchar", "period_start": "date",
             "first_assignments": "bigint", "reassignments_in": "bigint",
             "reassignments_out": "bigint"},
            _reassignments(),
        )  # fmt: skip
        _create(
            con,
            "agg_thread_states_daily",
            {"mailbox_address": "varchar", "period_start": "date", "status": "varchar",
             "thread_count": "bigint"},
            _states_daily(),
        )  # fmt: skip
        _create(
            con,
            "dim_mailboxes",
            {"mailbox_address": "varchar", "mailbox_name": "varchar", "kind": "varchar",
             "timezone": "varchar", "first_response_sla_minutes": "double",
             "first_response_sla_clock": "varchar", "as_of": "timestamptz"},
            DIM_MAILBOXES,
        )  # fmt: skip
        _create(
            con,
            "dim_agents",
            {"mailbox_address": "varchar", "agent_address": "varchar", "agent_name": "varchar",
             "is_shared_mailbox": "boolean"},
            DIM_AGENTS,
        )  # fmt: skip
    finally:
        con.close()
    return path
