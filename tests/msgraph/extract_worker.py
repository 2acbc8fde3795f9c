"""Runs one Graph load in its own process (for kill-and-resume tests):
python -m tests.msgraph.extract_worker <mailkpi.yml> <duckdb file> <observed_at ISO>."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

import dlt

from mailkpi.config import load_config
from mailkpi.sources import graph_mailboxes
from pipelines.msgraph import msgraph_source

if __name__ == "__main__":
    config_path, db_path, observed_at = sys.argv[1:4]
    pipeline = dlt.pipeline(
        "mailkpi",
        destination=dlt.destinations.duckdb(db_path),
        dataset_name="raw",
        pipelines_dir=tempfile.mkdtemp(prefix="dlt-"),
    )
    source = msgraph_source(
        graph_mailboxes(load_config(Path(config_path))),
        observed_at=dt.datetime.fromisoformat(observed_at),
    )
    pipeline.run(source, loader_file_format="parquet")
