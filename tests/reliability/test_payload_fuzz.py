"""Seeded random damage to Graph message payloads: a row that loads, or MalformedMessage.

Whatever a delta page holds, `observation_row` either returns a row that fits the raw
table's arrow schema, or raises MalformedMessage (the source then quarantines the item
and the rest of the load goes on); `quarantine_row` accepts anything at all.
"""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest

from pipelines.common.messages import (
    MAX_RECIPIENTS,
    MalformedMessage,
    observation_row,
    observations_table,
    quarantine_row,
    quarantine_table,
)

SEED = 8
CASES = 3000
OBSERVED_AT = dt.datetime(2026, 11, 16, 1, tzinfo=dt.UTC)
WHERE = {
    "observed_at": OBSERVED_AT,
    "mailbox_address": "support@contoso.com",
    "store_address": "support@contoso.com",
    "folder_id": "AAMkInbox",
}
MESSAGE = {
    "@odata.etag": 'W/"CQAAABYAAAB"',
    "id": "AAMkAGI2TG93AAA=",
    "conversationId": "AAQkAGI2conv",
    "internetMessageId": "<CAF1@mail.fabrikam.com>",
    "subject": "Order 1042 arrived damaged",
    "from": {"emailAddress": {"name": "Pat Doe", "address": "Pat@Fabrikam.com"}},
    "sender": {"emailAddress": {"name": "Pat Doe", "address": "pat@fabrikam.com"}},
    "toRecipients": [{"emailAddress": {"name": "Support", "address": "support@contoso.com"}}],
    "ccRecipients": [],
    "receivedDateTime": "2026-11-12T09:12:00Z",
    "sentDateTime": "2026-11-12T09:11:58Z",
    "createdDateTime": "2026-11-12T09:12:00Z",
    "lastModifiedDateTime": "2026-11-12T09:12:01Z",
    "isDraft": False,
    "categories": ["Alice"],
    "parentFolderId": "AAMkInbox",
    "internetMessageHeaders": [
        {"name": "Auto-Submitted", "value": "no"},
        {"name": "Received", "value": "from mail.fabrikam.com"},
    ],
}
# Strings Graph can hand over: right-to-left, combining marks, emoji, control characters,
# and lone surrogates (JSON "\udcff" escapes decode to them; they are not valid UTF-8).
NASTY_STRINGS = [
    "طلب رقم ١٠٤٢ وصل تالفاً",
    "\u202eevil\u202c subject",
    "שלום עולם",
    "Z̤͔ͧ̑̓ä͖̭̈̇lg̮ͦ̂o",
    "📦💥",
    "nul\x00byte",
    "bad \udcff byte",
    "\ud800",
    "x" * 100_000,
    "",
    " ",
]
INSTANTS = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "1601-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "4501-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "2026-11-12T09:12:00.1234567Z",
    "2026-11-12",
    "2026-13-45T99:99:99Z",
    "yesterday",
    "",
]
MASS_MAILING = [{"emailAddress": {"address": f"r{i}@example.org"}} for i in range(10_000)]
WRONG_TYPES = [None, 0, 1.5, True, "", "text", [], [None], ["x"], {}, {"a": 1}, [{"a": 1}]]


def _paths(node, prefix=()):
    items = node.items() if isinstance(node, dict) else enumerate(node[:3])
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, (dict, list)):
            yield from _paths(value, (*prefix, key))


