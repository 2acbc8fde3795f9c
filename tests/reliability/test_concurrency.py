"""One writer, many readers: a second build refuses, readers keep the previous build.

The build is the real `mailkpi.build.run` (lock, staged copy, atomic swap) with extract
and dbt replaced by a step that writes a numbered generation of marts and can be held
half-way, so the test controls exactly when the swap happens. The readers are separate
processes, as the dashboard and an ad-hoc SQL session are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from contextlib import nullcontext
from pathlib import Path

import duckdb
import pytest

import mailkpi.build
from mailkpi.config import load_config
from mailkpi.database import exclusive_build
from tests.conftest import MAILKPI, ROOT, offline_env

# An ad-hoc SQL session: holds one read-only connection, answers one query per stdin line.
READER = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print("ready", flush=True)
for line in sys.stdin:
    try:
        print(json.dumps(con.execute(line).fetchall(), default=str), flush=True)
    except Exception as error:
        print(json.dumps({"error": str(error)}), flush=True)
"""
GENERATION = "select max(generation), count(*) from marts.fct_threads"


class Reader:
    def __init__(self, path: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", READER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready"

    def ask(self, sql: str):
        self.process.stdin.write(sql + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def fresh_read(path: Path):
    """What a session opened now sees (the dashboard opens one per build it notices)."""
    reader = Reader(path)
    try:
        return reader.ask(GENERATION)
    finally:
        reader.close()


class FakeSteps:
    """Stands in for extract and dbt: writes generation N of the marts, optionally paused."""

    def __init__(self, monkeypatch):
        self.generation = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()
        monkeypatch.setattr(mailkpi.build, "extract", self.extract)
        monkeypatch.setattr(mailkpi.build, "dbt_build", self.dbt_build)
        monkeypatch.setattr(mailkpi.build, "started_dbt", lambda path: nullcontext())

    def extract(self, work, config, source, *, demo_messages=None, resync=()):
        return mailkpi.build.ExtractResult(source=source, rows={})

    def dbt_build(self, work, *, full_refresh=False, **_):
        self.generation += 1
        con = duckdb.connect(str(work))
        try:
            con.execute("create schema if not exists marts")
            for table in ("fct_threads", "fct_messages", "dim_mailboxes"):
                con.execute(
                    f"create or replace table marts.{table} as "
                    f"select {self.generation} as generation, range as n "
                    f"from range({self.generation * 10})"
                )
        finally:
            con.close()
        self.started.set()
        assert self.release.wait(timeout=60)


def build(path: Path):
    return mailkpi.build.run(path, load_config(ROOT / "mailkpi.yml"), source="demo")


@pytest.fixture
def steps(monkeypatch):
    return FakeSteps(monkeypatch)


def test_readers_see_the_previous_build_until_the_swap(tmp_path, steps):
    path = tmp_path / "mailkpi.duckdb"
    assert build(path).threads == 10
    adhoc = Reader(path)  # opened before the build, kept open across it
    assert adhoc.ask(GENERATION) == [[1, 10]]

    steps.release.clear()
    steps.started.clear()
    worker = threading.Thread(target=build, args=(path,))
    worker.start()
    try:
        assert steps.started.wait(timeout=60)
        # mid-build: the half-built copy is invisible, the file answers without lock errors
        assert adhoc.ask(GENERATION) == [[1, 10]]
        assert fresh_read(path) == [[1, 10]]
        assert (tmp_path / "mailkpi.duckdb.building").exists()
    finally:
        steps.release.set()
        worker.join(timeout=60)
    assert not worker.is_alive()

    assert fresh_read(path) == [[2, 20]]
    # the old session still answers, from the build it opened: consistent, not torn
    assert adhoc.ask(GENERATION) == [[1, 10]]
    assert adhoc.ask("select count(*) from marts.fct_messages") == [[10]]
    adhoc.close()
    assert not (tmp_path / "mailkpi.duckdb.building").exists()


@pytest.mark.slow
def test_a_second_build_refuses_in_one_line_while_the_first_runs(tmp_path, steps):
    path = tmp_path / "mailkpi.duckdb"
    build(path)
    steps.release.clear()
    steps.started.clear()
    worker = threading.Thread(target=build, args=(path,))
    worker.start()
    try:
        assert steps.started.wait(timeout=60)
        second = subprocess.run(
            [str(MAILKPI), "transform", "--duckdb", str(path)],
            env=offline_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        steps.release.set()
        worker.join(timeout=60)
    assert second.returncode == 3
    assert second.stderr.strip().splitlines() == [
        f"mailkpi: {path}: another build is running (pid {os.getpid()}); wait for it to finish"
    ]
    # the refused build touched nothing: the first one finished and swapped in normally
    assert fresh_read(path) == [[2, 20]]


def test_the_lock_is_released_when_its_holder_dies(tmp_path):
    """A build killed with SIGKILL leaves its lock file, but not the lock."""
    path = tmp_path / "mailkpi.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from mailkpi.database import exclusive_build\n"
            "with exclusive_build(Path(sys.argv[1])):\n"
            "    print('locked', flush=True); time.sleep(120)",
            str(path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    with (
        pytest.raises(mailkpi.database.DatabaseBusy, match=f"pid {holder.pid}"),
        exclusive_build(path),
    ):
        pass
    holder.kill()
    holder.wait(timeout=30)
    with exclusive_build(path):  # free again
        pass


def test_a_file_held_open_for_writing_is_one_line_exit_3(tmp_path):
    path = tmp_path / "mailkpi.duckdb"
    duckdb.connect(str(path)).close()
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('open', flush=True); time.sleep(120)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        result = subprocess.run(
            [str(MAILKPI), "transform", "--duckdb", str(path)],
            env=offline_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        writer.kill()
        writer.wait(timeout=30)
    assert result.returncode == 3, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"mailkpi: {path}: the file is locked by another process")


def test_a_failed_build_leaves_the_previous_file_and_no_copy(tmp_path, steps, monkeypatch):
    path = tmp_path / "mailkpi.duckdb"
    build(path)
    before = path.read_bytes()

    def broken(work, *, full_refresh=False, **_):
        raise mailkpi.transform.TransformFailed("dbt build failed: 1 failed")

    monkeypatch.setattr(mailkpi.build, "dbt_build", broken)
    with pytest.raises(mailkpi.transform.TransformFailed):
        build(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mailkpi.duckdb", "mailkpi.duckdb.lock"]


def test_a_write_session_killed_before_its_checkpoint_loses_nothing(tmp_path, steps):
    """Its writes live only in `<file>.wal`; the build folds them in, and no stale WAL is left."""
    path = tmp_path / "mailkpi.duckdb"
    build(path)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, os, sys; con = duckdb.connect(sys.argv[1]); "
            "con.execute('pragma disable_checkpoint_on_shutdown'); "
            "con.execute('create table main.notes as select 42 as answer'); "
            "os.kill(os.getpid(), 9)",
            str(path),
        ],
        check=False,
    )
    assert (tmp_path / "mailkpi.duckdb.wal").exists()
    build(path)
    assert not (tmp_path / "mailkpi.duckdb.wal").exists()
    reader = Reader(path)
    assert reader.ask("select answer from main.notes") == [[42]]
    assert reader.ask(GENERATION) == [[2, 20]]
    reader.close()
