"""The sidebar filters every page shares; choices persist while the user switches pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import streamlit as st

from . import queries
from .periods import GRAINS, PRESETS, Period, preset_period
from .queries import Database
from .scope import SHARED_MAILBOX, SHARED_MAILBOX_LABEL, Scope
from .ui import require_database

CLOCKS = {"business": "Business hours", "calendar": "Calendar time"}


def _as_of_local(db: Database, timezone: str) -> dt.datetime:
    as_of = queries.as_of(db) or dt.datetime.now(dt.UTC)
    return as_of.astimezone(ZoneInfo(timezone))


def page(title: str) -> tuple[Database, Scope]:
    """The database, the sidebar filters, and a title line saying what the numbers cover."""
    db = require_database()
    boxes = queries.mailbox_options(db)
    names = dict(zip(boxes["mailbox_address"], boxes["mailbox_name"], strict=True))
    zones = dict(zip(boxes["mailbox_address"], boxes["timezone"], strict=True))
    with st.sidebar:
        selected = st.multiselect(
            "Mailboxes",
            list(names),
            default=list(names),
            format_func=names.get,
            key="mailboxes",
            persist_state="session",
        )
        if not selected:
            st.warning("Choose at least one mailbox.")
            st.stop()
        # Presets count back from the day of the last build, in the first mailbox's time zone.
        as_of = _as_of_local(db, zones[selected[0]])
        preset = st.selectbox("Date range", PRESETS, index=1, key="preset", persist_state="session")
        if preset == "Custom":
            default = preset_period("Last 30 days", as_of.date())
            chosen = st.date_input(
                "From – to",
                value=(default.start, default.end),
                max_value=as_of.date(),
                key="custom_range",
                persist_state="session",
            )
            if len(chosen) != 2:
                st.info("Pick the last day of the range.")
                st.stop()
            period = Period(*chosen)
        else:
            period = preset_period(preset, as_of.date())
        st.caption(f"Compared with {period.previous().label()}")
        grain = st.segmented_control(
            "Granularity", GRAINS, default="day", required=True, key="grain",
            persist_state="session",
        )  # fmt: skip
        clock = st.segmented_control(
            "Clock", list(CLOCKS), default="business", format_func=CLOCKS.get, required=True,
            key="clock", persist_state="session",
            help="Business hours count only the minutes inside each mailbox's opening hours.",
        )  # fmt: skip
        agents = queries.agent_options(db, tuple(selected))
        labels = {None: "All agents"}
        labels |= dict(zip(agents["agent_address"], agents["agent_name"], strict=True))
        labels[SHARED_MAILBOX] = SHARED_MAILBOX_LABEL
        agent = st.selectbox(
            "Agent",
            list(labels),
            format_func=labels.get,
            key="agent",
            persist_state="session",
            help="Replies sent as the shared mailbox (Send As) name no agent; "
            "they are grouped as “Shared mailbox (Send As)”.",
        )
    st.title(title)
    st.caption(
        f"{', '.join(names[m] for m in selected)} · {period.label()} · "
        f"{CLOCKS[clock].lower()} · {labels[agent].lower() if agent is None else labels[agent]}"
        f" · **data as of {as_of:%d %b %Y %H:%M}** ({zones[selected[0]]})"
    )
    return db, Scope(tuple(selected), period.start, period.end, grain, clock, agent)
