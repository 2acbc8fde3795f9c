"""Faults: throttling, auth and permission errors, distribution lists, malformed payloads,
and secrets kept out of errors, logs and the DuckDB file."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import pytest

from mailkpi.errors import user_error
from pipelines.msgraph import is_configured
from tests.msgraph.conftest import ALICE, DAVE, NOW, SALES, SUPPORT, team_config


@pytest.mark.slow  # waits out Retry-After
def test_throttling_is_retried_after_retry_after(graph, team, warehouse):
    graph.add_message(SUPPORT, "inbox", received=NOW)
    graph.inject(429, "ApplicationThrottled", times=2, retry_after=1, match="/messages/delta")
    warehouse.load(team)

    statuses = [r.status for r in graph.requests if "/messages/delta" in r.path]
    assert statuses.count(429) == 2
    assert len(warehouse.observations(run=1)) == 1


def test_throttling_beyond_the_budget_ends_with_one_line(graph, team, warehouse, monkeypatch):
    monkeypatch.setenv("SOURCES__MSGRAPH__MAX_RETRY_WAIT_SECONDS", "1")
    graph.inject(503, "ServiceUnavailable", times=50, retry_after=2)
    with pytest.raises(Exception) as raised:
        warehouse.load(team)
    message = str(user_error(raised.value))
    assert message.startswith(f"{SUPPORT}: Graph kept answering HTTP 503")
    assert "\n" not in message


def test_at_most_four_requests_in_flight_per_mailbox(graph, team, warehouse):
    for i in range(6):
        graph.add_folder(SUPPORT, f"Queue {i}")
    graph.latency = 0.05
    warehouse.load(team)
    assert 1 < graph.max_in_flight[SUPPORT] <= 4


def test_refused_token_names_the_mailbox_not_the_token(graph, team, warehouse, monkeypatch):
    monkeypatch.setenv("SOURCES__MSGRAPH__CREDENTIALS__ACCESS_TOKEN", "wrong-token-value")
    with pytest.raises(Exception) as raised:
        warehouse.load(team)
    message = str(user_error(raised.value))
    assert message.startswith(f"{SUPPORT}: authentication failed (InvalidAuthenticationToken)")
    assert "wrong-token-value" not in message and "\n" not in message


def test_denied_mailbox_names_the_missing_permission(graph, team, warehouse):
    graph.deny(ALICE)
    with pytest.raises(Exception) as raised:
        warehouse.load(team)
    message = str(user_error(raised.value))
    assert message.startswith(f"{ALICE} (for {SUPPORT}): access denied (ErrorAccessDenied)")
    assert "Mail.Read" in message


def test_distribution_list_address_is_not_a_mailbox(graph, tmp_path, warehouse):
    graph.add_distribution_list(SALES)
    config = team_config(tmp_path, f"mailboxes: [{{address: {SALES}}}]\n")
    with pytest.raises(Exception) as raised:
        warehouse.load(config)
    message = str(user_error(raised.value))
    assert message.startswith(f"{SALES}: no mailbox at this address (ErrorInvalidUser)")
    assert "kind: distribution_list" in message


def test_distribution_list_reads_every_folder_of_each_agent(graph, tmp_path, warehouse):
    graph.add_mailbox(DAVE)
    graph.add_message(DAVE, "inbox", subject="To the list", to=[SALES], received=NOW)
    graph.add_message(DAVE, "sentitems", subject="Reply", sender=DAVE, received=NOW)
    graph.add_message(DAVE, "junkemail", subject="Spam", received=NOW)
    config = team_config(
        tmp_path,
        f"mailboxes: [{{address: {SALES}, kind: distribution_list,"
        f" agents: [{{address: {DAVE}}}]}}]\n",
    )
    warehouse.load(config)

    rows = warehouse.observations(run=1)
    assert sorted(r["subject"] for r in rows) == ["Reply", "To the list"]
    assert {(r["mailbox_address"], r["store_address"]) for r in rows} == {(SALES, DAVE)}


def test_malformed_payloads_are_quarantined_and_the_load_goes_on(graph, team, warehouse):
    sent = dt.datetime(2026, 5, 17, 9, 0, tzinfo=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    base = {"receivedDateTime": sent, "conversationId": "c1", "internetMessageId": "<m@x>"}
    many = [{"emailAddress": {"address": f"r{i}@fabrikam.com"}} for i in range(2000)]
    payloads = {
        "no-from": {**base, "id": "no-from", "subject": "s"},
        "null-subject": {**base, "id": "null-subject", "subject": None},
        "unknown-fields": {**base, "id": "unknown-fields", "sparkle": {"x": 1}},
        "huge": {**base, "id": "huge", "toRecipients": many},
        "wrong-type": {**base, "id": "wrong-type", "toRecipients": "everyone"},
        "bad-date": {**base, "id": "bad-date", "receivedDateTime": 12},
    }
    for payload in payloads.values():
        graph.add_raw_message(SUPPORT, "inbox", payload)
    graph.add_raw_message(SUPPORT, "inbox", {"subject": "no id at all"})
    graph.add_message(SUPPORT, "inbox", subject="Fine", received=NOW)
    warehouse.load(team)

    rows = {r["message_id"]: r for r in warehouse.observations(run=1)}
    assert {"no-from", "null-subject", "unknown-fields", "huge"} <= set(rows)
    assert rows["no-from"]["from_address"] is None
    assert rows["huge"]["recipient_count"] == 2000
    assert len(json.loads(rows["huge"]["to_addresses"])) == 500
    assert "Fine" in {r["subject"] for r in rows.values()}
    quarantined = warehouse.rows("select message_id, reason from raw.quarantined_items")
    assert sorted(str(m) for m, _ in quarantined) == ["None", "bad-date", "wrong-type"]


@pytest.mark.slow  # two loads
def test_secret_never_reaches_logs_or_the_duckdb_file(graph, team, warehouse, monkeypatch, caplog):
    secret = "tok-3b1f9c0e-very-secret"
    graph.token = secret
    monkeypatch.setenv("SOURCES__MSGRAPH__CREDENTIALS__ACCESS_TOKEN", secret)
    graph.add_message(SUPPORT, "inbox", received=NOW)
    with caplog.at_level(logging.DEBUG):
        warehouse.load(team)
        graph.expire_tokens()
        warehouse.load(team)
    assert warehouse.observations(run=1)
    assert secret not in caplog.text
    assert secret.encode() not in warehouse.path.read_bytes()
    assert "reading 1 mailbox(es)" in caplog.text and "1 new" in caplog.text


def test_any_setting_means_graph_is_configured(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .dlt/ here
    for name in [n for n in __import__("os").environ if n.startswith("SOURCES__MSGRAPH__")]:
        monkeypatch.delenv(name)
    assert not is_configured()
    monkeypatch.setenv("SOURCES__MSGRAPH__CREDENTIALS__CLIENT_ID", "11111111-2222")
    assert is_configured()


@pytest.mark.parametrize("headers", ["withhold", "refuse"])
def test_read_basic_loads_without_headers(graph, team, warehouse, caplog, headers):
    """Mail.ReadBasic.All: internetMessageHeaders absent, or a $select naming them refused
    (403); either way the mailbox loads, its rows marked as read without headers."""
    graph.add_message(SUPPORT, "inbox", received=NOW, headers={"Auto-Submitted": "auto-replied"})
    graph.grant_read_basic(SUPPORT, headers)
    with caplog.at_level(logging.WARNING, logger="mailkpi.msgraph"):
        warehouse.load(team)
    [row] = [r for r in warehouse.observations(run=1) if r["store_address"] == SUPPORT]
    assert (row["has_headers"], row["header_auto_submitted"]) == (False, None)
    refused = [r for r in caplog.messages if "refused internetMessageHeaders" in r]
    assert len(refused) == (1 if headers == "refuse" else 0)


def test_a_run_cut_short_by_the_retry_budget_keeps_the_folders_read(
    graph, team, warehouse, monkeypatch, caplog
):
    """Throttled past the budget in one folder: the folders read in full are kept with
    their delta links, the run says how far it got, and the next run reads the rest."""
    monkeypatch.setenv("SOURCES__MSGRAPH__MAX_RETRY_WAIT_SECONDS", "1")
    graph.add_message(SUPPORT, "inbox", subject="In the inbox", received=NOW)
    graph.add_message(SUPPORT, "archive", subject="Archived", received=NOW)
    archive = graph.folder_id(SUPPORT, "archive")
    # the Archive's round is answered last (the others are read meanwhile), with a wait
    # of 2 s: more than the whole budget
    graph.on_request(archive, lambda: time.sleep(1.0))
    graph.inject(429, "ApplicationThrottled", retry_after=2, match=archive)
    with caplog.at_level(logging.WARNING, logger="mailkpi.msgraph"):
        warehouse.load(team)
    assert [r["subject"] for r in warehouse.observations(run=1)] == ["In the inbox"]
    [warning] = [m for m in caplog.messages if "kept the" in m]
    assert warning.startswith(f"{SUPPORT}: Graph kept answering HTTP 429")
    assert "folders read in full, the others are read again next run" in warning

    warehouse.load(team)  # the Inbox from its delta link (nothing new), the Archive in full
    assert [r["subject"] for r in warehouse.observations(run=2)] == ["Archived"]
