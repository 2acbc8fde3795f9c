"""The Spark target's lake: config tables as Parquet beside the raw ones, as_of from the raw
files, a Parquet file with the columns for a raw table without rows. No Spark needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dlt
import duckdb
import pyarrow as pa
import pytest

from mailkpi.config import load_config
from mailkpi.lake import write_config

from .conftest import ROOT

UTC = dt.UTC


def parquet(lake: Path, table: str, select: str) -> None:
    folder = lake / "raw" / table
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"copy ({select}) to '{folder / 'part.parquet'}' (format parquet)")


def read(lake: Path, schema: str, table: str) -> list[tuple]:
    with duckdb.connect() as con:
        con.execute("set time zone 'UTC'")
        return con.execute(
            f"select * from read_parquet('{lake / schema / table}/*.parquet') order by all"
        ).fetchall()


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "mailkpi.yml")


def test_config_tables_are_written_with_as_of_from_the_latest_raw_observation(tmp_path, config):
    parquet(
        tmp_path,
        "message_observations",
        "select timestamptz '2026-03-02 10:00:00+00' as observed_at, 'm1' as message_id",
    )
    parquet(tmp_path, "sync_runs", "select timestamptz '2026-03-02 11:30:00+00' as run_started_at")
    as_of = write_config(tmp_path, config, "demo")
    assert as_of == dt.datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
    assert read(tmp_path, "config", "build_info") == [(as_of, "demo")]
    mailboxes = [row[0] for row in read(tmp_path, "config", "mailboxes")]
    assert mailboxes == sorted(m.address for m in config.mailboxes)


def test_rewriting_the_config_replaces_its_files(tmp_path, config):
    write_config(tmp_path, config, "demo")
    write_config(tmp_path, config, "graph")
    assert len(list((tmp_path / "config" / "build_info").iterdir())) == 1
    assert read(tmp_path, "config", "build_info")[0][1] == "graph"


@pytest.mark.slow
def test_a_load_without_rows_leaves_a_parquet_file_with_the_columns(tmp_path):
    """What the sources yield for a table with nothing new: an empty Arrow table."""
    lake = tmp_path / "lake"
    empty = pa.table({"reason": pa.array([], pa.string())})
    pipeline = dlt.pipeline(
        pipeline_name="lake_test",
        destination=dlt.destinations.filesystem(lake.as_uri()),
        dataset_name="raw",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    pipeline.run(dlt.resource([empty], name="quarantined_items"), loader_file_format="parquet")
    assert read(lake, "raw", "quarantined_items") == []
    with duckdb.connect() as con:
        columns = con.execute(
            f"describe select * from read_parquet('{lake}/raw/quarantined_items/*.parquet')"
        ).fetchall()
    assert [c[0] for c in columns] == ["reason", "_dlt_load_id"]
