-- Dashboards query on their own extra-small warehouse (granted by snowflake/admin/bootstrap.sql),
-- so a Streamlit session never keeps the pipeline's warehouse awake. V23 had granted them the
-- pipeline warehouse; this takes it back (the deploy role owns that warehouse).
REVOKE USAGE ON WAREHOUSE {{ warehouse }} FROM ROLE {{ dashboard_role }};
