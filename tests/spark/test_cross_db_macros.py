"""Each cross-database macro gives the same, hand-computed answer on DuckDB and on Spark."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

# The Spark leg starts a JVM (skipped, with the reason, where Java or pyspark is missing):
# one per run, so on several xdist workers all of its tests go to the same one.
ENGINES = (
    "duckdb",
    pytest.param("spark", marks=[pytest.mark.slow, pytest.mark.xdist_group("spark")]),
)

# Test-only helpers, per engine: literals of a portable type and timestamps as text.
HELPERS = {
    "duckdb": "{% macro ts_text(x) %}strftime({{ x }}, '%Y-%m-%d %H:%M:%S'){% endmacro %}",
    "spark": "{% macro ts_text(x) %}date_format({{ x }}, 'yyyy-MM-dd HH:mm:ss'){% endmacro %}",
}
PRELUDE = """
{% macro instant(text) %}{{ safe_cast_as("'" ~ text ~ "'", 'instant') }}{% endmacro %}
{% macro local(text) %}{{ safe_cast_as("'" ~ text ~ "'", 'local_timestamp') }}{% endmacro %}
{% macro day(text) %}cast('{{ text }}' as date){% endmacro %}
{% set NULL_INSTANT = "cast(null as " ~ sql_type('instant') ~ ")" %}
"""

# A mailbox's business-hours clock in miniature: contiguous segments, the last open-ended.
SEGMENTS = """
    select * from (values
        ('a', {{ instant('2026-11-23 00:00:00') }}, 'closed'),
        ('a', {{ instant('2026-11-23 09:00:00') }}, 'open'),
        ('a', {{ instant('2026-11-23 17:30:00') }}, 'evening'),
        ('b', {{ instant('2026-11-23 12:00:00') }}, 'b-noon')
    ) as t (mailbox, segment_start_at, label)
"""
POINTS = """
    select * from (values
        (1, 'a', {{ instant('2026-11-23 08:59:59') }}),
        (2, 'a', {{ instant('2026-11-23 09:00:00') }}),
        (3, 'a', {{ instant('2026-11-30 23:00:00') }}),
        (4, 'a', {{ instant('2026-11-22 23:59:59') }}),
        (5, 'a', {{ NULL_INSTANT }}),
        (6, 'c', {{ instant('2026-11-23 10:00:00') }}),
        (7, 'b', {{ instant('2026-11-23 12:00:00') }})
    ) as t (id, mailbox, ts)
