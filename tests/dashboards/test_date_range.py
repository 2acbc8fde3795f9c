"""Tiles convert instants to local time one by one only where they must.

The date-range tests convert only instants near the range's ends, and a local time is the
UTC offset added unless the instant is in the hour of a DST change (or the window has
several). Both must give exactly what converting every instant gives, in time zones from
UTC-12 to UTC+14, with half- and quarter-hour offsets and across DST changes (Europe on 29
Mar 2026; Santiago and Lord Howe Island on 5 Apr, the latter by half an hour; the Azores,
whose clocks go back from 01:00 to midnight in autumn; Newfoundland on 1 Nov at 04:30 UTC,
inside a whole UTC hour).
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


def _disagreements(
    zone: str, test: str, exact: str, scope: Scope = SCOPE, kept: str | None = None
) -> tuple[int, int]:
    """Instants every 7 minutes from 12 days before to 5 days after the range, as
    (instants where `test` and `exact` differ, instants `kept` (`test`) keeps)."""
    sql = f"""
        with {queries._LOCAL_MAILBOXES},
        instants as (
            select unnest(generate_series(
                cast($start as timestamptz) - interval 12 day,
                cast($end as timestamptz) + interval 5 day,
                interval 7 minute
            )) as at
        )
        select
            count(*) filter (where ({test}) is distinct from ({exact})),
            count(*) filter (where {kept or test})
        from instants as i cross join mailboxes as m
    """
    params = queries._params(scope)
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_mailboxes as select 'box' as mailbox_address, ? as timezone",
            [zone],
        )
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
def test_open_ended_tests_agree_with_the_local_date(zone):
    after, _ = _disagreements(zone, queries._on_or_after_start("i.at"), f"{LOCAL_DATE} >= $start")
    before, _ = _disagreements(zone, queries._on_or_before_end("i.at"), f"{LOCAL_DATE} <= $end")
    assert (after, before) == (0, 0)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    "start",
    [dt.date(2026, 1, 5), dt.date(2026, 3, 29), dt.date(2026, 10, 28), dt.date(2026, 9, 20)],
    ids=["no change", "spring", "autumn", "autumn and spring"],
)
def test_local_time_is_the_conversion_of_every_instant(zone, start):
    days = 200 if start.month == 9 else 7
    scope = Scope(("box",), start, start + dt.timedelta(days=days))
    differ, _ = _disagreements(
        zone, queries._local_time("i.at"), "timezone(m.timezone, i.at)", scope, kept="true"
    )
    assert differ == 0
