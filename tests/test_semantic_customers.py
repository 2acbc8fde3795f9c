"""Customers, coverage and honest averages in the semantic layer, on the demo build.

The fact columns behind these metrics are checked by hand-computed dbt unit tests beside
fct_threads, fct_messages and agg_first_response_survival; here each metric, asked by name
through `mailkpi query`, must equal the same formula written directly over those columns,
and the Kaplan-Meier mart must equal an independent product-limit estimate in Python.
"""

from __future__ import annotations

import statistics

import duckdb
import pytest

from mailkpi.semantic import SemanticLayer
from tests import test_semantic_layer

pytestmark = pytest.mark.slow
built = test_semantic_layer.built  # the demo build, its semantic manifest parsed once
query_csv = test_semantic_layer.query_csv

NEW_METRICS = [
    "one_touch_resolution_rate",
    "replies_to_resolve_avg",
    "replies_to_resolve_median",
    "outside_hours_inbound_share",
]
NEW_GROUP_BY = [
    "customer_domain",
    "customer_name",
    "started_outside_hours",
    "received_iso_dow",
    "received_hour",
    "received_hours_slot",
]


def sql(built, statement: str) -> list[tuple]:
    con = duckdb.connect(str(built), read_only=True)
    try:
        return con.execute(statement).fetchall()
    finally:
        con.close()


def by_mailbox(rows: list[dict[str, str]], metric: str) -> dict[str, float]:
    return {r["mailbox"]: round(float(r[metric]), 6) for r in rows}


def test_the_new_names_exist(built):
    layer = SemanticLayer(built)
    assert set(NEW_METRICS) <= set(layer.metric_names)
    assert set(NEW_GROUP_BY) <= set(layer.group_by_names)


def test_resolution_quality_metrics_equal_their_fact_columns(built, capsys):
    rows = query_csv(built, capsys, "--metrics", ",".join(NEW_METRICS[:3]), "--group-by", "mailbox")
    expected = sql(
        built,
        "select mailbox_address, "
        "count(*) filter (where is_one_touch_resolution) / count(is_one_touch_resolution), "
        "avg(replies_to_resolve), median(replies_to_resolve) "
        "from marts.fct_threads where resolved_date is not null group by 1",
    )
    assert expected and len(expected) == 2
    for metric, column in zip(NEW_METRICS[:3], (1, 2, 3), strict=True):
        assert by_mailbox(rows, metric) == {r[0]: round(r[column], 6) for r in expected}
    # a real spread: some threads took more than one reply, many exactly one
    (spread,) = sql(
        built,
        "select count(*) filter (where replies_to_resolve = 1), "
        "count(*) filter (where replies_to_resolve >= 2) from marts.fct_threads",
    )
    assert spread[0] > 50 and spread[1] > 20


def test_outside_hours_share_equals_its_fact_column_by_mailbox_and_month(built, capsys):
    rows = query_csv(
        built, capsys, "--metrics", "outside_hours_inbound_share",
        "--group-by", "mailbox,metric_time__month",
    )  # fmt: skip
    expected = sql(
        built,
        "select mailbox_address, cast(date_trunc('month', message_date) as date)::varchar, "
        "count(*) filter (where is_received_outside_hours) / count(*) "
        "from marts.fct_messages where direction = 'inbound' group by 1, 2",
    )
    queried = {
        (r["mailbox"], r["metric_time__month"]): round(float(r["outside_hours_inbound_share"]), 6)
        for r in rows
    }
    assert queried == {(m, month): round(share, 6) for m, month, share in expected}
    # the demo has out-of-hours traffic: every mailbox and month has some
    assert len(queried) >= 12 and all(0.1 < share < 0.6 for share in queried.values())


