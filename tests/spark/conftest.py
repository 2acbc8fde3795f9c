"""Spark fixtures: a local SparkSession configured as the `spark` dbt output, and DuckDB.

The Spark tests need Java 17 and the `spark` dependency group (`make spark-deps` installs
both). Without them they are skipped, saying which is missing (the run's summary lists every
skipped test); in CI (`CI` set) they fail instead: a green run there means Spark was tested.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import jinja2
import pytest
import yaml

from .render import MacroRenderer

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "dbt" / "profiles.yml"


def spark_missing() -> str | None:
    """Why the Spark tests cannot run here, or None."""
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return "no Java runtime (java not on PATH, JAVA_HOME unset): run `make spark-deps`"
    for module in ("pyspark", "dbt.adapters.spark"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return f"{module} is not installed (uv group `spark`): run `make spark-deps`"
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def require_spark() -> None:
    """Skip the calling test where Spark is missing; fail it in CI, in one line."""
    if reason := spark_missing():
        if in_ci():
            pytest.fail(f"the Spark backend is missing in CI: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def spark_backend() -> None:
    require_spark()


requires_spark = pytest.mark.usefixtures("spark_backend")


def profile_spark_conf(warehouse: Path) -> dict[str, str]:
    """The `spark` output's server_side_parameters, rendered for `warehouse`, plus the
    setting dbt-spark itself forces (ANSI mode off)."""
    env = dict(os.environ, MAILKPI_SPARK_WAREHOUSE=str(warehouse))
    rendered = jinja2.Template(PROFILES.read_text()).render(
        env_var=lambda name, default=None: env.get(name, default)
    )
    conf = yaml.safe_load(rendered)["mailkpi"]["outputs"]["spark"]["server_side_parameters"]
    return {str(k): str(v) for k, v in conf.items()} | {"spark.sql.ansi.enabled": "false"}


@pytest.fixture(scope="session")
def spark(tmp_path_factory) -> Iterator[object]:
    """One in-process SparkSession for the session (its catalog in memory: no metastore)."""
    require_spark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("mailkpi-tests")
    for key, value in profile_spark_conf(tmp_path_factory.mktemp("spark-warehouse")).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("set time zone 'UTC'")
    yield con
    con.close()


@pytest.fixture(scope="session")
def renderers() -> dict[str, MacroRenderer]:
    return {engine: MacroRenderer(engine) for engine in ("duckdb", "spark")}
