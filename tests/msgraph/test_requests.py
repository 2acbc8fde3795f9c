"""How many requests a first sync costs: one per delta page, plus the folder listing and
one $batch for the well-known names and the large folders' lookback counts."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import httpx
import pytest

from tests.msgraph.conftest import ALICE, NOW, SUPPORT, team_config

DAY = dt.timedelta(days=1)
ONLY_SUPPORT = f"mailboxes: [{{address: {SUPPORT}}}]\n"
# Read with the default exclusions: Inbox, Sent Items, Deleted Items, Archive.
READ_FOLDERS = 4


@pytest.fixture
def support_only(tmp_path):
    return team_config(tmp_path, ONLY_SUPPORT)


@pytest.fixture
def small_cap(graph, monkeypatch):
    """Graph's 5,000-message cap of a filtered delta round, scaled down to 8."""
    import pipelines.msgraph.folders as folders
    import pipelines.msgraph.sync as sync

    monkeypatch.setattr(folders, "FILTER_CAP", 8)
    monkeypatch.setattr(sync, "FILTER_CAP", 8)
    graph.filter_cap = 8


def inbox_deltas(graph):
    inbox = graph.folder_id(SUPPORT, "inbox")
    return [r for r in graph.requests if inbox in unquote(r.path) and "/delta" in r.path]


def requests_of_run(warehouse) -> int:
    return warehouse.rows("select requests from raw.sync_runs")[-1][0]


def test_small_mailbox_costs_its_pages_a_listing_and_one_batch(graph, support_only, warehouse):
    for i in range(12):
        graph.add_message(SUPPORT, "inbox", received=NOW - (i + 1) * DAY)
    warehouse.load(support_only)

    # 1 listing + 1 batch + 3 Inbox pages (12 messages, 5 a page) + 1 page each for
    # Sent Items, Deleted Items and Archive
    assert len(graph.requests) == requests_of_run(warehouse) == 1 + 1 + 3 + 3
    assert [r.path for r in graph.requests if r.method == "POST"] == ["/$batch"]
    assert sorted(r.path.rsplit("/", 1)[1] for r in graph.batch_items) == [
        "archive",
        "conversationhistory",
        "deleteditems",
        "drafts",
        "inbox",
        "junkemail",
        "outbox",
        "sentitems",
    ]  # the well-known names; small folders need no count
    assert "$filter=receivedDateTime ge" in unquote(inbox_deltas(graph)[0].query)
    assert len(warehouse.observations(run=1)) == 12


def test_large_folder_is_read_once_without_the_filter(graph, support_only, warehouse, small_cap):
    recent = [graph.add_message(SUPPORT, "inbox", received=NOW - (i + 1) * DAY) for i in range(10)]
    graph.add_message(SUPPORT, "inbox", subject="Old", received=NOW - 300 * DAY)
    warehouse.load(support_only)

    counts = [r for r in graph.batch_items if r.path.endswith("/messages")]
    assert len(counts) == 1 and "$count=true" in unquote(counts[0].query)
    deltas = inbox_deltas(graph)
    assert len(deltas) == 3  # 11 messages, 5 a page, read once
    assert "$filter" not in unquote(deltas[0].query)
    assert len(graph.requests) == requests_of_run(warehouse) == 1 + 1 + 3 + 3
    inbox = graph.folder_id(SUPPORT, "inbox")
    loaded = [r["message_id"] for r in warehouse.observations(run=1) if r["folder_id"] == inbox]
    assert sorted(loaded) == sorted(recent)  # the old one dropped here, not by Graph


def test_large_folder_with_little_recent_mail_keeps_the_filter(
    graph, support_only, warehouse, small_cap
):
    for i in range(10):
        graph.add_message(SUPPORT, "inbox", received=NOW - (300 + i) * DAY)
    recent = [graph.add_message(SUPPORT, "inbox", received=NOW - (i + 1) * DAY) for i in range(2)]
    warehouse.load(support_only)

    deltas = inbox_deltas(graph)
    assert len(deltas) == 1 and "$filter=receivedDateTime ge" in unquote(deltas[0].query)
    assert len(graph.requests) == 1 + 1 + 1 + 3
    inbox = graph.folder_id(SUPPORT, "inbox")
    loaded = [r["message_id"] for r in warehouse.observations(run=1) if r["folder_id"] == inbox]
    assert sorted(loaded) == sorted(recent)


@pytest.mark.slow  # two loads
def test_no_counts_once_a_folder_has_its_delta_link(graph, support_only, warehouse, small_cap):
    for i in range(10):
        graph.add_message(SUPPORT, "inbox", received=NOW - (i + 1) * DAY)
    warehouse.load(support_only)
    before = len(graph.batch_items)
    warehouse.load(support_only)
    assert all(not r.path.endswith("/messages") for r in graph.batch_items[before:])


