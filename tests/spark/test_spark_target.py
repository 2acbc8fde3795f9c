"""The `spark` dbt target end to end on a miniature project: dlt writes the raw layer as
Parquet under a lake folder, `register_lake_sources` exposes it to Spark, and dbt-spark
(session method, the repository's profile) builds a view, an enforced-contract table and an
incremental table with the cross-database macros, runs a unit test and a data test. The
same project then builds on DuckDB from the same files, and both builds' marts must agree
as the parity test compares them."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from .conftest import ROOT, requires_spark
from .parity import differences, duckdb_marts, spark_marts

pytestmark = [pytest.mark.slow, requires_spark]

UTC = dt.UTC

PROJECT = """
name: spark_smoke
version: "0.1.0"
config-version: 2
profile: mailkpi
flags: {send_anonymous_usage_stats: false, use_colors: false}
on-run-start: ["{{ register_lake_sources() }}"]
models:
  spark_smoke:
    +file_format: parquet
    staging: {+schema: staging, +materialized: view}
    marts: {+schema: marts, +materialized: table}
"""

SCHEMA = """
version: 2
sources:
  - name: raw
    schema: raw
    tables: [{name: message_observations}, {name: mail_folders}]
models:
  - name: daily_messages
    config: {contract: {enforced: true}}
    columns:
      - name: local_day
        data_type: date
        data_tests: [not_null]
      - name: mailbox_address
        data_type: "{{ 'string' if target.type == 'spark' else 'varchar' }}"
      - name: messages
        data_type: bigint
      - name: with_subject
        data_type: bigint
      - name: message_ids
        data_type: "{{ 'array<string>' if target.type == 'spark' else 'varchar[]' }}"
      - name: recipients
        data_type: bigint
unit_tests:
  - name: daily_messages_counts_local_days
    model: daily_messages
    given:
      - input: ref('stg_observations')
        rows:
          - {mailbox_address: s@x.com, message_id: a, received_at: "2026-03-28 23:30:00+00:00"}
          - {mailbox_address: s@x.com, message_id: b, received_at: "2026-03-29 23:30:00+00:00"}
          - {mailbox_address: s@x.com, message_id: b, received_at: "2026-03-29 23:30:00+00:00"}
    expect:
      rows:
        - {local_day: "2026-03-28", messages: 1}
        - {local_day: "2026-03-30", messages: 1}
"""

MODELS = {
    "staging/stg_observations.sql": """
select
    mailbox_address,
    message_id,
    subject,
    {{ safe_cast_as('observed_at', 'instant') }} as observed_at,
    {{ safe_cast_as('received_date_time', 'instant') }} as received_at,
    {{ text_list_from_json('to_addresses') }} as to_addresses
from {{ source('raw', 'message_observations') }}
""",
    "marts/daily_messages.sql": """
select
    {{ local_date('received_at', "'Europe/London'") }} as local_day,
    mailbox_address,
    count(distinct message_id) as messages,
    count(subject) as with_subject,
    {{ sorted_distinct_list('message_id') }} as message_ids,
    cast(sum({{ list_size('to_addresses') }}) as bigint) as recipients
from {{ ref('stg_observations') }}
group by 1, 2
""",
    "marts/folder_history.sql": """
{{ config(materialized='incremental', incremental_strategy='append') }}
select store_address, folder_id, display_name, observed_at
from {{ source('raw', 'mail_folders') }}
{% if is_incremental() %}
where observed_at > (select max(observed_at) from {{ this }})
{% endif %}
""",
}


def load_lake(lake: Path) -> None:
    """Two nightly loads with dlt's filesystem destination; `subject` first appears in the
    second, and mail_folders' merge falls back to append on plain Parquet."""
    import dlt

    def observation(night: int, message_id: str, received: dt.datetime, to: list[str]):
        row = {
            "observed_at": dt.datetime(2026, 3, 28 + night, 2, tzinfo=UTC),
            "mailbox_address": "s@x.com",
            "message_id": message_id,
            "received_date_time": received,
            "to_addresses": json.dumps(to),
        }
        return row | ({"subject": "second night"} if night == 2 else {})

    nights = {
        1: [observation(1, "m1", dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC), ["a@x.com"])],
        2: [
            observation(2, "m1", dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC), ["a@x.com"]),
            observation(2, "m2", dt.datetime(2026, 3, 29, 23, 30, tzinfo=UTC), ["b@x", "c@x"]),
        ],
    }
    for night, rows in nights.items():
        folder = {
            "store_address": "s@x.com",
            "folder_id": "f1",
            "display_name": f"Inbox {night}",
            "observed_at": dt.datetime(2026, 3, 28 + night, 2, tzinfo=UTC),
        }
        folders = dlt.resource(
            [folder],
            name="mail_folders",
            write_disposition="merge",
            primary_key=("store_address", "folder_id"),
        )
        observations = dlt.resource(rows, name="message_observations", write_disposition="append")
        with tempfile.TemporaryDirectory() as work_dir:
            pipeline = dlt.pipeline(
                pipeline_name="spark_smoke",
                destination=dlt.destinations.filesystem(str(lake)),
                dataset_name="raw",
                pipelines_dir=work_dir,
            )
            pipeline.run([observations, folders], loader_file_format="parquet")