"""


def normalize(value):
    if isinstance(value, Decimal | float):
        return round(float(value), 9)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return value


def query(engine: str, sql: str, duck, spark) -> list[tuple]:
    if engine == "duckdb":
        rows = duck.execute(sql).fetchall()
    else:
        rows = [tuple(row) for row in spark.sql(sql).collect()]
    return [tuple(normalize(v) for v in row) for row in rows]


@pytest.fixture(params=ENGINES)
def run(request, renderers, duck):
    """run(template) -> rows of the rendered query on one engine."""
    engine = request.param
    spark = request.getfixturevalue("spark") if engine == "spark" else None

    def run_template(template: str) -> list[tuple]:
        sql = renderers[engine].render(HELPERS[engine] + PRELUDE + template).strip()
        return query(engine, sql, duck, spark)

    return run_template


def test_utc_to_local_follows_daylight_saving(run):
    assert run("""
        select
            {{ ts_text(utc_to_local(instant('2026-03-29 00:30:00'), "'Europe/London'")) }},
            {{ ts_text(utc_to_local(instant('2026-03-29 01:30:00'), "'Europe/London'")) }},
            {{ ts_text(utc_to_local(instant('2026-07-01 12:00:00'), "'America/New_York'")) }}
    """) == [("2026-03-29 00:30:00", "2026-03-29 02:30:00", "2026-07-01 08:00:00")]


def test_local_to_utc_moves_gap_times_on_and_takes_the_second_repeated_time(run):
    assert run("""
        select
            {{ ts_text(local_to_utc(local('2026-07-01 09:00:00'), "'Europe/London'")) }},
            {{ ts_text(local_to_utc(local('2026-03-29 01:30:00'), "'Europe/London'")) }},
            {{ ts_text(local_to_utc(local('2026-10-25 01:30:00'), "'Europe/London'")) }},
            {{ ts_text(local_to_utc(local('2026-10-25 00:30:00'), "'Europe/London'")) }},
            {{ ts_text(local_to_utc(local('2026-04-05 01:45:00'), "'Australia/Lord_Howe'")) }}
    """) == [
        (
            "2026-07-01 08:00:00",  # BST
            "2026-03-29 01:30:00",  # 01:30 does not exist: 02:30 BST
            "2026-10-25 01:30:00",  # 01:30 happens twice: the GMT one
            "2026-10-24 23:30:00",  # just before the repeat: still BST
            "2026-04-04 15:15:00",  # half-hour repeat: +10:30, not +11
        )
    ]


def test_time_zone_can_be_a_column(run):
    assert run("""
        select {{ ts_text(utc_to_local('t.ts', 't.tz')) }}, {{ local_date('t.ts', 't.tz') }}
        from (values
            ({{ instant('2026-06-30 23:30:00') }}, 'Europe/Berlin'),
            ({{ instant('2026-06-30 23:30:00') }}, 'UTC'),
            ({{ instant('2026-07-01 03:00:00') }}, 'America/Los_Angeles')
        ) as t (ts, tz)
        order by 1
    """) == [
        ("2026-06-30 20:00:00", "2026-06-30"),
        ("2026-06-30 23:30:00", "2026-06-30"),
        ("2026-07-01 01:30:00", "2026-07-01"),
    ]


def test_minutes_between_is_exact_and_signed(run):
    assert run("""
        select
            {{ minutes_between(instant('2026-11-23 10:00:00'), instant('2026-11-23 11:30:30')) }},
            {{ minutes_between(instant('2026-11-23 11:30:30'), instant('2026-11-23 10:00:00')) }},
            {{ minutes_between(local('2026-03-28 23:00:00'), local('2026-03-29 03:00:00')) }},
            {{ minutes_between(instant('2026-11-23 10:00:00'), NULL_INSTANT) }}
    """) == [(90.5, -90.5, 240.0, None)]


def test_calendar_steps(run):
    assert run("""
        select
            {{ ts_text(plus_minutes(local('2026-03-28 23:30:00'), 90)) }},
            {{ ts_text(plus_minutes(local('2026-03-28 23:30:00'), -30)) }},
            {{ plus_days(day('2026-02-27'), 2) }},
            {{ days_between(day('2026-02-27'), day('2026-03-01')) }},
            {{ iso_day_of_week(day('2026-11-23')) }},
            {{ iso_day_of_week(day('2026-11-29')) }},
            {{ iso_week_start(day('2026-11-29')) }},
            {{ iso_week_start(day('2026-01-01')) }},
            {{ month_start(day('2026-02-27')) }}
    """) == [
        (
            "2026-03-29 01:00:00",
            "2026-03-28 23:00:00",
            "2026-03-01",
            2,
            1,
            7,
            "2026-11-23",
            "2025-12-29",
            "2026-02-01",
        )
    ]


def test_day_series_includes_both_ends_and_is_empty_when_reversed(run):
    assert run("""
        select t.k, {{ day_series('t.first_day', 't.last_day') }} as day
        from (values
            ('feb', {{ day('2026-02-27') }}, {{ day('2026-03-02') }}),
            ('one', {{ day('2026-05-05') }}, {{ day('2026-05-05') }}),
            ('none', {{ day('2026-05-05') }}, {{ day('2026-05-04') }})
        ) as t (k, first_day, last_day)
        order by 1, 2
    """) == [
        ("feb", "2026-02-27"),
        ("feb", "2026-02-28"),
        ("feb", "2026-03-01"),
        ("feb", "2026-03-02"),
        ("one", "2026-05-05"),
    ]


def test_percentiles_interpolate_and_ignore_nulls(run):
    assert run("""
        select
            {{ median_of('t.x') }},
            {{ percentile_of('t.x', 0.9) }},
            {{ median_of('case when t.x < 5 then t.x end') }}
        from (values (1.0), (2.0), (3.0), (4.0), (10.0), (null)) as t (x)
    """) == [(3.0, 7.6, 2.5)]


def test_sorted_distinct_list(run):
    assert run("""
        select t.g, {{ sorted_distinct_list('t.v') }}
        from (values ('x', 'b'), ('x', 'a'), ('x', 'b'), ('x', null), ('y', null)) as t (g, v)
        group by t.g
        order by t.g
    """) == [("x", ["a", "b"]), ("y", [])]


def test_lists_from_json_text(run):
    assert run("""
        select
            {{ text_list_from_json('t.j') }},
            {{ list_size(text_list_from_json('t.j')) }},
            {{ list_has(text_list_from_json('t.j'), "'b@x.com'") }},
            {{ list_to_text(text_list_from_json('t.j'), "', '") }}
        from (values (1, '["a@x.com", "b@x.com"]'), (2, '[]'), (3, null)) as t (id, j)
        order by t.id
    """) == [
        (["a@x.com", "b@x.com"], 2, True, "a@x.com, b@x.com"),
        ([], 0, False, ""),
        (None, None, None, None),
    ]


def test_safe_cast_gives_null_for_what_does_not_convert(run):
    assert run("""
        select
            {{ safe_cast_as("'42'", 'integer') }},
            {{ safe_cast_as("'forty-two'", 'integer') }},
            {{ safe_cast_as("'2026-11-31 10:00:00'", 'instant') }},
            {{ safe_cast_as(42, 'text') }}
    """) == [(42, None, None, "42")]


def test_asof_left_join_takes_the_segment_containing_the_instant(run):
    assert run(
        "with segments as (" + SEGMENTS + "), points as (" + POINTS + ")"
        """
        select p.id, clock.label
        from points as p
        {{ asof_left_join('segments', 'clock', 'p.mailbox', 'mailbox', 'p.ts',
                          'segment_start_at') }}
        order by p.id
        """
    ) == [
        (1, "closed"),
        (2, "open"),
        (3, "evening"),  # past the last start: the open-ended last segment
        (4, None),  # before the first segment
        (5, None),  # no instant
        (6, None),  # no segments for the key
        (7, "b-noon"),
    ]


def test_period_starts_step_by_week_and_month(run):
    assert run("""
        select t.period, {{ period_starts('t.first_start', 't.last_start', 'week') }} as start
        from (values
            ('week', {{ day('2026-02-23') }}, {{ day('2026-03-09') }}),
            ('none', {{ day('2026-03-09') }}, {{ day('2026-03-02') }})
        ) as t (period, first_start, last_start)
        union all
        select 'month', {{ period_starts(day('2025-12-01'), day('2026-02-01'), 'month') }}
        order by 1, 2
    """) == [
        ("month", "2025-12-01"),
        ("month", "2026-01-01"),
        ("month", "2026-02-01"),
        ("week", "2026-02-23"),
        ("week", "2026-03-02"),
        ("week", "2026-03-09"),
    ]


def test_integer_series_and_unnest_list(run):
    assert run("""
        select {{ integer_series(1, 3) }} as n
        order by 1
    """) == [(1,), (2,), (3,)]
    assert run("""
        select t.id, {{ unnest_list(text_list_from_json('t.j')) }} as element
        from (values (1, '["b", "a"]'), (2, '[]'), (3, null)) as t (id, j)
        order by 1, 2
    """) == [(1, "a"), (1, "b")]


def test_empty_list_and_overlap(run):
    assert run("""
        select
            coalesce(cast(null as {{ sql_type('text_list') }}), {{ empty_text_list() }}),
            {{ lists_overlap(text_list_from_json("'[\\"a\\", \\"b\\"]'"),
                             text_list_from_json("'[\\"b\\"]'")) }},
            {{ lists_overlap(text_list_from_json("'[\\"a\\"]'"), empty_text_list()) }}
    """) == [([], True, False)]


def test_last_non_null_carries_a_value_forward(run):
    assert run("""
        select
            t.n,
            {{ last_non_null('t.folder') }} over (
                partition by t.message order by t.n rows between unbounded preceding and current row
            ) as folder
        from (values (1, 'm', 'inbox'), (2, 'm', null), (3, 'm', 'done'), (4, 'm', null))
            as t (n, message, folder)
        order by t.n
    """) == [(1, "inbox"), (2, "inbox"), (3, "done"), (4, "done")]


def test_min_and_max_by_skip_null_values(run):
    assert run("""
        select
            t.g,
            {{ min_by_non_null('t.x', 't.n') }},
            {{ max_by_non_null('t.x', 't.n') }}
        from (values
            ('a', null, 1), ('a', 'b', 2), ('a', 'c', 3), ('a', null, 4), ('a', 'z', null),
            ('e', null, 1)
        ) as t (g, x, n)
        group by t.g
        order by t.g
    """) == [("a", "b", "c"), ("e", None, None)]


def test_min_of_a_struct_takes_the_smallest_row_field_by_field(run):
    assert run("""
        select picked.g, picked.smallest.rank, picked.smallest.name
        from (
            select t.g, min({{ struct_of({'rank': 't.rank', 'name': 't.name'}) }}) as smallest
            from (values ('a', 2, 'x'), ('a', 1, 'z'), ('a', 1, 'y'), ('b', 3, 'w'))
                as t (g, rank, name)
            group by t.g
        ) as picked
        order by picked.g
    """) == [("a", 1, "y"), ("b", 3, "w")]


def test_thread_id_is_60_bits_of_the_md5_of_mailbox_bar_conversation(run):
    # int(hashlib.md5("support@contoso.com|AAQkADAwATM=".encode()).hexdigest()[:15], 16), and
    # of "support@contoso.com|Ré: café" (UTF-8 bytes, so é is two bytes); a null half gives null
    assert run("""
        select {{ thread_id('t.mailbox', 't.conversation') }}
        from (values
            (1, 'support@contoso.com', 'AAQkADAwATM='),
            (2, 'support@contoso.com', 'Ré: café'),
            (3, 'support@contoso.com', null)
        ) as t (n, mailbox, conversation)
        order by t.n
    """) == [
        (994825503281453020,),
        (1002336574792703206,),
        (None,),
    ]
