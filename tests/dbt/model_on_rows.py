"""A mart built by dbt on hand-made rows: for models a dbt unit test cannot hold (those the
semantic layer's definitions write, which read semantic models from dbt's graph, and
dbt gives unit tests a graph without them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from tests.preloaded import Preloaded


def model_on_rows(
    folder: Path,
    preloaded: Preloaded,
    schema: str,
    fill: Callable[[duckdb.DuckDBPyConnection], None],
    model: str,
) -> list[dict]:
    """`dbt run` of the mart `model` on a DuckDB file of its own holding `schema` and the
    rows `fill` inserts; the mart's rows as dicts."""
    path = folder / "mailkpi.duckdb"  # the name the preloaded process parsed for
    with duckdb.connect(str(path)) as con:
        con.execute(schema)
        fill(con)
    assert preloaded.dbt(path, "run", "--select", model) == 0, f"dbt run of {model} failed"
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(f"select * from marts.{model}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
