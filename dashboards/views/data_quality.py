"""Data quality: how fresh the data is, what was left out and why, and what looks wrong."""

import streamlit as st

from dashboards import queries, ui
from dashboards.filters import page

db, scope = page("Data quality")
DATETIME = "D MMM YYYY, HH:mm"

st.subheader("Loads")
st.caption(
    "The mailboxes this build covers: those in the config file. Mail of a mailbox removed "
    "from it stays in the file's raw data but is in none of these figures."
)
fresh = queries.mailbox_freshness(db, scope)
ui.table(
    fresh,
    "mailbox_freshness",
    column_config={
        "mailbox_name": "Mailbox",
        "mailbox_address": "Address",
        "kind": "Kind",
        "built_as_of": st.column_config.DatetimeColumn("Built as of", format=DATETIME),
        "read_since": st.column_config.DatetimeColumn(
            "Read since",
            format=DATETIME,
            help="The first load of this mailbox (its mail reaches back initial_lookback_days).",
        ),
        "read_until": st.column_config.DatetimeColumn(
            "Read until",
            format=DATETIME,
            help="The latest load that read it: before Built as of when Graph could not serve it.",
        ),
        "newest_message": st.column_config.DatetimeColumn("Newest message", format=DATETIME),
        "messages_loaded": st.column_config.NumberColumn("Messages loaded"),
        "messages_counted": st.column_config.NumberColumn("Counted"),
    },
)
st.markdown("**Last successful load of each store**")
ui.table(
    queries.last_loads(db, scope),
    "last_loads",
    column_config={
        "mailbox_address": "Mailbox",
        "store_address": "Store read",
        "source": "Source",
        "last_load_finished_at": st.column_config.DatetimeColumn("Finished", format=DATETIME),
        "messages_new": "New",
        "messages_changed": "Changed",
        "messages_removed": "Removed",
        "resyncs": st.column_config.NumberColumn(
            "Resyncs", help="Folders read again from scratch after Graph expired a delta link."
        ),
        "loads": "Loads so far",
    },
)

st.subheader("Automation rules without headers")
st.caption(
    "Counted inbound messages Graph returned without their internet headers: only the "
    "sender and subject rules could tell automated mail among them (Mail.ReadBasic.All, "
    "or copies Graph sent without headers; see docs/graph-setup.md)."
)
ui.table(
    queries.classified_without_headers(db, scope),
    "classified_without_headers",
    column_config={
        "mailbox_address": "Mailbox",
        "inbound_counted": st.column_config.NumberColumn("Inbound counted"),
        "without_headers": st.column_config.NumberColumn("Without headers"),
        "share_without_headers": st.column_config.NumberColumn(
            "Share without headers", format="percent"
        ),
    },
)

st.subheader("Messages left out, by rule")
excluded = queries.excluded_by_rule(db, scope)
if excluded.empty:
    st.success("Every message in this range counts.")
else:
    excluded["rule"] = excluded["excluded_reason"].map(ui.excluded_reason)
    ui.table(
        excluded[["mailbox_address", "rule", "excluded_reason", "messages"]],
        "excluded_by_rule",
        column_config={
            "mailbox_address": "Mailbox",
            "rule": "Rule",
            "excluded_reason": "Code",
            "messages": "Messages",
        },
    )
    reason = st.selectbox(
        "Show the messages left out as",
        list(dict.fromkeys(excluded["excluded_reason"])),
        format_func=ui.excluded_reason,
        key="excluded_reason",
    )
    sample = queries.excluded_messages(db, scope, reason)
    ui.table(
        ui.with_thread_links(sample),
        f"excluded_{reason}",
        column_order=["thread", "message_at", "from_address", "subject", "folder_name",
                      "store_address", "mailbox_address"],
        column_config={
            "thread": ui.THREAD_LINK,
            "message_at": st.column_config.DatetimeColumn("When", format=DATETIME),
            "from_address": "From",
            "subject": "Subject",
            "folder_name": "Folder",
            "store_address": "Read from",
            "mailbox_address": "Mailbox",
        },
    )  # fmt: skip
    st.caption("The 500 most recent; the CSV holds the same rows.")

st.subheader("Quarantined items")
held = queries.quarantined(db, scope)
if held.empty:
    st.success("Nothing was quarantined: every item the loads returned could be read.")
else:
    st.caption(f"{len(held):,} items could not be read as messages; the rest of each load went on.")
    ui.table(
        held,
        "quarantined_items",
        column_config={
            "observed_at": st.column_config.DatetimeColumn("Seen", format=DATETIME),
            "mailbox_address": "Mailbox",
            "store_address": "Store read",
            "folder_id": "Folder id",
            "message_id": "Item id",
            "reason": "Reason",
        },
    )

st.subheader("Threads with anomalies")
ANOMALIES = {  # code: (short name for the table, what it means)
    "outbound_without_agent": ("Reply with no agent", "sent as the mailbox (Send As) or from "
                               "an address not listed as an agent"),
    "reply_without_team_message": ("Missing Sent Items copy", "a customer's “RE:” opens the "
                                   "thread: the team message it answers was never loaded"),
}  # fmt: skip
found = queries.anomalies(db, scope)
if found.empty:
    st.success("No anomalies in this range.")
else:
    for code, (name, meaning) in ANOMALIES.items():
        st.markdown(f"- **{(found['anomaly'] == code).sum():,}** {name.lower()}: {meaning}")
    ui.table(
        ui.with_thread_links(found).assign(
            anomaly=found["anomaly"].map(lambda code: ANOMALIES[code][0])
        ),
        "anomalies",
        column_order=["thread", "anomaly", "subject", "customer_address", "messages",
                      "first_seen_at", "mailbox_address"],
        column_config={
            "thread": ui.THREAD_LINK,
            "anomaly": "Anomaly",
            "subject": "Subject",
            "customer_address": "Customer",
            "messages": "Messages",
            "first_seen_at": st.column_config.DatetimeColumn("First seen", format=DATETIME),
            "mailbox_address": "Mailbox",
        },
    )  # fmt: skip
