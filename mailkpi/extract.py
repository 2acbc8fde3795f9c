"""Extract a source (demo tenant or Microsoft Graph) and load it into schema `raw`.

The dlt pipeline gets a fresh working directory on every run, so its state (delta
links, last observed night) always comes from the DuckDB file itself: the file is the
single source of truth, and a build that never swapped in leaves no state behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .config import Config, ConfigError
from .dlt_settings import dlt_module

log = logging.getLogger("mailkpi")

PIPELINE_NAME = "mailkpi"
# The instant a Graph run observes the mailboxes at, instead of now: for replaying a night
# and for tests, which own their clock (docs/operations.md, "Settings for replays and tests").
OBSERVED_AT_ENV = "MAILKPI_OBSERVED_AT"


@dataclass(frozen=True)
class ExtractResult:
    source: str
    rows: dict[str, int]

    @property
    def observations(self) -> int:
        return self.rows.get("message_observations", 0)


def graph_configured() -> bool:
    dlt_module()  # before the source's first settings lookup
    from pipelines.msgraph import is_configured

    return is_configured()


def resolve_source(requested: str | None) -> str:
    """`demo` or `graph`; without a request, Graph when any Graph setting is present."""
    if requested:
        return requested
    if graph_configured():
        return "graph"
    log.warning(
        "No Microsoft 365 credentials configured: building the bundled demo tenant "
        "(see README, 'Point it at your tenant')."
    )
    return "demo"


def _source(name: str, config: Config, demo_messages: int | None):
    from .sources import demo_mailboxes, graph_mailboxes

    if name == "demo":
        from pipelines.demo import demo_source

        return demo_source(
            demo_mailboxes(config),
            internal_domains=config.internal_domains,
            **({"messages": demo_messages} if demo_messages else {}),
        )
    from pipelines.msgraph import msgraph_source

    return msgraph_source(graph_mailboxes(config), observed_at=observed_at())


def observed_at() -> dt.datetime:
    """Now (UTC, whole seconds), or the instant MAILKPI_OBSERVED_AT names (ISO 8601 with an
    offset or Z)."""
    setting = os.environ.get(OBSERVED_AT_ENV, "").strip()
    if not setting:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        when = dt.datetime.fromisoformat(setting)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ConfigError(
            f"{OBSERVED_AT_ENV}: {setting!r} is not an instant with its offset, "
            "like 2026-05-18T01:00:00Z"
        )
    return when.astimezone(dt.UTC)


def _progress():
    """dlt's progress every 10 s on a terminal (or with --verbose); none in a nightly job's
    log, which gets the source's line per mailbox and the summary instead."""
    import dlt
    from dlt.common.runtime.collector import NULL_COLLECTOR

    if sys.stderr.isatty() or log.isEnabledFor(logging.DEBUG):
        return dlt.progress.log(log_period=10.0, logger=log, dump_system_stats=False)
    return NULL_COLLECTOR


def check_resync(config: Config, source: str, mailboxes: tuple[str, ...]) -> tuple[str, ...]:
    """The team mailboxes to re-read in full, lower-cased; one-line error for anything else."""
    if mailboxes and source != "graph":
        raise ConfigError("--resync: only Microsoft Graph mailboxes can be re-read")
    known = {m.address for m in config.mailboxes}
    for address in mailboxes:
        if address.lower() not in known:
            raise ConfigError(f"--resync: {address} is not a mailbox of {config.path.name}")
    return tuple(a.lower() for a in mailboxes)


def _forget_delta_links(pipeline, mailboxes: tuple[str, ...]) -> None:
    """Make the next round of every folder of these mailboxes a full re-read.

    The delta links live in the source's state, restored from the DuckDB file; the changed
    state is stored with this run's load, so a failed run forgets nothing.
    """
    pipeline.sync_destination()
    with pipeline.managed_state() as state:
        rounds = (
            state.get("sources", {})
            .get("msgraph", {})
            .get("resources", {})
            .get("graph_mail", {})
            .get("rounds", {})
        )
        for key, folders in rounds.items():
            if key.split("|")[0] in mailboxes:
                for folder in folders.values():
                    folder["delta_link"] = None
                log.info("resync: every folder of %s will be read again", key.split("|")[1])


def extract(
    path: Path,
    config: Config,
    source: str,
    *,
    demo_messages: int | None = None,
    resync: tuple[str, ...] = (),
    lake: Path | None = None,
) -> ExtractResult:
    """Load into the DuckDB file `path`, or with `lake` into Parquet files under it (Spark)."""
    dlt = dlt_module()

    destination = (
        dlt.destinations.filesystem(lake.as_uri()) if lake else dlt.destinations.duckdb(str(path))
    )
    with tempfile.TemporaryDirectory(prefix="mailkpi-dlt-") as work_dir:
        pipeline = dlt.pipeline(
            pipeline_name=PIPELINE_NAME,
            destination=destination,
            dataset_name="raw",
            pipelines_dir=work_dir,
            progress=_progress(),
        )
        if resync:
            _forget_delta_links(pipeline, resync)
        pipeline.run(_source(source, config, demo_messages), loader_file_format="parquet")
        rows = dict(pipeline.last_trace.last_normalize_info.row_counts)
    return ExtractResult(
        source=source, rows={k: v for k, v in rows.items() if not k.startswith("_dlt")}
    )
