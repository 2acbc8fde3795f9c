"""`mailkpi dashboard`'s server: `streamlit run`, with the libraries every page imports
already imported when the server starts, so that no visitor's first page pays for them.

Streamlit runs a page's script in the server's own process, where a module imported once
stays imported: the first page of a fresh server otherwise spends over a second importing
pandas, Altair and DuckDB (docs/performance.md, "Dashboard pages").

    python -m dashboards.serve run dashboards/app.py [streamlit's options]
"""

from __future__ import annotations

import importlib
import sys

# what the pages import before they ask for their first figure, and MetricFlow's engine,
# which compiles a query shape asked for the first time (0.8 s of imports); not the app's
# own modules (50 ms): their st.cache_data functions must be made once Streamlit's runtime
# exists
PRELOADED = (
    "pandas",
    "pyarrow",
    "altair",
    "duckdb",
    "metricflow.engine.metricflow_engine",
    "metricflow_semantics.model.dbt_manifest_parser",
    "metricflow_semantics.model.semantic_manifest_lookup",
)


def preload() -> None:
    for name in PRELOADED:
        importlib.import_module(name)


if __name__ == "__main__":
    from streamlit.web import cli

    preload()
    sys.exit(cli.main(prog_name="streamlit"))
