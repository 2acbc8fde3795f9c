"""A process with mailkpi's CLI, its pipelines and dbt imported and the dbt project parsed,
which forks a child for each command: many whole builds without paying the imports each time.

`python -m tests.reliability.preloaded <file>` serves builds of the DuckDB file `<file>`. It
reads one JSON line per command on stdin and answers each with a line `{"returncode": n}` on
stdout once its child has ended:

- `{"argv": [...], "env": {...}, "stdout": file, "stderr": file}`: `mailkpi <argv>` as the
  console script runs it (`mailkpi.cli.main`), in a child with exactly that environment and
  its output in those files. The build is the real one, but for where its dbt worker comes
  from: forked from this process, with dbt imported and the project parsed for `<file>`,
  rather than a new interpreter that imports dbt and parses (`mailkpi.dbt_worker`, which
  every other build test runs). It is handed its command and runs it as on any night.
- `{"rebuild": "<path>"}`: every model of the nightly selector built from scratch into the
  DuckDB file `<path>` (`dbt run --full-refresh`, no data tests: they change no row), with
  the same parse: the reference a build's marts are compared with. The parse names the
  file's catalog, so `<path>` must have the catalog name of `<file>` (its name up to the
  first dot).

After its first rebuild, the test side replays the statements that rebuild ran (dbt's
`target/run`: each model's drop, create with its contract, and query), in the order dbt
completed them, on the next files: the same SQL from scratch without dbt's tenth of a second
of Python per node. A full refresh's statements depend on the project alone (its models, vars
and the catalog's name), not on the data, and the first replay is checked against dbt's own
rebuild of the same file.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# dlt, mailkpi.build and pipelines.msgraph: imported here once, as a build imports them late
import dlt  # noqa: F401
import duckdb

import mailkpi.build
import mailkpi.cli
import pipelines.msgraph  # noqa: F401
from mailkpi import dbt_worker
from mailkpi.database import building_path
from mailkpi.dbt_worker import dbt_env
from mailkpi.transform import dbt_arguments
from tests.reliability.marts import mart_differences


def _forked(run) -> int:
    """Run `run()` (an exit status) in a child process; the child's status."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            status = run()
        except BaseException as exc:  # the child must never return into the loop
            print(f"preloaded: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = 70
        os._exit(status)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


class _ForkedWorker:
    """A build's dbt worker forked from this process, which has the project parsed: as much
    of `subprocess.Popen` as a build uses (`stdin`, `poll`, `wait`, `kill`)."""

    def __init__(self, manifest, env: dict[str, str]):
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(write)
            status = 70
            try:
                os.environ.clear()
                os.environ.update(env)
                with os.fdopen(read) as commands:
                    line = commands.readline()  # end of input: the build stopped before dbt
                status = dbt_worker.command(manifest, json.loads(line)) if line.strip() else 0
            finally:
                dbt_worker.exit_now(status)
        os.close(read)
        self.stdin = os.fdopen(write, "w")
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.returncode

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)


def _forking_dbt(manifest, parsed_for: Path):
    """`started_dbt` for the builds of a child: a forked worker for the file the project was
    parsed for, the build's own worker for any other file or target."""
    own = mailkpi.build.started_dbt

    @contextmanager
    def started_dbt(path: Path, env: dict[str, str] | None = None) -> Iterator:
        if path != parsed_for or env:
            with own(path, env) as worker:
                yield worker
            return
        with dbt_worker.supervised(_ForkedWorker(manifest, dbt_env(path, env))) as worker:
            yield worker

    return started_dbt


def _mailkpi(argv: list[str], env: dict[str, str], stdout: str, stderr: str) -> int:
    os.environ.clear()
    os.environ.update(env)
    for fd, name in ((1, stdout), (2, stderr)):
        with open(name, "w") as file:
            os.dup2(file.fileno(), fd)
    try:
        status = mailkpi.cli.main(argv)
    except SystemExit as exc:  # argparse
        status = exc.code if isinstance(exc.code, int) else 2
    atexit._run_exitfuncs()  # what the interpreter's exit runs
    sys.stdout.flush()
    sys.stderr.flush()
    return status


def _rebuild(manifest, path: Path) -> int:
    os.environ["MAILKPI_DUCKDB"] = str(path)
    args = [*dbt_arguments("run"), "--selector", "nightly", "--full-refresh", "--quiet"]
    run_results = path.with_suffix(".run_results.json")
    dbt_worker.exit_now(dbt_worker.command(manifest, {"args": args, "run_results": run_results}))
    return 70  # not reached


