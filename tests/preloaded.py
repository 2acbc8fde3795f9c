"""A process with mailkpi's CLI, its pipelines and dbt imported and the dbt project parsed,
which forks a child for each command: many whole builds without paying the imports each time.

`python -m tests.preloaded <folder>` reads one JSON line per command on stdin and answers
each with a line `{"returncode": n}` on stdout once its child has ended:

- `{"argv": [...], "env": {...}, "stdout": file, "stderr": file}`: `mailkpi <argv>` as the
  console script runs it (`mailkpi.cli.main`), in a child with exactly that environment and
  its output in those files. The build is the real one, but for where its dbt worker comes
  from: forked from this process, with dbt imported and the project parsed, rather than a
  new interpreter that imports dbt and parses (`mailkpi.dbt_worker`). It is handed its
  command and runs it as on any night.
- `{"dbt": {"args": [...], "run_results": file}, "env": {...}}`: the command a build hands
  its dbt worker, run by a worker forked from this process with that environment: the
  worker of a build running in the test's own process (`Preloaded.serving_builds`).
- `{"rebuild": "<path>"}`: every model of the nightly selector built from scratch into the
  DuckDB file `<path>` (`dbt run --full-refresh`, no data tests: they change no row): the
  reference a build's marts are compared with.

dbt names the database of every model after the DuckDB file it parsed for (the file's name
up to its first dot, DuckDB's catalog), so the project is parsed once per catalog: builds of
`mailkpi.duckdb` files in any folder share one parse. A CLI child forks its worker only for
a catalog this process had parsed before the child started; any other file, or a target
other than the DuckDB file (`env`), gets the build's own worker.

After its first rebuild of a catalog, the test side replays the statements that rebuild ran
(dbt's `target/run`: each model's drop, create with its contract, and query), in the order
dbt completed them, on the next files: the same SQL from scratch without dbt's tenth of a
second of Python per node. A full refresh's statements depend on the project alone (its
models, vars and the catalog's name), not on the data, and the first replay is checked
against dbt's own rebuild of the same file.
"""

from __future__ import annotations

import atexit
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

# what a build imports late, imported here once: dlt, mailkpi.build, both sources, and the
# parts of dlt, httpx and pandas an extract loads
import dlt
import dlt.destinations.impl.duckdb.sql_client
import dlt.sources.helpers.requests  # noqa: F401
import duckdb
import h2.connection  # noqa: F401
import pandas  # noqa: F401
import pyarrow.compute
import pyarrow.parquet  # noqa: F401

import mailkpi.build
import mailkpi.cli
import mailkpi.sources
import mailkpi.transform
import pipelines.demo
import pipelines.msgraph  # noqa: F401
from mailkpi import dbt_worker
from mailkpi.database import building_path
from mailkpi.dbt_worker import dbt_env
from mailkpi.transform import dbt_arguments
from tests.reliability.marts import mart_differences

DEFAULT_CATALOG = "mailkpi"  # parsed as the process starts: the name of data/mailkpi.duckdb


def catalog(path: Path | str) -> str:
    """DuckDB's name for an attached file, which dbt gives every model's database."""
    return Path(path).name.split(".")[0]


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


class _Parses:
    """The project parsed per catalog, in this process."""

    def __init__(self) -> None:
        self.manifests: dict[str, object] = {}

    def manifest(self, path: Path):
        """The parse for builds of the DuckDB file `path`, made now if none is held."""
        name = catalog(path)
        if name not in self.manifests:
            os.environ["MAILKPI_DUCKDB"] = str(path)
            parsed = dbt_worker.parsed(str(dbt_worker.DBT_DIR))
            if parsed is None:
                raise RuntimeError(f"the dbt project does not parse for {path}")
            self.manifests[name] = parsed
        return self.manifests[name]


def _forking_dbt(parses: _Parses):
    """`started_dbt` for the builds of a child: a forked worker for a file of a catalog
    parsed already, the build's own worker for any other file or target."""
    own = mailkpi.build.started_dbt

    @contextmanager
    def started_dbt(path: Path, env: dict[str, str] | None = None) -> Iterator:
        manifest = parses.manifests.get(catalog(path))
        if manifest is None or env:
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
    # logging as a new interpreter has it: the CLI's basicConfig does nothing where the
    # imports or the parse gave the root logger a handler, and its INFO lines would be lost
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        status = mailkpi.cli.main(argv)
    except SystemExit as exc:  # argparse
        status = exc.code if isinstance(exc.code, int) else 2
    atexit._run_exitfuncs()  # what the interpreter's exit runs
    sys.stdout.flush()
    sys.stderr.flush()
    return status


def _dbt(manifest, command: dict, env: dict[str, str]) -> int:
    os.environ.clear()
    os.environ.update(env)
    dbt_worker.exit_now(dbt_worker.command(manifest, command))
    return 70  # not reached


def _rebuild(manifest, path: Path) -> int:
    os.environ["MAILKPI_DUCKDB"] = str(path)
    args = [*dbt_arguments("run"), "--selector", "nightly", "--full-refresh", "--quiet"]
    run_results = path.with_suffix(".run_results.json")
    dbt_worker.exit_now(dbt_worker.command(manifest, {"args": args, "run_results": run_results}))
    return 70  # not reached


