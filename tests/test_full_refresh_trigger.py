"""A changed team config, folder list or dbt model makes the next build a full refresh;
nothing else does."""

from __future__ import annotations

import datetime as dt
import shutil
from contextlib import nullcontext
from pathlib import Path

import duckdb
import pytest

import mailkpi.build
from mailkpi.build_inputs import fingerprint, refresh_reason, stored_fingerprint
from mailkpi.config import Config, load_config
from mailkpi.config_tables import write_config_tables
from mailkpi.extract import ExtractResult
from mailkpi.transform import DBT_DIR, TransformFailed
from tests.conftest import ROOT, offline_env
from tests.reliability.marts import mart_differences

AS_OF = dt.datetime(2026, 11, 16, 1, tzinfo=dt.UTC)
CHANGED = "team config or folder list changed since the last build"
UNRECORDED = "no earlier build in the file recorded its team config and folder list"
NEW_MODELS = "the dbt models changed since the last build (a new release)"
FOLDERS = [
    # store, folder id, parent, display name, well-known name, path, excluded
    ("support@contoso.com", "f-inbox", "root", "Inbox", "inbox", "Inbox", False),
    ("support@contoso.com", "f-done", "f-inbox", "Done", None, "Inbox/Done", False),
    ("support@contoso.com", "f-junk", "root", "Junk Email", "junkemail", "Junk Email", True),
]
RENAMED = ("support@contoso.com", "f-done", "f-inbox", "Closed", None, "Inbox/Closed", False)
HOLIDAY = ('"2026-12-28"]', '"2026-12-28", "2026-11-02"]')  # one more in mailkpi.yml
BOB = ("category: Bob}", "category: Robert}")  # an agent's category


@pytest.fixture(scope="module")
def yaml_text() -> str:
    return (ROOT / "mailkpi.yml").read_text()