def main() -> None:
    parsed_for = building_path(Path(sys.argv[1]))
    os.environ["MAILKPI_DUCKDB"] = str(parsed_for)
    manifest = dbt_worker.parsed(str(dbt_worker.DBT_DIR))
    # the CLI imports it when a build starts, mailkpi.build when it is imported
    dbt_worker.started_dbt = mailkpi.build.started_dbt = _forking_dbt(manifest, parsed_for)
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever else prints goes to stderr, not between the replies
    for line in sys.stdin:
        request = json.loads(line)
        if "rebuild" in request:
            status = _forked(lambda path=Path(request["rebuild"]): _rebuild(manifest, path))
        else:
            status = _forked(lambda request=request: _mailkpi(**request))
        replies.write(json.dumps({"returncode": status}) + "\n")
        replies.flush()


def _full_refresh_statements(target: Path, reference: Path) -> list[str]:
    """The SQL of each model that `dbt run` ran into `reference` (`target/run`), in the
    order its run results list them: the order the nodes completed, parents first."""
    results = json.loads(reference.with_suffix(".run_results.json").read_text())["results"]
    files = {file.stem: file for file in (target / "run").rglob("*.sql")}
    models = [r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")]
    return [files[model].read_text() for model in models]


def _replay(statements: list[str], path: Path, catalog: str) -> None:
    """Run `statements` on the file `path` as dbt ran them on the file whose catalog was
    `catalog`, each model in a transaction of its own."""
    con = duckdb.connect(config={"asof_loop_join_threshold": 0})  # as dbt/profiles.yml
    try:
        con.execute(f"attach '{path}' as {catalog}")
        con.execute(f"use {catalog}")
        for sql in statements:
            con.execute("begin")
            con.execute(sql)
            con.execute("commit")
    finally:
        con.close()


class Preloaded:
    """The test's side: starts the process for builds of `path`, sends it commands, waits
    for their ends."""

    def __init__(self, folder: Path, path: Path, env: dict[str, str]):
        self.folder = folder
        self.catalog = path.name.split(".")[0]  # DuckDB's name for an attached file
        self.reference = folder / "reference" / path.name
        self.reference.parent.mkdir(exist_ok=True)
        self.statements: list[str] = []  # of the first rebuild, in the order dbt ran them
        self.serving = threading.Lock()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.preloaded", str(path)],
            cwd=Path(__file__).resolve().parents[2],
            # its own target folder: the builds' dbt keeps its partial parse in the other
            env=dbt_env(path, {**env, "DBT_TARGET_PATH": str(folder / "target")}),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _returncode(self, request: dict) -> int:
        with self.serving:  # one command at a time, from any thread
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            reply = self.process.stdout.readline()
        if not reply:
            raise RuntimeError(f"the preloaded process ended ({self.process.wait()})")
        return json.loads(reply)["returncode"]

    def mailkpi(self, *argv: str, env: dict[str, str]) -> subprocess.CompletedProcess:
        """`mailkpi <argv>` with the environment `env`, as `subprocess.run` answers it."""
        out, err = self.folder / "mailkpi.stdout", self.folder / "mailkpi.stderr"
        request = {"argv": list(argv), "env": env, "stdout": str(out), "stderr": str(err)}
        status = self._returncode(request)
        return subprocess.CompletedProcess(argv, status, out.read_text(), err.read_text())

    def rebuilt(self, path: Path) -> Path:
        """A copy of the DuckDB file `path` with every model built from scratch (from its
        raw and config tables): `self.reference`, replaced by the next call."""
        shutil.copyfile(path, self.reference)
        if self.statements:
            _replay(self.statements, self.reference, self.catalog)
            return self.reference
        if status := self._returncode({"rebuild": str(self.reference)}):
            raise RuntimeError(f"dbt run --full-refresh of a copy of {path} failed ({status})")
        self.statements = _full_refresh_statements(self.folder / "target", self.reference)
        replayed = self.folder / "replayed" / path.name
        replayed.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, replayed)
        _replay(self.statements, replayed, self.catalog)
        if differences := mart_differences(self.reference, replayed):
            raise RuntimeError(f"replaying dbt's full refresh differs from it: {differences}")
        return self.reference

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


if __name__ == "__main__":
    main()
