"""Business minutes between two instants, through the clock macros (dbt/macros/business_clock.sql).

A config file goes through the real config tables into `int_business_clock`; the macros are
then compiled by dbt and run against it. Expectations are worked out by hand in the comments.
"""

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from mailkpi.config import load_config
from mailkpi.config_tables import write_config_tables
from pipelines.common.messages import OBSERVATION_SCHEMA

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"

CONFIG = """
defaults:
  timezone: Europe/London
  business_hours: {mon: "09:00-17:30", tue: "09:00-17:30", wed: "09:00-17:30",
                   thu: "09:00-17:30", fri: "09:00-17:30"}
  holidays: ["2026-12-25", "2026-12-28"]
mailboxes:
  - address: support@contoso.com
  - address: sales@contoso.com
    timezone: America/New_York
    business_hours: {mon: "08:00-12:00,13:00-17:00", tue: "08:00-12:00,13:00-17:00",
                     wed: "08:00-12:00,13:00-17:00", thu: "08:00-12:00,13:00-17:00",
                     fri: "08:00-12:00,13:00-17:00"}
"""

# (case, mailbox, start, end, business minutes); instants in UTC
CASES = [
    # Fri 23 Oct 17:00 BST -> Mon 26 Oct 09:15 GMT, summer time ends in between: 30 + 15
    ("friday_to_monday_across_london_dst", "support", "2026-10-23 16:00", "2026-10-26 09:15", 45),
    # Thu 24 Dec 17:00 -> Tue 29 Dec 09:30; Fri 25 and Mon 28 are holidays: 30 + 30
    ("across_holidays", "support", "2026-12-24 17:00", "2026-12-29 09:30", 60),
    # Sat 10:00 BST -> Sun 18:00 GMT, and a weekday night 18:00 -> 08:30 BST: never open
    ("weekend", "support", "2026-10-24 09:00", "2026-10-25 18:00", 0),
    ("weekday_night", "support", "2026-10-20 17:00", "2026-10-21 07:30", 0),
    # Tue 20 Oct 10:00 -> 11:45 BST
    ("inside_one_day", "support", "2026-10-20 09:00", "2026-10-20 10:45", 105),
    # Mon 19 Oct 11:00 -> 14:30 EDT around the 12:00-13:00 break: 60 + 90
    ("split_hours", "sales", "2026-10-19 15:00", "2026-10-19 18:30", 150),
    # Fri 30 Oct 16:00 EDT -> Mon 2 Nov 09:00 EST, summer time ends Sun 1 Nov: 60 + 60
    ("friday_to_monday_across_new_york_dst", "sales", "2026-10-30 20:00", "2026-11-02 14:00", 120),
    # a whole week Mon 00:00 -> Mon 00:00 BST: 5 x 510
    ("whole_week", "support", "2026-10-18 23:00", "2026-10-25 23:00", 2550),
    # equal instants, and an end before the start (a negative duration)
    ("same_instant", "support", "2026-10-20 12:00", "2026-10-20 12:00", 0),
    ("reversed", "support", "2026-10-20 10:45", "2026-10-20 09:00", -105),
]

QUERY = """
with cases as (
    select * from (values {values}) as cases (case_name, mailbox_address, start_at, end_at)
)
select
    cases.case_name,
    {{{{ business_minutes_between('start_clock', 'cases.start_at', 'end_clock', 'cases.end_at') }}}}
    as business_minutes
from cases
{{{{ business_clock_join('start_clock', 'cases.mailbox_address', 'cases.start_at') }}}}
{{{{ business_clock_join('end_clock', 'cases.mailbox_address', 'cases.end_at') }}}}
"""


def _dbt(args: list[str], tmp_path: Path, database: Path, monkeypatch) -> object:
    monkeypatch.setenv("MAILKPI_DUCKDB", str(database))
    common = ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    result = dbtRunner().invoke([*args, *common, "--target-path", str(tmp_path / "target")])
    assert result.success, result.exception
    return result.result


@pytest.mark.slow
def test_business_minutes_between_instants(tmp_path, monkeypatch):
    config_file = tmp_path / "mailkpi.yml"
    config_file.write_text(CONFIG)
    database = tmp_path / "clock.duckdb"
    con = duckdb.connect(str(database))
    as_of = dt.datetime(2026, 10, 20, tzinfo=dt.UTC)
    write_config_tables(con, load_config(config_file), as_of, "demo")
    con.execute("create schema raw")
    con.register("empty_observations", OBSERVATION_SCHEMA.empty_table())
    con.execute("create table raw.message_observations as select * from empty_observations")
    con.close()

    _dbt(["run", "--select", "+int_business_clock"], tmp_path, database, monkeypatch)
    values = ", ".join(
        f"('{name}', '{mailbox}@contoso.com', "
        f"timestamptz '{start}:00+00', timestamptz '{end}:00+00')"
        for name, mailbox, start, end, _ in CASES
    )
    shown = _dbt(
        ["show", "--inline", QUERY.format(values=values), "--limit", "-1"],
        tmp_path,
        database,
        monkeypatch,
    )
    got = {row[0]: row[1] for row in shown.results[0].agate_table.rows}
    assert got == {name: minutes for name, _, _, _, minutes in CASES}
