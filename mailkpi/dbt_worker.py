"""The dbt process of a build: started early, handed its one command once the file is ready.

Importing dbt and loading its parse of the project take seconds. A build starts this process
(`started_dbt`) before it copies the DuckDB file, as early as the command line allows, so
both overlap the copy and the config tables; then it sends the command as one JSON line on
stdin: `{"args": [...], "run_results": path}`. End of input without a line (the build
stopped before its transform) ends the process.

This module is both sides: the launcher, imported by the CLI before anything heavy, and
`python -m mailkpi.dbt_worker <project dir>`, which alone imports dbt.

dbt writes no manifest.json (`--no-write-json`): writing it costs a second per build and
nothing reads it. The run results, which name what failed, are written here instead. Once
they are, and the DuckDB file is closed (checkpointed), the process ends at once: Python's
teardown of dbt's modules would take another 0.7 s with nothing left to do. On Spark it
ends the usual way, which stops the session's JVM (pyspark's exit hook).
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"
PR_SET_PDEATHSIG = 1  # linux/prctl.h
SECRET_ENV_PREFIXES = ("SOURCES__", "DESTINATION__")  # dlt's settings and credentials


def spark_target() -> bool:
    """Whether this run builds on Spark (MAILKPI_TARGET=spark) rather than the DuckDB file."""
    return os.environ.get("MAILKPI_TARGET", "duckdb") == "spark"


def _die_with_parent(parent: int):
    """A `preexec_fn`: dbt gets SIGKILL when the build dies, even by SIGKILL.

    Otherwise an orphaned dbt keeps writing the abandoned build copy (and its WAL, by
    path) while the next build is already working on a new copy of the same name.
    """
    if not sys.platform.startswith("linux"):
        return None

    def arm() -> None:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the build died before the line above
            os._exit(1)

    return arm


def _without_secrets(environ: os._Environ | dict[str, str]) -> dict[str, str]:
    """dbt needs none of the Graph credentials or the pseudonym key: it does not get them."""
    return {
        k: v
        for k, v in environ.items()
        if not k.startswith(SECRET_ENV_PREFIXES) and k != "MAILKPI_PSEUDONYM_KEY"
    }


def dbt_env(path: Path, env: dict[str, str] | None) -> dict[str, str]:
    """The environment dbt runs in, building the DuckDB file `path`."""
    return {
        # dbt's log file gets what it prints, not every statement it sends (half a second of
        # formatting and writing per nightly build); DBT_LOG_LEVEL_FILE=debug brings them back
        "DBT_LOG_LEVEL_FILE": "info",
        **_without_secrets(os.environ),
        "MAILKPI_DUCKDB": str(path),
        **(env or {}),
    }


@contextmanager
def started_dbt(path: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """A dbt process for a build of `path`, importing dbt and parsing the project from now
    on; `mailkpi.transform.dbt_build(..., worker=)` hands it its command and waits for it.
    A process still running when the block ends (never handed a command: the build stopped
    before its transform, or was interrupted) is killed: it has not touched the file, or
    works on a copy the build abandons."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "mailkpi.dbt_worker", str(DBT_DIR)],
        stdin=subprocess.PIPE,
        text=True,
        env=dbt_env(path, env),
        preexec_fn=_die_with_parent(os.getpid()),
    )
    with supervised(worker):
        yield worker


@contextmanager
def supervised(worker: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """A dbt worker for the block, killed at its end if it still runs, and reaped."""
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.stdin.close()
        worker.wait()


def semantic_manifest_file() -> Path:
    """Where the semantic manifest is: the dbt target folder ($DBT_TARGET_PATH if set)."""
    return DBT_DIR / os.environ.get("DBT_TARGET_PATH", "target") / "semantic_manifest.json"


def semantic_manifest_stale(path: Path) -> bool:
    """Whether the semantic manifest at `path` is missing or older than a file it derives
    from (the project file and the models' YAML)."""
    if not path.exists():
        return True
    written = path.stat().st_mtime
    sources = [DBT_DIR / "dbt_project.yml", *(DBT_DIR / "models").rglob("*.yml")]
    return any(source.stat().st_mtime > written for source in sources)


def refresh_semantic_manifest(manifest) -> None:
    """Write the semantic manifest from a successful build's parse when the project changed
    since it was written: the first `mailkpi query` or dashboard page after an upgrade then
    runs no `dbt parse` of its own (mailkpi/semantic.py). Whole or not at all, for a reader
    beside it."""
    path = semantic_manifest_file()
    if not semantic_manifest_stale(path):
        return
    from dbt.contracts.graph.semantic_manifest import SemanticManifest

    partial = path.with_suffix(f".{os.getpid()}.tmp")
    SemanticManifest(manifest).write_json_to_file(str(partial))
    partial.replace(path)


def parsed(project_dir: str):
    """The project's manifest; None if it does not parse (the command then says why)."""
    from dbt.cli.main import dbtRunner

    parse = ["parse", "--project-dir", project_dir, "--profiles-dir", project_dir]
    outcome = dbtRunner().invoke([*parse, "--quiet", "--no-write-json"])
    return outcome.result if outcome.success else None


def main() -> int:
    manifest = parsed(sys.argv[1])
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    return command(manifest, json.loads(line))


def command(manifest, request: dict) -> int:
    """Run the dbt command of `request` with the project's parse `manifest`; 0 on success."""
    from dbt.cli.main import dbtRunner

    run_results = Path(request["run_results"])
    run_results.unlink(missing_ok=True)  # a failure must not be read from an earlier run
    outcome = dbtRunner(manifest=manifest).invoke([*request["args"], "--no-write-json"])
    if hasattr(outcome.result, "write"):
        run_results.parent.mkdir(parents=True, exist_ok=True)
        outcome.result.write(str(run_results))
    if outcome.success and not spark_target():  # the semantic layer reads DuckDB only
        refresh_semantic_manifest(manifest)
    return 0 if outcome.success else 1


def _close_duckdb() -> None:
    """Close the file dbt built (DuckDB checkpoints it), which dbt leaves to interpreter exit."""
    if "dbt.adapters.duckdb" not in sys.modules:
        return  # dbt failed before it opened the file
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    try:
        environment = DuckDBConnectionManager.env()
    except Exception:  # a bare Exception: dbt never opened the file
        return
    environment.close()


def _release_semaphores() -> None:
    """Unlink the semaphores of dbt's multiprocessing locks, which the immediate exit would
    leave to Python's resource tracker (and its "leaked semaphore objects" warning)."""
    import multiprocessing.util

    multiprocessing.util._run_finalizers(0)  # what a normal exit runs for them


def exit_now(status: int) -> None:
    """End the process without Python's teardown of dbt's modules (the module docstring)."""
    _close_duckdb()
    _release_semaphores()
    logging.shutdown()  # dbt's log file
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    status = main()
    if spark_target():
        sys.exit(status)
    exit_now(status)
