"""A recorded demo tenant loads the same raw rows as generating it; a wrong one is refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from mailkpi.sources import demo_mailboxes
from pipelines.demo import DEMO_END, DEMO_START, demo_as_of, settings
from pipelines.demo.recording import RecordingMismatch, check, record
from tests.conftest import offline_env, run_mailkpi
from tests.demo.conftest import load as load_demo

pytestmark = pytest.mark.slow

MESSAGES = 2000
LATER_END = DEMO_END + dt.timedelta(days=2)
COMPARED = ("message_observations", "sync_runs")


@pytest.fixture(scope="module")
def recording(tmp_path_factory, config) -> Path:
    """Several files, so that replays read some whole and cut others at a window's edge."""
    directory = tmp_path_factory.mktemp("recording")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "BATCH_ROWS", 1000)
        manifest = record(
            demo_mailboxes(config),
            directory,
            internal_domains=config.internal_domains,
            end=LATER_END,
            messages=MESSAGES,
        )
    assert len(manifest["files"]) > 3
    return directory


def load(path: Path, config, **kwargs) -> dict[str, int]:
    return load_demo(path, config, messages=MESSAGES, **kwargs)


def rows(path: Path, table: str) -> list[tuple]:
    """Every row of a raw table without dlt's columns, sorted."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            if not name.startswith("_dlt")
        ]
        listed = ", ".join(f'"{n}"' for n in names)
        return con.execute(f"select {listed} from raw.{table} order by all").fetchall()


def test_replaying_loads_what_generating_loads(tmp_path, config, recording):
    generated, replayed = tmp_path / "generated.duckdb", tmp_path / "replayed.duckdb"
    for end in (DEMO_END, LATER_END):  # a full load, then the nights of a longer window
        load(generated, config, end=end)
        load(replayed, config, end=end, recording=str(recording))
        for table in COMPARED:
            expected = rows(generated, table)
            assert expected, table
            assert rows(replayed, table) == expected, (table, end)
    with duckdb.connect(str(replayed), read_only=True) as con:
        (last,) = con.execute("select max(observed_at) from raw.message_observations").fetchone()
    assert last == demo_as_of(LATER_END)  # an instant: the same whatever the session's zone


def test_a_recording_of_another_tenant_or_a_shorter_window_is_refused(config, recording):
    mailboxes = demo_mailboxes(config)
    kwargs = dict(
        internal_domains=config.internal_domains, seed=7, start=DEMO_START, messages=MESSAGES
    )
    assert check(recording, mailboxes, end=LATER_END, **kwargs)["messages"] == MESSAGES
    with pytest.raises(RecordingMismatch, match="ends on 2026-11-18, before the window's end"):
        check(recording, mailboxes, end=LATER_END + dt.timedelta(days=1), **kwargs)
    with pytest.raises(RecordingMismatch, match="recorded with seed 7, this load asks for 8"):
        check(recording, mailboxes, end=DEMO_END, **{**kwargs, "seed": 8})
    other = {**kwargs, "internal_domains": ["example.org"]}
    with pytest.raises(RecordingMismatch, match="recorded for other mailboxes or domains"):
        check(recording, mailboxes, end=DEMO_END, **other)
    renamed = [dataclasses.replace(mailboxes[0], timezone="Asia/Tokyo"), *mailboxes[1:]]
    with pytest.raises(RecordingMismatch, match="recorded for other mailboxes or domains"):
        check(recording, renamed, end=DEMO_END, **kwargs)


def test_the_cli_refuses_a_mismatched_recording_in_one_line(tmp_path, recording):
    result = run_mailkpi(
        "extract", "--source", "demo", "--demo-messages", "3000",
        "--duckdb", str(tmp_path / "mailkpi.duckdb"),
        env=offline_env(SOURCES__DEMO__RECORDING=str(recording)),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"mailkpi: demo recording {recording}: recorded with messages 2000, this load asks for 3000"
    ]
    assert not (tmp_path / "mailkpi.duckdb").exists()
