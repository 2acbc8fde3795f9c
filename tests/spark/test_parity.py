"""DuckDB and Spark build the same marts for the demo tenant: the comparison itself (fast,
no Spark) and the end-to-end parity of the two builds."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import requires_spark
from .parity import differences

UTC = dt.UTC
COLUMNS = ["mailbox_address", "period_start", "reply_minutes", "sla_met_rate", "topics"]


def mart(*rows: tuple) -> dict[str, tuple[list[str], list[tuple]]]:
    return {"agg_mailbox_daily": (COLUMNS, list(rows))}


ROW_A = ("a@x.com", dt.date(2026, 3, 2), 12.5, 0.5, ["billing"])
ROW_B = ("b@x.com", dt.date(2026, 3, 2), None, 1.0, [])


def test_builds_agree_despite_row_order_and_rounding_within_tolerance():
    spark_a = ("a@x.com", dt.date(2026, 3, 2), 12.505, 0.5000000001, ["billing"])
    assert differences(mart(ROW_A, ROW_B), mart(ROW_B, spark_a)) == []


def test_column_order_does_not_matter():
    reordered = {"agg_mailbox_daily": (COLUMNS[::-1], [ROW_A[::-1]])}
    assert differences(mart(ROW_A), reordered) == []


def test_minutes_beyond_a_hundredth_differ():
    spark_a = ("a@x.com", dt.date(2026, 3, 2), 12.52, 0.5, ["billing"])
    assert differences(mart(ROW_A), mart(spark_a)) == [
        f"agg_mailbox_daily.reply_minutes: 12.5 != 12.52 in row {ROW_A!r}"
    ]


def test_rates_must_agree_closely_and_text_lists_exactly():
    spark_a = ("a@x.com", dt.date(2026, 3, 2), 12.5, 0.51, ["billing", "refunds"])
    assert differences(mart(ROW_A), mart(spark_a)) == [
        f"agg_mailbox_daily.sla_met_rate: 0.5 != 0.51 in row {ROW_A!r}",
        f"agg_mailbox_daily.topics: ['billing'] != ['billing', 'refunds'] in row {ROW_A!r}",
    ]


def test_row_counts_and_missing_marts_are_reported():
    assert differences(mart(ROW_A, ROW_B), mart(ROW_A)) == ["agg_mailbox_daily: 2 rows != 1 rows"]
    assert differences(mart(ROW_A) | {"dim_agents": (["x"], [])}, mart(ROW_A)) == [
        "missing mart dim_agents"
    ]


@pytest.mark.slow
@pytest.mark.timeout(1800)  # a local Spark build takes 4-7 minutes, more on a busy machine
@requires_spark  # checked before the demo build is made
def test_demo_tenant_marts_are_the_same_on_duckdb_and_spark(demo_duckdb, tmp_path):
    from tests.conftest import SMALL_DEMO_MESSAGES, offline_env, run_mailkpi

    from .parity import duckdb_marts, spark_marts

    warehouse = tmp_path / "spark-warehouse"
    env = offline_env(
        MAILKPI_TARGET="spark",
        MAILKPI_LAKE=str(tmp_path / "lake"),
        MAILKPI_SPARK_WAREHOUSE=str(warehouse),
        MAILKPI_DUCKDB=str(tmp_path / "unused.duckdb"),
    )
    build = run_mailkpi(
        "build", "--source", "demo", "--demo-messages", str(SMALL_DEMO_MESSAGES),
        env=env, timeout=1800,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    assert differences(duckdb_marts(demo_duckdb), spark_marts(warehouse)) == []