def main() -> None:
    parses = _Parses()
    parses.manifest(building_path(Path(sys.argv[1]) / f"{DEFAULT_CATALOG}.duckdb"))
    # the CLI imports it when a build starts, mailkpi.build when it is imported
    dbt_worker.started_dbt = mailkpi.build.started_dbt = _forking_dbt(parses)
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever else prints goes to stderr, not between the replies
    for line in sys.stdin:
        request = json.loads(line)
        if "rebuild" in request:
            path = Path(request["rebuild"])
            status = _forked(partial(_rebuild, parses.manifest(path), path))
        elif "dbt" in request:
            manifest = parses.manifest(Path(request["env"]["MAILKPI_DUCKDB"]))
            status = _forked(partial(_dbt, manifest, request["dbt"], request["env"]))
        else:
            status = _forked(partial(_mailkpi, **request))
        replies.write(json.dumps({"returncode": status}) + "\n")
        replies.flush()


def _full_refresh_statements(target: Path, reference: Path) -> list[str]:
    """The SQL of each model that `dbt run` ran into `reference` (`target/run`), in the
    order its run results list them: the order the nodes completed, parents first."""
    results = json.loads(reference.with_suffix(".run_results.json").read_text())["results"]
    files = {file.stem: file for file in (target / "run").rglob("*.sql")}
    models = [r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")]
    return [files[model].read_text() for model in models]


def _replay(statements: list[str], path: Path) -> None:
    """Run `statements` on the file `path` as dbt ran them on a file of its catalog, each
    model in a transaction of its own."""
    con = duckdb.connect(config={"asof_loop_join_threshold": 0})  # as dbt/profiles.yml
    try:
        con.execute(f"attach '{path}' as {catalog(path)}")
        con.execute(f"use {catalog(path)}")
        for sql in statements:
            con.execute("begin")
            con.execute(sql)
            con.execute("commit")
    finally:
        con.close()


class _RemoteCommand(io.StringIO):
    """A worker's stdin: what the build writes is sent to the preloaded process on close."""

    def __init__(self, worker: _RemoteWorker):
        super().__init__()
        self.worker = worker

    def close(self) -> None:
        if not self.closed and self.getvalue().strip():
            self.worker.run(json.loads(self.getvalue()))
        super().close()


class _RemoteWorker:
    """A build's dbt worker in the preloaded process: as much of `subprocess.Popen` as a
    build uses. The command runs when the build closes `stdin`, and has ended on return."""

    def __init__(self, preloaded: Preloaded, env: dict[str, str]):
        self.preloaded, self.env = preloaded, env
        self.stdin = _RemoteCommand(self)
        self.returncode: int | None = None

    def run(self, command: dict) -> None:
        self.returncode = self.preloaded.returncode({"dbt": command, "env": self.env})

    def poll(self) -> int | None:
        return self.returncode

    def wait(self) -> int:
        return 0 if self.returncode is None else self.returncode  # never handed a command

    def kill(self) -> None:  # nothing runs between two calls of the build
        pass


class Preloaded:
    """The test's side: starts the process, sends it commands, waits for their ends.
    `folder` holds its dbt target folder, the reference files and the commands' output."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "reference").mkdir(exist_ok=True)
        self.statements: dict[str, list[str]] = {}  # per catalog, of its first rebuild
        self.serving = threading.Lock()
        # its own target folder: the builds' dbt keeps its partial parse in the other
        own = {**env, "DBT_TARGET_PATH": str(folder / "target")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.preloaded", str(folder)],
            cwd=Path(__file__).resolve().parents[1],
            env=dbt_env(folder / f"{DEFAULT_CATALOG}.duckdb", own),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def returncode(self, request: dict) -> int:
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
        status = self.returncode(request)
        return subprocess.CompletedProcess(argv, status, out.read_text(), err.read_text())

    def dbt(self, path: Path, command: str, *args: str) -> int:
        """`dbt <command> <args>` on the DuckDB file `path` with this process's parse, in a
        child that closes the file when it ends; 0 if it succeeded."""
        run_results = path.with_name(path.name + ".run_results.json")
        request = {"args": [*dbt_arguments(command), *args], "run_results": str(run_results)}
        return self.returncode({"dbt": request, "env": dbt_env(path, None)})

    def serving_builds(self, monkeypatch) -> None:
        """Builds run in the test's own process (`mailkpi.build.run`) get their dbt worker
        from this process, for the DuckDB file; a Spark build keeps its own."""
        own = mailkpi.build.started_dbt

        @contextmanager
        def started_dbt(path: Path, env: dict[str, str] | None = None) -> Iterator:
            if env:
                with own(path, env) as worker:
                    yield worker
                return
            yield _RemoteWorker(self, dbt_env(path, env))

        monkeypatch.setattr(mailkpi.build, "started_dbt", started_dbt)
        monkeypatch.setattr(mailkpi.transform, "started_dbt", started_dbt)

    def rebuilt(self, path: Path) -> Path:
        """A copy of the DuckDB file `path` with every model built from scratch (from its
        raw and config tables), replaced by the next call for a file of its catalog."""
        reference = self.folder / "reference" / path.name
        shutil.copyfile(path, reference)
        name = catalog(path)
        if name in self.statements:
            _replay(self.statements[name], reference)
            return reference
        if status := self.returncode({"rebuild": str(reference)}):
            raise RuntimeError(f"dbt run --full-refresh of a copy of {path} failed ({status})")
        self.statements[name] = _full_refresh_statements(self.folder / "target", reference)
        replayed = self.folder / "replayed" / path.name
        replayed.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, replayed)
        _replay(self.statements[name], replayed)
        if differences := mart_differences(reference, replayed):
            raise RuntimeError(f"replaying dbt's full refresh differs from it: {differences}")
        return reference

    def rebuilt_differences(self, path: Path) -> dict[str, tuple[int, int]]:
        """`mart_differences` between a copy of `path` built from scratch and `path`."""
        return mart_differences(self.rebuilt(path), path)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


if __name__ == "__main__":
    main()
