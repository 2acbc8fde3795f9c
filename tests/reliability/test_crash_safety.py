"""kill -9 at seeded points of extract, load and transform; the rerun equals an uninterrupted build.

Design, to keep the run short: one uninterrupted reference build is timed, which gives
the timeline of the extract/load phase and of the dbt phase. Kill points are seeded
fractions of that timeline. Kills in the extract/load phase hit `mailkpi build` (counted
from its start); kills in the dbt phase hit `mailkpi transform` on a copy of the reference
(a nightly rebuild of a complete file: the build's second half, without paying for the
extract again), counted from dbt's first output line. Each kill
costs only its offset, and kills go on until the wanted number landed. After every kill
the file must hold exactly the bytes it held before the run, or (killed after its swap)
the complete new build, and no process of the killed build may live on; a run that ended
before its kill point must have swapped in exactly the reference marts. One final plain
`mailkpi build` must reproduce the reference marts row for row, load 0 new observations
and duplicate none.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import MAILKPI, ROOT, offline_env
from tests.reliability.marts import mart_differences

pytestmark = pytest.mark.slow

SEED = 4242
EXTRACT_KILLS = 10
TRANSFORM_KILLS = 10
DEMO_MESSAGES = "400"
DBT_STARTED = "Running with dbt"


class Run:
    """One CLI run whose output lines are timestamped as they arrive."""

    def __init__(self, *args: str):
        self.started = time.monotonic()
        self.lines: list[tuple[float, str]] = []
        self.process = subprocess.Popen(
            [str(MAILKPI), *args, "--verbose"],  # dbt's node lines mark the transform's start
            cwd=ROOT,
            env=offline_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append((time.monotonic() - self.started, line.rstrip()))

    def finish(self, timeout: float = 900) -> int:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=30)
        return code

    def kill_at(self, offset: float, after: str | None = None) -> bool:
        """SIGKILL the `mailkpi` process (not its children) `offset` s after its start, or
        after the output line containing `after`; False if it ended before."""
        start = self.started
        while after and self.process.poll() is None:
            if (seen := self.seen(after)) is not None:
                start += seen
                break
            time.sleep(0.05)
        try:
            self.process.wait(timeout=max(0.0, offset - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.finish()
            return True
        self.finish()
        return False

    def seen(self, text: str) -> float | None:
        return next((t for t, line in self.lines if text in line), None)

    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)


def survivors(path: Path) -> list[int]:
    """Processes still working on the build copy of `path` (dbt runs with it in its env)."""
    marker = f"MAILKPI_DUCKDB={path}.building".encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                found.append(int(pid))
        except OSError:
            continue
    return found


def wait_for_no_survivors(path: Path, seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := survivors(path)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive


def fingerprint(path: Path) -> tuple | None:
    if not path.exists():
        return None
    stat = path.stat()
    return stat.st_ino, stat.st_size, hashlib.sha256(path.read_bytes()).hexdigest()


def raw_counts(path: Path) -> tuple[int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select count(*), count(distinct (store_address, folder_id, message_id, observed_at,"
            " is_removed)) from raw.message_observations"
        ).fetchall()[0]
    finally:
        con.close()


@pytest.mark.timeout(3600)
def test_kill_9_anywhere_then_rerun_equals_an_uninterrupted_build(tmp_path):
    reference = tmp_path / "reference.duckdb"
    demo = ("--source", "demo", "--demo-messages", DEMO_MESSAGES)
    ref = Run("build", *demo, "--duckdb", str(reference))
    assert ref.finish() == 0, ref.output()[-3000:]
    extract_phase = ref.seen(DBT_STARTED)
    dbt_phase = ref.lines[-1][0] - extract_phase
    assert extract_phase and dbt_phase > 0

    victim = tmp_path / "victim.duckdb"
    rng = random.Random(SEED)
    kills = {"extract/load": 0, "transform": 0}
    finished = 0

    def kill_runs(args: tuple[str, ...], phase_seconds: float, wanted: int, after=None) -> None:
        """Start `mailkpi *args` and SIGKILL it at seeded points until `wanted` kills landed."""
        nonlocal finished
        landed = 0
        for _ in range(wanted * 2):
            before = fingerprint(victim)
            run = Run(*args)
            killed = run.kill_at(rng.uniform(0.02, 0.98) * phase_seconds, after)
            phase = "transform" if run.seen(DBT_STARTED) else "extract/load"
            assert not wait_for_no_survivors(victim), f"a child of a run killed in {phase} lives on"
            assert run.process.returncode in (-9, 0), run.output()[-3000:]
            if killed:
                if fingerprint(victim) != before:  # killed between the swap and the exit
                    assert mart_differences(reference, victim) == {}, run.output()[-2000:]
                kills[phase] += 1
                landed += 1
            else:  # a run that finished swapped in a complete build
                assert mart_differences(reference, victim) == {}, run.output()[-2000:]
                finished += 1
            if landed == wanted:
                return

    # a first build of an empty file, killed while it extracts and loads
    kill_runs(("build", *demo, "--duckdb", str(victim)), extract_phase, EXTRACT_KILLS)
    # a nightly rebuild of a complete file, killed inside dbt
    victim.unlink(missing_ok=True)
    shutil.copyfile(reference, victim)
    kill_runs(("transform", "--duckdb", str(victim)), dbt_phase, TRANSFORM_KILLS, DBT_STARTED)

    final = Run("build", *demo, "--duckdb", str(victim))
    assert final.finish() == 0, final.output()[-3000:]
    assert "loaded 0 observations from demo" in final.output()  # nothing loaded twice
    assert mart_differences(reference, victim) == {}
    assert raw_counts(victim) == raw_counts(reference)
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("victim"))
    assert leftovers == ["victim.duckdb", "victim.duckdb.lock"]
    print(f"kills survived: {kills}; runs that ended before their kill point: {finished}")
    assert sum(kills.values()) >= 20
