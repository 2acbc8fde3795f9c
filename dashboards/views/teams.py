"""Team comparison: the chosen mailboxes side by side, one row each."""

import pandas as pd
import streamlit as st

from dashboards import queries, semantic, ui
from dashboards.filters import page

db, scope = page("Team comparison")
FIRST_RESPONSE_MEDIAN = semantic.on_clock(
    scope, "first_response_business_minutes_median", "first_response_minutes_median"
)
CLOCK_NAME = "business-hours" if scope.clock == "business" else "calendar"
REPLY_MEDIAN = semantic.on_clock(scope, "reply_business_minutes_median", "reply_minutes_median")
KPIS = (
    "inbound_messages",
    "new_threads",
    FIRST_RESPONSE_MEDIAN,
    REPLY_MEDIAN,
    "sla_met_rate",
    "one_touch_resolution_rate",
    "outside_hours_inbound_share",
)

names = queries.mailbox_options(db).set_index("mailbox_address")["mailbox_name"]
kpis = semantic.metrics(db, scope, KPIS, ("mailbox",))
# as of the build, whatever the dates
backlog = semantic.metrics(
    db, scope, ("open_threads", "waiting_on_team_threads"), ("mailbox",), dated=False
)
teams = (
    pd.DataFrame({"mailbox": list(scope.mailboxes)})
    .merge(backlog, on="mailbox", how="left")
    .fillna({"open_threads": 0, "waiting_on_team_threads": 0})
    .astype({"open_threads": int, "waiting_on_team_threads": int})
    .merge(kpis, on="mailbox", how="left")
)
teams.insert(0, "Team", teams["mailbox"].map(names))
teams = teams.rename(
    columns={
        "mailbox": "Mailbox",
        "inbound_messages": "Inbound messages",
        "new_threads": "New threads",
        FIRST_RESPONSE_MEDIAN: "Median first response (min)",
        REPLY_MEDIAN: "Median reply (min)",
        "sla_met_rate": "SLA met",
        "one_touch_resolution_rate": "One-touch resolution",
        "outside_hours_inbound_share": "Mail outside hours",
        "open_threads": "Backlog (open now)",
        "waiting_on_team_threads": "Waiting on the team now",
    }
)
percent = st.column_config.NumberColumn(format="percent")
minutes = st.column_config.NumberColumn(format="%.0f")
ui.table(
    teams,
    "team_comparison",
    column_config={
        "SLA met": percent,
        "One-touch resolution": percent,
        "Mail outside hours": percent,
        "Median first response (min)": minutes,
        "Median reply (min)": minutes,
    },
)
st.caption(
    f"Volumes and medians over the range ({CLOCK_NAME} clock), "
    "each team in its own time zone; the backlog is as of the last build."
)
