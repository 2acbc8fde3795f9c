"""The semantic layer (dbt/models/marts/*.yml) through `mailkpi query`, on the demo build.

The bar: every KPI column of agg_mailbox_weekly equals the metric of the same meaning by
mailbox and metric_time__week, to 0.01 (and some for days and months). The marts' figures
are checked by hand-computed unit tests beside them; the metrics must agree with them
period by period, so the period rules (turns by their start, first responses by the
thread's first inbound message, resolutions by the first resolution, reassignment by the
thread's start) are the same on both sides.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess

import duckdb
import pytest

from mailkpi import cli
from mailkpi.dbt_worker import semantic_manifest_file, semantic_manifest_stale
from mailkpi.semantic import Request, SemanticLayer, semantic_manifest_path
from tests.conftest import offline_env, run_mailkpi

pytestmark = pytest.mark.slow

# agg_mailbox_* column -> metric (../shared/spec/interfaces.md, "Semantic layer")
KPI_METRICS = {
    "inbound_messages": "inbound_messages",
    "outbound_messages": "outbound_messages",
    "new_threads": "new_threads",
    "turns": "turns",
    "answered_turns": "answered_turns",
    "unanswered_turns": "unanswered_turns",
    "avg_reply_minutes": "reply_minutes_avg",
    "median_reply_minutes": "reply_minutes_median",
    "p90_reply_minutes": "reply_minutes_p90",
    "avg_reply_business_minutes": "reply_business_minutes_avg",
    "median_reply_business_minutes": "reply_business_minutes_median",
    "avg_first_response_minutes": "first_response_minutes_avg",
    "median_first_response_minutes": "first_response_minutes_median",
    "p90_first_response_minutes": "first_response_minutes_p90",
    "avg_first_response_business_minutes": "first_response_business_minutes_avg",
    "median_first_response_business_minutes": "first_response_business_minutes_median",
    "sla_met_rate": "sla_met_rate",
    "resolved_threads": "resolved_threads",
    "reopen_rate": "reopen_rate",
    "reassignment_rate": "reassignment_rate",
    "collided_turns": "collided_turns",
    "collision_rate": "collision_rate",
}
# the spec's metrics but the three that come with the customers issue
SPEC_METRICS = [
    *("inbound_messages", "outbound_messages", "new_threads", "turns", "answered_turns"),
    *("unanswered_turns", "resolved_threads"),
    *(
        f"reply_{clock}minutes_{agg}"
        for clock in ("", "business_")
        for agg in ("avg", "median", "p90")
    ),
    *(
        f"first_response_{clock}minutes_{agg}"
        for clock in ("", "business_")
        for agg in ("avg", "median")
    ),
    *("sla_met_rate", "reopen_rate", "reassignment_rate", "collision_rate"),
]
SPEC_GROUP_BY = [
    *("metric_time__day", "metric_time__week", "metric_time__month", "mailbox", "agent"),
    *("sla_tier", "customer_domain", "initiated_by"),
]
GRANULARITY = {"daily": "day", "weekly": "week", "monthly": "month"}


@pytest.fixture(scope="module")
def built(demo_duckdb):
    semantic_manifest_path(demo_duckdb)  # `dbt parse` once, if the manifest is stale
    return demo_duckdb


def query_csv(built, capsys, *args: str) -> list[dict[str, str]]:
    status = cli.main(["query", "--duckdb", str(built), *args, "--format", "csv"])
    out = capsys.readouterr().out
    assert status == 0, out
    return list(csv.DictReader(io.StringIO(out)))


def mart_column(built, period: str, column: str) -> dict[tuple[str, str], float | None]:
    con = duckdb.connect(str(built), read_only=True)
    try:
        rows = con.execute(
            f"select mailbox_address, cast(period_start as varchar), {column} "
            f"from marts.agg_mailbox_{period}"
        ).fetchall()
    finally:
        con.close()
    return {(mailbox, start): value for mailbox, start, value in rows}


def assert_agrees(built, capsys, period: str, column: str) -> None:
    metric = KPI_METRICS[column]
    time = f"metric_time__{GRANULARITY[period]}"
    rows = query_csv(built, capsys, "--metrics", metric, "--group-by", f"mailbox,{time}")
    queried = {(r["mailbox"], r[time]): float(r[metric]) if r[metric] else None for r in rows}
    mart = mart_column(built, period, column)
    assert len(mart) > 10 and sum(v is not None for v in queried.values()) > 5
    # the mart also lists the periods without any row of the facts (counts 0, rates null);
    # the semantic layer has no row for them
    assert set(queried) <= set(mart)
    differing = {
        key: (value, queried.get(key))
        for key, value in mart.items()
        if (value or None, queried.get(key) or None) != (None, None)
        and (value is None or queried.get(key) is None or abs(value - queried[key]) > 0.01)
    }
    assert not differing, differing


@pytest.mark.parametrize("column", sorted(KPI_METRICS))
def test_every_weekly_kpi_equals_its_metric(built, capsys, column):
    assert_agrees(built, capsys, "weekly", column)


@pytest.mark.parametrize(
    ("period", "column"),
    [
        ("daily", "inbound_messages"),
        ("daily", "turns"),
        ("daily", "median_first_response_minutes"),
        ("daily", "reopen_rate"),
        ("monthly", "avg_reply_business_minutes"),
        ("monthly", "sla_met_rate"),
        ("monthly", "resolved_threads"),
        ("monthly", "reassignment_rate"),
    ],
)
def test_daily_and_monthly_kpis_equal_their_metrics(built, capsys, period, column):
    assert_agrees(built, capsys, period, column)


def test_the_semantic_manifest_passes_metricflows_validations(built):
    from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (
        SemanticManifestValidator,
    )
    from metricflow_semantics.model.dbt_manifest_parser import (
        parse_manifest_from_dbt_generated_manifest,
    )

    manifest = parse_manifest_from_dbt_generated_manifest(semantic_manifest_path(built).read_text())
    results = SemanticManifestValidator().validate_semantic_manifest(manifest)
    issues = [*results.errors, *results.warnings, *results.future_errors]
    assert not issues, [i.as_readable_str() for i in issues]


def test_every_name_of_the_spec_exists(built):
    layer = SemanticLayer(built)
    assert set(SPEC_METRICS) <= set(layer.metric_names)
    assert set(SPEC_GROUP_BY) <= set(layer.group_by_names)
    saved = {q["name"] for q in layer._raw["saved_queries"]}
    assert {"mailbox_daily", "mailbox_weekly", "mailbox_monthly"} <= saved


def test_csv_header_is_the_group_by_names_as_given_then_the_metrics(built, capsys):
    rows = query_csv(
        built, capsys, "--metrics", "new_threads,turns", "--group-by", "sla_tier,mailbox"
    )
    assert list(rows[0]) == ["sla_tier", "mailbox", "new_threads", "turns"]
    # the demo's support mailbox has the "Key accounts" tier; rows without a tier: ""
    assert {(r["mailbox"], r["sla_tier"]) for r in rows} >= {
        ("support@contoso.com", "Key accounts"),
        ("support@contoso.com", ""),
    }


def test_group_by_customer_domain_and_agent_count_the_facts_rows(built, capsys):
    by_domain = query_csv(
        built, capsys, "--metrics", "new_threads", "--group-by", "customer_domain"
    )
    by_agent = query_csv(built, capsys, "--metrics", "answered_turns", "--group-by", "agent")
    con = duckdb.connect(str(built), read_only=True)
    try:
        domains = dict(
            con.execute(
                "select coalesce(customer_domain, ''), count(*) from marts.fct_threads group by 1"
            ).fetchall()
        )
        agents = dict(
            con.execute(
                "select coalesce(replied_by, ''), count(*) from marts.fct_replies "
                "where replied_at is not null group by 1"
            ).fetchall()
        )
    finally:
        con.close()
    assert {r["customer_domain"]: int(r["new_threads"]) for r in by_domain} == domains
    assert "fabrikam.com" in domains
    assert {r["agent"]: int(r["answered_turns"]) for r in by_agent} == agents
    assert "" in agents  # Send As replies have no agent


def test_where_start_and_end_time_narrow_the_rows(built, capsys):
    rows = query_csv(
        built,
        capsys,
        *("--metrics", "new_threads", "--group-by", "metric_time__week,mailbox"),
        *("--where", "{{ Dimension('customer_domain') }} = 'fabrikam.com'"),
        *("--start-time", "2026-06-01", "--end-time", "2026-06-30"),
    )
    con = duckdb.connect(str(built), read_only=True)
    try:
        # whole weeks: Monday 1 June to Sunday 5 July holds the days asked
        expected = con.execute(
            "select cast(cast(date_trunc('week', started_date) as date) as varchar), "
            "mailbox_address, count(*) from marts.fct_threads "
            "where customer_domain = 'fabrikam.com' "
            "and started_date between date '2026-06-01' and date '2026-07-05' "
            "group by all order by all"
        ).fetchall()
    finally:
        con.close()
    # weeks of June 2026 start on Mondays 1, 8, 15, 22 and 29 June; ordered by the group-by
    assert expected
    assert [(r["metric_time__week"], r["mailbox"], int(r["new_threads"])) for r in rows] == expected
    assert {r["metric_time__week"] for r in rows} <= {
        "2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29"
    }  # fmt: skip


def test_json_and_table_formats_and_limit(built, capsys):
    args = ["query", "--duckdb", str(built), "--metrics", "turns", "--group-by", "mailbox"]
    assert cli.main([*args, "--format", "json", "--order=-turns", "--limit", "1"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert set(record) == {"mailbox", "turns"} and record["mailbox"] == "support@contoso.com"
    assert cli.main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["mailbox", "turns"] and len(lines) == 4  # header, rule, 2 rows


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--metrics", "turnz"], "mailkpi: unknown metric 'turnz'; closest: turns"),
        (
            ["--metrics", "turns", "--group-by", "mailbox,sla_teir"],
            "mailkpi: unknown group-by 'sla_teir'; closest: sla_tier, thread__sla_tier",
        ),
        (
            ["--metrics", "turns", "--group-by", "metric_time__weak"],
            "mailkpi: unknown group-by 'metric_time__weak'; "
            "closest: metric_time__week, metric_time__year, metric_time__day",
        ),
    ],
)
def test_a_bad_name_is_one_line_naming_it_and_exit_2(built, capsys, flags, message):
    status = cli.main(["query", "--duckdb", str(built), *flags])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.splitlines() == [message]
    assert captured.out == ""


def test_query_leaves_the_file_unchanged(built, capsys):
    before = built.stat().st_mtime_ns, built.stat().st_size
    query_csv(built, capsys, "--metrics", "sla_met_rate", "--group-by", "mailbox")
    assert (built.stat().st_mtime_ns, built.stat().st_size) == before


def test_a_repeated_query_shape_runs_the_cached_sql(built, capsys, dbt_folders):
    args = ("--metrics", "reopen_rate", "--group-by", "mailbox,metric_time__month")
    first = query_csv(built, capsys, *args)
    cached = sorted((dbt_folders / "semantic_sql").glob("*.sql"))
    assert cached
    assert query_csv(built, capsys, *args) == first
    assert sorted((dbt_folders / "semantic_sql").glob("*.sql")) == cached


def test_on_the_spark_target_query_says_it_reads_duckdb_only(built, capsys, monkeypatch):
    monkeypatch.setenv("MAILKPI_TARGET", "spark")
    status = cli.main(["query", "--duckdb", str(built), "--metrics", "turns"])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.splitlines() == [
        "mailkpi: mailkpi query reads the DuckDB file only: the semantic layer has no Spark "
        "dialect (docs/decisions.md, 'Semantic layer')"
    ]


# agg_agent_daily column -> metric, by mailbox, agent and metric_time__day
AGENT_DAILY_METRICS = {
    "replies": "outbound_messages",
    "threads_first_responded": "threads_first_responded",
    "answered_turns": "answers",
    "avg_reply_minutes": "answer_reply_minutes_avg",
    "median_reply_minutes": "answer_reply_minutes_median",
    "avg_reply_business_minutes": "answer_reply_business_minutes_avg",
}


def test_agg_agent_daily_equals_its_metrics_by_mailbox_agent_and_day(built, capsys):
    time = "metric_time__day"
    rows = query_csv(
        built,
        capsys,
        *("--metrics", ",".join(AGENT_DAILY_METRICS.values())),
        *("--group-by", f"mailbox,agent,{time}"),
    )
    # a count of no row is null in the query (one metric's rows outer-joined to another's)
    # and 0 in the mart
    counts = {"replies", "threads_first_responded", "answered_turns"}
    queried = {
        (r["mailbox"], r["agent"] or None, r[time]): [
            float(r[m]) if r[m] else (0.0 if column in counts else None)
            for column, m in AGENT_DAILY_METRICS.items()
        ]
        for r in rows
    }
    con = duckdb.connect(str(built), read_only=True)
    try:
        mart = {
            (mailbox, responder, day): list(values)
            for mailbox, responder, day, *values in con.execute(
                "select mailbox_address, responder, cast(period_start as varchar), "
                + ", ".join(AGENT_DAILY_METRICS)
                + " from marts.agg_agent_daily"
            ).fetchall()
        }
    finally:
        con.close()
    assert len(queried) == len(rows) and len(mart) > 50
    assert any(responder is None for _, responder, _ in mart)  # Send As replies
    # the query also has the days of inbound mail alone (responder null, counts 0): the mart
    # keeps only the days on which the responder did something
    idle = {k: v for k, v in queried.items() if k not in mart}
    assert all(not any(v[:3]) for v in idle.values()), idle
    differing = {
        key: (values, queried.get(key))
        for key, values in mart.items()
        if key not in queried
        or any(
            (a is None) != (b is None) or (a is not None and abs(a - b) > 0.01)
            for a, b in zip(values, queried[key], strict=True)
        )
    }
    assert not differing, differing


def test_a_build_after_an_upgrade_writes_the_semantic_manifest_the_query_reads(
    demo_duckdb, tmp_path, monkeypatch
):
    """A project newer than the semantic manifest (an upgrade): the next successful build
    writes it from its own parse, so the first query or dashboard page runs no `dbt parse`."""
    target = tmp_path / "target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    manifest = semantic_manifest_file()
    assert manifest == target / "semantic_manifest.json" and semantic_manifest_stale(manifest)
    path = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(demo_duckdb, path)

    result = run_mailkpi("transform", "--duckdb", str(path), env=offline_env())
    assert result.returncode == 0, result.stderr[-3000:]

    assert not semantic_manifest_stale(manifest)
    monkeypatch.setattr(subprocess, "run", None)  # a `dbt parse` now would fail the test
    assert semantic_manifest_path(path) == manifest
    metrics = {m["name"] for m in json.loads(manifest.read_text())["metrics"]}
    assert {*KPI_METRICS.values(), "first_response_business_minutes_median"} <= metrics


def test_a_build_that_writes_a_new_manifest_compiles_the_requests_asked_before(
    demo_duckdb, tmp_path, monkeypatch, preloaded
):
    """An upgrade that changed the metrics: the request compiled for the previous release's
    manifest is compiled for the new one by the build that writes it, and the old SQL is
    dropped, so that no page's first visit compiles (MetricFlow: seconds)."""
    target = tmp_path / "target"
    target.mkdir()
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    path = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(demo_duckdb, path)

    def transform() -> str:
        result = preloaded.mailkpi("transform", "--duckdb", str(path), env=offline_env())
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stderr

    transform()
    # the previous release's manifest: this one, one description apart, older than the
    # project
    manifest = target / "semantic_manifest.json"
    previous = json.loads(manifest.read_text())
    previous["metrics"][0]["description"] = "as the previous release described it"
    manifest.write_text(json.dumps(previous))
    os.utime(manifest, (946684800, 946684800))  # 2000-01-01
    request = Request(metrics=("reply_minutes_median",), group_by=("mailbox", "metric_time__week"))
    compiled_before = SemanticLayer(path, manifest).sql(request)
    folder = target / "semantic_sql"
    assert len(list(folder.glob("*.sql"))) == 1

    assert "semantic layer: 1 requests compiled for the new manifest" in transform()
    assert not semantic_manifest_stale(manifest)
    assert json.loads(manifest.read_text()) != previous
    assert len(list(folder.glob("*.sql"))) == len(list(folder.glob("*.json"))) == 1

    def no_metricflow(self, request):
        raise AssertionError("compiled on a visit")

    monkeypatch.setattr(SemanticLayer, "_compiled", no_metricflow)
    assert SemanticLayer(path).sql(request) == compiled_before  # only a description changed
