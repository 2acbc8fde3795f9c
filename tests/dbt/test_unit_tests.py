"""The dbt unit tests (`unit_tests:` beside the models) pass.

Nightly builds leave them out (dbt/selectors.yml `nightly`, which `mailkpi/transform.py`
runs): their inputs are fixed rows, so they check the SQL, not the mail, and belong here.
They read the column types of each model's inputs from a built file, so they run against a
copy of the session's demo build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from dbt.cli.main import dbtRunner

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"


def defined_unit_tests() -> set[str]:
    """The names of the unit tests the models' YAML files define."""
    return {
        test["name"]
        for path in (DBT_DIR / "models").rglob("*.yml")
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", [])
    }


@pytest.mark.slow
def test_every_dbt_unit_test_passes(demo_duckdb, tmp_path, monkeypatch):
    copy = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(demo_duckdb, copy)
    monkeypatch.setenv("MAILKPI_DUCKDB", str(copy))

    result = dbtRunner().invoke(
        ["test", "--select", "test_type:unit", "--project-dir", str(DBT_DIR),
         "--profiles-dir", str(DBT_DIR), "--target-path", str(tmp_path / "target")]
    )  # fmt: skip

    assert result.exception is None
    outcomes = {r.node.unique_id: str(r.status) for r in result.result}
    # the project's on-run-start hook reports beside the unit tests
    units = {u: s for u, s in outcomes.items() if u.startswith("unit_test.")}
    hooks = {u: s for u, s in outcomes.items() if u.startswith("operation.")}
    assert len(units) + len(hooks) == len(outcomes), outcomes
    assert {u.rsplit(".", 1)[1] for u in units} == defined_unit_tests()  # every one ran
    assert set(units.values()) == {"pass"}, units
    assert set(hooks.values()) <= {"success"}, hooks
