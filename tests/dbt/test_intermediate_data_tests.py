"""The intermediate models' data tests pass on the demo build.

Nightly builds leave them out (dbt/selectors.yml `nightly`, docs/decisions.md): each is a
node costing dbt's fixed overhead at any size, and the marts' constraints and tests check
the same rows downstream. They run here instead, on a copy of the session's demo build.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from dbt.cli.main import dbtRunner

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"
# one worker parses the project once for both tests
pytestmark = pytest.mark.xdist_group("dbt_on_demo_copy")


def declared_data_tests(folder: Path) -> int:
    """The data tests the yml files under `folder` declare, on models and on columns."""
    count = 0
    for path in folder.rglob("*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            count += len(model.get("data_tests", []))
            count += sum(len(c.get("data_tests", [])) for c in model.get("columns", []))
    return count


@pytest.fixture(scope="module")
def dbt_on_demo_copy(demo_duckdb, tmp_path_factory) -> Iterator:
    """Run dbt commands against a copy of the demo build; the project is parsed once."""
    folder = tmp_path_factory.mktemp("intermediate-tests")
    copy = folder / "mailkpi.duckdb"
    shutil.copyfile(demo_duckdb, copy)

    def invoke(*args: str):
        return dbtRunner().invoke(
            [*args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
             "--target-path", str(folder / "target")]
        )  # fmt: skip

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAILKPI_DUCKDB", str(copy))
        yield invoke


@pytest.mark.slow
def test_every_intermediate_data_test_passes(dbt_on_demo_copy):
    result = dbt_on_demo_copy("test", "--selector", "intermediate_data_tests")

    assert result.exception is None
    tests = {r.node.unique_id: r for r in result.result if r.node.unique_id.startswith("test.")}
    assert {str(r.status) for r in tests.values()} == {"pass"}, {
        u: (str(r.status), r.message) for u, r in tests.items() if str(r.status) != "pass"
    }
    generic = [r.node for r in tests.values() if hasattr(r.node, "test_metadata")]
    singular = [r.node for r in tests.values() if not hasattr(r.node, "test_metadata")]
    assert all(n.original_file_path.startswith("models/intermediate/") for n in generic)
    assert len(generic) == declared_data_tests(DBT_DIR / "models" / "intermediate") >= 80
    assert [n.name for n in singular] == ["business_clock_segments_contiguous"]


@pytest.mark.slow
def test_nightly_build_leaves_out_unit_tests_and_intermediate_data_tests(dbt_on_demo_copy):
    def listed(*selection: str) -> set[str]:
        result = dbt_on_demo_copy(
            "ls", *selection, "--output", "json", "--output-keys", "unique_id", "--quiet"
        )
        assert result.exception is None
        return {json.loads(line)["unique_id"] for line in result.result}

    nightly = listed("--selector", "nightly")
    runnable = {u for u in listed("--resource-type", "all") if u.split(".")[0] != "source"}
    left_out = runnable - nightly

    assert left_out == listed("--resource-type", "unit_test") | listed(
        "--selector", "intermediate_data_tests"
    )


@pytest.mark.slow
def test_incremental_nights_leave_out_views_the_time_spine_and_the_tests_of_config_and_folders(
    dbt_on_demo_copy,
):
    def listed(*selection: str) -> set[str]:
        result = dbt_on_demo_copy(
            "ls", *selection, "--output", "json", "--output-keys", "unique_id", "--quiet"
        )
        assert result.exception is None
        return {json.loads(line)["unique_id"] for line in result.result}

    nightly = listed("--selector", "nightly")
    left_out = nightly - listed("--selector", "nightly_incremental")

    views = listed("--resource-type", "model", "--select", "config.materialized:view")
    config_and_folder_tests = nightly & listed(
        "--resource-type", "test",
        "--select", "stg_config__mailboxes stg_config__team_addresses stg_msgraph__mail_folders",
    )  # fmt: skip
    assert len(config_and_folder_tests) == 5
    spine = {"model.mailkpi.metricflow_time_spine"}  # its days are fixed
    assert left_out == views | config_and_folder_tests | spine


@pytest.mark.slow
@pytest.mark.parametrize(
    ("null_key", "failures"),
    [
        ("store_address = null", 1),
        ("message_id = null", 1),
        # a folder's resync marker: the one row whose message_id is null by design
        ("message_id = null, is_removed = true, removed_reason = 'resync'", 0),
    ],
)
def test_a_null_key_of_a_raw_observation_fails_the_one_not_null_test(
    demo_duckdb, tmp_path, monkeypatch, null_key, failures
):
    import duckdb

    copy = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(demo_duckdb, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            f"update raw.message_observations set {null_key} where rowid = "
            "(select min(rowid) from raw.message_observations)"
        )
    finally:
        con.close()
    monkeypatch.setenv("MAILKPI_DUCKDB", str(copy))

    result = dbtRunner().invoke(
        ["test", "--select", "test_name:not_null_columns", "--project-dir", str(DBT_DIR),
         "--profiles-dir", str(DBT_DIR), "--target-path", str(tmp_path / "target")]
    )  # fmt: skip

    [outcome] = [r for r in result.result if r.node.unique_id.startswith("test.")]
    assert outcome.node.name.startswith("not_null_columns_stg_msgraph__message_observations_")
    assert (str(outcome.status), outcome.failures) == ("fail" if failures else "pass", failures)


@pytest.mark.slow
def test_a_duplicated_row_fails_its_unique_columns_test_and_only_it(
    demo_duckdb, tmp_path, monkeypatch
):
    import duckdb

    copy = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(demo_duckdb, copy)
    with duckdb.connect(str(copy)) as con:
        # a thread's event twice; the shared mailbox's row (agent_address null) twice: nulls
        # group alike, as the text of the former test made them ('(shared mailbox)')
        con.execute(
            "insert into marts.fct_thread_events select * from marts.fct_thread_events limit 1"
        )
        con.execute(
            "insert into marts.dim_agents select * from marts.dim_agents"
            " where agent_address is null limit 1"
        )
    monkeypatch.setenv("MAILKPI_DUCKDB", str(copy))

    result = dbtRunner().invoke(
        ["test", "--select", "test_name:unique_columns", "--project-dir", str(DBT_DIR),
         "--profiles-dir", str(DBT_DIR), "--target-path", str(tmp_path / "target")]
    )  # fmt: skip

    outcomes = {
        r.node.attached_node.split(".")[-1]: (str(r.status), r.failures)
        for r in result.result
        if r.node.unique_id.startswith("test.")
    }
    assert len(outcomes) >= 15
    assert {m: o for m, o in outcomes.items() if o != ("pass", 0)} == {
        "fct_thread_events": ("fail", 1),
        "dim_agents": ("fail", 1),
    }
