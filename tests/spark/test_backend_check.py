"""Without Java or the `spark` group the Spark tests skip, said loudly at the end of the run;
in CI they fail, in one line saying what is missing. Spark itself is not started here."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, require_spark, spark_missing

NO_JAVA = "no Java runtime (java not on PATH, JAVA_HOME unset): run `make spark-deps`"
VENV_BIN = str(Path(sys.executable).parent)  # a PATH without java


@pytest.fixture
def no_java(monkeypatch):
    monkeypatch.setenv("PATH", VENV_BIN)
    monkeypatch.delenv("JAVA_HOME", raising=False)


def test_a_missing_java_is_named(no_java):
    assert spark_missing() == NO_JAVA


def test_a_missing_spark_group_is_named(monkeypatch):
    monkeypatch.setenv("JAVA_HOME", "/usr/lib/jvm/java-17")
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "pyspark" else find_spec(name)
    )
    assert spark_missing() == "pyspark is not installed (uv group `spark`): run `make spark-deps`"


@pytest.mark.parametrize(
    ("ci", "outcome"),
    [
        (None, pytest.skip.Exception),
        ("false", pytest.skip.Exception),
        ("true", pytest.fail.Exception),
        ("1", pytest.fail.Exception),
    ],
)
def test_skipped_locally_failed_in_ci(no_java, monkeypatch, ci, outcome):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome) as caught:
        require_spark()
    expected = (
        NO_JAVA
        if outcome is pytest.skip.Exception
        else f"the Spark backend is missing in CI: {NO_JAVA}"
    )
    assert caught.value.msg == expected


def run_spark_target_test(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """pytest on the Spark target's test, in a process whose PATH has no java."""
    environ = {"PATH": VENV_BIN, "HOME": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/spark/test_spark_target.py", "-n", "0",
         "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "run"), "-q"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_ci_run_without_java_fails_saying_why(tmp_path):
    result = run_spark_target_test(tmp_path, CI="true")
    assert result.returncode == 1, result.stdout[-2000:]
    assert (
        "ERROR tests/spark/test_spark_target.py::test_dbt_spark_builds_from_a_parquet_lake_as_"
        f"duckdb_does - Failed: the Spark backend is missing in CI: {NO_JAVA}"
    ) in result.stdout.splitlines()


def test_a_local_run_without_java_passes_and_lists_the_skip_loudly(tmp_path):
    result = run_spark_target_test(tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    lines = result.stdout.splitlines()
    banner = next(i for i, line in enumerate(lines) if " 1 tests NOT RUN " in line)
    assert lines[banner].startswith("!!!")
    assert lines[banner + 1] == f"   1 skipped: {NO_JAVA}"
