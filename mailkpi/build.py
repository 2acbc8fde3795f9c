"""Build orchestration: config → extract/load → config tables → dbt build → atomic swap.

Only this module (through the CLI) knows pipelines, dbt and the DuckDB file together.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import lake, notifications, privacy
from .build_inputs import refresh_reason
from .config import Config, ConfigError
from .database import building_path, exclusive_build, staged_copy
from .dbt_worker import semantic_manifest_file, semantic_manifest_stale, spark_target, started_dbt
from .dlt_settings import dlt_module
from .extract import ExtractResult, check_resync, extract, resolve_source
from .semantic import SemanticLayer
from .transform import dbt_build, drop_models, prepare, record_inputs, require_loaded

log = logging.getLogger("mailkpi")


@dataclass(frozen=True)
class BuildSummary:
    path: Path
    source: str
    as_of: dt.datetime
    messages: int
    threads: int
    mailboxes: int
    seconds: float
    loaded: ExtractResult | None

    def line(self) -> str:
        what = "demo tenant" if self.source == "demo" else "Microsoft Graph"
        return (
            f"mailkpi: built {what}: {self.messages:,} messages, {self.threads:,} threads "
            f"in {self.mailboxes} mailbox{'es' if self.mailboxes != 1 else ''} "
            f"(as of {self.as_of:%Y-%m-%d %H:%M} UTC) -> {self.path} in {self.seconds:.0f} s"
        )


def _mart_counts(path: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select (select count(*) from marts.fct_messages),"
            " (select count(*) from marts.fct_threads),"
            " (select count(*) from marts.dim_mailboxes)"
        ).fetchall()[0]
    finally:
        con.close()


def _built_source(path: Path) -> str:
    """The source of the build a transform-only run starts from (its summary names it)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select any_value(source) from config.build_info").fetchall()[0][0]
    except duckdb.CatalogException:
        return "existing"
    finally:
        con.close()


def run(
    path: Path,
    config: Config,
    *,
    source: str | None = None,
    do_extract: bool = True,
    do_transform: bool = True,
    full_refresh: bool = False,
    demo_messages: int | None = None,
    resync: tuple[str, ...] = (),
    dbt: subprocess.Popen | None = None,
) -> BuildSummary:
    """Extract and/or transform into `path`; the file changes only if every step succeeds.

    `dbt`: the build's dbt process, when the caller started it already (`started_dbt`).
    With MAILKPI_TARGET=spark the tables go to the lake and the Spark warehouse instead.
    """
    started = time.monotonic()
    if spark_target():
        if config.privacy.pseudonymize_customers:
            raise ConfigError("privacy.pseudonymize_customers: not available on the Spark target")
        return _run_on_spark(
            config, source, do_extract, do_transform, full_refresh, demo_messages, resync
        )
    # first: a missing key must not cost a whole extract
    key = (
        privacy.pseudonym_key() if do_transform and config.privacy.pseudonymize_customers else None
    )
    source = resolve_source(source) if do_extract else source
    resync = check_resync(config, source, resync) if do_extract else ()
    loaded = None
    if do_transform and not do_extract and notifications.reads_secrets(config):
        # the channels' URLs need dlt (0.6 s to import), which an extract would have loaded:
        # imported while dbt builds, not after it
        threading.Thread(target=dlt_module, daemon=True).start()
    with (
        exclusive_build(path),
        started_dbt(building_path(path)) if do_transform and not dbt else nullcontext(dbt) as dbt,
        staged_copy(path) as work,
    ):
        if do_extract:
            loaded = extract(work, config, source, demo_messages=demo_messages, resync=resync)
            log.info("loaded %s observations from %s", f"{loaded.observations:,}", source)
        else:
            require_loaded(work, path)
            source = source or _built_source(work)
        prepared = prepare(work, config, source)
        if do_transform:
            reason = (
                None if full_refresh else refresh_reason(prepared.previous_inputs, prepared.inputs)
            )
            if reason:
                log.info("full refresh: %s", reason)
            if full := full_refresh or reason is not None:
                drop_models(work)
            dbt_build(work, full_refresh=full, worker=dbt, keep_views=True)
            privacy.apply(work, config, key)
            record_inputs(work, prepared)
    messages, threads, mailboxes = _mart_counts(path) if do_transform else (0, 0, 0)
    if do_transform:  # after the swap, on the file the dashboard now shows
        _compile_known_requests(path)
        notifications.notify_after_build(path, config)
    return BuildSummary(
        path=path,
        source=source,
        as_of=prepared.as_of,
        messages=messages,
        threads=threads,
        mailboxes=mailboxes,
        seconds=time.monotonic() - started,
        loaded=loaded,
    )


def _compile_known_requests(path: Path) -> None:
    """The semantic layer's SQL, for a manifest this build wrote, of every request asked
    before (mailkpi/semantic.py): no page's first visit after an upgrade compiles it."""
    if semantic_manifest_stale(semantic_manifest_file()):
        return  # the build wrote none (a project newer than its parse): queries parse
    started = time.monotonic()
    if compiled := SemanticLayer(path).compile_known_requests():
        seconds = time.monotonic() - started
        log.info(
            "semantic layer: %d requests compiled for the new manifest in %.0f s", compiled, seconds
        )


def _run_on_spark(
    config: Config,
    source: str | None,
    do_extract: bool,
    do_transform: bool,
    full_refresh: bool,
    demo_messages: int | None,
    resync: tuple[str, ...],
) -> BuildSummary:
    """dlt into the lake's Parquet folders, config beside them, dbt with the `spark` target."""
    started = time.monotonic()
    folder, warehouse = lake.lake_path(), lake.warehouse_path()
    source = resolve_source(source) if do_extract else source or "existing"
    resync = check_resync(config, source, resync) if do_extract else ()
    loaded = None
    if do_extract:
        loaded = extract(
            folder, config, source, demo_messages=demo_messages, resync=resync, lake=folder
        )
        log.info("loaded %s observations from %s", f"{loaded.observations:,}", source)
    as_of = lake.write_config(folder, config, source)
    counts = (0, 0, 0)
    if do_transform:
        env = {
            "MAILKPI_TARGET": "spark",
            "MAILKPI_LAKE": str(folder),
            "MAILKPI_SPARK_WAREHOUSE": str(warehouse),
        }
        dbt_build(folder, full_refresh=full_refresh, env=env)
        counts = lake.mart_counts(warehouse)
    return BuildSummary(warehouse, source, as_of, *counts, time.monotonic() - started, loaded)
