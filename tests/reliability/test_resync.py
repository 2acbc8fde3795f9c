"""Re-reading a whole mailbox (`mailkpi build --resync MAILBOX`) changes no number.

Two files read the same Graph emulator at the same two instants; the second read of one
of them is a forced resync of the support mailbox. The resync really reads every message
again, and yet both files end with the same marts, row for row.
"""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

import mailkpi.build
import mailkpi.extract
from mailkpi.graph_emulator import DEFAULT_TOKEN, GraphEmulator
from tests.conftest import MAILKPI, ROOT, offline_env
from tests.msgraph.conftest import ALICE, BOB, SUPPORT, team_config
from tests.reliability.marts import counted_message_ids, mart_differences, resync_markers

FIRST = dt.datetime(2026, 5, 18, 1, tzinfo=dt.UTC)
SECOND = FIRST + dt.timedelta(days=1)


@pytest.fixture
def graph(monkeypatch):
    emulator = GraphEmulator(now=FIRST).start()
    for address in (SUPPORT, ALICE, BOB):
        emulator.add_mailbox(address)
    monkeypatch.setenv("SOURCES__MSGRAPH__BASE_URL", emulator.base_url)
    monkeypatch.setenv("SOURCES__MSGRAPH__CREDENTIALS__ACCESS_TOKEN", DEFAULT_TOKEN)
    try:
        yield emulator
    finally:
        emulator.stop()


def night(monkeypatch, graph: GraphEmulator, when: dt.datetime) -> None:
    """The next load observes Graph at `when`, the tenant's clock a minute before it."""
    monkeypatch.setenv(mailkpi.extract.OBSERVED_AT_ENV, when.isoformat())
    graph.now = when - dt.timedelta(minutes=1)


def conversation(graph: GraphEmulator, n: int, received: dt.datetime) -> None:
    conversation_id = f"conv-{n}"
    graph.add_message(
        SUPPORT,
        subject=f"Order {n}",
        sender=f"customer{n}@fabrikam.com",
        received=received,
        conversation_id=conversation_id,
        internet_message_id=f"<q{n}@fabrikam.com>",
        categories=["Alice"],
    )
    graph.add_message(
        ALICE,
        "sentitems",
        subject=f"RE: Order {n}",
        sender=ALICE,
        to=[f"customer{n}@fabrikam.com"],
        received=received + dt.timedelta(hours=2),
        conversation_id=conversation_id,
        internet_message_id=f"<a{n}@contoso.com>",
    )


def resync_and_compare(graph, tmp_path, monkeypatch, preloaded, *, spam_moved_to_junk: bool):
    """Load two files at FIRST and SECOND, the second load of one a forced resync."""
    config = team_config(tmp_path)
    night(monkeypatch, graph, FIRST)

    def load(path, **options):
        return mailkpi.build.run(
            path, config, source="graph", do_transform=False, **options
        ).loaded.observations

    plain, resynced = (tmp_path / name / "mailkpi.duckdb" for name in ("plain", "resynced"))
    plain.parent.mkdir()
    resynced.parent.mkdir()
    for n in range(6):
        conversation(graph, n, FIRST - dt.timedelta(days=n + 1))
    assert load(plain) == load(resynced) == 12

    night(monkeypatch, graph, SECOND)
    conversation(graph, 9, FIRST + dt.timedelta(hours=3))
    if spam_moved_to_junk:  # between the loads: arrives in the inbox, a rule moves it on
        spam = graph.add_message(SUPPORT, subject="Spam", received=FIRST)
        graph.move(SUPPORT, spam, "junkemail")
    # the new conversation (and the spam's leaving the inbox, an @removed item)
    assert load(plain) == 2 + spam_moved_to_junk
    assert load(resynced, resync=(SUPPORT.upper(),)) > 12  # every message of the mailbox again

    for path in (plain, resynced):
        result = preloaded.mailkpi(
            "transform", "--config", str(config.path), "--duckdb", str(path), env=offline_env()
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    # fct_sync_runs records the loads themselves: a resync is a different load by design
    return mart_differences(plain, resynced, ignore=("fct_sync_runs",))


@pytest.mark.slow
def test_a_forced_resync_changes_no_number(graph, tmp_path, monkeypatch, preloaded):
    differences = resync_and_compare(
        graph, tmp_path, monkeypatch, preloaded, spam_moved_to_junk=False
    )
    assert differences == {}


@pytest.mark.slow
def test_a_forced_resync_changes_no_number_after_a_junk_rule(
    graph, tmp_path, monkeypatch, preloaded
):
    differences = resync_and_compare(
        graph, tmp_path, monkeypatch, preloaded, spam_moved_to_junk=True
    )
    assert differences == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "graph", "--resync", "nobody@contoso.com"], "is not a mailbox of"),
        (["--source", "demo", "--resync", "support@contoso.com"], "only Microsoft Graph"),
    ],
)
def test_resync_of_an_unknown_mailbox_or_the_demo_is_one_line(tmp_path, args, message):
    result = subprocess.run(
        [str(MAILKPI), "build", *args, "--duckdb", str(tmp_path / "x.duckdb")],
        cwd=ROOT,
        env=offline_env(SOURCES__MSGRAPH__BASE_URL="http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("mailkpi: --resync: ")
    assert message in result.stderr
    assert not (tmp_path / "x.duckdb").exists()


@pytest.mark.slow
def test_a_night_without_new_mail_still_moves_as_of(graph, tmp_path, monkeypatch):
    """as_of is the latest load, also when that load found nothing new (Graph)."""
    config = team_config(tmp_path)
    night(monkeypatch, graph, FIRST)
    path = tmp_path / "mailkpi.duckdb"
    conversation(graph, 1, FIRST - dt.timedelta(days=1))
    assert mailkpi.build.run(path, config, source="graph", do_transform=False).as_of == FIRST
    night(monkeypatch, graph, SECOND)
    quiet = mailkpi.build.run(path, config, source="graph", do_transform=False)
    assert quiet.loaded.observations == 0
    assert quiet.as_of == SECOND


@pytest.mark.slow
def test_a_night_after_graph_expired_the_delta_tokens_builds(
    graph, tmp_path, monkeypatch, preloaded
):
    """410 on every delta link: the night's build passes its tests and swaps in, its marts
    equal a from-scratch build of the same raw data, and every message is counted once."""
    preloaded.serving_builds(monkeypatch)  # the nightly dbt build with its tests, forked
    config = team_config(tmp_path)
    night(monkeypatch, graph, FIRST)
    path = tmp_path / "mailkpi.duckdb"
    for n in range(3):
        conversation(graph, n, FIRST - dt.timedelta(days=n + 1))
    mailkpi.build.run(path, config, source="graph")

    night(monkeypatch, graph, SECOND)
    graph.expire_tokens()
    conversation(graph, 7, FIRST + dt.timedelta(hours=3))
    built = mailkpi.build.run(path, config, source="graph")
    # every folder read of the three mailboxes was resynced: its marker and its messages
    # again (3 + 1 questions, 4 answers), and the night was swapped in
    assert built.as_of == SECOND
    assert built.loaded.observations > 8
    assert resync_markers(path) > 0
    assert counted_message_ids(path) == sorted(
        [f"<q{n}@fabrikam.com>" for n in (0, 1, 2, 7)]
        + [f"<a{n}@contoso.com>" for n in (0, 1, 2, 7)]
    )
    assert preloaded.rebuilt_differences(path) == {}
