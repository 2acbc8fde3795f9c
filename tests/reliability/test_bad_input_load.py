"""A Graph load with poisoned payloads: bad items are quarantined and counted, the rest loads.

Served by the emulator verbatim, read by the real Graph source through `mailkpi.build`
(extract and load into a staged copy, swapped in).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

import mailkpi.build
from mailkpi.graph_emulator import DEFAULT_TOKEN, GraphEmulator
from tests.msgraph.conftest import ALICE, BOB, SUPPORT, team_config

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
MASS_MAILING = [{"emailAddress": {"address": f"r{i}@example.org"}} for i in range(10_000)]
RECENT = (NOW - dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")


def message(n: int, **fields) -> dict:
    return {
        "id": f"AAMkbad{n:04d}",
        "conversationId": f"conv-bad-{n}",
        "internetMessageId": f"<bad{n}@fabrikam.com>",
        "subject": f"Case {n}",
        "from": {"emailAddress": {"address": f"c{n}@fabrikam.com"}},
        "sender": {"emailAddress": {"address": f"c{n}@fabrikam.com"}},
        "toRecipients": [{"emailAddress": {"address": SUPPORT}}],
        "ccRecipients": [],
        "receivedDateTime": RECENT,
        "sentDateTime": RECENT,
        "createdDateTime": RECENT,
        "lastModifiedDateTime": RECENT,
        "isDraft": False,
        "categories": [],
        "parentFolderId": "unknown",
        **fields,
    }


# (payload, quarantined?) — quarantined ones name their problem
PAYLOADS = [
    (message(1, subject="طلب رقم ١٠٤٢ وصل تالفاً"), False),  # right-to-left
    (message(2, subject="broken \udcff byte"), False),  # not valid UTF-8: kept, replaced
    (message(3, toRecipients=MASS_MAILING), False),
    (message(4, unknownField={"nested": [1, 2]}, flag=None), False),
    (message(5, subject=None, categories=None, ccRecipients=None), False),  # nulls: unknown
    (message(6, sentDateTime="4501-01-01T00:00:00Z"), True),  # Exchange's "never"
    (message(7, createdDateTime="1601-01-01T00:00:00Z"), True),
    (message(8, isDraft="no"), True),
    (message(9, toRecipients="support@contoso.com"), True),
    (message(10, categories=[1, 2]), True),
    (message(11, id=None), True),
    (message(12, sentDateTime=1747000000), True),
]  # fmt: skip


@pytest.fixture
def graph(monkeypatch):
    emulator = GraphEmulator().start()
    for address in (SUPPORT, ALICE, BOB):
        emulator.add_mailbox(address)
    monkeypatch.setenv("SOURCES__MSGRAPH__BASE_URL", emulator.base_url)
    monkeypatch.setenv("SOURCES__MSGRAPH__CREDENTIALS__ACCESS_TOKEN", DEFAULT_TOKEN)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.mark.slow
def test_poisoned_payloads_are_quarantined_and_the_load_goes_on(graph, tmp_path):
    for payload, _ in PAYLOADS:
        graph.add_raw_message(SUPPORT, "inbox", payload)
    # the same message twice in one round, and one in a folder deleted before the load
    duplicate = graph.add_message(SUPPORT, subject="Twice", received=NOW - dt.timedelta(days=1))
    graph.duplicate_items = True
    graph.add_folder(SUPPORT, "Old queue")
    graph.add_message(SUPPORT, "Old queue", subject="Orphan", received=NOW - dt.timedelta(days=2))
    graph.delete_folder(SUPPORT, "Old queue")

    path = tmp_path / "mailkpi.duckdb"
    summary = mailkpi.build.run(path, team_config(tmp_path), source="graph", do_transform=False)

    con = duckdb.connect(str(path), read_only=True)
    quarantined = dict(
        con.execute("select message_id, reason from raw.quarantined_items").fetchall()
    )
    loaded = {
        r[0]: r[1:]
        for r in con.execute(
            "select message_id, subject, recipient_count from raw.message_observations "
            "where not is_removed"
        ).fetchall()
    }
    con.close()
    expected_bad = [p.get("id") for p, bad in PAYLOADS if bad]
    assert len(quarantined) == len(expected_bad)
    assert set(quarantined) == set(expected_bad)
    assert all(reason and "\n" not in reason for reason in quarantined.values())
    assert "sentDateTime" in quarantined["AAMkbad0006"]
    for payload, bad in PAYLOADS:
        if not bad:
            assert payload["id"] in loaded, payload["id"]
    assert loaded["AAMkbad0001"][0] == "طلب رقم ١٠٤٢ وصل تالفاً"
    assert loaded["AAMkbad0002"][0] == "broken \ufffd byte"
    assert loaded["AAMkbad0003"][1] == 10_000  # counted; 500 kept
    assert duplicate in loaded
    assert summary.loaded.rows["quarantined_items"] == len(expected_bad)
