"""Comparing the marts of two DuckDB files, row for row."""

from __future__ import annotations

from pathlib import Path

import duckdb


def mart_differences(
    reference: Path, candidate: Path, ignore: tuple[str, ...] = ()
) -> dict[str, tuple[int, int]]:
    """Per marts table: (rows only in the reference, rows only in the candidate), EXCEPT ALL.

    `ignore` names tables that are expected to differ. Floating-point columns compare
    rounded to a millionth: an average may differ in its last bit between two runs.
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
            a, b = (_rounded(con, db, table) for db in ("ref", "run"))
            out[table] = con.execute(
                f"select (select count(*) from (from {a} except all from {b})),"
                f" (select count(*) from (from {b} except all from {a}))"
            ).fetchall()[0]
        return {t: d for t, d in out.items() if d != (0, 0) and t not in ignore}
    finally:
        con.close()


def _rounded(con: duckdb.DuckDBPyConnection, db: str, table: str) -> str:
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = 'marts' and table_name = ? "
        "order by column_index",
        [db, table],
    ).fetchall()
    select = ", ".join(
        f'round("{name}", 6)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, kind in columns
    )
    return f"(select {select} from {db}.marts.{table})"


def counted_message_ids(path: Path) -> list[str]:
    """internet_message_id of every counted message (fct_messages), sorted, with repeats."""
    with duckdb.connect(str(path), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select internet_message_id from marts.fct_messages order by 1"
            ).fetchall()
        ]


def resync_markers(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select count(*) from raw.message_observations where removed_reason = 'resync'"
        ).fetchall()[0][0]
