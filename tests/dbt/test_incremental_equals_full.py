"""Nightly incremental builds give the marts a full build of the same data gives.

A: the demo tenant loaded and built night after night (an ordinary incremental build after
each load); B: the same tenant loaded to the last night at once and built with a full
refresh. The window between the first and the last build holds folder moves, category
changes, reopens, replies to old threads and the end of Europe's summer time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from mailkpi import build
from mailkpi.config import Config, load_config
from mailkpi.transform import DBT_DIR
from pipelines.demo import demo_as_of
from tests.conftest import ROOT
from tests.demo.conftest import SMALL, load

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("incremental_and_full_builds")]

FIRST_END = dt.date(2026, 10, 22)
NEXT_END = FIRST_END + dt.timedelta(days=1)
LAST_END = dt.date(2026, 10, 29)
DST_END = dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC)  # Europe's clocks go back
SNAPSHOTS = {"a_first": FIRST_END, "a_next": NEXT_END}  # A after its first two builds

MARTS = sorted(p.stem for p in (DBT_DIR / "models" / "marts").glob("*.sql"))
FLOATS = ("DOUBLE", "FLOAT", "REAL")
SHOWN_ROWS = 5


class Said(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def nightly(path: Path, config: Config, end: dt.date, *, full_refresh: bool = False) -> bool:
    """Extract the demo tenant up to the night of `end`, then transform as the CLI does;
    whether the build refreshed fully (the log says why when it does)."""
    load(path, config, messages=SMALL, end=end)
    said, logger = Said(), logging.getLogger("mailkpi")
    level = logger.level
    logger.addHandler(said)
    logger.setLevel(logging.INFO)
    try:
        build.run(path, config, source="demo", do_extract=False, full_refresh=full_refresh)
    finally:
        logger.removeHandler(said)
        logger.setLevel(level)
    return full_refresh or any(line.startswith("full refresh:") for line in said.lines)


def make_builds(folder: Path) -> None:
    """A: built night after night; B, written last: built at once with a full refresh.
    `refreshed.json`: which of A's builds refreshed fully."""
    for leftover in folder.glob("*.duckdb*"):  # of a worker that failed half-way
        leftover.unlink()
    config = load_config(ROOT / "mailkpi.yml")
    refreshed = {}
    for name, end in SNAPSHOTS.items():
        refreshed[name] = nightly(folder / "a.duckdb", config, end)
        shutil.copyfile(folder / "a.duckdb", folder / f"{name}.duckdb")
    refreshed["a"] = nightly(folder / "a.duckdb", config, LAST_END)
    (folder / "refreshed.json").write_text(json.dumps(refreshed))
    nightly(folder / "b.duckdb", config, LAST_END, full_refresh=True)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> Path:
    """The folder of the builds, made once per run (the module's tests share a worker)."""
    folder = tmp_path_factory.mktemp("incremental")
    make_builds(folder)
    return folder


@pytest.fixture(scope="module")
def con(builds) -> Iterator[duckdb.DuckDBPyConnection]:
    """The builds attached as a, b, a_first and a_next."""
    con = duckdb.connect()
    for name in ("a", "b", *SNAPSHOTS):
        con.execute(f"attach '{builds / name}.duckdb' as {name} (read_only)")
    yield con
    con.close()


def columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = 'marts' and table_name = ? "
        "and column_name <> 'as_of' order by ordinal_position",
        [catalog, table],
    ).fetchall()


def tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = ? and table_schema = 'marts'",
        [catalog],
    ).fetchall()
    return {r[0] for r in rows}


def only_in(con, table: str, projection: str, left: str, right: str) -> list[tuple]:
    """Rows of `left`'s mart not in `right`'s, counting duplicates."""
    return con.execute(
        f"select {projection} from {left}.marts.{table} "
        f"except all select {projection} from {right}.marts.{table} "
        f"order by all limit {SHOWN_ROWS}"
    ).fetchall()


def test_both_builds_have_every_mart(con):
    assert tables(con, "a") == tables(con, "b")
    assert set(MARTS) <= tables(con, "a")


@pytest.mark.parametrize("table", MARTS)
def test_incremental_mart_equals_full_refresh(con, table):
    cols = columns(con, "a", table)
    assert cols == columns(con, "b", table), f"marts.{table}: the columns differ"
    projection = ", ".join(
        f'round("{name}", 6) as "{name}"' if kind in FLOATS else f'"{name}"' for name, kind in cols
    )
    extra, missing = (only_in(con, table, projection, *pair) for pair in (("a", "b"), ("b", "a")))
    if extra or missing:
        pytest.fail(
            f"marts.{table}: the incremental build differs from the full refresh\n"
            f"columns: {tuple(name for name, _ in cols)}\n"
            f"only incremental (first {SHOWN_ROWS}):\n" + "\n".join(map(str, extra)) + "\n"
            f"only full refresh (first {SHOWN_ROWS}):\n" + "\n".join(map(str, missing))
        )


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_only_the_first_nightly_build_refreshed_fully(builds):
    # the first build of a file refreshes fully; the config and folders stay the same after
    refreshed = json.loads((builds / "refreshed.json").read_text())
    assert refreshed == {"a_first": True, "a_next": False, "a": False}


def test_the_last_incremental_build_had_new_mail(con):
    assert scalar(con, "select count(*) from b.marts.fct_threads") > 0
    last_load = scalar(
        con,
        "select count(*) from a.raw.message_observations where observed_at > ?",
        demo_as_of(NEXT_END),
    )
    assert last_load > 0
    new = scalar(
        con,
        "select count(*) from (select mailbox_address, internet_message_id "
        "from a.marts.fct_messages except select mailbox_address, internet_message_id "
        "from a_next.marts.fct_messages)",
    )
    assert new > 0
    # replies to threads that began before the first build: old conversations recomputed
    old_threads_answered = scalar(
        con,
        "select count(*) from a.marts.fct_replies as r "
        "join a_first.marts.fct_threads using (mailbox_address, conversation_id) "
        "where r.replied_at > ?",
        demo_as_of(NEXT_END),
    )
    assert old_threads_answered > 0


def test_threads_changed_status_between_the_first_and_last_build(con):
    changed = scalar(
        con,
        "select count(*) from a_first.marts.fct_threads as first "
        "join a.marts.fct_threads as last using (mailbox_address, conversation_id) "
        "where first.status <> last.status",
    )
    assert changed > 0


def test_the_window_holds_moves_category_changes_reopens_and_the_dst_change(con):
    window = (demo_as_of(FIRST_END), demo_as_of(LAST_END))
    kinds = {
        r[0]
        for r in con.execute(
            "select distinct event_type from a.marts.fct_thread_events "
            "where event_at > ? and event_at <= ?",
            list(window),
        ).fetchall()
    }
    assert {"moved", "categorized", "reopened", "resolved", "reassigned"} <= kinds
    assert window[0] < DST_END < window[1]
    for before, after in ((window[0], DST_END), (DST_END, window[1])):
        mail = scalar(
            con,
            "select count(*) from a.marts.fct_messages "
            "where coalesce(received_at, sent_at) > ? and coalesce(received_at, sent_at) <= ?",
            before,
            after,
        )
        assert mail > 0
