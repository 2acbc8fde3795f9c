"""Customers: which companies write, how fast they are answered, and who is waiting now."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import queries, semantic, ui
from dashboards.filters import page

db, scope = page("Customers")
FIRST_RESPONSE_MEDIAN = semantic.on_clock(
    scope, "first_response_business_minutes_median", "first_response_minutes_median"
)
CLOCK_NAME = "business-hours" if scope.clock == "business" else "calendar"
REPLY_MEDIAN = semantic.on_clock(scope, "reply_business_minutes_median", "reply_minutes_median")
RANKED = (
    "new_threads",
    FIRST_RESPONSE_MEDIAN,
    REPLY_MEDIAN,
    "sla_met_rate",
    "reopen_rate",
    "one_touch_resolution_rate",
    "replies_to_resolve_avg",
)

st.subheader("Companies by threads")
ranked = semantic.metrics(db, scope, RANKED, ("customer_name",))
ranked = ranked[ranked["customer_name"].notna() & (ranked["new_threads"].fillna(0) > 0)]
if ranked.empty:
    st.info("No customer threads started in this range.")
    st.stop()
waiting = queries.waiting_by_customer(db, scope)
table = ranked.merge(waiting, on="customer_name", how="left")
table["waiting_now"] = table["waiting_now"].fillna(0).astype(int)
table["longest_wait"] = table["longest_wait_minutes"].map(ui.duration)
table = table.sort_values(["new_threads", "customer_name"], ascending=[False, True])
table = table.rename(
    columns={
        "customer_name": "Company",
        "new_threads": "Threads",
        FIRST_RESPONSE_MEDIAN: "Median first response (min)",
        REPLY_MEDIAN: "Median reply (min)",
        "sla_met_rate": "SLA met",
        "reopen_rate": "Reopen rate",
        "one_touch_resolution_rate": "One-touch resolution",
        "replies_to_resolve_avg": "Replies to resolve",
        "waiting_now": "Waiting now",
        "longest_wait": "Longest wait",
    }
)
table = table[
    [
        "Company", "Threads", "Median first response (min)", "Median reply (min)", "SLA met",
        "Reopen rate", "Waiting now", "Longest wait", "One-touch resolution",
        "Replies to resolve",
    ]
]  # fmt: skip
percent = st.column_config.NumberColumn(format="percent")
minutes = st.column_config.NumberColumn(format="%.0f")
ui.table(
    table,
    "customers",
    column_config={
        "SLA met": percent,
        "Reopen rate": percent,
        "One-touch resolution": percent,
        "Replies to resolve": st.column_config.NumberColumn(format="%.1f"),
        "Median first response (min)": minutes,
        "Median reply (min)": minutes,
    },
)
st.caption(
    "Threads that started in the range, by company: the `customers` map in mailkpi.yml names "
    "several domains as one company; any other customer is named by its address domain. "
    f"Times on the {CLOCK_NAME} clock. Waiting now and the "
    "longest wait are as of the last build, timed from the thread's latest message."
)

st.subheader("One company over time")
company = st.selectbox("Company", list(table["Company"]), key="customer")
where = ("{{ Dimension('customer_name') }} = '" + company.replace("'", "''") + "'",)
grain = "week" if scope.grain == "day" else scope.grain  # one company's days are sparse
trend = semantic.metrics(
    db,
    scope,
    ("new_threads", FIRST_RESPONSE_MEDIAN),
    (f"metric_time__{grain}",),
    where,
)
if trend.empty:
    st.info(f"No threads from {company} in this range.")
else:
    trend = trend.rename(columns={f"metric_time__{grain}": "period"})
    trend["period"] = pd.to_datetime(trend["period"]).dt.strftime("%d %b %Y")
    bars = (
        alt.Chart(trend)
        .mark_bar(opacity=0.5)
        .encode(
            x=alt.X("period:O", title=None, sort=None),
            y=alt.Y("new_threads:Q", title="Threads", axis=alt.Axis(tickMinStep=1)),
            tooltip=["period:O", "new_threads:Q"],
        )
    )
    median = f"{FIRST_RESPONSE_MEDIAN}:Q"
    line = (
        alt.Chart(trend)
        .mark_line(point=True, color="#e45756")
        .encode(
            x=alt.X("period:O", sort=None),
            y=alt.Y(median, title="Median first response (min)"),
            tooltip=["period:O", alt.Tooltip(median, format=".0f")],
        )
    )
    st.altair_chart(alt.layer(bars, line).resolve_scale(y="independent"), width="stretch")
    st.caption(
        f"Threads from {company} (bars) and their median first response (line), per {grain}."
    )
