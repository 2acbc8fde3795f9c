"""The hand-made marts the dashboard tests read have the dbt contracts' columns and types."""

from __future__ import annotations

import duckdb
import pytest

from tests.dashboards import fixture_marts


def test_every_fixture_mart_has_exactly_its_contracts_columns():
    assert fixture_marts.contract_gaps() == []


def test_the_built_marts_carry_the_contracts_types_in_their_order(marts_duckdb):
    with duckdb.connect(str(marts_duckdb), read_only=True) as con:
        for mart in fixture_marts.marts():
            built = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [mart],
            ).fetchall()
            # DuckDB's own spelling of each contract type (`string` reads as VARCHAR)
            contract = fixture_marts.contract(mart)
            spelled = con.execute(
                "select " + ", ".join(f"cast(null as {t}) as {c}" for c, t in contract.items())
            ).description
            assert built == [(c, str(d[1])) for c, d in zip(contract, spelled, strict=True)]


def test_a_column_the_contract_gains_stops_the_fixture(tmp_path, monkeypatch):
    contract = fixture_marts.contract
    monkeypatch.setattr(
        fixture_marts,
        "contract",
        lambda mart: (
            contract(mart) | ({"handle_minutes": "double"} if mart == "fct_threads" else {})
        ),
    )
    assert fixture_marts.contract_gaps() == [
        "fct_threads.handle_minutes: in the contract, not in the fixture"
    ]
    with pytest.raises(AssertionError, match=r"fct_threads\.handle_minutes"):
        fixture_marts.build(tmp_path / "mailkpi.duckdb")
    assert not (tmp_path / "mailkpi.duckdb").exists()
