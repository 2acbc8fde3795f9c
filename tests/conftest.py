"""Fixtures shared across test packages: one small demo build per session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAILKPI = Path(sys.executable).with_name("mailkpi")
SMALL_DEMO_MESSAGES = 1500


def offline_env(**extra: str) -> dict[str, str]:
    """The environment of a build with no Graph settings and no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__MSGRAPH__")}
    env.update(
        RUNTIME__DLTHUB_TELEMETRY="false",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_VERSION_CHECK="false",
        MAILKPI_CONFIG=str(ROOT / "mailkpi.yml"),
    )
    env.update(extra)
    return env


def run_mailkpi(*args: str, env: dict[str, str] | None = None, timeout: float = 600):
    return subprocess.run(
        [str(MAILKPI), *args],
        cwd=ROOT,
        env=env or offline_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def demo_duckdb(tmp_path_factory) -> Path:
    """A DuckDB file holding a complete build of a small demo tenant (read it read-only)."""
    path = tmp_path_factory.mktemp("demo") / "mailkpi.duckdb"
    result = run_mailkpi(
        "build", "--source", "demo", "--demo-messages", str(SMALL_DEMO_MESSAGES),
        "--duckdb", str(path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return path
