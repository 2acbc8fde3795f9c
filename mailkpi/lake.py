"""The Spark target's storage: raw and config tables as Parquet folders of a lake.

`<lake>/raw/<table>/` is what dlt's filesystem destination writes, `<lake>/config/<table>/`
what the CLI writes from the team config; `register_lake_sources` (dbt on-run-start) makes
tables of both. Spark reads a table's columns from its files: the sources yield an Arrow
table for every raw table on every load, an empty one included, and for that dlt writes a
Parquet file with the schema and no rows. docs/scale-out.md.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb

from .config import Config
from .config_tables import write_config_tables
from .transform import data_as_of

DEFAULT_LAKE = Path("data/lake")
DEFAULT_WAREHOUSE = Path("data/spark-warehouse")
RAW_TABLES = ("message_observations", "mail_folders", "quarantined_items", "sync_runs")


def lake_path() -> Path:
    return Path(os.environ.get("MAILKPI_LAKE") or DEFAULT_LAKE).resolve()


def warehouse_path() -> Path:
    return Path(os.environ.get("MAILKPI_SPARK_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve()


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def _raw_views(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    con.execute("create schema raw")
    for table in RAW_TABLES:
        if _parquet_files(lake / "raw" / table):
            files = lake / "raw" / table / "*.parquet"
            con.execute(
                f"create view raw.{table} as "
                f"select * from read_parquet('{files}', union_by_name = true)"
            )


def write_config(lake: Path, config: Config, source: str) -> dt.datetime:
    """Replace `<lake>/config/` with the team config as Parquet; return the build's as_of."""
    with duckdb.connect() as con:
        con.execute("set time zone 'UTC'")
        _raw_views(con, lake)
        as_of = data_as_of(con) or dt.datetime.now(dt.UTC).replace(microsecond=0)
        write_config_tables(con, config, as_of, source)
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'config'"
        ).fetchall()
        for (table,) in tables:
            folder = lake / "config" / table
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            con.execute(f"copy config.{table} to '{folder / 'part-0.parquet'}' (format parquet)")
    return as_of


def mart_counts(warehouse: Path) -> tuple[int, int, int]:
    """Rows of fct_messages, fct_threads and dim_mailboxes in the warehouse's Parquet files."""
    with duckdb.connect() as con:
        return tuple(
            con.execute(
                f"select count(*) from read_parquet('{warehouse / 'marts.db' / table}/*.parquet')"
            ).fetchall()[0][0]
            for table in ("fct_messages", "fct_threads", "dim_mailboxes")
        )
