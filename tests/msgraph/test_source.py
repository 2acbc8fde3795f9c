"""The Graph source against the emulator: first and incremental loads, moves, category
changes, deletions, resyncs, folder discovery and exclusions."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import unquote

import pytest

from tests.msgraph.conftest import ALICE, BOB, NOW, SUPPORT

DAY = dt.timedelta(days=1)


def seed(graph, count: int = 12) -> list[str]:
    return [
        graph.add_message(
            SUPPORT,
            "inbox",
            subject=f"Question {i}",
            received=NOW - (i + 1) * DAY,
            headers={"Auto-Submitted": "auto-replied"} if i == 0 else None,
        )
        for i in range(count)
    ]


def delta_requests(graph, mailbox: str = SUPPORT):
    return [r for r in graph.requests if r.mailbox == mailbox and "/messages/delta" in r.path]


def test_first_load_reads_every_folder_but_the_excluded_ones(graph, team, warehouse):
    ids = seed(graph)
    escalations = graph.add_folder(SUPPORT, "Escalations", parent="inbox")
    graph.add_message(SUPPORT, "Inbox/Escalations", subject="Urgent", received=NOW - DAY)
    graph.add_message(SUPPORT, "junkemail", subject="Spam", received=NOW - DAY)
    graph.add_message(SUPPORT, "inbox", subject="Too old", received=NOW - 400 * DAY)
    graph.add_message(ALICE, "sentitems", subject="Re: Question 1", sender=ALICE)
    graph.add_message(ALICE, "inbox", subject="Alice's own mail", received=NOW - DAY)

    warehouse.load(team)

    rows = warehouse.observations(run=1)
    support = {r["message_id"] for r in rows if r["store_address"] == SUPPORT}
    assert support == {*ids, next(iter(_ids_in(graph, SUPPORT, escalations)))}
    assert [r["subject"] for r in rows if r["store_address"] == ALICE] == ["Re: Question 1"]
    assert all(r["mailbox_address"] == SUPPORT for r in rows)
    first = next(r for r in rows if r["message_id"] == ids[0])
    assert first["header_auto_submitted"] == "auto-replied"
    assert first["has_headers"] is True
    assert first["from_address"] == "customer@fabrikam.com"

    folders = warehouse.rows(
        "select store_address, folder_path, well_known_name, is_excluded from raw.mail_folders"
    )
    support_folders = {(p, wk, ex) for s, p, wk, ex in folders if s == SUPPORT}
    assert ("Inbox/Escalations", None, False) in support_folders
    assert ("Junk Email", "junkemail", True) in support_folders
    assert ("Inbox", "inbox", False) in support_folders
    assert {(s, p) for s, p, _, _ in folders if s != SUPPORT} == {
        (ALICE, "Sent Items"),
        (BOB, "Sent Items"),
    }
    junk = graph.folder_id(SUPPORT, "junkemail")
    assert not [r for r in delta_requests(graph) if junk in unquote(r.path)]


def _ids_in(graph, mailbox: str, folder_id: str) -> set[str]:
    return {
        m.immutable_id
        for m in graph.mailboxes[mailbox].messages.values()
        if m.folder_id == folder_id
    }


def test_every_page_request_prefers_immutable_ids_and_page_size(graph, team, warehouse):
    seed(graph, 12)
    warehouse.load(team)

    inbox = graph.folder_id(SUPPORT, "inbox")
    pages = [r for r in delta_requests(graph) if inbox in unquote(r.path)]
    assert len(pages) == 3  # 12 messages, 5 per page
    for request in pages:
        assert "odata.maxpagesize=5" in request.headers["prefer"]
        assert 'IdType="ImmutableId"' in request.headers["prefer"]
    first, *links = pages
    query = unquote(first.query)
    assert "$select=" in query and "internetMessageHeaders" in query
    assert re.search(r"\$filter=receivedDateTime ge 2025-11-19T13:00:00Z", query)
    for request in links:  # next links are used as given, no options added again
        assert "$select" not in request.query and "$filter" not in request.query


@pytest.mark.slow  # two loads
def test_second_run_without_changes_loads_no_observations(graph, team, warehouse):
    seed(graph, 7)
    warehouse.load(team)
    before = len(delta_requests(graph))
    warehouse.load(team)

    assert len(warehouse.observations(run=2)) == 0
    assert len(warehouse.observations(run=1)) == 7
    # one delta request per read folder: Inbox, Sent Items, Deleted Items, Archive
    assert len(delta_requests(graph)) - before == 4
    runs = warehouse.rows(
        "select messages_new, messages_changed, messages_removed, folders from raw.sync_runs "
        f"where store_address = '{SUPPORT}' order by run_started_at"
    )
    assert runs == [(7, 0, 0, 4), (0, 0, 0, 4)]


@pytest.mark.slow  # two loads
def test_new_mail_moves_category_changes_and_deletions(graph, team, warehouse):
    ids = seed(graph, 4)
    warehouse.load(team)

    new = graph.add_message(
        SUPPORT, "inbox", subject="Later", received=NOW + dt.timedelta(minutes=90)
    )
    graph.move(SUPPORT, ids[0], "archive")
    graph.categorize(SUPPORT, ids[1], ["Alice"])
    graph.delete(SUPPORT, ids[2], permanent=True)
    warehouse.load(team)

    rows = warehouse.observations(run=2)
    inbox = graph.folder_id(SUPPORT, "inbox")
    archive = graph.folder_id(SUPPORT, "archive")
    by_key = {(r["folder_id"], r["message_id"]): r for r in rows}
    assert set(by_key) == {
        (inbox, new),
        (inbox, ids[0]),
        (archive, ids[0]),
        (inbox, ids[1]),
        (inbox, ids[2]),
    }
    assert by_key[(inbox, ids[0])]["is_removed"] and by_key[(inbox, ids[0])]["removed_reason"]
    moved = by_key[(archive, ids[0])]
    assert not moved["is_removed"] and moved["subject"] == "Question 0"  # same immutable id
    partial = by_key[(inbox, ids[1])]
    assert json.loads(partial["categories"]) == ["Alice"]
    assert partial["subject"] is None and partial["from_address"] is None  # never blanked
    assert by_key[(inbox, ids[2])]["is_removed"]
    runs = warehouse.rows(
        "select messages_new, messages_changed, messages_removed from raw.sync_runs "
        f"where store_address = '{SUPPORT}' order by run_started_at"
    )
    assert runs[-1] == (1, 2, 2)


@pytest.mark.slow  # two loads
def test_expired_delta_tokens_resync_the_folder_with_a_marker(graph, team, warehouse):
    ids = seed(graph, 6)
    warehouse.load(team)
    graph.move(SUPPORT, ids[0], "deleteditems")
    graph.expire_tokens()
    warehouse.load(team)

    rows = warehouse.observations(run=2)
    inbox = graph.folder_id(SUPPORT, "inbox")
    in_inbox = [r for r in rows if r["folder_id"] == inbox]
    markers = [r for r in in_inbox if r["removed_reason"] == "resync"]
    assert len(markers) == 1 and markers[0]["message_id"] is None and markers[0]["is_removed"]
    assert {r["message_id"] for r in in_inbox if r["message_id"]} == set(ids[1:])
    resyncs = warehouse.rows(
        f"select sum(resyncs) from raw.sync_runs where store_address = '{SUPPORT}' "
        "and run_started_at = (select max(run_started_at) from raw.sync_runs)"
    )
    assert resyncs == [(4,)]  # every read folder of the mailbox lost its token


def test_gone_mid_round_restarts_the_folder_without_duplicates(graph, team, warehouse):
    ids = seed(graph, 12)
    graph.inject(410, "SyncStateNotFound", match="$skiptoken")
    warehouse.load(team)

    rows = warehouse.observations(run=1)
    inbox = graph.folder_id(SUPPORT, "inbox")
    seen = [r["message_id"] for r in rows if r["folder_id"] == inbox]
    assert sorted(seen) == sorted(ids)  # each once, though page one was read twice
    assert not [r for r in rows if r["removed_reason"] == "resync"]  # nothing to replace yet


def test_duplicates_within_a_round_are_loaded_once(graph, team, warehouse):
    ids = seed(graph, 12)
    graph.duplicate_items = True
    warehouse.load(team)
    seen = [r["message_id"] for r in warehouse.observations(run=1) if r["store_address"] == SUPPORT]
    assert sorted(seen) == sorted(ids)


@pytest.mark.slow  # two loads
def test_deleted_folder_gets_a_marker_and_is_no_longer_read(graph, team, warehouse):
    folder = graph.add_folder(SUPPORT, "Projects")
    graph.add_message(SUPPORT, "Projects", subject="Plan", received=NOW - DAY)
    warehouse.load(team)
    graph.delete_folder(SUPPORT, "Projects")
    warehouse.load(team)

    rows = warehouse.observations(run=2)
    assert [r["removed_reason"] for r in rows if r["folder_id"] == folder] == ["resync"]
    deleted = graph.folder_id(SUPPORT, "deleteditems")
    assert [r["subject"] for r in rows if r["folder_id"] == deleted] == ["Plan"]


def test_filter_cap_falls_back_to_an_unfiltered_round(graph, team, warehouse, monkeypatch):
    import pipelines.msgraph.sync as sync

    monkeypatch.setattr(sync, "FILTER_CAP", 8)
    graph.filter_cap = 8
    recent = seed(graph, 10)
    graph.add_message(SUPPORT, "inbox", subject="Old", received=NOW - 300 * DAY)
    warehouse.load(team)

    inbox = graph.folder_id(SUPPORT, "inbox")
    loaded = [r["message_id"] for r in warehouse.observations(run=1) if r["folder_id"] == inbox]
    assert sorted(loaded) == sorted(recent)
