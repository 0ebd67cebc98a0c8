"""Streamlit dashboards (daily sales, inventory, pipeline health) over Gold, Silver and OPS.

One code path for both warehouses: every page reads through ``st.connection("snowflake")`` with
query text from ``dashboards/queries/*.sql`` and bound ``?`` parameters. Production points the
connection at Snowflake (``.streamlit/secrets.toml``, read-only dashboard role); local mode points
the same connection at the local warehouse's fakesnow server (``pos local dashboards``, in
``local/dashboards.py``: this package imports nothing from the local runtime).
"""
