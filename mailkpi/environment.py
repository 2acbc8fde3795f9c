"""What every mailkpi process starts from: the project's root, and the environment that
keeps dlt, dbt and Streamlit off the network (set before any of them is imported)."""

from pathlib import Path

QUIET_ENV = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DBT_VERSION_CHECK": "false",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}
ROOT = Path(__file__).resolve().parent.parent
