"""The marts' `not_null` constraints hold: a null fails the build of its mart.

dbt-duckdb creates a contracted mart with NOT NULL columns and then fills it, so the null
stops the build instead of reaching a data test after it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from mailkpi.transform import TransformFailed, dbt_build

MARTS = Path(__file__).resolve().parents[2] / "dbt" / "models" / "marts"


def declared_not_null() -> set[tuple[str, str]]:
    """(mart, column) of every `not_null` constraint in the marts' yml."""
    return {
        (model["name"], column["name"])
        for path in MARTS.glob("*.yml")
        for model in yaml.safe_load(path.read_text())["models"]
        for column in model.get("columns", [])
        if {"type": "not_null"} in column.get("constraints", [])
    }


def test_every_not_null_constraint_is_a_not_null_column(demo_duckdb):
    con = duckdb.connect(str(demo_duckdb), read_only=True)
    try:
        columns = con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'marts' and not is_nullable"
        ).fetchall()
    finally:
        con.close()
    assert set(columns) == declared_not_null()
    assert ("dim_mailboxes", "timezone") in columns and len(columns) >= 80


@pytest.mark.slow
def test_a_null_in_a_mart_column_fails_the_build_naming_model_and_column(demo_duckdb, tmp_path):
    copy = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(demo_duckdb, copy)
    con = duckdb.connect(str(copy))
    try:  # dim_mailboxes.timezone comes straight from the team config
        con.execute(
            "update config.mailboxes set timezone = null "
            "where mailbox_address = (select min(mailbox_address) from config.mailboxes)"
        )
    finally:
        con.close()

    with pytest.raises(TransformFailed) as failed:
        dbt_build(copy, select="dim_mailboxes")

    message = str(failed.value)
    assert "\n" not in message
    assert message.startswith("dbt build failed: 1 failed; first: model.mailkpi.dim_mailboxes: ")
    assert "NOT NULL constraint failed: dim_mailboxes__dbt_tmp.timezone" in message