def test_company_groups_its_domains(built, capsys):
    rows = query_csv(built, capsys, "--metrics", "new_threads", "--group-by", "customer_name")
    threads = {r["customer_name"]: int(r["new_threads"]) for r in rows}
    domains = dict(
        sql(
            built,
            "select customer_domain, count(*) from marts.fct_threads "
            "where customer_domain in ('fabrikam.com', 'fabrikam.co.uk') group by 1",
        )
    )
    # the demo's Fabrikam writes from both domains; mailkpi.yml makes them one company
    assert domains["fabrikam.com"] > 0 and domains["fabrikam.co.uk"] > 0
    assert threads["Fabrikam"] == domains["fabrikam.com"] + domains["fabrikam.co.uk"]
    assert "fabrikam.com" not in threads and "fabrikam.co.uk" not in threads
    assert threads["adatum.com"] > 0  # a domain in no company is named by itself


def test_first_response_of_threads_started_outside_hours_is_slower(built, capsys):
    rows = query_csv(
        built, capsys, "--metrics", "first_response_minutes_median",
        "--group-by", "mailbox,started_outside_hours",
    )  # fmt: skip
    queried = {
        (r["mailbox"], r["started_outside_hours"]): float(r["first_response_minutes_median"])
        for r in rows
        if r["started_outside_hours"]
    }
    expected = sql(
        built,
        "select mailbox_address, started_outside_hours::varchar, median(first_response_minutes) "
        "from marts.fct_threads where initiated_by = 'customer' "
        "and started_outside_hours is not null group by 1, 2",
    )
    assert {(m, s.capitalize()): round(v, 6) for m, s, v in expected} == {
        k: round(v, 6) for k, v in queried.items()
    }
    for mailbox in ("support@contoso.com", "sales@contoso.com"):
        # overnight mail waits for the morning
        assert queried[(mailbox, "True")] > 2 * queried[(mailbox, "False")]


def kaplan_meier_median(times: list[tuple[float, bool]]) -> float | None:
    """Product-limit estimate, written independently of the model's SQL: the first response
    time at which S(t) <= 1/2, midway to the next one where S(t) is exactly 1/2."""
    survival = 1.0
    events = sorted({t for t, answered in times if answered})
    for i, t in enumerate(events):
        at_risk = sum(1 for u, _ in times if u >= t)
        answered_then = sum(1 for u, answered in times if u == t and answered)
        survival *= 1 - answered_then / at_risk
        if abs(survival - 0.5) < 1e-9:
            return (t + (events[i + 1] if i + 1 < len(events) else t)) / 2
        if survival < 0.5:
            return t
    return None


def test_kaplan_meier_mart_equals_an_independent_estimate(built):
    threads = sql(
        built,
        "select t.mailbox_address, cast(date_trunc('month', t.first_inbound_date) as date), "
        "coalesce(t.first_response_minutes, "
        "  date_diff('second', t.first_inbound_at, b.as_of) / 60.0), "
        "t.first_response_at is not null "
        "from marts.fct_threads as t, config.build_info as b "
        "where t.initiated_by = 'customer' and t.first_inbound_at is not null",
    )
    groups: dict[tuple, list[tuple[float, bool]]] = {}
    for mailbox, month, minutes, answered in threads:
        groups.setdefault((mailbox, month), []).append((minutes, answered))
    mart = {
        (m, start): (median, waiting)
        for m, start, median, waiting in sql(
            built,
            "select mailbox_address, period_start, km_median_first_response_minutes, "
            "waiting_threads from marts.agg_first_response_survival where period = 'month'",
        )
    }
    assert set(mart) == set(groups)
    for key, times in groups.items():
        median, waiting = mart[key]
        assert waiting == sum(1 for _, answered in times if not answered)
        expected = kaplan_meier_median(times)
        assert (median is None and expected is None) or abs(median - expected) < 1e-6, key
    # with nobody waiting it is the usual median; waiting threads make it differ somewhere
    for key, times in groups.items():
        if all(answered for _, answered in times):
            assert abs(mart[key][0] - statistics.median(t for t, _ in times)) < 1e-6, key
    differs = [
        key
        for key, times in groups.items()
        if any(not a for _, a in times)
        and mart[key][0] != statistics.median(t for t, a in times if a)
    ]
    assert differs
