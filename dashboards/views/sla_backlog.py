"""SLA & backlog: what is open and how old, who is waiting past target, and the trend."""

import altair as alt
import streamlit as st

from dashboards import charts, queries, semantic, ui
from dashboards.filters import page

db, scope = page("SLA & backlog")
# fct_threads.yml, the open_age dimension's buckets
AGE_BUCKETS = ["< 1 day", "1–3 days", "3–7 days", "1–2 weeks", "2–4 weeks", "> 4 weeks"]

st.subheader("Open threads by age")
# open threads by the thread's open_age bucket and status, as of the build (any dates)
ages = semantic.metrics(db, scope, ("open_threads",), ("open_age", "status"), by_agent=True,
                        dated=False)  # fmt: skip
ages = ages[ages["open_threads"] > 0].rename(columns={"open_age": "age", "open_threads": "threads"})
ages["status"] = ages["status"].map(ui.STATE_LABELS)
if ages.empty:
    st.success("No open threads.")
else:
    chart = (
        alt.Chart(ages)
        .mark_bar()
        .encode(
            x=alt.X("age:N", title="Age (since the customer's first message)",
                    sort=AGE_BUCKETS, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("threads:Q", title="Open threads"),
            color=alt.Color("status:N", title=None, scale=alt.Scale(scheme="tableau10"),
                            legend=alt.Legend(orient="top")),
            tooltip=["age:N", "status:N", "threads:Q"],
        )
    )  # fmt: skip
    st.altair_chart(chart, width="stretch")
    st.caption(f"{ages['threads'].sum():,} open threads as of the data, whatever the date range.")

st.subheader("Waiting for a first response")
watch = queries.sla_watchlist(db, scope)
if watch.empty:
    st.success("Every customer thread with a first-response target has had its first reply.")
else:
    counts = watch["sla_status"].value_counts()
    st.caption(
        f"{counts.get('breached', 0)} past their target (breached), "
        f"{counts.get('at risk', 0)} at risk (over {queries.AT_RISK_SHARE:.0%} of the target "
        f"used), {counts.get('within target', 0)} within target. Time used counts on the "
        "target's own clock (business hours or calendar). Open a thread to see its timeline."
    )
    ui.table(
        ui.with_thread_links(watch).assign(
            status=watch["status"].map(ui.STATE_LABELS),
            target_used=watch["target_used"].clip(upper=1),  # breached: a full bar
        ),
        "sla_watchlist",
        column_order=["thread", "sla_status", "target_used", "subject", "customer_address",
                      "sla_tier", "assignee", "status", "waiting_since", "used_hours",
                      "target_hours", "target_clock", "mailbox_address"],
        column_config={
            "thread": ui.THREAD_LINK,
            "sla_status": "SLA",
            "target_used": st.column_config.ProgressColumn(
                "Target used", format="percent", min_value=0, max_value=1
            ),
            "subject": "Subject",
            "customer_address": "Customer",
            "sla_tier": "Tier",
            "assignee": "Assignee",
            "status": "State",
            "waiting_since": st.column_config.DatetimeColumn("Waiting since",
                                                            format="D MMM YYYY, HH:mm"),
            "used_hours": st.column_config.NumberColumn("Time used", format="%.1f h"),
            "target_hours": st.column_config.NumberColumn("Target", format="%.1f h"),
            "target_clock": "Clock",
            "mailbox_address": "Mailbox",
        },
    )  # fmt: skip

st.subheader("Breached in this range")
late = queries.sla_breached_in_range(db, scope)
if late.empty:
    st.success("No thread that started in this range breached its first-response target.")
else:
    ui.table(
        ui.with_thread_links(late),
        "sla_breached",
        column_order=["thread", "subject", "customer_address", "sla_tier", "first_inbound_at",
                      "first_response_at", "first_responder", "first_response_hours",
                      "mailbox_address"],
        column_config={
            "thread": ui.THREAD_LINK,
            "subject": "Subject",
            "customer_address": "Customer",
            "sla_tier": "Tier",
            "first_inbound_at": st.column_config.DatetimeColumn("Customer wrote",
                                                               format="D MMM YYYY, HH:mm"),
            "first_response_at": st.column_config.DatetimeColumn("First reply",
                                                                format="D MMM YYYY, HH:mm"),
            "first_responder": "By",
            "first_response_hours": st.column_config.NumberColumn("Took", format="%.1f h"),
            "mailbox_address": "Mailbox",
        },
    )  # fmt: skip

st.subheader("Backlog over time")
period = f"metric_time__{scope.grain}"
BACKLOG = {  # column: metric, per mailbox and local day (every agent)
    "opened_threads": "opened_threads",
    "resolved_threads": "backlog_resolved_threads",
    "reopened_threads": "reopened_threads",
    "open_threads": "backlog_open_threads",
}
backlog = (
    semantic.metrics(db, scope, tuple(BACKLOG.values()), (period,))
    .rename(columns={period: "period_start"} | {m: c for c, m in BACKLOG.items()})
    .reindex(columns=["period_start", *BACKLOG])
)
if backlog.empty:
    st.info("No backlog history in this range.")
else:
    left, right = st.columns(2)
    with left:
        st.altair_chart(
            charts.trend(backlog, {"open_threads": "Open at period end"}, scope.grain,
                         "Open threads"),
            width="stretch",
        )  # fmt: skip
    with right:
        st.altair_chart(
            charts.trend(backlog, {"opened_threads": "Opened", "resolved_threads": "Resolved",
                                   "reopened_threads": "Reopened"}, scope.grain, "Threads",
                         kind="bar"),
            width="stretch",
        )  # fmt: skip
    st.caption("Per mailbox, every agent: the agent filter does not apply to the backlog.")
    ui.table(
        backlog,
        "backlog",
        column_config={
            "opened_threads": "Opened",
            "resolved_threads": "Resolved",
            "reopened_threads": "Reopened",
            "open_threads": "Open at period end",
        },
    )
