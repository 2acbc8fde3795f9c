"""A load killed with SIGKILL at any point, then run again, ends with exactly the
messages of an uninterrupted run."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.msgraph.conftest import NOW, ROOT_DIR, SUPPORT

pytestmark = pytest.mark.slow


def run_until_killed(graph, config_path, db_path, observed_at, after_requests: int) -> int:
    """Start a load in a subprocess and SIGKILL it once the emulator saw that many requests."""
    start = graph.request_count()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.msgraph.extract_worker",
            str(config_path),
            str(db_path),
            observed_at.isoformat(),
        ],
        cwd=ROOT_DIR,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while graph.request_count() - start < after_requests and worker.poll() is None:
        assert time.monotonic() < deadline, "worker never reached the kill point"
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    return worker.wait(timeout=30)


@pytest.mark.parametrize("after_requests", [3, 9, 14])
def test_killed_load_then_rerun_loads_every_message_once(
    graph, team, warehouse, tmp_path, after_requests
):
    first = [graph.add_message(SUPPORT, received=NOW - dt.timedelta(hours=i)) for i in range(30)]
    warehouse.load(team)  # run 1 completes
    later = [graph.add_message(SUPPORT, received=NOW + dt.timedelta(minutes=i)) for i in range(30)]
    graph.latency = 0.03

    status = run_until_killed(
        graph, team.path, warehouse.path, NOW + dt.timedelta(hours=2), after_requests
    )
    assert status == -signal.SIGKILL
    graph.latency = 0
    warehouse.load(team, observed_at=NOW + dt.timedelta(hours=3))

    rows = warehouse.observations()
    counts = Counter((r["folder_id"], r["message_id"]) for r in rows)
    inbox = graph.folder_id(SUPPORT, "inbox")
    assert {m for (f, m) in counts if f == inbox} == {*first, *later}
    assert set(counts.values()) == {1}  # nothing from the killed run, nothing twice
