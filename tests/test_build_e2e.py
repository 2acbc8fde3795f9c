"""The real build, end to end: CLI → dlt → DuckDB → dbt build → marts, on a small demo tenant."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from pipelines.demo import DEMO_END, demo_as_of
from tests.conftest import SMALL_DEMO_MESSAGES, run_mailkpi

pytestmark = pytest.mark.slow

# The contract's mart columns (interfaces.md); more columns are allowed.
CONTRACT = {
    "fct_threads": """mailbox_address conversation_id subject customer_address initiated_by
        first_inbound_at first_response_at first_responder first_response_minutes
        first_response_business_minutes last_response_at last_responder last_response_minutes
        last_response_business_minutes last_message_at resolved_at resolution_minutes
        resolution_business_minutes inbound_count outbound_count reopen_count assignee
        reassignment_count status sla_first_response_status sla_tier topics collision_turns
        awaiting_team_minutes waiting_on_customer_minutes""",
    "fct_replies": """mailbox_address conversation_id turn_started_at replied_at reply_minutes
        reply_business_minutes replied_by inbound_message_count is_collision""",
    "fct_messages": """mailbox_address conversation_id internet_message_id direction
        from_address responder received_at sent_at folder_name""",
    "agg_agent_daily": "replies threads_first_responded avg_reply_minutes median_reply_minutes",
    "dim_mailboxes": "",
    "dim_agents": "",
}
PERIOD_COLUMNS = """period_start inbound_messages outbound_messages new_threads turns answered_turns
    avg_reply_minutes median_reply_minutes p90_reply_minutes avg_first_response_minutes
    median_first_response_minutes avg_first_response_business_minutes sla_met_rate
    resolved_threads reopen_rate reassignment_rate collision_rate unanswered_turns"""
for grain in ("daily", "weekly", "monthly"):
    CONTRACT[f"agg_mailbox_{grain}"] = PERIOD_COLUMNS

# The build's as_of is the demo's last nightly load, in UTC whatever the machine's zone.
SUMMARY = re.compile(
    r"^mailkpi: built demo tenant: ([\d,]+) messages, ([\d,]+) threads in 2 mailboxes "
    rf"\(as of {demo_as_of(DEMO_END):%Y-%m-%d %H:%M} UTC\) -> (\S+) in \d+ s$"
)


@pytest.fixture(scope="module")
def marts(demo_duckdb):
    con = duckdb.connect(str(demo_duckdb), read_only=True)
    yield con
    con.close()


def columns(con, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = ?",
        [table],
    ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_marts_carry_the_contract_columns(marts, table):
    have = columns(marts, table)
    assert have, f"marts.{table} is missing"
    assert set(CONTRACT[table].split()) <= have
    assert marts.execute(f"select count(*) from marts.{table}").fetchall()[0][0] > 0


def test_every_row_names_a_configured_team_address(marts):
    for table in ("fct_threads", "fct_replies", "fct_messages", "agg_mailbox_daily"):
        addresses = {
            r[0]
            for r in marts.execute(f"select distinct mailbox_address from marts.{table}").fetchall()
        }
        assert addresses == {"support@contoso.com", "sales@contoso.com"}, table


def test_thread_status_and_sla_values_are_the_contracts(marts):
    statuses = {
        r[0] for r in marts.execute("select distinct status from marts.fct_threads").fetchall()
    }
    assert statuses <= {"new", "assigned", "awaiting_response", "waiting_on_customer", "resolved"}
    assert "resolved" in statuses
    sla = {
        r[0]
        for r in marts.execute(
            "select distinct sla_first_response_status from marts.fct_threads"
        ).fetchall()
    }
    assert sla <= {"met", "breached", "pending", None}
    assert {"met", "breached"} <= sla


def test_counts_agree_across_marts(marts):
    # every counted message of a thread is one fct_messages row
    mismatched = marts.execute(
        """
        select count(*) from marts.fct_threads as t
        left join (
            select mailbox_address, conversation_id, count(*) as n
            from marts.fct_messages group by all
        ) as m using (mailbox_address, conversation_id)
        where t.inbound_count + t.outbound_count <> coalesce(m.n, 0)
        """
    ).fetchall()[0][0]
    assert mismatched == 0
    # daily inbound messages add up to the inbound facts
    daily, facts = marts.execute(
        """
        select (select sum(inbound_messages) from marts.agg_mailbox_daily),
               (select count(*) from marts.fct_messages where direction = 'inbound')
        """
    ).fetchall()[0]
    assert daily == facts


def test_build_prints_one_summary_line_matching_the_marts(demo_build):
    path, stdout = demo_build
    match = SUMMARY.match(stdout.strip().splitlines()[-1])
    assert match, stdout[-500:]
    messages, threads = (int(g.replace(",", "")) for g in match.groups()[:2])
    assert match[3] == str(path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_messages").fetchall()[0][0] == messages
        assert con.execute("select count(*) from marts.fct_threads").fetchall()[0][0] == threads


def test_a_rerun_with_nothing_new_loads_nothing_and_leaves_the_marts(demo_duckdb, tmp_path):
    path = tmp_path / "kpi.duckdb"
    shutil.copyfile(demo_duckdb, path)  # the dlt state travels in the file
    with duckdb.connect(str(path), read_only=True) as con:
        before = con.execute("select * from marts.fct_threads order by all").fetchall()

    again = run_mailkpi(
        "build", "--source", "demo", "--demo-messages", str(SMALL_DEMO_MESSAGES),
        "--duckdb", str(path),
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select * from marts.fct_threads order by all").fetchall() == before
        loads = con.execute(
            "select count(distinct _dlt_load_id) from raw.message_observations"
        ).fetchall()[0][0]
    assert loads == 1


def test_without_credentials_build_says_it_builds_the_demo(tmp_path):
    result = run_mailkpi(
        "extract", "--demo-messages", "300", "--duckdb", str(tmp_path / "x.duckdb")
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "No Microsoft 365 credentials configured: building the bundled demo tenant" in (
        result.stderr
    )


def test_bad_config_fails_with_one_line_and_leaves_no_file(tmp_path):
    config = tmp_path / "mailkpi.yml"
    config.write_text("mailboxes:\n  - address: a@b.com\n    timezone: Mars/Olympus\n")
    path = tmp_path / "x.duckdb"
    result = run_mailkpi("build", "--config", str(config), "--duckdb", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "mailkpi: mailkpi.yml: mailboxes[0].timezone: unknown time zone 'Mars/Olympus' "
        "(use an IANA name such as Europe/London)"
    )
    assert not path.exists()
