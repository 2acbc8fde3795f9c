"""mailkpi dashboards: routing only; each page lives in dashboards/pages/."""

import streamlit as st

st.set_page_config(page_title="mailkpi", page_icon=":material/mail:", layout="wide")

st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/response_times.py", title="Response times", icon=":material/timer:"),
        st.Page("pages/agents.py", title="Agents", icon=":material/group:"),
        st.Page("pages/workload.py", title="Workload", icon=":material/inbox:"),
        st.Page("pages/sla_backlog.py", title="SLA & backlog", icon=":material/alarm:"),
        st.Page("pages/threads.py", title="Threads", icon=":material/forum:"),
        st.Page("pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
    ]
).run()