def config_from(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "mailkpi.yml"
    path.write_text(text)
    return load_config(path)


def load_folders(con: duckdb.DuckDBPyConnection, observed_at: dt.datetime, rows=FOLDERS) -> None:
    """Append one load's folder rows, as a source appends (dlt merges them on DuckDB)."""
    con.execute(
        "create table if not exists raw.mail_folders (mailbox_address varchar, "
        "store_address varchar, folder_id varchar, parent_folder_id varchar, "
        "display_name varchar, well_known_name varchar, folder_path varchar, "
        "is_excluded boolean, observed_at timestamptz)"
    )
    con.executemany(
        "insert into raw.mail_folders values ('support@contoso.com', ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, observed_at) for row in rows],
    )


def file_fingerprint(
    path: Path, config: Config, as_of: dt.datetime = AS_OF, dbt_dir: Path = DBT_DIR
) -> str:
    with duckdb.connect(str(path)) as con:
        write_config_tables(con, config, as_of, "demo")
        return fingerprint(con, config, dbt_dir)


@pytest.fixture
def path(tmp_path) -> Path:
    path = tmp_path / "inputs.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        load_folders(con, AS_OF)
    return path


# The decision on a small file


def test_another_night_with_the_same_config_and_folders_keeps_the_fingerprint(
    path, tmp_path, yaml_text
):
    config = config_from(tmp_path, yaml_text)
    before = file_fingerprint(path, config)
    with duckdb.connect(str(path)) as con:
        load_folders(con, AS_OF + dt.timedelta(days=1))  # the folders seen again a night later
    after = file_fingerprint(path, config, as_of=AS_OF + dt.timedelta(days=1))
    assert after == before
    assert refresh_reason(before, after) is None


def test_comments_and_the_order_of_agents_in_the_yaml_keep_the_fingerprint(
    path, tmp_path, yaml_text
):
    alice = "      - {address: alice@contoso.com, name: Alice Smith, category: Alice}\n"
    carol = "      - {address: carol@contoso.com, name: Carol White, category: Carol}\n"
    edited = (
        ("# reviewed by the team leads\n" + yaml_text)
        .replace(alice, "")
        .replace(carol, carol + alice)
    )
    assert edited.index(alice) > edited.index(carol)
    before = file_fingerprint(path, config_from(tmp_path, yaml_text))
    assert file_fingerprint(path, config_from(tmp_path, edited)) == before


@pytest.mark.parametrize(
    "old, new",
    [
        BOB,
        HOLIDAY,
        ("mailboxes:\n", "privacy: {drop_subjects: true}\n\nmailboxes:\n"),
        ("resolved: [Archive, Done]", "resolved: [Archive]"),
        ("{minutes: 60, clock: business}", "{minutes: 90, clock: business}"),
    ],
    ids=["agent-category", "holiday", "privacy", "resolved-folder", "tier-sla"],
)
def test_a_changed_config_value_changes_the_fingerprint(path, tmp_path, yaml_text, old, new):
    assert yaml_text.count(old) == 1
    before = file_fingerprint(path, config_from(tmp_path, yaml_text))
    after = file_fingerprint(path, config_from(tmp_path, yaml_text.replace(old, new)))
    assert after != before
    assert refresh_reason(before, after) == CHANGED


@pytest.mark.parametrize(
    "folder",
    [
        RENAMED,
        ("support@contoso.com", "f-done", "root", "Done", None, "Done", False),  # moved
        ("support@contoso.com", "f-done", "f-inbox", "Done", None, "Inbox/Done", True),
        ("support@contoso.com", "f-new", "f-inbox", "Later", None, "Inbox/Later", False),
    ],
    ids=["renamed", "moved", "excluded", "added"],
)
def test_a_changed_folder_changes_the_fingerprint(path, tmp_path, yaml_text, folder):
    config = config_from(tmp_path, yaml_text)
    before = file_fingerprint(path, config)
    with duckdb.connect(str(path)) as con:
        load_folders(con, AS_OF + dt.timedelta(days=1), rows=[folder])
    assert refresh_reason(before, file_fingerprint(path, config)) == CHANGED


def test_a_file_without_a_stored_fingerprint_asks_for_a_full_refresh(path, tmp_path, yaml_text):
    current = file_fingerprint(path, config_from(tmp_path, yaml_text))
    with duckdb.connect(str(path)) as con:
        assert stored_fingerprint(con) is None
    assert refresh_reason(None, current) == UNRECORDED


def test_a_changed_model_asks_for_a_full_refresh(path, tmp_path, yaml_text):
    """A release that computes a column differently must recompute every row of it."""
    config = config_from(tmp_path, yaml_text)
    project = tmp_path / "dbt"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    before = file_fingerprint(path, config, dbt_dir=project)
    assert file_fingerprint(path, config, dbt_dir=project) == before
    model = project / "models" / "marts" / "fct_threads.sql"
    model.write_text(model.read_text().replace("'new'", "'unassigned'"))
    after = file_fingerprint(path, config, dbt_dir=project)
    assert refresh_reason(before, after) == NEW_MODELS
    assert after.partition("/")[0] == before.partition("/")[0]  # the config part is unchanged


# The build's dbt invocation (extract and dbt stand-ins; the file, config and lock are real)


class Steps:
    """Stands in for extract (the folder list of the night) and dbt (records the flag)."""

    def __init__(self, monkeypatch):
        self.folders = list(FOLDERS)
        self.night = 0
        self.full_refresh: list[bool] = []
        self.fail = False
        monkeypatch.setattr(mailkpi.build, "extract", self.extract)
        monkeypatch.setattr(mailkpi.build, "dbt_build", self.dbt_build)
        monkeypatch.setattr(mailkpi.build, "started_dbt", lambda path: nullcontext())

    def extract(self, work, config, source, *, demo_messages=None, resync=()):
        self.night += 1
        with duckdb.connect(str(work)) as con:
            con.execute("create schema if not exists raw")
            load_folders(con, AS_OF + dt.timedelta(days=self.night), rows=self.folders)
        return ExtractResult(source=source, rows={})

    def dbt_build(self, work, *, full_refresh=False, **_):
        self.full_refresh.append(full_refresh)
        if self.fail:
            raise TransformFailed("dbt build failed: 1 failed")
        with duckdb.connect(str(work)) as con:
            con.execute("create schema if not exists marts")
            for table in ("fct_messages", "fct_threads", "dim_mailboxes"):
                con.execute(f"create or replace table marts.{table} as select 1 as n")


@pytest.fixture
def steps(monkeypatch):
    return Steps(monkeypatch)


def build(path: Path, config: Config, **kwargs):
    return mailkpi.build.run(path, config, source="demo", **kwargs)


def test_builds_refresh_fully_exactly_when_config_or_folders_changed(
    tmp_path, steps, yaml_text, caplog
):
    path = tmp_path / "mailkpi.duckdb"
    config = config_from(tmp_path, yaml_text)
    caplog.set_level("INFO", logger="mailkpi")

    def refreshes() -> list[str]:
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("full")]
        caplog.clear()
        return lines

    build(path, config)  # a first build
    assert refreshes() == [f"full refresh: {UNRECORDED}"]
    build(path, config)
    assert refreshes() == []
    steps.folders[1] = RENAMED
    build(path, config)
    assert refreshes() == [f"full refresh: {CHANGED}"]
    build(path, config)
    build(path, config, full_refresh=True)  # an explicit one, nothing changed
    assert refreshes() == []
    holiday = config_from(tmp_path, yaml_text.replace(*HOLIDAY))
    build(path, holiday)
    assert refreshes() == [f"full refresh: {CHANGED}"]
    assert steps.full_refresh == [True, False, True, False, True, True]


