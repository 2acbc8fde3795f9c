"""A failed dbt build is reported as one line naming its first failure; a transform of a
file where nothing was loaded says so instead of running dbt into a missing schema."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from mailkpi.transform import _failures
from tests.conftest import run_mailkpi


def run_results(tmp_path: Path, *results: dict) -> Path:
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps({"results": list(results)}))
    return path


def test_first_failure_named_with_its_message_on_one_line(tmp_path):
    path = run_results(
        tmp_path,
        {"unique_id": "model.mailkpi.stg_a", "status": "success", "message": "OK"},
        {"unique_id": "test.mailkpi.unique_x", "status": "fail", "message": "Got 2\nresults"},
        {"unique_id": "model.mailkpi.fct_y", "status": "error", "message": "boom"},
    )
    assert _failures(path) == "2 failed; first: test.mailkpi.unique_x: Got 2 results"


def test_nothing_to_report_without_results(tmp_path):
    assert _failures(tmp_path / "missing.json") == ""
    assert _failures(run_results(tmp_path)) == ""


@pytest.mark.parametrize("state", ["no file", "an empty file"])
def test_transform_before_any_load_says_to_build_first(tmp_path, state):
    path = tmp_path / "mailkpi.duckdb"
    if state == "an empty file":
        duckdb.connect(str(path)).close()
    before = path.read_bytes() if path.exists() else None
    result = run_mailkpi("transform", "--duckdb", str(path), timeout=120)
    assert result.returncode == 4
    assert result.stderr.splitlines() == [
        f"mailkpi: {path}: nothing loaded yet: run `mailkpi build`"
    ]
    assert (path.read_bytes() if path.exists() else None) == before  # nothing written
