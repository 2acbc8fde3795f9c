"""Page furniture shared by every page: the no-data page, tables with CSV download, formats."""

from __future__ import annotations

import math
from urllib.parse import urlencode

import duckdb
import pandas as pd
import streamlit as st

from . import queries
from .queries import Database

# Thread states (fct_threads.status) in the words support teams use, in lifecycle order.
STATE_LABELS = {
    "new": "New",
    "assigned": "Assigned",
    "awaiting_response": "Awaiting response",
    "waiting_on_customer": "Waiting on customer",
    "resolved": "Resolved",
}

# fct_message_audit.excluded_reason, as the data-quality page and thread timelines say it.
EXCLUDED_REASONS = {
    "draft": "draft",
    "excluded_folder": "in an excluded folder",
    "automated_header": "automated (Auto-Submitted / Precedence header)",
    "automated_sender": "automated sender (no-reply, mailer-daemon…)",
    "automated_subject": "automated subject (out of office, undeliverable…)",
    "internal_sender": "from a colleague (internal domain)",
    "internal_conversation": "a conversation among colleagues only",
    "not_team_conversation": "not the team's conversation",
}


def excluded_reason(code: str | None) -> str:
    """The words for an exclusion code; "counted" for none, the code itself if unknown."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return "counted"
    return EXCLUDED_REASONS.get(code, code.replace("_", " "))


def _no_data(title: str, body: str) -> None:
    st.title("mailkpi")
    st.info(f"**{title}**\n\n{body}", icon=":material/inbox:")
    st.stop()


def require_database() -> Database:
    """The current DuckDB file with its marts, or a page that says what to do instead."""
    db = queries.current_database()
    where = f"`{queries.database_path()}`"
    if db is None:
        _no_data(
            "No data yet",
            f"There is no database at {where}. Run `make build` (or `mailkpi build`) to "
            "load your mailboxes — or the bundled demo tenant — then reload this page.",
        )
    try:
        missing = queries.missing_marts(db)
    except duckdb.Error as exc:
        _no_data(
            "The database cannot be read right now",
            f"{where}: {str(exc).splitlines()[0]}\n\nIf a build is running, wait for it to "
            "finish and reload; otherwise run `make build` again.",
        )
    if missing:
        _no_data(
            "The database has no dashboard tables yet",
            f"{where} lacks {', '.join(f'`marts.{m}`' for m in missing)}. "
            "Run `make build` to create them, then reload this page.",
        )
    return db


def table(frame: pd.DataFrame, name: str, **dataframe_args):
    """A table with a button that downloads exactly what it shows as CSV; returns what
    st.dataframe returns (the selection, when `on_select` is given)."""
    config = {"period_start": st.column_config.DateColumn("Period start", format="D MMM YYYY")}
    config |= dataframe_args.pop("column_config", {})
    shown = st.dataframe(
        frame,
        width="stretch",
        hide_index=True,
        placeholder="–",
        column_config=config,
        **dataframe_args,
    )
    st.download_button(
        "Download CSV",
        frame.to_csv(index=False).encode(),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv-{name}",
        icon=":material/download:",
    )
    return shown


def duration(minutes: float | None) -> str:
    """Minutes as a manager reads them: 45 min, 3.5 h, 2.1 d."""
    if minutes is None or (isinstance(minutes, float) and math.isnan(minutes)):
        return "–"
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"


def percent(rate: float | None) -> str:
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "–"
    return f"{rate:.0%}"


def count(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}"


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def with_thread_links(frame: pd.DataFrame) -> pd.DataFrame:
    """Add a `thread` column linking each row to its timeline on the Threads page."""
    links = [
        "threads?" + urlencode({"mailbox": m, "conversation": c})
        for m, c in zip(frame["mailbox_address"], frame["conversation_id"], strict=True)
    ]
    return frame.assign(thread=links)


THREAD_LINK = st.column_config.LinkColumn("Thread", display_text="Open", width="small")