def test_a_failed_build_keeps_the_fingerprint_of_the_last_successful_one(
    tmp_path, steps, yaml_text
):
    path = tmp_path / "mailkpi.duckdb"
    config = config_from(tmp_path, yaml_text)
    build(path, config)
    changed = config_from(tmp_path, yaml_text.replace(*BOB))
    steps.fail = True
    with pytest.raises(TransformFailed):
        build(path, changed)
    steps.fail = False
    build(path, changed)  # the change is still new to the file's marts
    build(path, changed)
    assert steps.full_refresh == [True, True, True, False]


def test_a_transform_after_an_extract_only_run_still_sees_the_changed_config(
    tmp_path, steps, yaml_text
):
    path = tmp_path / "mailkpi.duckdb"
    config = config_from(tmp_path, yaml_text)
    build(path, config)
    changed = config_from(tmp_path, yaml_text.replace(*BOB))
    build(path, changed, do_transform=False)  # rewrites the config tables, builds no marts
    build(path, changed, do_extract=False)
    assert steps.full_refresh == [True, True]


# The real CLI and dbt on the small demo build


@pytest.mark.slow
def test_demo_rebuild_is_incremental_until_a_holiday_is_added(
    demo_duckdb, tmp_path, yaml_text, preloaded
):
    path = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(demo_duckdb, path)

    same = preloaded.mailkpi("transform", "--duckdb", str(path), env=offline_env())
    assert same.returncode == 0, same.stderr[-3000:]
    assert "full refresh" not in same.stderr

    config = tmp_path / "mailkpi.yml"
    config.write_text(yaml_text.replace(*HOLIDAY))
    changed = preloaded.mailkpi(
        "transform", "--duckdb", str(path), env=offline_env(MAILKPI_CONFIG=str(config))
    )
    assert changed.returncode == 0, changed.stderr[-3000:]
    assert f"full refresh: {CHANGED}" in changed.stderr.splitlines()


@pytest.mark.slow
def test_a_full_refresh_rebuilds_the_marts_in_the_space_they_had(demo_duckdb, tmp_path, preloaded):
    """dbt replaces every table of a built file; the new tables reuse the old ones' blocks,
    so the file keeps its size (it grew by the size of the models before: 1M messages,
    1.02 GB -> 1.86 GB, copied again by every later night), its marts are the same and what
    else the marts schema holds is kept."""
    path = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(demo_duckdb, path)
    size = path.stat().st_size
    with duckdb.connect(str(path)) as con:  # an analyst's own view among the marts
        con.execute("create view marts.my_threads as select count(*) as n from marts.fct_threads")
        (threads,) = con.execute("select n from marts.my_threads").fetchone()
    done = preloaded.mailkpi(
        "transform", "--full-refresh", "--duckdb", str(path), env=offline_env()
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # the small demo's file: 1.16 times its size after; 1.66 times when dbt dropped the tables
    assert path.stat().st_size <= size * 1.3, (size, path.stat().st_size)
    assert mart_differences(demo_duckdb, path) == {}
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select n from marts.my_threads").fetchone() == (threads,)
