"""Threads: find a thread, then read its timeline and why each message counted or not."""

import streamlit as st

from dashboards import queries, ui
from dashboards.filters import page
from dashboards.scope import SHARED_MAILBOX_LABEL

db, scope = page("Threads")

DATETIME = "D MMM YYYY, HH:mm"
EVENT_LABELS = {
    "message_in": "Customer wrote",
    "message_out": "Team wrote",
    "moved": "Moved",
    "categorized": "Category",
    "assigned": "Assigned",
    "reassigned": "Reassigned",
    "resolved": "Resolved",
    "reopened": "Reopened",
}

# A link from another page (?mailbox=…&conversation=…) opens that thread directly.
linked = (st.query_params.get("mailbox"), st.query_params.get("conversation"))

search_col, state_col = st.columns([2, 3])
search = search_col.text_input(
    "Search", placeholder="Subject, customer address or conversation id", key="thread_search"
)
statuses = state_col.multiselect(
    "State", list(ui.STATE_LABELS), default=list(ui.STATE_LABELS), format_func=ui.STATE_LABELS.get,
    key="thread_states",
)  # fmt: skip
found = queries.thread_list(db, scope, search, tuple(statuses))
total = int(found["matching_threads"].iloc[0]) if len(found) else 0
st.caption(
    f"{total:,} threads with a message in the range"
    + (f"; showing the {len(found):,} most recently active" if total > len(found) else "")
    + ". Select a row to see its timeline. Times are local to each mailbox."
)
selection = ui.table(
    found.drop(columns="matching_threads").assign(status=found["status"].map(ui.STATE_LABELS)),
    "threads",
    on_select="rerun",
    selection_mode="single-row",
    key="thread_table",
    column_config={
        "mailbox_address": "Mailbox",
        "conversation_id": None,
        "subject": "Subject",
        "customer_address": "Customer",
        "status": "State",
        "assignee": "Assignee",
        "first_inbound_at": st.column_config.DatetimeColumn("Customer wrote", format=DATETIME),
        "last_message_at": st.column_config.DatetimeColumn("Last message", format=DATETIME),
        "first_response_hours": st.column_config.NumberColumn("First reply", format="%.1f h"),
        "sla_status": "SLA",
        "inbound_count": "In",
        "outbound_count": "Out",
        "reopen_count": "Reopens",
        "reassignment_count": "Reassignments",
        "topics": st.column_config.ListColumn("Topics"),
    },
)
rows = selection.selection.rows if selection is not None else []
if rows:
    chosen = found.iloc[rows[0]]
    linked = (chosen["mailbox_address"], chosen["conversation_id"])
if not all(linked):
    st.stop()

mailbox, conversation = linked
detail = queries.thread(db, mailbox, conversation)
if detail.empty:
    st.warning("That thread is not in the data (it may belong to a mailbox no longer tracked).")
    st.stop()
t = detail.iloc[0]
st.divider()
st.subheader(t["subject"] or "(no subject)")
st.caption(
    f"{t['mailbox_address']} · customer {t['customer_address'] or '–'} · "
    f"started by the {t['initiated_by']} · conversation id `{t['conversation_id']}`"
)
first_reply = (
    f"{ui.duration(t['first_response_minutes'])} "
    f"({ui.duration(t['first_response_business_minutes'])} in business hours)"
    if not ui.is_missing(t["first_response_minutes"])
    else "not yet"
)
facts = {
    "State": ui.STATE_LABELS.get(t["status"], t["status"]),
    "Assignee": t["assignee"] or "nobody",
    "First reply": first_reply,
    "First-response SLA": t["sla_first_response_status"] or "no target",
    "Reopened": f"{t['reopen_count']}×",
    "Reassigned": f"{t['reassignment_count']}×",
}
for col, (label, value) in zip(st.columns(len(facts)), facts.items(), strict=True):
    col.markdown(f"**{label}**  \n{value}")

st.markdown("**Timeline**: counted messages, folder moves, categories, assignments, resolutions")
events = queries.thread_events(db, mailbox, conversation)
events["event_type"] = events["event_type"].map(EVENT_LABELS)
outbound_events = events["event_type"] == EVENT_LABELS["message_out"]
events["agent_address"] = events["agent_address"].where(
    ~outbound_events, events["agent_address"].fillna(SHARED_MAILBOX_LABEL)
)
ui.table(
    events,
    "thread_events",
    height=min(35 * (len(events) + 1) + 3, 900),
    column_config={
        "event_at": st.column_config.DatetimeColumn("When", format=DATETIME),
        "event_type": "Event",
        "detail": "Detail",
        "agent_address": "Agent",
    },
)

st.markdown("**Messages**, counted or not")
messages = queries.thread_messages(db, mailbox, conversation)
outbound = messages["direction"] == "outbound"
messages["responder"] = messages["responder"].where(
    ~outbound, messages["responder"].fillna(SHARED_MAILBOX_LABEL)
)
messages["why"] = messages["excluded_reason"].map(ui.excluded_reason)
ui.table(
    messages.drop(columns="excluded_reason"),
    "thread_messages",
    height=min(35 * (len(messages) + 1) + 3, 900),
    column_order=["message_at", "is_counted", "why", "direction", "from_address",
                  "responder", "folder_name", "turn_number", "subject", "sender_address",
                  "store_address", "copy_count", "internet_message_id"],
    column_config={
        "message_at": st.column_config.DatetimeColumn("When", format=DATETIME),
        "is_counted": "Counted",
        "why": "Why (not) counted",
        "direction": "Direction",
        "from_address": "From",
        "responder": "Responder",
        "folder_name": "Folder",
        "turn_number": "Turn",
        "subject": "Subject",
        "sender_address": "Sender",
        "store_address": "Read from",
        "copy_count": "Copies",
        "internet_message_id": "Message id",
    },
)  # fmt: skip
st.markdown("**Customer turns and replies**")
turns = queries.thread_turns(db, mailbox, conversation)
turns["replied_by"] = turns["replied_by"].where(
    turns["replied_at"].isna(), turns["replied_by"].fillna(SHARED_MAILBOX_LABEL)
)
ui.table(
    turns,
    "thread_turns",
    column_config={
        "turn_started_at": st.column_config.DatetimeColumn("Customer wrote", format=DATETIME),
        "inbound_message_count": "Messages",
        "replied_at": st.column_config.DatetimeColumn("Answered", format=DATETIME),
        "replied_by": "By",
        "reply_minutes": st.column_config.NumberColumn("Reply (min)", format="%.0f"),
        "reply_business_minutes": st.column_config.NumberColumn(
            "Reply, business (min)", format="%.0f"
        ),
        "is_collision": "Collision",
    },
)
