"""A process with mailkpi's CLI, its pipelines and dbt imported and the dbt project parsed,
which forks a child for each command: many whole builds without paying the imports each time.

`python -m tests.reliability.preloaded` reads one JSON line per command on stdin and answers
each with a line `{"returncode": n}` on stdout once its child has ended:

- `{"argv": [...], "env": {...}, "stdout": file, "stderr": file}`: `mailkpi <argv>` as the
  console script runs it (`mailkpi.cli.main`), in a child with exactly that environment and
  its output in those files. The build is the real one: its dbt worker is a process of its
  own (`mailkpi.dbt_worker`), started and fed as on any night.
- `{"rebuild": true}`: every model of the nightly selector built from scratch into the
  DuckDB file MAILKPI_DUCKDB of the process (`dbt run --full-refresh`, no data tests: they
  change no row), with the parse made at start: the reference a build's marts are compared
  with. The parse names the file's catalog (its name), so it is the same file every time.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

# dlt, mailkpi.build and pipelines.msgraph: imported here once, as a build imports them late
import dlt  # noqa: F401

import mailkpi.build
import mailkpi.cli
import pipelines.msgraph  # noqa: F401
from mailkpi import dbt_worker
from mailkpi.dbt_worker import dbt_env
from mailkpi.transform import dbt_arguments


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


def _rebuild(manifest) -> int:
    args = [*dbt_arguments("run"), "--selector", "nightly", "--full-refresh", "--quiet"]
    run_results = Path(os.environ["MAILKPI_DUCKDB"]).with_suffix(".run_results.json")
    dbt_worker.exit_now(dbt_worker.command(manifest, {"args": args, "run_results": run_results}))
    return 70  # not reached


def main() -> None:
    manifest = dbt_worker.parsed(str(dbt_worker.DBT_DIR))
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever else prints goes to stderr, not between the replies
    for line in sys.stdin:
        request = json.loads(line)
        if "rebuild" in request:
            status = _forked(lambda: _rebuild(manifest))
        else:
            status = _forked(lambda request=request: _mailkpi(**request))
        replies.write(json.dumps({"returncode": status}) + "\n")
        replies.flush()


class Preloaded:
    """The test's side: starts the process, sends it commands, waits for their ends."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.reference = folder / "reference.duckdb"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.preloaded"],
            cwd=Path(__file__).resolve().parents[2],
            # its own target folder: the builds' dbt keeps its partial parse in the other
            env=dbt_env(self.reference, {**env, "DBT_TARGET_PATH": str(folder / "target")}),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _returncode(self, request: dict) -> int:
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
        if status := self._returncode({"rebuild": True}):
            raise RuntimeError(f"dbt run --full-refresh of a copy of {path} failed ({status})")
        return self.reference

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


if __name__ == "__main__":
    main()
