"""`mailkpi build` against Microsoft Graph (our emulator): source chosen from the settings,
the real msgraph-sdk client, dlt, dbt, marts with hand-computed values."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from mailkpi.graph_emulator import DEFAULT_TOKEN, GraphEmulator
from tests.conftest import offline_env, run_mailkpi

pytestmark = pytest.mark.slow

SUPPORT = "support@contoso.com"
ALICE = "alice@contoso.com"
TEAM = f"""
defaults:
  timezone: Europe/London
  business_hours: {{mon: "09:00-17:30", tue: "09:00-17:30", wed: "09:00-17:30",
                   thu: "09:00-17:30", fri: "09:00-17:30"}}
  sla: {{first_response: {{minutes: 60, clock: business}}}}
mailboxes:
  - address: {SUPPORT}
    aliases: [help@contoso.com]
    agents: [{{address: {ALICE}, name: Alice, category: Alice}}]
    folders: {{resolved: [Archive]}}
"""
# Friday 2026-11-13 17:00 London (UTC in November) -> answered Monday 09:15: 45 business minutes.
# The emulator stamps sentDateTime 5 s before receivedDateTime, so the reply was sent 09:14:55.
ASKED = dt.datetime(2026, 11, 13, 17, 0, tzinfo=dt.UTC)
ANSWERED = dt.datetime(2026, 11, 16, 9, 15, tzinfo=dt.UTC)
FIVE_SECONDS = 5 / 60
# The tenant's clock (the question's move to the Archive) and the night that reads it.
TENANT_NOW = dt.datetime(2026, 11, 16, 11, 0, tzinfo=dt.UTC)
OBSERVED = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def graph():
    emulator = GraphEmulator(now=TENANT_NOW).start()
    emulator.add_mailbox(SUPPORT)
    yield emulator
    emulator.stop()


def graph_env(emulator: GraphEmulator, tmp_path) -> dict[str, str]:
    config = tmp_path / "mailkpi.yml"
    config.write_text(TEAM)
    return offline_env(
        MAILKPI_CONFIG=str(config),
        SOURCES__MSGRAPH__BASE_URL=emulator.base_url,
        SOURCES__MSGRAPH__CREDENTIALS__ACCESS_TOKEN=DEFAULT_TOKEN,
        MAILKPI_OBSERVED_AT=OBSERVED.isoformat(),
    )


def test_build_reads_graph_when_configured_and_computes_the_first_response(graph, tmp_path):
    conversation = "AAQkconv-friday"
    question = graph.add_message(
        SUPPORT,
        "inbox",
        subject="Invoice 4711 is wrong",
        sender="jane@fabrikam.com",
        received=ASKED,
        conversation_id=conversation,
        categories=["Alice", "Billing"],
    )
    graph.add_message(  # Send on Behalf: from the shared mailbox, sent by Alice
        SUPPORT,
        "sentitems",
        subject="RE: Invoice 4711 is wrong",
        sender=ALICE,
        from_address=SUPPORT,
        to=["jane@fabrikam.com"],
        received=ANSWERED,
        conversation_id=conversation,
    )
    graph.add_message(  # an out-of-office reply is not a customer turn
        SUPPORT,
        "inbox",
        subject="Automatic reply: RE: Invoice 4711 is wrong",
        sender="jane@fabrikam.com",
        received=ANSWERED + dt.timedelta(minutes=1),
        conversation_id=conversation,
        headers={"Auto-Submitted": "auto-replied"},
    )
    graph.move(SUPPORT, question, "archive")

    path = tmp_path / "graph.duckdb"
    result = run_mailkpi("build", "--duckdb", str(path), env=graph_env(graph, tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "demo" not in result.stderr
    # a few lines for a nightly job's mail: what was read per mailbox, the load, why the
    # build was a full refresh; dbt's node lines are in its log file; no teardown warnings
    assert [line.split(":")[0].split(" ")[0] for line in result.stderr.splitlines()] == [
        "reading",
        SUPPORT,
        "loaded",
        "full",
    ], result.stderr
    assert result.stdout.count("\n") == 1, result.stdout
    assert (
        result.stdout.strip()
        .splitlines()[-1]
        .startswith("mailkpi: built Microsoft Graph: 2 messages, 1 threads in 1 mailbox")
    )

    con = duckdb.connect(str(path), read_only=True)
    row = con.execute(
        """
        select initiated_by, first_responder, first_response_minutes,
               first_response_business_minutes, inbound_count, outbound_count,
               sla_first_response_status, status, assignee, topics
        from marts.fct_threads where conversation_id = ?
        """,
        [conversation],
    ).fetchall()
    con.close()
    (thread,) = row
    assert thread[2] == pytest.approx(2 * 24 * 60 + 16 * 60 + 15 - FIVE_SECONDS)
    assert thread[3] == pytest.approx(45 - FIVE_SECONDS)
    assert thread[:2] + thread[4:] == (
        "customer", ALICE, 1, 1, "met", "resolved", ALICE, ["Billing"],
    )  # fmt: skip
    # every page asked for immutable ids, and only the needed fields
    deltas = [r for r in graph.requests if "/messages/delta" in r.path]
    assert deltas and all('IdType="ImmutableId"' in r.headers.get("prefer", "") for r in deltas)


def test_denied_mailbox_fails_in_one_line_and_keeps_the_previous_file(graph, tmp_path, preloaded):
    path = tmp_path / "mailkpi.duckdb"
    graph.add_message(SUPPORT, "inbox", sender="jane@fabrikam.com", received=ASKED)
    env = graph_env(graph, tmp_path)
    assert preloaded.mailkpi("build", "--duckdb", str(path), env=env).returncode == 0
    before = path.read_bytes()

    graph.deny(SUPPORT)
    result = preloaded.mailkpi("build", "--duckdb", str(path), env=env)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"mailkpi: {SUPPORT}: ")
    assert "Mail.Read" in last
    assert DEFAULT_TOKEN not in result.stderr + result.stdout
    assert path.read_bytes() == before


def test_an_observed_time_without_its_offset_is_one_line(graph, tmp_path):
    path = tmp_path / "graph.duckdb"
    env = {**graph_env(graph, tmp_path), "MAILKPI_OBSERVED_AT": "2026-11-16 12:00"}
    result = run_mailkpi("build", "--duckdb", str(path), env=env)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == (
        "mailkpi: MAILKPI_OBSERVED_AT: '2026-11-16 12:00' is not an instant with its offset, "
        "like 2026-05-18T01:00:00Z"
    )
    assert not path.exists()
