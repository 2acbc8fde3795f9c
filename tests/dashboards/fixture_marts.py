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

Each mart has its dbt contract's columns (dbt/models/marts/<mart>.yml) with the contract's
types: the rows below name a value, or an explicit None, for every one of them, and building
the file fails on a column the contract has and the rows lack (or the other way round).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import jinja2
import yaml

MARTS = Path(__file__).resolve().parents[2] / "dbt" / "models" / "marts"
AS_OF = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
SUPPORT = "support@contoso.com"
SALES = "sales@contoso.com"
ALICE, BOB, CAROL, DAVE = (f"{n}@contoso.com" for n in ("alice", "bob", "carol", "dave"))


def ts(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


def _thread(conv, mailbox, subject, customer, first_in, first_out, responder, fr, fr_bus,
            last_msg, resolved, inbound, outbound, reopens, assignee, reassigned, status,
            sla, topics, initiated_by="customer", collisions=0, started=None,
            waited=(None, None)):  # fmt: skip
    target = {SUPPORT: 240, SALES: 120}[mailbox] if initiated_by == "customer" else None
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
        "waiting_on_customer_business_minutes": None,
        "is_resolved": status == "resolved",  # T4 was resolved, then reopened
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

# the last five, the local calendar of the turn and whether it is the first, from _replies()
REPLY_COLUMNS = ("mailbox_address", "conversation_id", "turn_started_at", "replied_at",
                 "reply_minutes", "reply_business_minutes", "replied_by", "inbound_message_count",
                 "is_collision", "turn_number", "initiated_by", "answer_count",
                 "turn_started_date", "replied_date", "turn_started_hour",
                 "turn_started_iso_dow", "is_first_response")  # fmt: skip
# answer_count: T2's second turn has Alice's and Bob's answers (the collision); an open turn 0
REPLIES = [
    (SUPPORT, "T1", ts(25, 9), ts(25, 9, 30), 30, 30, ALICE, 1, False, 1, "customer", 1),
    (SUPPORT, "T2", ts(26, 16), ts(27, 10), 1080, 150, BOB, 1, False, 1, "customer", 1),
    (SUPPORT, "T2", ts(27, 12), ts(27, 13), 60, 60, ALICE, 1, True, 2, "customer", 2),
    (SUPPORT, "T3", ts(30, 8), None, None, None, None, 1, None, 1, "customer", 0),
    (SUPPORT, "T4", ts(20, 10), ts(20, 11), 60, 60, None, 1, False, 1, "customer", 1),
    (SUPPORT, "T4", ts(22, 10), ts(23, 9, 30), 1410, 30, ALICE, 1, False, 2, "customer", 1),
    (SUPPORT, "T5", ts(27, 15), None, None, None, None, 1, None, 1, "team", 0),
    (SUPPORT, "T7", ts(31, 8, 45), None, None, None, None, 1, None, 1, "customer", 0),
    (SALES, "T6", ts(27, 14), ts(27, 14, 45), 45, 45, DAVE, 1, False, 1, "customer", 1),
]

MESSAGE_COLUMNS = ("mailbox_address", "conversation_id", "internet_message_id", "direction",
                   "from_address", "responder", "received_at", "sent_at", "folder_name",
                   "sender_address", "message_at", "subject", "copy_count")  # fmt: skip
# what fct_messages derives from received_at, sent_at and message_at in local time
LOCAL_MESSAGE_COLUMNS = ("message_date", "received_date", "received_hour", "received_iso_dow",
                         "received_hours_slot", "is_received_outside_hours",
                         "sent_date")  # fmt: skip
AUDIT_COLUMNS = (*MESSAGE_COLUMNS, "store_address", "is_counted", "excluded_reason",
                 "thread_sequence", "turn_number", "has_headers", "message_date")  # fmt: skip
# has_headers: T2's inbound messages came without internetMessageHeaders (as under
# Mail.ReadBasic.All), every other message with them
NOT_COUNTED = [  # (conversation, at, direction, from, folder, reason)
    ("T1", ts(25, 9, 5), "inbound", "mailer@fabrikam.com", "Inbox", "automated_subject"),
    ("T3", ts(30, 9), "outbound", "bob@contoso.com", "Drafts", "draft"),
]


def _messages() -> list[tuple]:
    """Counted messages: every turn's inbound start and every outbound answer, each one copy
    sent by its `from` (no Send on Behalf), received and sent at the same instant."""
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
    subjects = {t["conversation_id"]: t["subject"] for t in THREADS}
    rows = [
        (box, c, f"<in-{c}-{i}@x>", "inbound", customers[c], None, at, at, "Inbox",
         customers[c], at, subjects[c], 1)
        for i, (box, c, at, *_) in enumerate(REPLIES)
    ]  # fmt: skip
    rows += [
        (mailbox[c], c, f"<out-{c}-{i}@x>", "outbound", who or mailbox[c], who, at, at, folder,
         who or mailbox[c], at, subjects[c], 1)
        for i, (c, at, who, folder) in enumerate(outbound)
    ]  # fmt: skip
    return rows


def _local_message(message: tuple) -> tuple:
    box, direction, received, sent, at = message[0], message[3], message[6], message[7], message[10]
    local = received.astimezone(ZoneInfo(ZONES[box]))
    slot = _hours_slot(received, box) if direction == "inbound" else None
    return (_local_day(at, box), local.date(), local.hour, local.isoweekday(), slot,
            slot and slot != "open", _local_day(sent, box))  # fmt: skip


def _audit() -> list[tuple]:
    """Every message of every thread: the counted ones in order, and the two left out."""
    subjects = {t["conversation_id"]: t["subject"] for t in THREADS}
    counted = sorted(_messages(), key=lambda m: (m[1], m[6]))
    rows, sequence = [], {}
    for message in counted:
        box, conv = message[:2]
        sequence[conv] = sequence.get(conv, 0) + 1
        has_headers = message[3] == "outbound" or conv != "T2"
        rows.append((*message, box, True, None, sequence[conv], None, has_headers,
                     _local_day(message[10], box)))  # fmt: skip
    mailbox = {t["conversation_id"]: t["mailbox_address"] for t in THREADS}
    for i, (conv, at, direction, sender, folder, reason) in enumerate(NOT_COUNTED):
        rows.append((mailbox[conv], conv, f"<skip-{i}@x>", direction, sender, None, at, at,
                     folder, sender, at, f"Automatic reply: {subjects[conv]}", 1, mailbox[conv],
                     False, reason, None, None, True, _local_day(at, mailbox[conv])))  # fmt: skip
    return rows


def _threads() -> list[dict]:
    """THREADS with what follows from their messages and turns."""
    messages = sorted(_messages(), key=lambda m: m[10])
    rows = []
    for thread in THREADS:
        conv = thread["conversation_id"]
        turns = [r for r in REPLIES if r[1] == conv]
        replies = _replies_to_resolve(thread, messages)
        rows.append(
            thread
            | {
                "last_direction": [m[3] for m in messages if m[1] == conv][-1],
                "turn_count": len(turns),
                "answered_turn_count": sum(r[3] is not None for r in turns),
                "customer_domain": thread["customer_address"].split("@")[1],
                "customer_name": thread["customer_address"].split("@")[1],  # no customers map
                **{
                    f"{event}_date": _local_day(thread[f"{event}_at"], thread["mailbox_address"])
                    for event in (
                        "started",
                        "first_inbound",
                        "first_response",
                        "resolved",
                        "last_message",
                    )
                },
                # open threads' age as of the build, since the customer's first message
                "open_age_minutes": (
                    None
                    if thread["status"] == "resolved"
                    else (AS_OF - (thread["first_inbound_at"] or thread["last_message_at"]))
                    / dt.timedelta(minutes=1)
                ),
                "started_outside_hours": (
                    _hours_slot(thread["first_inbound_at"], thread["mailbox_address"]) != "open"
                    if thread["initiated_by"] == "customer"
                    else None
                ),
                "replies_to_resolve": replies,
                "is_one_touch_resolution": (
                    None if replies is None else replies == 1 and thread["reopen_count"] == 0
                ),
            }
        )
    return rows


def _replies_to_resolve(thread: dict, messages: list[tuple]) -> int | None:
    """Team replies after the first inbound message up to the first resolution (T4 resolved
    on 21 Mar after its one Send As reply: 1, though it was reopened later)."""
    if thread["initiated_by"] != "customer" or thread["resolved_at"] is None:
        return None
    first_resolved = {"T4": ts(21, 9)}.get(thread["conversation_id"], thread["resolved_at"])
    replies = sum(
        1
        for m in messages
        if m[1] == thread["conversation_id"]
        and m[3] == "outbound"
        and thread["first_inbound_at"] < m[10] <= first_resolved
    )
    return replies or None


def _replies() -> list[tuple]:
    """REPLIES with the local dates of the turn's start and its answer, the local hour and
    ISO weekday of the start, and whether it is a customer-initiated thread's first turn."""
    rows = []
    for r in REPLIES:
        started = r[2].astimezone(ZoneInfo(ZONES[r[0]]))
        rows.append((*r, started.date(), _local_day(r[3], r[0]), started.hour,
                     started.isoweekday(), r[10] == "customer" and r[9] == 1))  # fmt: skip
    return rows


def _local_day(at: dt.datetime | None, mailbox: str) -> dt.date | None:
    return at and at.astimezone(ZoneInfo(ZONES[mailbox])).date()


def _hours_slot(at: dt.datetime, mailbox: str) -> str:
    """Where a local instant falls against the mailbox's hours (one range a weekday, no
    holiday in March): open, before_opening, after_closing or closed_day."""
    local = at.astimezone(ZoneInfo(ZONES[mailbox]))
    opens, closes = OPENING_HOURS[mailbox]
    if local.isoweekday() > 5:
        return "closed_day"
    if local.time() < opens:
        return "before_opening"
    return "open" if local.time() < closes else "after_closing"


BACKLOG_COLUMNS = ("mailbox_address", "period_start", "opened_threads", "resolved_threads",
                   "reopened_threads", "open_threads")  # fmt: skip


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
THREAD_EVENT_COLUMNS = ("mailbox_address", "conversation_id", "event_number", "event_at",
                        "event_type", "detail", "agent_address")  # fmt: skip


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


REASSIGNMENT_COLUMNS = ("mailbox_address", "agent_address", "period_start", "first_assignments",
                        "reassignments_in", "reassignments_out")  # fmt: skip


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


STATE_COLUMNS = ("mailbox_address", "period_start", "status", "thread_count")


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


SYNC_RUN_COLUMNS = ("mailbox_address", "store_address", "source_name", "run_started_at",
                    "run_finished_at", "folder_count", "messages_new", "messages_changed",
                    "messages_removed", "request_count", "resync_count", "as_of")  # fmt: skip
SYNC_RUNS = [
    (SUPPORT, SUPPORT, "graph", ts(30, 1), ts(30, 1, 5), 6, 10, 2, 0, 8, 0, AS_OF),
    (SUPPORT, SUPPORT, "graph", ts(31, 1), ts(31, 1, 4), 6, 4, 1, 1, 9, 1, AS_OF),
    (SALES, DAVE, "graph", ts(31, 1), ts(31, 1, 2), 4, 3, 0, 0, 4, 0, AS_OF),
]
QUARANTINE_COLUMNS = ("mailbox_address", "store_address", "folder_id", "message_id",
                      "observed_at", "reason", "payload", "as_of")  # fmt: skip
QUARANTINED = [
    (SUPPORT, SUPPORT, "inbox", "AAMk1", ts(31, 1), "sentDateTime in year 9999", "{}", AS_OF)
]

ZONES = {SUPPORT: "Europe/London", SALES: "America/New_York"}
OPENING_HOURS = {  # Monday to Friday, as mailkpi.yml sets them
    SUPPORT: (dt.time(9), dt.time(17, 30)),
    SALES: (dt.time(8), dt.time(18)),
}
# as mailkpi.yml sets them
MAILBOX_COLUMNS = ("mailbox_address", "mailbox_name", "kind", "timezone", "assignment",
                   "agent_mailboxes", "aliases", "resolution_idle_hours",
                   "first_response_sla_minutes", "first_response_sla_clock",
                   "resolution_sla_minutes", "resolution_sla_clock", "first_loaded_at",
                   "last_loaded_at", "as_of")  # fmt: skip
FIRST_LOAD = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)
DIM_MAILBOXES = [
    (SUPPORT, "Support", "shared_mailbox", ZONES[SUPPORT], "categories", True,
     ["help@contoso.com"], 72, 240, "business", 2880, "business", FIRST_LOAD, AS_OF, AS_OF),
    (SALES, "Sales", "distribution_list", ZONES[SALES], "responders", True, [], 72, 120,
     "business", None, None, FIRST_LOAD, AS_OF, AS_OF),
]  # fmt: skip
AGENT_COLUMNS = ("mailbox_address", "agent_address", "agent_name", "category",
                 "is_shared_mailbox", "as_of")  # fmt: skip
