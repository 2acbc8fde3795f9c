"""The app never shows a traceback for a missing, empty or swapped database file."""

from __future__ import annotations

import os
import shutil

import duckdb
from streamlit.testing.v1 import AppTest

from tests.dashboards.conftest import APP, metrics


def _run(monkeypatch, path) -> AppTest:
    monkeypatch.setenv("MAILKPI_DUCKDB", str(path))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def test_missing_database_says_run_make_build(monkeypatch, tmp_path):
    at = _run(monkeypatch, tmp_path / "nothing-here.duckdb")
    assert "No data yet" in at.info[0].value
    assert "make build" in at.info[0].value


def test_database_without_marts_says_run_make_build(monkeypatch, tmp_path):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    at = _run(monkeypatch, path)
    assert "make build" in at.info[0].value
    assert "marts.fct_threads" in at.info[0].value


def test_unreadable_file_is_explained(monkeypatch, tmp_path):
    path = tmp_path / "broken.duckdb"
    path.write_bytes(b"not a duckdb file at all" * 100)
    at = _run(monkeypatch, path)
    assert "cannot be read" in at.info[0].value


def test_a_swapped_in_build_is_read_on_the_next_run(monkeypatch, tmp_path, marts_duckdb):
    """A build replaces the file atomically; sessions then see the new numbers."""
    path = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(marts_duckdb, path)
    at = _run(monkeypatch, path)
    at.sidebar.selectbox(key="preset").set_value("Last 7 days").run()
    assert metrics(at)["New threads"] == "6"

    rebuilt = tmp_path / "mailkpi.duckdb.building"
    shutil.copyfile(marts_duckdb, rebuilt)
    with duckdb.connect(str(rebuilt)) as con:
        con.execute("delete from marts.fct_threads where conversation_id = 'T7'")
    os.replace(rebuilt, path)
    at.run()
    assert not at.exception
    assert metrics(at)["New threads"] == "5"


def test_a_query_reads_the_file_it_names_not_the_configured_one(monkeypatch, tmp_path):
    """`mailkpi bench` queries its own build while MAILKPI_DUCKDB names another file."""
    from dashboards import queries

    asked, configured = tmp_path / "asked.duckdb", tmp_path / "configured.duckdb"
    for path, value in ((asked, "asked"), (configured, "configured")):
        with duckdb.connect(str(path)) as con:
            con.execute("create table which as select ? as file", [value])
    monkeypatch.setenv("MAILKPI_DUCKDB", str(configured))
    stat = asked.stat()
    db = queries.Database(str(asked), stat.st_mtime_ns, stat.st_size)
    assert queries._frame(db, "select file from which")["file"].tolist() == ["asked"]
