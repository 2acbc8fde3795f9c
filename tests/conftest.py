"""Fixtures shared across test packages: one small demo build per run, dbt's own folders.

The suite may run on several pytest-xdist workers (`make test` uses two). The demo build is
then made once, by whichever worker asks first, and read by all of them; each worker keeps
its own dbt target folder, warm from one dbt run to the next.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAILKPI = Path(sys.executable).with_name("mailkpi")
SMALL_DEMO_MESSAGES = 1500

# The longest tests, longest first. On two workers they start first, so that none of them
# runs alone at the end while the other worker is idle.
LONGEST_FIRST = (
    "tests/reliability/test_crash_safety.py",
    "tests/reliability/test_graph_nights.py::test_a_month_of_graph_nights",
    "tests/spark/test_parity.py::test_demo_tenant_marts_are_the_same_on_duckdb_and_spark",
    "tests/notifications/test_demo_e2e.py",
)


# Module-scoped fixtures too dear to set up on every worker: the tests using one go to the
# same worker (`--dist loadgroup`). `served`: a Streamlit server and a Chromium.
ONE_WORKER_FIXTURES = ("served",)
LONGEST_SHOWN = 15  # tests listed by the time summary at the end of a run


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next(
            (i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
            len(LONGEST_FIRST),
        )

    items.sort(key=rank)
    for item in items:
        for name in ONE_WORKER_FIXTURES:
            if name in item.fixturenames:
                item.add_marker(pytest.mark.xdist_group(name))


def pytest_report_header() -> str:
    # the suite must pass in any zone: `make test` runs it west and east of UTC
    return f"time zone: TZ={os.environ.get('TZ', 'unset, the machine zone')}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    _time_by_area(terminalreporter)
    _not_run(terminalreporter)


def _time_by_area(terminalreporter: pytest.TerminalReporter) -> None:
    """Where the suite's time goes: seconds per test folder (or top-level file), set-up and
    teardown included, summed over the workers; then the longest tests."""
    seconds: Counter[str] = Counter()
    tests: Counter[str] = Counter()
    longest: Counter[str] = Counter()
    for reports in terminalreporter.stats.values():
        for report in reports:
            if isinstance(report, pytest.TestReport):
                parts = report.nodeid.split("::")[0].split("/")
                area = "/".join(parts[:2])
                seconds[area] += report.duration
                tests[area] += report.when == "call"
                longest[report.nodeid] += report.duration
    if not seconds:
        return
    terminalreporter.section("time by area (seconds, summed over workers)", sep="-")
    for area, spent in seconds.most_common():
        terminalreporter.line(f"{spent:8.1f}  {tests[area]:4} tests  {area}")
    terminalreporter.line("longest tests:")
    for nodeid, spent in longest.most_common(LONGEST_SHOWN):
        terminalreporter.line(f"{spent:8.1f}  {nodeid}")


def _not_run(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly what did not run: a skipped test passes nothing (in CI the Spark tests fail
    instead of skipping, tests/spark/conftest.py)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = Counter(
        str(r.longrepr[2]).removeprefix("Skipped: ") if isinstance(r.longrepr, tuple) else "?"
        for r in skipped
    )
    terminalreporter.section(f"{len(skipped)} tests NOT RUN", sep="!", red=True, bold=True)
    for reason, count in reasons.most_common():
        terminalreporter.line(f"{count:4} skipped: {reason}", red=True, bold=True)


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


def shared_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the whole run: with xdist, the parent of the workers' own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    with lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session", autouse=True)
def dbt_folders(tmp_path_factory) -> Iterator[Path]:
    """dbt's target and log folders for this worker: not the repository's `dbt/target`,
    which other dbt runs on the machine share; a run that reuses a DuckDB path (a rerun,
    the crash test's transforms) then parses the project partially."""
    target = tmp_path_factory.mktemp("dbt-target")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(target))
        patch.setenv("DBT_LOG_PATH", str(tmp_path_factory.mktemp("dbt-logs")))
        yield target


@pytest.fixture(scope="session")
def preloaded(tmp_path_factory, dbt_folders):
    """One process per worker with the CLI and dbt imported and the project parsed, which
    forks the tests' whole builds (tests/preloaded.py): for tests of many builds. Name the
    DuckDB files `mailkpi.duckdb`, the name it has parsed for."""
    from tests.preloaded import Preloaded

    process = Preloaded(tmp_path_factory.mktemp("preloaded"), offline_env())
    yield process
    process.close()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> tuple[Path, str]:
    """A complete build of a small demo tenant, made once per run, and the build's stdout."""
    folder = shared_tmp(tmp_path_factory) / "demo"
    folder.mkdir(exist_ok=True)
    path, stdout = folder / "mailkpi.duckdb", folder / "build.stdout"
    with exclusive(folder / "fixture.lock"):
        if not path.exists():  # the build swaps the file in complete, or not at all
            result = run_mailkpi(
                "build", "--source", "demo", "--demo-messages", str(SMALL_DEMO_MESSAGES),
                "--duckdb", str(path),
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-3000:]
            stdout.write_text(result.stdout)
    return path, stdout.read_text()


@pytest.fixture(scope="session")
def demo_duckdb(demo_build) -> Path:
    """The demo build's DuckDB file (open it read-only, or copy it)."""
    return demo_build[0]
