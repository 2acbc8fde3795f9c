"""Read the marts of a DuckDB build and of a Spark build and say how they differ.

Spark's marts are read from the warehouse's Parquet files with DuckDB (no second JVM).
Values are compared after normalizing what legitimately differs between the engines: an
instant and a wall-clock time both become a naive UTC-read datetime (Spark keeps a local
time as a timestamp whose UTC reading is the wall clock), decimals become floats. Rows are
matched after sorting on their exact columns; a `*_minutes` value may differ by 0.01, any
other fractional value by 1e-6.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import duckdb

MINUTES_TOLERANCE = 0.01
RATIO_TOLERANCE = 1e-6

Table = tuple[list[str], list[tuple]]


def normalize(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return value


def _read(con: duckdb.DuckDBPyConnection, relation: str) -> Table:
    cursor = con.execute(f"select * from {relation}")
    columns = [d[0] for d in cursor.description]
    return columns, [tuple(normalize(v) for v in row) for row in cursor.fetchall()]


def duckdb_marts(path: Path) -> dict[str, Table]:
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("set time zone 'UTC'")
        names = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
        return {name: _read(con, f"marts.{name}") for (name,) in names}


def spark_marts(warehouse: Path) -> dict[str, Table]:
    with duckdb.connect() as con:
        con.execute("set time zone 'UTC'")
        return {
            table.name: _read(con, f"read_parquet('{table}/*.parquet')")
            for table in sorted((warehouse / "marts.db").iterdir())
            if table.is_dir()
        }


def _sort_key(row: tuple) -> tuple:
    return tuple(
        (1, round(v, 1)) if isinstance(v, float) else (0, repr(v)) if v is not None else (-1, "")
        for v in row
    )


def _equal(column: str, a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float | int):
        tolerance = MINUTES_TOLERANCE if column.endswith("_minutes") else RATIO_TOLERANCE
        return math.isclose(a, b, abs_tol=tolerance)
    if isinstance(b, float) and isinstance(a, int):
        return _equal(column, b, a)
    return a == b


def differences(expected: dict[str, Table], actual: dict[str, Table], limit: int = 20) -> list[str]:
    """What differs between two builds' marts, one line each (empty when they agree)."""
    found = [f"missing mart {name}" for name in sorted(expected.keys() - actual.keys())]
    found += [f"unexpected mart {name}" for name in sorted(actual.keys() - expected.keys())]
    for name in sorted(expected.keys() & actual.keys()):
        (columns, rows), (other_columns, other_rows) = expected[name], actual[name]
        if sorted(columns) != sorted(other_columns):
            found.append(f"{name}: columns {sorted(columns)} != {sorted(other_columns)}")
            continue
        if len(rows) != len(other_rows):
            found.append(f"{name}: {len(rows)} rows != {len(other_rows)} rows")
            continue
        order = [other_columns.index(c) for c in columns]
        other_rows = [tuple(row[i] for i in order) for row in other_rows]
        for row, other in zip(
            sorted(rows, key=_sort_key), sorted(other_rows, key=_sort_key), strict=True
        ):
            for column, a, b in zip(columns, row, other, strict=True):
                if not _equal(column, a, b):
                    found.append(f"{name}.{column}: {a!r} != {b!r} in row {row!r}")
    return found[:limit]
