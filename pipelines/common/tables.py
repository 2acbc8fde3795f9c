"""Arrow shapes of the raw tables besides the observations (docs/raw-layer.md), for both sources."""

from __future__ import annotations

import pyarrow as pa

_TS = pa.timestamp("us", tz="UTC")

FOLDERS_SCHEMA = pa.schema(
    [
        pa.field("mailbox_address", pa.string(), nullable=False),
        pa.field("store_address", pa.string(), nullable=False),
        pa.field("folder_id", pa.string(), nullable=False),
        ("parent_folder_id", pa.string()),
        ("display_name", pa.string()),
        ("well_known_name", pa.string()),
        ("folder_path", pa.string()),
        ("is_excluded", pa.bool_()),
        ("observed_at", _TS),
    ]
)
SYNC_RUNS_SCHEMA = pa.schema(
    [
        ("run_started_at", _TS),
        ("run_finished_at", _TS),
        ("source", pa.string()),
        ("mailbox_address", pa.string()),
        ("store_address", pa.string()),
        *((name, pa.int64()) for name in (
            "folders", "messages_new", "messages_changed", "messages_removed", "requests",
            "resyncs",
        )),
    ]
)  # fmt: skip


def folders_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=FOLDERS_SCHEMA)


def sync_runs_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SYNC_RUNS_SCHEMA)
