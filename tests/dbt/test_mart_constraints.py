"""The marts' constraints hold: a null, or a value outside a column's accepted ones, fails
the build of its mart; a mailbox or agent the config does not name fails the marts' tests.

dbt-duckdb creates a contracted mart with NOT NULL and CHECK columns and then fills it, so
the bad value stops the build instead of reaching a data test after it.
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


def declared_checks() -> set[tuple[str, str]]:
    """(mart, expression) of every `check` constraint in the marts' yml."""
    return {
        (model["name"], constraint["expression"])
        for path in MARTS.glob("*.yml")
        for model in yaml.safe_load(path.read_text())["models"]
        for column in model.get("columns", [])
        for constraint in column.get("constraints", [])
        if constraint["type"] == "check"
    }


def test_every_check_constraint_is_in_the_built_mart(demo_duckdb):
    con = duckdb.connect(str(demo_duckdb), read_only=True)
    try:
        checks = con.execute(
            "select table_name, expression from duckdb_constraints() "
            "where schema_name = 'marts' and constraint_type = 'CHECK'"
        ).fetchall()
    finally:
        con.close()
    # DuckDB keeps the expression as it parsed it: `(status IN ('new', ...))`
    normalized = {(table, check[1:-1].replace(" IN ", " in ")) for table, check in checks}
    assert normalized == declared_checks()
    assert ("fct_threads", "status in ('new', 'assigned', 'awaiting_response', "
            "'waiting_on_customer', 'resolved')") in normalized  # fmt: skip


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
def test_a_null_in_a_mart_column_fails_the_build_naming_model_and_column(
    demo_duckdb, tmp_path, preloaded, monkeypatch
):
    preloaded.serving_builds(monkeypatch)
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
    assert "NOT NULL constraint failed: dim_mailboxes.timezone" in message


@pytest.mark.slow
def test_an_agent_the_config_does_not_name_fails_the_marts_test(
    demo_duckdb, tmp_path, preloaded, monkeypatch
):
    preloaded.serving_builds(monkeypatch)
    copy = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(demo_duckdb, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            "update marts.fct_threads set assignee = 'stranger@contoso.com' "
            "where conversation_id = (select min(conversation_id) from marts.fct_threads)"
        )
    finally:
        con.close()

    with pytest.raises(TransformFailed) as failed:
        dbt_build(copy, select="marts_name_configured_mailboxes_and_agents")
    assert "test.mailkpi.marts_name_configured_mailboxes_and_agents" in str(failed.value)
    assert "Got 1 result" in str(failed.value)
