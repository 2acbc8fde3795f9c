"""Dashboard fixtures: the hand-made marts file, and AppTest sessions reading it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboards import fixture_marts

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


@pytest.fixture(scope="session")
def marts_duckdb(tmp_path_factory) -> Path:
    return fixture_marts.build(tmp_path_factory.mktemp("marts") / "mailkpi.duckdb")


@pytest.fixture
def open_app(marts_duckdb, monkeypatch):
    """Start the app on a page (default: the overview) with the sidebar set to `preset`."""
    monkeypatch.setenv("MAILKPI_DUCKDB", str(marts_duckdb))

    def start(page: str | None = None, preset: str = "Last 7 days", **query: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.query_params.update(query)
        at.run()
        if page:
            at.switch_page(f"views/{page}.py").run()
        assert not at.exception, at.exception
        at.sidebar.selectbox(key="preset").set_value(preset).run()
        assert not at.exception, at.exception
        return at

    return start


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def deltas(at: AppTest) -> dict[str, str]:
    return {m.label: m.delta for m in at.metric}


def chart_data(at: AppTest, index: int) -> pd.DataFrame:
    """The rows behind the page's `index`-th Altair chart."""
    chart = at.get("vega_lite_chart")[index].proto
    return pa.ipc.open_stream(chart.datasets[0].data.data).read_pandas()
