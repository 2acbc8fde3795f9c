"""The build's as_of is a UTC instant whatever the DuckDB session's (the machine's) zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from mailkpi.build import BuildSummary
from mailkpi.transform import data_as_of

LAST_LOAD = dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)


def test_as_of_is_read_in_utc_from_a_session_west_of_utc():
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'America/Los_Angeles'")  # DuckDB's default is the machine's
        con.execute("create schema raw")
        con.execute("create table raw.sync_runs (run_started_at timestamptz)")
        con.execute("insert into raw.sync_runs values (?)", [LAST_LOAD])
        as_of = data_as_of(con)
    assert as_of == LAST_LOAD
    assert as_of.utcoffset() == dt.timedelta(0)  # 17:00 on the 15th in Los Angeles
    summary = BuildSummary(Path("kpi.duckdb"), "demo", as_of, 10, 3, 1, 2.0, None)
    assert "(as of 2026-11-16 01:00 UTC)" in summary.line()


def test_nothing_loaded_has_no_as_of():
    with duckdb.connect() as con:
        assert data_as_of(con) is None
