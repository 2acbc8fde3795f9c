"""The dlt source: raw tables as docs/raw-layer.md, incremental by nightly load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipelines.common.messages import COLUMNS, QUARANTINE_SCHEMA
from pipelines.common.tables import FOLDERS_SCHEMA, SYNC_RUNS_SCHEMA
from pipelines.demo import DEMO_END
from tests.demo.conftest import load as load_demo

pytestmark = pytest.mark.slow

MESSAGES = 1500
EARLIER_END = DEMO_END - dt.timedelta(days=20)


def load(path: Path, config, **kwargs) -> dict[str, int]:
    return load_demo(path, config, messages=MESSAGES, **kwargs)


def query(path: Path, sql: str):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def columns(path: Path, table: str) -> set[str]:
    rows = query(
        path,
        "select column_name from information_schema.columns "
        f"where table_schema = 'raw' and table_name = '{table}'",
    )
    return {r[0] for r in rows} - {"_dlt_load_id", "_dlt_id"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, config) -> tuple[Path, dict[str, int], dict[str, int]]:
    """Loaded up to EARLIER_END, then rerun with the same window."""
    path = tmp_path_factory.mktemp("demo") / "mailkpi.duckdb"
    first = load(path, config, end=EARLIER_END)
    again = load(path, config, end=EARLIER_END)
    return path, first, again


def test_loads_the_raw_tables_with_the_contract_columns(loaded):
    path, first, _ = loaded
    assert set(first) == {"message_observations", "mail_folders", "sync_runs", "quarantined_items"}
    assert columns(path, "message_observations") == set(COLUMNS)
    assert columns(path, "mail_folders") == set(FOLDERS_SCHEMA.names)
    assert columns(path, "sync_runs") == set(SYNC_RUNS_SCHEMA.names)
    assert columns(path, "quarantined_items") == set(QUARANTINE_SCHEMA.names)


def test_one_sync_run_per_store_per_night(loaded):
    path, first, _ = loaded
    nights = (EARLIER_END - dt.date(2026, 5, 18)).days
    # support@ and its three agents' Sent Items; dave's and erin's mailboxes for sales@
    assert first["sync_runs"] == nights * 6
    last = query(
        path, "select max(run_started_at), count(distinct store_address) from raw.sync_runs"
    )
    assert last[0] == (dt.datetime(2026, 10, 27, 1, 0, tzinfo=dt.UTC), 6)


def test_folders_and_quarantine(loaded):
    path, first, _ = loaded
    # 8 default folders per store, plus Done under the Inbox of support@
    assert first["mail_folders"] == 6 * 8 + 1
    done = query(
        path, "select folder_path, is_excluded from raw.mail_folders where display_name = 'Done'"
    )
    assert done == [("Inbox/Done", False)]
    excluded = query(
        path,
        "select count(*) from raw.mail_folders where is_excluded and display_name = 'Junk Email'",
    )
    assert excluded == [(6,)]  # every store: the default exclusions apply to both mailboxes
    assert first["quarantined_items"] >= 2


def test_rerun_with_the_same_window_loads_nothing(loaded):
    _, _, again = loaded
    assert sum(again.values()) == 0


def test_a_later_end_appends_only_the_new_nights(loaded, config, tmp_path):
    path, _, _ = loaded
    before = query(path, "select count(*), max(observed_at) from raw.message_observations")[0]
    more = load(path, config, end=DEMO_END)
    after = query(path, "select count(*), max(observed_at) from raw.message_observations")[0]
    assert after[0] == before[0] + more["message_observations"]
    assert after[1] == dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)
    new_rows = query(
        path,
        "select min(observed_at) from raw.message_observations "
        "where _dlt_load_id = (select max(_dlt_load_id) from raw.message_observations)",
    )
    assert new_rows == [(dt.datetime(2026, 10, 28, 1, 0, tzinfo=dt.UTC),)]
    # the same as loading the whole window at once
    whole = tmp_path / "whole.duckdb"
    load(whole, config, end=DEMO_END)
    digest = (
        "select count(*), sum(hash(observed_at, store_address, message_id, folder_id, "
        "is_removed, subject, categories::varchar, last_modified_date_time)) "
        "from raw.message_observations"
    )
    assert query(path, digest) == query(whole, digest)