def test_missing_well_known_folder_is_a_404_item_not_an_error(graph, support_only, warehouse):
    graph.delete_folder(SUPPORT, "archive")
    warehouse.load(support_only)

    archive = [r for r in graph.batch_items if r.path.endswith("/archive")]
    assert [r.status for r in archive] == [404]
    assert len(graph.requests) == 1 + 1 + (READ_FOLDERS - 1)
    folders = warehouse.rows("select well_known_name from raw.mail_folders")
    assert ("archive",) not in folders and ("inbox",) in folders


@pytest.mark.slow  # waits out Retry-After
def test_throttled_item_is_sent_again_alone_after_its_retry_after(graph, support_only, warehouse):
    graph.inject(429, "ApplicationThrottled", retry_after=1, match="/mailFolders/archive?")
    warehouse.load(support_only)

    assert [r.path for r in graph.requests if r.method == "POST"] == ["/$batch", "/$batch"]
    archive = [r for r in graph.batch_items if r.path.endswith("/archive")]
    assert [r.status for r in archive] == [429, 200]
    assert len(graph.batch_items) == 8 + 1  # the second batch holds only the throttled item
    assert len(graph.requests) == 1 + 2 + READ_FOLDERS
    folders = warehouse.rows("select well_known_name from raw.mail_folders")
    assert ("archive",) in folders


def test_emulator_batch_answers_each_request_on_its_own(graph):
    inbox = f"/users/{SUPPORT}/mailFolders/inbox"
    post = httpx.post(
        f"{graph.base_url}/$batch",
        headers={"Authorization": f"Bearer {graph.token}"},
        json={
            "requests": [
                {"id": "a", "method": "GET", "url": inbox},
                {"id": "b", "method": "GET", "url": f"/users/{SUPPORT}/mailFolders/nosuch"},
                {"id": "c", "method": "GET", "url": f"https://graph.microsoft.com/v1.0{inbox}"},
            ]
        },
    )
    assert post.status_code == 200
    answers = {r["id"]: r for r in post.json()["responses"]}
    assert set(answers["a"]) == {"id", "status", "headers", "body"}
    assert answers["a"]["status"] == 200
    assert answers["a"]["body"]["id"] == graph.folder_id(SUPPORT, "inbox")
    assert answers["b"]["status"] == 404
    assert answers["b"]["body"]["error"]["code"] == "ErrorItemNotFound"
    assert answers["c"]["status"] == 400  # batch URLs are relative to the version root

    too_many = [{"id": str(n), "method": "GET", "url": inbox} for n in range(21)]
    post = httpx.post(
        f"{graph.base_url}/$batch",
        headers={"Authorization": f"Bearer {graph.token}"},
        json={"requests": too_many},
    )
    assert post.status_code == 400


def test_emulator_caps_only_filtered_delta_not_counts(graph):
    for i in range(12):
        graph.add_message(SUPPORT, "inbox", received=NOW - (i + 1) * DAY)
    graph.filter_cap = 8
    base = f"{graph.base_url}/users/{SUPPORT}/mailFolders/inbox"
    auth = {"Authorization": f"Bearer {graph.token}", "Prefer": "odata.maxpagesize=50"}
    since = {"$filter": f"receivedDateTime ge {(NOW - 100 * DAY):%Y-%m-%dT%H:%M:%SZ}"}
    delta = httpx.get(f"{base}/messages/delta", params=since, headers=auth).json()
    assert len(delta["value"]) == 8
    count = httpx.get(
        f"{base}/messages", params={**since, "$count": "true", "$top": "1"}, headers=auth
    ).json()
    assert count["@odata.count"] == 12 and len(count["value"]) == 1
    assert httpx.get(f"{base}/messages/delta", headers=auth).json()["value"].__len__() == 12


def test_large_sent_items_of_an_agent_are_counted_then_read_once(graph, team, warehouse, small_cap):
    for i in range(10):
        graph.add_message(ALICE, "sentitems", sender=ALICE, received=NOW - (i + 1) * DAY)
    warehouse.load(team)

    alice = [r for r in graph.requests if r.mailbox == ALICE]
    # the Sent Items folder, its count, 2 delta pages (10 messages, 5 a page)
    assert [r.path.rsplit("/", 1)[1] for r in alice] == [
        "sentitems",
        "messages",
        "delta()",
        "delta",
    ]
    assert "$count=true" in unquote(alice[1].query)
    assert "$filter" not in unquote(alice[2].query)
    assert len(warehouse.observations(run=1)) == 10


@pytest.mark.slow  # waits out Retry-After
def test_throttled_batch_is_retried_and_counted_by_the_source(graph, support_only, warehouse):
    graph.inject(429, "ApplicationThrottled", retry_after=1, match="/$batch")
    warehouse.load(support_only)

    assert [r.status for r in graph.requests if r.method == "POST"] == [429, 200]
    assert len(graph.requests) == requests_of_run(warehouse) == 1 + 2 + READ_FOLDERS
