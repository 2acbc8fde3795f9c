"""The inputs of a build besides the mail: the team config, the mailboxes' folder list and
the dbt models.

The incremental models recompute only the conversations the night's observations touched.
A changed config (an agent's category, a holiday, an SLA, the privacy settings) or folder
list (a renamed, moved or newly excluded folder) changes rows that no observation touched,
and so does a release whose models compute a column differently. So the build compares a
fingerprint of them with the one the last successful build stored, and runs a full refresh
when they differ.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from .config import Config
from .config_tables import TABLES

# What stg_msgraph__mail_folders reads, but observed_at: every load moves it.
FOLDER_COLUMNS = (
    "mailbox_address",
    "store_address",
    "folder_id",
    "parent_folder_id",
    "display_name",
    "well_known_name",
    "folder_path",
    "is_excluded",
)
# the latest row of each folder, as the staging model keeps it
FOLDERS_QUERY = (
    f"select {', '.join(FOLDER_COLUMNS)} from raw.mail_folders "
    "qualify row_number() over (partition by store_address, folder_id "
    "order by observed_at desc) = 1 order by all"
)
# config.build_info is left out: its as_of moves every night.
CONFIG_TABLES = tuple(sorted(name for name in TABLES if name != "build_info"))


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


def fingerprint(con: duckdb.DuckDBPyConnection, config: Config, dbt_dir: Path) -> str:
    """`<data>/<models>`: sha256 (hex) of the config tables the CLI writes, of the privacy
    settings (applied to the marts after dbt, so in no table) and of `raw.mail_folders`;
    then that of the dbt project's models and macros."""
    digest = hashlib.sha256()
    digest.update(json.dumps(["privacy", config.privacy.model_dump()], sort_keys=True).encode())
    queries = {
        f"config.{name}": f"select * from config.{name} order by all" for name in CONFIG_TABLES
    }
    if _has_table(con, "raw", "mail_folders"):
        queries["raw.mail_folders"] = FOLDERS_QUERY
    for name, query in queries.items():
        rows = con.execute(query).fetchall()
        columns = [column[0] for column in con.description]
        digest.update(json.dumps([name, columns, rows], default=str).encode())
    return f"{digest.hexdigest()}/{_models_fingerprint(dbt_dir)}"


def _models_fingerprint(dbt_dir: Path) -> str:
    digest = hashlib.sha256()
    sources = sorted(
        path
        for folder in ("models", "macros")
        for path in (dbt_dir / folder).rglob("*")
        if path.suffix in (".sql", ".yml")
    )
    for path in [dbt_dir / "dbt_project.yml", *sources]:
        digest.update(str(path.relative_to(dbt_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint the last successful build stored (None: a first build, or a file
    built by a release that did not store one)."""
    if not _has_table(con, "config", "build_inputs"):
        return None
    return con.execute("select any_value(fingerprint) from config.build_inputs").fetchall()[0][0]


def store_fingerprint(con: duckdb.DuckDBPyConnection, value: str) -> None:
    con.execute("create schema if not exists config")
    con.execute("create or replace table config.build_inputs (fingerprint varchar)")
    con.execute("insert into config.build_inputs values (?)", [value])


def refresh_reason(previous: str | None, current: str) -> str | None:
    """Why the build must be a full refresh, or None when an incremental one is right."""
    if previous is None:
        return "no earlier build in the file recorded its team config and folder list"
    previous_data, _, previous_models = previous.partition("/")
    data, _, models = current.partition("/")
    if previous_data != data:
        return "team config or folder list changed since the last build"
    if previous_models != models:
        return "the dbt models changed since the last build (a new release)"
    return None