DIM_AGENTS = [
    (SUPPORT, ALICE, "Alice Smith", "Alice", False, AS_OF),
    (SUPPORT, BOB, "Bob Jones", "Bob", False, AS_OF),
    (SUPPORT, CAROL, "Carol White", "Carol", False, AS_OF),
    (SALES, DAVE, "Dave Brown", None, False, AS_OF),
    (SUPPORT, None, "Shared mailbox", None, True, AS_OF),
    (SALES, None, "Shared mailbox", None, True, AS_OF),
]


def contract(mart: str) -> dict[str, str]:
    """The mart's contract: its columns, in order, and their DuckDB types."""
    document = yaml.safe_load((MARTS / f"{mart}.yml").read_text())
    (model,) = (m for m in document["models"] if m["name"] == mart)
    render = jinja2.Environment().from_string
    return {
        c["name"]: render(str(c["data_type"])).render(target={"type": "duckdb"})
        for c in model["columns"]
    }


def _with_thread_id(
    columns: tuple[str, ...], rows: list[tuple]
) -> tuple[tuple[str, ...], list[tuple]]:
    """A thread-grained mart's rows with their thread_id, as the dbt macro thread_id computes
    it: the first 60 bits of the md5 of mailbox_address, '|' and conversation_id."""
    mailbox, conversation = columns.index("mailbox_address"), columns.index("conversation_id")

    def key(row: tuple) -> int:
        return int(hashlib.md5(f"{row[mailbox]}|{row[conversation]}".encode()).hexdigest()[:15], 16)

    return (*columns, "thread_id"), [(*row, key(row)) for row in rows]


