"""Run `dbt build` on a DuckDB file, after writing the team config into it.

dbt runs in a child process: the DuckDB file is then certainly closed (and checkpointed)
when it returns, which the atomic swap of the build relies on.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .build_inputs import fingerprint, store_fingerprint, stored_fingerprint
from .config import Config
from .config_tables import write_config_tables
from .dbt_worker import DBT_DIR, dbt_env, started_dbt
from .errors import MailkpiError

log = logging.getLogger("mailkpi.transform")


class TransformFailed(MailkpiError):
    exit_code = 4


def dbt_log_file(env: dict[str, str] | None = None) -> Path:
    """Where dbt writes its log: every node's line, timing and full error."""
    folder = (env or {}).get("DBT_LOG_PATH") or os.environ.get("DBT_LOG_PATH")
    return Path(folder or DBT_DIR / "logs") / "dbt.log"


def data_as_of(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """The build's "now": the latest load that observed the mailboxes (None before any load).

    A load that found nothing new observed the mailboxes all the same: `raw.sync_runs`
    records it even when it appended no observation. In UTC: DuckDB hands instants back in
    the session's time zone, which is the machine's unless set.
    """
    tables = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    latest = [
        f"(select max({column}) from raw.{table})"
        for table, column in (
            ("message_observations", "observed_at"),
            ("sync_runs", "run_started_at"),
        )
        if table in tables
    ]
    if not latest:
        return None
    (latest_at,) = con.execute(f"select greatest({', '.join(latest)})").fetchall()[0]
    return latest_at and latest_at.astimezone(dt.UTC)


def require_loaded(work: Path, path: Path) -> None:
    """Stop a transform of `path` (staged as `work`) where no extract has loaded anything:
    dbt would fail on the missing raw schema."""
    if work.exists():
        con = duckdb.connect(str(work), read_only=True)
        try:
            (tables,) = con.execute(
                "select count(*) from information_schema.tables where table_schema = 'raw'"
            ).fetchall()[0]
        finally:
            con.close()
        if tables:
            return
    raise TransformFailed(f"{path}: nothing loaded yet: run `mailkpi build`")


@dataclass(frozen=True)
class Prepared:
    as_of: dt.datetime
    inputs: str  # the fingerprint of this build's config, folder list and models
    previous_inputs: str | None  # the last successful build's, if it stored one


def prepare(path: Path, config: Config, source: str) -> Prepared:
    """Write schema `config` (with the build's as_of) into the file."""
    con = duckdb.connect(str(path))
    try:
        previous = stored_fingerprint(con)  # before the config tables are rewritten
        as_of = data_as_of(con) or dt.datetime.now(dt.UTC).replace(microsecond=0)
        write_config_tables(con, config, as_of, source)
        return Prepared(as_of, fingerprint(con, config, DBT_DIR), previous)
    finally:
        con.close()


def record_inputs(path: Path, prepared: Prepared) -> None:
    """After a successful dbt build: the marts in the file now derive from these inputs.

    `prepare` does not store them: an extract-only run rewrites the config tables but builds
    no marts, and the transform after it must still compare with the marts' inputs.
    """
    con = duckdb.connect(str(path))
    try:
        store_fingerprint(con, prepared.inputs)
    finally:
        con.close()


# The schemas dbt builds (dbt/dbt_project.yml, macros/generate_schema_name.sql)
MODEL_SCHEMAS = ("staging", "intermediate", "marts")


def drop_models(path: Path) -> None:
    """Before a full refresh of an existing file: drop the tables and views dbt is about to
    rebuild (one per model, named after it), and checkpoint, so that the new tables reuse
    the blocks the old ones held. Dropped by dbt one by one as it replaces them, their
    blocks were freed too late to be reused: the file grew by the size of the models (1M
    messages: 1.02 GB -> 1.86 GB) and stayed that large. What else those schemas hold (an
    analyst's view) is kept."""
    models = {sql.stem for sql in (DBT_DIR / "models").rglob("*.sql")}
    con = duckdb.connect(str(path))
    try:
        relations = con.execute(
            "select schema_name, table_name, 'table' from duckdb_tables()"
            " union all select schema_name, view_name, 'view' from duckdb_views()"
            " where not internal"
        ).fetchall()
        for schema, name, kind in relations:
            if schema in MODEL_SCHEMAS and name in models:
                con.execute(f'drop {kind} "{schema}"."{name}"')
        con.execute("checkpoint")
    finally:
        con.close()


def _failures(run_results: Path) -> str:
    try:
        results = json.loads(run_results.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return ""
    failed = [r for r in results if r.get("status") in ("error", "fail", "runtime error")]
    if not failed:
        return ""
    first = failed[0]
    message = " ".join(str(first.get("message") or "").split())
    return f"{len(failed)} failed; first: {first['unique_id']}: {message[:300]}"


def dbt_arguments(command: str) -> list[str]:
    return [command, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]


def dbt_command(command: str) -> list[str]:
    """This environment's dbt CLI running `command` on the project."""
    return [str(Path(sys.executable).with_name("dbt")), *dbt_arguments(command)]


def dbt_build(
    path: Path,
    *,
    full_refresh: bool = False,
    select: str | None = None,
    env: dict[str, str] | None = None,
    worker: subprocess.Popen | None = None,
    keep_views: bool = False,
) -> None:
    """`dbt build` (models and tests) against the file, or the target that `env` sets;
    raise TransformFailed on failure. `worker`: a process from `started_dbt(path)` runs it.

    The whole build runs dbt's `nightly` selector (dbt/selectors.yml): every model, the
    marts' constraints and tests, but neither the unit tests nor the intermediate models'
    data tests, which `make test` runs (tests/dbt/). `keep_views`: an incremental build of a
    DuckDB file leaves out the staging views as well, which only a full refresh changes
    (`nightly_incremental`); Spark's session keeps no views from one build to the next.
    `select` builds only the nodes it names, with their data tests: dbt ignores `--select`
    beside `--selector`.
    """
    args = dbt_arguments("build")
    if select:
        args += ["--select", select, "--exclude-resource-type", "unit_test"]
    else:
        incremental = keep_views and not full_refresh
        args += ["--selector", "nightly_incremental" if incremental else "nightly"]
    if full_refresh:
        args.append("--full-refresh")
    if not log.isEnabledFor(logging.DEBUG):  # node lines to dbt's log file only (--verbose)
        args.append("--quiet")
    target = dbt_env(path, env).get("DBT_TARGET_PATH", "target")
    run_results = DBT_DIR / target / "run_results.json"
    with nullcontext(worker) if worker else started_dbt(path, env) as dbt:
        dbt.stdin.write(json.dumps({"args": args, "run_results": str(run_results)}) + "\n")
        dbt.stdin.close()
        returncode = dbt.wait()
    if returncode != 0:
        detail = _failures(run_results)
        raise TransformFailed(
            f"dbt build failed{': ' + detail if detail else ''} (dbt's log: {dbt_log_file(env)})"
        )
