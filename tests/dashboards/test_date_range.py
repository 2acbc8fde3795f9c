"""The tiles' date-range tests convert only instants near the range's ends to local time.

They must keep exactly the instants whose local date is in the range, as converting every
instant does, in time zones from UTC-12 to UTC+14, with half- and quarter-hour offsets, and
across DST changes (Europe on 29 Mar 2026; Santiago and Lord Howe Island on 5 Apr, the
latter by half an hour; the Azores, whose clocks go back from 01:00 to midnight in autumn).
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from dashboards import queries
from dashboards.scope import Scope

ZONES = (
    "Etc/GMT+12",
    "Pacific/Kiritimati",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Europe/London",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Atlantic/Azores",
)
SCOPE = Scope(("box",), dt.date(2026, 3, 29), dt.date(2026, 4, 5))
PREVIOUS = SCOPE.previous()


def _disagreements(zone: str, test: str, exact: str) -> tuple[int, int]:
    """Instants every 7 minutes from 4 days before to 4 days after the range, as
    (instants where `test` and `exact` differ, instants `test` keeps)."""
    sql = f"""
        with m as (select '{zone}' as timezone),
        instants as (
            select unnest(generate_series(
                timestamptz '2026-03-17 00:00+00', timestamptz '2026-04-10 00:00+00',
                interval 7 minute
            )) as at
        )
        select
            count(*) filter (where ({test}) is distinct from ({exact})),
            count(*) filter (where {test})
        from instants as i cross join m
    """
    params = queries._params(SCOPE, prev_start=PREVIOUS.start, prev_end=PREVIOUS.end)
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
    with duckdb.connect() as con:
        return con.execute(sql, used).fetchone()


LOCAL_DATE = "cast(timezone(m.timezone, i.at) as date)"


@pytest.mark.parametrize("zone", ZONES)
def test_in_range_keeps_the_instants_of_the_range(zone):
    differ, kept = _disagreements(
        zone, queries._in_range("i.at"), f"{LOCAL_DATE} between $start and $end"
    )
    assert differ == 0
    assert kept > 8 * 24 * 60 / 7 - 20  # about eight days of instants (one short in spring)


@pytest.mark.parametrize("zone", ZONES)
def test_in_previous_range_keeps_the_instants_of_the_previous_period(zone):
    differ, kept = _disagreements(
        zone, queries._in_range("i.at", "prev_"), f"{LOCAL_DATE} between $prev_start and $prev_end"
    )
    assert (differ, kept > 0) == (0, True)


@pytest.mark.parametrize("zone", ZONES)
def test_open_ended_tests_agree_with_the_local_date(zone):
    after, _ = _disagreements(zone, queries._on_or_after_start("i.at"), f"{LOCAL_DATE} >= $start")
    before, _ = _disagreements(zone, queries._on_or_before_end("i.at"), f"{LOCAL_DATE} <= $end")
    assert (after, before) == (0, 0)