def mutate(message: dict, rng: random.Random):
    """Apply 1-3 random mutations to a copy of a message (or replace it outright)."""
    if rng.random() < 0.02:
        return rng.choice([None, "a string", 42, [MESSAGE], b"\xff\xfe"])
    message = copy.deepcopy(message)
    for _ in range(rng.randint(1, 3)):
        paths = list(_paths(message))
        if not paths:
            break
        path = rng.choice(paths)
        parent = message
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        action = rng.choice(["drop", "null", "wrong", "string", "instant", "unknown", "many"])
        if action == "drop":
            del parent[last]
        elif action == "null":
            parent[last] = None
        elif action == "wrong":
            parent[last] = rng.choice(WRONG_TYPES)
        elif action == "string":
            parent[last] = rng.choice(NASTY_STRINGS)
        elif action == "instant":
            key = rng.choice([k for k in MESSAGE if k.endswith("DateTime")])
            message[key] = rng.choice(INSTANTS)
        elif action == "unknown":
            message[rng.choice(["@odata.type", "flag", "body", "x-new"])] = rng.choice(
                WRONG_TYPES + NASTY_STRINGS
            )
        else:
            size = rng.choice([0, 501, 10_000])  # the first few get mutated: copy those
            message["toRecipients"] = copy.deepcopy(MASS_MAILING[:3]) + MASS_MAILING[3:size]
    return message


@pytest.mark.slow
def test_random_payloads_load_or_are_quarantined():
    rng = random.Random(SEED)
    rows, quarantined, reasons = [], [], set()
    for _ in range(CASES):
        item = mutate(MESSAGE, rng)
        try:
            rows.append(observation_row(item, **WHERE))
        except MalformedMessage as error:
            reason = str(error)
            assert reason and "\n" not in reason
            reasons.add(reason.split(" ")[0])
            quarantined.append(quarantine_row(item, reason, **WHERE))
    # every accepted row fits the table, every quarantined one its table
    assert observations_table(rows).num_rows == len(rows)
    assert quarantine_table(quarantined).num_rows == len(quarantined)
    for row in rows:
        for column in ("received_date_time", "sent_date_time"):
            if row[column] is not None:
                assert dt.datetime(1980, 1, 1, tzinfo=dt.UTC) <= row[column]
                assert row[column] <= OBSERVED_AT + dt.timedelta(days=366)
        assert row["to_addresses"] is None or len(row["to_addresses"]) <= MAX_RECIPIENTS
    # the mutator really exercised both outcomes
    assert len(rows) > CASES / 4
    assert len(quarantined) > CASES / 10


def test_a_mass_mailing_keeps_the_count_not_the_list():
    item = {
        **MESSAGE,
        "toRecipients": MASS_MAILING,
        "ccRecipients": [{"emailAddress": {"address": "cc@example.org"}}],
    }
    row = observation_row(item, **WHERE)
    assert len(row["to_addresses"]) == MAX_RECIPIENTS
    assert row["recipient_count"] == 10_001


def test_unknown_fields_are_ignored_and_rtl_subjects_kept():
    row = observation_row({**MESSAGE, "subject": NASTY_STRINGS[0], "x-new": {"a": 1}}, **WHERE)
    assert row["subject"] == "طلب رقم ١٠٤٢ وصل تالفاً"
    assert row["from_address"] == "pat@fabrikam.com"


def test_text_that_is_not_valid_utf8_is_replaced_not_fatal():
    row = observation_row({**MESSAGE, "subject": "bad \udcff byte"}, **WHERE)
    assert row["subject"] == "bad \ufffd byte"
    assert observations_table([row]).num_rows == 1


@pytest.mark.parametrize(
    "instant",
    ["0001-01-01T00:00:00+01:00", "1601-01-01T00:00:00Z", "4501-01-01T00:00:00Z", "yesterday"],
)
def test_impossible_dates_are_quarantined(instant):
    with pytest.raises(MalformedMessage, match="receivedDateTime"):
        observation_row({**MESSAGE, "receivedDateTime": instant}, **WHERE)


def test_a_clock_a_few_days_ahead_is_kept():
    row = observation_row({**MESSAGE, "sentDateTime": "2026-11-20T09:00:00Z"}, **WHERE)
    assert row["sent_date_time"] == dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


@pytest.mark.parametrize("item", [{}, {"id": None}, {"id": 7}, {"id": "\udcff"}, [], "x"])
def test_items_without_a_usable_id_are_malformed(item):
    with pytest.raises(MalformedMessage):
        observation_row(item, **WHERE)
    assert quarantine_table([quarantine_row(item, "no id", **WHERE)]).num_rows == 1