def make_project(project: Path) -> None:
    (project / "dbt_project.yml").write_text(PROJECT)
    (project / "models").mkdir()
    (project / "models" / "schema.yml").write_text(SCHEMA)
    for name, sql in MODELS.items():
        (project / "models" / name).parent.mkdir(parents=True, exist_ok=True)
        (project / "models" / name).write_text(sql)
    shutil.copytree(ROOT / "dbt" / "macros" / "cross_db", project / "macros")
    shutil.copy(ROOT / "dbt" / "macros" / "generate_schema_name.sql", project / "macros")


def dbt_build(project: Path, **env: str) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run(
        [str(dbt), "build", "--project-dir", str(project), "--profiles-dir", str(ROOT / "dbt")],
        cwd=project,
        # its own target folder: the worker's one holds the mailkpi project's semantic manifest
        env=dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_VERSION_CHECK="false")
        | {"DBT_TARGET_PATH": str(project / "target")}
        | env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def duckdb_from_lake(path: Path, lake: Path) -> None:
    """The DuckDB file dlt's duckdb destination would have made from the same loads."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        for table in ("message_observations", "mail_folders"):
            files = lake / "raw" / table / "*.parquet"
            con.execute(
                f"create table raw.{table} as "
                f"select * from read_parquet('{files}', union_by_name = true)"
            )


def test_dbt_spark_builds_from_a_parquet_lake_as_duckdb_does(tmp_path):
    lake, warehouse, project = tmp_path / "lake", tmp_path / "warehouse", tmp_path / "project"
    project.mkdir()
    load_lake(lake)
    make_project(project)

    spark = dbt_build(
        project,
        MAILKPI_TARGET="spark",
        MAILKPI_LAKE=str(lake),
        MAILKPI_SPARK_WAREHOUSE=str(warehouse),
        MAILKPI_SPARK_DRIVER_MEMORY="1g",
    )
    assert spark.returncode == 0, spark.stdout[-4000:]
    assert "PASS=6 WARN=0 ERROR=0" in spark.stdout  # hook, 3 models, unit test, data test
    marts = spark_marts(warehouse)
    assert sorted(marts["daily_messages"][1]) == [
        # m1 at 23:30 GMT is the 28th; m2 at 23:30 UTC is 00:30 BST on the 30th
        (dt.date(2026, 3, 28), "s@x.com", 1, 1, ["m1"], 2),
        (dt.date(2026, 3, 30), "s@x.com", 1, 1, ["m2"], 2),
    ]
    assert sorted(row[2] for row in marts["folder_history"][1]) == ["Inbox 1", "Inbox 2"]
    # sources are external tables over the lake: nothing of them is copied into the warehouse
    assert not (warehouse / "raw.db").exists() or not any((warehouse / "raw.db").iterdir())

    duckdb_file = tmp_path / "mailkpi.duckdb"
    duckdb_from_lake(duckdb_file, lake)
    duck = dbt_build(project, MAILKPI_TARGET="duckdb", MAILKPI_DUCKDB=str(duckdb_file))
    assert duck.returncode == 0, duck.stdout[-4000:]
    assert differences(duckdb_marts(duckdb_file), marts) == []
