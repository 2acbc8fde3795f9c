"""mailkpi dashboards: routing only; each page lives in dashboards/views/."""

import streamlit as st

st.set_page_config(page_title="mailkpi", page_icon=":material/mail:", layout="wide")

st.navigation(
    [
        st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("views/response_times.py", title="Response times", icon=":material/timer:"),
        st.Page("views/agents.py", title="Agents", icon=":material/group:"),
        st.Page("views/workload.py", title="Workload", icon=":material/inbox:"),
        st.Page("views/sla_backlog.py", title="SLA & backlog", icon=":material/alarm:"),
        st.Page("views/customers.py", title="Customers", icon=":material/business:"),
        st.Page("views/coverage.py", title="Coverage", icon=":material/schedule:"),
        st.Page("views/teams.py", title="Team comparison", icon=":material/compare:"),
        st.Page("views/threads.py", title="Threads", icon=":material/forum:"),
        st.Page("views/data_quality.py", title="Data quality", icon=":material/fact_check:"),
    ]
).run()