def marts() -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """Each fixture mart: the columns its rows give, and the rows (thread_id added to those of
    thread grain)."""
    return {
        mart: _with_thread_id(*columns_rows)
        if "conversation_id" in columns_rows[0]
        else columns_rows
        for mart, columns_rows in _marts_without_thread_id().items()
    }


def _marts_without_thread_id() -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    threads = _threads()
    return {
        "fct_threads": (tuple(threads[0]), [tuple(t.values()) for t in threads]),
        "fct_replies": (REPLY_COLUMNS, _replies()),
        "fct_messages": (
            (*MESSAGE_COLUMNS, *LOCAL_MESSAGE_COLUMNS),
            [(*m, *_local_message(m)) for m in _messages()],
        ),
        "fct_message_audit": (AUDIT_COLUMNS, _audit()),
        "fct_sync_runs": (SYNC_RUN_COLUMNS, SYNC_RUNS),
        "fct_quarantined_items": (QUARANTINE_COLUMNS, QUARANTINED),
        "agg_backlog_daily": (BACKLOG_COLUMNS, _backlog()),
        "fct_thread_events": (THREAD_EVENT_COLUMNS, _thread_events()),
        "agg_agent_reassignments_daily": (REASSIGNMENT_COLUMNS, _reassignments()),
        "agg_thread_states_daily": (STATE_COLUMNS, _states_daily()),
        "dim_mailboxes": (MAILBOX_COLUMNS, DIM_MAILBOXES),
        "dim_agents": (AGENT_COLUMNS, DIM_AGENTS),
    }


def contract_gaps() -> list[str]:
    """Where the fixture's columns and the contracts' differ: empty when they agree."""
    gaps = []
    for mart, (columns, _rows) in marts().items():
        expected = contract(mart)
        gaps += [f"{mart}.{c}: in the contract, not in the fixture" for c in expected
                 if c not in columns]  # fmt: skip
        gaps += [f"{mart}.{c}: in the fixture, not in the contract" for c in columns
                 if c not in expected]  # fmt: skip
    return gaps


def build(path: Path) -> Path:
    """The fixture marts as tables typed by their contracts, in the contracts' column order."""
    if gaps := contract_gaps():
        raise AssertionError("fixture marts differ from their contracts: " + "; ".join(gaps))
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        for mart, (columns, rows) in marts().items():
            types = contract(mart)
            con.execute(
                f"create table marts.{mart} ({', '.join(f'{c} {t}' for c, t in types.items())})"
            )
            if rows:
                names, marks = ", ".join(columns), ", ".join("?" for _ in columns)
                con.executemany(f"insert into marts.{mart} ({names}) values ({marks})", rows)
    finally:
        con.close()
    return path
