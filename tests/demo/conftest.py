"""Fixtures: the bundled config and one small demo history, as observation rows in DuckDB."""

from __future__ import annotations

import tempfile
from pathlib import Path

import dlt
import duckdb
import pyarrow as pa
import pytest

from mailkpi.config import Config, load_config
from mailkpi.sources import demo_mailboxes
from pipelines.demo import demo_source
from pipelines.demo.generator import Tenant
from pipelines.demo.helpers import demo_as_of, folders_table, observation_batches
from pipelines.demo.settings import DEMO_END, DEMO_START
from tests.conftest import ROOT

SMALL = 4000  # messages: enough for every scenario to occur several times


def load(path: Path, config: Config, *, messages: int, **kwargs) -> dict[str, int]:
    """One run like the CLI's (a fresh pipelines_dir, state restored from the DuckDB file);
    the rows loaded per table, dlt's own left out."""
    pipeline = dlt.pipeline(
        pipeline_name="mailkpi",
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name="raw",
        pipelines_dir=tempfile.mkdtemp(prefix="dlt-"),
    )
    source = demo_source(
        demo_mailboxes(config),
        internal_domains=config.internal_domains,
        messages=messages,
        **kwargs,
    )
    pipeline.run(source, loader_file_format="parquet")
    info = pipeline.last_trace.last_normalize_info
    counts = dict(info.row_counts) if info else {}
    return {k: v for k, v in counts.items() if not k.startswith("_dlt")}


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(ROOT / "mailkpi.yml")


def tenant_of(config: Config, *, seed: int = 7, messages: int = SMALL) -> Tenant:
    return Tenant(
        demo_mailboxes(config),
        internal_domains=config.internal_domains,
        seed=seed,
        start=DEMO_START,
        messages=messages,
    )


def generate(config: Config, *, seed: int = 7, end=DEMO_END, messages: int = SMALL) -> pa.Table:
    tenant = tenant_of(config, seed=seed, messages=messages)
    return pa.concat_tables(observation_batches(tenant, end))


@pytest.fixture(scope="session")
def observations(config) -> pa.Table:
    return generate(config)


@pytest.fixture(scope="session")
def con(observations, config) -> duckdb.DuckDBPyConnection:
    """`obs`: the observation rows; `folders`: folder id -> display name per store;
    `msgs`: the latest full observation of each (store, message)."""
    con = duckdb.connect()
    con.register("obs_arrow", observations)
    con.register("folders_arrow", folders_table(tenant_of(config), demo_as_of(DEMO_END)))
    con.execute("create table folders as select * from folders_arrow")
    con.execute(
        """
        create table obs as
        select o.*, f.display_name as folder
        from obs_arrow as o
        left join (select distinct store_address, folder_id, display_name from folders) as f
            using (store_address, folder_id)
        """
    )
    con.execute(
        """
        create table msgs as
        select * from obs
        where not is_removed and subject is not null
        qualify row_number() over (
            partition by mailbox_address, store_address, message_id order by observed_at desc
        ) = 1
        """
    )
    yield con
    con.close()
