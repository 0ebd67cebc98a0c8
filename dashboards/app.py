"""Entry point of the dashboards: ``streamlit run dashboards/app.py``.

A multipage app (``st.navigation``); each page is a script in ``views/`` that also runs on its own,
which is how the tests drive them (AppTest does not support ``st.navigation``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

VIEWS = Path(__file__).parent / "views"

st.set_page_config(page_title="Retail POS", page_icon=":material/storefront:", layout="wide")
pages = [
    st.Page(
        VIEWS / "daily_sales.py", title="Daily sales", icon=":material/point_of_sale:", default=True
    ),
    st.Page(
        VIEWS / "inventory.py",
        title="Inventory",
        icon=":material/inventory_2:",
        url_path="inventory",
    ),
    st.Page(
        VIEWS / "online_funnel.py",
        title="Online funnel",
        icon=":material/shopping_cart:",
        url_path="online-funnel",
    ),
    st.Page(
        VIEWS / "store_operations.py",
        title="Store operations",
        icon=":material/build:",
        url_path="store-operations",
    ),
    st.Page(VIEWS / "pipeline_health.py", title="Pipeline health", icon=":material/monitor_heart:"),
]
st.navigation(pages).run()
