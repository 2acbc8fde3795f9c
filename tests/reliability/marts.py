"""Comparing the marts of two DuckDB files, row for row."""

from __future__ import annotations

from pathlib import Path

import duckdb


def mart_differences(
    reference: Path, candidate: Path, ignore: tuple[str, ...] = ()
) -> dict[str, tuple[int, int]]:
    """Per marts table: (rows only in the reference, rows only in the candidate), EXCEPT ALL.

    `ignore` names tables that are expected to differ.
    """
    con = duckdb.connect()
    try:
        con.execute(f"attach '{reference}' as ref (read_only)")
        con.execute(f"attach '{candidate}' as run (read_only)")
        tables = {
            db: {
                r[0]
                for r in con.execute(
                    "select table_name from duckdb_tables() "
                    "where database_name = ? and schema_name = 'marts'",
                    [db],
                ).fetchall()
            }
            for db in ("ref", "run")
        }
        out = {t: (-1, -1) for t in tables["ref"] ^ tables["run"]}  # a table on one side only
        for table in sorted(tables["ref"] & tables["run"]):
            a, b = f"ref.marts.{table}", f"run.marts.{table}"
            out[table] = con.execute(
                f"select (select count(*) from (from {a} except all from {b})),"
                f" (select count(*) from (from {b} except all from {a}))"
            ).fetchall()[0]
        return {t: d for t, d in out.items() if d != (0, 0) and t not in ignore}
    finally:
        con.close()
