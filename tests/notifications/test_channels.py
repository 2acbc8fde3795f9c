"""Channels with real receivers: what an alert says, a JSON webhook, a channel that is down or
hangs (one line, no URL, bounded, retried by the next run)."""

from __future__ import annotations

import logging
import time

import pytest

from mailkpi.notifications import notify
from mailkpi.notifications.ledger import opened

from .conftest import ALL_RULES, CHANNEL_ENV, write_config
from .servers import free_port, silent_server, smtp_server, smtp_url, webhook_server

SECRET = "s3cr3t-Pa55word"


def test_an_alert_says_what_to_do(marts, config, monkeypatch):
    with smtp_server() as (box, port):
        monkeypatch.setenv(CHANNEL_ENV, smtp_url(port))
        notify(marts, config)
    (mail,) = box.messages
    assert mail["To"] == "managers@contoso.com"
    assert mail["Subject"].startswith("mailkpi · Support (support@contoso.com): ")
    text = mail.get_body(("plain",)).get_content()
    # T2, at risk: 15 of 60 business minutes left, customer, since Tue 09:15 GMT, nobody
    t2 = text[text.index("First response due soon: Server down") :].split("\n\n")[0]
    assert "Customer: ceo@fabrikam.com" in t2
    assert "Waiting since: Tue 10 Mar 2026 09:15 GMT" in t2
    assert "15 min left of the 1 h 00 min target, Key accounts (business time)" in t2
    assert "Assignee: nobody" in t2
    assert "http://dash.example:8501/threads?mailbox=support%40contoso.com&conversation=T2" in t2
    # T4's open turn: 30 min over 8 h, assigned to Bob
    t4 = text[text.index("Customer waiting for a reply: Login loop") :].split("\n\n")[0]
    assert "30 min over the 8 h 00 min limit (business time)" in t4
    assert "Assignee: Bob Jones (bob@contoso.com)" in t4
    assert "Unassigned threads piling up: 2 threads nobody has taken" in text


def test_a_json_webhook_receives_the_alerts(marts, tmp_path, monkeypatch):
    config = write_config(tmp_path, alerts=ALL_RULES[:2])
    with webhook_server() as (posts, port):
        monkeypatch.setenv(CHANNEL_ENV, f"json://127.0.0.1:{port}/hooks/{SECRET}")
        summary = notify(marts, config)
    assert (summary.sent, summary.messages) == (3, 1)  # T2 at risk, T3 and T6 breached
    (post,) = posts
    assert post["path"] == f"/hooks/{SECRET}"
    assert "**First response overdue**: Refund" in post["json"]["message"]  # Markdown
    assert post["json"]["title"].endswith("1 × first response due soon, 2 × first response overdue")


def test_a_channel_that_is_down_is_one_line_without_its_url_and_retried(
    marts, config, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG, "mailkpi")
    port = free_port()  # nothing listens
    monkeypatch.setenv(CHANNEL_ENV, smtp_url(port, "mailkpi", SECRET))
    summary = notify(marts, config)
    assert summary.failed == {"managers": "connection refused"}
    assert summary.sent == 0
    ours = [r for r in caplog.records if r.name == "mailkpi"]
    assert [r.getMessage() for r in ours if r.levelno >= logging.WARNING] == [
        "notifications: channel managers: connection refused; 7 alerts wait for the next run"
    ]
    for text in ([r.getMessage() for r in ours], str(summary)):
        assert SECRET not in str(text) and str(port) not in str(text) and "mailto" not in str(text)
    with opened(marts) as book:
        assert book.delivered("managers") == set()
    # the channel is back: the next run delivers all seven, once
    with smtp_server() as (box, port):
        monkeypatch.setenv(CHANNEL_ENV, smtp_url(port))
        assert notify(marts, config).sent == 7
        assert notify(marts, config).sent == 0
    assert len(box.messages) == 1


@pytest.mark.parametrize("scheme", ["mailto", "json"])
def test_a_channel_that_hangs_costs_at_most_the_timeout(marts, config, monkeypatch, scheme):
    monkeypatch.setenv("MAILKPI_NOTIFY_TIMEOUT", "1.5")
    with silent_server() as port:
        url = smtp_url(port) if scheme == "mailto" else f"json://127.0.0.1:{port}/h"
        monkeypatch.setenv(CHANNEL_ENV, url)
        started = time.monotonic()
        summary = notify(marts, config)
        elapsed = time.monotonic() - started
    assert summary.failed == {"managers": "timed out"}
    # one message attempted, the channel then skipped: the bound plus the rules' own second
    assert elapsed < 1.5 + 3, elapsed


def test_the_url_may_come_from_the_secrets_file(marts, tmp_path, monkeypatch):
    config = write_config(tmp_path, alerts=ALL_RULES[1:2], channel_env="MAILKPI_TEST_UNSET")
    monkeypatch.delenv("MAILKPI_TEST_UNSET", raising=False)
    with smtp_server() as (box, port):
        # dlt reads .dlt/secrets.toml and its environment spelling alike
        monkeypatch.setenv("MAILKPI__CHANNELS__MANAGERS", smtp_url(port))
        assert notify(marts, config).sent == 2
    assert len(box.messages) == 1


def test_a_build_knows_when_the_channels_need_the_secrets_file(tmp_path, monkeypatch):
    """`reads_secrets`: a transform imports dlt early (while dbt builds) only when an alert's
    channel has no URL in its environment variable."""
    from mailkpi.notifications import reads_secrets

    monkeypatch.delenv("MAILKPI_TEST_UNSET", raising=False)
    assert reads_secrets(write_config(tmp_path, channel_env="MAILKPI_TEST_UNSET"))
    monkeypatch.setenv("MAILKPI_TEST_UNSET", "json://127.0.0.1:9/hook")
    assert not reads_secrets(write_config(tmp_path, channel_env="MAILKPI_TEST_UNSET"))
    monkeypatch.delenv("MAILKPI_TEST_UNSET")
    assert not reads_secrets(write_config(tmp_path, alerts=[], channel_env="MAILKPI_TEST_UNSET"))
