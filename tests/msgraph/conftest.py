"""Fixtures: a Graph emulator on a free port, a small team config, and a load helper that
runs the real source (msgraph-sdk client) into a DuckDB file like the CLI does."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dlt
import duckdb
import pytest

from mailkpi.config import Config, load_config
from mailkpi.graph_emulator import DEFAULT_TOKEN, GraphEmulator
from mailkpi.sources import graph_mailboxes
from pipelines.msgraph import msgraph_source

ROOT_DIR = Path(__file__).resolve().parents[2]
SUPPORT = "support@contoso.com"
ALICE = "alice@contoso.com"
BOB = "bob@contoso.com"
SALES = "sales@contoso.com"
DAVE = "dave@contoso.com"
NOW = dt.datetime(2026, 5, 18, 12, 0, tzinfo=dt.UTC)

TEAM_YML = f"""
organization: {{internal_domains: [contoso.com]}}
mailboxes:
  - address: {SUPPORT}
    agents:
      - {{address: {ALICE}, category: Alice}}
      - {{address: {BOB}, category: Bob}}
    agent_mailboxes: true
    folders:
      excluded: [Junk Email, Drafts, Outbox, Conversation History]
"""


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch) -> Iterator[GraphEmulator]:
    """An emulator holding the support mailbox and its agents' mailboxes, its clock at NOW."""
    emulator = GraphEmulator(now=NOW).start()
    for address in (SUPPORT, ALICE, BOB):
        emulator.add_mailbox(address)
    for name, value in {
        "BASE_URL": emulator.base_url,
        "CREDENTIALS__ACCESS_TOKEN": DEFAULT_TOKEN,
        "PAGE_SIZE": "5",
        "MAX_RETRY_WAIT_SECONDS": "20",
    }.items():
        monkeypatch.setenv(f"SOURCES__MSGRAPH__{name}", value)
    try:
        yield emulator
    finally:
        emulator.stop()


def team_config(tmp_path: Path, text: str = TEAM_YML) -> Config:
    path = tmp_path / "mailkpi.yml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def team(tmp_path: Path) -> Config:
    return team_config(tmp_path)


class Warehouse:
    """One DuckDB file loaded run after run, each run with a fresh pipelines_dir."""

    def __init__(self, path: Path):
        self.path = path
        self.runs = 0

    def load(self, config: Config, observed_at: dt.datetime | None = None):
        self.runs += 1
        pipeline = dlt.pipeline(
            "mailkpi",
            destination=dlt.destinations.duckdb(str(self.path)),
            dataset_name="raw",
            pipelines_dir=tempfile.mkdtemp(prefix="dlt-"),
        )
        when = observed_at or NOW + dt.timedelta(hours=self.runs)
        source = msgraph_source(graph_mailboxes(config), observed_at=when)
        return pipeline.run(source, loader_file_format="parquet")

    def rows(self, sql: str, *params) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def observations(self, run: int | None = None) -> list[dict]:
        """Observations of one run (1-based), or of all runs."""
        sql = "select * from raw.message_observations"
        with duckdb.connect(str(self.path), read_only=True) as con:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        if run is not None:
            when = NOW + dt.timedelta(hours=run)
            rows = [r for r in rows if r["observed_at"] == when]
        return rows


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "mailkpi.duckdb")
