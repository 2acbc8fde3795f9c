"""A mart built by dbt on hand-made rows: for models a dbt unit test cannot hold (those the
semantic layer's definitions write, which read semantic models from dbt's graph, and
dbt gives unit tests a graph without them)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from mailkpi.transform import dbt_command


def model_on_rows(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    schema: str,
    fill: Callable[[duckdb.DuckDBPyConnection], None],
    model: str,
) -> list[dict]:
    """`dbt run` of the mart `model` on a DuckDB file of its own holding `schema` and the
    rows `fill` inserts; the mart's rows as dicts."""
    path = folder / "facts.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(schema)
        fill(con)
    monkeypatch.setenv("MAILKPI_DUCKDB", str(path))
    # a child process: dbt leaves the file open until its interpreter exits
    run = subprocess.run([*dbt_command("run"), "--select", model], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(f"select * from marts.{model}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
