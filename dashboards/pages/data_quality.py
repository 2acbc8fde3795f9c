import streamlit as st

from dashboards.filters import page

db, scope = page("Data quality")
st.write("coming")
